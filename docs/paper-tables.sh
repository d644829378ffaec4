#!/usr/bin/env bash
# make paper: runs the sweeps behind docs/paper-study.md and rewrites the
# tables between its <!-- BEGIN name --> / <!-- END name --> markers, so
# every number in the report can be regenerated with one command.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/lambdasim}
DOC=docs/paper-study.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

sweep() { # name -> $TMP/name.csv
  "$BIN" sweep "scenarios/sweeps/$1.json" --out "$TMP/$1.csv" --force >/dev/null
}

# col FILE NAME: index (1-based) of a CSV column
col() { head -1 "$1" | tr ',' '\n' | grep -nx -- "$2" | cut -d: -f1; }

# The study's measured baseline (docs/study.md, "What was measured").
baseline_table() {
  printf '| workload | metric | study | simulator (mean ± 95%% CI, 200 runs) | error |\n|---|---|---|---|---|\n'
  for w in uniform bursty; do
    f=$TMP/paper-$w-baseline.csv
    if [ $w = uniform ]; then paper=(126.9 122.5 185.2 6.11); else paper=(125.1 121.1 167.5 6.15); fi
    i=0
    for m in latency_ms.mean latency_ms.p50 latency_ms.p99 throughput_rps; do
      cm=$(col "$f" "${m}_mean"); ch=$(col "$f" "${m}_ci95")
      awk -F, -v cm="$cm" -v ch="$ch" -v p="${paper[$i]}" -v w="$w" -v m="$m" \
        'NR==2 { d = ($cm - p) / p * 100;
                 unit = (m == "throughput_rps") ? " images/s" : " ms";
                 fmt = (m == "throughput_rps") ? "%.3f ± %.3f" : "%.1f ± %.1f";
                 printf "| %s | %s | %s%s | " fmt "%s | %+.1f %% |\n", w, m, p, unit, $cm, $ch, unit, d }' "$f"
      i=$((i + 1))
    done
  done
}

# points_table FILE AXIS1 AXIS2 METRICS...: one row per point
points_table() {
  local f=$1 a1=$2 a2=$3; shift 3
  local hdr="| ${a1##*.} | ${a2##*.} |" sep="|---|---|"
  for m in "$@"; do hdr+=" $m |"; sep+="---|"; done
  printf '%s\n%s\n' "$hdr" "$sep"
  local c1 c2; c1=$(col "$f" "$a1"); c2=$(col "$f" "$a2")
  local cols=""
  for m in "$@"; do cols+="$(col "$f" "${m}_mean"):$(col "$f" "${m}_ci95") "; done
  awk -F, -v c1="$c1" -v c2="$c2" -v cols="$cols" 'NR > 1 {
      n = split(cols, cs, " "); line = "| " $c1 " | " $c2 " |";
      for (i = 1; i <= n; i++) { split(cs[i], ab, ":");
        line = line sprintf(" %.3g ± %.2g |", $(ab[1]), $(ab[2])) }
      print line }' "$f"
}

# grid_table FILE STUDY: the five best points and the study's own point
# (STUDY = its axis values joined by commas, in axis order).
grid_table() {
  local f=$1 study=$2
  local cr cm ch cp cc cq
  cr=$(col "$f" rank); cm=$(col "$f" latency_ms.mean_mean); ch=$(col "$f" latency_ms.mean_ci95)
  cp=$(col "$f" latency_ms.p99_mean); cc=$(col "$f" cost_usd.total_mean); cq=$(col "$f" cost_usd.per_million_requests_mean)
  awk -F, -v cr="$cr" -v cm="$cm" -v ch="$ch" -v cp="$cp" -v cc="$cc" -v cq="$cq" -v study="$study" '
    NR == 1 { for (i = 2; i <= NF && $i != "replications"; i++) n = i;
              printf "| rank |"; for (i = 2; i <= n; i++) printf " %s |", $i;
              printf " mean latency ms | p99 ms | USD per million images |\n|---|";
              for (i = 2; i <= n; i++) printf "---|"; printf "---|---|---|\n"; next }
    { key = ""; for (i = 2; i <= n; i++) key = key (i > 2 ? "," : "") $i }
    $cr <= 5 || key == study {
      row = sprintf("| %s%s |", $cr, key == study ? " (the study\x27s point)" : "");
      for (i = 2; i <= n; i++) row = row sprintf(" %s |", $i);
      row = row sprintf(" %.1f ± %.1f | %.0f | %.3f |", $cm, $ch, $cp, $cq);
      rows[$cr + 0] = row }
    END { for (r = 1; r <= 100000; r++) if (r in rows) print rows[r] }' "$f"
}

