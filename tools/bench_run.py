#!/usr/bin/env python3
"""The scaling suite, run by tools/bench.sh once it has built build/release.

Runs corio-bench (every workload at each worker count of the sweep, oneTBB
beside it) with a progress line on stderr; W1 and W5 again, alternately
without and with CORIO_TRACE set (the "Trace on" rows); W7 through tools/bench_w7.sh when that script
exists (full runs only); then prints the table (stdout), writes
results/scaling.csv, results/scaling.json and results/scaling.svg, and
finally runs one small workload traced (corio-trace-run W6), prints
`corio-trace summary` of it and the path of its Perfetto JSON.

usage: tools/bench_run.py [--build DIR] [--quick] [--filter REGEX] [--no-trace]

  --build DIR     the meson build with -Dbenches=true (default build/release)
  --quick         1 repetition, short runs, no W7: a smoke test (< 1 minute)
  --filter REGEX  only benchmarks whose name matches REGEX (e.g. 'W5_fib' or
                  'W1|W6'); W7 runs only if REGEX matches "W7_http_hello"
  --no-trace      skip the trace-on rows and the traced run

CORIO_BENCH_WORKERS=1,2,8 replaces the sweep (default 1..cores and 4x cores).
Exit status 0; 1 when a benchmark failed or gave a wrong answer, W7's script
failed, or (without --no-trace) the recorder or tools/corio-trace is missing.
Missed targets are findings, not failures.
"""

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_plot  # noqa: E402
import bench_table  # noqa: E402

RESULTS = "results"
DEFAULT_FILTER = r"^(W[0-9]+_|File_)"  # the BENCHMARKS.md workloads (not the sync benches)
STALL_SECONDS = 180  # no benchmark finishing for this long: a hang
TRACED_WORKLOADS = ("W1_spawn_many", "W5_fib")  # BENCHMARKS.md's "Trace on" target
AGGREGATES = ("_mean", "_median", "_stddev", "_cv")


