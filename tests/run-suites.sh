#!/bin/sh
# tests/run-suites.sh LOGDIR SUITE...: runs each CUnit suite binary, one
# after the other, each with its stdout and stderr in LOGDIR/NAME.log, and
# prints one line per suite:
#   PASS test_engine  (41 tests, 1285 asserts, 2.1 s)
# with, under it, the suite's "skipped: ..." lines; for a failing suite
# (FAIL ...) its whole log follows. Ends with "N passed, N failed" (suites)
# on a line of its own, writes "N M" to LOGDIR/summary, and exits 1 when a
# suite failed. The environment (LAMBDASIM_BIN, ...) is passed on.
#
# tests/run-suites.sh --total SUMMARY...: adds up the summary files that
# exist (`make check`: both test runs and the linters) and prints the same
# last line; exits 1 when something failed or nothing was counted.
set -u

if [ "${1:-}" = --total ]; then
    shift
    pass=0 fail=0
    for f in "$@"; do
        [ -f "$f" ] || continue
        read -r p q < "$f" || continue
        pass=$((pass + p)) fail=$((fail + q))
    done
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ] && [ "$pass" -gt 0 ]
    exit
fi

logdir=$1
shift
mkdir -p "$logdir" || exit 1
rm -f "$logdir/summary"
pass=0 fail=0
now() { date +%s.%N; }
for t in "$@"; do
    name=${t##*/}
    log=$logdir/$name.log
    t0=$(now)
    "$t" > "$log" 2>&1
    rc=$?
    t1=$(now)
    # CUnit's run summary: "tests  Total Ran Passed Failed Inactive".
    stats=$(awk -v t0="$t0" -v t1="$t1" '
        $1 == "tests"   { ran = $3; failed = $5 }
        $1 == "asserts" { asserts = $2; afailed = $5 }
        END {
            if (ran == "") printf "no CUnit summary";
            else printf "%d tests, %d asserts", ran, asserts;
            if (failed > 0) printf ", %d tests failed", failed;
            if (afailed > 0) printf ", %d asserts failed", afailed;
            printf ", %.1f s", t1 - t0
        }' "$log")
    if [ "$rc" = 0 ]; then
        pass=$((pass + 1))
        echo "PASS $name  ($stats)"
        sed -n 's/^ *\(skipped: .*\)$/     \1/p' "$log"
    else
        fail=$((fail + 1))
        if [ "$rc" -gt 128 ]; then
            why="killed by signal $((rc - 128))"
        else
            why="exit $rc"
        fi
        echo "FAIL $name  ($stats; $why); its output ($log):"
        sed 's/^/  | /' "$log"
    fi
done
echo "$pass $fail" > "$logdir/summary"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
