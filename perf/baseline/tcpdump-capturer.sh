#!/usr/bin/env bash
# A referee capturer (shared/bench/run.sh protocol) that records the generator's traffic with
# tcpdump -w into $PCAP_OUT: used by perf/files.sh to make the file-read benchmark's capture.
# Usage (by run.sh): tcpdump-capturer.sh IFACE COUNT [snaplen] [bufferMiB]
set -uo pipefail
IFACE="$1" COUNT="$2" SNAP="${3:-128}" BUFMIB="${4:-64}"
OUT="${PCAP_OUT:?set PCAP_OUT}"
ERR="$(mktemp)"
tcpdump -i "$IFACE" -w "$OUT" -c "$COUNT" -s "$SNAP" -B $((BUFMIB * 1024)) -n -Z root 2>"$ERR" &
TD=$!
stopped=""
trap 'stopped=" stopped=signal"; kill -INT $TD 2>/dev/null' TERM INT
for _ in $(seq 200); do grep -q 'listening on' "$ERR" && break; kill -0 $TD 2>/dev/null || break; sleep 0.05; done
echo ready
wait $TD; wait $TD 2>/dev/null
recv=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$ERR")
drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$ERR")
cap=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$ERR")
rm -f "$ERR"
echo "tcpdump-w captured=${cap:-0} kernel_received=${recv:-0} kernel_dropped=${drop:-0} cpu_ns_per_pkt=0 file=$OUT$stopped"
