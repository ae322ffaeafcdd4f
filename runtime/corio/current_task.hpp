// current_task(): asyncio.current_task. `co_await corio::current_task()`
// gives a TaskRef, a type-erased, copyable handle of the task the calling
// coroutine runs in (a Coro awaited inline runs in its caller's task). It
// never suspends. A TaskRef keeps the task's state alive like a Task handle;
// it can cancel the task and compare equal to the task's Task<T> handles.
// A task must not return a TaskRef to itself: its result would keep it alive.
#pragma once

#include <coroutine>
#include <source_location>
#include <utility>

#include "corio/task.hpp"

namespace corio {

class TaskRef : public detail::TaskHandleBase {
public:
    TaskRef() noexcept = default;
    template <class T>
    explicit TaskRef(const Task<T>& task) noexcept : TaskRef(detail::TaskAccess::header(task)) {}
    // Takes a reference of its own (the header must be alive).
    explicit TaskRef(detail::TaskHeader* header) noexcept : TaskHandleBase(header) {
        if (header_) header_->retain();
    }

    friend bool operator==(const TaskRef& a, const TaskRef& b) noexcept { return a.header_ == b.header_; }
    template <class T>
    friend bool operator==(const TaskRef& a, const Task<T>& b) noexcept {
        return a.header_ == detail::TaskAccess::header(b);
    }
};

namespace detail {
struct CurrentTaskAwaiter {
    TaskHeader* self = nullptr;
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> caller) noexcept {
        self = owner_of(caller);
        return false;  // only looked at the caller's promise: go on at once
    }
    TaskRef await_resume() const noexcept { return TaskRef(self); }
};
}  // namespace detail

inline detail::CurrentTaskAwaiter current_task() noexcept { return {}; }

}  // namespace corio
