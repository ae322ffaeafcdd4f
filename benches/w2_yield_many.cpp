// W2 yield_many (BENCHMARKS.md): 200 tasks each yield 1,000 times; main
// awaits all. ns/yield over the 200,000 yields.
#include "bench_util.hpp"

#include <corio/corio.hpp>

#include <atomic>
#include <vector>

namespace {

constexpr long kTasks = 200;
constexpr long kYields = 1'000;

corio::Coro<void> yielder(std::atomic<long>* finished) {
    for (long i = 0; i < kYields; ++i) co_await corio::yield_now();
    finished->fetch_add(1, std::memory_order_relaxed);
}

corio::Coro<void> yield_many(std::atomic<long>* finished) {
    std::vector<corio::Task<void>> tasks;
    tasks.reserve(kTasks);
    for (long i = 0; i < kTasks; ++i) tasks.push_back(corio::spawn(yielder(finished)));
    for (auto& t : tasks) co_await t;
}

void W2_yield_many_corio(benchmark::State& state) {
    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    corio_bench::Stopwatch sw;
    for (auto _ : state) {
        std::atomic<long> finished{0};
        sw.start();
        rt.block_on(yield_many(&finished));
        sw.stop();
        if (finished.load() != kTasks) {
            state.SkipWithError("W2 corio: not every task finished its yields");
            break;
        }
    }
    state.counters["ns_per_yield"] = sw.ns_per(state, kTasks * kYields);
}
BENCHMARK(W2_yield_many_corio)->Name("W2_yield_many/corio")->Apply(corio_bench::worker_counts);

} // namespace
