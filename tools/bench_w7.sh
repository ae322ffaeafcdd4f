#!/usr/bin/env bash
# W7 http_hello (BENCHMARKS.md): builds the release servers, then for corio's
# http_hello (1 worker), the plain epoll baseline and uring_hello (the same
# io_uring requests as corio's worker makes, with no runtime: the floor under
# corio) in turn: starts it, warms it up, runs `wrk -t1 -c64 -d10s`, reads
# the server's user+system CPU time from /proc/PID/stat around the timed run,
# and stops it; the three take turns, 3 runs each. Prints the medians (req/s,
# CPU µs per request) with the load average, and writes them to
# results/w7.json. Targets: corio req/s >= epoll's, CPU <= 7 µs/request.
#
#   tools/bench_w7.sh            3 runs of 10 s per server (about 105 s)
#   tools/bench_w7.sh --quick    1 run of 3 s per server (a smoke test)
#   tools/bench_w7.sh --runs N   N runs per server
#   tools/bench_w7.sh --no-build measure the servers already in build/release
set -euo pipefail

usage() { sed -n '2,14s/^# \{0,1\}//p' "$0"; }

duration=10s
runs=3
build_step=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) duration=3s; runs=1 ;;
        --runs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "bench_w7.sh: --runs needs a count" >&2; exit 2; }
                runs=$2; shift ;;
        --no-build) build_step=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench_w7.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup.sh  # wrk among the rest

build=build/release
if ((build_step)); then
    opts=(--buildtype=release -Db_ndebug=true -Dbenches=true)
    if [[ -f "$build/build.ninja" ]]; then
        meson configure "$build" "${opts[@]}" >/dev/null
    else
        meson setup "$build" "${opts[@]}" >/dev/null
    fi
    ninja -C "$build" benches/examples/http_hello benches/examples/epoll_hello benches/examples/uring_hello >"$build/bench_w7_build.log" 2>&1 \
        || { tail -n 30 "$build/bench_w7_build.log" >&2; echo "bench_w7.sh: build failed" >&2; exit 1; }
fi

ticks_per_s=$(getconf CLK_TCK)
tmp=$(mktemp -d)
server_pid=''
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# utime + stime of every thread of the process, in clock ticks (fields 14
# and 15; the name in parentheses may hold spaces, so count after the ')').
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# run_server IMPL CMD...: appends "REQ_PER_S CPU_US_PER_REQ" to $tmp/IMPL.result.
run_server() {
    local impl=$1 port='' i
    shift
    "$@" >"$tmp/$impl.out" 2>&1 &
    server_pid=$!
    for ((i = 0; i < 100; i++)); do  # up to 10 s for its "listening on" line
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$impl.out")
        [[ -n $port ]] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $port ]]; then
        echo "bench_w7.sh: $impl did not start:" >&2
        cat "$tmp/$impl.out" >&2
        exit 1
    fi
    local url="http://127.0.0.1:$port/"
    wrk -t1 -c64 -d1s "$url" >/dev/null  # warm-up: connections, allocator, caches
    local before after
    before=$(cpu_ticks "$server_pid")
    wrk -t1 -c64 -d"$duration" "$url" >"$tmp/$impl.wrk"
    after=$(cpu_ticks "$server_pid")
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=''
    if grep -q -e 'Non-2xx' -e 'Socket errors' "$tmp/$impl.wrk"; then
        echo "bench_w7.sh: $impl: wrk saw errors:" >&2
        cat "$tmp/$impl.wrk" >&2
    fi
    local requests rps
    requests=$(awk '/requests in/ { print $1 }' "$tmp/$impl.wrk")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/$impl.wrk")
    if [[ -z $requests || $requests -eq 0 ]]; then
        echo "bench_w7.sh: $impl: wrk counted no requests:" >&2
        cat "$tmp/$impl.wrk" >&2
        exit 1
    fi
    awk -v r="$rps" -v t="$((after - before))" -v hz="$ticks_per_s" -v n="$requests" \
        'BEGIN { printf "%s %.2f\n", r, t / hz * 1e6 / n }' >>"$tmp/$impl.result"
    echo "  $impl: $(tail -n 1 "$tmp/$impl.result") (req/s, CPU µs/req)" >&2
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench_w7.sh: $runs run(s) of wrk -t1 -c64 -d$duration per server; load average before: $load" >&2
for ((run = 1; run <= runs; run++)); do
    run_server corio "$build/benches/examples/http_hello" 0 1
    run_server epoll "$build/benches/examples/epoll_hello" 0
    run_server uring_hello "$build/benches/examples/uring_hello" 0
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p results
python3 - "$tmp/corio.result" "$tmp/epoll.result" "$tmp/uring_hello.result" "$load" "$load_after" <<'PY'
import json, statistics, sys
def medians(path):
    runs = [tuple(map(float, line.split())) for line in open(path) if line.strip()]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), len(runs)
(c_rps, c_cpu, n), (e_rps, e_cpu, _), (u_rps, u_cpu, _) = (medians(p) for p in sys.argv[1:4])
load, load_after = sys.argv[4:6]
rows = [
    {"workload": "W7_http_hello", "impl": "corio", "req_per_s": c_rps, "cpu_us_per_req": c_cpu, "runs": n},
    {"workload": "W7_http_hello", "impl": "epoll", "req_per_s": e_rps, "cpu_us_per_req": e_cpu, "runs": n},
    {"workload": "W7_http_hello", "impl": "uring_hello", "req_per_s": u_rps, "cpu_us_per_req": u_cpu, "runs": n},
]
with open("results/w7.json", "w") as f:
    json.dump(rows, f, indent=2)
    f.write("\n")
ok = lambda b: "ok" if b else "MISSED"
print(f"W7 http_hello (wrk -t1 -c64; medians of {n} runs; load average {load} before, {load_after} after)")
print(f"{'impl':<12}{'req/s':>12}{'CPU µs/req':>14}")
for r in rows:
    print(f"{r['impl']:<12}{r['req_per_s']:>12,.0f}{r['cpu_us_per_req']:>14.2f}")
# An estimate of what the runtime costs: the servers' CPU swings by ~10%
# between runs on a shared VM, so a few runs can even show it negative.
print(f"corio over the bare io_uring server (the runtime's cost, estimated): "
      f"{c_cpu - u_cpu:+.2f} µs/request ({c_cpu / u_cpu:.2f}x)")
print(f"target req/s >= epoll: {c_rps / e_rps:.2f}x  {ok(c_rps >= e_rps)}")
print(f"target CPU <= 7 µs/request: {c_cpu:.2f}  {ok(c_cpu <= 7.0)}")
print("wrote results/w7.json")
PY
