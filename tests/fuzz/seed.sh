#!/usr/bin/env bash
# Rebuilds the seed corpora tests/fuzz/corpus/<harness>/ from the project's
# own files (tests/data, tests/bad, scenarios, models, traces) and a few
# outputs of build/lambdasim (simulated logs, a shard file, checkpoint
# lines). Run from the repository root after `make`; review and commit the
# result. Files are named after their source, so reruns are stable.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/lambdasim}
C=tests/fuzz/corpus
rm -rf "$C"
mkdir -p "$C"/{scenario,model,set,trace,log,sweep,shard,plot}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp_as() { # cp_as HARNESS FILE...: copies each file in as <dir>_<name>
    local h=$1; shift
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$C/$h/$(echo "$f" | tr '/' '_')"
    done
}

# Scenarios: the shipped ones, the test ones and every bad one.
cp_as scenario scenarios/*.json tests/data/scenario-*.json tests/data/explain-*.json \
    tests/data/sweep-base.json tests/data/sweep-normal.json tests/data/log-scenario.json \
    tests/bad/scenario-*.json
# Models: shipped, test, bad.
cp_as model models/*.json tests/data/model-*.json tests/bad/model-*.json
# Traces: plain, CSV, Azure samples (cut to their first lines), bad ones.
cp_as trace tests/data/trace*.csv tests/data/trace-plain.txt tests/data/explain-*.txt tests/bad/trace-*
for f in traces/azure2019-sample.csv traces/azure2021-sample.csv; do
    head -4 "$f" > "$C/trace/$(echo "$f" | tr '/' '_')"
done
# Logs: the bad catalogue, the client log, and simulated Lambda and client
# logs of a short run.
cp_as log tests/bad/log-* tests/data/log-client.csv
"$BIN" run tests/data/log-scenario.json --set requests=20 --lambda-log "$tmp/lambda.log" \
    --client-log "$tmp/client.csv" > /dev/null
head -30 "$tmp/lambda.log" > "$C/log/sim_lambda.log"
head -12 "$tmp/client.csv" > "$C/log/sim_client.csv"
cat > "$C/log/json_report.log" <<'JSON'
{"time": "2022-10-12T00:01:15.000Z", "type": "platform.start", "record": {"requestId": "r1", "version": "$LATEST"}}
{"time": "2022-10-12T00:01:15.500Z", "type": "function", "record": "batch_size=2 r1"}
{"time": "2022-10-12T00:01:16.020Z", "type": "platform.report", "record": {"requestId": "r1", "status": "success", "metrics": {"durationMs": 9.5, "billedDurationMs": 10, "memorySizeMB": 128, "maxMemoryUsedMB": 84, "initDurationMs": 397.68,}}}
JSON
printf 'REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95  Duration: 15.74 ms  Billed Duration: 16 ms Memory Size: 128 MB Max Memory Used: 56 MB  Init Duration: 130.49 ms\n' \
    > "$C/log/report_console.log"
# --set arguments, one per line.
printf 'batching.threshold=4\n' > "$C/set/threshold"
printf 'platform.keep_alive_s={"dist":"uniform","min":300,"max":900}\nplatform.routing=random\n' > "$C/set/dist"
printf 'stats.mode=streaming\nworkload={"type":"trace","file":"trace.csv"}\n' > "$C/set/trace"
printf 'function.model={"memory_mb":1024,"cold_start_ms":500,"overhead_ms":0,"inference_ms":{"base":50}}\n' > "$C/set/model"
printf 'workload.rate_rps=1e300\nrequests=100\nwarmup.concurrency=2\n' > "$C/set/huge"
printf 'platform.on_throttle.action=retry\nclient.max_queue=3\nbatching.max_batch=8\n' > "$C/set/nested"
printf 'workload.zip[0]=1\nnotes.a.b.c=x\n' > "$C/set/index"
# Sweep files.
cp_as sweep scenarios/sweeps/*.json tests/data/sweep-*.json
# Shard files and checkpoint bodies (sweep-small: 3 replications x 15
# metrics per line).
"$BIN" sweep tests/data/sweep-small.json --shard 1/2 --out "$tmp/shard1.csv" --jobs 1 > /dev/null
"$BIN" sweep tests/data/sweep-small.json --shard 2/5 --out "$tmp/shard2.csv" --jobs 1 > /dev/null
head -6 "$tmp/shard1.csv" | cut -c1-2000 > "$C/shard/shard1"
cp "$tmp/shard2.csv" "$C/shard/shard2"
"$BIN" sweep tests/data/sweep-small.json --out "$tmp/whole.csv" --jobs 1 > /dev/null
head -4 "$tmp/whole.csv" > "$C/shard/whole"
{
    for p in 0 5 23; do
        printf '%d' "$p"
        for i in $(seq 1 45); do awk -v p="$p" -v i="$i" 'BEGIN { printf " %.17g", p * 1.5 + i / 7 }'; done
        printf '\n'
    done
    printf '7 1 2'
} > "$C/shard/ckpt_lines"
# Plot inputs: requests and timeline CSVs of short runs, a sweep CSV and a
# shard, the paper's baseline, the bad plot inputs, and two inputs whose
# first comment line names the file (see fuzz_plot.c).
"$BIN" run tests/data/explain-size.json --requests-csv "$tmp/req.csv" --timeline-csv "$tmp/tl.csv" > /dev/null
"$BIN" run tests/data/explain-ping.json --requests-csv "$tmp/req-ping.csv" --timeline-csv "$tmp/tl-ping.csv" > /dev/null
cp "$tmp/req.csv" "$C/plot/requests"
head -12 "$tmp/req-ping.csv" > "$C/plot/requests_ping"
cp "$tmp/tl.csv" "$C/plot/timeline"
head -30 "$tmp/tl-ping.csv" > "$C/plot/timeline_ping"
cp "$tmp/whole.csv" "$C/plot/sweep"
head -6 "$tmp/shard1.csv" | cut -c1-2000 > "$C/plot/shard"
cp_as plot tests/data/plot-bad-*.csv
{ echo '# source: a test'; grep -v '^#' plots/paper-baseline.csv; } > "$C/plot/paper"
{ printf "#x';system('touch pwned');'\n"; cat "$tmp/req.csv"; } > "$C/plot/named_requests"
{ printf '#`touch pwned`\n'; head -8 "$tmp/tl.csv"; } > "$C/plot/named_timeline"
echo "seed corpora:"; for d in "$C"/*; do echo "  $(basename "$d"): $(ls "$d" | wc -l) files"; done
