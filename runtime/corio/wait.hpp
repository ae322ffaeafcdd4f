// wait, as_completed, when_any: waiting on several tasks at once.
//  - wait(tasks, ReturnWhen) is asyncio.wait: returns {done, pending} (in
//    the input order) once the condition holds; it never cancels the tasks,
//    not even when the waiter is cancelled.
//  - as_completed(tasks) hands the tasks out in the order they finish:
//      auto ac = corio::as_completed(tasks);
//      while (auto t = co_await ac.next()) use(co_await *t);   // *t is done
//    next() gives std::nullopt once every task was handed out; cancelling
//    the waiter leaves the tasks alone (as asyncio).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "corio/detail/fan_in.hpp"
#include "corio/task.hpp"

namespace corio {

enum class ReturnWhen { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };

template <class T>
struct WaitResult {
    std::vector<Task<T>> done;
    std::vector<Task<T>> pending;
};

namespace detail {
template <class T>
std::vector<CompletionState*> states_of(const std::vector<Task<T>>& tasks) {
    std::vector<CompletionState*> states;
    states.reserve(tasks.size());
    for (const auto& t : tasks) {
        if (!t.valid()) throw InvalidStateError("corio::wait/as_completed: an empty Task handle");
        states.push_back(TaskAccess::header(t));
    }
    return states;
}
}  // namespace detail

// Throws InvalidStateError for an empty set (asyncio raises ValueError).
template <class T>
Coro<WaitResult<T>> wait(std::vector<Task<T>> tasks, ReturnWhen when = ReturnWhen::ALL_COMPLETED) {
    if (tasks.empty()) throw InvalidStateError("corio::wait: the set of tasks is empty");
    using Until = detail::FanIn::Until;
    // FIRST_EXCEPTION counts an exception, not a cancellation (asyncio).
    detail::FanInPtr fan(detail::FanIn::start(detail::states_of(tasks), {}));
    co_await fan->wait(when == ReturnWhen::ALL_COMPLETED     ? Until::all
                       : when == ReturnWhen::FIRST_COMPLETED ? Until::next
                                                             : Until::failure_or_all);
    WaitResult<T> result;
    for (auto& t : tasks) (t.done() ? result.done : result.pending).push_back(std::move(t));
    co_return result;
}

template <class T>
class AsCompleted {
public:
    explicit AsCompleted(std::vector<Task<T>> tasks)
        : tasks_(std::move(tasks)), fan_(detail::FanIn::start(detail::states_of(tasks_), {})) {}

    // The next task to finish (already done), or nullopt when none is left.
    // The AsCompleted must outlive the co_await.
    Coro<std::optional<Task<T>>> next() {
        if (handed_out_ == tasks_.size()) co_return std::nullopt;
        co_await fan_->wait(detail::FanIn::Until::next);
        ++handed_out_;
        co_return tasks_[fan_->take_next()];
    }

    std::size_t remaining() const noexcept { return tasks_.size() - handed_out_; }

private:
    std::vector<Task<T>> tasks_;
    detail::FanInPtr fan_;
    std::size_t handed_out_ = 0;
};

template <class T>
AsCompleted<T> as_completed(std::vector<Task<T>> tasks) {
    return AsCompleted<T>(std::move(tasks));
}

}  // namespace corio
