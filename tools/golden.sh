#!/usr/bin/env bash
# Golden outputs: runs the binary on every shipped scenario and sweep and on
# the shipped data for explain, merge, calibrate and validate, and writes
# what each command printed (stdout, stderr, exit code) and every file it
# wrote into OUT_DIR, one file per output. Two builds behave the same when
# their OUT_DIRs compare equal (`diff -r A B`). Used to show that a change
# that is meant to move code (issue 19: the source tree by layer) changes
# no output byte. Deterministic: no timing, no --jobs-dependent output.
# Scenarios that need the emulator's worker or a profile the repository does
# not ship (models/mnist-local*.json) are skipped with a printed line.
# Sweeps run as shipped (every replication): the script takes seconds. Paths
# of the repository and of the temporary directory are written as REPO and
# TMP, so two checkouts compare equal. Run from the repository's top.
# Usage: tools/golden.sh BIN OUT_DIR
set -uo pipefail
BIN=$(cd "$(dirname "${1:?usage: tools/golden.sh BIN OUT_DIR}")" && pwd)/$(basename "$1")
OUT=${2:?usage: tools/golden.sh BIN OUT_DIR}
rm -rf "$OUT" && mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd)
repo=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 skipped=0

# rec NAME CMD...: runs CMD; NAME.out, NAME.err and NAME.rc record it.
rec() {
    local name=$1; shift
    "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
    echo $? > "$OUT/$name.rc"
    # Temporary paths would differ from run to run.
    sed -i -e "s|$tmp|TMP|g" -e "s|$repo|REPO|g" "$OUT/$name.out" "$OUT/$name.err"
    n=$((n + 1))
}
# keep NAME FILE...: copies files a command wrote.
keep() {
    local name=$1 f; shift
    for f in "$@"; do
        if [ -f "$f" ]; then sed -e "s|$tmp|TMP|g" -e "s|$repo|REPO|g" "$f" > "$OUT/$name.$(basename "$f")"
        else echo "missing" > "$OUT/$name.$(basename "$f")"; fi
    done
}
slug() { sed 's|[/.]|_|g' <<<"$1"; }

# A scenario whose model file is not in the repository is skipped.
runnable() {
    local f=$1 model dir
    model=$(sed -n 's/.*"model"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | head -1)
    [ -n "$model" ] || return 0
    dir=$(dirname "$f")
    case $model in /*) ;; *) model=$dir/$model ;; esac
    [ -f "$model" ] && return 0
    echo "golden: skip $f (needs $model)"; skipped=$((skipped + 1)); return 1
}

# ---- run: the table and --json on every scenario -----------------------------------
while IFS= read -r f; do
    grep -q '"workload"[[:space:]]*:' "$f" || continue
    runnable "$f" || continue
    s=$(slug "$f")
    rec "run.$s.table" "$BIN" run "$f"
    rec "run.$s.json" "$BIN" run "$f" --json
done < <(find scenarios -name '*.json' | sort)

# ---- run with every output file, on two scenarios -------------------------------------
for f in scenarios/quickstart.json scenarios/paper-bursty.json; do
    s=$(slug "$f")
    rm -f "$tmp"/r.csv "$tmp"/t.csv "$tmp"/l.log "$tmp"/c.csv
    rec "files.$s" "$BIN" run "$f" --requests-csv "$tmp/r.csv" --timeline-csv "$tmp/t.csv" \
        --lambda-log "$tmp/l.log" --client-log "$tmp/c.csv"
    keep "files.$s" "$tmp/r.csv" "$tmp/t.csv" "$tmp/l.log" "$tmp/c.csv"
done

# ---- sweep: every shipped sweep, --out and --json ---------------------------------------
while IFS= read -r f; do
    grep -q '"scenario"[[:space:]]*:' "$f" || continue
    dir=$(cd "$(dirname "$f")" && pwd)
    base=$(sed -n 's/.*"scenario"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | head -1)
    runnable "$dir/$base" || continue
    sed -e "s|\"scenario\"[[:space:]]*:[[:space:]]*\"\\([^/\"][^\"]*\\)\"|\"scenario\": \"$dir/\\1\"|" \
        "$f" > "$tmp/sweep.json"
    s=$(slug "$f")
    rm -f "$tmp/sweep.csv"
    rec "sweep.$s" "$BIN" sweep "$tmp/sweep.json" --jobs 2 --out "$tmp/sweep.csv"
    keep "sweep.$s" "$tmp/sweep.csv"
    rec "sweep.$s.json" "$BIN" sweep "$tmp/sweep.json" --jobs 2 --json
done < <(find scenarios -name '*.json' | sort)

# ---- explain ----------------------------------------------------------------------
for f in scenarios/quickstart.json scenarios/paper-bursty.json scenarios/warmup.json tests/data/explain-*.json; do
    rec "explain.$(slug "$f")" "$BIN" explain "$f" --first 50
done

# ---- merge: two shards of a small sweep ----------------------------------------------
rec merge.shard1 "$BIN" sweep tests/data/sweep-small.json --shard 1/2 --out "$tmp/s1.csv"
rec merge.shard2 "$BIN" sweep tests/data/sweep-small.json --shard 2/2 --out "$tmp/s2.csv"
keep merge "$tmp/s1.csv" "$tmp/s2.csv"
rec merge.csv "$BIN" merge "$tmp/s1.csv" "$tmp/s2.csv" -o "$tmp/merged.csv"
keep merge "$tmp/merged.csv"
rec merge.json "$BIN" merge "$tmp/s2.csv" "$tmp/s1.csv" --json

# ---- calibrate and validate ------------------------------------------------------------
rec cal.logs "$BIN" run tests/data/log-scenario.json --lambda-log "$tmp/cal.log" --client-log "$tmp/cal.csv"
rec cal.both "$BIN" calibrate "$tmp/cal.log" "$tmp/cal.csv" -o "$tmp/cal-model.json"
keep cal.both "$tmp/cal-model.json"
rec cal.lambda "$BIN" calibrate "$tmp/cal.log" -o "$tmp/cal-model2.json"
keep cal.lambda "$tmp/cal-model2.json"
rec validate.logscenario "$BIN" validate tests/data/log-scenario.json --observed "$tmp/cal.csv" \
    --replications 3 --json
rec validate.emulate "$BIN" validate scenarios/emulate/poisson-nobatch.json \
    --set function.model=../../traces/validation/mnist-local.json \
    --observed traces/validation/poisson-nobatch.client.csv --replications 2

echo "golden: $n commands recorded in $OUT ($(find "$OUT" -type f | wc -l) files), $skipped skipped"
