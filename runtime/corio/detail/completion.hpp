// CompletionState: what a Task and a Future share. One object completes
// exactly once (value, exception or cancellation); any number of awaiters and
// callbacks wait for that. Awaiters are intrusive nodes living in the
// awaiting frames, pushed on a lock-free list that completion closes, so
// awaiting allocates nothing. The state word holds the reference count and
// the cancellation bits (one word, as Tokio's task/state.rs).
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>

#include "corio/detail/atomic.hpp"

namespace corio::detail {

struct TaskHeader;
class CompletionState;

// A node in a completion's waiter list: either a suspended task to make
// runnable, or a callback (when `callback` is set).
struct Waiter {
    Waiter* next = nullptr;
    TaskHeader* task = nullptr;                // the task to wake
    std::coroutine_handle<> handle;            // where that task resumes
    void (*callback)(Waiter*, bool run) noexcept = nullptr;  // run=false: free unrun
};

// Per-kind behaviour, as a table of function pointers (no virtual bases, so
// a promise can derive from TaskHeader and keep a simple layout).
struct CompletionOps {
    void (*destroy)(CompletionState*) noexcept;   // last reference gone
    bool (*cancel)(CompletionState*) noexcept;    // Task: request; Future: complete as cancelled
};

class CompletionState {
public:
    // State word layout: low bits are flags, the rest counts references.
    static constexpr std::uint64_t kClaimed = 1;          // a completer has the right to publish
    static constexpr std::uint64_t kCancelRequested = 2;  // cancel() was called (sticky)
    static constexpr std::uint64_t kCancelPending = 4;    // not yet thrown into the task
    static constexpr std::uint64_t kRetrieved = 8;        // someone looked at the outcome
    static constexpr std::uint64_t kShutdownSeen = 16;    // shutdown already cancelled this task once
    static constexpr std::uint64_t kRefOne = 64;

    // Outcome, written by the completer before the waiter list is closed and
    // read only after seeing it closed (the close is the release point).
    enum class Outcome : std::uint8_t { pending, value, error, cancelled };

    void init(const CompletionOps* ops, std::uint64_t refs) noexcept {
        ops_ = ops;
        state_.store(refs * kRefOne, memory_order_relaxed);
        waiters_.store(nullptr, memory_order_relaxed);
        outcome_ = Outcome::pending;
    }

    // --- references -------------------------------------------------------
    void retain() noexcept { state_.fetch_add(kRefOne, memory_order_relaxed); }
    void release() noexcept {
        if (drop_ref()) destroy_now();
    }
    // Drops one reference; true when it was the last (the caller destroys).
    bool drop_ref() noexcept {
        // acq_rel: the last owner must see every write made through the
        // other references before it destroys the object.
        return state_.fetch_sub(kRefOne, memory_order_acq_rel) / kRefOne == 1;
    }
    // drop_ref() for the sole other owner's state, which no thread can touch
    // concurrently (see finish_task); never the last reference.
    void drop_ref_unshared() noexcept {
        state_.store(state_.load(memory_order_relaxed) - kRefOne, memory_order_relaxed);
    }
    // A reference only while the object is alive (for registries that may
    // race with the last release).
    bool try_retain() noexcept {
        std::uint64_t s = state_.load(memory_order_relaxed);
        do {
            if (s / kRefOne == 0) return false;
        } while (!state_.compare_exchange_weak(s, s + kRefOne, memory_order_relaxed));
        return true;
    }
    // Destroys the object. Frames hold handles to other tasks, so freeing
    // one can free the next, and so on down a chain: a destroy that starts
    // while this thread is already destroying is queued and run by the
    // outermost one, iteratively (no recursion as deep as the chain).
    void destroy_now() noexcept;

    // --- completion ---------------------------------------------------------
    bool done() const noexcept { return waiters_.load(memory_order_acquire) == closed(); }
    // done() in the single total order of seq_cst operations (see close()).
    bool done_seq_cst() const noexcept { return waiters_.load(memory_order_seq_cst) == closed(); }
    Outcome outcome() const noexcept { return outcome_; }  // valid once done()
    std::uint64_t state() const noexcept { return state_.load(memory_order_acquire); }

    // The single completer wins this; later set_result/cancel calls lose.
    bool try_claim() noexcept {
        // acquire pairs with nothing in particular; the claim only orders
        // completers among themselves.
        return (state_.fetch_or(kClaimed, memory_order_acquire) & kClaimed) == 0;
    }

