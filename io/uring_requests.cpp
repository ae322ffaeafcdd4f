// Filling SQEs for ops and completing ops from CQEs (the reactor threads'
// and the worker rings' common ground).
#include "uring_requests.hpp"

#include <cerrno>
#include <chrono>

#include "io_completion.hpp"
#include "socket_ops.hpp"

namespace corio::detail {

void prep_op(io_uring_sqe* sqe, UringOp* op) noexcept {
    using Code = IoOp::Code;
    switch (op->code) {
        case Code::read:
            io_uring_prep_read(sqe, op->fd, op->buf, op->len, op->offset);
            break;
        case Code::write:
            io_uring_prep_write(sqe, op->fd, op->buf, op->len, op->offset);
            break;
        case Code::openat:
            io_uring_prep_openat(sqe, op->fd, op->path, op->flags, op->mode);
            break;
        case Code::close:
            io_uring_prep_close(sqe, op->fd);
            break;
        case Code::fsync:
            io_uring_prep_fsync(sqe, op->fd, 0);
            break;
        case Code::statx:
            io_uring_prep_statx(sqe, op->fd, op->path, op->flags, op->mode, static_cast<struct statx*>(op->buf));
            break;
        case Code::none:
            io_uring_prep_nop(sqe);
            break;
        default:
            prep_socket_op(sqe, op);
            break;
    }
    io_uring_sqe_set_data(sqe, op);
}

__kernel_timespec to_timespec(IoClock::duration d) noexcept {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    if (ns < 0) ns = 0;
    return {static_cast<long long>(ns / 1'000'000'000), static_cast<long long>(ns % 1'000'000'000)};
}

void complete_from_cqe(UringOp* op, int res) noexcept {
    op->kernel_done = true;
    op->result = res;
    // acquire: pairs with the canceller's exchange (only a flag here).
    const bool cancelled = res == -ECANCELED && op->cancel_posted.load(memory_order_acquire);
    if (op->try_claim())
        publish_op_releasing(op, cancelled ? CompletionState::Outcome::cancelled : CompletionState::Outcome::value);
    else
        op->release();  // the ring's
}

}  // namespace corio::detail
