#!/usr/bin/env python3
"""Print the corio-bench results (Google Benchmark JSON) as one table, and
write them as CSV and JSON.

Rows are workload x workers; columns give corio's median in the unit of
BENCHMARKS.md, the speedup over corio's 1-worker run, the baseline's median
where one exists (oneTBB for W1/W5/W6, the plain epoll server for W7), the
ratio corio/baseline, and whether each BENCHMARKS.md target is met. The table
is Markdown, so it pastes into the README or an issue as it is.

usage: tools/bench_table.py BENCH.json [--trace-on DIR] [--w7 W7.json]
                            [--csv OUT.csv] [--json OUT.json]

  BENCH.json   corio-bench --benchmark_out (tools/bench.sh: results/bench.json)
  --trace-on   a directory of corio-bench JSON files off.N.json and
               on.N.json: the same benchmarks run alternately without and
               with CORIO_TRACE set; adds the "Trace on" rows (median traced
               / median untraced over those runs, target <= 1.15x)
  --w7         tools/bench_w7.sh's results: [{"workload", "impl",
               "req_per_s", "cpu_us_per_req"}, ...]
  --csv/--json write the rows there too (tools/bench.sh: results/scaling.*);
               the JSON also holds the speedup series the plot is drawn from

Exit status: 0, or 1 if a benchmark reported an error (a wrong answer) or
the file holds no result. Missed targets are findings, not failures.
"""

import csv
import json
import os
import re
import statistics
import sys
from collections import defaultdict

# Workloads of BENCHMARKS.md, for the "not measured" note.
ALL_WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]
TIME_TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
# Implementations that are a workload's baseline rather than rows of their own.
BASELINE_NAMES = {"tbb": "oneTBB", "epoll": "epoll", "pread": "pread"}
TRACE_LIMIT = 1.15


class Figure:
    """One median: value in unit; higher_better for throughputs (speedup and
    ratios flip); extras are further medians shown beside it (W8's p99)."""

    def __init__(self, value, unit, higher_better=False, extras=None):
        self.value, self.unit, self.higher_better = value, unit, higher_better
        self.extras = extras or {}

    def text(self):
        s = f"{fmt(self.value)} {self.unit}"
        for label, (v, unit) in self.extras.items():
            s += f", {label} {fmt(v)} {unit}"
        return s


# Google Benchmark's own keys; every other key of an entry is a user counter.
GB_KEYS = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
           "repetitions", "repetition_index", "threads", "iterations", "real_time",
           "cpu_time", "time_unit", "aggregate_name", "aggregate_unit", "error_occurred",
           "error_message", "label", "bytes_per_second", "items_per_second"}
UNIT_SUFFIX = {"_ns": "ns", "_us": "us", "_ms": "ms", "_s": "s"}


def counter_unit(counter):
    """'p99_late_us' -> ('p99 late', 'us'); no unit suffix -> (name, '')."""
    for suffix, unit in UNIT_SUFFIX.items():
        if counter.endswith(suffix):
            return counter[: -len(suffix)].replace("_", " "), unit
    return counter.replace("_", " "), ""


def figure_of(entry):
    """The entry's figure in its BENCHMARKS.md unit: a ns_per_* counter if it
    has one (ns/task, ns/yield, ...), else a wall_ms counter, else bytes/s as
    MB/s, else Google Benchmark's wall time per iteration in ms. Counters naming a percentile (p50, p99) come along as extras."""
    counters = {k: v for k, v in entry.items() if k not in GB_KEYS and isinstance(v, (int, float))}
    extras = {}
    for k, v in counters.items():
        if re.match(r"p\d+", k):
            label, unit = counter_unit(k)
            extras[label] = (v, unit)
    for k, v in counters.items():
        if k.startswith("ns_per_"):
            return Figure(v, "ns/" + k[len("ns_per_"):].replace("_", " "), extras=extras)
    if "wall_ms" in counters:  # W8: the batch's own wall time, spawn to last join
        return Figure(counters["wall_ms"], "ms", extras=extras)
    if "bytes_per_second" in entry:
        return Figure(entry["bytes_per_second"] / 1e6, "MB/s", higher_better=True, extras=extras)
    return Figure(entry["real_time"] * TIME_TO_MS[entry.get("time_unit", "ns")], "ms", extras=extras)


