#!/usr/bin/env bash
# perf/micro.sh  -- the in-memory micro-benchmarks: BenchmarkDotNet (perf/SlimCap.Reactive.Benchmarks,
# Release, in-process, memory diagnoser) pinned to CPU 0, between two runs of the C walk of the same
# ring image (perf/baseline/ringwalk.c); prints per-packet medians and the ratio to the C walk.
#   FILTER ('*') selects benchmarks (BenchmarkDotNet --filter); built by `perf/capture.sh build`.
set -euo pipefail
P="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export BENCH_OUT="${BENCH_OUT:-/tmp/slimcap-bench}"
OUTD="$BENCH_OUT/results/micro-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$OUTD"
[[ -x "$P/out/ringwalk" && -f "$P/out/bench/SlimCap.Reactive.Benchmarks.dll" ]] || { echo "micro.sh: run perf/capture.sh build first" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
taskset -c 0 "$P/out/ringwalk" 50000000 5 >"$OUTD/ringwalk-before.txt"
(cd "$OUTD" && taskset -c 0 dotnet "$P/out/bench/SlimCap.Reactive.Benchmarks.dll" --filter "${FILTER:-*}" \
  --artifacts "$OUTD/bdn" >"$OUTD/bdn.log" 2>&1) || { echo "micro.sh: BenchmarkDotNet failed, see $OUTD/bdn.log" >&2; tail -20 "$OUTD/bdn.log" >&2; exit 1; }
taskset -c 0 "$P/out/ringwalk" 50000000 5 >"$OUTD/ringwalk-after.txt"
python3 - "$OUTD" <<'PY'
import csv, glob, os, re, statistics, sys
d = sys.argv[1]
walk = []
for f in ("ringwalk-before.txt", "ringwalk-after.txt"):
    for l in open(os.path.join(d, f)):
        m = re.search(r"^pass \d+ .*ns_per_pkt=([0-9.]+)", l)
        if m: walk.append(float(m.group(1)))
c = statistics.median(walk)
def ns(v):
    v = v.replace(",", "").strip()
    m = re.match(r"([0-9.]+)\s*(ns|us|μs|ms|s)$", v)
    if not m: return None
    x = float(m.group(1)); return x * {"ns": 1, "us": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}[m.group(2)]
print(f"## micro-benchmarks ({d}); C walk of the same image: median {c:.2f} ns/packet over {len(walk)} passes (min {min(walk):.2f})")
print("| benchmark | median ns/packet (min-max) | x C walk | allocated per packet |")
print("|---|---|---|---|")
for f in sorted(glob.glob(os.path.join(d, "bdn", "results", "*-report.csv"))):
    cls = os.path.basename(f).split("-report")[0].split(".")[-1]
    for r in csv.DictReader(open(f)):
        med = ns(r["Median"])
        if med is None: continue
        print(f"| {cls}.{r['Method']} | {med:.2f} ({ns(r['Min']):.2f}-{ns(r['Max']):.2f}) | {med / c:.1f} | {r.get('Allocated', '?')} |")
PY
