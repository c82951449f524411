#!/usr/bin/env python3
"""Formats one bench/run.sh row from `pare build --report` JSON and the measured numbers.

  report.py REPORT NAME ORIG_BYTES SLIM_BYTES SLIM_ENTRIES WALL_S PEAK_RSS_KB CHECK BASELINE_S
      prints the sample's row of the table
  report.py --header
      prints the table's header
"""
import json
import sys

PHASES = ["read", "unpack", "run", "probes", "minify", "write", "verify"]
# The time the application itself was running: pare build's "run" phase (it includes the probes), and
# --verify's two untraced runs (of the original and of the slim image), shown in a column of their own.
APP_PHASES = ["run", "verify"]


def find_phases(node):
    """The report's per-phase times in seconds: the first object holding two or more phase names."""
    if isinstance(node, dict):
        hits = [k for k in node if k.split("_")[0] in PHASES and isinstance(node[k], (int, float))]
        if len(hits) >= 2:
            out = {}
            for k in hits:
                v = float(node[k])
                out[k.split("_")[0]] = v / 1000 if k.endswith("_ms") else v
            return out
        for v in node.values():
            found = find_phases(v)
            if found:
                return found
    elif isinstance(node, list):
        for v in node:
            found = find_phases(v)
            if found:
                return found
    return None


def mb(n):
    return f"{n / 1e6:.1f} MB"


def main(argv):
    if argv[1:] == ["--header"]:
        print("| sample | original | slim | ratio | files kept | " + " | ".join(p + " (s)" for p in PHASES) +
              " | pare build (s) | pare peak RSS | baseline (s) | overhead / baseline | slim check |")
        print("|---|---:|---:|---:|---:|" + "---:|" * len(PHASES) + "---:|---:|---:|---:|:---:|")
        return
    report, name, ob, sb, se, wall, rss, check, base = argv[1:]
    ob, sb, se, wall, rss, base = int(ob), int(sb), int(se), float(wall), int(rss), float(base)
    try:
        with open(report) as f:
            rep = json.load(f)
    except (OSError, ValueError):
        rep = {}
    phases = find_phases(rep.get("phases", rep)) or {}
    kept = rep.get("totals", {}).get("kept_files")
    if isinstance(kept, int):
        se = kept
    cells = [f"{phases[p]:.2f}" if p in phases else "-" for p in PHASES]
    rss_cell = f"{rss / 1024:.0f} MB" if rss else "-"
    # pare build's time beyond the application's own run, against the physical work's baseline
    if any(p in phases for p in APP_PHASES) and base > 0:
        beyond = wall - sum(phases.get(p, 0.0) for p in APP_PHASES)
        overhead = f"{beyond / base:.2f}x"
    else:
        overhead = "-"
    print(f"| {name} | {mb(ob)} | {mb(sb)} | {ob / sb:.1f}x | {se} | " + " | ".join(cells) +
          f" | {wall:.1f} | {rss_cell} | {base:.1f} | {overhead} | {check} |")


if __name__ == "__main__":
    main(sys.argv)
