#!/usr/bin/env bash
# Fuzz the corio-trace reader: builds tools/corio_trace/fuzz_reader.cpp as a
# libFuzzer target with clang (+ASan/UBSan) under build/fuzz, runs it for N
# seconds starting from the kept corpus, then merges what it found into a
# minimal corpus. The normal build never needs clang: tests/trace's corpus
# test replays tests/fuzz/corio_trace_corpus with GCC in every test run.
#
#   tools/fuzz_trace.sh [SECONDS=60] [--jobs N] [--keep]
#
# --keep replaces tests/fuzz/corio_trace_corpus with the merged minimal
# corpus (commit it). Crashes land in build/fuzz/crashes/ and fail the run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=60 jobs=1 keep=0
while (($#)); do
    case $1 in
        --jobs) jobs=${2:?}; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
        [0-9]*) seconds=$1; shift ;;
        *) echo "fuzz_trace.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
cd "$root"

cxx=""
for c in clang++-16 clang++-15 clang++-14 clang++; do
    command -v "$c" >/dev/null && { cxx=$c; break; }
done
if [[ -z $cxx ]]; then
    tools/setup.sh clang  # Debian's clang ships libFuzzer's runtime with it
    cxx=clang++
fi

out=build/fuzz
corpus=tests/fuzz/corio_trace_corpus
mkdir -p "$out/corpus" "$out/crashes"
bin=$out/fuzz_trace_reader
echo "== build $bin with $cxx"
"$cxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I runtime -I tools/corio_trace \
    tools/corio_trace/{reader,timeline,summary,chrome,svg,text,fuzz_reader}.cpp -o "$bin"

echo "== fuzz for ${seconds} s (${jobs} job(s)); new inputs go to $out/corpus"
status=0
parallel=()  # -jobs makes libFuzzer write fuzz-N.log into the current directory
((jobs > 1)) && parallel=(-jobs="$jobs" -workers="$jobs")
(cd "$out" && exec ./fuzz_trace_reader "${parallel[@]}" -max_total_time="$seconds" -max_len=1024 -timeout=10 \
    -rss_limit_mb=2048 -dict="$root/tools/corio_trace/fuzz_trace.dict" -print_final_stats=1 \
    -artifact_prefix=crashes/ corpus "$root/$corpus") >"$out/fuzz.log" 2>&1 || status=1
grep -E 'DONE|ERROR|SUMMARY|stat::' "$out"/fuzz*.log | tail -n 20 || true
if compgen -G "$out/crashes/*" >/dev/null; then
    echo "fuzz_trace.sh: crashing inputs in $out/crashes/ (see $out/fuzz.log)" >&2
    status=1
fi

echo "== merge into a minimal corpus"
rm -rf "$out/merged"
mkdir -p "$out/merged"
"$bin" -merge=1 -max_len=1024 "$out/merged" "$corpus" "$out/corpus" >"$out/merge.log" 2>&1
echo "merged corpus: $(ls "$out/merged" | wc -l) files, $(du -sh "$out/merged" | cut -f1)"
if ((keep)); then
    find "$corpus" -maxdepth 1 -type f ! -name .keep -delete
    cp "$out/merged"/* "$corpus"/
    echo "kept in $corpus"
fi
exit "$status"
