#!/usr/bin/env bash
# Main job: build corio-bench in release mode, run the reference workloads of
# BENCHMARKS.md (corio at 1, 2 and 8 workers beside oneTBB), write
# results/bench.json and print one table with the oneTBB ratios and targets.
#
#   tools/bench.sh                 5 repetitions, medians (a few minutes on 2 cores)
#   tools/bench.sh --quick         1 repetition, shorter runs (a smoke test)
#   tools/bench.sh --filter REGEX  only benchmarks whose name matches REGEX
#                                  (e.g. 'W5_fib' or 'W1|W6')
set -euo pipefail

usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; }

quick=0
filter=''
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1 ;;
        --filter) [[ $# -ge 2 ]] || { echo "bench.sh: --filter needs a REGEX" >&2; exit 2; }
                  filter="$2"; shift ;;
        --filter=*) filter="${1#--filter=}" ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Dependencies (meson, oneTBB, Google Benchmark, ...) come from tools/setup.sh.
if [[ -x tools/setup.sh ]]; then
    tools/setup.sh
elif [[ -f tools/setup.sh ]]; then
    bash tools/setup.sh
fi

build=build/release
opts=(--buildtype=release -Db_ndebug=true -Dbenches=true)
if [[ -f "$build/build.ninja" ]]; then
    meson configure "$build" "${opts[@]}" >/dev/null
else
    meson setup "$build" "${opts[@]}"
fi
# Only the bench binary: the tests are not needed to measure.
ninja -C "$build" benches/corio-bench

# The warm-up keeps first-touch costs (allocator pools, page faults) out of
# the measured runs: oneTBB's first W1 iteration in a process takes 15x its
# steady time. It is a flag because Google Benchmark 1.7.1 ignores a
# per-benchmark MinWarmUpTime unless that benchmark also sets its MinTime.
args=(--benchmark_format=json --benchmark_out=results/bench.json --benchmark_out_format=json)
if [[ $quick -eq 1 ]]; then
    args+=(--benchmark_repetitions=1 --benchmark_min_time=0.05 --benchmark_min_warmup_time=0.05)
else
    args+=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true
           --benchmark_min_warmup_time=0.1)
fi
[[ -n "$filter" ]] && args+=("--benchmark_filter=$filter")

mkdir -p results
echo "bench.sh: running corio-bench ($([[ $quick -eq 1 ]] && echo quick || echo '5 repetitions, a few minutes'))..." >&2
# JSON to the file (and its copy on stdout to a file too): the console only
# needs the table. A hang in the runtime must not hang the job forever.
rc=0
timeout --signal=INT --kill-after=30s 1200 \
    "$build/benches/corio-bench" "${args[@]}" >results/bench.stdout.json || rc=$?
if [[ $rc -ne 0 ]]; then
    [[ $rc -eq 124 ]] && echo "bench.sh: corio-bench timed out after 20 minutes (a hang?)" >&2
    echo "bench.sh: corio-bench failed with exit status $rc; see results/bench.stdout.json" >&2
    exit "$rc"
fi

python3 tools/bench_table.py results/bench.json
