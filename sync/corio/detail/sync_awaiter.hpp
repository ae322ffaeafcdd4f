// SyncAwaiter<D>: the one await protocol every sync/ primitive uses. D says,
// under the primitive's lock, whether the operation completes now
// (try_now); if not, the task queues a WaitNode FIFO and suspends until a
// granter serves it, a cancel takes it out, or the primitive aborts it.
// A node served and then cancelled before it ran asks D to give back what it
// got (D::give_back), so a cancelled waiter takes nothing and loses nothing.
// Every await spends a unit of the task's budget, as awaiting a Task or a
// Future does: once it is spent, the task goes behind the others *before*
// it tries (retry_frame.hpp), so a loop on a primitive that is always ready
// cannot starve its worker, and a task never yields holding what it took.
// What the try finds after the yield decides: an Event set before the yield
// and cleared during it makes the await wait (as in Tokio).
#pragma once

#include <coroutine>
#include <cstdint>
#include <mutex>
#include <new>
#include <utility>

#include "corio/coro.hpp"
#include "corio/detail/retry_frame.hpp"
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
        if constexpr (D::kAlwaysWaits) {
            return false;  // suspends anyway: no budget to spend
        } else {
            if (!take_budget() && prepare_retry()) [[unlikely]]
                return false;  // await_suspend yields to the retry frame
            WakeBatch wake;  // destroyed after the guard: wakes outside the lock
            std::lock_guard guard(d().sync_lock());
            result_ = d().try_now(wake);
            return result_ != TryResult::wait;
        }
    }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> caller) noexcept {
        TaskHeader* self = owner_of(caller);
        self->on_suspend();
        node_.prepare(d().sync_lock(), d().wait_list(), self, caller);
        if (retry_) [[unlikely]] {
            // The budget is spent: behind the others first, then the try.
            // The node is not visible yet, so a cancel meanwhile only marks
            // the task; retry() passes it to the node, which it finds idle.
            yield_task(self, retry_);
            return true;
        }
        return try_or_queue();
    }

protected:
    D& d() noexcept { return static_cast<D&>(*this); }

    // What a primitive that can never complete at once declares (Condition):
    // its await neither tries in await_ready nor spends the budget.
    static constexpr bool kAlwaysWaits = false;

    // Hooks D may hide: something to do once the node is queued and the
    // lock released (Condition releases the user's lock there).
    static std::nullptr_t capture_after() noexcept { return nullptr; }
    static void run_after(std::nullptr_t) noexcept {}

    // The rest of await_suspend, with the node prepared: tries under the
    // primitive's lock and queues the node if it must wait. True when queued
    // (the task is suspended; our frame may already run elsewhere). Forced
    // inline: with two callers GCC keeps it out of line, and every await
    // that suspends pays a call (W3 at one worker 9% slower, alternated runs).
    [[gnu::always_inline]] bool try_or_queue() noexcept {
        auto after = d().capture_after();  // read now: once queued, our frame may run elsewhere
        SpinLock& lock = *node_.lock;
        // Registered before the node is visible to granters, so a wake can
        // never overtake it; a cancel pending already marks the node cancelled.
        TaskHeader* self = node_.task;
        self->set_waiting_on(&node_);
        // Shutdown must find this wait: through the primitive's hook when it
        // covers our runtime (one load), else on its own.
        if (!d().sync_hook().covers(self->runtime)) track_waited(self->runtime, &node_.waited);
        bool queued = false;
        {
            WakeBatch wake;
            std::lock_guard guard(lock);
            if (node_.status == WaitNode::Status::idle) {
                result_ = d().try_now(wake);
                if (result_ == TryResult::wait) {
                    node_.status = WaitNode::Status::queued;
                    node_.list->push_back(&node_);
                    queued = true;
                } else {
                    // Served (or failed) at once: a cancel arriving from now
                    // on must find it served, not idle, or it would throw
                    // away what try_now just took.
                    node_.status = result_ == TryResult::done ? WaitNode::Status::granted : WaitNode::Status::aborted;
                }
            }
        }
        D::run_after(after);
        return queued;
    }

    // The budget is spent: makes the frame await_suspend yields to. Out of
    // line: inlined, the coroutine's ramp made await_ready too big to be
    // inlined into the awaiting coroutine (a profile of Queue_mpmc showed
    // the call). The one allocation an await may make (a 64-byte frame, once
    // per spent budget); should it fail, the await goes on without the
    // yield this time rather than throw bad_alloc from a Lock.
    [[gnu::noinline]] bool prepare_retry() noexcept {
        try {
            retry_ = make_retry_frame(this).frame;
            return true;
        } catch (const std::bad_alloc&) {
            return false;
        }
    }

    // RetryStep's call, run as the task once its yield is over: the try that
    // await_suspend put off, then on into the awaiting coroutine unless the
    // task is now queued.
    template <class>
    friend struct RetryStep;
    std::coroutine_handle<> retry() noexcept {
        const std::coroutine_handle<> caller = node_.handle;  // ours to read only until queued
        if (try_or_queue()) return std::noop_coroutine();
        return transfer(caller);
    }

    // First thing in D::await_resume. Throws CancelledError for a wait that
    // was cancelled; returns true when the operation completed, false when
    // it failed (D throws its own error then).
    bool settle() {
        if (TaskHeader* self = node_.task) {  // set by await_suspend: the await suspended
            // A budget yield's frame has run its step (the task came back
            // only through it): free it.
            if (retry_) [[unlikely]] std::exchange(retry_, {}).destroy();
            self->clear_waiting_on();
            node_.quiesce();
            switch (node_.status) {
                case WaitNode::Status::cancelled:
                    self->throw_if_cancelled();
                    // Cancelled by runtime shutdown rather than Task::cancel().
                    throw CancelledError("wait cancelled by runtime shutdown");
                case WaitNode::Status::granted:
                    result_ = TryResult::done;
                    // Served, then cancelled before it ran: asyncio semantics
                    // are that the cancellation wins, so D gives back what it
                    // got (next waiter first) and the CancelledError is thrown.
                    // D may instead keep it (a put already in the queue); the
                    // cancellation then comes at the task's next suspension.
                    if ((self->state() & CompletionState::kCancelPending) && d().give_back())
                        self->throw_if_cancelled();
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
    TryResult result_ = TryResult::wait;
    // Only when the budget was spent: the frame the yield resumes, made in
    // await_ready and destroyed in settle (a plain handle, so an await that
    // completes at once runs no destructor for it).
    std::coroutine_handle<> retry_;
};

}  // namespace corio::detail
