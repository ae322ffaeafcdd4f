// corio-bench: the reference workloads of BENCHMARKS.md (corio and oneTBB)
// in one Google Benchmark binary, so corio/oneTBB ratios come from one run.
// Run it through tools/bench.sh, which sweeps the worker counts
// (CORIO_BENCH_WORKERS, see bench_util.hpp) and reads the JSON it writes.
// Besides Google Benchmark's context, the JSON records the sweep:
// "worker_counts" ("1,2,8") and "cores" (what the sweep took as the core count).
#include "bench_util.hpp"

#include <benchmark/benchmark.h>

#include <string>

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("worker_counts", corio_bench::counts_text());
    benchmark::AddCustomContext("cores", std::to_string(corio_bench::cores()));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
