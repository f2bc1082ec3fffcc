#!/usr/bin/env bash
# perf/capture.sh [STEP...]  -- the performance suite of issue 5, end to end. Needs root (netns, AF_PACKET).
#   build            the referee (shared/bench/build.sh: apt + gen, ringcount, pcapcount, SharpPcapCount),
#                    the capturer (Release, perf/out/capturer), the benchmarks (Release), the C baselines;
#                    slimcap (Go) too when SLIMCAP and GOTOOLS name its source trees (shared/bench/README.md)
#   matrix [REPS]    every mode and peer on the same traffic, interleaved (shared/bench/matrix.sh):
#                    REPS (5) x {full rate, FIXED_PPS} x COUNT (3,000,000) frames of SIZE (64) bytes,
#                    capturer pinned to CPU 0, generator to CPU 1; prints perf/table.py's table, then the drift check
#   drift [DIR]      default runtime against DOTNET_TieredCompilation=0 for callback, dispatch, blocks and async in a matrix's
#                    results (the newest by default): fails when a default-runtime median is more than DRIFT_PCT (15) % above
#   capped [PCT]     the same with the capturer's CPU capped at PCT% (5) of a core (CAP_CPU_PCT):
#                    drops show who is cheaper; CAPPED_REPS (3), CAPPED_PPS (500000)
#   micro            BenchmarkDotNet over the in-memory ring image (and a capture file) + the C walk
#   files            the file-read benchmark (perf/files.sh)
#   all              build matrix capped micro files (the default)
# Every .NET capturer runs as a user's process runs: the default runtime (tiered compilation and dynamic PGO on),
# no runtime knobs, and no warm-up (WARMUP_MS=0: the clock starts at the first live packet, with whatever the JIT has
# done by then). The `-tc0` rows are the diagnostic beside them: the same code with DOTNET_TieredCompilation=0, i.e.
# fully optimised from the start without dynamic PGO. `SharpPcap` is the peer as its users run it.
# Knobs: MODES (callback dispatch buffer blocks async async-inline async-pool operators dataflow dataflow-dedicated socket
# fanout fanout-dataflow + the diagnostics leases walk; fanout-dataflow-dedicated on request; FANOUT_MEMBERS (2),
# FANOUT_MODE (hash) and FANOUT_CPUS reach the fanout modes), TC0_MODES (callback dispatch blocks async: the diagnostic rows),
# COUNT, SIZE, FIXED_PPS, WARMUP_MS (0; up to 1500 for an image warm-up before `ready`, said in the table's rows),
# BENCH (shared/bench), BENCH_OUT (/tmp/slimcap-bench), NO_APT=1.
set -euo pipefail
P="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$P")"
BENCH="${BENCH:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || echo /work/shared/bench)}"
export BENCH_OUT="${BENCH_OUT:-/tmp/slimcap-bench}"
O="$BENCH_OUT"
MODES="${MODES:-callback dispatch buffer blocks async async-inline async-pool operators dataflow dataflow-dedicated socket fanout fanout-dataflow leases walk}"
COUNT="${COUNT:-3000000}" SIZE="${SIZE:-64}" FIXED_PPS="${FIXED_PPS:-500000}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step_build() {
  bash "$BENCH/build.sh"
  dotnet publish "$P/Capturer/SlimCap.Reactive.Capturer.csproj" -c Release -o "$P/out/capturer" -nologo -v quiet
  dotnet build "$P/SlimCap.Reactive.Benchmarks/SlimCap.Reactive.Benchmarks.csproj" -c Release -o "$P/out/bench" -nologo -v quiet
  dotnet publish "$P/peers/SharpPcapRead/SharpPcapRead.csproj" -c Release -o "$P/out/sharppcapread" -nologo -v quiet
  gcc -O2 -Wall -Wextra -o "$P/out/ringwalk" "$P/baseline/ringwalk.c"
  gcc -O2 -Wall -Wextra -o "$P/out/pcapread" "$P/baseline/pcapread.c" -lpcap
  if [[ -n "${SLIMCAP:-}" && -n "${GOTOOLS:-}" ]]; then bash "$BENCH/peers/slimcap-go/build.sh"; fi
  echo "built: $P/out/capturer $P/out/bench $P/out/ringwalk${SLIMCAP:+ $O/slimcap-go}"
}

