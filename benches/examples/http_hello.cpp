// http_hello: the W7 server of BENCHMARKS.md. HTTP/1.1 keep-alive on
// 127.0.0.1: reads each request up to its "\r\n\r\n" and answers
// "Hello, World!" (requests with bodies are not supported). One task per
// connection; a client that closes or resets ends only its own task.
//
//   http_hello [PORT [WORKERS]]   PORT 0 (default 8080) picks a free one;
//                                 WORKERS defaults to 1. Prints its port.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

#include <corio/corio.hpp>

namespace {

constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";

corio::Coro<void> serve_connection(corio::TcpStream connection) {
    // A local, not the parameter: parameters live as long as the task's
    // frame, and the connection must close when this body ends.
    corio::TcpStream stream = std::move(connection);
    // Responses are one small write each: Nagle's algorithm would hold one
    // back until the previous one's (delayed) ACK.
    stream.set_nodelay();
    try {
        while (true) {
            co_await stream.read_until("\r\n\r\n");
            co_await stream.write_all(kResponse);
        }
    } catch (const corio::IncompleteReadError&) {
        // The client closed the connection (between requests, or mid-request).
    } catch (const std::system_error&) {
        // Reset by the client.
    }
}

corio::Coro<void> serve(unsigned port, unsigned workers) {
    corio::TcpListener listener = corio::TcpListener::bind("127.0.0.1:" + std::to_string(port));
    std::printf("http_hello: listening on 127.0.0.1:%u (%u worker%s)\n", listener.port(), workers,
                workers == 1 ? "" : "s");
    std::fflush(stdout);
    while (true) {
        corio::TcpStream stream = co_await listener.accept();
        corio::spawn(serve_connection(std::move(stream)));
    }
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned port = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 8080;
    const unsigned workers = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 1;
    if (port > 65535 || workers == 0) {
        std::fprintf(stderr, "usage: http_hello [PORT [WORKERS]]  (PORT 0-65535, WORKERS >= 1)\n");
        return 2;
    }
    try {
        corio::run(serve(port, workers), {.workers = workers});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_hello: %s\n", e.what());
        return 1;
    }
}
