// UringAwaiter: a task awaits one io_uring op, made and filled in by the
// caller. It resumes only once the kernel has answered, even when the task
// is cancelled meanwhile (then with CancelledError), so buffers and paths in
// the awaiting frame are never released while the kernel may use them.
// await_resume() gives the CQE's res (>= 0, or -errno).
#pragma once

#include <coroutine>
#include <utility>

#include "corio/coro.hpp"
#include "corio/io/detail/io_op.hpp"

namespace corio::detail {

class UringAwaiter {
public:
    explicit UringAwaiter(UringOp* op) noexcept : op_(op) {}
    UringAwaiter(const UringAwaiter&) = delete;
    UringAwaiter& operator=(const UringAwaiter&) = delete;
    ~UringAwaiter() {
        if (op_) op_->release();
    }

    bool await_ready() const noexcept { return false; }

    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) noexcept {
        self_ = owner_of(caller);
        self_->on_suspend();
        waiter_.task = self_;
        waiter_.handle = caller;
        self_->set_waiting_on(op_);
        arm(op_);
        // Last: from here the op may complete and resume us on another thread.
        if (!op_->add_waiter(&waiter_)) return transfer(caller);
        return std::noop_coroutine();
    }

    int await_resume() {
        self_->clear_waiting_on();
        const bool cancelled = op_->outcome() == CompletionState::Outcome::cancelled;
        const int result = op_->result;
        std::exchange(op_, nullptr)->release();
        self_->throw_if_cancelled();
        if (cancelled) throw CancelledError("I/O operation was cancelled");
        return result;
    }

private:
    UringOp* op_;
    TaskHeader* self_ = nullptr;
    Waiter waiter_{};
};

}  // namespace corio::detail
