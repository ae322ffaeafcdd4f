// to_thread(fn, args...): asyncio.to_thread. Calls fn(args...) on the
// runtime's blocking pool (see detail/blocking_pool.hpp) and gives its value
// or rethrows its exception. fn and args are copied or moved in (std::ref to
// pass a reference). Cancelling the awaiting task throws CancelledError at
// once; the call still runs to its end on its thread and its result is
// dropped. Lazy like any Coro: the call is handed over when awaited.
#pragma once

#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "corio/detail/blocking_pool.hpp"
#include "corio/detail/signal.hpp"

namespace corio {

namespace detail {
template <class R, class F>
struct FunctionJob final : BlockingJob {
    FunctionJob(Future<R> r, F f) : result(std::move(r)), fn(std::move(f)) {}
    void run() noexcept override { complete_with(*result.future, fn); }
    ForeignRef<R> result;
    F fn;
};
}  // namespace detail

template <class F, class... Args>
    requires std::invocable<std::decay_t<F>&, std::decay_t<Args>&...>
Coro<std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>> to_thread(F fn, Args... args) {
    using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>;
    auto call = [fn = std::move(fn), ... args = std::move(args)]() mutable -> R { return std::invoke(fn, args...); };
    Future<R> result;
    detail::submit_blocking(detail::current_runtime(),
                            std::make_unique<detail::FunctionJob<R, decltype(call)>>(result, std::move(call)));
    co_return co_await result;
}

}  // namespace corio
