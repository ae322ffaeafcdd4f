// Socket SQEs for the reactor, and making socket ops.
#include "socket_ops.hpp"

#include <sys/socket.h>

#include <cstdint>

#include "corio/detail/service.hpp"
#include "worker_ring.hpp"

namespace corio::detail {

void prep_socket_op(io_uring_sqe* sqe, UringOp* op) noexcept {
    using Code = IoOp::Code;
    switch (op->code) {
        case Code::accept:
            io_uring_prep_accept(sqe, op->fd, static_cast<sockaddr*>(op->buf),
                                 reinterpret_cast<socklen_t*>(static_cast<std::uintptr_t>(op->offset)), op->flags);
            break;
        case Code::connect:
            io_uring_prep_connect(sqe, op->fd, static_cast<const sockaddr*>(op->buf), op->len);
            break;
        case Code::recv:
            io_uring_prep_recv(sqe, op->fd, op->buf, op->len, op->flags);
            if (op->poll_first) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
            break;
        case Code::send:
            io_uring_prep_send(sqe, op->fd, op->buf, op->len, op->flags | MSG_NOSIGNAL);
            break;
        case Code::recvmsg:
            io_uring_prep_recvmsg(sqe, op->fd, static_cast<msghdr*>(op->buf), static_cast<unsigned>(op->flags));
            break;
        case Code::sendmsg:
            io_uring_prep_sendmsg(sqe, op->fd, static_cast<const msghdr*>(op->buf),
                                  static_cast<unsigned>(op->flags | MSG_NOSIGNAL));
            break;
        default:  // not a socket code: the reactor's own switch has it
            io_uring_prep_nop(sqe);
            break;
    }
}

UringOp* make_recv_op(int fd, void* buf, unsigned len, bool likely_empty) {
    UringOp* op = make_socket_op(IoOp::Code::recv, fd, buf, len, 0);
    // Worker rings only: they need Linux 6.7, and the flag came in 5.19; a
    // reactor's ring may be older, where the flag is EINVAL.
    op->poll_first = likely_empty && op->ring;
    return op;
}

bool has_worker_ring() noexcept { return WorkerRing::for_this_thread(current_runtime()) != nullptr; }

UringOp* make_socket_op(IoOp::Code code, int fd, void* buf, unsigned len, int flags) {
    UringOp* op = make_uring_op(code);
    op->fd = fd;
    op->buf = buf;
    op->len = len;
    op->flags = flags;
    return op;
}

}  // namespace corio::detail
