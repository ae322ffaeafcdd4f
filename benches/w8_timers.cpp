// W8 timers (BENCHMARKS.md): 100,000 tasks, each sleeps a duration drawn
// uniformly from 1-50 ms (fixed seed) and records its lateness, the actual
// wake minus the deadline. Counters: wall_ms for the whole batch (spawn to
// the last join), p50_late_us and p99_late_us over every task of every
// iteration, and spawn_ms (the part of wall_ms spent spawning the 100,000
// tasks, for reading the others). Targets: wall <= 120 ms, p99 lateness <= 30 ms.
#include "bench_util.hpp"

#include <corio/corio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

namespace {

constexpr int kTasks = 100'000;
using Clock = std::chrono::steady_clock;

// The deadline is taken where the sleep starts, as the sleep takes its own;
// the lateness is what a user sees: wake time minus the time asked for.
corio::Coro<void> sleeper(std::chrono::microseconds delay, std::int64_t* late_ns) {
    const auto deadline = Clock::now() + delay;
    co_await corio::sleep_until(deadline);
    *late_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - deadline).count();
}

corio::Coro<void> w8(const std::vector<std::chrono::microseconds>& delays, std::vector<std::int64_t>& late,
                     Clock::duration& spawning) {
    std::vector<corio::Task<void>> tasks;
    tasks.reserve(delays.size());
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < delays.size(); ++i) tasks.push_back(corio::spawn(sleeper(delays[i], &late[i])));
    spawning += Clock::now() - t0;
    for (auto& t : tasks) co_await t;
}

double percentile_us(std::vector<std::int64_t>& v, double p) {
    if (v.empty()) return 0;
    const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return static_cast<double>(v[k]) / 1000.0;
}

void W8_timers_corio(benchmark::State& state) {
    // Fixed seed: every run and every iteration sleeps the same durations.
    std::mt19937_64 rng(8);
    std::uniform_int_distribution<int> ms_1_50(1000, 50'000);  // µs, so "uniform in 1-50 ms" is not 50 steps
    std::vector<std::chrono::microseconds> delays(kTasks);
    for (auto& d : delays) d = std::chrono::microseconds(ms_1_50(rng));

    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    // Start the reactor outside the timed region (its first use makes it).
    rt.block_on([]() -> corio::Coro<void> { co_await corio::sleep(std::chrono::microseconds(1)); }());

    std::vector<std::int64_t> all_late;
    std::vector<std::int64_t> late(kTasks);
    corio_bench::Stopwatch sw;
    Clock::duration spawning{};
    for (auto _ : state) {
        sw.start();
        rt.block_on(w8(delays, late, spawning));
        sw.stop();
        if (*std::min_element(late.begin(), late.end()) < 0) {
            state.SkipWithError("W8 corio: a sleep woke before its deadline");
            break;
        }
        all_late.insert(all_late.end(), late.begin(), late.end());
    }
    state.counters["wall_ms"] = sw.ns_per(state, 1) / 1e6;
    state.counters["spawn_ms"] =
        std::chrono::duration<double, std::milli>(spawning).count() / static_cast<double>(state.iterations());
    state.counters["p50_late_us"] = percentile_us(all_late, 0.50);
    state.counters["p99_late_us"] = percentile_us(all_late, 0.99);
}
BENCHMARK(W8_timers_corio)->Name("W8_timers/corio")->Apply(corio_bench::worker_counts)->Iterations(5);

} // namespace