def parse_name(run_name):
    """'W1_spawn_many/corio/workers:2/real_time' -> ('W1', 'spawn_many', 'corio', 2);
    workers is None when the name has no workers/threads argument.

    The workload id is the part before the first '_' (W1 ... W8, File, Lock);
    arguments other than workers/threads join the name ('File_read/corio/
    size:4096/workers:1' -> name 'read size:4096'). None if it is no
    '<workload>/<impl>[/...]' name."""
    parts = run_name.split("/")
    if len(parts) < 2 or "_" not in parts[0]:
        return None
    wid, name = parts[0].split("_", 1)
    impl, workers, extra = parts[1], None, []  # None: no worker count (serial, File_read)
    for p in parts[2:]:
        if p in ("real_time", "manual_time", "process_time") or p.startswith(("repeats:", "min_time:", "min_warmup_time:", "iterations:")):
            continue
        m = re.fullmatch(r"(?:workers|threads):(\d+)", p)
        if m:
            workers = int(m.group(1))
        else:
            extra.append(p)
    return wid, " ".join([name] + extra), impl, workers


def load(path):
    """Medians per (workload id, name, impl, workers), errors, the context
    and the repetition count.

    Uses Google Benchmark's median aggregate when the run had repetitions,
    else the median of the single runs (a --quick run has one each)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    medians, runs, errors, reps = {}, defaultdict(list), {}, 1
    for e in doc.get("benchmarks", []):
        reps = max(reps, e.get("repetitions", 1))
        key = parse_name(e.get("run_name", e["name"]))
        if key is None:
            continue
        if e.get("error_occurred"):
            errors[key] = e.get("error_message", "error")
            continue
        if e.get("run_type") == "aggregate":
            if e.get("aggregate_name") == "median":
                medians[key] = figure_of(e)
        else:
            runs[key].append(figure_of(e))
    for key, figs in runs.items():
        if key not in medians:
            extras = {label: (statistics.median(f.extras[label][0] for f in figs), unit)
                      for label, (_, unit) in figs[0].extras.items()}
            medians[key] = Figure(statistics.median(f.value for f in figs), figs[0].unit,
                                  figs[0].higher_better, extras)
    return doc.get("context", {}), medians, errors, reps


def load_w7(path):
    """tools/bench_w7.sh's results as medians keyed like load()'s: W7 figures
    are req/s with the server's CPU per request as an extra."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, list):
        raise ValueError("expected a JSON list of {workload, impl, req_per_s, cpu_us_per_req}")
    medians = {}
    for e in doc:
        wid, _, name = str(e.get("workload", "W7_http_hello")).partition("_")
        extras = {}
        if e.get("cpu_us_per_req") is not None:
            extras["CPU"] = (float(e["cpu_us_per_req"]), "us/req")
        medians[(wid, name or "http_hello", str(e["impl"]), int(e.get("workers", 1)))] = Figure(
            float(e["req_per_s"]), "req/s", higher_better=True, extras=extras)
    return medians


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def ratio(r):
    return "-" if r is None else f"{r:.2f}x"


