// Completing tasks and futures, waking their waiters, and cancellation.
#include <utility>

#include "corio/errors.hpp"
#include "runtime_core.hpp"

namespace corio::detail {

// The objects waiting to be destroyed on this thread, linked through their
// (dead) waiter-list field.
struct DestroyQueue {
    bool draining = false;
    CompletionState* head = nullptr;

    void run(CompletionState* state) noexcept {
        if (draining) {
            state->waiters_.store(reinterpret_cast<Waiter*>(head), memory_order_relaxed);
            head = state;
            return;
        }
        draining = true;
        state->ops_->destroy(state);
        while (CompletionState* next = head) {
            head = reinterpret_cast<CompletionState*>(next->waiters_.load(memory_order_relaxed));
            next->ops_->destroy(next);
        }
        draining = false;
    }
};
constinit thread_local DestroyQueue destroy_queue;

void CompletionState::destroy_now() noexcept { destroy_queue.run(this); }

void wake_all(Waiter* list, Waiter* skip) noexcept {
    while (list) {
        // Read next first: once woken, the node's frame may resume and die.
        Waiter* next = list->next;
        if (list != skip) {
            if (list->callback)
                list->callback(list, true);
            else
                schedule(list->task, list->handle);
        }
        list = next;
    }
}

std::coroutine_handle<> finish_task(TaskHeader* task) noexcept {
    using Outcome = CompletionState::Outcome;
    Outcome outcome = !task->error_ ? Outcome::value : task->cancelled_error ? Outcome::cancelled : Outcome::error;
    // The join fast path's common case: the child ran inline from start to
    // end without suspending (joined_by is still set), the only handle is
    // its parent's, which waits for this very transfer, and no callback was
    // queued (callback nodes hold no reference; only that handle could have
    // added one, before the join, so an empty list stays empty). Then nobody
    // else can reach the task's state: close it and drop our reference with
    // plain stores instead of locked operations.
    // A task in the registry (named) may be retained by all_tasks() at any time.
    const bool unshared = task->joined_by && task->state() / CompletionState::kRefOne == 2 && !task->has_waiters() &&
                          !task->live_shard.load(memory_order_relaxed);
    Waiter* waiters = unshared ? task->close_unshared(outcome) : task->close(outcome);

    // Resume one awaiting parent right here by symmetric transfer: the
    // inline-joined parent if there is one, else the first waiting task.
    std::coroutine_handle<> next;
    Waiter* direct = nullptr;
    if (task->inline_parent) {
        next = task->inline_parent;
    } else {
        for (Waiter* w = waiters; w; w = w->next) {
            if (!w->callback && w->task->runtime == task->runtime) {
                direct = w;
                next = w->handle;
                break;
            }
        }
    }
    wake_all(waiters, direct);
    // Done, so a set_name racing this no longer links it; our reference
    // keeps it alive for an all_tasks() that holds the registry's lock.
    // seq_cst, as close() and the registry's shard claim: a racing link
    // either sees the task done or has its claim seen here.
    if (task->live_shard.load(memory_order_seq_cst)) [[unlikely]]
        unregister_live(task);
    count_completion(task);
    // The task's own reference. When it is the last, nobody holds a handle,
    // so nobody waits and `next` is empty; the frame is freed by the resume
    // loop once control has left it (never from inside its final suspend).
    if (unshared)
        task->drop_ref_unshared();
    else if (task->drop_ref())
        resume_context().destroy_after = task;
    return next ? transfer(next) : std::noop_coroutine();
}

bool TaskHeader::request_cancel() noexcept {
    if (done()) return false;
    // acq_rel: the bits are seen by the task at its next suspension point.
    state_.fetch_or(kCancelRequested | kCancelPending, memory_order_acq_rel);
    lock_self();
    CompletionState* target = waiting_on_;
    if (target && !target->try_retain()) target = nullptr;
    // Counted while the task waits (it cannot finish while we hold its
    // lock, so neither can its runtime's shutdown): the target may complete
    // and the task end the moment we let go, yet the target's cancel may
    // still reach a worker ring or reactor, which shutdown then keeps open
    // until we are done.
    RuntimeCore* rt = target ? runtime : nullptr;
    if (rt) rt->cancels_in_flight.fetch_add(1, memory_order_relaxed);
    unlock_self();
    if (target) {
        // asyncio: cancelling a task cancels the future or task it awaits.
        target->cancel();
        target->release();
    }
    // release: pairs with shutdown's acquire load.
    if (rt) rt->cancels_in_flight.fetch_sub(1, memory_order_release);
    return true;
}

void TaskHeader::register_joiners() noexcept {
    // Nested inline joins form a chain (each parent runs its child inline);
    // register every link so cancel() can walk down from any of them.
    for (TaskHeader* child = this; TaskHeader* parent = child->joined_by; child = parent) {
        child->joined_by = nullptr;
        parent->set_waiting_on(child);
    }
}

void TaskHeader::deliver_cancel() {
    // Once per request: a task that catches CancelledError goes on normally.
    if (state_.fetch_and(~kCancelPending, memory_order_acq_rel) & kCancelPending) throw_cancelled();
}

void TaskHeader::throw_cancelled() { throw CancelledError("task was cancelled"); }

namespace {
// WaitedNode::runtime of a sealed node: never tracked again.
RuntimeCore* const kSealed = reinterpret_cast<RuntimeCore*>(alignof(RuntimeCore));

void unlink(WaitedNode* node) noexcept {
    node->prev->next = node->next;
    node->next->prev = node->prev;
}
}  // namespace

void track_waited(RuntimeCore* rt, WaitedNode* node) noexcept {
    if (!rt || node->runtime.load(memory_order_acquire)) return;
    std::lock_guard lock(rt->waited_mutex);
    // A CAS, not a store: a concurrent seal_waited wins for good.
    RuntimeCore* expected = nullptr;
    if (!node->runtime.compare_exchange_strong(expected, rt, memory_order_acq_rel, memory_order_acquire)) return;
    WaitedNode& head = rt->waited_list;
    node->next = head.next;
    node->prev = &head;
    head.next->prev = node;
    head.next = node;
}

void untrack_waited(WaitedNode* node) noexcept {
    RuntimeCore* rt = node->runtime.load(memory_order_acquire);
    if (!rt || rt == kSealed) return;
    std::lock_guard lock(rt->waited_mutex);
    if (node->runtime.load(memory_order_relaxed) != rt) return;
    unlink(node);
    node->runtime.store(nullptr, memory_order_relaxed);
}

void seal_waited(WaitedNode* node) noexcept {
    RuntimeCore* rt = node->runtime.exchange(kSealed, memory_order_acq_rel);
    if (!rt || rt == kSealed) return;
    std::lock_guard lock(rt->waited_mutex);
    unlink(node);
}

void RuntimeCore::detach_waited() noexcept {
    // Futures that outlive the runtime must not reach back into it.
    std::lock_guard lock(waited_mutex);
    for (WaitedNode* n = waited_list.next; n != &waited_list;) {
        WaitedNode* next = n->next;
        n->runtime.store(nullptr, memory_order_release);
        n = next;
    }
    waited_list.next = waited_list.prev = &waited_list;
}

void RuntimeCore::cancel_waited() noexcept {
    // Collect under the lock, cancel outside it: cancelling completes the
    // future, which untracks it (and takes the lock).
    std::vector<CompletionState*> targets;
    {
        std::lock_guard lock(waited_mutex);
        for (WaitedNode* n = waited_list.next; n != &waited_list; n = n->next)
            if (n->state->try_retain()) targets.push_back(n->state);
    }
    for (CompletionState* s : targets) {
        s->cancel();
        s->release();
    }
}

}  // namespace corio::detail
