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
mkdir -p "$C"/{scenario,model,set,trace,log,sweep,shard,plot,mnist,digits,worker_proto,result}
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
# Results (`report`'s input): a sweep's and a run's JSON.
"$BIN" sweep tests/data/sweep-small.json --json --jobs 1 > "$C/result/sweep-small.json" 2> /dev/null
"$BIN" run tests/data/scenario-minimal.json --json > "$C/result/run-minimal.json"
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

# ---- the MNIST files and the worker protocol ----------------------------------
# Weights: the shipped network, a truncated copy, and a dense-only network
# (784-24-10, 76 KB) written here with its CRC-32.
cp models/mnist-cnn.bin "$C/mnist/models_mnist-cnn.bin"
head -c 4000 models/mnist-cnn.bin > "$C/mnist/truncated.bin"
perl -MCompress::Zlib -e '
    my @layers = ([2, 24, 784, 0], [2, 10, 24, 0]);
    my $b = "LSMNIST\0" . pack("V V", 1, scalar @layers);
    $b .= pack("V4", @$_) for @layers;
    my $n = 784 * 24 + 24 + 24 * 10 + 10;
    $b .= pack("f<", (($_ * 7919) % 2001 - 1000) / 20000) for 1 .. $n;
    print $b . pack("V", crc32($b));' > "$C/mnist/dense-784-24-10.bin"
# Digits: the shipped 300 (235 KB), its first 10 images, and the npm
# package's JSON form of 2 and of 30 images (64 KB and more).
cp traces/mnist-digits-300.bin "$C/digits/traces_mnist-digits-300.bin"
perl -MCompress::Zlib -e '
    local $/; my $d = <STDIN>; my $k = 10;
    my $b = "LSDIGIT\0" . pack("V4", 1, $k, 28, 28) . substr($d, 24, $k) . substr($d, 24 + 300, 784 * $k);
    print $b . pack("V", crc32($b));' < traces/mnist-digits-300.bin > "$C/digits/first-10.bin"
for k in 2 30; do
    perl -e '
        local $/; my $d = <STDIN>; my $k = shift;
        my @v = map { my $x = sprintf("%.3f", $_ / 255); $x =~ s/\.?0+$//; $x } unpack("C*", substr($d, 24 + 300, 784 * $k));
        print "{\"data\": [" . join(",", @v) . "]}\n";' "$k" < traces/mnist-digits-300.bin > "$C/digits/npm-$k.json"
done
# Worker protocol: the first byte picks the side (odd: the worker reads
# requests; even: the parent reads the worker's output).
perl -e '
    local $/; my $d = <STDIN>;
    sub req { my ($id, $n) = @_; pack("V V V V", 0x5157534C, $n, $id, 0) . substr($d, 24 + 300, 784 * $n) }
    print "\x01" . req(1, 1) . req(2, 0) . req(3, 4);' < traces/mnist-digits-300.bin > "$C/worker_proto/requests"
perl -e '
    local $/; my $d = <STDIN>;
    sub req { my ($id, $n) = @_; pack("V V V V", 0x5157534C, $n, $id, 0) . substr($d, 24 + 300, 784 * $n) }
    print "\x03" . join("", map { req($_, $_ % 5) } 1 .. 60);' < traces/mnist-digits-300.bin > "$C/worker_proto/requests-80k"
printf '\x00READY 4242 153.250\nOK 1 1 120000 7\nOK 2 0 0 -\nOK 3 4 480000 7210\nERR request: wrong magic\n' \
    > "$C/worker_proto/replies"
perl -e 'print "\x10READY 17 2.5\n"; print "OK $_ 4096 " . (1000 * $_) . " " . join("", map { $_ % 10 } 1 .. 4096) . "\n" for 1 .. 20;' \
    > "$C/worker_proto/replies-80k"

# ---- inputs past 64 KB for every harness -----------------------------------------
# (a reader that is fine on small inputs can still be quadratic.)
samples=$(seq 1 14000 | awk '{ printf "%s%.2f", (NR > 1 ? "," : ""), 10 + ($1 * 7919 % 1000) / 100 }')
printf '{"name": "big", "memory_mb": 1024, "cold_start_ms": 250, "overhead_ms": 5,\n "inference_ms": {"base": {"dist": "empirical", "samples": [%s]}}}\n' \
    "$samples" > "$C/model/empirical-14000.json"
printf '{"name": "big", "requests": 100, "workload": {"type": "poisson", "rate_rps": 5},\n "function": {"model": {"memory_mb": 1024, "cold_start_ms": 250, "overhead_ms": 5,\n  "inference_ms": {"base": {"dist": "empirical", "samples": [%s]}}}}}\n' \
    "$samples" > "$C/scenario/empirical-14000.json"
printf 'function.model={"memory_mb":1024,"cold_start_ms":250,"overhead_ms":5,"inference_ms":{"base":{"dist":"empirical","samples":[%s]}}}\nrequests=50\n' \
    "$samples" > "$C/set/empirical-14000"
cp traces/azure2021-sample.csv "$C/trace/azure2021-full.csv"
seq 1 12000 | awk '{ printf "%.4f\n", $1 * 0.25 }' > "$C/trace/plain-12000.txt"
"$BIN" run tests/data/log-scenario.json --set requests=2000 --lambda-log "$tmp/lambda-big.log" \
    --client-log "$tmp/client-big.csv" > /dev/null
head -c 90000 "$tmp/lambda-big.log" > "$C/log/sim_lambda-90k.log"
sed -n 2,200p "$tmp/lambda-big.log" | awk '
    /^START/ { split($3, a, " "); id = $3 }
    /^REPORT/ { d = $5; printf "{\"time\": \"2022-10-12T00:01:%02d.000Z\", \"type\": \"platform.report\", \"record\": {\"requestId\": \"%s\", \"status\": \"success\", \"metrics\": {\"durationMs\": %s, \"billedDurationMs\": 20, \"memorySizeMB\": 1024, \"maxMemoryUsedMB\": 84}}}\n", NR % 60, $3, d }' \
    > "$tmp/json-part.log"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do cat "$tmp/json-part.log"; done > "$C/log/json_reports-big.log"
head -c 70000 "$tmp/client-big.csv" > "$C/log/sim_client-70k.csv"
values=$(seq 1 12000 | awk '{ printf "%s%d", (NR > 1 ? ", " : ""), $1 }')
printf '{"scenario": "sweep-base.json", "axes": {"batching.max_batch": [%s]}, "replications": 1}\n' "$values" \
    > "$C/sweep/long-axis.json"
printf '{"scenario": "sweep-base.json", "axes": {"batching.threshold": {"from": 1, "to": 4, "step": 1}, "platform.keep_alive_s": {"from": 1, "to": 200, "step": 1}}, "replications": 1}\n' \
    > "$tmp/sweep-800.json"
cp tests/data/sweep-base.json "$tmp/"
sed -i 's|"\.\./\.\./models/|"'"$PWD"'/models/|' "$tmp/sweep-base.json"
"$BIN" sweep "$tmp/sweep-800.json" --shard 1/2 --out "$tmp/shard-big.csv" --jobs 2 > /dev/null
sed "s|$tmp/||g" "$tmp/shard-big.csv" > "$C/shard/shard-400-points"

echo "seed corpora:"; for d in "$C"/*; do echo "  $(basename "$d"): $(ls "$d" | wc -l) files"; done
