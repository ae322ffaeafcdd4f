#!/usr/bin/env bash
# Build corio and run every test: all Catch2 units, then an out-of-tree program
# built against the installed library through pkg-config. Sets up a fresh
# Debian 12 machine first. The last line is always `N passed, N failed`, where
# N counts Catch2 test cases plus 1 for the consumer check.
#
#   tools/test.sh [--sanitize thread|address] [--build-dir DIR] [--no-consumer]
#                 [--counts-file FILE]
#
# --counts-file FILE (or CORIO_TEST_COUNTS=FILE) also writes "PASSED FAILED"
# to FILE, so .ci/run can sum several runs without parsing output.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

sanitize=""
build_dir=""
consumer=1
counts_file=${CORIO_TEST_COUNTS:-}
test_timeout=${CORIO_TEST_TIMEOUT:-300}  # seconds per test executable

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while (($#)); do
    case $1 in
        --sanitize) sanitize=${2:?--sanitize needs thread or address}; shift 2 ;;
        --sanitize=*) sanitize=${1#*=}; shift ;;
        --build-dir) build_dir=$(realpath -m "${2:?}"); shift 2 ;;
        --build-dir=*) build_dir=$(realpath -m "${1#*=}"); shift ;;
        --no-consumer) consumer=0; shift ;;
        --counts-file) counts_file=${2:?}; shift 2 ;;
        --counts-file=*) counts_file=${1#*=}; shift ;;
        -h|--help) usage ;;
        *) echo "test.sh: unknown argument: $1" >&2; usage 2 ;;
    esac
done

# Sanitizer builds give coroutine frames to plain new/delete so the sanitizer
# sees each frame's lifetime; benches are left out (slow to build, not tests).
meson_opts=(--buildtype=debugoptimized -Dwerror=true -Dtests=true)
consumer_flags=()
case $sanitize in
    "") build_dir=${build_dir:-build/test}
        meson_opts+=(-Dbenches=true) ;;  # keep the bench programs compiling (-Werror) too
    thread)
        build_dir=${build_dir:-build/tsan}
        meson_opts+=(-Db_sanitize=thread -Dframe_allocator=new -Dbenches=false)
        consumer_flags=(-fsanitize=thread) ;;
    address)
        build_dir=${build_dir:-build/asan}
        # b_lundef=false: -Wl,--no-undefined breaks linking with -fsanitize=undefined.
        meson_opts+=("-Db_sanitize=address,undefined" -Db_lundef=false -Dframe_allocator=new -Dbenches=false)
        consumer_flags=("-fsanitize=address,undefined") ;;
    *) echo "test.sh: --sanitize takes thread or address, not '$sanitize'" >&2; exit 2 ;;
