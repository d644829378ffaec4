#!/bin/sh
# make-plots.sh: `make plots` renders the figures for the shipped scenarios
# into plots/out/ (not under version control). Run from the top of the
# source tree; BIN names the lambdasim binary (default build/lambdasim).
set -eu
BIN=${BIN:-build/lambdasim}
OUT=plots/out
DATA=$OUT/data
mkdir -p "$DATA"

# One run per shipped scenario: per-request and timeline CSVs.
run() {
    name=$1
    shift
    "$BIN" run "$@" --requests-csv "$DATA/$name.csv" --timeline-csv "$DATA/$name-timeline.csv" --force >/dev/null
}
plot() {
    echo "  $OUT/$2"
    kind=$1
    out=$2
    shift 2
    "$BIN" plot "$kind" "$@" -o "$OUT/$out" --force
}

echo "make plots: simulating the shipped scenarios"
run paper-uniform scenarios/paper-uniform.json
run paper-bursty scenarios/paper-bursty.json
run no-batching scenarios/no-batching.json
run provisioned scenarios/provisioned.json
run cold scenarios/provisioned.json --set platform.provisioned_concurrency=0
run warmup scenarios/warmup.json
"$BIN" sweep scenarios/tutorial/tradeoff-sweep.json --out "$DATA/tradeoff-sweep.csv" --force >/dev/null

echo "make plots: drawing"
# Batching: the paper's uniform stream with and without pairing (latency from arrival).
plot cdf latency-cdf-batching.png "$DATA/no-batching.csv" "$DATA/paper-uniform.csv"
plot histogram latency-histogram-batching.png "$DATA/no-batching.csv" "$DATA/paper-uniform.csv"
# Sparse bursts: always cold, provisioned, kept warm by pings.
plot cdf latency-cdf-cold-starts.png "$DATA/cold.csv" "$DATA/provisioned.csv" "$DATA/warmup.csv"
plot histogram latency-histogram-cold-starts.png "$DATA/cold.csv" "$DATA/warmup.csv"
plot timeline timeline-paper-bursty.png "$DATA/paper-bursty-timeline.csv" --window 0:12
plot timeline timeline-cold.png "$DATA/cold-timeline.csv" --window 0:2000
plot timeline timeline-provisioned.png "$DATA/provisioned-timeline.csv" --window 0:2000
plot timeline timeline-warmup.png "$DATA/warmup-timeline.csv" --window 0:2000
plot queue queue-paper-uniform.png "$DATA/paper-uniform-timeline.csv" --window 55:70
plot queue queue-paper-bursty.png "$DATA/paper-bursty-timeline.csv" --window 0:12
# The latency/cost trade-off of batching (the tutorial's sweep).
plot heatmap sweep-heatmap-p99.png "$DATA/tradeoff-sweep.csv"
plot heatmap sweep-heatmap-cost.png "$DATA/tradeoff-sweep.csv" --metric cost_usd.per_million_requests
plot pareto sweep-pareto.png "$DATA/tradeoff-sweep.csv"
# The study's baseline next to ours; both paper scenarios time latency from
# batch dispatch (stats.latency_from), so the bars do too.
plot paper paper-vs-simulator.png plots/paper-baseline.csv "$DATA/paper-uniform.csv" "$DATA/paper-bursty.csv" \
    --latency-from dispatch
echo "make plots: done ($OUT/)"