class Failure(Exception):
    """A step that cannot go on; the message says what and why."""


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def clock(seconds):
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """One status line on stderr: rewritten in place on a terminal, one line
    per step otherwise (a log)."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.t0 = time.monotonic()
        self.text = ""

    def show(self, text, new_step=True):
        self.text = text
        line = f"[{clock(time.monotonic() - self.t0)}] {text}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line)
            sys.stderr.flush()
        elif new_step:
            say(line)

    def tick(self):
        if self.tty and self.text:
            self.show(self.text, new_step=False)

    def done(self):
        if self.tty and self.text:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
        self.text = ""


def list_benchmarks(binary, regex, env):
    out = subprocess.run([binary, "--benchmark_list_tests=true", f"--benchmark_filter={regex}"],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise Failure(f"{binary} --benchmark_list_tests failed (exit {out.returncode}): "
                      f"{out.stderr.strip()}")
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def describe(name):
    """'W5_fib/corio/workers:2/real_time' -> 'W5_fib corio, 2 workers'."""
    parts = [p for p in name.split("/") if p != "real_time" and not p.startswith("iterations:")]
    text = " ".join(parts[:2])
    for p in parts[2:]:
        m = re.fullmatch(r"(workers|threads):(\d+)", p)
        if m:
            text += f", {m.group(2)} {m.group(1)[:-1] if m.group(2) == '1' else m.group(1)}"
        else:
            text += f" {p}"
    return text


def run_benchmarks(binary, names, args, json_out, log_out, env, progress, label):
    """Runs `names` (one regex of exact names) in one corio-bench process,
    Google Benchmark's console output parsed for progress. Raises Failure on
    a crash, a non-zero exit or a stall."""
    regex = "^(" + "|".join(re.escape(n) for n in names) + ")$"
    cmd = [binary, f"--benchmark_filter={regex}", "--benchmark_color=false",
           f"--benchmark_out={json_out}", "--benchmark_out_format=json"] + args
    pending = list(names)
    t_start = time.monotonic()

    def status():
        done = len(names) - len(pending)
        eta = ""
        if done:
            left = (time.monotonic() - t_start) / done * len(pending)
            eta = f", about {clock(left)} left"
        return f"{label} [{done + 1}/{len(names)}] {describe(pending[0])}{eta}"

    with open(log_out, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env, bufsize=1)
        lines = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout] + [lines.put(None)],
                                  daemon=True)
        reader.start()
        progress.show(status())
        last = time.monotonic()
        while True:
            try:
                line = lines.get(timeout=1.0)
            except queue.Empty:
                progress.tick()
                if time.monotonic() - last > STALL_SECONDS:
                    proc.kill()
                    proc.wait()
                    progress.done()
                    raise Failure(f"{describe(pending[0])} gave no result in {STALL_SECONDS} s "
                                  f"(a hang?); killed corio-bench; its output is in {log_out}")
                continue
            if line is None:
                break
            log.write(line)
            token = line.split(" ", 1)[0]
            for suffix in AGGREGATES:
                if token.endswith(suffix):
                    token = token[: -len(suffix)]
                    break
            if pending and token in pending:
                if "ERROR OCCURRED" in line:
                    progress.done()
                    say(f"bench: {describe(token)}: {line.split('ERROR OCCURRED:', 1)[1].strip()}")
                pending.remove(token)
                last = time.monotonic()
                if pending:
                    progress.show(status())
        rc = proc.wait()
    progress.done()
    if rc != 0:
        what = f"killed by signal {-rc}" if rc < 0 else f"exit status {rc}"
        raise Failure(f"corio-bench failed ({what}) while running {describe(pending[0]) if pending else 'its last benchmark'}; "
                      f"its output is in {log_out}")
    if pending:
        raise Failure(f"corio-bench ended without running {', '.join(pending)}; see {log_out}")


def recorder_works(trace_run, env, path):
    """True when the runtime writes a trace file under CORIO_TRACE."""
    if os.path.exists(path):
        os.remove(path)
    out = subprocess.run([trace_run, "W1", "--workers", "1"], capture_output=True, text=True,
                         env=dict(env, CORIO_TRACE=path), timeout=120)
    if out.returncode != 0:
        raise Failure(f"corio-trace-run W1 failed (exit {out.returncode}): {out.stderr.strip()}")
    ok = os.path.exists(path) and os.path.getsize(path) > 0
    if os.path.exists(path):
        os.remove(path)
    return ok


def sweep(directory, stop):
    """Unlinks every file in `directory` twice a second until `stop` is set."""
    while not stop.wait(0.5):
        for name in os.listdir(directory):
            try:
                os.remove(os.path.join(directory, name))
            except OSError:
                pass


def trace_on_pass(binary, names, quick, out_dir, env, progress):
    """Runs `names` alternately without and with CORIO_TRACE into
    out_dir/off.N.json and out_dir/on.N.json (N = 1..pairs)."""
    pairs = 1 if quick else 5
    per_run = (["--benchmark_repetitions=1", "--benchmark_min_time=0.05", "--benchmark_min_warmup_time=0.02"]
               if quick else
               ["--benchmark_repetitions=1", "--benchmark_min_time=0.3", "--benchmark_min_warmup_time=0.1"])
    shutil.rmtree(out_dir, ignore_errors=True)
    # Every runtime of a traced run writes a trace (PATH, PATH.1, ...), up
    # to hundreds of MB for W5: only their cost is wanted, so a janitor
    # unlinks them as they appear (a file still being written is unlinked
    # too: writing it goes on, and its space is freed when it is closed).
    junk = os.path.join(out_dir, "traces")
    os.makedirs(junk)
    stop = threading.Event()
    janitor = threading.Thread(target=sweep, args=(junk, stop), daemon=True)
    janitor.start()
    try:
        for i in range(1, pairs + 1):
            for side in ("off", "on"):
                side_env = dict(env, CORIO_TRACE=os.path.join(junk, "bench.ctrace")) if side == "on" else env
                run_benchmarks(binary, names, per_run, os.path.join(out_dir, f"{side}.{i}.json"),
                               os.path.join(out_dir, f"{side}.{i}.log"), side_env, progress,
                               f"trace on, pass {i}/{pairs} {'traced' if side == 'on' else 'untraced'}")
    finally:
        stop.set()
        janitor.join()
        shutil.rmtree(junk, ignore_errors=True)


def run_w7(root, progress):
    """tools/bench_w7.sh -> results/w7.json; its output goes to results/w7.log."""
    script = os.path.join(root, "tools", "bench_w7.sh")
    out_json = os.path.join(RESULTS, "w7.json")
    log_path = os.path.join(RESULTS, "w7.log")
    if os.path.exists(out_json):
        os.remove(out_json)
    progress.show("W7 http_hello: tools/bench_w7.sh (wrk against the servers)")
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(["bash", script], stdout=log, stderr=subprocess.STDOUT, cwd=root)
        t0 = time.monotonic()
        while proc.poll() is None:
            time.sleep(1)
            progress.tick()
            if time.monotonic() - t0 > 600:
                proc.kill()
                proc.wait()
                progress.done()
                raise Failure(f"tools/bench_w7.sh ran over 10 minutes; killed; see {log_path}")
    progress.done()
    if proc.returncode != 0:
        raise Failure(f"tools/bench_w7.sh failed (exit status {proc.returncode}); see {log_path}")
    if not os.path.exists(out_json):
        raise Failure(f"tools/bench_w7.sh wrote no {out_json}; see {log_path}")
    return out_json


def traced_step(build, trace_run, workers, env):
    """One small W6 run traced: prints corio-trace's summary and the paths.
    Returns a list of problems (empty when it all worked)."""
    tool = os.path.join(build, "tools", "corio-trace")
    if not os.access(tool, os.X_OK):
        return [f"traced run: {tool} is not built (no corio-trace target in tools/meson.build: "
                f"the trace tool has not landed), so there is no summary or Perfetto JSON"]
    tdir = os.path.join(RESULTS, "trace")
    os.makedirs(tdir, exist_ok=True)
    trace = os.path.join(tdir, "W6.ctrace")
    chrome = os.path.join(tdir, "W6.json")
    picture = os.path.join(tdir, "W6.svg")
    for p in (trace, chrome, picture):
        if os.path.exists(p):
            os.remove(p)
    say(f"\ntraced run: CORIO_TRACE={trace} {trace_run} W6 --workers {workers}")
    run = subprocess.run([trace_run, "W6", "--workers", str(workers)], capture_output=True, text=True,
                         env=dict(env, CORIO_TRACE=trace), timeout=300)
    if run.returncode != 0:
        return [f"traced run: corio-trace-run W6 failed (exit {run.returncode}): {run.stderr.strip()}"]
    if not os.path.exists(trace):
        return [f"traced run: the runtime wrote no {trace} with CORIO_TRACE set (recorder not in this build)"]
    problems = []
    print(f"\n## Trace of one W6 skynet run (100,000 leaves, {workers} workers): corio-trace summary\n",
          flush=True)
    summary = subprocess.run([tool, "summary", trace], text=True, capture_output=True, timeout=300)
    print(summary.stdout, end="", flush=True)
    if summary.returncode != 0:
        problems.append(f"corio-trace summary {trace} failed (exit {summary.returncode}): "
                        f"{summary.stderr.strip()}")
    for cmd, out in (("chrome", chrome), ("svg", picture)):
        r = subprocess.run([tool, cmd, trace, "-o", out], text=True, capture_output=True, timeout=300)
        if r.returncode != 0 or not os.path.exists(out):
            problems.append(f"corio-trace {cmd} {trace} -o {out} failed (exit {r.returncode}): "
                            f"{r.stderr.strip()}")
    size = os.path.getsize(trace)
    print(f"\ntrace file:    {os.path.abspath(trace)} ({size / 1e6:.1f} MB)")
    if os.path.exists(chrome):
        print(f"Perfetto JSON: {os.path.abspath(chrome)} (open it in https://ui.perfetto.dev)")
    if os.path.exists(picture):
        print(f"timeline SVG:  {os.path.abspath(picture)}")
    return problems


def main(argv):
    build, quick, user_filter, trace = "build/release", False, None, True
    it = iter(argv[1:])
    for a in it:
        if a == "--build":
            build = next(it, None)
        elif a == "--quick":
            quick = True
        elif a == "--filter":
            user_filter = next(it, None)
            if not user_filter:
                say("bench: --filter needs a REGEX")
                return 2
        elif a.startswith("--filter="):
            user_filter = a.split("=", 1)[1]
        elif a == "--no-trace":
            trace = False
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            say(f"bench: unknown option '{a}'\n{__doc__.strip()}")
            return 2
    if not build:
        say("bench: --build needs a directory")
        return 2

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    os.makedirs(RESULTS, exist_ok=True)
    binary = os.path.join(build, "benches", "corio-bench")
    trace_run = os.path.join(build, "benches", "corio-trace-run")
    for b in (binary, trace_run):
        if not os.access(b, os.X_OK):
            say(f"bench: {b} is not built (tools/bench.sh builds it: meson -Dbenches=true)")
            return 1
    env = dict(os.environ)
    env.pop("CORIO_TRACE", None)  # only the trace steps trace
    t0 = time.monotonic()
    progress = Progress()
    problems, notes = [], []

    regex = user_filter or DEFAULT_FILTER
    try:
        names = list_benchmarks(binary, regex, env)
    except Failure as err:
        say(f"bench: {err}")
        return 1
    if not names:
        say(f"bench: no benchmark of corio-bench matches '{regex}' "
            f"({binary} --benchmark_list_tests=true lists them)")
        return 1

    if quick:
        gb_args = ["--benchmark_repetitions=1", "--benchmark_min_time=0.05",
                   "--benchmark_min_warmup_time=0.02"]
    else:
        # The warm-up keeps first-touch costs (allocator pools, page faults)
        # out of the measured runs: oneTBB's first W1 iteration in a process
        # takes 15x its steady time.
        # 0.3 s per repetition: W5/W6 still run 5 to 10 iterations in each,
        # and the whole suite (W7's wrk runs take over a minute) stays within
        # 5 minutes on 2 cores.
        gb_args = ["--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true",
                   "--benchmark_min_time=0.3", "--benchmark_min_warmup_time=0.1"]
    load = os.getloadavg()[0]
    counts = sorted({int(m.group(1)) for n in names for m in [re.search(r"/workers:(\d+)", n)] if m})
    say(f"bench: {len(names)} benchmarks at workers {','.join(map(str, counts)) or '-'} "
        f"({'quick: 1 repetition' if quick else '5 repetitions, medians'}); "
        f"load average {load:.2f}" + (" (busy machine: expect noisy figures)" if load > 1.0 else ""))

    bench_json = os.path.join(RESULTS, "bench.json")
    try:
        run_benchmarks(binary, names, gb_args, bench_json, os.path.join(RESULTS, "bench.log"),
                       env, progress, "bench")
    except Failure as err:
        say(f"bench: {err}")
        return 1

    # Trace on: W1 and W5 at 1 worker and at the core count, run alternately
    # without and with CORIO_TRACE (one repetition per process, 5 pairs), so
    # that a burst of load on a shared machine hits both sides alike.
    trace_dir = None
    recorder = None
    cores = os.cpu_count() or 1
    if trace:
        try:
            recorder = recorder_works(trace_run, env, os.path.join(RESULTS, "probe.ctrace"))
        except (Failure, subprocess.TimeoutExpired) as err:
            problems.append(f"trace on: {err}")
        want = [n for n in names if n.split("/")[0] in TRACED_WORKLOADS and "/corio/" in n
                and re.search(rf"/workers:({1}|{cores})/", n)]
        if recorder is False:
            problems.append(f"trace: the runtime wrote no trace file with CORIO_TRACE set (the recorder "
                            f"is not in this build): no 'Trace on' rows, no traced run "
                            f"(CORIO_TRACE=FILE {trace_run} W6, then corio-trace summary FILE)")
        elif recorder and want:
            trace_dir = os.path.join(RESULTS, "trace_on")
            try:
                trace_on_pass(binary, want, quick, trace_dir, env, progress)
            except Failure as err:
                problems.append(f"trace on: {err}")
                trace_dir = None

    # W7: its own script (a server and wrk), only in full runs.
    w7_json = None
    w7_script = os.path.join("tools", "bench_w7.sh")
    if quick:
        notes.append("W7 http_hello: not run in --quick (tools/bench_w7.sh takes wrk's 10 s runs)")
    elif user_filter and not re.search(user_filter, "W7_http_hello"):
        pass
    elif not os.path.exists(w7_script):
        notes.append("W7 http_hello: tools/bench_w7.sh is not in this tree yet")
    else:
        try:
            w7_json = run_w7(root, progress)
        except Failure as err:
            problems.append(f"W7: {err}")
    if not any(n.startswith("W8_") for n in names) and not user_filter:
        notes.append("W8 timers: corio-bench has no W8_timers benchmark yet")

    # The table, CSV, JSON and the plot.
    try:
        res = bench_table.build(bench_json, trace_dir, w7_json)
    except (OSError, ValueError, KeyError, TypeError) as err:
        say(f"bench: cannot read the results: {err}")
        return 1
    rows = res.rows()
    if not rows:
        say(f"bench: no results in {bench_json}")
        return 1
    lines, met, total = bench_table.table_lines(res, rows, notes)
    print("\n".join(lines), flush=True)
    csv_path, json_path, svg_path = (os.path.join(RESULTS, f"scaling.{x}") for x in ("csv", "json", "svg"))
    bench_table.write_csv(csv_path, rows)
    bench_table.write_json(json_path, res, rows, met, total, notes)
    with open(json_path, encoding="utf-8") as f:
        doc = json.load(f)
    wrote = [csv_path, json_path]
    try:
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(bench_plot.svg(doc))
        wrote.append(svg_path)
    except ValueError as err:
        say(f"bench: no plot: {err}")
    print(f"\nwrote {', '.join(wrote)}", flush=True)

    if trace:
        if recorder:
            problems += traced_step(build, trace_run, cores, env)

    say(f"\nbench: done in {clock(time.monotonic() - t0)}")
    if res.errors:
        say("bench: some benchmarks failed (ERROR rows above)")
    for p in problems:
        say(f"bench: {p}")
    return 1 if res.errors or problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        say("\nbench: interrupted")
        sys.exit(130)
