// oneTBB baselines for W1 spawn_many, W5 fib and W6 skynet (BENCHMARKS.md),
// run in the same binary as corio so every ratio comes from one run.
// Each uses tbb::task_arena(n) + tbb::task_group, the idiomatic oneTBB way.
#include "bench_util.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <atomic>
#include <cstddef>

namespace {

// oneTBB caps its worker threads at the core count unless told otherwise,
// which would quietly turn the oversubscribed rows (8 threads on 2 cores) into
// core-count runs: allow the sweep's largest count. One process-wide
// global_control, made once: making and dropping one per run left later arenas
// without their workers for whole iterations (W5 at 2 threads ran at 1-thread
// speed).

struct TbbThreads {
    explicit TbbThreads(int n) : arena(n) {
        static oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                                 static_cast<std::size_t>(corio_bench::max_count()));
        arena.initialize();
    }
    oneapi::tbb::task_arena arena;
};

constexpr int kW1Tasks = 200'000;

void W1_spawn_many_tbb(benchmark::State& state) {
    TbbThreads tbb(static_cast<int>(state.range(0)));
    corio_bench::Stopwatch sw;
    for (auto _ : state) {
        std::atomic<long> counter{0};
        sw.start();
        tbb.arena.execute([&] {
            oneapi::tbb::task_group g;
            for (int i = 0; i < kW1Tasks; ++i)
                g.run([&counter] { counter.fetch_add(1, std::memory_order_relaxed); });
            g.wait();
        });
        sw.stop();
        if (counter.load() != kW1Tasks) {
            state.SkipWithError("W1 tbb: wrong counter");
            break;
        }
    }
    state.counters["ns_per_task"] = sw.ns_per(state, kW1Tasks);
}
BENCHMARK(W1_spawn_many_tbb)->Name("W1_spawn_many/tbb")->Apply(corio_bench::thread_counts);

// Classic task_group fib: run fib(n-1) as a task, compute fib(n-2) inline.
long fib_tbb(int n) {
    if (n < 2) return n;
    long a = 0;
    oneapi::tbb::task_group g;
    g.run([&a, n] { a = fib_tbb(n - 1); });
    const long b = fib_tbb(n - 2);
    g.wait();
    return a + b;
}

void W5_fib_tbb(benchmark::State& state) {
    TbbThreads tbb(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        long r = 0;
        tbb.arena.execute([&] { r = fib_tbb(30); });
        if (r != 832040) {
            state.SkipWithError("W5 tbb: fib(30) != 832040");
            break;
        }
    }
}
BENCHMARK(W5_fib_tbb)->Name("W5_fib/tbb")->Apply(corio_bench::thread_counts)->Unit(benchmark::kMillisecond);

// Skynet: node (num, size) has 10 children of size/10; a leaf returns num.
long skynet_tbb(long num, long size) {
    if (size == 1) return num;
    const long sub = size / 10;
    long sums[10];
    oneapi::tbb::task_group g;
    for (int i = 0; i < 10; ++i)
        g.run([&sums, i, num, sub] { sums[i] = skynet_tbb(num + i * sub, sub); });
    g.wait();
    long total = 0;
    for (long s : sums) total += s;
    return total;
}

void W6_skynet_tbb(benchmark::State& state) {
    TbbThreads tbb(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        long r = 0;
        tbb.arena.execute([&] { r = skynet_tbb(0, 1'000'000); });
        if (r != 499999500000L) {
            state.SkipWithError("W6 tbb: wrong sum");
            break;
        }
    }
}
BENCHMARK(W6_skynet_tbb)->Name("W6_skynet/tbb")->Apply(corio_bench::thread_counts)->Unit(benchmark::kMillisecond);

} // namespace
