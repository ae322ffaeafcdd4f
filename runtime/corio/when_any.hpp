// when_any(a, b, ...): a race. Runs every argument as a task (Coros and
// other awaitables are spawned at the call, Tasks are used as they are),
// and once the first finishes, cancels the others and waits for them to end
// (nothing outlives the call). Gives std::variant<R0, R1, ...> whose
// index() names the winner (void results are std::monostate), or rethrows
// the winner's exception. Cancelling the waiter cancels all of them.
#pragma once

#include <array>
#include <cstddef>
#include <utility>
#include <variant>

#include "corio/gather.hpp"

namespace corio {

namespace detail {

template <std::size_t I, class Variant, class Tuple>
Variant variant_from(const Tuple& tasks, std::size_t index) {
    if constexpr (I + 1 < std::tuple_size_v<Tuple>) {
        if (index != I) return variant_from<I + 1, Variant>(tasks, index);
    }
    return Variant(std::in_place_index<I>, gather_slot<false>(std::get<I>(tasks)));
}

template <class... T>
Coro<std::variant<value_or_monostate_t<T>...>> when_any_tasks(Task<T>... tasks) {
    std::array<CompletionState*, sizeof...(T)> children{TaskAccess::header(tasks)...};
    FanInPtr fan(FanIn::start(children, {.mark_retrieved = true}));
    co_await fan->wait_or_cancel_children(FanIn::Until::next);
    std::size_t winner = fan->take_next();
    for (std::size_t i = 0; i < children.size(); ++i)
        if (i != winner) children[i]->cancel();
    bool cancelled = false;
    // The losers end before we return: the race leaves nothing running.
    for (;;) {
        try {
            co_await fan->wait(FanIn::Until::all);
            break;
        } catch (const CancelledError&) {
            cancelled = true;  // the losers are already cancelled; still wait for them
        }
    }
    if (cancelled) throw CancelledError("when_any was cancelled");
    co_return variant_from<0, std::variant<value_or_monostate_t<T>...>>(std::tuple<const Task<T>&...>(tasks...),
                                                                          winner);
}

}  // namespace detail

template <detail::GatherArg... A>
    requires(sizeof...(A) > 0)
auto when_any(A&&... awaitables) {
    return detail::when_any_tasks(detail::as_task(std::forward<A>(awaitables))...);
}

}  // namespace corio
