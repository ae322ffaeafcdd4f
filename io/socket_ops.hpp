// The socket requests of IoOp (accept, connect, recv, send, recvmsg,
// sendmsg): how the reactor turns each into an SQE, and how the socket
// types make one. Sockets stay blocking (no O_NONBLOCK): io_uring then waits
// for readiness itself instead of answering EAGAIN. Sends always carry
// MSG_NOSIGNAL, so a reset peer gives EPIPE, never SIGPIPE.
#pragma once

#include <liburing.h>

#include "corio/io/detail/io_op.hpp"
#include "corio/io/detail/socket_fd.hpp"

namespace corio::detail {

// Reactor thread: fills `sqe` for one of the socket codes. Arguments:
//   accept:  buf = sockaddr* for the peer, offset = its socklen_t*, flags
//   connect: buf = const sockaddr*, len = its size
//   recv, send: buf, len, flags
//   recvmsg, sendmsg: buf = msghdr*, flags
void prep_socket_op(io_uring_sqe* sqe, UringOp* op) noexcept;

// A new op on the current reactor with those arguments (one reference).
// Throws as make_uring_op does.
UringOp* make_socket_op(IoOp::Code code, int fd, void* buf, unsigned len, int flags);

// A recv. `likely_empty`: the last recv on the socket drained it (a
// request/response exchange waits for the peer), so trying the read before
// arming the poll would be a wasted pass through the TCP stack.
UringOp* make_recv_op(int fd, void* buf, unsigned len, bool likely_empty);

// True on a worker whose ops go through its own ring (worker_ring.hpp).
bool has_worker_ring() noexcept;

// One operation of a socket in flight (SocketFd::begin_op), ended by
// finish() or, when an exception (CancelledError) leaves first, the destructor.
class SocketOp {
public:
    SocketOp(SocketFd& socket, const char* what) : socket_(socket), fd_(socket.begin_op(what)) {}
    SocketOp(const SocketOp&) = delete;
    SocketOp& operator=(const SocketOp&) = delete;
    ~SocketOp() {
        if (!finished_) socket_.end_op();
    }
    int fd() const noexcept { return fd_; }
    // True when the socket was closed meanwhile.
    bool finish() noexcept {
        finished_ = true;
        return socket_.end_op();
    }

private:
    SocketFd& socket_;
    int fd_;
    bool finished_ = false;
};

}  // namespace corio::detail
