// SpinLock: the lock of a few instructions of bookkeeping: every sync/
// primitive's state, a task's own state (TaskHeader::lock_self) and the
// live-task registry's shards. It is never held across a suspension, a wake
// or a user callback. Under
// oversubscription (more workers than cores) the holder may be preempted, so
// a waiter spins briefly and then yields its core instead of burning it.
#pragma once

#include <thread>

#include "corio/detail/atomic.hpp"

namespace corio::detail {

class SpinLock {
public:
    void lock() noexcept {
        // acquire: the critical section sees everything the previous holder wrote.
        if (!flag_.exchange(true, memory_order_acquire)) [[likely]]
            return;
        lock_slow();
    }
    bool try_lock() noexcept {
        // acquire: as lock().
        return !flag_.load(memory_order_relaxed) && !flag_.exchange(true, memory_order_acquire);
    }
    // release: publishes the critical section's writes to the next holder.
    void unlock() noexcept { flag_.store(false, memory_order_release); }

private:
    void lock_slow() noexcept {
        for (unsigned spins = 0;;) {
            // relaxed: only a hint; the exchange below is what orders.
            while (flag_.load(memory_order_relaxed)) {
                if (++spins < 128)
                    cpu_relax();
                else
                    std::this_thread::yield();  // the holder may be descheduled
            }
            if (!flag_.exchange(true, memory_order_acquire)) return;
        }
    }

    Atomic<bool> flag_{false};
};

}  // namespace corio::detail
