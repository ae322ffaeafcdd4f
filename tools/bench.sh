#!/usr/bin/env bash
# Main job: the scaling suite. Builds build/release (corio-bench, the oneTBB
# baselines, corio-trace-run and tools/corio-trace), runs every workload of
# BENCHMARKS.md at 1, 2, ... up to the core count and 4x oversubscribed with a
# progress line, W1/W5 again traced, W7 through tools/bench_w7.sh; prints one
# table (workload x workers: corio's median, speedup over 1 worker, oneTBB or
# epoll baseline and ratio, targets met/missed); writes results/scaling.csv,
# results/scaling.json and the plot results/scaling.svg; then runs one small
# W6 traced and prints its corio-trace summary and the Perfetto JSON's path.
#
#   tools/bench.sh                 5 repetitions, medians (about 4 minutes on 2 cores)
#   tools/bench.sh --quick         1 repetition, short runs, no W7 (under a minute)
#   tools/bench.sh --filter REGEX  only benchmarks whose name matches REGEX
#                                  (e.g. 'W5_fib' or 'W1|W6')
#   tools/bench.sh --no-trace      without the trace-on rows and the traced run
#   CORIO_BENCH_WORKERS=1,2,4 tools/bench.sh   another sweep of worker counts
set -euo pipefail

usage() { sed -n '2,17s/^# \{0,1\}//p' "$0"; }

args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick|--no-trace) args+=("$1") ;;
        --filter) [[ $# -ge 2 ]] || { echo "bench.sh: --filter needs a REGEX" >&2; exit 2; }
                  args+=(--filter "$2"); shift ;;
        --filter=*) args+=(--filter "${1#--filter=}") ;;
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
# Only what the suite runs: the tests are not needed to measure. The trace
# tool is built when the tree has it (tools/meson.build); the runner says so
# when it is missing.
targets=(benches/corio-bench benches/corio-trace-run)
# (grep reads all of ninja's list: with -q it could stop early, and under
# pipefail ninja's SIGPIPE would read as "no such target".)
if ninja -C "$build" -t targets all 2>/dev/null | grep '^tools/corio-trace:' >/dev/null; then
    targets+=(tools/corio-trace)
fi
ninja -C "$build" -j "$(nproc)" "${targets[@]}"

exec python3 tools/bench_run.py --build "$build" "${args[@]}"
