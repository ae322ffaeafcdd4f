// A thread's timers: arming, lazy deletion, firing, shutdown sweeps.
#include "timer_queue.hpp"

#include <algorithm>
#include <chrono>

#include "corio/detail/trace.hpp"
#include "io_completion.hpp"

namespace corio::detail {

void TimerQueue::add(IoOp* op) noexcept {
    if (op->state() & CompletionState::kClaimed) {
        op->release();  // resolved before it got here: nothing to arm
        return;
    }
    op->in_heap = true;
    heap_.push(op, next_seq_++);
}

void TimerQueue::note_resolved(IoOp* op) noexcept {
    // Once stale entries are the majority, one O(n) pass takes them all
    // out, so a cancelled sleep costs O(1) and what is left behind never
    // outgrows the live timers.
    if (op->in_heap && !op->cancel_seen) {
        op->cancel_seen = true;
        if (++stale_ * 2 > heap_.size()) compact();
    }
}

void TimerQueue::drop(IoOp* op) noexcept {
    op->in_heap = false;
    if (op->cancel_seen) --stale_;
    op->release();  // the heap's reference
}

void TimerQueue::compact() noexcept {
    // Every resolved op goes, counted or not: a cancel message still on its
    // way finds it gone.
    scratch_.clear();
    heap_.remove_if([](const IoOp* op) { return (op->state() & CompletionState::kClaimed) != 0; }, scratch_);
    for (IoOp* op : scratch_) drop(op);
}

void TimerQueue::expire(IoOp* op, IoClock::time_point now) noexcept {
    if (op->try_claim()) {
        if (thread_trace_writer()) [[unlikely]] {
            const auto late = std::chrono::duration_cast<std::chrono::microseconds>(now - op->deadline).count();
            trace_event(trace::EventKind::timer_fire, reinterpret_cast<std::uintptr_t>(op),
                        static_cast<std::uint32_t>(std::min<std::int64_t>(late, UINT32_MAX)));
        }
        op->expired = true;
        if (op->on_expire) op->on_expire(op);
        op->in_heap = false;  // and not stale: nobody else resolved it
        publish_op_releasing(op, CompletionState::Outcome::value);
        return;
    }
    // else: resolved early; its cancel message is on the way (or came) and
    // finds the op gone from the heap.
    drop(op);
}

std::size_t TimerQueue::fire_due() noexcept {
    if (heap_.empty()) return 0;
    const auto now = IoClock::now();
    // `<=` against a fresh clock read: a timer never fires before its
    // deadline. The due ops are taken out first and fired as a batch, with
    // their cache misses prefetched a few turns ahead (a burst of timers is
    // mostly misses otherwise): the op itself, then the waiter it will
    // wake (in the sleeping task's frame; only prefetched, never read: a
    // cancel on another thread may end that task meanwhile).
    constexpr std::size_t kAhead = 8;
    constexpr std::size_t kWaiterAhead = 4;
    due_.clear();
    while (!heap_.empty() && heap_.top_deadline() <= now) due_.push_back(heap_.pop());
    const std::size_t n = due_.size();
    for (std::size_t i = 0; i < std::min(n, kAhead); ++i) __builtin_prefetch(due_[i], 1);
    for (std::size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) __builtin_prefetch(due_[i + kAhead], 1);
        if (i + kWaiterAhead < n)
            if (Waiter* w = due_[i + kWaiterAhead]->peek_waiter()) __builtin_prefetch(w, 1);
        expire(due_[i], now);
    }
    // A stale entry on top would wake the owner for nothing.
    while (!heap_.empty() && (heap_.top()->state() & CompletionState::kClaimed)) drop(heap_.pop());
    return n;
}

std::size_t TimerQueue::cancel_sleeps() noexcept {
    scratch_.clear();
    heap_.remove_if([](const IoOp* op) { return op->on_expire == nullptr; }, scratch_);
    for (IoOp* op : scratch_) {
        // else: resolved early; its cancel message finds it gone.
        if (op->try_claim()) publish_op(op, CompletionState::Outcome::cancelled);
        drop(op);
    }
    return scratch_.size();
}

void TimerQueue::cancel_all() noexcept {
    while (!heap_.empty()) {
        IoOp* op = heap_.pop();
        if (op->try_claim()) publish_op(op, CompletionState::Outcome::cancelled);
        drop(op);
    }
}

}  // namespace corio::detail
