#!/bin/sh
# tests/run-suites.sh LOGDIR SUITE...: runs each CUnit suite binary, each
# with its stdout and stderr in LOGDIR/NAME.log, and prints one line per
# suite, in the order given:
#   PASS test_engine  (41 tests, 1285 asserts, 2.1 s)
# with, under it, the suite's "skipped: ..." lines; for a failing suite
# (FAIL ...) its whole log follows. Ends with "N passed, N failed" (suites)
# on a line of its own, writes "N M" to LOGDIR/summary, and exits 1 when a
# suite failed. The environment (LAMBDASIM_BIN, ...) is passed on.
#
# Suites run SUITE_JOBS at a time (default: the number of CPUs), except
# those named in ALONE_SUITES (space-separated names), which run afterwards
# one at a time with nothing else of the suite beside them: they measure
# real time (emulate, serve, profile, signals, MPI balance), and a
# neighbour's CPU load would be measured with them. The suites are
# independent processes with their own temporary directories, so running
# the others side by side changes nothing but the wall time (most of `make
# check`'s: about a third less on 2 CPUs).
#
# tests/run-suites.sh --total SUMMARY...: adds up the summary files that
# exist (`make check`: both test runs and the linters) and prints the same
# last line; exits 1 when something failed or nothing was counted.
#
# tests/run-suites.sh --one LOGDIR SUITE: runs one suite and writes its
# report (the lines above) to LOGDIR/NAME.report and its exit code to
# LOGDIR/NAME.rc; what the parallel phase runs.
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

now() { date +%s.%N; }

if [ "${1:-}" = --one ]; then
    logdir=$2 t=$3
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
    {
        if [ "$rc" = 0 ]; then
            echo "PASS $name  ($stats)"
            sed -n 's/^ *\(skipped: .*\)$/     \1/p' "$log"
        else
            if [ "$rc" -gt 128 ]; then
                why="killed by signal $((rc - 128))"
            else
                why="exit $rc"
            fi
            echo "FAIL $name  ($stats; $why); its output ($log):"
            sed 's/^/  | /' "$log"
        fi
    } > "$logdir/$name.report"
    echo "$rc" > "$logdir/$name.rc"
    exit 0
fi

logdir=$1
shift
mkdir -p "$logdir" || exit 1
rm -f "$logdir/summary"
self=$0
jobs=${SUITE_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
case $jobs in ''|*[!0-9]*|0) jobs=1 ;; esac

alone() {
    for a in ${ALONE_SUITES:-}; do
        [ "$a" = "${1##*/}" ] && return 0
    done
    return 1
}

for t in "$@"; do
    rm -f "$logdir/${t##*/}.report" "$logdir/${t##*/}.rc"
done
# Side by side: every suite not named alone, $jobs at a time.
for t in "$@"; do
    alone "$t" || printf '%s\n' "$t"
done | xargs -r -n 1 -P "$jobs" sh "$self" --one "$logdir"
# Then, one at a time, the ones that measure real time.
for t in "$@"; do
    if alone "$t"; then
        sh "$self" --one "$logdir" "$t"
    fi
done

pass=0 fail=0
for t in "$@"; do
    name=${t##*/}
    rc=$(cat "$logdir/$name.rc" 2>/dev/null || echo 127)
    if [ "$rc" = 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
    fi
    if [ -f "$logdir/$name.report" ]; then
        cat "$logdir/$name.report"
    else
        echo "FAIL $name  (not run)"
    fi
done
echo "$pass $fail" > "$logdir/summary"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
