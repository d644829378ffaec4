#!/usr/bin/env bash
# `make valgrind`: valgrind memcheck on every shipped scenario (`run`, with
# every output file), every shipped sweep (`sweep --out`, one replication
# per point: the code paths are the same, the run 5-10 times shorter), and
# `calibrate`, `validate`, `plot` (every kind) and `merge` on shipped data
# and on what the runs write. Any memcheck error or leak of any kind fails
# (exit 9 from valgrind). Works in a fresh clone: a scenario whose model
# profile is not in the repository (models/mnist-local*.json, written by
# `lambdasim profile` and gitignored) runs on a quick profile made here
# (the first one under memcheck too); any other missing file skips the
# scenario with a printed line. Child processes (gnuplot, workers) are not
# traced. Usage: tests/valgrind.sh BIN (VALGRIND_OFF=1: the same commands
# without valgrind, to check the script itself quickly).
set -uo pipefail
BIN=${1:-build/lambdasim}
WORKER=${LAMBDASIM_WORKER:-$(dirname "$BIN")/lambdasim-worker}
VG=(valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
    --error-exitcode=9 --track-origins=yes)
[ -n "${VALGRIND_OFF:-}" ] && VG=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 runs=0 sweeps=0 tools=0 skipped=0

check() { # check WHAT CMD...: runs CMD under memcheck; it must exit 0
    check_rc 0 "$@"
}
check_rc() { # check_rc "CODES" WHAT CMD...: CMD may exit with any of CODES
    local codes=$1 what=$2; shift 2
    "${VG[@]}" "$@" > "$tmp/out" 2> "$tmp/err"
    local st=$?
    if [[ " $codes " == *" $st "* ]]; then
        echo "valgrind: ok    $what"
    else
        echo "valgrind: FAIL  $what (exit $st)"; cat "$tmp/err"; fail=1
    fi
}
setup() { # setup WHAT CMD...: a step that prepares inputs (not under memcheck)
    local what=$1; shift
    if ! "$@" > "$tmp/out" 2> "$tmp/err"; then
        echo "valgrind: FAIL  setup: $what"; cat "$tmp/err"; fail=1; return 1
    fi
}
skip() {
    echo "valgrind: skip  $*"; skipped=$((skipped + 1))
}

# A stand-in for a gitignored profile: a few timed batches of each size up
# to the largest the scenarios use (4, or 64 for mnist-local-64.json).
profile_for() { # NAME -> sets prof to the path of a quick profile; fails without one
    local name=$1 batch=4
    prof=$tmp/$1
    [[ $name == *-64.json ]] && batch=64
    [ -f "$prof" ] && return 0
    [ -x "$WORKER" ] || return 1
    local args=(profile -o "$prof" --max-batch "$batch" --repetitions 3 --cold-starts 2
                --warmup 1 --long-gap-ms 0 --speed-probe-s 0 --wake-probe-s 0 --worker "$WORKER" --quiet)
    if [ ! -f "$tmp/profiled" ]; then
        touch "$tmp/profiled"
        check "profile (a stand-in for $name)" "$BIN" "${args[@]}"
        tools=$((tools + 1))
    else
        setup "profile for $name" "$BIN" "${args[@]}" || return 1
    fi
    [ -f "$prof" ]
}

