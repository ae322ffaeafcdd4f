// W5 fib (BENCHMARKS.md): fib(30) with a spawn per call, checked against
// 832040, in ms; plus plain recursive fib(30) ("serial") as the floor.
#include "bench_util.hpp"

#include <corio/corio.hpp>

namespace {

constexpr int kN = 30;
constexpr long kFib30 = 832040;

corio::Coro<long> fib(int n) {
    if (n < 2) co_return n;
    corio::Task<long> h = corio::spawn(fib(n - 1));
    long b = co_await fib(n - 2);
    co_return co_await h + b;
}

void W5_fib_corio(benchmark::State& state) {
    corio::Runtime rt(corio::Options{.workers = corio_bench::workers(state)});
    for (auto _ : state) {
        if (rt.block_on(fib(kN)) != kFib30) {
            state.SkipWithError("W5 corio: fib(30) != 832040");
            break;
        }
    }
}
BENCHMARK(W5_fib_corio)->Name("W5_fib/corio")->Apply(corio_bench::worker_counts)->Unit(benchmark::kMillisecond);

long fib_serial(int n) { return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2); }

void W5_fib_serial(benchmark::State& state) {
    for (auto _ : state) {
        int n = kN;
        benchmark::DoNotOptimize(n); // keep GCC from folding fib(30) at compile time
        if (fib_serial(n) != kFib30) {
            state.SkipWithError("W5 serial: fib(30) != 832040");
            break;
        }
    }
}
BENCHMARK(W5_fib_serial)->Name("W5_fib/serial")->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace
