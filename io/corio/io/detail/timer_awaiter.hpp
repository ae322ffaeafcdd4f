// TimerAwaiter: suspends the awaiting task until a deadline, on a timer op
// armed in a reactor. Cancelling the task cancels the timer at once and the
// task resumes with CancelledError. Optionally it also races a task (for
// wait_for): whichever comes first, the deadline or that task's end, resumes
// the awaiter, and await_resume() says which (true: the deadline passed).
#pragma once

#include <coroutine>
#include <utility>

#include "corio/coro.hpp"
#include "corio/io/detail/io_op.hpp"

namespace corio::detail {

class TimerAwaiter {
public:
    // Relative: the delay counts from the await, as asyncio.sleep's does.
    explicit TimerAwaiter(IoClock::duration delay, TaskHeader* race = nullptr) noexcept
        : delay_(delay), relative_(true), race_(race) {}
    explicit TimerAwaiter(IoClock::time_point deadline, TaskHeader* race = nullptr) noexcept
        : deadline_(deadline), race_(race) {}
    TimerAwaiter(TimerAwaiter&& other) noexcept
        : deadline_(other.deadline_), delay_(other.delay_), relative_(other.relative_), race_(other.race_),
          op_(std::exchange(other.op_, nullptr)) {}
    TimerAwaiter& operator=(TimerAwaiter&&) = delete;
    ~TimerAwaiter() {
        if (op_) op_->release();
    }

    bool await_ready() const noexcept { return false; }

    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) {
        self_ = owner_of(caller);
        // One clock read: a positive delay puts the deadline in the future.
        bool passed;
        if (relative_) {
            passed = delay_ <= IoClock::duration::zero();
            deadline_ = IoClock::now() + delay_;
        } else {
            passed = deadline_ <= IoClock::now();
        }
        if (!race_ && passed) {
            // asyncio.sleep(0): give the other tasks a turn, no timer.
            self_->on_suspend();
            yield_task(self_, caller);
            return std::noop_coroutine();
        }
        // May throw (no runtime, io_uring unavailable) before anything is
        // suspended: the exception comes out of the co_await.
        op_ = make_timer(deadline_);
        self_->on_suspend();
        waiter_.task = self_;
        waiter_.handle = caller;
        self_->set_waiting_on(op_);
        if (race_) race_task();
        arm(op_);
        // Last: once the waiter is in, the op may complete and resume us on
        // another thread, so nothing of ours may be touched after this.
        if (!op_->add_waiter(&waiter_)) return transfer(caller);
        return std::noop_coroutine();
    }

    // True when the deadline passed; false when the raced task ended first.
    bool await_resume() {
        self_->clear_waiting_on();
        bool cancelled = false, expired = true;
        if (op_) {
            cancelled = op_->outcome() == CompletionState::Outcome::cancelled;
            expired = op_->expired;
            std::exchange(op_, nullptr)->release();
        }
        self_->throw_if_cancelled();
        // Cancelled without a request on the task: the runtime is shutting down.
        if (cancelled) throw CancelledError("sleep was cancelled");
        return expired;
    }

private:
    void race_task() {
        op_->retain();  // the callback's
        IoOp* op = op_;
        auto on_done = [op]() noexcept {
            resolve_early(op, CompletionState::Outcome::value);
            op->release();
        };
        using Node = CallbackWaiter<decltype(on_done)>;
        auto* node = new Node(std::move(on_done));
        if (!race_->add_waiter(node)) Node::run(node, true);  // it has already ended
    }

    IoClock::time_point deadline_{};
    IoClock::duration delay_{};
    bool relative_ = false;
    TaskHeader* race_ = nullptr;
    IoOp* op_ = nullptr;
    TaskHeader* self_ = nullptr;
    Waiter waiter_{};
};

}  // namespace corio::detail
