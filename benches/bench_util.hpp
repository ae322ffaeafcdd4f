// Shared helpers for corio-bench: the worker/thread counts every workload is
// measured at, and a wall-clock stopwatch for the per-unit counters.
// Each benchmark times whole iterations itself (steady_clock) so that its
// "ns per task/yield/spawn" counter is exactly wall time / units, independent
// of how Google Benchmark turns rate counters into numbers.
//
// The counts come from the runner: CORIO_BENCH_WORKERS="1,2,8" (comma-
// separated, each >= 1) if set, else the scaling sweep 1, 2, ... up to the
// core count plus 4x the core count (oversubscribed): 1,2,8 on 2 cores.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace corio_bench {

// The machine's cores as the sweep sees them (at least 1).
inline unsigned cores() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : n;
}

// Parses CORIO_BENCH_WORKERS; a malformed value stops the program with a
// message (benchmarks register during static initialisation, so there is no
// caller to hand an error to).
inline std::vector<int> parse_worker_list(std::string_view text) {
    std::vector<int> out;
    while (true) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        int n = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
        if (ec != std::errc{} || end != item.data() + item.size() || n < 1 || n > 4096) {
            std::fprintf(stderr,
                         "corio-bench: CORIO_BENCH_WORKERS: '%.*s' is not a worker count "
                         "(expected comma-separated integers from 1 to 4096, e.g. 1,2,8)\n",
                         static_cast<int>(item.size()), item.data());
            std::exit(2);
        }
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The worker counts of this run, ascending, no duplicates.
inline const std::vector<int>& counts() {
    static const std::vector<int> list = [] {
        if (const char* env = std::getenv("CORIO_BENCH_WORKERS"); env != nullptr && *env != '\0')
            return parse_worker_list(env);
        std::vector<int> sweep;
        const int c = static_cast<int>(cores());
        for (int n = 1; n <= c; ++n) sweep.push_back(n);
        sweep.push_back(4 * c);
        return sweep;
    }();
    return list;
}

// The largest count (oneTBB must be allowed that many threads).
inline int max_count() { return counts().back(); }

// The counts as text, "1,2,8", for the JSON context the runner reads.
inline std::string counts_text() {
    std::string s;
    for (int n : counts()) {
        if (!s.empty()) s += ',';
        s += std::to_string(n);
    }
    return s;
}

// corio at every count of the sweep (an argument named "workers").
inline void worker_counts(benchmark::internal::Benchmark* b) {
    b->ArgName("workers")->UseRealTime();
    for (int n : counts()) b->Arg(n);
}

// oneTBB's baselines (and std::thread ones): the same counts, as threads.
inline void thread_counts(benchmark::internal::Benchmark* b) {
    b->ArgName("threads")->UseRealTime();
    for (int n : counts()) b->Arg(n);
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
