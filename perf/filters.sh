#!/usr/bin/env bash
# perf/filters.sh [build|run|all]  -- the filter benchmark (issue 14, "Speed"): per-record CPU of a pcap-filter
# expression's program over the corpus records in memory (the 253 Ethernet files of tests/data/filters, 3,570
# records, COPIES 1 (2 MB, in the cache) and 64 (130 MB, past it)), ours (the IL-compiled delegate and the
# interpreter; BenchmarkDotNet in the benchmarks' `filters` mode, timed in thread CPU time) against libpcap's
# pcap_offline_filter on the same records (perf/baseline/pcapfilter.c, process CPU time); and compile time of
# the whole valid expression set (114) beside pcap_compile's. Default runtime settings (tiered JIT on).
#   build   the C baseline (gcc -lpcap; libpcap-dev from apt unless NO_APT=1) and the benchmarks (Release, perf/out/bench)
#   run     C passes, BenchmarkDotNet, C passes again, all pinned to CPU 0; prints the table (markdown)
#   sweep   the same over every valid expression (114), in the cache only, on a short schedule (C_PASSES 7;
#           BenchmarkDotNet 2 warm-up + 5 iterations of 100 ms): the "every expression" check, noisier per row
# Knobs: PERF_FILTER_IDS (the representative set of FilterData.cs; "all" = every valid expression),
# C_PASSES (21 per expression and set size, before and after), BENCH_OUT (/tmp/slimcap-bench).
set -euo pipefail
P="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$P")"
export BENCH_OUT="${BENCH_OUT:-/tmp/slimcap-bench}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step_build() {
  if [[ ! -f /usr/include/pcap/pcap.h && "${NO_APT:-0}" != 1 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev libpcap-dev >/dev/null
  fi
  mkdir -p "$P/out"
  gcc -O2 -Wall -Wextra -o "$P/out/pcapfilter" "$P/baseline/pcapfilter.c" -lpcap
  dotnet build "$P/SlimCap.Reactive.Benchmarks/SlimCap.Reactive.Benchmarks.csproj" -c Release -o "$P/out/bench" -nologo -v quiet
}

step_run() {
  local sweep="${1:-0}"
  [[ -x "$P/out/pcapfilter" && -f "$P/out/bench/SlimCap.Reactive.Benchmarks.dll" ]] || { echo "filters.sh: run 'perf/filters.sh build' first" >&2; exit 2; }
  local d="$BENCH_OUT/results/filters-$(date +%Y%m%d-%H%M%S)" ids
  [[ $sweep == 1 ]] && export PERF_FILTER_IDS=all C_PASSES="${C_PASSES:-7}" PERF_FILTER_WARMUPS=2 PERF_FILTER_ITERATIONS=5 PERF_FILTER_ITERATION_MS=100
  read -r -a ids <<<"$(dotnet "$P/out/bench/SlimCap.Reactive.Benchmarks.dll" filters ids)"   # FilterData.SelectedIds()
  local sizes="1 64"; [[ $sweep == 1 ]] && sizes=1
  mkdir -p "$d"
  c_passes() { for n in $sizes; do taskset -c 0 "$P/out/pcapfilter" "$ROOT" "$n" "${C_PASSES:-21}" "${ids[@]}"; done; }
  c_passes >"$d/libpcap-before.txt"
  # Both set sizes for the compiled delegate, the cached one for the interpreter (past the cache both are the miss).
  bdn() { (cd "$d" && PERF_FILTER_COPIES="$1" taskset -c 0 dotnet "$P/out/bench/SlimCap.Reactive.Benchmarks.dll" filters --filter "$2" --artifacts "$d/bdn-$3" >"$d/bdn-$3.log" 2>&1) \
    || { echo "filters.sh: BenchmarkDotNet failed, see $d/bdn-$3.log" >&2; tail -20 "$d/bdn-$3.log" >&2; exit 1; }; }
  bdn 1 '*FilterBenchmarks*' cached
  if [[ $sweep != 1 ]]; then
    bdn 64 '*FilterBenchmarks.Compiled*' large
    bdn 1 '*FilterCompileBenchmarks*' compile
  fi
  c_passes >"$d/libpcap-after.txt"
  python3 - "$d" <<'PY' | tee "$d/FILTER-TABLE.md"
import csv, glob, os, re, statistics, sys
d = sys.argv[1]
def kv(line): return dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)
c, c_kept, c_ins, c_compile = {}, {}, {}, []
for f in ("libpcap-before.txt", "libpcap-after.txt"):
    for l in open(os.path.join(d, f)):
        r = kv(l)
        if l.startswith("filter "):
            key = (r["id"], int(r["copies"]))
            c.setdefault(key, []).append(float(r["cpu_ns_per_record"]))
            c_kept[key] = int(r["kept"]); c_ins[key[0]] = int(r["instructions"])
        elif l.startswith("compile "):
            c_compile.append(float(r["cpu_us_per_set"]))
ours_kept, ours_ins = {}, {}
for f in glob.glob(os.path.join(d, "bdn-*.log")):
    for l in open(f):
        if l.startswith("// kept "):
            r = kv(l[3:]); ours_kept[(r["id"], int(r["copies"]))] = int(r["kept"]); ours_ins[r["id"]] = int(r["instructions"])
def ns(v):
    m = re.match(r"([0-9.]+)\s*(ns|us|μs|ms|s)$", v.replace(",", "").strip())
    return float(m.group(1)) * {"ns": 1, "us": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}[m.group(2)] if m else None
bdn = {}
for f in glob.glob(os.path.join(d, "bdn-*", "results", "*-report.csv")):
    for r in csv.DictReader(open(f)):
        key = (r["Method"], r.get("Id", ""), int(r["Copies"]) if r.get("Copies") else 0)
        bdn[key] = (ns(r["Median"]), ns(r["Min"]), ns(r["Max"]), r.get("Allocated", "?"))
ids = sorted({k[0] for k in c}, key=lambda i: (i.split("-")[0], i))
print(f"## filter benchmark ({d})\n")
print("CPU ns per record: ours = BenchmarkDotNet median (thread CPU time); libpcap = median of its passes before and after (process CPU time)\n")
print("| id | instructions ours / libpcap | kept (per corpus copy) | libpcap ns | compiled ns | x libpcap | interpreter ns | x libpcap | libpcap ns (130 MB) | compiled ns (130 MB) | x libpcap |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
ratios, ratios_large, bad = [], [], []
for i in ids:
    lc = statistics.median(c[(i, 1)]); ll = statistics.median(c[(i, 64)]) if (i, 64) in c else None
    comp = bdn.get(("Compiled", i, 1)); interp = bdn.get(("Interpreted", i, 1)); large = bdn.get(("Compiled", i, 64))
    # Every set size either side ran must keep the same records per corpus copy.
    pairs = [(ours_kept[k], c_kept[k]) for k in c_kept if k[0] == i and k in ours_kept]
    agree = bool(pairs) and all(o == l for o, l in pairs)
    kept = f"{pairs[0][1]}" if agree else f"**ours {[o for o, _ in pairs]} != libpcap {[l for _, l in pairs]}**"
    if not agree: bad.append(i)
    cell = lambda b, base: (f"{b[0]:.2f}", f"{b[0] / base:.2f}") if b and base else ("-", "-")
    cc, cr = cell(comp, lc); ic, ir = cell(interp, lc); gc, gr = cell(large, ll)
    if comp: ratios.append(comp[0] / lc)
    if large and ll: ratios_large.append(large[0] / ll)
    print(f"| {i} | {ours_ins.get(i, '?')} / {c_ins[i]} | {kept} | {lc:.2f} | {cc} | {cr} | {ic} | {ir} | {'-' if ll is None else f'{ll:.2f}'} | {gc} | {gr} |")
if ratios:
    print(f"\ncompiled / libpcap, in the cache: median {statistics.median(ratios):.2f}, worst {max(ratios):.2f} over {len(ratios)} expressions"
          + (f"; 130 MB: median {statistics.median(ratios_large):.2f}, worst {max(ratios_large):.2f}" if ratios_large else ""))
if bad: print(f"\n**verdicts differ for {', '.join(bad)}**")
print("\n| compile the 114 valid expressions | CPU median |\n|---|---|")
if c_compile: print(f"| libpcap pcap_compile (optimize 1) | {statistics.median(c_compile) / 1000:.2f} ms |")
for m in ("ExpressionSet", "ExpressionSetToDelegate"):
    b = bdn.get((m, "", 0))
    if b: print(f"| ours {m} | {b[0] / 1e6:.2f} ms (allocated {b[3]}) |")
PY
}

steps=("$@"); [[ ${#steps[@]} -eq 0 ]] && steps=(all)
for s in "${steps[@]}"; do
  case "$s" in
    build) step_build ;;
    run) step_run ;;
    sweep) step_run 1 ;;
    all) step_build; step_run ;;
    *) echo "filters.sh: unknown step '$s'" >&2; exit 2 ;;
  esac
done
