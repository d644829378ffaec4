#!/usr/bin/env bash
# docs/batching-policies.sh: the comparison in docs/batching-policies.md.
# The study's MNIST profile (models/mnist-lambda-1024.json) under a load
# that changes by 10x: Poisson arrivals at 20 requests/s for 300 s, 200/s
# for 300 s, 20/s again for 300 s (a trace drawn here with a fixed seed),
# batched by the fixed policy (threshold 8, timeout 0.1 s), by aimd and by
# slo (slo_ms 300, max_batch 32), and by slo aiming at 240 ms; rewrites the table between the
# <!-- BEGIN batching --> / <!-- END batching --> markers of
# docs/batching-policies.md and, with gnuplot, draws
# docs/batching-policies.png (p99 latency and mean batch size per phase).
# Usage: docs/batching-policies.sh   (needs jq; gnuplot for the figure)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/lambdasim}
DOC=docs/batching-policies.md
SLO_MS=300
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Three phases of Poisson arrivals (awk's generator, seeded: the same file
# every time on one awk), arrival times in s.
awk 'BEGIN { srand(17); t = 0
  split("20 200 20", rate, " ")
  for (p = 1; p <= 3; p++) {
    end = 300 * p
    while (1) { t += -log(1 - rand()) / rate[p]; if (t >= end) break; printf "%.6f\n", t }
    t = end
  } }' > "$TMP/arrivals.txt"

cat > "$TMP/base.json" <<JSON
{"name": "batching-policies", "seed": 1,
 "workload": {"type": "trace", "file": "arrivals.txt"},
 "function": {"model": "$PWD/models/mnist-lambda-1024.json", "memory_mb": 1024, "timeout_s": 60},
 "platform": {"keep_alive_s": 600}}
JSON

# policy NAME SET...: one run; its overall row, then one row per phase from
# the per-request CSV (p50, p99, mean batch size over the phase's requests).
policy() {
  local name=$1; shift
  "$BIN" run "$TMP/base.json" --json "$@" --requests-csv "$TMP/$name.csv" > "$TMP/$name.json"
  jq -r --arg n "$name" '[$n, "all", .latency_ms.p50, .latency_ms.p99, .batches.mean_size,
      .requests.completed, .cost_usd.total, (.batches.final_cap // ""), (.batches.by_slack // "")] | @tsv' \
    "$TMP/$name.json" >> "$TMP/rows.tsv"
  for ph in 1 2 3; do
    # the phase's requests (by arrival time): latency and batch size, by
    # column name; mean batch size as the batches' mean (sum of 1/size per
    # request = batches), percentiles by nearest rank over the sorted latencies
    awk -F, -v ph="$ph" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      $c["arrival_s"] >= 300 * (ph - 1) && $c["arrival_s"] < 300 * ph { print $c["latency_ms"], $c["batch_size"] }' \
      "$TMP/$name.csv" | sort -g > "$TMP/lat.txt"
    awk -v ph="$ph" -v n="$name" -v slo="$SLO_MS" '{ lat[NR] = $1; size += 1 / $2; if ($1 > slo) late++ }
      END { m = NR
        printf "%s\t%d\t%.1f\t%.1f\t%.2f\t%d\t%.2f\n", n, ph, lat[int(0.50 * (m - 1)) + 1],
               lat[int(0.99 * (m - 1)) + 1], m / size, m, 100 * late / m }' "$TMP/lat.txt" >> "$TMP/phases.tsv"
  done
}

policy fixed --set batching.threshold=8 --set batching.timeout_s=0.1 --set batching.max_batch=8
policy aimd --set batching.policy=aimd --set batching.slo_ms=$SLO_MS --set batching.threshold=1 \
  --set batching.max_batch=32 --set batching.timeout_s=0.1
policy slo --set batching.policy=slo --set batching.slo_ms=$SLO_MS --set batching.max_batch=32
# slo aiming 60 ms below the objective: the overhead's spread (p99 - mean)
policy slo-240 --set batching.policy=slo --set batching.slo_ms=$((SLO_MS - 60)) --set batching.max_batch=32

{
  printf '| policy | requests | p50 (ms) | p99 (ms) | mean batch size | cost (USD) | cost per million requests (USD) |\n'
  printf '|---|---|---|---|---|---|---|\n'
  awk -F'\t' '{ printf "| %s | %d | %.1f | %.1f | %.2f | %.4f | %.2f |\n", $1, $6, $3, $4, $5, $7, $7 / $6 * 1e6 }' \
    "$TMP/rows.tsv"
  printf '\nBy phase (arrival time; the phase percentiles are the nearest-rank ones of the per-request CSV):\n\n'
  printf '| policy | phase | load (requests/s) | requests | p50 (ms) | p99 (ms) | mean batch size | over %s ms |\n' "$SLO_MS"
  printf '|---|---|---|---|---|---|---|---|\n'
  awk -F'\t' '{ split("20 200 20", r, " "); printf "| %s | %d | %d | %d | %.1f | %.1f | %.2f | %.2f %% |\n",
      $1, $2, r[$2], $6, $3, $4, $5, $7 }' "$TMP/phases.tsv"
} > "$TMP/table.md"
awk -v tbl="$TMP/table.md" '
  /<!-- BEGIN batching -->/ { print; while ((getline l < tbl) > 0) print l; skip = 1; next }
  /<!-- END batching -->/ { skip = 0 }
  !skip' "$DOC" > "$TMP/doc.md"
cat "$TMP/doc.md" > "$DOC"

if command -v gnuplot >/dev/null; then
  for p in fixed aimd slo slo-240; do
    awk -F'\t' -v p="$p" '$1 == p { print $2, $4, $5 }' "$TMP/phases.tsv" > "$TMP/$p.dat"
  done
  cat > "$TMP/plot.gp" <<GP
set terminal pngcairo size 900,420 font ",10" noenhanced
set output "docs/batching-policies.png"
set multiplot layout 1,2 title "Load 20 -> 200 -> 20 requests/s, MNIST profile; slo_ms = $SLO_MS"
set xtics ("20/s" 1, "200/s" 2, "20/s" 3)
set xrange [0.5:3.5]
set key top left
set ylabel "p99 latency (ms, log scale)"
set logscale y
set yrange [150:3000]
set ytics (150, 200, 300, 500, 1000, 2000, 3000)
plot "$TMP/fixed.dat" using 1:2 with linespoints pt 7 title "fixed (8, 0.1 s)", \
     "$TMP/aimd.dat" using 1:2 with linespoints pt 5 title "aimd", \
     "$TMP/slo.dat" using 1:2 with linespoints pt 9 title "slo", \
     "$TMP/slo-240.dat" using 1:2 with linespoints pt 11 title "slo (slo_ms 240)", \
     $SLO_MS with lines dt 2 lc rgb "gray" title "the objective"
set ylabel "mean batch size"
unset logscale y
set ytics auto
set yrange [0:*]
plot "$TMP/fixed.dat" using 1:3 with linespoints pt 7 title "fixed (8, 0.1 s)", \
     "$TMP/aimd.dat" using 1:3 with linespoints pt 5 title "aimd", \
     "$TMP/slo.dat" using 1:3 with linespoints pt 9 title "slo", \
     "$TMP/slo-240.dat" using 1:3 with linespoints pt 11 title "slo (slo_ms 240)"
unset multiplot
GP
  gnuplot "$TMP/plot.gp"
fi