# Extra arguments for a scenario whose model file is missing, or a skip.
model_args() { # SCENARIO -> sets margs=(...); returns 1 to skip
    margs=()
    local f=$1 model dir path
    model=$(sed -n 's/.*"model"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | head -1)
    [ -n "$model" ] || return 0
    dir=$(dirname "$f")
    case $model in /*) path=$model ;; *) path=$dir/$model ;; esac
    [ -f "$path" ] && return 0
    case $(basename "$model") in
    mnist-local*.json)
        if profile_for "$(basename "$model")"; then
            margs=(--set "function.model=$prof")
            return 0
        fi
        skip "$f (needs $model: no lambdasim-worker to profile with)"
        return 1 ;;
    esac
    skip "$f (needs $model, which is not in the repository)"
    return 1
}

while IFS= read -r f; do
    if grep -q '"scenario"[[:space:]]*:' "$f"; then
        # A sweep: one replication, the base scenario by absolute path.
        dir=$(cd "$(dirname "$f")" && pwd)
        base=$(sed -n 's/.*"scenario"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | head -1)
        model_args "$dir/$base" || continue
        sed -e 's|"replications"[[:space:]]*:[[:space:]]*[0-9]*|"replications": 1|' \
            -e "s|\"scenario\"[[:space:]]*:[[:space:]]*\"\\([^/\"][^\"]*\\)\"|\"scenario\": \"$dir/\\1\"|" \
            "$f" > "$tmp/sweep.json"
        if [ ${#margs[@]} -gt 0 ]; then
            skip "$f (its base scenario needs a profile that is not in the repository)"
            continue
        fi
        rm -f "$tmp/sweep.csv"
        check "sweep $f" "$BIN" sweep "$tmp/sweep.json" --jobs 2 --out "$tmp/sweep.csv"
        sweeps=$((sweeps + 1))
    elif grep -q '"workload"[[:space:]]*:' "$f"; then
        model_args "$f" || continue
        check "run $f${margs[*]:+ (${margs[*]})}" "$BIN" run "$f" "${margs[@]}" --force \
            --requests-csv "$tmp/r.csv" --lambda-log "$tmp/l.log" \
            --client-log "$tmp/c.csv" --timeline-csv "$tmp/t.csv"
        runs=$((runs + 1))
    fi
done < <(find scenarios -name '*.json' | sort)

# ---- the trace readers (no shipped scenario replays a trace) ---------------------
for w in '{"type":"trace","file":"../../traces/azure2019-sample.csv","format":"azure2019","function":"fn-http-diurnal","time_scale":0.1,"within_minute":"random"}' \
         '{"type":"trace","file":"../../traces/azure2021-sample.csv","format":"azure2021","app":"app-synthetic-a","function":"fn-api"}' \
         '{"type":"trace","file":"trace-plain.txt"}' '{"type":"trace","file":"trace.csv"}'; do
    file=$(sed 's/.*"file":"\([^"]*\)".*/\1/' <<<"$w")
    check "run tests/data/scenario-minimal.json on $(basename "$file")" "$BIN" run tests/data/scenario-minimal.json \
        --set "workload=$w" --set requests=500 --force --requests-csv "$tmp/r.csv" --client-log "$tmp/c.csv"
    runs=$((runs + 1))
done

# ---- the other commands, on small shipped inputs ---------------------------------
# calibrate and validate: the README's worked loop (simulated logs of
# tests/data/log-scenario.json), and a shipped emulator log.
if setup "logs of tests/data/log-scenario.json" "$BIN" run tests/data/log-scenario.json \
        --lambda-log "$tmp/cal.log" --client-log "$tmp/cal.csv"; then
    check "calibrate (Lambda log + client log)" "$BIN" calibrate "$tmp/cal.log" "$tmp/cal.csv" \
        -o "$tmp/cal-model.json"
    check "calibrate (Lambda log only)" "$BIN" calibrate "$tmp/cal.log" -o "$tmp/cal-model2.json"
    check_rc "0 1" "validate tests/data/log-scenario.json" "$BIN" validate tests/data/log-scenario.json \
        --observed "$tmp/cal.csv" --replications 3 --json
    tools=$((tools + 3))
fi
check_rc "0 1" "validate scenarios/emulate/poisson-nobatch.json (shipped emulator log)" \
    "$BIN" validate scenarios/emulate/poisson-nobatch.json \
    --set function.model=../../traces/validation/mnist-local.json \
    --observed traces/validation/poisson-nobatch.client.csv --replications 2
tools=$((tools + 1))

# plot: every kind (gnuplot itself is a child, not traced).
if command -v gnuplot > /dev/null; then
    ok=1
    for s in paper-uniform paper-bursty; do
        setup "run scenarios/$s.json" "$BIN" run "scenarios/$s.json" --requests-csv "$tmp/$s.csv" \
            --timeline-csv "$tmp/$s-timeline.csv" || ok=0
    done
    setup "sweep tests/data/sweep-small.json" "$BIN" sweep tests/data/sweep-small.json \
        --out "$tmp/grid.csv" || ok=0
    if [ $ok = 1 ]; then
        u=$tmp/paper-uniform.csv b=$tmp/paper-bursty.csv
        check "plot cdf" "$BIN" plot cdf "$u" "$b" -o "$tmp/p.png" --force
        check "plot histogram" "$BIN" plot histogram "$u" "$b" -o "$tmp/p.png" --force
        check "plot timeline" "$BIN" plot timeline "$tmp/paper-bursty-timeline.csv" --window 0:12 \
            -o "$tmp/p.png" --force
        check "plot queue" "$BIN" plot queue "$tmp/paper-uniform-timeline.csv" -o "$tmp/p.png" --force
        check "plot heatmap" "$BIN" plot heatmap "$tmp/grid.csv" -o "$tmp/p.png" --force
        check "plot pareto" "$BIN" plot pareto "$tmp/grid.csv" -o "$tmp/p.png" --force
        check "plot paper" "$BIN" plot paper plots/paper-baseline.csv "$u" "$b" \
            --latency-from dispatch -o "$tmp/p.png" --force
        tools=$((tools + 7))
    fi
else
    skip "plot (gnuplot is not installed)"
fi

# merge: the two shards of a small sweep.
if setup "sweep shard 1/2" "$BIN" sweep tests/data/sweep-small.json --shard 1/2 --out "$tmp/s1.csv" &&
   setup "sweep shard 2/2" "$BIN" sweep tests/data/sweep-small.json --shard 2/2 --out "$tmp/s2.csv"; then
    check "merge (2 shards)" "$BIN" merge "$tmp/s1.csv" "$tmp/s2.csv" -o "$tmp/merged.csv"
    check "merge --json" "$BIN" merge "$tmp/s2.csv" "$tmp/s1.csv" --json
    tools=$((tools + 2))
fi

echo "valgrind: $runs scenarios, $sweeps sweeps and $tools other commands checked, $skipped skipped"
if [ "$runs" = 0 ] || [ "$sweeps" = 0 ]; then echo "valgrind: nothing found to check" >&2; fail=1; fi
exit $fail
