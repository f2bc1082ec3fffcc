#!/usr/bin/env bash
# perf/files.sh  -- the file-read benchmark: a >= 100 MB pcap of the generator's traffic (2,000,000
# 64-byte frames recorded by tcpdump -w inside the referee's namespaces at 250k pps, 160 MB), read from
# the page cache by libpcap's pcap_next_ex loop (perf/baseline/pcapread.c), SharpPcap's file reader
# (perf/peers/SharpPcapRead) and our CaptureFileSource through each surface (perf/capture read MODE).
# ROUNDS (3) interleaved rounds x PASSES (3) passes each, pinned to CPU 0; every reader touches each
# record's captured length and first byte. .NET readers run with DOTNET_TieredCompilation=0 and one
# discarded warm-up pass. Prints median CPU ns/record, records/s (wall), ratio to libpcap, allocation.
set -euo pipefail
P="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="${BENCH:-$(cd "$P/../../shared/bench" 2>/dev/null && pwd || echo /work/shared/bench)}"
export BENCH_OUT="${BENCH_OUT:-/tmp/slimcap-bench}"
FILE="${PCAP_FILE:-$BENCH_OUT/files/gen-2M.pcap}"
ROUNDS="${ROUNDS:-3}" PASSES="${PASSES:-3}"
FMODES="${FILE_MODES:-callback buffer blocks async operators dataflow leases}"
OUTD="$BENCH_OUT/results/files-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$OUTD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [[ ! -s "$FILE" || $(stat -c %s "$FILE") -lt 100000000 ]]; then
  mkdir -p "$(dirname "$FILE")"
  PCAP_OUT="$FILE" bash "$BENCH/run.sh" "$P/baseline/tcpdump-capturer.sh" 2000000 64 250000 | tail -2
fi
ls -l "$FILE" | tee "$OUTD/FILE"
cat "$FILE" >/dev/null   # into the page cache
for r in $(seq "$ROUNDS"); do
  taskset -c 0 "$P/out/pcapread" "$FILE" "$PASSES" >"$OUTD/libpcap_r$r.txt"
  DOTNET_TieredCompilation=0 taskset -c 0 "$P/out/sharppcapread/SharpPcapRead" "$FILE" "$PASSES" >"$OUTD/sharppcap_r$r.txt"
  for m in $FMODES; do
    DOTNET_TieredCompilation=0 taskset -c 0 "$P/capture" read "$m" "$FILE" "$PASSES" >"$OUTD/slimcap-$m""_r$r.txt"
  done
  echo "round $r/$ROUNDS done" >&2
done
python3 - "$OUTD" <<'PY'
import os, re, statistics, sys
d = sys.argv[1]
rows = {}
for fn in sorted(os.listdir(d)):
    m = re.match(r"(.+)_r(\d+)\.txt$", fn)
    if not m: continue
    for l in open(os.path.join(d, fn)):
        if not l.startswith("pass "): continue
        kv = dict(x.split("=", 1) for x in l.split()[2:] if "=" in x)
        rows.setdefault(m.group(1), []).append(kv)
def med(rs, k): 
    v = [float(r[k]) for r in rs if k in r]
    return statistics.median(v) if v else None
base = med(rows.get("libpcap", []), "cpu_ns_per_record")
print(f"## file read ({d}): {open(os.path.join(d, 'FILE')).read().split()[4]} bytes")
print("| reader | passes | CPU ns/record median (min-max) | x libpcap | records/s (wall, median) | alloc B/record |")
print("|---|---|---|---|---|---|")
order = ["libpcap", "sharppcap"] + sorted(k for k in rows if k.startswith("slimcap"))
for k in order:
    rs = rows.get(k)
    if not rs: continue
    ns = sorted(float(r["cpu_ns_per_record"]) for r in rs)
    a = med(rs, "alloc_bytes_per_record")
    print(f"| {k} | {len(rs)} | {statistics.median(ns):.1f} ({ns[0]:.1f}-{ns[-1]:.1f}) | {statistics.median(ns) / base:.2f} | "
          f"{med(rs, 'records_per_s') / 1e6:.2f} M | {'-' if a is None else f'{a:.4f}'} |")
PY
