#!/usr/bin/env bash
# make bench, memory part: peak memory of `lambdasim run --stats streaming`
# with every output file (--requests-csv, --timeline-csv, --lambda-log,
# --client-log) on bench/steady.json (Poisson), at 10^6 and 10^7 requests,
# as it is (few instances, long keep-alive) and with a 0.5 s keep-alive
# (churn: a new instance for most requests, millions of them in all).
# The outputs are written for real (about 700 bytes per request: 7 GB at
# 10^7) into a temporary directory and deleted. Fails when the peak at
# 10^7 passes 64 MB or is more than 8 MB above the peak at 10^6: memory
# must not grow with the number of requests. Set BENCH_MEMORY_MAX=N to
# stop at 10^N requests (e.g. 6 on a small disk).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/lambdasim}
MAX_EXP=${BENCH_MEMORY_MAX:-7}
LIMIT_MB=64
GROWTH_MB=8
dir=$(mktemp -d "${TMPDIR:-/tmp}/lambdasim-memory.XXXXXX")
trap 'rm -rf "$dir"' EXIT

need_kb=$(( 900 * 10 ** MAX_EXP / 1024 ))
free_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt "$need_kb" ]; then
  echo "memory: needs about $((need_kb / 1024 / 1024)) GB free in $dir for 10^$MAX_EXP requests" \
       "(has $((free_kb / 1024 / 1024)) GB); set TMPDIR, or BENCH_MEMORY_MAX=6" >&2
  exit 1
fi

# name | extra arguments
cases=("steady|" "churn|--set platform.keep_alive_s=0.5")
fail=0
for c in "${cases[@]}"; do
  IFS='|' read -r name extra <<<"$c"
  echo "memory: $name: bench/steady.json $extra --stats streaming, every output file"
  printf '  %-10s %10s %10s %12s\n' requests "wall s" "peak MB" "output MB"
  first="" last=""
  for e in $(seq 6 "$MAX_EXP"); do
    n=$((10 ** e))
    # shellcheck disable=SC2086
    line=$("$BIN" run bench/steady.json $extra --stats streaming --set requests=$n --set duration_s=4e9 \
             --requests-csv "$dir/r.csv" --timeline-csv "$dir/t.csv" --lambda-log "$dir/l.log" \
             --client-log "$dir/c.csv" --force --timing 2>&1 >/dev/null | grep '^timing:')
    wall=$(sed -E 's/^timing: ([0-9.]+) s.*/\1/' <<<"$line")
    mb=$(sed -E 's/.*peak memory ([0-9.]+) MB.*/\1/' <<<"$line")
    out_mb=$(du -sm "$dir" | cut -f1)
    printf '  10^%-7s %10s %10s %12s\n' "$e" "$wall" "$mb" "$out_mb"
    [ -n "$first" ] || first=$mb
    last=$mb
    rm -f "$dir"/*
  done
  if awk -v a="$last" -v l="$LIMIT_MB" 'BEGIN{exit !(a > l)}'; then
    echo "memory: FAIL: $name: peak $last MB at 10^$MAX_EXP requests is above $LIMIT_MB MB" >&2; fail=1
  fi
  if awk -v a="$last" -v b="$first" -v g="$GROWTH_MB" 'BEGIN{exit !(a > b + g)}'; then
    echo "memory: FAIL: $name: peak grows from $first MB (10^6) to $last MB (10^$MAX_EXP)" >&2; fail=1
  fi
done
[ $fail = 0 ] && echo "memory: ok: peak under $LIMIT_MB MB and flat from 10^6 to 10^$MAX_EXP requests"
exit $fail
