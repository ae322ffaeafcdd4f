// current_task(): asyncio.current_task. `co_await corio::current_task()`
// gives a TaskRef, a type-erased, copyable handle of the task the calling
// coroutine runs in (a Coro awaited inline runs in its caller's task). It
// never suspends. A TaskRef keeps the task's state alive like a Task handle;
// it can cancel the task and compare equal to the task's Task<T> handles.
// A task must not return a TaskRef to itself: its result would keep it alive.
// (all_tasks() is not offered: the runtime keeps no registry of live tasks.)
#pragma once

#include <coroutine>
#include <source_location>
#include <utility>

#include "corio/task.hpp"

namespace corio {

class TaskRef {
public:
    TaskRef() noexcept = default;
    template <class T>
    explicit TaskRef(const Task<T>& task) noexcept : TaskRef(detail::TaskAccess::header(task)) {}
    explicit TaskRef(detail::TaskHeader* header) noexcept : header_(header) {
        if (header_) header_->retain();
    }
    TaskRef(const TaskRef& other) noexcept : TaskRef(other.header_) {}
    TaskRef(TaskRef&& other) noexcept : header_(std::exchange(other.header_, nullptr)) {}
    TaskRef& operator=(TaskRef other) noexcept {
        std::swap(header_, other.header_);
        return *this;
    }
    ~TaskRef() {
        if (header_) header_->release();
    }

    bool valid() const noexcept { return header_ != nullptr; }
    bool done() const { return checked()->done(); }
    bool cancelled() const {
        return done() && header_->outcome() == detail::CompletionState::Outcome::cancelled;
    }
    // Task.cancel(): a request, seen at the task's next suspension point.
    bool cancel() { return checked()->cancel(); }
    const std::source_location& spawn_site() const { return checked()->spawn_site; }

    friend bool operator==(const TaskRef& a, const TaskRef& b) noexcept { return a.header_ == b.header_; }
    template <class T>
    friend bool operator==(const TaskRef& a, const Task<T>& b) noexcept {
        return a.header_ == detail::TaskAccess::header(b);
    }

private:
    detail::TaskHeader* checked() const {
        if (!header_) throw InvalidStateError("use of an empty corio::TaskRef");
        return header_;
    }
    detail::TaskHeader* header_ = nullptr;
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
