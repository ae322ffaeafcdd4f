// gather: asyncio.gather. gather(a, b, ...) -> std::tuple of the results;
// gather(range) -> std::vector; a void result is std::monostate. Arguments
// are Coros, Tasks or any awaitable; non-Tasks are spawned when gather() is
// called (as asyncio schedules them at once). The first failure (an
// exception or a cancelled child) is rethrown while the other children keep
// running; with `corio::return_exceptions` first, every slot is an
// Outcome<T> and nothing is thrown for a child. Cancelling the awaiting
// task cancels every child; it ends (CancelledError) once they all have.
#pragma once

#include <array>
#include <cstddef>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "corio/detail/fan_in.hpp"
#include "corio/outcome.hpp"
#include "corio/task.hpp"

namespace corio {

struct ReturnExceptions {
    explicit ReturnExceptions() = default;
};
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

// The Task an argument of a combinator becomes (ensure_future).
template <class A>
using task_for_t = decltype(spawn_on(nullptr, std::declval<A>(), std::source_location::current()));
template <class A>
using task_value_t = typename task_for_t<A>::value_type;

template <class A>
task_for_t<A> as_task(A&& awaitable) {
    return spawn_on(nullptr, std::forward<A>(awaitable), std::source_location::current());
}

template <bool Settled, class T>
auto gather_slot(const Task<T>& task) {
    if constexpr (Settled) {
        TaskHeader* h = TaskAccess::header(task);
        if (h->error_) return Outcome<T>(h->error_);
        if constexpr (std::is_void_v<T>)
            return Outcome<T>(std::monostate{});
        else
            return Outcome<T>(task.result());
    } else if constexpr (std::is_void_v<T>) {
        task.result();
        return std::monostate{};
    } else {
        return task.result();
    }
}

template <bool Settled, class T>
using gather_slot_t = decltype(gather_slot<Settled>(std::declval<const Task<T>&>()));

// Waits as gather does; rethrows the first failure unless Settled.
template <bool Settled>
Coro<void> gather_wait(std::span<CompletionState* const> children) {
    FanInPtr fan(FanIn::start(children, {.cancelled_is_failure = true, .mark_retrieved = true}));
    co_await fan->wait_or_cancel_children(Settled ? FanIn::Until::all : FanIn::Until::failure_or_all);
    if constexpr (!Settled) {
        std::size_t failed = fan->first_failure();
        if (failed != FanIn::npos) std::rethrow_exception(children[failed]->error_);
    }
}

template <bool Settled, class... T>
Coro<std::tuple<gather_slot_t<Settled, T>...>> gather_tuple(Task<T>... tasks) {
    std::array<CompletionState*, sizeof...(T)> children{TaskAccess::header(tasks)...};
    co_await gather_wait<Settled>(children);
    co_return std::tuple<gather_slot_t<Settled, T>...>(gather_slot<Settled>(tasks)...);
}

template <bool Settled, class T>
Coro<std::vector<gather_slot_t<Settled, T>>> gather_vector(std::vector<Task<T>> tasks) {
    std::vector<CompletionState*> children;
    children.reserve(tasks.size());
    for (auto& t : tasks) children.push_back(TaskAccess::header(t));
    co_await gather_wait<Settled>(children);
    std::vector<gather_slot_t<Settled, T>> results;
    results.reserve(tasks.size());
    for (auto& t : tasks) results.push_back(gather_slot<Settled>(t));
    co_return results;
}

template <class R>
auto tasks_of(R&& range) {
    using A = std::ranges::range_reference_t<R>;
    // Coros in the range are moved from (spawned); Tasks are shared.
    using Elem = std::conditional_t<is_coro<std::remove_cvref_t<A>>, std::remove_cvref_t<A>&&, A>;
    std::vector<task_for_t<Elem>> tasks;
    if constexpr (std::ranges::sized_range<R>) tasks.reserve(std::ranges::size(range));
    for (auto&& a : range) tasks.push_back(as_task(static_cast<Elem>(a)));
    return tasks;
}

template <class A>
concept GatherArg = Awaitable<A> && !std::ranges::range<std::remove_cvref_t<A>>;

}  // namespace detail

template <detail::GatherArg... A>
auto gather(A&&... awaitables) {
    return detail::gather_tuple<false>(detail::as_task(std::forward<A>(awaitables))...);
}

template <detail::GatherArg... A>
auto gather(ReturnExceptions, A&&... awaitables) {
    return detail::gather_tuple<true>(detail::as_task(std::forward<A>(awaitables))...);
}

template <std::ranges::input_range R>
    requires(!detail::Awaitable<R>)
auto gather(R&& awaitables) {
    return detail::gather_vector<false>(detail::tasks_of(std::forward<R>(awaitables)));
}

template <std::ranges::input_range R>
    requires(!detail::Awaitable<R>)
auto gather(ReturnExceptions, R&& awaitables) {
    return detail::gather_vector<true>(detail::tasks_of(std::forward<R>(awaitables)));
}

}  // namespace corio