    // Publishes the outcome (the result must already be stored) and returns
    // the waiters, oldest first. After this, done() is true everywhere.
    // Takes the list of a state that dies unfinished (a Future nobody will
    // complete): only callback nodes can be left, and they are freed unrun.
    void drop_callbacks() noexcept {
        Waiter* list = waiters_.exchange(closed(), memory_order_acquire);
        while (list && list != closed()) {
            Waiter* next = list->next;
            if (list->callback) list->callback(list, false);
            list = next;
        }
    }

    Waiter* close(Outcome outcome) noexcept {
        outcome_ = outcome;
        // release publishes the result and outcome to every thread that
        // sees `closed()`; acquire makes the waiter nodes' fields visible.
        // seq_cst (the same instruction as acq_rel on x86 and ARMv8): the
        // registry's claim-then-done_seq_cst() and finish_task's
        // close-then-load of live_shard must not both miss the other.
        Waiter* list = waiters_.exchange(closed(), memory_order_seq_cst);
        Waiter* reversed = nullptr;
        while (list) {
            Waiter* next = list->next;
            list->next = reversed;
            reversed = list;
            list = next;
        }
        return reversed;
    }

    // The waiter queued last, or null (none, or closed): a hint for
    // prefetching only, as it may change at once; never to be read through.
    Waiter* peek_waiter() const noexcept {
        Waiter* w = waiters_.load(memory_order_relaxed);
        return w == closed() ? nullptr : w;
    }
    // True when a waiter or callback is queued (not meaningful once closed).
    bool has_waiters() const noexcept { return waiters_.load(memory_order_acquire) != nullptr; }

    // close() for a state nobody else can reach and with no waiter queued
    // (see finish_task): no waiter can be queued concurrently.
    Waiter* close_unshared(Outcome outcome) noexcept {
        outcome_ = outcome;
        // release: publishes the result to whoever sees `closed()`.
        waiters_.store(closed(), memory_order_release);
        return nullptr;
    }

    // Adds a waiter unless already complete (then returns false and the
    // caller goes on at once).
    bool add_waiter(Waiter* waiter) noexcept {
        Waiter* head = waiters_.load(memory_order_acquire);
        do {
            if (head == closed()) return false;
            waiter->next = head;
            // release: the node's fields are visible to the completer that
            // takes the list.
        } while (!waiters_.compare_exchange_weak(head, waiter, memory_order_release, memory_order_acquire));
        return true;
    }

    // --- cancellation and outcome bookkeeping ------------------------------
    bool cancel() noexcept { return ops_->cancel(this); }

    void mark_retrieved() noexcept {
        if (outcome_ == Outcome::error && !(state_.load(memory_order_relaxed) & kRetrieved))
            state_.fetch_or(kRetrieved, memory_order_relaxed);
    }
    bool retrieved() const noexcept { return state_.load(memory_order_relaxed) & kRetrieved; }
    void mark_shutdown_seen() noexcept { state_.fetch_or(kShutdownSeen, memory_order_relaxed); }

    std::exception_ptr error_;  // the exception, when outcome is error

protected:
    static Waiter* closed() noexcept { return reinterpret_cast<Waiter*>(std::uintptr_t{1}); }

    const CompletionOps* ops_ = nullptr;
    Atomic<std::uint64_t> state_{0};
    Atomic<Waiter*> waiters_{nullptr};
    Outcome outcome_ = Outcome::pending;

    friend struct TaskHeader;
    friend struct DestroyQueue;
};

// Makes each waiter runnable (or runs its callback). `skip` is left alone:
// the completer resumes it itself by symmetric transfer.
void wake_all(Waiter* list, Waiter* skip = nullptr) noexcept;

// A callback node that owns a callable and deletes itself after running.
template <class F>
struct CallbackWaiter : Waiter {
    explicit CallbackWaiter(F&& fn) : fn_(std::move(fn)) { callback = &run; }
    static void run(Waiter* self, bool run) noexcept {
        auto* me = static_cast<CallbackWaiter*>(self);
        if (run) me->fn_();  // noexcept context: a throwing callback terminates, as asyncio logs it
        delete me;
    }
    F fn_;
};

}  // namespace corio::detail
