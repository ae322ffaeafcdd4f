// run_in_arena(arena, fn): CPU-bound work on a oneTBB task_arena (asyncio's
// run_in_executor with a process-like pool). fn() runs as an arena task, may
// use tbb::parallel_for and friends inside, and its value or exception
// completes the awaiter. Cancelling the awaiter throws CancelledError at
// once while fn runs to its end. Header-only and not in corio.hpp: only
// programs that include it need oneTBB's headers and link libtbb.
#pragma once

#include <oneapi/tbb/task_arena.h>

#include <type_traits>
#include <utility>

#include "corio/detail/signal.hpp"  // (and detail/atomic.hpp's CORIO_TSAN)
#if CORIO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace corio {

namespace detail {
#if CORIO_TSAN
inline void tsan_release(const void* at) noexcept { __tsan_release(const_cast<void*>(at)); }
inline void tsan_acquire(const void* at) noexcept { __tsan_acquire(const_cast<void*>(at)); }
#else
inline void tsan_release(const void*) noexcept {}
inline void tsan_acquire(const void*) noexcept {}
#endif

// tbb calls an enqueued functor as const; the call completes its own copy
// of the future and may use fn non-const, hence `mutable`.
template <class R, class F>
struct ArenaJob {
    ArenaJob(Future<R> r, F f) : result(std::move(r)), fn(std::move(f)) {}
    // The arena copies the job into its own storage and runs it on one of
    // its threads. libtbb is not built with ThreadSanitizer, so its hand-off
    // is invisible to TSan: tell it that the copy happens before the run.
    ArenaJob(ArenaJob&& other) : result(std::move(other.result)), fn(std::move(other.fn)) { tsan_release(this); }
    void operator()() const noexcept {
        tsan_acquire(this);
        complete_with(*result.future, fn);
    }
    mutable ForeignRef<R> result;
    mutable F fn;
};
}  // namespace detail

// fn is moved into the arena: it may outlive a cancelled awaiter, so it
// should own what it uses.
template <class F>
    requires std::invocable<F&>
Coro<std::invoke_result_t<F&>> run_in_arena(tbb::task_arena& arena, F fn) {
    using R = std::invoke_result_t<F&>;
    Future<R> result;
    arena.enqueue(detail::ArenaJob<R, F>{result, std::move(fn)});
    co_return co_await result;
}

}  // namespace corio
