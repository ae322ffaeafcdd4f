// Shared helpers for corio-bench: the worker/thread counts every workload is
// measured at, and a wall-clock stopwatch for the per-unit counters.
// Each benchmark times whole iterations itself (steady_clock) so that its
// "ns per task/yield/spawn" counter is exactly wall time / units, independent
// of how Google Benchmark turns rate counters into numbers.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>

namespace corio_bench {

// 1 and 2 workers are the machine's cores; 8 measures oversubscription (the
// BENCHMARKS.md target: 8 workers no slower than 1.3x the 2-worker time).
inline void worker_counts(benchmark::internal::Benchmark* b) {
    b->ArgName("workers")->Arg(1)->Arg(2)->Arg(8)->UseRealTime();
}

// oneTBB's baselines: the same counts, as threads of a task_arena.
inline void thread_counts(benchmark::internal::Benchmark* b) {
    b->ArgName("threads")->Arg(1)->Arg(2)->Arg(8)->UseRealTime();
}

// The benchmark argument as a worker/thread count.
inline unsigned workers(const benchmark::State& state) { return static_cast<unsigned>(state.range(0)); }

// Accumulates the wall time of the timed region of every iteration.
class Stopwatch {
public:
    using clock = std::chrono::steady_clock;
    void start() { t0_ = clock::now(); }
    void stop() { total_ += clock::now() - t0_; }
    // Wall nanoseconds per unit of work over all iterations so far.
    double ns_per(const benchmark::State& state, std::int64_t units_per_iteration) const {
        const double ns = std::chrono::duration<double, std::nano>(total_).count();
        return ns / (static_cast<double>(state.iterations()) * static_cast<double>(units_per_iteration));
    }

private:
    clock::time_point t0_{};
    clock::duration total_{};
};

} // namespace corio_bench
