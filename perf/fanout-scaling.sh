#!/usr/bin/env bash
# perf/fanout-scaling.sh [build | run]  -- how PACKET_FANOUT capture scales with members (issue 15). Needs root.
#   build   a self-contained capturer (no .NET on the target machine needed): perf/out/capturer-sc
#   run     (the default) for N = 1, 2, 4, ... members up to the CPUs this machine can give the capturer
#           (all but the last, which runs the generator), on the referee's veth setup (shared/bench/run.sh):
#             cost      uncapped, full rate: the capturer's CPU per packet summed over its members
#                       (flat in N = one member's cost is all there is; growing = per-member overhead)
#             capacity  CPU capped at CAP_PER_MEMBER % of a core per member (N members get N x that quota),
#                       full rate: the drops and captured rate show whether N quotas buy N times the capacity
#           mode `fanout` (each member's block stream on its own pinned thread), FANOUT_MODE (hash; lb spreads
#           evenly even when the generator's flows are few), and single-ring `blocks` under the same quota as the
#           reference. The table goes to stdout; raw run files to $BENCH_OUT/results/fanout-scaling-TIME/.
# Runs unchanged on any machine: copy perf/ (with out/capturer-sc) and shared/bench/ there, build the referee
# (`NO_APT=1 bash shared/bench/build.sh`, or gcc gen.c and ringcount.c by hand), then `bash perf/fanout-scaling.sh`.
# Knobs: COUNT (2000000), SIZE (64), REPS (3), MEMBERS ("1 2 4 8 ..." up to nproc-1), CAP_PER_MEMBER (10),
# FANOUT_MODE (hash), BENCH (../shared/bench), BENCH_OUT (/tmp/slimcap-bench), CAPTURER_BIN (out/capturer-sc/...).
# The generator is one thread on one CPU; past a few members it, not the capturer, sets the full rate, which is why
# the capacity runs cap the capturer's CPU rather than look for the rate where it drops.
set -euo pipefail
P="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
find_bench() { # the referee beside the checkout (../shared/bench from the repository) or beside perf/ when copied alone
  local d
  for d in "$P/../../shared/bench" "$P/../shared/bench" /work/shared/bench; do
    if [[ -f "$d/run.sh" ]]; then (cd "$d" && pwd); return; fi
  done
  echo "fanout-scaling.sh: the referee (shared/bench/run.sh) was not found; set BENCH" >&2; exit 2
}
BENCH="${BENCH:-$(find_bench)}"
export BENCH_OUT="${BENCH_OUT:-/tmp/slimcap-bench}"
BIN="${CAPTURER_BIN:-$P/out/capturer-sc/SlimCap.Reactive.Capturer}"
COUNT="${COUNT:-2000000}" SIZE="${SIZE:-64}" REPS="${REPS:-3}" CAP_PER_MEMBER="${CAP_PER_MEMBER:-10}"
export FANOUT_MODE="${FANOUT_MODE:-hash}"

step_build() {
  dotnet publish "$P/Capturer/SlimCap.Reactive.Capturer.csproj" -c Release -r linux-x64 --self-contained \
    -o "$P/out/capturer-sc" -nologo -v quiet
  echo "built: $P/out/capturer-sc/SlimCap.Reactive.Capturer (self-contained)"
}

members_list() {
  local cpus n list=""
  cpus=$(nproc)
  if [[ -n "${MEMBERS:-}" ]]; then echo "$MEMBERS"; return; fi
  # At least 1 and 2 (on a 2-CPU machine both members share the capturer's one CPU: the cost and quota runs still compare).
  for n in 1 2 4 8 16 32 64; do (( n <= cpus - 1 || n <= 2 )) && list+="$n "; done
  (( cpus - 1 > 1 )) && [[ " $list " != *" $((cpus - 1)) "* ]] && list+="$((cpus - 1))"
  echo "$list"
}

