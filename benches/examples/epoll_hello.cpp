// epoll_hello: W7's baseline, the plain server corio's http_hello must beat:
// one thread, level-triggered epoll, and per request one recv and one send
// (requests a client pipelines share them). Same protocol as http_hello:
// each request ends at "\r\n\r\n" and gets "Hello, World!".
//
//   epoll_hello [PORT]   PORT 0 (default 8081) picks a free one. Prints its port.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

struct Connection {
    std::string in;   // bytes of a request not yet complete
    std::string out;  // responses the socket had no room for (rare)
};

// Counts the complete requests in `in` and drops them.
int take_requests(std::string& in) {
    int n = 0;
    std::size_t start = 0, end;
    while ((end = in.find("\r\n\r\n", start)) != std::string::npos) {
        ++n;
        start = end + 4;
    }
    in.erase(0, start);
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned port = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 8081;
    if (port > 65535) {
        std::fprintf(stderr, "usage: epoll_hello [PORT]\n");
        return 2;
    }
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0) die("socket");
    int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind");
    if (::listen(listener, 1024) < 0) die("listen");
    socklen_t len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    std::printf("epoll_hello: listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));
    std::fflush(stdout);

    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);

    std::unordered_map<int, Connection> connections;
    auto drop = [&](int fd) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        connections.erase(fd);
    };
    epoll_event events[256];
    char buf[4096];
    while (true) {
        const int n = ::epoll_wait(ep, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listener) {
                int c;
                while ((c = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    epoll_event cev{};
                    cev.events = EPOLLIN;
                    cev.data.fd = c;
                    ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                    connections[c];
                }
                continue;
            }
            Connection& conn = connections[fd];
            if (events[i].events & EPOLLOUT) {  // room again for what was left
                ssize_t w = ::send(fd, conn.out.data(), conn.out.size(), MSG_NOSIGNAL);
                if (w < 0 && errno != EAGAIN) {
                    drop(fd);
                    continue;
                }
                conn.out.erase(0, w < 0 ? 0 : static_cast<std::size_t>(w));
                if (conn.out.empty()) {
                    epoll_event cev{};
                    cev.events = EPOLLIN;
                    cev.data.fd = fd;
                    ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &cev);
                }
                continue;
            }
            const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                drop(fd);  // closed or reset
                continue;
            }
            conn.in.append(buf, static_cast<std::size_t>(r));
            const int requests = take_requests(conn.in);
            if (requests == 0 || !conn.out.empty()) {
                for (int k = 0; k < requests; ++k) conn.out.append(kResponse);
                continue;
            }
            std::string reply;
            std::string_view data = kResponse;
            if (requests > 1) {
                for (int k = 0; k < requests; ++k) reply.append(kResponse);
                data = reply;
            }
            const ssize_t w = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN) {
                drop(fd);
                continue;
            }
            const std::size_t sent = w < 0 ? 0 : static_cast<std::size_t>(w);
            if (sent < data.size()) {
                conn.out.assign(data.substr(sent));
                epoll_event cev{};
                cev.events = EPOLLOUT;
                cev.data.fd = fd;
                ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &cev);
            }
        }
    }
}
