// wait(tasks, [when,] timeout): asyncio.wait with its timeout argument. It
// lives in io/ because the deadline is a reactor timer; the waiting itself
// is runtime/'s wait(). When the timeout passes first it returns what is
// done so far and what is still pending: it raises nothing and cancels
// nothing (asyncio). Cancelling the caller throws CancelledError and leaves
// the tasks alone.
#pragma once

#include <chrono>
#include <vector>

#include "corio/timers.hpp"
#include "corio/wait.hpp"

namespace corio {

template <class T, class Rep, class Period>
Coro<WaitResult<T>> wait(std::vector<Task<T>> tasks, ReturnWhen when, std::chrono::duration<Rep, Period> timeout) {
    if (tasks.empty()) throw InvalidStateError("corio::wait: the set of tasks is empty");
    try {
        // The inner wait holds copies of the handles; on the deadline it is
        // cancelled, which never touches the tasks themselves.
        co_await corio::timeout(timeout, wait(tasks, when));
    } catch (const TimeoutError&) {
        // Not an error for wait(): the caller gets the partition below.
    }
    WaitResult<T> result;
    for (auto& t : tasks) (t.done() ? result.done : result.pending).push_back(std::move(t));
    co_return result;
}

template <class T, class Rep, class Period>
Coro<WaitResult<T>> wait(std::vector<Task<T>> tasks, std::chrono::duration<Rep, Period> timeout) {
    return wait(std::move(tasks), ReturnWhen::ALL_COMPLETED, timeout);
}

}  // namespace corio
