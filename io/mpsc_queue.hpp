// MpscQueue: Vyukov's intrusive multi-producer single-consumer queue of
// ReactorMsg nodes. Any thread pushes (one exchange, wait-free); only the
// reactor pops. FIFO in the order of the producers' exchanges, and no
// allocation: the nodes live in the ops. pop() may return nullptr while a
// producer is between its two steps; maybe_nonempty() then says true, so the
// reactor never goes to sleep on a message it has not seen.
#pragma once

#include "corio/io/detail/io_op.hpp"

namespace corio::detail {

class MpscQueue {
public:
    MpscQueue() noexcept : head_(&stub_), tail_(&stub_) {}
    MpscQueue(const MpscQueue&) = delete;
    MpscQueue& operator=(const MpscQueue&) = delete;

    void push(ReactorMsg* msg) noexcept {
        msg->next.store(nullptr, memory_order_relaxed);
        // acq_rel: release orders the node's (and its op's) fields before the
        // link the consumer follows; acquire orders us after the previous
        // producer, whose node we link from.
        ReactorMsg* prev = head_.exchange(msg, memory_order_acq_rel);
        // release: the consumer's acquire load of `next` sees the node whole.
        prev->next.store(msg, memory_order_release);
    }

    // Consumer only.
    ReactorMsg* pop() noexcept {
        ReactorMsg* tail = tail_;
        // acquire (here and below): pairs with the producer's release link.
        ReactorMsg* next = tail->next.load(memory_order_acquire);
        if (tail == &stub_) {
            if (!next) return nullptr;
            tail_ = tail = next;
            next = next->next.load(memory_order_acquire);
        }
        if (next) {
            tail_ = next;
            return tail;
        }
        // `tail` is the last linked node. If a producer has already swung
        // head_ past it, its link is on the way: report empty for now.
        if (tail != head_.load(memory_order_acquire)) return nullptr;
        // Put the stub behind the last node so that node can be handed out.
        push(&stub_);
        next = tail->next.load(memory_order_acquire);
        if (next) {
            tail_ = next;
            return tail;
        }
        return nullptr;
    }

    // Consumer only: false only when no message is queued or being queued.
    bool maybe_nonempty() const noexcept {
        // acquire: see a producer's exchange (the caller fences first).
        return tail_ != &stub_ || stub_.next.load(memory_order_acquire) != nullptr ||
               head_.load(memory_order_acquire) != &stub_;
    }

private:
    ReactorMsg stub_;
    alignas(64) Atomic<ReactorMsg*> head_;  // producers' end
    alignas(64) ReactorMsg* tail_;          // consumer's end
};

}  // namespace corio::detail