# One run: run.sh with the capturer pinned to CPUs 0..N-1 and the generator on the last CPU.
one() { # NAME N CAP_PCT MODE
  local name=$1 n=$2 pct=$3 mode=$4 last capcpus pins file
  last=$(( $(nproc) - 1 ))
  capcpus=$(( n < last ? n : last )); (( capcpus < 1 )) && capcpus=1
  pins=$(for ((i = 0; i < n; i++)); do printf '%s%d' "${i:+,}" $(( i % capcpus )); done | sed 's/^,//')
  file="$RES/$name-n$n-r$rep.txt"
  env CAP_CPU="0-$(( capcpus - 1 ))" GEN_CPU="$last" ${pct:+CAP_CPU_PCT=$pct} \
    bash "$BENCH/run.sh" "env WARMUP_MS=500 FANOUT_MEMBERS=$n FANOUT_CPUS=$pins $BIN $mode" \
    "$COUNT" "$SIZE" >"$file" 2>&1 || true
  echo "$name n=$n rep=$rep $(grep -o 'lost_pct=[0-9.]*' "$file" | head -1) $(grep -o 'gen_pps=[0-9]*' "$file" | head -1) $(grep -o 'cpu_ns_per_pkt=[0-9.]*' "$file" | tail -1) $(grep -o 'captured=[0-9]*' "$file" | tail -1) $(grep -o 'wall_s=[0-9.]*' "$file" | tail -1)"
}

step_run() {
  [[ -x "$BIN" ]] || { echo "fanout-scaling.sh: $BIN is not built; run: bash perf/fanout-scaling.sh build" >&2; exit 2; }
  [[ -x "$BENCH_OUT/gen" ]] || { echo "fanout-scaling.sh: the referee's generator ($BENCH_OUT/gen) is not built" >&2; exit 2; }
  RES="$BENCH_OUT/results/fanout-scaling-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$RES"
  local list n
  list=$(members_list)
  echo "# fanout scaling on $(nproc) CPUs ($(uname -r)), members: $list; $COUNT x $SIZE B, full rate, $REPS reps, mode $FANOUT_MODE"
  echo "# (CPUs other than the capturer's and the generator's may be busy: compare ratios within this run)"
  for rep in $(seq "$REPS"); do
    for n in $list; do
      one cost "$n" "" fanout
      one capacity "$n" $(( n * CAP_PER_MEMBER )) fanout
      one single-ring-capped "$n" $(( n * CAP_PER_MEMBER )) blocks
    done
  done | tee "$RES/runs.txt"
  echo
  echo "| experiment | members | runs | cpu_ns_per_pkt median | lost % median | captured Mpps median (captured / wall_s) |"
  echo "|---|---|---|---|---|---|"
  awk '{
      split($4, a, "="); split($6, c, "="); split($7, d, "="); split($8, e, "=")
      k = $1 " | " substr($2, 3); runs[k]++; cpu[k, runs[k]] = c[2]; lost[k, runs[k]] = a[2]
      rate[k, runs[k]] = (e[2] > 0 ? d[2] / e[2] / 1e6 : 0); order[k] = NR
    }
    function median(arr, k, n,   i, j, t, v) { for (i = 1; i <= n; i++) v[i] = arr[k, i]
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
      return v[int((n + 1) / 2)] }
    END { for (k in runs) printf "| %s | %d | %s | %s | %.3f |\n", k, runs[k], median(cpu, k, runs[k]), median(lost, k, runs[k]), median(rate, k, runs[k]) }' \
    "$RES/runs.txt" | sort -t'|' -k2,2 -k3,3n
  echo "raw: $RES"
}

[[ $EUID -eq 0 ]] || { echo "fanout-scaling.sh: needs root" >&2; exit 2; }
case "${1:-run}" in
  build) step_build ;;
  run) step_run ;;
  *) echo "fanout-scaling.sh: unknown step '$1' (build | run)" >&2; exit 2 ;;
esac
