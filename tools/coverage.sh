#!/bin/sh
# tools/coverage.sh [BUILD_DIR]: the line coverage of src/ that the test
# suites reached, from the .gcda files a --coverage build left under
# BUILD_DIR (default build/coverage; `make coverage` builds and runs it).
# It reads every .gcno (what was compiled), so a file no test reached
# counts with all its lines uncovered instead of being left out.
# Prints one line per source directory and a total.
#
# Plain gcov (from gcc) and awk, so that it needs no network and no
# gcovr. A line counts once however many objects compiled it: the inline
# functions of a header (batcher_arrive, dist_sample ...) are compiled into
# many objects and test binaries, and the line is covered when any of them
# ran it. Only files under src/ count (not the tests, not system headers).
set -eu
dir=${1:-build/coverage}
list=$(find "$dir" -name '*.gcno' | sort)
if [ -z "$list" ]; then
    echo "coverage: no .gcno file under $dir (run make coverage)" >&2
    exit 1
fi
# gcov -t writes the annotated sources to stdout: a "Source:" line opens
# each file, then "COUNT:LINE:text" with COUNT '-' (no code), '#####' or
# '=====' (never run) or a number (run; '*' marks a partly run line).
for f in $list; do
    gcov -t "$f" 2>/dev/null || { echo "coverage: gcov failed on $f" >&2; exit 1; }
done | awk '
    /^ *-: *0:Source:/ { file = $0; sub(/^.*:Source:/, "", file); sub(/^\.\//, "", file); next }
    {
        i = index($0, ":"); if (i == 0) next
        c = substr($0, 1, i - 1); gsub(/ /, "", c)
        rest = substr($0, i + 1); j = index(rest, ":"); if (j == 0) next
        ln = substr(rest, 1, j - 1); gsub(/ /, "", ln)
        if (c == "-" || ln + 0 == 0 || file !~ /^src\//) next
        key = file SUBSEP ln
        seen[key] = 1
        if (c != "#####" && c != "=====") hit[key] = 1
    }
    END {
        for (k in seen) {
            split(k, a, SUBSEP)
            d = a[1]; sub(/\/[^\/]*$/, "", d)
            lines[d]++; total++
            if (k in hit) { cov[d]++; covered++ }
        }
        if (total == 0) { print "coverage: no line of src/ found" > "/dev/stderr"; exit 1 }
        for (d in lines)
            printf "%-22s %6.1f %%  (%d of %d lines)\n", d, 100 * cov[d] / lines[d], cov[d], lines[d] | "sort"
        close("sort")
        printf "%-22s %6.1f %%  (%d of %d lines)\n", "total", 100 * covered / total, covered, total
    }'
