// A bounded Chase–Lev work-stealing deque of pointers (Lê, Pop, Cohen,
// Zappa Nardelli, PPoPP 2013, for the C11 memory orders). The owner pushes
// and pops at the bottom (LIFO); thieves steal from the top (FIFO). When
// full, push fails and the owner moves work elsewhere (the global queue).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "corio/detail/atomic.hpp"

namespace corio::detail {

template <class T>
class ChaseLevDeque {
    static_assert(std::is_pointer_v<T>, "the deque holds pointers; null means empty");

public:
    explicit ChaseLevDeque(std::size_t capacity)
        : mask_(round_up(capacity) - 1), slots_(new Atomic<T>[mask_ + 1]) {}

    std::size_t capacity() const noexcept { return mask_ + 1; }

    // Approximate: exact only when owner and thieves are quiet.
    std::size_t size() const noexcept {
        std::int64_t b = bottom_.load(memory_order_acquire);
        std::int64_t t = top_.load(memory_order_acquire);
        return b > t ? static_cast<std::size_t>(b - t) : 0;
    }

    // Owner only. False when the deque is full.
    bool push(T item) noexcept {
        std::int64_t b = bottom_.load(memory_order_relaxed);
        // acquire: a slot a thief has moved past is free to reuse.
        std::int64_t t = top_.load(memory_order_acquire);
        if (b - t > static_cast<std::int64_t>(mask_)) return false;
        slots_[b & mask_].store(item, memory_order_relaxed);
        // release: a thief that sees the new bottom sees the item and
        // everything written to it before the push.
        bottom_.store(b + 1, memory_order_release);
        return true;
    }

    // Owner only. Null when empty (or a thief took the last item).
    T pop() noexcept {
        std::int64_t b = bottom_.load(memory_order_relaxed) - 1;
        // seq_cst exchange: the new bottom must be visible before we read
        // top (the store-load order the algorithm hinges on); an exchange is
        // a cheaper full barrier than store + fence on x86.
        bottom_.exchange(b, memory_order_seq_cst);
        std::int64_t t = top_.load(memory_order_seq_cst);
        if (t > b) {  // empty
            bottom_.store(b + 1, memory_order_relaxed);
            return nullptr;
        }
        T item = slots_[b & mask_].load(memory_order_relaxed);
        if (t == b) {  // the last item: race the thieves for it
            // seq_cst: orders against the thieves' CAS on top.
            if (!top_.compare_exchange_strong(t, t + 1, memory_order_seq_cst, memory_order_relaxed)) item = nullptr;
            bottom_.store(b + 1, memory_order_relaxed);
        }
        return item;
    }

    // Owner only: the item pop() would return next, or null; it may be
    // stolen meanwhile, so only a hint (for prefetching).
    T peek() const noexcept {
        std::int64_t b = bottom_.load(memory_order_relaxed) - 1;
        if (b < top_.load(memory_order_relaxed)) return nullptr;
        return slots_[b & mask_].load(memory_order_relaxed);
    }

    // Owner only: pops the bottom item only if it is `item` (the join fast
    // path asks "is my child still at the bottom, unstolen?").
    bool pop_if(T item) noexcept {
        std::int64_t b = bottom_.load(memory_order_relaxed) - 1;
        // A stale slot may still hold `item` after a thief took it; pop()
        // below decides, this read only avoids popping a wrong item.
        if (slots_[b & mask_].load(memory_order_relaxed) != item) return false;
        if (pop() == item) return true;
        return false;
    }

    // Any thread. Null when empty or when it lost a race (then `lost` is set).
    T steal(bool& lost) noexcept {
        // acquire on top and the fence: read top before bottom, and see the
        // item a pusher released with its bottom store.
        std::int64_t t = top_.load(memory_order_acquire);
        fence_seq_cst();
        std::int64_t b = bottom_.load(memory_order_acquire);
        if (t >= b) return nullptr;
        T item = slots_[t & mask_].load(memory_order_relaxed);
        // seq_cst: one winner between thieves and the owner's last-item pop.
        if (!top_.compare_exchange_strong(t, t + 1, memory_order_seq_cst, memory_order_relaxed)) {
            lost = true;
            return nullptr;
        }
        return item;
    }

private:
    static std::size_t round_up(std::size_t n) {
        std::size_t p = 2;
        while (p < n) p <<= 1;
        return p;
    }

    alignas(64) Atomic<std::int64_t> top_{0};
    alignas(64) Atomic<std::int64_t> bottom_{0};
    alignas(64) const std::size_t mask_;
    std::unique_ptr<Atomic<T>[]> slots_;
};

}  // namespace corio::detail
