// Timer ops: making, arming, early resolution, and their CompletionOps.
#include <cassert>
#include <new>

#include "corio/detail/frame_allocator.hpp"
#include "io_completion.hpp"
#include "corio/detail/service.hpp"
#include "reactor.hpp"
#include "worker_ring.hpp"

namespace corio::detail {
namespace {

// Task::cancel() reaches a timer through set_waiting_on, and shutdown through
// its reactor (Reactor::cancel_waits): a timer cancels at once (no kernel buffer).
bool cancel_op(CompletionState* state) noexcept {
    return resolve_early(static_cast<IoOp*>(state), CompletionState::Outcome::cancelled);
}

constexpr CompletionOps kTimerOps{&destroy_op, &cancel_op};

// W8's 100,000 pending sleeps: each op in the frame pools' 128-byte class,
// not the 256-byte one an op with a request's fields needs.
static_assert(sizeof(IoOp) <= 128, "a timer op has grown out of its frame class");
static_assert(sizeof(UringOp) <= 256, "an io_uring op has grown out of its frame class");

}  // namespace

void destroy_op(CompletionState* state) noexcept {
    auto* op = static_cast<IoOp*>(state);
    if (op->kind == IoOp::Kind::uring) {
        UringOp* request = op->as_uring();
        request->~UringOp();
        free_frame(request, sizeof(UringOp));
        return;
    }
    op->~IoOp();
    free_frame(op, sizeof(IoOp));
}

IoOp* new_op(const CompletionOps* ops, IoOp::Kind kind) {
    Reactor* reactor = current_reactor();
    // The frames' per-thread pools: one op per sleep or read, and malloc
    // would hand its memory back after a burst and fault it in again.
    IoOp* op = kind == IoOp::Kind::uring ? new (allocate_frame(sizeof(UringOp))) UringOp
                                         : new (allocate_frame(sizeof(IoOp))) IoOp;
    op->init(ops, 1);
    op->kind = kind;
    op->reactor = reactor;
    op->submit_msg.op = op;
    op->cancel_msg.op = op;
    op->cancel_msg.is_cancel = true;
    return op;
}

void publish_op(IoOp* op, CompletionState::Outcome outcome) noexcept {
    Waiter* list = op->close(outcome);
    wake_all(list);
}

void publish_op_releasing(IoOp* op, CompletionState::Outcome outcome) noexcept {
    Waiter* list = op->close(outcome);
    // The op is not touched after the close; dropping our reference before
    // the wake leaves the last one to the awaiting task, so the op's memory
    // goes back to the pool of the thread that makes the next one.
    op->release();
    wake_all(list);
}

IoOp* make_timer(IoClock::time_point deadline) {
    IoOp* op = new_op(&kTimerOps, IoOp::Kind::timer);
    op->deadline = deadline;
    op->ring = WorkerRing::for_this_thread(current_runtime());
    return op;
}

void arm(IoOp* op) noexcept {
    op->retain();  // the reactor's (or ring's), carried by the message, then the heap
    // An op is made and armed in one await_suspend, on one thread: a ring
    // op is armed on its ring's own thread.
    assert(!op->ring || op->ring->on_own_thread());
    if (op->ring) return op->ring->submit(op);
    // Due at its deadline: a reactor asleep until earlier need not wake.
    op->reactor->post(&op->submit_msg, op->deadline.time_since_epoch().count());
}

bool resolve_early(IoOp* op, CompletionState::Outcome outcome) noexcept {
    if (!op->try_claim()) return false;
    op->expired = false;
    // Tell the reactor before publishing: once published, the awaiting task
    // may finish and the runtime (and its reactor) shut down.
    if (op->ring) {
        op->ring->timer_resolved(op);
    } else {
        op->retain();  // the message's
        op->reactor->post(&op->cancel_msg);
    }
    publish_op(op, outcome);
    return true;
}

}  // namespace corio::detail
