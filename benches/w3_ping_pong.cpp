// W3 ping_pong (BENCHMARKS.md): 100 pairs of tasks; each pair makes 1,000
// round trips of an integer through two capacity-1 channels (A sends, B
// receives and sends back). ns per round trip over the 100,000 round trips.
#include "bench_util.hpp"

#include <corio/corio.hpp>

#include <memory>
#include <vector>

namespace {

constexpr long kPairs = 100;
constexpr long kRoundTrips = 1'000;

struct Pair {
    corio::Channel<long> ping{1};
    corio::Channel<long> pong{1};
};

corio::Coro<long> side_a(Pair& p) {
    long sum = 0;
    for (long i = 0; i < kRoundTrips; ++i) {
        co_await p.ping.send(i);
        sum += *co_await p.pong.recv();
    }
    co_return sum;
}

corio::Coro<void> side_b(Pair& p) {
    for (long i = 0; i < kRoundTrips; ++i) co_await p.pong.send(*co_await p.ping.recv());
}

corio::Coro<long> ping_pong() {
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<corio::Task<long>> as;
    std::vector<corio::Task<void>> bs;
    for (long i = 0; i < kPairs; ++i) {
        pairs.push_back(std::make_unique<Pair>());
        bs.push_back(corio::spawn(side_b(*pairs.back())));
        as.push_back(corio::spawn(side_a(*pairs.back())));
    }
    long total = 0;
    for (auto& a : as) total += co_await a;
    for (auto& b : bs) co_await b;
    co_return total;
}

void W3_ping_pong_corio(benchmark::State& state) {
    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    corio_bench::Stopwatch sw;
    for (auto _ : state) {
        sw.start();
        const long total = rt.block_on(ping_pong());
        sw.stop();
        if (total != kPairs * (kRoundTrips * (kRoundTrips - 1) / 2)) {
            state.SkipWithError("W3 corio: a value was lost or changed in transit");
            break;
        }
    }
    state.counters["ns_per_round_trip"] = sw.ns_per(state, kPairs * kRoundTrips);
}
BENCHMARK(W3_ping_pong_corio)->Name("W3_ping_pong/corio")->Apply(corio_bench::worker_counts);

} // namespace
