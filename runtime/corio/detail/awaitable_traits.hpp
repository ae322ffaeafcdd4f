// What `co_await a` yields for an arbitrary awaitable (member or free
// operator co_await, or an awaiter itself), for ensure_future-style spawns.
#pragma once

#include <coroutine>
#include <type_traits>
#include <utility>

namespace corio::detail {

template <class A>
decltype(auto) get_awaiter(A&& a) {
    if constexpr (requires { std::forward<A>(a).operator co_await(); })
        return std::forward<A>(a).operator co_await();
    else if constexpr (requires { operator co_await(std::forward<A>(a)); })
        return operator co_await(std::forward<A>(a));
    else
        return std::forward<A>(a);
}

template <class A>
using awaiter_t = decltype(get_awaiter(std::declval<A>()));

template <class A>
concept Awaitable = requires(awaiter_t<A> w) {
    { w.await_ready() } -> std::convertible_to<bool>;
    w.await_resume();
};

template <class A>
using await_result_t = decltype(std::declval<awaiter_t<A>&>().await_resume());

}  // namespace corio::detail
