#!/bin/sh
# docs/validation.sh: the simulator against the local emulator, the
# scenarios of docs/validation.md: profile this machine, emulate each
# scenario for real, then validate the simulator's prediction against the
# emulator's client log. Takes about 4 minutes. Usage (from the repository):
#   sh docs/validation.sh [OUT_DIR]      (default build/validation)
# LAMBDASIM (default build/lambdasim) names the binary; PROFILE=skip reuses
# models/mnist-local.json and models/mnist-local-64.json; CORES (default:
# nproc) sets platform.host_cores. Exit 0 when every validation passes.
set -eu
BIN=${LAMBDASIM:-build/lambdasim}
OUT=${1:-build/validation}
CORES=${CORES:-$(nproc)}
# Ahead of other jobs for the CPU when allowed (root): see docs/validation.md.
ISOLATE=
[ "$(id -u)" = 0 ] && ISOLATE=--isolate
mkdir -p "$OUT"
if [ "${PROFILE:-}" != skip ]; then
  # The batch sizes the scenarios use; each batch sent to an idle worker.
  "$BIN" profile -o models/mnist-local.json --force --max-batch 4 --repetitions 200 \
    --gap-ms 20 $ISOLATE
  # bursty-contention's batches of 64.
  "$BIN" profile -o models/mnist-local-64.json --force --max-batch 64 --repetitions 10 \
    --cold-starts 20 --gap-ms 20 $ISOLATE
fi
status=0
for s in poisson-nobatch uniform-batching bursty-batching bursty-cold bursty-contention; do
  echo "== $s"
  "$BIN" emulate "scenarios/emulate/$s.json" --set platform.host_cores="$CORES" $ISOLATE \
    --client-log "$OUT/$s.client.csv" --requests-csv "$OUT/$s.requests.csv" --force --json \
    > "$OUT/$s.emulate.json"
  "$BIN" validate "scenarios/emulate/$s.json" --set platform.host_cores="$CORES" \
    --observed "$OUT/$s.client.csv" --replications 20 \
    --tolerance 0.1 --tolerance-for latency_p90_ms=0.25 --tolerance-for latency_p99_ms=0.25 \
    | tee "$OUT/$s.validate.txt" || status=1
done
exit $status
