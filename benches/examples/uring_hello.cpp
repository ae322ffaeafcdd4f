// uring_hello: the floor under W7's corio server. One thread, no runtime,
// making the io_uring requests http_hello's worker makes: a ring set up as
// a worker's (SINGLE_ISSUER | DEFER_TASKRUN), and per request one recv
// (armed to poll first, as corio arms a read that follows a write) and one
// send, handed over in one io_uring_enter that also waits. corio's CPU per
// request minus this server's is what the runtime costs; what both spend is
// the kernel's. Same protocol as http_hello.
//
//   uring_hello [PORT]   PORT 0 (default 8082) picks a free one. Prints its port.
#include <liburing.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "hello_protocol.hpp"

namespace {

// user_data: a Connection's address with the request's kind in its low
// bits (Connections are 8-aligned), or kAccept.
enum Kind : std::uint64_t { kRecv = 1, kSend = 2, kKindMask = 7 };
constexpr std::uint64_t kAccept = 0;

struct Connection {
    explicit Connection(int socket) : fd(socket) {}
    int fd;
    int in_flight = 0;     // requests the kernel may still write `buf` for
    bool sending = false;  // a send of `out` is in flight
    bool ended = false;    // closed or reset by the client
    std::string in;        // bytes of a request not yet complete
    std::string out;       // responses being sent (the kernel may read them)
    std::string queued;    // responses made while a send was in flight
    char buf[4096];
};

io_uring ring;

io_uring_sqe* next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (!sqe) {  // full: hand the kernel what is there
        io_uring_submit(&ring);
        sqe = io_uring_get_sqe(&ring);
    }
    return sqe;
}

void submit(io_uring_sqe* sqe, Connection* c, Kind kind) {
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(c) | kind);
    ++c->in_flight;
}

void submit_recv(Connection* c, bool poll_first) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv(sqe, c->fd, c->buf, sizeof c->buf, 0);
    if (poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    submit(sqe, c, kRecv);
}

void send_more(Connection* c) {
    if (c->sending || c->ended) return;
    if (c->out.empty()) c->out.swap(c->queued);
    if (c->out.empty()) return;
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_send(sqe, c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
    submit(sqe, c, kSend);
    c->sending = true;
}

void submit_accept(int listener) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_accept(sqe, listener, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, kAccept);
}

void on_accept(int listener, int res) {
    submit_accept(listener);
    if (res < 0) {  // e.g. EMFILE: this client is refused, the next may not be
        std::fprintf(stderr, "uring_hello: accept: %s\n", std::strerror(-res));
        return;
    }
    int one = 1;
    ::setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    submit_recv(new Connection(res), false);
}

void on_recv(Connection* c, int res) {
    if (res <= 0) c->ended = true;  // closed (0) or reset: no more reads
    if (c->ended) return;
    c->in.append(c->buf, static_cast<std::size_t>(res));
    for (int n = hello::take_requests(c->in); n > 0; --n) c->queued.append(hello::kResponse);
    send_more(c);
    // The client sends its next request only after this response.
    submit_recv(c, true);
}

void on_send(Connection* c, int res) {
    c->sending = false;
    if (res < 0) {
        c->ended = true;
        return;
    }
    c->out.erase(0, static_cast<std::size_t>(res));
    send_more(c);
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned port = hello::port_argument(argc, argv, 8082, "uring_hello [PORT]");
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    if (const int r = io_uring_queue_init_params(1024, &ring, &params); r < 0) {
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
            auto* c = reinterpret_cast<Connection*>(cqe->user_data & ~std::uint64_t{kKindMask});
            --c->in_flight;
            if ((cqe->user_data & kKindMask) == kRecv)
                on_recv(c, cqe->res);
            else
                on_send(c, cqe->res);
            if (c->ended && c->in_flight == 0) {  // the kernel is done with buf
                ::close(c->fd);
                delete c;
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
}
