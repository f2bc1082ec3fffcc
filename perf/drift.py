#!/usr/bin/env python3
"""perf/drift.py [--limit-pct P] DIR...  -- the tiering drift check of issue 12 over a matrix's raw run files.

For every surface that has a diagnostic row NAME-tc0 (the same capturer with DOTNET_TieredCompilation=0) beside its
default-runtime row NAME, and for each offered rate: the median over rounds of (NAME / NAME-tc0) CPU ns per packet,
each ratio taken within one round (the same rep and rate, so the host's slow and fast phases cancel). Exits 1 when a
default-runtime surface costs more than P % (15) above its TieredCompilation=0 figure: the hot paths are then not
reaching fully optimised code within a run as a user's process runs it."""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from table import load_runs  # noqa: E402  (the same raw-file reader as the table)


def rounds(dirs):
    """(name, rate) -> {(dir, rep): cpu ns per packet}."""
    return {key: {(r["round"][0], r["round"][2]): float(r["cap"]["cpu_ns_per_pkt"]) for r in rs}
            for key, rs in load_runs(dirs).items()}


def main(argv):
    limit = 15.0
    if len(argv) >= 2 and argv[0] == "--limit-pct":
        limit = float(argv[1])
        argv = argv[2:]
    runs = rounds(argv or ["."])
    failed = checked = 0
    print(f"| surface | offered | rounds | default / TieredCompilation=0 (median of per-round ratios) | verdict (limit +{limit:g} %) |")
    print("|---|---|---|---|---|")
    for (name, rate), tc0 in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if not name.endswith("-tc0"):
            continue
        default = runs.get((name[:-4], rate), {})
        pairs = [default[k] / tc0[k] for k in tc0 if k in default and tc0[k] > 0]
        offered = "full" if rate == 0 else f"{rate / 1e3:.0f}k pps"
        if not pairs:
            print(f"| {name[:-4]} | {offered} | 0 | (no pair of runs) | - |")
            continue
        ratio = statistics.median(pairs)
        ok = ratio <= 1 + limit / 100
        checked += 1
        failed += not ok
        print(f"| {name[:-4]} | {offered} | {len(pairs)} | {ratio:.2f} ({min(pairs):.2f}-{max(pairs):.2f}) | {'ok' if ok else 'DRIFT'} |")
    if checked == 0:
        print("drift: no NAME / NAME-tc0 pairs in these results", file=sys.stderr)
        return 2
    print(f"drift: {checked - failed} of {checked} within +{limit:g} %")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
