#!/usr/bin/env bash
# `make valgrind`: valgrind memcheck on every shipped scenario (`run`, with
# every output file) and every shipped sweep (`sweep --out`, one
# replication per point: the code paths are the same, the run 5-10 times
# shorter). Any memcheck error or leak of any kind fails (exit 9 from
# valgrind). Usage: tests/valgrind.sh BIN
set -uo pipefail
BIN=${1:-build/lambdasim}
VG=(valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
    --error-exitcode=9 --track-origins=yes)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 runs=0 sweeps=0
check() { # check WHAT CMD...: runs CMD under memcheck
    local what=$1; shift
    if "${VG[@]}" "$@" > "$tmp/out" 2> "$tmp/err"; then
        echo "valgrind: ok    $what"
    else
        echo "valgrind: FAIL  $what (exit $?)"; cat "$tmp/err"; fail=1
    fi
}
while IFS= read -r f; do
    if grep -q '"scenario"[[:space:]]*:' "$f"; then
        # A sweep: one replication, the base scenario by absolute path.
        dir=$(cd "$(dirname "$f")" && pwd)
        sed -e 's|"replications"[[:space:]]*:[[:space:]]*[0-9]*|"replications": 1|' \
            -e "s|\"scenario\"[[:space:]]*:[[:space:]]*\"\\([^/\"][^\"]*\\)\"|\"scenario\": \"$dir/\\1\"|" \
            "$f" > "$tmp/sweep.json"
        rm -f "$tmp/sweep.csv"
        check "sweep $f" "$BIN" sweep "$tmp/sweep.json" --jobs 2 --out "$tmp/sweep.csv"
        sweeps=$((sweeps + 1))
    elif grep -q '"workload"[[:space:]]*:' "$f"; then
        check "run $f" "$BIN" run "$f" --force --requests-csv "$tmp/r.csv" --lambda-log "$tmp/l.log" \
            --client-log "$tmp/c.csv" --timeline-csv "$tmp/t.csv"
        runs=$((runs + 1))
    fi
done < <(find scenarios -name '*.json' | sort)
echo "valgrind: $runs scenarios and $sweeps sweeps checked"
if [ "$runs" = 0 ] || [ "$sweeps" = 0 ]; then echo "valgrind: nothing found to check" >&2; fail=1; fi
exit $fail