class Results:
    """All medians of one run and the targets that apply to them."""

    def __init__(self, context, medians, errors, reps, trace_on=None):
        self.context, self.medians, self.errors, self.reps = context, medians, errors, reps
        # (untraced, traced) medians of the trace-on pass, if it ran.
        self.untraced, self.traced = trace_on or ({}, {})
        self.cores = int(context.get("cores") or context.get("num_cpus") or 1)
        self.oversub = 4 * self.cores

    def get(self, wid, name, impl, n):
        return self.medians.get((wid, name, impl, n))

    def value(self, wid, name, impl, n):
        f = self.get(wid, name, impl, n)
        return None if f is None else f.value

    def baseline_impl(self, wid, name):
        for impl in BASELINE_NAMES:
            if any(k[:3] == (wid, name, impl) for k in self.medians):
                return impl
        return None

    def speedup(self, wid, name, impl, n):
        """How much faster than at 1 worker (time or throughput alike)."""
        if sum(1 for k in self.medians if k[:3] == (wid, name, impl)) < 2:
            return None  # measured at one count only (W7's server): nothing to compare
        one, this = self.get(wid, name, impl, 1), self.get(wid, name, impl, n)
        if one is None or this is None or not one.value or not this.value:
            return None
        return this.value / one.value if this.higher_better else one.value / this.value

    def targets(self, wid, name, n):
        """BENCHMARKS.md targets for corio's row (wid, n): (label, ok, shown),
        ok None when a figure the target needs is missing."""
        C, O = self.cores, self.oversub
        corio = self.value(wid, name, "corio", n)

        def check(label, measured, ok, shown=None):
            return (label, None if measured is None else ok, shown if shown is not None else ratio(measured))

        def to_baseline(impl, limit):
            base = self.value(wid, name, impl, n)
            r = corio / base if corio is not None and base else None
            return check(f"<={limit}x {BASELINE_NAMES[impl]}", r, r is not None and r <= limit)

        def speedup_at_least(limit):
            s = self.speedup(wid, name, "corio", 2)
            return check(f"2w >={limit}x faster than 1w", s, s is not None and s >= limit)

        if wid == "W1" and n == 1:
            yield to_baseline("tbb", 1.0)
        if wid == "W1" and n == 2:
            one = self.value(wid, name, "corio", 1)
            r = corio / one if corio is not None and one else None
            yield check("2w <=1.0x the 1w time per task", r, r is not None and r <= 1.0)
        for w, limit in (("W2", 40), ("W3", 140), ("W4", 75)):
            if wid == w and n in (1, 2):
                yield check(f"<={limit} ns", corio, corio is not None and corio <= limit, fmt(corio))
        if wid == "W5" and n == 1:
            yield to_baseline("tbb", 0.35)
        if wid == "W6" and n == 1:
            yield to_baseline("tbb", 0.6)
        if wid in ("W5", "W6") and n == 2:
            yield speedup_at_least(1.8)
        if wid in ("W1", "W5", "W6") and n == O and O != C:
            at_c = self.value(wid, name, "corio", C)
            r = corio / at_c if corio is not None and at_c else None
            yield check(f"{O}w <=1.3x the {C}w time", r, r is not None and r <= 1.3)
        if wid == "W7" and n == 1:
            epoll = self.value(wid, name, "epoll", n)
            r = corio / epoll if corio is not None and epoll else None
            yield check("req/s >= epoll", r, r is not None and r >= 1.0)
            f = self.get(wid, name, "corio", n)
            cpu = f.extras.get("CPU", (None,))[0] if f else None
            yield check("CPU <=7 us/req", cpu, cpu is not None and cpu <= 7, fmt(cpu))
        if wid == "W8":
            yield check("wall <=120 ms", corio, corio is not None and corio <= 120, fmt(corio))
            f = self.get(wid, name, "corio", n)
            p99 = next(((v, u) for label, (v, u) in (f.extras.items() if f else []) if label.startswith("p99")), None)
            p99_ms = p99[0] * TIME_TO_MS.get(p99[1], float("nan")) if p99 else None
            yield check("p99 late <=30 ms", p99_ms, p99_ms is not None and p99_ms <= 30, fmt(p99_ms) + " ms" if p99 else None)

    def rows(self):
        """The table's rows as dicts, in workload order."""
        def order(wid):
            m = re.fullmatch(r"W(\d+)", wid)
            return (0, int(m.group(1)), "") if m else (1, 0, wid)

        keys = set(self.medians) | set(self.errors)
        workloads = sorted({k[:2] for k in keys}, key=lambda w: (order(w[0]), w[1]))
        out = []
        for wid, name in workloads:
            base = self.baseline_impl(wid, name)
            impls = {k[2] for k in keys if k[:2] == (wid, name)}
            # corio first, then its other comparisons (serial, std_mutex, ...);
            # a baseline gets rows of its own only where corio has none.
            for impl in ["corio"] + sorted(impls - {"corio", base}) + ([base] if base else []):
                for n in sorted(k[3] for k in keys if k[:3] == (wid, name, impl)):
                    if impl == base and (wid, name, "corio", n) in keys:
                        continue
                    out.append(self.row(wid, name, impl, n, base))
        out += self.trace_rows()
        return out

    def row(self, wid, name, impl, n, base):
        key = (wid, name, impl, n)
        f = self.medians.get(key)
        r = {"workload": f"{wid} {name}", "id": wid, "impl": impl, "workers": n,
             "median": f.value if f else None, "unit": f.unit if f else None,
             "extras": {k: {"value": v, "unit": u} for k, (v, u) in (f.extras.items() if f else [])},
             "error": self.errors.get(key), "speedup_vs_1w": None,
             "baseline": None, "baseline_median": None, "ratio_to_baseline": None, "targets": []}
        r["text"] = f"ERROR: {r['error']}" if r["error"] else (f.text() if f else "-")
        if impl != "corio":
            r["workload"] += f" ({BASELINE_NAMES.get(impl, impl)})"
        if impl != "serial" and f is not None:
            r["speedup_vs_1w"] = self.speedup(wid, name, impl, n)
        if impl == "corio" and base:
            b = self.medians.get((wid, name, base, n))
            if b is not None:
                r["baseline"], r["baseline_median"] = BASELINE_NAMES[base], b.value
                r["baseline_text"] = f"{BASELINE_NAMES[base]} {b.text()}"
                if f is not None and b.value:
                    r["ratio_to_baseline"] = f.value / b.value
        if impl == "corio":
            r["targets"] = [{"target": label, "met": ok, "measured": shown}
                            for label, ok, shown in self.targets(wid, name, n)]
        return r

    def trace_rows(self):
        """'Trace on' rows: the traced runs' median against the untraced
        runs' of the same pass."""
        out = []
        for (wid, name, impl, n), f in sorted(self.traced.items()):
            if impl != "corio":
                continue
            off = self.untraced.get((wid, name, impl, n))
            r_ = f.value / off.value if off is not None and off.value else None
            out.append({"workload": f"Trace on: {wid} {name}", "id": "trace", "impl": "corio traced",
                        "workers": n, "median": f.value, "unit": f.unit, "extras": {},
                        "error": None, "text": f.text(), "speedup_vs_1w": None,
                        "baseline": "untraced", "baseline_median": off.value if off else None,
                        "baseline_text": f"untraced {off.text()}" if off else "-",
                        "ratio_to_baseline": r_,
                        "targets": [{"target": f"<={TRACE_LIMIT}x untraced",
                                     "met": None if r_ is None else r_ <= TRACE_LIMIT,
                                     "measured": ratio(r_)}]})
        return out

    def series(self):
        """Speedup against workers per workload (corio), for the plot."""
        out = {}
        plotted = {k[:2] for k in self.medians
                   if k[2] == "corio" and (re.fullmatch(r"W\d+", k[0]) or k[0] == "File")}
        for wid, name in sorted(plotted, key=lambda w: (len(w[0]), w)):
            pts = [(n, self.speedup(wid, name, "corio", n))
                   for n in sorted(k[3] for k in self.medians if k[:3] == (wid, name, "corio"))]
            pts = [(n, s) for n, s in pts if s is not None]
            if len(pts) >= 2:
                out[f"{wid} {name}"] = pts
        return out


