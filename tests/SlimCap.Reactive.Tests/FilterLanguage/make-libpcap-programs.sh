#!/usr/bin/env bash
# Writes libpcap-programs.tsv: for each valid expression of tests/data/filters/expressions.tsv, the program
# tcpdump (libpcap) compiles for Ethernet, optimized and unoptimized (-O), in -ddd form with ';' between
# lines. The tests read this file, so they do not need tcpdump; re-run it when the expression set changes:
#   bash tests/SlimCap.Reactive.Tests/FilterLanguage/make-libpcap-programs.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../.."
file="$root/tests/data/corpus/files/tcpdump-arista_ether.pcap"
out="$here/libpcap-programs.tsv"
{
  printf 'id\tlibpcap\toptimized_length\toptimized\tunoptimized_length\tunoptimized\n'
  tail -n +2 "$root/tests/data/filters/expressions.tsv" | while IFS=$'\t' read -r id category expr valid error; do
    [ "$valid" = yes ] || continue
    opt=$(tcpdump -ddd -y EN10MB -r "$file" "$expr" 2>/dev/null)
    plain=$(tcpdump -O -ddd -y EN10MB -r "$file" "$expr" 2>/dev/null)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$(tcpdump --version 2>&1 | sed -n 2p | cut -d' ' -f3)" \
      "$(head -1 <<<"$opt")" "$(paste -sd';' <<<"$opt")" "$(head -1 <<<"$plain")" "$(paste -sd';' <<<"$plain")"
  done
} > "$out"
echo "wrote $out ($(($(wc -l < "$out") - 1)) expressions)"
