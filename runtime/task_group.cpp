// TaskGroup's shared state: the live children, the errors, and the joiner
// (see corio/task_group.hpp). Children report through a callback node each;
// the state lives while the group object or any of those nodes does.
#include <mutex>
#include <optional>
#include <vector>

#include "corio/detail/signal.hpp"
#include "corio/task_group.hpp"

namespace corio::detail {

class GroupState {
public:
    struct Child : Waiter {
        GroupState* group;
        TaskHeader* task;  // retained until it is done
        Child* prev = nullptr;
        Child* next = nullptr;
    };

    std::mutex mutex;  // guards everything below; children finish on any thread
    std::size_t active = 0;  // admitted and not yet done
    bool joined = false;     // join() was called
    bool finished = false;   // join() saw the last child end
    bool aborting = false;   // a child failed, or the joiner was cancelled
    Child head;              // sentinel of the ring of live children
    std::vector<std::exception_ptr> errors;
    std::optional<Future<void>> wake;  // the joiner's, while it waits
    Atomic<std::size_t> refs{1};       // the group object and each Child

    GroupState() { head.prev = head.next = &head; }

    void drop_ref() noexcept {
        // acq_rel: the last one out sees every other's writes before deleting.
        if (refs.fetch_sub(1, memory_order_acq_rel) == 1) delete this;
    }

    // Under the mutex: every live child, retained, for cancel_all.
    std::vector<TaskHeader*> take_live() {
        std::vector<TaskHeader*> live;
        for (Child* c = head.next; c != &head; c = c->next) {
            c->task->retain();
            live.push_back(c->task);
        }
        return live;
    }
    // Outside the mutex: cancelling may complete futures and run callbacks.
    static void cancel_all(std::vector<TaskHeader*>& live) noexcept {
        for (TaskHeader* t : live) {
            t->cancel();
            t->release();
        }
    }

    // Under the mutex: a child left; the joiner wakes when none is left.
    std::optional<Future<void>> leave() noexcept {
        --active;
        if (active == 0 && wake) return std::exchange(wake, std::nullopt);
        return std::nullopt;
    }

    static void on_child_done(Waiter* waiter, bool run) noexcept;
};

void GroupState::on_child_done(Waiter* waiter, bool) noexcept {
    // Children are tasks: their lists always close by completing, so `run`
    // is always true here.
    auto* child = static_cast<Child*>(waiter);
    GroupState* group = child->group;
    TaskHeader* task = child->task;
    std::vector<TaskHeader*> to_cancel;
    std::optional<Future<void>> wake;
    {
        std::lock_guard lock(group->mutex);
        child->prev->next = child->next;
        child->next->prev = child->prev;
        // A cancelled child is no failure (asyncio ignores its CancelledError).
        if (task->outcome() == CompletionState::Outcome::error) {
            group->errors.push_back(task->error_);
            task->mark_retrieved();
            if (!group->aborting) {
                group->aborting = true;
                to_cancel = group->take_live();
            }
        }
        wake = group->leave();
    }
    GroupState::cancel_all(to_cancel);
    if (wake) fire(*wake);
    task->release();
    delete child;
    group->drop_ref();
}

GroupState* make_group_state() { return new GroupState(); }

void admit_child(GroupState* group) {
    std::lock_guard lock(group->mutex);
    if (group->finished) throw InvalidStateError("TaskGroup is finished: create_task after it was joined");
    if (group->aborting) throw InvalidStateError("TaskGroup is shutting down: create_task after a failure or cancel");
    ++group->active;
}

void withdraw_child(GroupState* group) noexcept {
    std::optional<Future<void>> wake;
    {
        std::lock_guard lock(group->mutex);
        wake = group->leave();
    }
    if (wake) fire(*wake);
}

void attach_child(GroupState* group, TaskHeader* task) noexcept {
    auto* child = new GroupState::Child;
    child->callback = &GroupState::on_child_done;
    child->group = group;
    child->task = task;
    task->retain();
    group->refs.fetch_add(1, memory_order_relaxed);  // the node's; the group object holds one
    bool cancel_it;
    {
        std::lock_guard lock(group->mutex);
        child->next = group->head.next;
        child->prev = &group->head;
        group->head.next->prev = child;
        group->head.next = child;
        // The group began aborting between admit_child and now.
        cancel_it = group->aborting;
    }
    if (cancel_it) task->cancel();
    if (!task->add_waiter(child)) GroupState::on_child_done(child, true);
}

void abandon_group(GroupState* group) noexcept {
    std::vector<TaskHeader*> live;
    {
        std::lock_guard lock(group->mutex);
        if (!group->finished) {
            group->aborting = true;
            live = group->take_live();
        }
    }
    GroupState::cancel_all(live);
    group->drop_ref();
}

Coro<void> join_group(GroupState* group) {
    {
        std::lock_guard lock(group->mutex);
        if (group->joined) throw InvalidStateError("TaskGroup.join() called twice");
        group->joined = true;
    }
    bool cancelled = false;
    for (;;) {
        Future<void> wake;
        {
            std::lock_guard lock(group->mutex);
            if (group->active == 0) {
                group->finished = true;
                break;
            }
            group->wake = wake;
        }
        try {
            co_await wake;
        } catch (const CancelledError&) {
            cancelled = true;
        }
        if (cancelled) {
            // asyncio: a cancelled joiner aborts the group and still waits.
            std::vector<TaskHeader*> live;
            {
                std::lock_guard lock(group->mutex);
                group->aborting = true;
                live = group->take_live();
            }
            GroupState::cancel_all(live);
        }
    }
    std::vector<std::exception_ptr> errors;
    {
        std::lock_guard lock(group->mutex);
        errors.swap(group->errors);
    }
    if (!errors.empty()) throw ExceptionGroup("TaskGroup: unhandled errors in child tasks", std::move(errors));
    if (cancelled) throw CancelledError("TaskGroup's joiner was cancelled");
}

}  // namespace corio::detail
