// The one place the lock-free parts (deque, parking, task state) take their
// atomics from, as Tokio's `loom` module: a model checker such as Relacy can
// be swapped in here later without touching the algorithms.
#pragma once

#include <atomic>

namespace corio::detail {

template <class T>
using Atomic = std::atomic<T>;

using std::memory_order_acq_rel;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;

inline void fence_seq_cst() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }

// Busy-wait hint for short spins (pause on x86).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

}  // namespace corio::detail