esac
# A --build-dir is relative to the caller's directory, the defaults to the repo.
[[ $build_dir == /* ]] || build_dir=$(cd "$root" && realpath -m "$build_dir")
[[ -z $counts_file || $counts_file == /* ]] || counts_file=$PWD/$counts_file
cd "$root"

# halt_on_error: a report must fail the test, not scroll past in a passing run.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# GCC 12's TSan cannot map its shadow memory under the high ASLR entropy of
# newer kernels (vm.mmap_rnd_bits > 28): run its tests without ASLR when we may.
run_prefix=()
if [[ $sanitize == thread ]] && setarch "$(uname -m)" -R true 2>/dev/null; then
    run_prefix=(setarch "$(uname -m)" -R)
fi

passed=0
failed=0

finish() {
    [[ -z $counts_file ]] || echo "$passed $failed" >"$counts_file"
    echo "$passed passed, $failed failed"
    exit $((failed > 0))
}

# A step that keeps us from running any test counts as one failure.
step_failed() { echo "test.sh: FAILED: $1" >&2; failed=$((failed + 1)); finish; }

echo "== setup"
tools/setup.sh || step_failed "tools/setup.sh"

echo "== configure $build_dir (${meson_opts[*]})"
if [[ -f $build_dir/meson-private/coredata.dat ]]; then
    # --reconfigure applies changed options to an existing build directory.
    meson setup --reconfigure "$build_dir" "${meson_opts[@]}" >"$build_dir/setup.log" 2>&1 \
        || { tail -n 40 "$build_dir/setup.log" >&2; step_failed "meson setup"; }
else
    mkdir -p "$build_dir"
    meson setup "$build_dir" "${meson_opts[@]}" >"$build_dir/setup.log" 2>&1 \
        || { tail -n 40 "$build_dir/setup.log" >&2; step_failed "meson setup"; }
fi

echo "== build"
meson compile -C "$build_dir" || step_failed "build"

results=$build_dir/test-results
rm -rf "$results"
mkdir -p "$results"

# Prints "PASSED FAILED" test cases for one executable's run. Catch2's XML
# reporter writes one <OverallResult success=…> per finished test case, and
# the run totals only when the run completes; a crash, sanitizer halt or
# timeout leaves the file cut short, so it is read incrementally. Details of
# failed cases go to stderr.
count_cases() { # xml total rc
    python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
path, total, rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ok = 0; final = None; name = None; why = []
def where(el): return f"{el.get('filename')}:{el.get('line')}"
try:
    for ev, el in ET.iterparse(path, events=("start", "end")):
        if ev == "start":
            if el.tag == "TestCase": name, why = el.get("name", "?"), []
        elif el.tag == "OverallResult":   # singular: the end of one test case
            if el.get("success") == "true": ok += 1
            else: print("\n".join([f"  FAILED: {name}"] + why), file=sys.stderr)
            name = None
        elif el.tag == "Expression" and el.get("success") == "false":
            why.append(f"    {where(el)}: {(el.findtext('Original') or '').strip()}"
                       f"  with  {(el.findtext('Expanded') or '').strip()}")
        elif el.tag in ("Exception", "FatalErrorCondition", "Failure"):
            why.append(f"    {where(el)}: {el.tag}: {(el.text or '').strip()}")
        elif el.tag == "OverallResultsCases":  # the last one is the whole run
            final = el
except (ET.ParseError, FileNotFoundError):
    pass
note = "ok"
if final is not None:
    ok = int(final.get("successes")) + int(final.get("expectedFailures"))
    bad = int(final.get("failures"))
if final is None or ok + bad < total:
    # Cut short (Catch2 may still close the file after a fatal signal):
    # every case that did not finish successfully counts as failed.
    bad, note = max(total - ok, 1), "crash"
    if name is not None:
        print("\n".join([f"  DIED IN: {name}"] + why), file=sys.stderr)
elif rc != 0 and bad == 0:
    # Every case passed but the process failed afterwards (e.g. a leak report
    # at exit): charge one case so the run cannot pass.
    ok, bad, note = max(ok - 1, 0), 1, "exit"
print(ok, bad, note)
PY
}

run_catch2() { # name executable
    local name=$1 exe=$2 xml=$results/$1.xml log=$results/$1.log total rc=0 counts
    # Listing first gives the number of cases even if the run dies early.
    # (Catch2 exits with the number listed, hence `|| true`.)
    total=$( { timeout 60 "${run_prefix[@]}" "$exe" --list-test-names-only 2>/dev/null || true; } | grep -c . || true)
    # The subshell keeps bash's own "Aborted"/"Segmentation fault" notice in the log.
    (timeout --kill-after=10 "$test_timeout" "${run_prefix[@]}" "$exe" --reporter xml --out "$xml" >"$log" 2>&1; exit $?) 2>>"$log" || rc=$?
    counts=$(count_cases "$xml" "$total" "$rc" 2>"$results/$name.failures")
    local ok bad note
    read -r ok bad note <<<"$counts"
    passed=$((passed + ok))
    failed=$((failed + bad))
    printf '%-40s %4d passed, %d failed\n' "$name" "$ok" "$bad"
    cat "$results/$name.failures"
    if ((rc == 124 || rc == 137)); then
        echo "  TIMEOUT: did not finish within ${test_timeout} s (unfinished cases count as failed)"
    elif [[ $note == crash ]]; then
        echo "  CRASH: died with status $rc before finishing (unfinished cases count as failed)"
    elif [[ $note == exit ]]; then
        echo "  EXIT: status $rc after all cases passed (a sanitizer report at exit?)"
    fi
    if ((bad > 0 || rc != 0)) && [[ -s $log ]]; then
        echo "  last lines of its output ($log):"
        tail -n 30 "$log" | sed 's/^/  | /'
    fi
}

echo "== tests (each bounded to ${test_timeout} s)"
# The registered tests of suite 'catch2', as "name<TAB>executable" lines.
mapfile -t units < <(meson introspect --tests "$build_dir" | python3 -c '
import json, sys
for t in sorted(json.load(sys.stdin), key=lambda t: t["name"]):
    if any(s.endswith(":catch2") for s in t["suite"]):
        print(t["name"] + "\t" + t["cmd"][0])')
((${#units[@]} > 0)) || step_failed "no Catch2 test executables registered (tests/meson.build)"
for unit in "${units[@]}"; do
    run_catch2 "${unit%%$'\t'*}" "${unit#*$'\t'}"
done

consumer_check() {
    # Install into a staging dir, point the staged corio.pc at it, and build
    # tests/consumer/main.cpp as an outside user would: pkg-config only.
    local stage=$build_dir/consumer-stage pc
    rm -rf "$stage"
    meson install -C "$build_dir" --destdir "$stage" --no-rebuild >"$results/install.log" 2>&1 \
        || { tail -n 20 "$results/install.log"; return 1; }
    pc=$(find "$stage" -name corio.pc -print -quit)
    [[ -n $pc ]] || { echo "  no corio.pc installed"; return 1; }
    sed -i "s|^prefix=|prefix=$stage|" "$pc"
    export PKG_CONFIG_PATH=${pc%/*}
    local libdir
    libdir=$(pkg-config --variable=libdir corio) || return 1
    # shellcheck disable=SC2046  # pkg-config output is meant to be word-split
    g++ -std=c++20 -O2 -Wall -Wextra -Werror "${consumer_flags[@]}" tests/consumer/main.cpp \
        -o "$stage/consumer" $(pkg-config --cflags --libs corio) || return 1
    # Must load the staged libcorio, not some other one on the system.
    # (ldd's output is captured first: `ldd | grep -q` under pipefail fails
    # at random when grep exits early and ldd dies of SIGPIPE.)
    local linked
    linked=$(LD_LIBRARY_PATH=$libdir ldd "$stage/consumer")
    grep -q "libcorio.*=> $libdir/" <<<"$linked" \
        || { echo "  consumer does not load libcorio from $libdir"; return 1; }
    LD_LIBRARY_PATH=$libdir timeout 60 "${run_prefix[@]}" "$stage/consumer"
}

if ((consumer)); then
    echo "== consumer (installed library via pkg-config)"
    if (consumer_check); then
        passed=$((passed + 1)); echo "consumer check: passed"
    else
        failed=$((failed + 1)); echo "consumer check: FAILED"
    fi
fi

echo "== summary ($build_dir${sanitize:+, $sanitize sanitizer})"
finish
