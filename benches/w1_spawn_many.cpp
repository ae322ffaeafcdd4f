// W1 spawn_many (BENCHMARKS.md): main spawns 200,000 tasks, each does one
// relaxed increment of a shared counter; main awaits every handle. ns/task.
#include "bench_util.hpp"

#include <corio/corio.hpp>

#include <atomic>
#include <vector>

namespace {

constexpr long kTasks = 200'000;

corio::Coro<void> bump(std::atomic<long>* counter) {
    counter->fetch_add(1, std::memory_order_relaxed);
    co_return;
}

// The vector keeps its capacity across iterations so the timed region holds
// spawns and joins, not a 1.6 MB allocation and its page faults.
corio::Coro<void> spawn_many(std::atomic<long>* counter, std::vector<corio::Task<void>>* tasks) {
    for (long i = 0; i < kTasks; ++i) tasks->push_back(corio::spawn(bump(counter)));
    for (auto& t : *tasks) co_await t;
    tasks->clear(); // dropping the handles frees the tasks: part of the work
}

void W1_spawn_many_corio(benchmark::State& state) {
    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    std::vector<corio::Task<void>> tasks;
    tasks.reserve(kTasks);
    corio_bench::Stopwatch sw;
    for (auto _ : state) {
        std::atomic<long> counter{0};
        sw.start();
        rt.block_on(spawn_many(&counter, &tasks));
        sw.stop();
        if (counter.load() != kTasks) {
            state.SkipWithError("W1 corio: counter != 200000");
            break;
        }
    }
    state.counters["ns_per_task"] = sw.ns_per(state, kTasks);
}
BENCHMARK(W1_spawn_many_corio)->Name("W1_spawn_many/corio")->Apply(corio_bench::worker_counts);

} // namespace
