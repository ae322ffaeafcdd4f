// TaskGroup: asyncio's structured TaskGroup. C++ has no async destructor, so
// the scope is a call: `co_await corio::task_group([&](corio::TaskGroup& tg)
// -> corio::Coro<R> { tg.create_task(...); ... })` runs the body as a task of
// the group and returns once every child has ended, giving the body's value.
// The first failure cancels every other child (the body too); the errors of
// all failed children are thrown together as one ExceptionGroup. Cancelling
// the caller cancels every child, waits for them, then throws CancelledError
// (an ExceptionGroup wins when children failed). create_task on a group
// that is finished or shutting down throws InvalidStateError.
#pragma once

#include <source_location>
#include <type_traits>
#include <utility>

#include "corio/exception_group.hpp"
#include "corio/task.hpp"

namespace corio {

namespace detail {
class GroupState;
GroupState* make_group_state();
void admit_child(GroupState* group);                       // throws InvalidStateError
void withdraw_child(GroupState* group) noexcept;           // admit_child, then the spawn failed
void attach_child(GroupState* group, TaskHeader* child) noexcept;
void abandon_group(GroupState* group) noexcept;            // ~TaskGroup
Coro<void> join_group(GroupState* group);
}  // namespace detail

class TaskGroup {
public:
    TaskGroup() : state_(detail::make_group_state()) {}
    // A group left without join() (only possible outside task_group()) cancels
    // its children; it cannot wait for them, so prefer task_group().
    ~TaskGroup() { detail::abandon_group(state_); }
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    // Spawns a child (a Coro, or any awaitable, as corio::spawn) in the group.
    template <class A>
    auto create_task(A&& awaitable, std::source_location where = std::source_location::current()) {
        detail::admit_child(state_);
        try {
            auto task = detail::spawn_on(nullptr, std::forward<A>(awaitable), where);
            detail::attach_child(state_, detail::TaskAccess::header(task));
            return task;
        } catch (...) {
            detail::withdraw_child(state_);
            throw;
        }
    }

    // Waits until every child has ended (children may add siblings meanwhile),
    // then throws the ExceptionGroup of the failures, if any. Once only.
    Coro<void> join() { return detail::join_group(state_); }

private:
    detail::GroupState* state_;
};

namespace detail {
template <class F>
using group_body_t = std::invoke_result_t<F&, TaskGroup&>;

template <class F>
Coro<typename group_body_t<F>::value_type> run_group(F body) {
    TaskGroup group;
    auto task = group.create_task(body(group));
    co_await group.join();
    co_return task.result();
}
}  // namespace detail

// The scoped form (see the top of this header). `body` is kept alive until
// every child has ended, so its captures may be used by the children.
template <class F>
    requires detail::is_coro<detail::group_body_t<F>>
auto task_group(F body) {
    return detail::run_group(std::move(body));
}

}  // namespace corio
