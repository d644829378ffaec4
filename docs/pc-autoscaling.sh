#!/usr/bin/env bash
# docs/pc-autoscaling.sh: the comparison in docs/pc-autoscaling.md. One day
# of the study's MNIST function (models/mnist-lambda-1024.json, measured on
# Lambda) under two made-up but typical loads, written as Azure 2019 rows
# (per-minute counts; arrivals random within each minute, from the seed):
#   diurnal: 200 requests/s at midnight to 2000 at noon (a cosine, 10x);
#   spiky:   200 requests/s with a 5-minute spike to 2000 every 2 hours.
# Each under fixed provisioned concurrency (several levels), target
# tracking at 0.5, 0.7 and 0.9 (Average, AWS's defaults otherwise), target
# tracking on the Maximum statistic and, for the spikes, a schedule that
# provisions 30 instances 2 minutes before each spike. Rewrites the table
# between the <!-- BEGIN pc --> / <!-- END pc --> markers of
# docs/pc-autoscaling.md and, with gnuplot, draws docs/pc-autoscaling.png.
# About 4 minutes on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/lambdasim}
DOC=docs/pc-autoscaling.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# row NAME AWK-EXPR: an azure2019 file with one function whose count in
# minute m (0..1439) is AWK-EXPR (requests per second) x 60.
row() {
  awk -v name="$1" 'BEGIN {
      pi = atan2(0, -1)
      printf "HashOwner,HashApp,HashFunction,Trigger"
      for (m = 1; m <= 1440; m++) printf ",%d", m
      printf "\nowner,app,%s,http", name
      for (m = 0; m < 1440; m++) {
          '"$2"'
          printf ",%d", int(rps * 60 + 0.5)
      }
      printf "\n"
  }' > "$TMP/$1.csv"
}
row diurnal 'rps = 200 + 1800 * (1 - cos(2 * pi * m / 1440)) / 2'
row spiky 'rps = (m >= 120 && m % 120 < 5) ? 2000 : 200'

for w in diurnal spiky; do
  cat > "$TMP/$w.json" <<JSON
{"name": "pc-$w", "seed": 1,
 "workload": {"type": "trace", "format": "azure2019", "file": "$w.csv", "within_minute": "random"},
 "batching": {"threshold": 1},
 "function": {"model": "$PWD/models/mnist-lambda-1024.json", "memory_mb": 1024},
 "stats": {"mode": "streaming"}}
JSON
done

# The spikes' schedule: 30 instances from 2 minutes before each spike (ready
# 1 minute before it), back to 3 a minute after it ends.
sched=$(awk 'BEGIN { s = ""
    for (k = 1; k < 12; k++) { t = k * 7200
        s = s sprintf("%s{\"at_s\": %d, \"value\": 30}, {\"at_s\": %d, \"value\": 3}", s == "" ? "" : ", ", t - 120, t + 360) }
    print s }')

# run WORKLOAD LABEL SET...: one TSV row
run() {
  local w=$1 label=$2; shift 2
  "$BIN" run "$TMP/$w.json" --json "$@" 2>/dev/null | jq -r --arg w "$w" --arg l "$label" '[$w, $l,
      .requests.completed, .cold_starts.count, .latency_ms.p99, .cost_usd.provisioned, .cost_usd.total,
      (.provisioned_scaling.configured_mean // -1),
      (.invocations.warm + .invocations.cold) / .invocations.total] | @tsv' >> "$TMP/rows.tsv"
}

tracking() { # TARGET [STATISTIC]
  printf 'platform.provisioned={"target_tracking": {"target_utilization": %s, "max_capacity": 100, "statistic": "%s"}}' \
    "$1" "${2:-average}"
}

for n in 0 5 10 15 20 25 30; do run diurnal "fixed $n" --set "platform.provisioned_concurrency=$n"; done
for n in 0 3 10 20 30; do run spiky "fixed $n" --set "platform.provisioned_concurrency=$n"; done
for w in diurnal spiky; do
  for t in 0.5 0.7 0.9; do
    run "$w" "tracking $t" --set platform.provisioned_concurrency=3 --set "$(tracking "$t")"
  done
  run "$w" "tracking 0.7 max" --set platform.provisioned_concurrency=3 --set "$(tracking 0.7 maximum)"
done
run spiky "schedule" --set platform.provisioned_concurrency=3 \
  --set "platform.provisioned={\"schedule\": [$sched]}"

{
  printf '| load | policy | requests | cold starts | p99 (ms) | mean provisioned | spilled to on-demand | provisioned cost (USD) | total cost (USD) |\n'
  printf '|---|---|---|---|---|---|---|---|---|\n'
  # A fixed level's mean is the level itself (the run reports no provisioned_scaling).
  awk -F'\t' '{ mean = $8; if (mean < 0) { mean = $2; sub(/fixed /, "", mean) }
      printf "| %s | %s | %s | %s | %.1f | %.1f | %.1f %% | %.2f | %.2f |\n",
      $1, $2, $3, $4, $5, mean, 100 * $9, $6, $7 }' "$TMP/rows.tsv"
} > "$TMP/table.md"
awk -v tbl="$TMP/table.md" '
  /<!-- BEGIN pc -->/ { print; while ((getline l < tbl) > 0) print l; skip = 1; next }
  /<!-- END pc -->/ { skip = 0 }
  !skip' "$DOC" > "$TMP/doc.md"
cat "$TMP/doc.md" > "$DOC"

if command -v gnuplot >/dev/null; then
  for w in diurnal spiky; do
    awk -F'\t' -v w="$w" '$1 == w && $2 ~ /^fixed/ { n = $2; sub(/fixed /, "", n); print $7, $4, n }' \
      "$TMP/rows.tsv" > "$TMP/$w-fixed.dat"
    awk -F'\t' -v w="$w" '$1 == w && $2 !~ /^fixed/ { l = $2; sub(/tracking /, "T", l);
        sub(/schedule/, "S", l); sub(/ max/, "max", l); print $7, $4, l }' "$TMP/rows.tsv" > "$TMP/$w-pol.dat"
  done
  cat > "$TMP/plot.gp" <<GP
set terminal pngcairo size 1000,440 font ",10"
set output "docs/pc-autoscaling.png"
set multiplot layout 1,2
set xlabel "total cost of the day (USD)"
set ylabel "cold starts"
set key top right
set logscale y
set yrange [0.8:*]
set title "diurnal (200 -> 2000 -> 200 requests/s)"
plot "$TMP/diurnal-fixed.dat" using 1:2 with linespoints pt 7 title "fixed provisioned (N)", \
     "" using 1:2:3 with labels offset 1.2,0.6 notitle, \
     "$TMP/diurnal-pol.dat" using 1:2 with points pt 5 ps 1.3 title "target tracking (T)", \
     "" using 1:2:3 with labels offset 0,-0.9 notitle
set title "spiky (200 requests/s, 5 min at 2000 every 2 h)"
plot "$TMP/spiky-fixed.dat" using 1:2 with linespoints pt 7 title "fixed provisioned (N)", \
     "" using 1:2:3 with labels offset 1.2,0.6 notitle, \
     "$TMP/spiky-pol.dat" using 1:2 with points pt 5 ps 1.3 title "tracking (T), schedule (S)", \
     "" using 1:2:3 with labels offset 0,-0.9 notitle
unset multiplot
GP
  gnuplot "$TMP/plot.gp"
fi
