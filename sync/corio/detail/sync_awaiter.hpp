// SyncAwaiter<D>: the one await protocol every sync/ primitive uses. D says,
// under the primitive's lock, whether the operation completes now
// (try_now); if not, the task queues a WaitNode FIFO and suspends until a
// granter serves it, a cancel takes it out, or the primitive aborts it.
// A node served and then cancelled before it ran asks D to give back what it
// got (D::give_back), so a cancelled waiter takes nothing and loses nothing.
// Every await spends a unit of the task's budget, as awaiting a Task or a
// Future does: once it is spent, an operation that completes at once still
// completes (a Lock is taken, an item got), but the task goes behind the
// others before it carries on, so a loop on a primitive that is always
// ready cannot starve its worker.
#pragma once

#include <coroutine>
#include <cstdint>
#include <mutex>

#include "corio/coro.hpp"
#include "corio/detail/sync_hook.hpp"
#include "corio/detail/wait_node.hpp"

namespace corio::detail {

enum class TryResult : std::uint8_t { done, wait, fail };

template <class D>
class SyncAwaiter {
public:
    SyncAwaiter() = default;
    SyncAwaiter(const SyncAwaiter&) = delete;
    SyncAwaiter& operator=(const SyncAwaiter&) = delete;

    bool await_ready() {
        if (!take_budget()) {
            budget_spent_ = true;  // await_suspend completes it, then yields
            return false;
        }
        WakeBatch wake;  // destroyed after the guard: wakes outside the lock
        std::lock_guard guard(d().sync_lock());
        result_ = d().try_now(wake);
        return result_ != TryResult::wait;
    }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> caller) noexcept {
        self_ = owner_of(caller);
        self_->on_suspend();
        auto after = d().capture_after();  // read now: once queued, our frame may run elsewhere
        SpinLock& lock = d().sync_lock();
        node_.prepare(lock, d().wait_list(), self_, caller);
        // Registered before the node is visible to granters, so a wake can
        // never overtake it; a cancel pending already marks the node cancelled.
        self_->set_waiting_on(&node_);
        // Shutdown must find this wait: through the primitive's hook when it
        // covers our runtime (one load), else on its own.
        if (!d().sync_hook().covers(self_->runtime)) track_waited(self_->runtime, &node_.waited);
        bool suspended = false;
        {
            WakeBatch wake;
            std::lock_guard guard(lock);
            if (node_.status == WaitNode::Status::idle) {
                result_ = d().try_now(wake);
                if (result_ == TryResult::wait) {
                    node_.status = WaitNode::Status::queued;
                    node_.list->push_back(&node_);
                    suspended = true;
                } else {
                    // Served (or failed) at once: a cancel arriving from now
                    // on must find it served, not idle, or it would throw
                    // away what try_now just took.
                    node_.status = result_ == TryResult::done ? WaitNode::Status::granted : WaitNode::Status::aborted;
                }
            }
        }
        D::run_after(after);
        // Not queued, so our frame is still ours to read.
        if (!suspended && budget_spent_ && result_ != TryResult::wait) {
            // Done at once with the budget spent: the task still goes
            // behind the others. settle() sees the node served or aborted.
            yield_task(self_, caller);
            return true;
        }
        return suspended;
    }

protected:
    D& d() noexcept { return static_cast<D&>(*this); }

    // Hooks D may hide: something to do once the node is queued and the
    // lock released (Condition releases the user's lock there).
    static std::nullptr_t capture_after() noexcept { return nullptr; }
    static void run_after(std::nullptr_t) noexcept {}

    // First thing in D::await_resume. Throws CancelledError for a wait that
    // was cancelled; returns true when the operation completed, false when
    // it failed (D throws its own error then).
    bool settle() {
        if (self_) {
            self_->clear_waiting_on();
            node_.quiesce();
            switch (node_.status) {
                case WaitNode::Status::cancelled:
                    self_->throw_if_cancelled();
                    // Cancelled by runtime shutdown rather than Task::cancel().
                    throw CancelledError("wait cancelled by runtime shutdown");
                case WaitNode::Status::granted:
                    result_ = TryResult::done;
                    // Served, then cancelled before it ran: asyncio semantics
                    // are that the cancellation wins, so D gives back what it
                    // got (next waiter first) and the CancelledError is thrown.
                    // D may instead keep it (a put already in the queue); the
                    // cancellation then comes at the task's next suspension.
                    if ((self_->state() & CompletionState::kCancelPending) && d().give_back())
                        self_->throw_if_cancelled();
                    break;
                case WaitNode::Status::aborted:
                    result_ = TryResult::fail;
                    break;
                default:  // idle or queued: cannot be seen after a resume
                    break;
            }
        }
        return result_ == TryResult::done;
    }

    WaitNode node_;
    TaskHeader* self_ = nullptr;
    TryResult result_ = TryResult::wait;
    bool budget_spent_ = false;
};

}  // namespace corio::detail
