// corio::Queue MPMC throughput: 4 producers and 4 consumers move 200,000
// integers through one Queue(maxsize 64). ns per item, wall time. Not a
// BENCHMARKS.md workload: it measures the queue's hand-over under load.
#include "bench_util.hpp"

#include <corio/corio.hpp>

#include <vector>

namespace {

constexpr long kItems = 200'000;
constexpr long kSides = 4;

corio::Coro<void> produce(corio::Queue<long>& q, long n) {
    for (long i = 0; i < n; ++i) co_await q.put(i);
}

corio::Coro<long> consume(corio::Queue<long>& q, long n) {
    long sum = 0;
    for (long i = 0; i < n; ++i) sum += co_await q.get();
    co_return sum;
}

corio::Coro<long> mpmc() {
    corio::Queue<long> q(64);
    std::vector<corio::Task<long>> cs;
    std::vector<corio::Task<void>> ps;
    for (long i = 0; i < kSides; ++i) cs.push_back(corio::spawn(consume(q, kItems / kSides)));
    for (long i = 0; i < kSides; ++i) ps.push_back(corio::spawn(produce(q, kItems / kSides)));
    long sum = 0;
    for (auto& p : ps) co_await p;
    for (auto& c : cs) sum += co_await c;
    co_return sum;
}

void Queue_mpmc_corio(benchmark::State& state) {
    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    corio_bench::Stopwatch sw;
    const long per = kItems / kSides;
    for (auto _ : state) {
        sw.start();
        const long sum = rt.block_on(mpmc());
        sw.stop();
        if (sum != kSides * (per * (per - 1) / 2)) {
            state.SkipWithError("Queue corio: an item was lost");
            break;
        }
    }
    state.counters["ns_per_item"] = sw.ns_per(state, kItems);
}
BENCHMARK(Queue_mpmc_corio)->Name("Queue_mpmc/corio")->Apply(corio_bench::worker_counts);

} // namespace
