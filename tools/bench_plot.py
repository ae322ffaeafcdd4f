#!/usr/bin/env python3
"""Draw the scaling plot as SVG: corio's speedup over its own 1-worker run
against the number of workers, one line per workload, with the ideal line
(linear up to the core count, flat beyond: more workers than cores cannot
add speed) and the oversubscribed counts shaded and drawn with open markers.
Standard library only: the SVG is written by hand.

usage: tools/bench_plot.py results/scaling.json -o results/scaling.svg

The input is tools/bench_table.py's --json output (its "speedup" series).
"""

import json
import math
import sys
from xml.sax.saxutils import escape

# Matplotlib's tab10, readable on white and to most colour-blind readers.
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
W, H = 900, 540
LEFT, RIGHT, TOP, BOTTOM = 70, 600, 70, 470  # the plot area
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


def nice_step(span):
    """A grid step of 1, 2 or 5 x 10^k giving 4 to 10 lines over span."""
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50):
        if span / step <= 10:
            return step
    return 10 ** math.ceil(math.log10(span))


def svg(doc):
    series = doc.get("speedup", {})
    if not series:
        raise ValueError("no speedup series (need corio at 1 worker and at least one more count)")
    cores = int(doc.get("cores") or 1)
    counts = sorted({n for pts in series.values() for n, _ in pts} | {1, cores})
    xmax = max(counts)
    ymax_data = max([s for pts in series.values() for _, s in pts] + [cores])
    # Head room above the highest point for the shaded region's label.
    step = nice_step(ymax_data * 1.25)
    ymax = step * math.ceil(ymax_data * 1.25 / step)

    def x(n):  # log2 axis, with a margin either side
        lo, hi = math.log2(1) - 0.15, math.log2(xmax) + 0.15
        return LEFT + (math.log2(n) - lo) / (hi - lo) * (RIGHT - LEFT)

    def y(s):
        return BOTTOM - s / ymax * (BOTTOM - TOP)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" {FONT} font-size="13">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    load = doc.get("load_avg") or []
    title = "corio scaling: speedup over 1 worker (medians)"
    reps = doc.get("repetitions", "?")
    sub = (f"{(doc.get('date') or '?')[:10]}, {doc.get('num_cpus', '?')} CPUs, "
           f"{reps} repetition{'' if reps == 1 else 's'}, load average "
           f"{f'{load[0]:.2f}' if load else '?'} at start")
    out.append(f'<text x="{LEFT}" y="28" font-size="17" font-weight="bold">{escape(title)}</text>')
    out.append(f'<text x="{LEFT}" y="48" fill="#555">{escape(sub)}</text>')

    # Oversubscribed region: more workers than cores.
    if xmax > cores:
        x0 = (x(cores) + x(min(n for n in counts if n > cores))) / 2
        out.append(f'<rect x="{x0:.1f}" y="{TOP}" width="{RIGHT - x0:.1f}" height="{BOTTOM - TOP}" fill="#f1f1f1"/>')
        out.append(f'<text x="{(x0 + RIGHT) / 2:.1f}" y="{TOP + 16}" text-anchor="middle" fill="#666">'
                   f'oversubscribed</text>')
        out.append(f'<text x="{(x0 + RIGHT) / 2:.1f}" y="{TOP + 31}" text-anchor="middle" fill="#666">'
                   f'(more workers than {cores} cores)</text>')

    # Grid and axes.
    v = 0.0
    while v <= ymax + 1e-9:
        out.append(f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{RIGHT}" y2="{y(v):.1f}" '
                   f'stroke="{"#999" if v == 1 else "#e0e0e0"}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
        v += step
    for n in counts:
        out.append(f'<line x1="{x(n):.1f}" y1="{TOP}" x2="{x(n):.1f}" y2="{BOTTOM}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{x(n):.1f}" y="{BOTTOM + 18}" text-anchor="middle">{n}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{RIGHT - LEFT}" height="{BOTTOM - TOP}" '
               f'fill="none" stroke="#333"/>')
    out.append(f'<text x="{(LEFT + RIGHT) / 2}" y="{BOTTOM + 40}" text-anchor="middle">'
               f'workers (log scale)</text>')
    out.append(f'<text transform="translate({LEFT - 45},{(TOP + BOTTOM) / 2}) rotate(-90)" '
               f'text-anchor="middle">speedup over 1 worker (higher is better)</text>')

    # Ideal: linear up to the core count, then flat.
    ideal = [(1, 1), (cores, cores)] + ([(xmax, cores)] if xmax > cores else [])
    pts = " ".join(f"{x(n):.1f},{y(s):.1f}" for n, s in ideal)
    out.append(f'<polyline points="{pts}" fill="none" stroke="#222" stroke-width="1.5" stroke-dasharray="6,4"/>')

    # One line per workload; filled circles up to the cores, open squares beyond.
    legend_y = TOP + 6
    lx = RIGHT + 25
    out.append(f'<line x1="{lx}" y1="{legend_y}" x2="{lx + 24}" y2="{legend_y}" stroke="#222" '
               f'stroke-width="1.5" stroke-dasharray="6,4"/>')
    out.append(f'<text x="{lx + 32}" y="{legend_y + 4}">ideal (linear up to {cores} cores)</text>')
    legend_y += 22
    for i, (name, points) in enumerate(series.items()):
        c = COLOURS[i % len(COLOURS)]
        pts = " ".join(f"{x(n):.1f},{y(s):.1f}" for n, s in points)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        for n, s in points:
            if n > cores:
                out.append(f'<rect x="{x(n) - 5:.1f}" y="{y(s) - 5:.1f}" width="10" height="10" '
                           f'fill="white" stroke="{c}" stroke-width="2"/>')
            else:
                out.append(f'<circle cx="{x(n):.1f}" cy="{y(s):.1f}" r="4.5" fill="{c}"/>')
        at = ", ".join(f"{s:.2f}x@{n}" for n, s in points if n != 1)
        out.append(f'<line x1="{lx}" y1="{legend_y}" x2="{lx + 24}" y2="{legend_y}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<circle cx="{lx + 12}" cy="{legend_y}" r="4.5" fill="{c}"/>')
        out.append(f'<text x="{lx + 32}" y="{legend_y + 4}">{escape(name)}</text>')
        out.append(f'<text x="{lx + 32}" y="{legend_y + 19}" font-size="11" fill="#555">{escape(at)}</text>')
        legend_y += 38
    out.append(f'<rect x="{lx + 7}" y="{legend_y - 5}" width="10" height="10" fill="white" '
               f'stroke="#555" stroke-width="2"/>')
    out.append(f'<text x="{lx + 32}" y="{legend_y + 4}">oversubscribed point</text>')
    note = "speedup = time at 1 worker / time at n workers, per workload (corio only)"
    out.append(f'<text x="{LEFT}" y="{H - 12}" font-size="11" fill="#555">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 4 or argv[2] != "-o":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            doc = json.load(f)
        text = svg(doc)
        with open(argv[3], "w", encoding="utf-8") as f:
            f.write(text)
    except (OSError, ValueError, KeyError, TypeError) as err:
        print(f"bench_plot.py: cannot draw {argv[3]} from {argv[1]}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