def verdicts(r):
    parts = []
    for t in r["targets"]:
        if t["met"] is None:
            parts.append(f"{t['target']}: n/a")
        else:
            parts.append(f"{t['target']}: {'MET' if t['met'] else 'MISSED'} ({t['measured']})")
    return "; ".join(parts) or "-"


HEADER = ["workload", "workers", "corio (median)", "speedup vs 1w", "baseline", "corio/baseline", "targets"]


def table_lines(res, rows, notes=()):
    """The Markdown table with a heading line and the targets count."""
    cells = []
    for r in rows:
        cells.append([r["workload"], "-" if r["workers"] is None else str(r["workers"]), r["text"],
                      ratio(r["speedup_vs_1w"]), r.get("baseline_text") or "-",
                      ratio(r["ratio_to_baseline"]), verdicts(r)])
    widths = [max(len(c[i]) for c in cells + [HEADER]) for i in range(len(HEADER))]

    def line(cs):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cs, widths)) + " |"

    ctx = res.context
    # The load average says how far to trust the run: on 2 cores, anything
    # else running (a compile) shows up directly in the 2-worker rows.
    load_avg = [f"{x:.2f}" for x in ctx.get("load_avg", [])] or ["?"]
    met = sum(1 for r in rows for t in r["targets"] if t["met"])
    total = sum(1 for r in rows for t in r["targets"] if t["met"] is not None)
    out = [f"corio-bench, {ctx.get('date', '?')}, {ctx.get('num_cpus', '?')} CPUs, "
           f"load average {load_avg[0]} at start: medians of {res.reps} "
           f"repetition{'s' if res.reps != 1 else ''}",
           line(HEADER), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(c) for c in cells]
    out.append(f"targets met: {met} of {total}")
    measured = {r["id"] for r in rows}
    missing = [w for w in ALL_WORKLOADS if w not in measured]
    if missing:
        out.append("not measured in this run: " + ", ".join(missing))
    out += list(notes)
    return out, met, total


