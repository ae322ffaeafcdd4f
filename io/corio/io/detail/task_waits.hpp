// Small awaiters the timeout combinators build on. CurrentTask gives a
// coroutine the task it runs in, without suspending. JoinQuietly waits for a
// task to end without taking its outcome (the caller reads it), so only the
// awaiting task's own cancellation throws. SettleTimer ends a timeout scope's
// timer: it withdraws it if it has not fired, else waits until its firing
// (which cancels the task) is complete, so no late cancel escapes the scope.
#pragma once

#include <coroutine>

#include "corio/coro.hpp"
#include "corio/io/detail/io_op.hpp"

namespace corio::detail {

struct CurrentTask {
    TaskHeader* task = nullptr;
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> caller) noexcept {
        task = owner_of(caller);
        return false;  // not a suspension: go on at once
    }
    TaskHeader* await_resume() const noexcept { return task; }
};

struct JoinQuietly {
    TaskHeader* task;
    TaskHeader* self = nullptr;
    Waiter waiter{};

    bool await_ready() const noexcept { return task->done(); }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) noexcept {
        self = owner_of(caller);
        self->on_suspend();
        // Our cancellation is passed on to the task, as awaiting it would.
        self->set_waiting_on(task);
        waiter.task = self;
        waiter.handle = caller;
        if (!task->add_waiter(&waiter)) return transfer(caller);
        return std::noop_coroutine();
    }
    void await_resume() {
        if (self) {
            self->clear_waiting_on();
            self->throw_if_cancelled();
        }
    }
};

struct SettleTimer {
    IoOp* op;  // the scope's reference, released here
    Waiter waiter{};

    bool await_ready() noexcept {
        // Not fired yet: withdraw it, and it never will.
        if (resolve_early(op, CompletionState::Outcome::cancelled)) return true;
        return op->done();
    }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> caller) noexcept {
        TaskHeader* self = owner_of(caller);
        self->on_suspend();
        waiter.task = self;
        waiter.handle = caller;
        return op->add_waiter(&waiter);  // false: done meanwhile, go on
    }
    // True when the deadline passed (and the task was cancelled for it).
    bool await_resume() noexcept {
        bool expired = op->expired;
        op->release();
        return expired;
    }
};

// Arms a timer that, at `deadline`, cancels `task` (a timeout scope's).
inline IoOp* arm_scope_timer(TaskHeader* task, IoClock::time_point deadline) {
    IoOp* op = make_timer(deadline);
    op->expire_arg = task;
    op->on_expire = [](IoOp* o) noexcept { static_cast<TaskHeader*>(o->expire_arg)->request_cancel(); };
    arm(op);
    return op;
}

}  // namespace corio::detail
