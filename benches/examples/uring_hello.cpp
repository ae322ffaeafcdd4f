// uring_hello: the floor under W7's corio server. One thread, no runtime,
// making the io_uring requests http_hello's worker makes: a ring set up as
// a worker's (SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG, 256 SQ and 4096
// CQ entries), and per request one send, then one recv (armed to poll
// first, as corio arms a read that follows a write). corio's CPU per request
// minus this server's estimates what the runtime costs; what both spend is
// the kernel's. Same protocol as http_hello, and like epoll_hello it reads
// no more of a connection while its responses wait to be sent.
//
//   uring_hello [PORT]   PORT 0 (default 8082) picks a free one. Prints its port.
#include <liburing.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "hello_protocol.hpp"

namespace {

// user_data: a Connection's address with the request's kind in its low
// bits (Connections are 8-aligned), or one of the listener's own: values
// below any address.
enum Kind : std::uint64_t { kRecv = 1, kSend = 2, kKindMask = 7 };
constexpr std::uint64_t kAccept = 0;
constexpr std::uint64_t kAcceptLater = 8;  // the pause after running out of fds ended
constexpr unsigned kSqEntries = 256, kCqEntries = 4096;  // as io/ring.cpp's worker ring

// A connection has one request in flight at a time, a recv or a send, until
// it ends: so when that request's CQE ends it, the kernel is done with `buf`
// and `out`, and it can go.
struct Connection {
    explicit Connection(int socket) : fd(socket) {}
    int fd;
    bool ended = false;  // closed or reset by the client
    std::string in;      // bytes of a request not yet complete
    std::string out;     // responses not yet sent (the kernel reads them)
    char buf[4096];
};
static_assert(alignof(Connection) >= 8, "user_data keeps the kind in a Connection address's low 3 bits");

io_uring ring;

io_uring_sqe* next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (!sqe) {  // full: hand the kernel what is there
        io_uring_submit(&ring);
        sqe = io_uring_get_sqe(&ring);
        if (!sqe) hello::die("uring_hello: no submission queue entry free after a submit");
    }
    return sqe;
}

void submit_recv(Connection* c, bool poll_first) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv(sqe, c->fd, c->buf, sizeof c->buf, 0);
    if (poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(c) | kRecv);
}

// The connection's next request: the responses left to send, else the next
// read. Like corio's server, which reads once its write is done, it does not
// read a client that sends without reading. The read is armed to poll first:
// the client waits for the responses, or a request's rest is on its way.
void submit_next(Connection* c) {
    if (c->out.empty()) return submit_recv(c, true);
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_send(sqe, c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(c) | kSend);
}

void submit_accept(int listener) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_accept(sqe, listener, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, kAccept);
}

void on_accept(int listener, int res) {
    if (hello::out_of_resources(-res)) {
        static bool said = false;
        if (!std::exchange(said, true))
            std::fprintf(stderr, "uring_hello: accept: %s; retrying every %d ms\n", std::strerror(-res),
                         hello::kAcceptPauseMs);
        static __kernel_timespec pause{0, hello::kAcceptPauseMs * 1'000'000LL};
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_timeout(sqe, &pause, 0, 0);
        io_uring_sqe_set_data64(sqe, kAcceptLater);
        return;
    }
    if (res < 0) {
        if (hello::accept_error_is_fatal(-res)) {
            errno = -res;
            hello::die("uring_hello: accept");
        }
        submit_accept(listener);  // that connection's own error: skip it
        return;
    }
    submit_accept(listener);
    int one = 1;
    ::setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    submit_recv(new Connection(res), false);
}

void on_recv(Connection* c, int res) {
    if (res <= 0) {  // closed (0) or reset
        c->ended = true;
        return;
    }
    c->in.append(c->buf, static_cast<std::size_t>(res));
    for (int n = hello::take_requests(c->in); n > 0; --n) c->out.append(hello::kResponse);
    submit_next(c);
}

void on_send(Connection* c, int res) {
    if (res < 0) {  // reset
        c->ended = true;
        return;
    }
    c->out.erase(0, static_cast<std::size_t>(res));
    submit_next(c);
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned port = hello::port_argument(argc, argv, 8082, "uring_hello [PORT]");
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
                   IORING_SETUP_CQSIZE;
    params.cq_entries = kCqEntries;
    if (const int r = io_uring_queue_init_params(kSqEntries, &ring, &params); r < 0) {
        errno = -r;
        hello::die("uring_hello: io_uring_queue_init_params (needs Linux 6.1)");
    }
    const int listener = hello::listen_on_loopback(port, 0, "uring_hello");
    submit_accept(listener);
    while (true) {
        const int r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0 && r != -EINTR) {
            errno = -r;
            hello::die("uring_hello: io_uring_enter");
        }
        io_uring_cqe* cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            ++seen;
            if (cqe->user_data == kAccept) {
                on_accept(listener, cqe->res);
                continue;
            }
            if (cqe->user_data == kAcceptLater) {
                submit_accept(listener);
                continue;
            }
            auto* c = reinterpret_cast<Connection*>(cqe->user_data & ~std::uint64_t{kKindMask});
            if ((cqe->user_data & kKindMask) == kRecv)
                on_recv(c, cqe->res);
            else
                on_send(c, cqe->res);
            if (c->ended) {  // its only request has just ended
                ::close(c->fd);
                delete c;
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
}
