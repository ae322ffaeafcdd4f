// echo_server: a TCP echo server on 127.0.0.1. Each connection gets its own
// task, which sends back every byte it receives until the client closes its
// write half; a client that resets ends only its own task.
//
//   echo_server [PORT [WORKERS]]   PORT 0 (default 7007) picks a free one;
//                                  WORKERS 0 (default) is one per core.
// Try it: `echo_server 7007 &` then `nc 127.0.0.1 7007`.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <corio/corio.hpp>

namespace {

corio::Coro<void> echo(corio::TcpStream connection) {
    corio::TcpStream stream = std::move(connection);  // closes when the body ends
    const std::string peer = stream.peer_address().to_string();
    std::vector<std::byte> buffer(64 * 1024);
    std::size_t total = 0;
    try {
        while (std::size_t n = co_await stream.read_some(buffer)) {
            co_await stream.write_all(std::span(buffer).first(n));
            total += n;
        }
        std::printf("echo_server: %s closed after %zu bytes\n", peer.c_str(), total);
    } catch (const std::system_error& e) {
        std::printf("echo_server: %s: %s\n", peer.c_str(), e.what());
    }
}

corio::Coro<void> serve(unsigned port) {
    corio::TcpListener listener = corio::TcpListener::bind("127.0.0.1:" + std::to_string(port));
    std::printf("echo_server: listening on 127.0.0.1:%u\n", listener.port());
    std::fflush(stdout);
    while (true) {
        corio::TcpStream stream = co_await listener.accept();
        corio::spawn(echo(std::move(stream)));
    }
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned port = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 7007;
    const unsigned workers = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 0;
    if (port > 65535) {
        std::fprintf(stderr, "usage: echo_server [PORT [WORKERS]]\n");
        return 2;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one line per event, even into a pipe
    try {
        corio::run(serve(port), {.workers = workers});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}
