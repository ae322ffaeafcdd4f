// WaitNode: one blocking wait of a task on a sync/ primitive, queued FIFO in
// the primitive's WaitList. It is a CompletionState so that Task::cancel()
// (through set_waiting_on) and runtime shutdown (through track_waited) can
// reach it: its cancel unlinks a still-queued node under the primitive's
// lock and wakes the task to throw CancelledError, and does nothing to a node
// already granted. The node lives in the awaiter (no allocation); before the
// awaiter goes away it waits out any canceller still holding a reference.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "corio/detail/completion.hpp"
#include "corio/detail/scheduler.hpp"
#include "corio/detail/spin_lock.hpp"

namespace corio::detail {

class WaitList;

struct WaitNode : CompletionState {
    // Guarded by *lock. Only the thread that moves a node out of `queued`
    // schedules its task, so a task is woken exactly once.
    enum class Status : std::uint8_t {
        idle,       // not queued yet (await_suspend is registering it)
        queued,     // in the primitive's list
        granted,    // served: the primitive handed it what it waited for
        cancelled,  // taken out by a cancel; it got nothing
        aborted,    // woken by shutdown/close/reset/abort: the wait fails
    };

    WaitNode* prev = nullptr;
    WaitNode* next = nullptr;
    SpinLock* lock = nullptr;
    WaitList* list = nullptr;
    TaskHeader* task = nullptr;
    std::coroutine_handle<> handle;
    Status status = Status::idle;
    std::size_t index = 0;  // what a granter tells the waiter (Barrier: arrival index)
    void* slot = nullptr;   // the waiter's item storage (queues, channels)
    WaitedNode waited;

    void prepare(SpinLock& l, WaitList& wl, TaskHeader* t, std::coroutine_handle<> h) noexcept {
        // One reference, the awaiter's own; it is never dropped (see quiesce).
        init(&kOps, 1);
        lock = &l;
        list = &wl;
        task = t;
        handle = h;
        waited.state = this;
    }

    // Called by the resumed task after clear_waiting_on(): from here no new
    // canceller can find the node, and one already in cancel() is waited
    // out, since it still touches the node and the primitive's lock.
    void quiesce() noexcept {
        untrack_waited(&waited);
        // acquire: pairs with the canceller's drop_ref (acq_rel), so all it
        // did to the node happens before the awaiter's frame may die.
        for (unsigned spins = 0; state() / kRefOne != 1; ++spins) {
            if (spins < 128)
                cpu_relax();
            else
                std::this_thread::yield();  // the canceller may be descheduled
        }
    }

private:
    static void on_destroy(CompletionState*) noexcept {}  // the awaiter's reference outlives all others
    static bool on_cancel(CompletionState* state) noexcept;
    static constexpr CompletionOps kOps{&on_destroy, &on_cancel};
};

// An intrusive FIFO of WaitNodes; guarded by the owning primitive's lock.
class WaitList {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    std::size_t size() const noexcept { return size_; }
    WaitNode* front() const noexcept { return head_; }

    void push_back(WaitNode* n) noexcept {
        n->next = nullptr;
        n->prev = tail_;
        (tail_ ? tail_->next : head_) = n;
        tail_ = n;
        ++size_;
    }
    WaitNode* pop_front() noexcept {
        WaitNode* n = head_;
        if (n) remove(n);
        return n;
    }
    // Runtime shutdown (SyncHook): every queued waiter of `rt` is taken out
    // as cancelled, into `wake` (defined below WakeBatch).
    void cancel_runtime(RuntimeCore* rt, class WakeBatch& wake) noexcept;

    void remove(WaitNode* n) noexcept {
        (n->prev ? n->prev->next : head_) = n->next;
        (n->next ? n->next->prev : tail_) = n->prev;
        n->prev = n->next = nullptr;
        --size_;
    }

private:
    WaitNode* head_ = nullptr;
    WaitNode* tail_ = nullptr;
    std::size_t size_ = 0;
};

inline bool WaitNode::on_cancel(CompletionState* state) noexcept {
    auto* n = static_cast<WaitNode*>(state);
    n->lock->lock();
    const Status was = n->status;
    if (was == Status::queued) n->list->remove(n);
    if (was == Status::queued || was == Status::idle) n->status = Status::cancelled;
    n->lock->unlock();
    // An idle node is still in await_suspend, which sees `cancelled` and
    // does not suspend; only a queued one must be woken, by us alone.
    if (was == Status::queued) schedule(n->task, n->handle);
    return was == Status::queued || was == Status::idle;
}

// Nodes served under the primitive's lock, woken after it is released.
// Declare it before the lock guard: it then runs after the unlock.
class WakeBatch {
public:
    WakeBatch() = default;
    WakeBatch(const WakeBatch&) = delete;
    WakeBatch& operator=(const WakeBatch&) = delete;
    ~WakeBatch() { run(); }

    void grant(WaitNode* n, WaitNode::Status s = WaitNode::Status::granted) noexcept {
        n->status = s;
        n->next = nullptr;
        (last_ ? last_->next : first_) = n;
        last_ = n;
    }
    bool empty() const noexcept { return first_ == nullptr; }

    void run() noexcept {
        WaitNode* n = first_;
        first_ = last_ = nullptr;
        while (n) {
            // Read first: once scheduled, the task may run and its node die.
            WaitNode* next = n->next;
            schedule(n->task, n->handle);
            n = next;
        }
    }

private:
    WaitNode* first_ = nullptr;
    WaitNode* last_ = nullptr;
};

inline void WaitList::cancel_runtime(RuntimeCore* rt, WakeBatch& wake) noexcept {
    for (WaitNode* n = head_; n;) {
        WaitNode* next = n->next;
        if (n->task->runtime == rt) {
            remove(n);
            wake.grant(n, WaitNode::Status::cancelled);
        }
        n = next;
    }
}

}  // namespace corio::detail