def write_csv(path, rows):
    cols = ["workload", "impl", "workers", "median", "unit", "speedup_vs_1w", "baseline",
            "baseline_median", "ratio_to_baseline", "targets", "error"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r[c] is None else (verdicts(r) if c == "targets" else r[c]) for c in cols])


def write_json(path, res, rows, met, total, notes=()):
    ctx = res.context
    doc = {"date": ctx.get("date"), "host": ctx.get("host_name"), "num_cpus": ctx.get("num_cpus"),
           "cores": res.cores, "oversubscribed_workers": res.oversub,
           "worker_counts": [int(x) for x in str(ctx.get("worker_counts", "")).split(",") if x],
           "load_avg": ctx.get("load_avg"), "repetitions": res.reps,
           "targets_met": met, "targets_total": total, "notes": list(notes),
           "rows": [{k: v for k, v in r.items() if k not in ("text", "baseline_text")} for r in rows],
           "speedup": {w: [[n, s] for n, s in pts] for w, pts in res.series().items()}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def load_trace_on(directory):
    """Medians over the alternating runs of the trace-on pass: (untraced,
    traced, errors), each keyed like load()'s."""
    sides, errors = ({}, {}), {}
    for i, side in enumerate(("off", "on")):
        figs = defaultdict(list)
        names = sorted(f for f in os.listdir(directory) if re.fullmatch(side + r"\.\d+\.json", f))
        for f in names:
            _, medians, errs, _ = load(os.path.join(directory, f))
            for key, fig in medians.items():
                figs[key].append(fig)
            for (w, n, impl, k), e in errs.items():
                errors[(w, f"{n} ({'traced' if side == 'on' else 'trace-on pass'})", impl, k)] = e
        for key, fl in figs.items():
            sides[i][key] = Figure(statistics.median(f.value for f in fl), fl[0].unit, fl[0].higher_better)
    return sides[0], sides[1], errors


def build(bench, trace_on=None, w7=None):
    """Results from the files tools/bench.sh writes (trace_on: the pass's
    directory; it and w7 are optional)."""
    context, medians, errors, reps = load(bench)
    pair = None
    if trace_on:
        off, on, t_errors = load_trace_on(trace_on)
        pair = (off, on)
        errors.update(t_errors)
    if w7:
        medians.update(load_w7(w7))
    return Results(context, medians, errors, reps, pair)


def main(argv):
    args, opts = [], {}
    it = iter(argv[1:])
    for a in it:
        if a in ("--trace-on", "--w7", "--csv", "--json"):
            opts[a] = next(it, None)
            if opts[a] is None:
                print(f"bench_table.py: {a} needs a file", file=sys.stderr)
                return 2
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            args.append(a)
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        res = build(args[0], opts.get("--trace-on"), opts.get("--w7"))
    except (OSError, ValueError, KeyError, TypeError) as err:
        print(f"bench_table.py: cannot read the results: {err}", file=sys.stderr)
        return 1
    rows = res.rows()
    if not rows:
        print(f"bench_table.py: no corio-bench results in {args[0]}", file=sys.stderr)
        return 1
    lines, met, total = table_lines(res, rows)
    print("\n".join(lines))
    if "--csv" in opts:
        write_csv(opts["--csv"], rows)
    if "--json" in opts:
        write_json(opts["--json"], res, rows, met, total)
    return 1 if res.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
