// shield(aw): asyncio.shield. The awaitable runs as its own task (a Task is
// used as it is); cancelling the task that awaits the shield throws
// CancelledError out of that co_await at once, while the shielded work goes
// on untouched. Not cancelled, the shield gives the work's value or rethrows
// its exception. Cancelling the shielded task itself is seen as usual.
#pragma once

#include <utility>

#include "corio/detail/signal.hpp"
#include "corio/gather.hpp"

namespace corio {

namespace detail {
template <class T>
Coro<T> shield_task(Task<T> task) {
    if (!task.done()) {
        // Wait on a future of our own, not on the task: a cancel() of the
        // awaiting task reaches (and cancels) only that future.
        Future<void> done;
        task.add_done_callback([done](const Task<T>&) mutable noexcept { fire(done); });
        co_await done;
    }
    co_return task.result();
}
}  // namespace detail

template <detail::GatherArg A>
auto shield(A&& awaitable) {
    return detail::shield_task(detail::as_task(std::forward<A>(awaitable)));
}

}  // namespace corio
