// epoll_hello: W7's baseline, the plain server corio's http_hello must beat:
// one thread, level-triggered epoll, and per request one recv and one send
// (requests a client pipelines share them). Same protocol as http_hello:
// each request ends at "\r\n\r\n" and gets "Hello, World!".
//
//   epoll_hello [PORT]   PORT 0 (default 8081) picks a free one. Prints its port.
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "hello_protocol.hpp"

using hello::die;
using hello::kResponse;

namespace {

struct Connection {
    std::string in;   // bytes of a request not yet complete
    std::string out;  // responses the socket had no room for (rare)
};

}  // namespace

int main(int argc, char** argv) {
    const unsigned port = hello::port_argument(argc, argv, 8081, "epoll_hello [PORT]");
    const int listener = hello::listen_on_loopback(port, SOCK_NONBLOCK, "epoll_hello");
    int one = 1;

    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) die("epoll_ctl (listener)");

    std::unordered_map<int, Connection> connections;
    auto drop = [&](int fd) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        connections.erase(fd);
    };
    // Out of descriptors, the listener stays readable (level-triggered)
    // while every accept fails: it leaves the epoll set for a pause instead.
    using Clock = std::chrono::steady_clock;
    bool accept_paused = false;
    bool said_paused = false;
    Clock::time_point accept_again;
    epoll_event events[256];
    char buf[4096];
    while (true) {
        int timeout_ms = -1;
        if (accept_paused) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(accept_again - Clock::now());
            timeout_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
        }
        const int n = ::epoll_wait(ep, events, 256, timeout_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        if (accept_paused && Clock::now() >= accept_again) {
            accept_paused = false;
            if (::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) die("epoll_hello: epoll_ctl (listener)");
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
                if (hello::out_of_resources(errno)) {
                    if (!std::exchange(said_paused, true))
                        std::fprintf(stderr, "epoll_hello: accept: %s; retrying every %d ms\n", std::strerror(errno),
                                     hello::kAcceptPauseMs);
                    ::epoll_ctl(ep, EPOLL_CTL_DEL, listener, nullptr);
                    accept_paused = true;
                    accept_again = Clock::now() + std::chrono::milliseconds(hello::kAcceptPauseMs);
                } else if (hello::accept_error_is_fatal(errno)) {
                    die("epoll_hello: accept");
                }  // else EAGAIN, or a connection's own error: the next readiness goes on
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
            const int requests = hello::take_requests(conn.in);
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
