// What W7's plain servers (epoll_hello, uring_hello) share with http_hello:
// each request ends at "\r\n\r\n" and gets kResponse. Plus the listening
// socket on 127.0.0.1 they both open.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace hello {

inline constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";

[[noreturn]] inline void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

// An accept that failed for want of descriptors or memory: the client stays
// in the backlog, so accepting again at once fails again. Both servers
// pause accepting for kAcceptPauseMs instead of spinning.
inline bool out_of_resources(int err) {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}
inline constexpr int kAcceptPauseMs = 10;

// Only these accept errors say the server itself is wrong. Linux also
// returns a pending connection's own network error from accept
// (ECONNABORTED, EPROTO, ENETUNREACH, EPERM from a firewall, ...): accept(2)
// says to treat those like EAGAIN, so the servers skip them.
inline bool accept_error_is_fatal(int err) {
    return err == EBADF || err == EFAULT || err == EINVAL || err == ENOTSOCK;
}

// Counts the complete requests in `in` and drops them.
inline int take_requests(std::string& in) {
    int n = 0;
    std::size_t start = 0, end;
    while ((end = in.find("\r\n\r\n", start)) != std::string::npos) {
        ++n;
        start = end + 4;
    }
    in.erase(0, start);
    return n;
}

// The port argument (argv[1], else `default_port`); exits with a usage line
// when it is no port.
inline unsigned port_argument(int argc, char** argv, unsigned default_port, const char* usage) {
    if (argc < 2) return default_port;
    char* end = nullptr;
    const unsigned long port = std::strtoul(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0' || port > 65535) {
        std::fprintf(stderr, "usage: %s\n", usage);
        std::exit(2);
    }
    return static_cast<unsigned>(port);
}

// A listening TCP socket on 127.0.0.1:port (0: a free port), announced as
// "NAME: listening on 127.0.0.1:PORT" for tools/bench_w7.sh.
inline int listen_on_loopback(unsigned port, int socket_flags, const char* name) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | socket_flags, 0);
    if (fd < 0) die("socket");
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind");
    if (::listen(fd, 1024) < 0) die("listen");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    std::printf("%s: listening on 127.0.0.1:%u\n", name, ntohs(addr.sin_port));
    std::fflush(stdout);
    return fd;
}

}  // namespace hello
