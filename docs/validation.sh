#!/bin/sh
# docs/validation.sh: the simulator against the local emulator. Profiles
# this machine's MNIST function, runs every scenario of docs/validation.md
# for real (`emulate`), validates the simulator's prediction against each
# emulated client log (`validate`), keeps the measured logs and profiles in
# traces/validation/ and rewrites the results table of docs/validation.md
# (between its "results" markers; the prose around it is written by hand
# from the figures). About 14 minutes; run it on an idle machine.
#
#   sh docs/validation.sh [OUT_DIR]            (default build/validation)
#
# LAMBDASIM (default build/lambdasim) names the binary. PROFILE=skip reuses
# the profiles already in traces/validation/ (then only emulate + validate
# run); EMULATE=skip also reuses the kept client logs and emulator reports
# (then only validate runs: the table rebuilt from the committed files).
# CORES (default: nproc) sets platform.host_cores. ONLY="a b" runs
# some scenarios (the table then keeps the other rows' old figures out:
# it lists only what ran). Needs jq (Debian: apt-get install jq).
# Exit 0 when every scenario meets the acceptance rule of docs/validation.md.
set -eu
BIN=${LAMBDASIM:-build/lambdasim}
OUT=${1:-build/validation}
CORES=${CORES:-$(nproc)}
KEEP=traces/validation
DOC=docs/validation.md
SCENARIOS=${ONLY:-"poisson-nobatch poisson-batching uniform-batching bursty-batching bursty-simultaneous
  bursty-cold keepalive-instances simultaneous-cold throttle-retry provisioned-pings bursty-contention
  memory-1769 memory-512 paper-uniform paper-bursty"}
command -v jq > /dev/null || { echo "docs/validation.sh: needs jq (apt-get install jq)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "docs/validation.sh: no $BIN: run make first" >&2; exit 2; }

# Ahead of other jobs for the CPU, and the CPU caps enforced, when allowed
# (root): a cap that cannot be enforced would make the memory rows meaningless.
ISOLATE=
CAP=
if [ "$(id -u)" = 0 ]; then ISOLATE=--isolate; CAP=--require-cpu-cap; fi
mkdir -p "$OUT" "$KEEP"

if [ "${PROFILE:-}" != skip ] && [ "${EMULATE:-}" != skip ]; then
  # The batch sizes the scenarios use (1..4), each batch sent to a worker
  # idle for 20 ms (as between invocations). The host's speed probed for a
  # minute, not the default 20 s: its slow stretches last seconds to
  # minutes, and the rows run over ten minutes; its wake-ups for 40 s (20
  # windows of 2 s: the quiet and the stalled stretches).
  "$BIN" profile -o "$KEEP/mnist-local.json" --force --max-batch 4 --repetitions 200 \
    --gap-ms 20 --speed-probe-s 60 --wake-probe-s 40 $ISOLATE
  # Batches of 64 (bursty-contention, memory-*): 40 each, so that the tail
  # of a batch's time is not set by one or two slow samples.
  "$BIN" profile -o "$KEEP/mnist-local-64.json" --force --max-batch 64 --repetitions 40 \
    --cold-starts 20 --gap-ms 20 --speed-probe-s 60 --wake-probe-s 40 $ISOLATE
  # The study's function as far as it runs here: this machine's inference,
  # the study's invoke overhead and cold start (models/mnist-lambda-1024.json).
  jq -s '.[0] + {
      name: "mnist-local-lambda-1024",
      description: ("Inference of this machine'"'"'s MNIST CNN (" + .[0].name + ", measured by lambdasim profile) with the invoke overhead and cold start of the study'"'"'s Lambda function (" + .[1].name + "), for the study'"'"'s scenarios run for real (docs/validation.md)."),
      cold_start_ms: .[1].cold_start_ms,
      overhead_ms: .[1].overhead_ms,
      sources: ((.[0].sources // {}) + {cold_start_ms: .[1].sources.cold_start_ms,
                                        overhead_ms: .[1].sources.overhead_ms})
    }' "$KEEP/mnist-local.json" models/mnist-lambda-1024.json > "$KEEP/mnist-local-lambda-1024.json.tmp"
  mv "$KEEP/mnist-local-lambda-1024.json.tmp" "$KEEP/mnist-local-lambda-1024.json"
fi
# The scenarios read their profiles from traces/validation/ (what ran is
# what is kept: nothing in models/, which is the user's, is touched).
for p in mnist-local mnist-local-64 mnist-local-lambda-1024; do
  [ -f "$KEEP/$p.json" ] || { echo "docs/validation.sh: no $KEEP/$p.json: run without PROFILE=skip" >&2; exit 2; }
done

status=0
printf '%s\n' '| scenario | requests | mean ms obs / pred (err) | p50 | p90 | p99 | cold starts obs / pred | lag p50 / p99 ms | CPU pressure % before / during | function CPU / profile | verdict | given the run'"'"'s host speed |' \
  '|---|---|---|---|---|---|---|---|---|---|---|---|' > "$OUT/rows.md.tmp"
for s in $SCENARIOS; do
  sc=scenarios/emulate/$s.json
  model=$(jq -r '.function.model' "$sc" | sed 's|.*/||')
  # Host sharing where the scenario models it (the study's scenarios do
  # not: their cold start and overhead are injected waits, not CPU work).
  HOST=
  if jq -e '.platform.host_cores' "$sc" > /dev/null; then HOST="--set platform.host_cores=$CORES"; fi
  echo "== $s ($model)"
  if [ "${EMULATE:-}" != skip ]; then
    "$BIN" emulate "$sc" $HOST $ISOLATE $CAP \
      --client-log "$OUT/$s.client.csv" --force --json > "$OUT/$s.emulate.json"
    cp "$OUT/$s.client.csv" "$KEEP/$s.client.csv"
    cp "$OUT/$s.emulate.json" "$KEEP/$s.emulate.json"
  fi
  [ -f "$KEEP/$s.emulate.json" ] || { echo "docs/validation.sh: no $KEEP/$s.emulate.json: run without EMULATE=skip" >&2; exit 2; }
  # Replayed from the kept log and profile, so that anyone can re-check a
  # row without emulating (docs/validation.md, "Reproduce"). validate's
  # default 319 replications: the per-run intervals hold all 8 metrics of
  # a correct model's run together with probability 0.95.
  "$BIN" validate "$sc" $HOST \
    --observed "$KEEP/$s.client.csv" \
    --tolerance 0.1 --tolerance-for latency_p90_ms=0.25 --tolerance-for latency_p99_ms=0.25 \
    --json > "$OUT/$s.validate.json" || true
  # The same, given the host's speed during the run (the workers' CPU per
  # batch over the profile's): separates the model's error from the host's
  # drift between profiling and running. Only where the host is modelled.
  : > "$OUT/$s.validate-speed.json"
  speed=$(jq -r '.function_cpu.ratio // empty' "$KEEP/$s.emulate.json")
  if [ -n "$HOST" ] && [ -n "$speed" ]; then
    "$BIN" validate "$sc" $HOST --host-speed "$speed" \
      --observed "$KEEP/$s.client.csv" \
      --tolerance 0.1 --tolerance-for latency_p90_ms=0.25 --tolerance-for latency_p99_ms=0.25 \
      --json > "$OUT/$s.validate-speed.json" 2> /dev/null || true
  fi
  jq -n --arg s "$s" --slurpfile e "$KEEP/$s.emulate.json" --slurpfile v "$OUT/$s.validate.json" \
    --slurpfile w "$OUT/$s.validate-speed.json" -r -f docs/validation-row.jq >> "$OUT/rows.md.tmp"
  jq -e '.pass' "$OUT/$s.validate.json" > /dev/null || status=1
done
mv "$OUT/rows.md.tmp" "$OUT/rows.md"

# Splice the table into the page between its markers.
awk -v rows="$OUT/rows.md" '
  /<!-- results:begin -->/ { print; while ((getline l < rows) > 0) print l; skip = 1; next }
  /<!-- results:end -->/ { skip = 0 }
  !skip' "$DOC" > "$DOC.tmp"
mv "$DOC.tmp" "$DOC"
echo "docs/validation.sh: $DOC updated; logs and profiles in $KEEP/"
exit $status