capturers() {
  local tc0="env DOTNET_TieredCompilation=0" warm="WARMUP_MS=${WARMUP_MS:-0}" list m
  list="ringcount=$O/ringcount;pcapcount=$O/pcapcount;SharpPcap=$O/sharppcap/SharpPcapCount"
  [[ -x "$O/slimcap-go" ]] && list+=";slimcap-go=$O/slimcap-go"
  for m in $MODES; do list+=";$m=env $warm $P/capture $m"; done
  for m in ${TC0_MODES-callback dispatch blocks async}; do
    [[ " $MODES " == *" $m "* ]] && list+=";$m-tc0=$tc0 $warm $P/capture $m"
  done
  echo "$list"
}

step_matrix() {
  local reps="${1:-5}" tag="perf-$(date +%Y%m%d-%H%M%S)"
  CAPTURERS="$(capturers)" TAG="$tag" bash "$BENCH/matrix.sh" "$reps" "$COUNT" "$SIZE" "$FIXED_PPS" >/dev/null
  echo "## matrix $tag: $reps reps, $COUNT x $SIZE B, full rate and $FIXED_PPS pps, WARMUP_MS=${WARMUP_MS:-0} ($O/results/$tag)"
  python3 "$P/table.py" "$O/results/$tag" | tee "$O/results/$tag/PERF-TABLE.md"
  step_drift "$O/results/$tag"
}

step_drift() {
  local dir="${1:-$(ls -dt "$O"/results/perf-2* 2>/dev/null | head -1)}"
  [[ -d "$dir" ]] || { echo "capture.sh drift: no matrix results (run: capture.sh matrix)" >&2; return 2; }
  python3 "$P/drift.py" --limit-pct "${DRIFT_PCT:-15}" "$dir"
}

step_capped() {
  local pct="${1:-5}" tag="perf-capped$1-$(date +%Y%m%d-%H%M%S)"
  CAP_CPU_PCT="$pct" CAPTURERS="$(TC0_MODES= capturers)" TAG="$tag" \
    bash "$BENCH/matrix.sh" "${CAPPED_REPS:-3}" "$COUNT" "$SIZE" "${CAPPED_PPS:-500000}" >/dev/null
  echo "## capped at $pct% of CPU 0 ($tag): ${CAPPED_REPS:-3} reps, full rate and ${CAPPED_PPS:-500000} pps"
  python3 "$P/table.py" "$O/results/$tag" | tee "$O/results/$tag/PERF-TABLE.md"
}

step_micro() { bash "$P/micro.sh"; }
step_files() { bash "$P/files.sh"; }

[[ $EUID -eq 0 ]] || { echo "capture.sh: needs root" >&2; exit 2; }
steps=("$@"); [[ ${#steps[@]} -eq 0 ]] && steps=(all)
i=0
while (( i < ${#steps[@]} )); do
  s="${steps[$i]}"; arg=""
  if (( i + 1 < ${#steps[@]} )) && [[ "${steps[$((i + 1))]}" =~ ^[0-9]+$ ]]; then arg="${steps[$((i + 1))]}"; i=$((i + 1)); fi
  case "$s" in
    build) step_build ;;
    matrix) step_matrix $arg ;;
    drift) step_drift ;;
    capped) step_capped ${arg:-5} ;;
    micro) step_micro ;;
    files) step_files ;;
    all) step_build; step_matrix; step_capped 5; step_micro; step_files ;;
    *) echo "capture.sh: unknown step '$s'" >&2; exit 2 ;;
  esac
  i=$((i + 1))
done
