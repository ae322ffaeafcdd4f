// corio-bench: the reference workloads of BENCHMARKS.md (corio and oneTBB)
// in one Google Benchmark binary, so corio/oneTBB ratios come from one run.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
