// TaskHeader: the shared state of a spawned task. Every coroutine promise
// derives from it, so spawning a Coro turns its frame into a task without a
// second allocation (frame and shared state together). Inline (awaited)
// coroutines never initialise the task part.
#pragma once

#include <coroutine>
#include <cstdint>
#include <source_location>
#include <string>

#include "corio/detail/completion.hpp"
#include "corio/detail/spin_lock.hpp"

namespace corio::detail {

struct RuntimeCore;
struct TaskHeader;

// The live-task registry behind all_tasks() (runtime/task_registry.cpp).
// A task joins it the first time it suspends (or is named), not at spawn:
// spawning stays free of locks, and a task that never suspends is either
// queued or running, where all_tasks() finds or counts it otherwise.
void register_live(TaskHeader* task) noexcept;
void unregister_live(TaskHeader* task) noexcept;  // the task finished
void free_live_node(TaskHeader* task) noexcept;   // the task's state dies
std::string task_name(TaskHeader* task);
void set_task_name(TaskHeader* task, std::string name);

struct TaskHeader : CompletionState {
    std::coroutine_handle<> resume_point;  // where the task goes on when next run
    std::coroutine_handle<> inline_parent;  // join fast path: the awaiting parent, resumed directly
    RuntimeCore* runtime = nullptr;
    std::source_location spawn_site;
    bool cancelled_error = false;  // the stored exception is a CancelledError
    // Set at its first suspension. A task in a run queue that never
    // suspended never ran: only such a task may be run inline by the parent
    // that joins it (a woken one may already have an inline parent).
    // Atomic, relaxed: a joiner on another worker may read it while the task
    // runs; the answer only matters when the task sits in the joiner's own
    // queue, and then its last store happened before it was queued there.
    Atomic<bool> suspended_once{false};

    // cancel(): request, then pass the cancellation on to what the task awaits.
    bool request_cancel() noexcept;

    // What the task is suspended on, so that cancel() can reach it (asyncio's
    // _fut_waiter). Guarded by a tiny spin lock: cancel() takes a reference
    // to the target under it, so the target cannot die in its hands.
    void set_waiting_on(CompletionState* target) noexcept {
        lock_self();
        waiting_on_ = target;
        unlock_self();
        // A cancel that came before the target was visible is passed on here.
        if (state_.load(memory_order_acquire) & kCancelPending) [[unlikely]]
            target->cancel();
    }
    void clear_waiting_on() noexcept {
        // Only the task itself sets its waiting_on_, so it may read it bare.
        if (!waiting_on_) return;
        lock_self();
        waiting_on_ = nullptr;
        unlock_self();
    }

    // Every real suspension (the task leaves the worker) calls this first.
    // A task run inline by the parent that joined it registers that parent
    // as waiting on it only now: a child that finishes without suspending
    // (the common fork-join case) costs the parent no registration at all.
    void on_suspend() noexcept {
        suspended_once.store(true, memory_order_relaxed);
        if (joined_by) [[unlikely]]
            register_joiners();
        if (!live_shard.load(memory_order_relaxed)) [[unlikely]]
            register_live(this);
    }

    // Its entry in the registry (runtime/task_registry.cpp): the shard it
    // joined, plus one (0: never listed). Claimed once, by CAS,
    // when the task first suspends or is named; read without the lock by
    // the task's own suspend, finish and destroy paths.
    Atomic<std::uint8_t> live_shard{0};
    // Guarded by the registry's lock: the slot it is listed in, plus one
    // (0: not listed).
    std::uint32_t live_slot = 0;
    // Guarded by the task's own lock (lock_self), so that a handle that
    // outlives the runtime can still read and set it: the name, allocated
    // only for a named task.
    std::string* live_name = nullptr;

    // Whether the task waits on a future, task or primitive now.
    bool waiting() noexcept {
        lock_self();
        bool w = waiting_on_ != nullptr;
        unlock_self();
        return w;
    }

    // Join fast path: the parent task running this one inline, until it
    // has been registered as waiting on it.
    TaskHeader* joined_by = nullptr;

    // Called at every suspension point when the task resumes: throws
    // CancelledError once per cancel() request.
    void throw_if_cancelled() {
        if (state_.load(memory_order_relaxed) & kCancelPending) [[unlikely]]
            deliver_cancel();
    }
    [[noreturn]] void throw_cancelled();
    void deliver_cancel();
    void register_joiners() noexcept;

    // The task's own tiny lock: guards what it waits on and its name.
    void lock_self() noexcept { self_lock_.lock(); }
    void unlock_self() noexcept { self_lock_.unlock(); }

private:
    SpinLock self_lock_;
    CompletionState* waiting_on_ = nullptr;
};

}  // namespace corio::detail
