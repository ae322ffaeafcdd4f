// RetryFrame: where a sync/ await goes when its task has spent its budget.
// The task must go behind the others *before* it tries the primitive, as in
// Tokio's coop budget, or it would yield holding what it took (a Lock, a
// permit) while they run. But an awaiter that has yielded resumes straight
// into await_resume: it cannot try again. So the yield resumes this tiny
// coroutine instead, made in await_ready from the frame pool (once per spent
// budget). Run as the task when its turn comes, it makes the awaiter's try
// (which either completes and carries on into the awaiting coroutine, or
// queues the task) and then stays suspended for good, until the awaiter
// destroys it.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>

#include "corio/detail/frame_allocator.hpp"

namespace corio::detail {

// The coroutine's return type: just its handle. Whoever makes the frame
// destroys it (SyncAwaiter::settle, once the await is over), when it sits
// at its step for good. A task that is never resumed (one a shutdown gave
// up on) leaks it along with its own frame.
struct RetryFrame {
    struct promise_type {
        static void* operator new(std::size_t size) { return allocate_frame(size); }
        static void operator delete(void* frame, std::size_t size) noexcept { free_frame(frame, size); }
        RetryFrame get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }  // never reached: the step is not resumed
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
    std::coroutine_handle<> frame;
};

// The one step: the awaiter's retry() says which coroutine runs next (the
// awaiting one, or none while the task is queued). It is read into a local
// before anything else: once the task is queued, the awaiter and this frame
// may be gone.
template <class Awaiter>
struct RetryStep {
    Awaiter* awaiter;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept { return awaiter->retry(); }
    void await_resume() const noexcept {}
};

template <class Awaiter>
RetryFrame make_retry_frame(Awaiter* awaiter) {
    co_await RetryStep<Awaiter>{awaiter};
}

}  // namespace corio::detail
