#!/usr/bin/env bash
# docs/snapstart.sh: the comparison in docs/snapstart.md. One day of bursts
# of 5 requests with a pause of P seconds between them (P from 30 s to an
# hour), one image per invocation, the study's MNIST function's costs
# (models/mnist-lambda-1024.json) with, for SnapStart, a restore drawn
# around the one Restore Duration in the project's real logs (511 ms,
# tests/data/reallogs/chime-sma-sam-logs-snapstart.log). Standard init,
# SnapStart, and 5 provisioned instances, 10 seeds each. Rewrites the table
# between the <!-- BEGIN snapstart --> / <!-- END snapstart --> markers of
# docs/snapstart.md and, with gnuplot, draws docs/snapstart.png.
# About 30 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/lambdasim}
DOC=docs/snapstart.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SEEDS=${SEEDS:-10}

# The study's profile, with a restore: a copy of the model file with
# restore_ms added (the file's costs otherwise unchanged).
jq '.name = "mnist-lambda-1024-snapstart"
    | .restore_ms = {"dist": "lognormal", "median": 511, "sigma": 0.25}
    | .sources.restore_ms = "hypothetical: the one Restore Duration in tests/data/reallogs (511 ms, a Java function at 3009 MB); the study deployed a container image, which SnapStart does not support"' \
  models/mnist-lambda-1024.json > "$TMP/model.json"

# run PAUSE LABEL SET...: mean over SEEDS seeds of p99, p50, cold starts and
# the day's cost, one TSV row.
run() {
  local pause=$1 label=$2; shift 2
  cat > "$TMP/s.json" <<JSON
{"name": "snapstart-$pause", "duration_s": 86400,
 "workload": {"type": "bursty", "burst_size": 5, "burst_pause_s": $pause},
 "batching": {"threshold": 1},
 "function": {"model": "model.json", "memory_mb": 1024}}
JSON
  for seed in $(seq 1 "$SEEDS"); do
    "$BIN" run "$TMP/s.json" --seed "$seed" --json "$@" | jq -r '[.latency_ms.p99, .latency_ms.p50,
        .cold_starts.count, .cost_usd.total, .requests.completed] | @tsv'
  done | awk -F'\t' -v p="$pause" -v l="$label" '{ a += $1; b += $2; c += $3; d += $4; n = $5 }
      END { printf "%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.4f\n", p, l, n, a / NR, b / NR, c / NR, d / NR }' \
      >> "$TMP/rows.tsv"
}

for pause in 30 120 300 540 660 1800 3600; do
  run "$pause" "standard init"
  run "$pause" "SnapStart" --set function.snapstart=true
  run "$pause" "5 provisioned" --set platform.provisioned_concurrency=5
done

{
  printf '| pause between bursts (s) | policy | requests | p99 (ms) | p50 (ms) | cold starts | cost of the day (USD) |\n'
  printf '|---|---|---|---|---|---|---|\n'
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$TMP/rows.tsv"
} > "$TMP/table.md"
awk -v tbl="$TMP/table.md" '
  /<!-- BEGIN snapstart -->/ { print; while ((getline l < tbl) > 0) print l; skip = 1; next }
  /<!-- END snapstart -->/ { skip = 0 }
  !skip' "$DOC" > "$TMP/doc.md"
cat "$TMP/doc.md" > "$DOC"

if command -v gnuplot >/dev/null; then
  for l in "standard init" "SnapStart" "5 provisioned"; do
    awk -F'\t' -v l="$l" '$2 == l { print $1, $4, $7 }' "$TMP/rows.tsv" > "$TMP/${l// /_}.dat"
  done
  cat > "$TMP/plot.gp" <<GP
set terminal pngcairo size 1000,420 font ",10"
set output "docs/snapstart.png"
set multiplot layout 1,2
set logscale x
set xlabel "pause between bursts of 5 requests (s)"
set key top left
set title "p99 latency (mean of $SEEDS seeds)"
set ylabel "ms"
plot "$TMP/standard_init.dat" using 1:2 with linespoints pt 7 title "standard init", \
     "$TMP/SnapStart.dat" using 1:2 with linespoints pt 5 title "SnapStart", \
     "$TMP/5_provisioned.dat" using 1:2 with linespoints pt 9 title "5 provisioned"
set title "cost of the day"
set ylabel "USD"
set logscale y
set key top right
plot "$TMP/standard_init.dat" using 1:3 with linespoints pt 7 title "standard init", \
     "$TMP/SnapStart.dat" using 1:3 with linespoints pt 5 title "SnapStart", \
     "$TMP/5_provisioned.dat" using 1:3 with linespoints pt 9 title "5 provisioned"
unset multiplot
GP
  gnuplot "$TMP/plot.gp"
fi
