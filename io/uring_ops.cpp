// io_uring ops: making them and their CompletionOps. Unlike a timer, an op
// the kernel holds is never completed by its canceller: cancel() only asks
// the reactor for IORING_OP_ASYNC_CANCEL, and the op completes (as
// cancelled, or with its result if it won the race) when the kernel answers.
#include "io_completion.hpp"
#include "corio/detail/service.hpp"
#include "reactor.hpp"
#include "worker_ring.hpp"

namespace corio::detail {
namespace {

bool cancel_op(CompletionState* state) noexcept {
    auto* op = static_cast<IoOp*>(state)->as_uring();
    if (op->done()) return false;
    // acq_rel: one cancel message per op, whoever asks first.
    if (op->cancel_posted.exchange(true, memory_order_acq_rel)) return true;
    if (op->ring) {
        op->ring->cancel(op);
        return true;
    }
    op->retain();  // the message's
    op->reactor->post(&op->cancel_msg);
    return true;
}

constexpr CompletionOps kUringOps{&destroy_op, &cancel_op};

}  // namespace

UringOp* make_uring_op(IoOp::Code code) {
    UringOp* op = new_op(&kUringOps, IoOp::Kind::uring)->as_uring();
    op->code = code;
    op->ring = WorkerRing::for_this_thread(current_runtime());
    return op;
}

}  // namespace corio::detail
