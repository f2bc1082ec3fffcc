#!/usr/bin/env bash
# perf/micro.sh  -- the in-memory micro-benchmarks: BenchmarkDotNet (perf/SlimCap.Reactive.Benchmarks,
# Release, in-process, memory diagnoser) pinned to CPU 0, between two runs of the C walk of the same
# ring image (perf/baseline/ringwalk.c); the file benchmarks against libpcap's pcap_next_ex over the same
# pcap bytes in memory (perf/baseline/pcapread.c, MEM=1); prints per-packet medians and the ratios.
#   FILTER ('*') selects benchmarks (BenchmarkDotNet --filter); built by `perf/capture.sh build`.
set -euo pipefail
P="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export BENCH_OUT="${BENCH_OUT:-/tmp/slimcap-bench}"
OUTD="$BENCH_OUT/results/micro-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$OUTD"
[[ -x "$P/out/ringwalk" && -f "$P/out/bench/SlimCap.Reactive.Benchmarks.dll" ]] || { echo "micro.sh: run perf/capture.sh build first" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
taskset -c 0 "$P/out/ringwalk" 50000000 5 >"$OUTD/ringwalk-before.txt"
(cd "$OUTD" && PERF_PCAP_OUT="$OUTD/memory.pcap" taskset -c 0 dotnet "$P/out/bench/SlimCap.Reactive.Benchmarks.dll" --filter "${FILTER:-*}" \
  --artifacts "$OUTD/bdn" >"$OUTD/bdn.log" 2>&1) || { echo "micro.sh: BenchmarkDotNet failed, see $OUTD/bdn.log" >&2; tail -20 "$OUTD/bdn.log" >&2; exit 1; }
taskset -c 0 "$P/out/ringwalk" 50000000 5 >"$OUTD/ringwalk-after.txt"
if [[ -s "$OUTD/memory.pcap" ]]; then MEM=1 taskset -c 0 "$P/out/pcapread" "$OUTD/memory.pcap" 7 >"$OUTD/pcapread-mem.txt"; rm -f "$OUTD/memory.pcap"; fi
python3 - "$OUTD" <<'PY'
import csv, glob, os, re, statistics, sys
d = sys.argv[1]
walk = []
for f in ("ringwalk-before.txt", "ringwalk-after.txt"):
    for l in open(os.path.join(d, f)):
        m = re.search(r"^pass \d+ .*ns_per_pkt=([0-9.]+)", l)
        if m: walk.append(float(m.group(1)))
c = statistics.median(walk)
pc = []
pf = os.path.join(d, "pcapread-mem.txt")
if os.path.exists(pf):
    for l in open(pf):
        m = re.search(r"^pass \d+ .*cpu_ns_per_record=([0-9.]+)", l)
        if m: pc.append(float(m.group(1)))
lp = statistics.median(pc) if pc else None
def ns(v):
    v = v.replace(",", "").strip()
    m = re.match(r"([0-9.]+)\s*(ns|us|μs|ms|s)$", v)
    if not m: return None
    x = float(m.group(1)); return x * {"ns": 1, "us": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}[m.group(2)]
print(f"## micro-benchmarks ({d})")
print(f"C walk of the same ring image (ringwalk.c): median {c:.2f} ns/packet over {len(walk)} passes (min {min(walk):.2f})")
if lp: print(f"libpcap pcap_next_ex over the same pcap bytes in memory (pcapread.c MEM=1): median {lp:.2f} ns/record over {len(pc)} passes (min {min(pc):.2f})")
print("")
print("| benchmark | median ns/packet (min-max) | C baseline | x C | allocated per packet |")
print("|---|---|---|---|---|")
for f in sorted(glob.glob(os.path.join(d, "bdn", "results", "*-report.csv"))):
    cls = os.path.basename(f).split("-report")[0].split(".")[-1]
    for r in csv.DictReader(open(f)):
        med = ns(r["Median"])
        if med is None: continue
        cls = r.get("Type") or cls
        base, bname = (lp, "libpcap (mem)") if cls.startswith("File") and lp else (c, "C ring walk")
        print(f"| {cls}.{r['Method']} | {med:.2f} ({ns(r['Min']):.2f}-{ns(r['Max']):.2f}) | {bname} {base:.2f} | {med / base:.1f} | {r.get('Allocated', '?')} |")
PY