fine_table() { # FILE INTERVAL: PC rows x warm-up columns of mean latency
  local f=$1 iv=$2
  local cp cw ci cm
  cp=$(col "$f" platform.provisioned_concurrency); cw=$(col "$f" warmup.concurrency)
  ci=$(col "$f" warmup.interval_s); cm=$(col "$f" latency_ms.mean_mean)
  awk -F, -v cp="$cp" -v cw="$cw" -v ci="$ci" -v cm="$cm" -v iv="$iv" '
    NR > 1 && $ci == iv { v[$cp "," $cw] = $cm; if ($cp > maxp) maxp = $cp; if ($cw > maxw) maxw = $cw }
    END { printf "| PC / warm-up pings |"; for (w = 0; w <= maxw; w++) printf " %d |", w; printf "\n|---|";
          for (w = 0; w <= maxw; w++) printf "---|"; printf "\n";
          for (p = 0; p <= maxp; p++) { printf "| %d |", p;
            for (w = 0; w <= maxw; w++) printf " %.0f |", v[p "," w]; printf "\n" } }' "$f"
}

for s in paper-uniform-baseline paper-bursty-baseline paper-uniform-grid paper-bursty-grid \
         paper-uniform-pc-warmup paper-bursty-pc-warmup paper-bursty-pc-warmup-fresh \
         paper-bursty-pc-warmup-fine; do
  sweep "$s"
done

# random_phase_table INTERVAL: the fresh-start bursty rows with the warm-up
# round at a random phase (a study whose schedule is unknown), 200 single
# 50-image runs per row: mean latency, the spread of single runs, and how
# many runs warm-up collisions degraded.
random_phase_table() {
  local iv=$1
  printf '| provisioned_concurrency | warm-up pings | mean latency ms (mean ± 95 %% CI) | one run: 95 %% of runs within | p99 ms, one run: 95 %% within | runs degraded by collisions |\n|---|---|---|---|---|---|\n'
  for pc in 5 6 7; do
    for m in 0 5 6; do
      "$BIN" run scenarios/paper-bursty.json --set warmup_period_s=0 --set requests=50 \
        --set workload.start_s=0.01 --set warmup.interval_s="$iv" --set 'warmup.first_at_s="random"' \
        --set warmup.hold_ms=75 --set platform.provisioned_concurrency="$pc" --set warmup.concurrency="$m" \
        --replications 200 --json > "$TMP/rp.json"
      jq -r --arg pc "$pc" --arg m "$m" '.metrics as $x | .replications as $r
        | "| \($pc) | \($m) | \($x.latency_mean_ms.mean * 10 | round / 10) ± \((($x.latency_mean_ms.ci95[1] - $x.latency_mean_ms.ci95[0]) / 2) * 10 | round / 10) "
          + "| [\($x.latency_mean_ms.per_run_interval[0] | round), \($x.latency_mean_ms.per_run_interval[1] | round)] "
          + "| [\($x.latency_p99_ms.per_run_interval[0] | round), \($x.latency_p99_ms.per_run_interval[1] | round)] "
          + "| \($x.warmup_collisions.runs_above_0) of \($r) (\($x.warmup_collisions.runs_above_0 * 1000 / $r | round / 10) %) |"' "$TMP/rp.json"
    done
  done
}

METRICS=(latency_ms.mean latency_ms.p50 latency_ms.p99 throughput_rps cold_starts.count)
baseline_table > "$TMP/baseline.md"
grid_table "$TMP/paper-uniform-grid.csv" "2,0.3" > "$TMP/grid-uniform.md"
grid_table "$TMP/paper-bursty-grid.csv" "2,0.5,10,2" > "$TMP/grid-bursty.md"
points_table "$TMP/paper-uniform-pc-warmup.csv" platform.provisioned_concurrency warmup.concurrency "${METRICS[@]}" > "$TMP/pcwu-uniform.md"
points_table "$TMP/paper-bursty-pc-warmup.csv" platform.provisioned_concurrency warmup.concurrency "${METRICS[@]}" > "$TMP/pcwu-bursty.md"
points_table "$TMP/paper-bursty-pc-warmup-fresh.csv" platform.provisioned_concurrency warmup.concurrency "${METRICS[@]}" warmup.collisions > "$TMP/pcwu-fresh.md"
for iv in 2 60 300; do fine_table "$TMP/paper-bursty-pc-warmup-fine.csv" "$iv" > "$TMP/fine-$iv.md"; done
random_phase_table 300 > "$TMP/random-300.md"
random_phase_table 60 > "$TMP/random-60.md"

# Replace each marked block with its table.
out=$TMP/doc.md
awk -v dir="$TMP" '
  /<!-- BEGIN [a-z0-9-]+ -->/ { print; name = $3; while ((getline l < (dir "/" name ".md")) > 0) print l; skip = 1; next }
  /<!-- END [a-z0-9-]+ -->/ { skip = 0 }
  !skip { print }' "$DOC" > "$out"
mv "$out" "$DOC"
echo "updated $DOC"
