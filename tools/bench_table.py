#!/usr/bin/env python3
"""Print the corio-bench results (Google Benchmark JSON) as one table.

Rows are workload x workers; columns give corio's median in the unit of
BENCHMARKS.md, oneTBB's median where a baseline exists, the ratio
corio/oneTBB, and whether each BENCHMARKS.md target is met. The table is
Markdown, so it pastes into the README or an issue as it is.

usage: tools/bench_table.py results/bench.json
Exit status: 0, or 1 if a benchmark reported an error (a wrong answer) or
the file holds no result. Missed targets are findings, not failures.
"""

import json
import re
import statistics
import sys
from collections import defaultdict

# Benchmark names are "<Wn>_<name>/<impl>[/workers:N|/threads:N][/real_time]".
NAME_RE = re.compile(r"^(W\d+)_(\w+)/(\w+)(?:/(?:workers|threads):(\d+))?")
UNIT_FROM_COUNTER = {
    "ns_per_task": "ns/task",
    "ns_per_yield": "ns/yield",
    "ns_per_spawn": "ns/spawn",
    "ns_per_round_trip": "ns/round trip",
}
TIME_TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def value_of(entry):
    """The entry's figure in its BENCHMARKS.md unit: a ns_per_* counter if it
    has one, else its wall time in ms."""
    for counter, unit in UNIT_FROM_COUNTER.items():
        if counter in entry:
            return entry[counter], unit
    return entry["real_time"] * TIME_TO_MS[entry.get("time_unit", "ns")], "ms"


def load(path):
    """Median per (workload id, impl, workers), error messages, workload
    names and the repetition count.

    Uses Google Benchmark's median aggregate when the run had repetitions,
    else the median of the single runs (a --quick run has one each)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    medians, runs, errors, names, reps = {}, defaultdict(list), {}, {}, 1
    for e in doc.get("benchmarks", []):
        reps = max(reps, e.get("repetitions", 1))
        m = NAME_RE.match(e.get("run_name", e["name"]))
        if not m:
            continue
        wid, wname, impl, n = m.group(1), m.group(2), m.group(3), int(m.group(4) or 1)
        names[wid] = wname
        key = (wid, impl, n)
        if e.get("error_occurred"):
            errors[key] = e.get("error_message", "error")
            continue
        if e.get("run_type") == "aggregate":
            if e.get("aggregate_name") == "median":
                medians[key] = value_of(e)
        else:
            runs[key].append(value_of(e))
    for key, vals in runs.items():
        if key not in medians:
            medians[key] = (statistics.median(v for v, _ in vals), vals[0][1])
    return doc.get("context", {}), medians, errors, names, reps


def targets(wid, n, get):
    """BENCHMARKS.md targets that apply to row (wid, n).

    `get(impl, workers)` returns a median or None. Yields (label, measured,
    ok, shown) with measured/ok None when a figure the target needs is
    missing; shown is measured as text (a ratio or a value in the unit)."""
    corio = get("corio", n)

    def ratio_to_tbb(limit):
        tbb = get("tbb", n)
        r = corio / tbb if corio is not None and tbb else None
        return (f"<={limit}x oneTBB", r, None if r is None else r <= limit, ratio(r))

    def speedup_2_over_1(limit):
        one, two = get("corio", 1), get("corio", 2)
        s = one / two if one is not None and two else None
        return (f"2w >={limit}x faster than 1w", s, None if s is None else s >= limit, ratio(s))

    def oversubscribed(limit):
        two = get("corio", 2)
        r = corio / two if corio is not None and two else None
        return (f"8w <={limit}x the 2w time", r, None if r is None else r <= limit, ratio(r))

    def at_most(limit, unit):
        return (f"<={limit} {unit}", corio, None if corio is None else corio <= limit, fmt(corio))

    if wid == "W1":
        if n == 1:
            yield ratio_to_tbb(1.0)
        if n == 2:
            one = get("corio", 1)
            r = corio / one if corio is not None and one else None
            yield ("2w <=1.0x the 1w time per task", r, None if r is None else r <= 1.0, ratio(r))
    if wid == "W2" and n in (1, 2):
        yield at_most(40, "ns")
    if wid == "W3" and n in (1, 2):
        yield at_most(140, "ns")
    if wid == "W4" and n in (1, 2):
        yield at_most(75, "ns")
    if wid == "W5" and n == 1:
        yield ratio_to_tbb(0.35)
    if wid == "W6" and n == 1:
        yield ratio_to_tbb(0.6)
    if wid in ("W5", "W6") and n == 2:
        yield speedup_2_over_1(1.8)
    if wid in ("W1", "W5", "W6") and n == 8:
        yield oversubscribed(1.3)


def fmt(v):
    if v is None:
        return "-"
    if v >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def row(wid, name, impl, n, medians, errors):
    """Cells of one row and its (met, total) target counts. `impl` is corio,
    serial, or tbb for a baseline whose corio row was filtered out."""

    def cell(key):
        if key in errors:
            return f"ERROR: {errors[key]}", None
        v, unit = medians.get(key, (None, None))
        return (f"{fmt(v)} {unit}" if v is not None else "-"), v

    def get(i, w):
        return medians.get((wid, i, w), (None, None))[0]

    ours, corio = cell((wid, impl, n)) if impl != "tbb" else ("-", None)
    theirs, tbb = cell((wid, "tbb", n)) if impl != "serial" else ("-", None)
    label = f"{wid} {name}" + (f" ({impl})" if impl == "serial" else "")
    cells = [label, "-" if impl == "serial" else str(n), ours, theirs,
             ratio(corio / tbb) if corio is not None and tbb else "-"]
    verdicts, met, total = [], 0, 0
    if impl == "corio":
        for what, _, ok, shown in targets(wid, n, get):
            if ok is None:
                verdicts.append(f"{what}: n/a")
                continue
            total += 1
            met += ok
            verdicts.append(f"{what}: {'MET' if ok else 'MISSED'} ({shown})")
    cells.append("; ".join(verdicts) or "-")
    return cells, met, total


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        context, medians, errors, names, reps = load(argv[1])
    except (OSError, ValueError, KeyError) as err:
        print(f"bench_table.py: cannot read {argv[1]}: {err}", file=sys.stderr)
        return 1

    measured = set(medians) | set(errors)
    keys = {k for k in measured if k[1] != "tbb"}
    keys |= {k for k in measured if k[1] == "tbb" and (k[0], "corio", k[2]) not in measured}
    order = {"serial": 0, "corio": 1, "tbb": 1}
    header = ["workload", "workers", "corio", "oneTBB", "corio/oneTBB", "targets"]
    rows, met, total = [], 0, 0
    for wid, impl, n in sorted(keys, key=lambda k: (int(k[0][1:]), order.get(k[1], 2), k[2])):
        cells, m, t = row(wid, names[wid], impl, n, medians, errors)
        rows.append(cells)
        met, total = met + m, total + t
    if not rows:
        print(f"bench_table.py: no corio-bench results in {argv[1]}", file=sys.stderr)
        return 1

    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    # The load average says how far to trust the run: on 2 cores, anything
    # else running (a compile) shows up directly in the 2-worker rows.
    load_avg = [f"{x:.2f}" for x in context.get("load_avg", [])] or ["?"]
    print(f"corio-bench, {context.get('date', '?')}, {context.get('num_cpus', '?')} CPUs, "
          f"load average {load_avg[0]} at start: "
          f"medians of {reps} repetition{'s' if reps != 1 else ''}")
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    print(f"targets met: {met} of {total}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
