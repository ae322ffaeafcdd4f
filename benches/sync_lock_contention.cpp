// corio::Lock under contention beside std::mutex: 64 tasks (corio, on N
// workers) or N threads (std::mutex) share one counter, each taking the lock
// around one increment. ns per acquire/release pair, wall time. Not a
// BENCHMARKS.md workload: it shows what the FIFO hand-over costs.
#include "bench_util.hpp"

#include <corio/corio.hpp>

#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr long kOps = 200'000;  // acquire/release pairs per iteration
constexpr long kTasks = 64;

corio::Coro<void> bump(corio::Lock& lock, long& counter, long n) {
    for (long i = 0; i < n; ++i) {
        auto g = co_await lock.lock();
        ++counter;
    }
}

corio::Coro<long> contend() {
    corio::Lock lock;
    long counter = 0;
    std::vector<corio::Task<void>> ts;
    for (long i = 0; i < kTasks; ++i) ts.push_back(corio::spawn(bump(lock, counter, kOps / kTasks)));
    for (auto& t : ts) co_await t;
    co_return counter;
}

void Lock_contention_corio(benchmark::State& state) {
    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    corio_bench::Stopwatch sw;
    for (auto _ : state) {
        sw.start();
        const long n = rt.block_on(contend());
        sw.stop();
        if (n != kOps) {
            state.SkipWithError("Lock corio: lost an increment");
            break;
        }
    }
    state.counters["ns_per_lock"] = sw.ns_per(state, kOps);
}
BENCHMARK(Lock_contention_corio)->Name("Lock_contention/corio")->Apply(corio_bench::worker_counts);

void Lock_contention_std_mutex(benchmark::State& state) {
    const unsigned threads = corio_bench::workers(state);
    corio_bench::Stopwatch sw;
    for (auto _ : state) {
        std::mutex m;
        long counter = 0;
        sw.start();
        std::vector<std::thread> ts;
        for (unsigned t = 0; t < threads; ++t)
            ts.emplace_back([&] {
                for (long i = 0; i < kOps / threads; ++i) {
                    std::lock_guard g(m);
                    ++counter;
                }
            });
        for (auto& t : ts) t.join();
        sw.stop();
        benchmark::DoNotOptimize(counter);
    }
    state.counters["ns_per_lock"] = sw.ns_per(state, kOps);
}
BENCHMARK(Lock_contention_std_mutex)->Name("Lock_contention/std_mutex")->Apply(corio_bench::thread_counts);

} // namespace
