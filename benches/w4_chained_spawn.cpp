// W4 chained_spawn (BENCHMARKS.md): a chain of 1,000 tasks, each spawns the
// next and returns without awaiting it; the last signals main. Repeated 100
// times per iteration; ns/spawn over the 100,000 spawns.
#include "bench_util.hpp"

#include <corio/corio.hpp>

namespace {

constexpr long kChainLength = 1'000;
constexpr long kChains = 100;

// `done` is a handle to shared state: the last link keeps it alive while
// set_result runs, even if main has already woken and moved on. No shared
// counter: it would bounce between cores and be half of what is measured;
// the future is only set when the countdown reaches the last link.
corio::Coro<void> link(long remaining, corio::Future<void> done) {
    if (remaining == 1) {
        done.set_result();
        co_return;
    }
    corio::spawn(link(remaining - 1, std::move(done))); // handle dropped: detached
}

corio::Coro<long> chained_spawn() {
    long chains = 0;
    for (long c = 0; c < kChains; ++c) {
        corio::Future<void> done;
        corio::spawn(link(kChainLength, done));
        co_await done;
        ++chains;
    }
    co_return chains;
}

void W4_chained_spawn_corio(benchmark::State& state) {
    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    corio_bench::Stopwatch sw;
    for (auto _ : state) {
        sw.start();
        const long chains = rt.block_on(chained_spawn());
        sw.stop();
        if (chains != kChains) {
            state.SkipWithError("W4 corio: a chain did not complete");
            break;
        }
    }
    state.counters["ns_per_spawn"] = sw.ns_per(state, kChains * kChainLength);
}
BENCHMARK(W4_chained_spawn_corio)->Name("W4_chained_spawn/corio")->Apply(corio_bench::worker_counts);

} // namespace
