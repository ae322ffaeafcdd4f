// Helpers shared by the Catch2 units (not a unit itself).
//  - bounded(fn): runs fn on its own thread and waits for it with a time
//    limit; a body that hangs aborts the test executable with a message naming
//    the limit, so a deadlock fails the run instead of stalling it. Catch2
//    reports the abort against the running test case.
//  - Tracker: counts live instances (RAII probes for frame and unwind checks).
//  - kScale: stress sizes shrink under the sanitizers, which run 5-20x slower.
// Catch2 assertions are not thread-safe: tests assert only on the Catch2
// thread, after bounded() returns; coroutine bodies record what they see.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include <corio/corio.hpp>

namespace corio_test {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr int kScale = 4;  // divide iteration counts by this
inline constexpr bool kSanitized = true;
#else
inline constexpr int kScale = 1;
inline constexpr bool kSanitized = false;
#endif

inline constexpr std::chrono::seconds kBodyLimit{60};

// Runs fn() on a fresh thread; returns its value or rethrows its exception on
// the calling thread. Aborts (failing the test) when it takes longer than limit.
template <class F>
auto bounded(F fn, std::chrono::seconds limit = kBodyLimit) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    std::promise<R> promise;
    std::future<R> result = promise.get_future();
    std::thread runner([&promise, &fn] {
        try {
            if constexpr (std::is_void_v<R>) {
                fn();
                promise.set_value();
            } else {
                promise.set_value(fn());
            }
        } catch (...) {
            promise.set_exception(std::current_exception());
        }
    });
    if (result.wait_for(limit) != std::future_status::ready) {
        std::fprintf(stderr, "corio test: TIMEOUT: the test body did not finish within %lld s (deadlock?)\n",
                     static_cast<long long>(limit.count()));
        std::fflush(stderr);
        std::abort();
    }
    runner.join();
    return result.get();
}

// corio::run(main, options), bounded. Shutdown gives up well before the bound.
template <class T>
T run_bounded(corio::Coro<T> main, corio::Options options = {}, std::chrono::seconds limit = kBodyLimit) {
    if (options.shutdown_timeout > limit / 2)
        options.shutdown_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(limit / 2);
    return bounded([&]() -> T { return corio::run(std::move(main), options); }, limit);
}

// Waits (bounded) for a std::future made outside the runtime; aborts on timeout.
template <class R>
R wait_std(std::future<R>& f, std::chrono::seconds limit = kBodyLimit) {
    if (f.wait_for(limit) != std::future_status::ready) {
        std::fprintf(stderr, "corio test: TIMEOUT waiting for a result (deadlock?)\n");
        std::fflush(stderr);
        std::abort();
    }
    return f.get();
}

// Counts live instances; copies and moves count too.
struct Tracker {
    std::atomic<int>* live;
    explicit Tracker(std::atomic<int>& counter) : live(&counter) { live->fetch_add(1); }
    Tracker(const Tracker& o) : live(o.live) { live->fetch_add(1); }
    Tracker(Tracker&& o) noexcept : live(o.live) { live->fetch_add(1); }
    Tracker& operator=(const Tracker&) = delete;
    ~Tracker() { live->fetch_sub(1); }
};

// A coroutine that never finishes unless cancelled: waits on a Future nobody completes.
inline corio::Coro<int> wait_on(corio::Future<int> f) { co_return co_await f; }

// Small coroutines many units use: a value at once; a failure after one
// suspension; fib with a spawn per call (a fork-join tree).
inline corio::Coro<int> value_of(int v) { co_return v; }

inline corio::Coro<int> fails(std::string msg) {
    co_await corio::yield_now();
    throw std::runtime_error(msg);
}

inline corio::Coro<long> fib(int n) {
    if (n < 2) co_return n;
    corio::Task<long> a = corio::spawn(fib(n - 1));
    long b = co_await fib(n - 2);
    co_return co_await a + b;
}

}  // namespace corio_test
