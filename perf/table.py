#!/usr/bin/env python3
"""perf/table.py DIR...  -- the performance suite's table from the referee's raw run files
(shared/bench/matrix.sh output: NAME_ppsRATE_repN.txt). Per capturer and offered rate: median CPU
ns/packet, the median of per-round ratios to the C floor (ringcount, same rep and rate), the ratio
of SharpPcap's median to this one (how many times cheaper), loss (harness count, max over runs),
kernel drops (max), and allocated bytes per packet (median, 4 decimals)."""
import os
import re
import statistics
import sys


def kv(line):
    return dict(m.groups() for m in re.finditer(r"(\w+)=(\S+)", line))


def load(path):
    with open(path) as f:
        lines = [l.strip() for l in f if l.strip()]
    rec = {}
    for l in lines:
        tag = l.split(" ", 1)[0]
        if tag in ("gen", "rxif", "summary"):
            rec[tag] = kv(l)
    if not lines or "summary" not in rec:
        return None
    rec["cap"] = kv(lines[-1])
    return rec if "cpu_ns_per_pkt" in rec["cap"] else None


def load_runs(dirs):
    """(name, rate) -> the loaded runs (each with its "round": dir, rate, rep), in the order the files first name them."""
    runs = {}
    for d in dirs:
        for fn in sorted(os.listdir(d)):
            m = re.match(r"(.+)_pps(\d+)_rep(\d+)\.txt$", fn)
            if not m:
                continue
            rs = runs.setdefault((m.group(1), int(m.group(2))), [])
            r = load(os.path.join(d, fn))
            if r:
                r["round"] = (d, int(m.group(2)), int(m.group(3)))
                rs.append(r)
    return runs


def main(dirs, sharp="SharpPcap"):
    runs = load_runs(dirs)
    order = list(runs)
    floor = {r["round"]: float(r["cap"]["cpu_ns_per_pkt"]) for (n, _), rs in runs.items() if n == "ringcount" for r in rs}
    med = {k: statistics.median(float(r["cap"]["cpu_ns_per_pkt"]) for r in rs) for k, rs in runs.items() if rs}
    print("| capturer | offered | runs | CPU ns/pkt median (min-max) | x C floor | x cheaper than SharpPcap | lost % max | kernel drops max | alloc B/pkt |")
    print("|---|---|---|---|---|---|---|---|---|")
    order.sort(key=lambda k: (k[1] != 0, k[1]))
    for key in order:
        rs = runs[key]
        name, rate = key
        offered = "full" if rate == 0 else f"{rate / 1e3:.0f}k pps"
        if not rs:
            print(f"| {name} | {offered} | 0 | (no result) | | | | | |")
            continue
        ns = sorted(float(r["cap"]["cpu_ns_per_pkt"]) for r in rs)
        ratios = [float(r["cap"]["cpu_ns_per_pkt"]) / floor[r["round"]] for r in rs if r["round"] in floor]
        xf = f"{statistics.median(ratios):.2f}" if ratios else "-"
        sp = med.get((sharp, rate))
        xs = f"{sp / med[key]:.1f}" if sp else "-"
        lost = max(float(r["summary"]["lost_pct"]) for r in rs)
        drops = max(int(r["cap"].get("kernel_dropped", "0")) if r["cap"].get("kernel_dropped", "?").isdigit() else 0 for r in rs)
        alloc = [float(r["cap"]["alloc_bytes_per_pkt"]) for r in rs if "alloc_bytes_per_pkt" in r["cap"]]
        al = f"{statistics.median(alloc):.4f}" if alloc else "-"
        print(f"| {name} | {offered} | {len(rs)} | {med[key]:.1f} ({ns[0]:.1f}-{ns[-1]:.1f}) | {xf} | {xs} | {lost:.2f} | {drops} | {al} |")


if __name__ == "__main__":
    args = sys.argv[1:]
    sharp = "SharpPcap"
    if args and args[0].startswith("--sharp="):
        sharp = args.pop(0).split("=", 1)[1]
    main(args or ["."], sharp)
