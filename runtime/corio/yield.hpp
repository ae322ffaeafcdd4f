// yield_now(): asyncio's `await asyncio.sleep(0)`. The task goes behind the
// other runnable tasks and resumes on a later turn; a pending cancellation
// is thrown here.
#pragma once

#include "corio/coro.hpp"

namespace corio {

namespace detail {
struct YieldAwaiter {
    TaskHeader* self = nullptr;
    bool await_ready() const noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> caller) noexcept {
        self = owner_of(caller);
        self->on_suspend();
        yield_task(self, caller);
    }
    void await_resume() const { self->throw_if_cancelled(); }
};
}  // namespace detail

inline detail::YieldAwaiter yield_now() noexcept { return {}; }

}  // namespace corio
