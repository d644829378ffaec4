#!/usr/bin/env bash
# docs/keepalive.sh: the comparison in docs/keepalive.md. Replays one real
# Azure Functions 2019 row (traces/azure/invitro-invocations.csv, a whole
# day) thinned to every N-th invocation (the row is far too busy for
# keep-alive to matter), under fixed keep-alives of 1, 5, 10, 20 and 60
# minutes and under the hybrid histogram policy; rewrites the table between
# the <!-- BEGIN keepalive --> / <!-- END keepalive --> markers of
# docs/keepalive.md and, with gnuplot, draws docs/keepalive.png.
# Usage: docs/keepalive.sh [N ...]   (default: 72000 and 288000)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/lambdasim}
DOC=docs/keepalive.md
ROW=traces/azure/invitro-invocations.csv
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
[ $# -gt 0 ] || set -- 72000 288000

# thin N OUT: the row's invocations, each minute's c placed evenly at
# (m + (j + 0.5) / c) minutes as the azure2019 reader's "even" does, and
# every N-th of the day kept (the first one included): arrival times in s.
thin() {
  awk -F, -v n="$1" 'NR == 2 {
      k = 0
      for (i = 5; i <= NF; i++) {
          c = $i; m = i - 5
          # the kept indices of this minute: the multiples of n in [k, k + c)
          first = (k % n == 0) ? k : k + n - k % n
          for (g = first; g < k + c; g += n)
              printf "%.6f\n", (m + (g - k + 0.5) / c) * 60
          k += c
      }
  }' "$ROW" > "$2"
}

# run SCENARIO SET...: "cold idle_instance_s requests" of one run; idle
# instance time as the output defines it (mean_idle x the window).
run() {
  local s=$1; shift
  "$BIN" run "$s" --json "$@" | jq -r '[.cold_starts.count,
      (.instances.mean_idle * (.simulation.end_s - .simulation.window_start_s)),
      .requests.completed, (.keep_alive.prewarm_s // ""), (.keep_alive.keep_alive_s // ""),
      (.keep_alive.mode // ""), (.keep_alive.prewarm_hits // "")] | @tsv'
}

# compare LABEL SCENARIO: the fixed keep-alives and the histogram policy
compare() {
  local cold idle req pre keep mode hits
  for m in 1 5 10 20 60; do
    read -r cold idle req _ <<<"$(run "$2" --set "platform.keep_alive_s=$((m * 60))")"
    printf '%s\t%s\tfixed %s min\t%s\t%s\n' "$1" "$req" "$m" "$cold" "$idle" >> "$TMP/rows.tsv"
  done
  read -r cold idle req pre keep mode hits <<<"$(run "$2" --set platform.keep_alive_policy=histogram)"
  printf '%s\t%s\thistogram (end: %s, pre-warm %s s, keep %s s; %s pre-warms used)\t%s\t%s\n' \
    "$1" "$req" "$mode" "$pre" "$keep" "$hits" "$cold" "$idle" >> "$TMP/rows.tsv"
}

table() {
  printf '| arrivals | requests | policy | cold starts | idle instance time (h) | idle per request (s) |\n'
  printf '|---|---|---|---|---|---|\n'
  for n in "$@"; do
    thin "$n" "$TMP/t$n.txt"
    cat > "$TMP/s$n.json" <<JSON
{"name": "keepalive-azure-$n", "seed": 1,
 "workload": {"type": "trace", "file": "t$n.txt"},
 "function": {"model": "$PWD/tests/data/model-simple.json"}}
JSON
    compare "Azure row, every $n-th" "$TMP/s$n.json"
    # The same number of requests as a Poisson stream over the day: not the
    # Azure row, the idle times the policy meets when arrivals are random.
    local req
    req=$(wc -l < "$TMP/t$n.txt")
    cat > "$TMP/p$n.json" <<JSON
{"name": "keepalive-poisson-$n", "seed": 1, "duration_s": 86400,
 "workload": {"type": "poisson", "rate_rps": $(awk -v r="$req" 'BEGIN { printf "%.9g", r / 86400 }')},
 "function": {"model": "$PWD/tests/data/model-simple.json"}}
JSON
    compare "Poisson, rate of every $n-th" "$TMP/p$n.json"
  done
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %.2f | %.0f |\n", $1, $2, $3, $4, $5 / 3600, $5 / $2 }' "$TMP/rows.tsv"
}

table "$@" > "$TMP/table.md"
awk -v tbl="$TMP/table.md" '
  /<!-- BEGIN keepalive -->/ { print; while ((getline l < tbl) > 0) print l; skip = 1; next }
  /<!-- END keepalive -->/ { skip = 0 }
  !skip' "$DOC" > "$TMP/doc.md"
cat "$TMP/doc.md" > "$DOC"

if command -v gnuplot >/dev/null; then
  # cold starts against idle instance time, one series per arrival stream
  cut -f1 "$TMP/rows.tsv" | awk '!seen[$0]++' > "$TMP/series"
  {
    printf 'set terminal pngcairo size 900,560 font ",10"\nset output "docs/keepalive.png"\n'
    printf 'set xlabel "idle instance time over the day (h)"\nset ylabel "cold starts"\nset key top right\n'
    printf 'set logscale y\nset yrange [0.8:*]\n'
    printf 'set title "Fixed keep-alive (1, 5, 10, 20, 60 min) vs the hybrid histogram policy (H)"\n'
    printf 'plot '
    i=0
    while IFS= read -r label; do
      i=$((i + 1))
      awk -F'\t' -v l="$label" '$1 == l { lab = $3; sub(/^fixed /, "", lab); sub(/ min$/, "", lab);
          if (lab ~ /^histogram/) { lab = "H"; print "" }  # a blank line: H is not on the fixed line
          print $5 / 3600, $4, lab }' "$TMP/rows.tsv" > "$TMP/d$i.dat"
      [ $i -gt 1 ] && printf ', '
      printf '"%s" using 1:2 with linespoints pt 7 title "%s", "" using 1:2:3 with labels offset 1.2,0.6 notitle' \
        "$TMP/d$i.dat" "$label"
    done < "$TMP/series"
    printf '\n'
  } > "$TMP/plot.gp"
  gnuplot "$TMP/plot.gp"
fi
