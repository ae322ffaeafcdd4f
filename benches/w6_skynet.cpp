// W6 skynet (BENCHMARKS.md): a 10-ary tree of tasks, 6 levels, 1,000,000
// leaves; each leaf returns its index, each inner node spawns its 10 children
// and sums them. Checked against 499999500000; ms.
#include "bench_util.hpp"

#include <corio/corio.hpp>

#include <array>

namespace {

corio::Coro<long> skynet(long num, long size) {
    if (size == 1) co_return num;
    const long sub = size / 10;
    // Handles live in the frame: no allocation beyond the children themselves.
    std::array<corio::Task<long>, 10> children;
    for (int i = 0; i < 10; ++i) children[i] = corio::spawn(skynet(num + i * sub, sub));
    long sum = 0;
    for (auto& c : children) sum += co_await c;
    co_return sum;
}

void W6_skynet_corio(benchmark::State& state) {
    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    for (auto _ : state) {
        if (rt.block_on(skynet(0, 1'000'000)) != 499999500000L) {
            state.SkipWithError("W6 corio: sum != 499999500000");
            break;
        }
    }
}
BENCHMARK(W6_skynet_corio)->Name("W6_skynet/corio")->Apply(corio_bench::worker_counts)->Unit(benchmark::kMillisecond);

} // namespace
