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

#if defined(__SANITIZE_THREAD__)
#define CORIO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CORIO_TSAN 1
#endif
#endif

#if CORIO_TSAN
// ThreadSanitizer does not model standalone fences (GCC warns, -Wtsan). A
// seq_cst read-modify-write of one shared word gives the same total order
// between the fencing threads, and TSan understands it.
inline std::atomic<int> tsan_fence_word{0};
inline void fence_seq_cst() noexcept { tsan_fence_word.fetch_add(0, std::memory_order_seq_cst); }
#else
inline void fence_seq_cst() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }
#endif

// Busy-wait hint for short spins (pause on x86).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

}  // namespace corio::detail
