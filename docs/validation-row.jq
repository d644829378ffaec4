# docs/validation-row.jq: one row of docs/validation.md's results table
# from `emulate --json` ($e[0]) and `validate --json` ($v[0]) of scenario $s,
# and `validate --host-speed --json` ($w[0], or [] when the scenario does
# not model the host): the same verdict given the host's speed in the run.
# The acceptance rule (docs/validation.md): each latency metric within its
# tolerance (mean and p50 10 %, p90 and p99 25 %) or inside the simulator's
# per-run interval; cold starts within 10 % (within 1 when fewer than 10
# were observed, which validate applies itself) or inside the per-run
# interval, and so is the failed rate (throttled or timed-out requests):
# every one of them not a "miss" in validate's verdicts.
def r(x): (x * 10 | round) / 10;
def r2(x): (x * 100 | round) / 100;
def pct(x): ((x * 1000 | round) / 10) as $p | (if $p > 0 then "+" elif $p == 0 then "" else "" end) + ($p | if . == 0 then "0" else tostring end) + " %";
def mv($d; $k): $d.metrics[$k];
def m($k): mv($v[0]; $k);
def ok_in($d; $k): mv($d; $k) == null or mv($d; $k).verdict != "miss";
def cold_ok_in($d): ok_in($d; "cold_starts");
def row_ok($d): ([ "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms" ]
  | map(ok_in($d; .)) | all) and cold_ok_in($d) and ok_in($d; "failed_rate");
# What the conditional prediction still misses, by name and error.
def mname($k): $k | sub("latency_"; "") | sub("_ms"; "");
def misses($d): ([ "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms" ]
  | map(. as $k | select(ok_in($d; $k) | not) | "\(mname($k)) \(pct(mv($d; $k).relative_error))"))
  + (if cold_ok_in($d) then [] else [ "cold starts" ] end)
  + (if ok_in($d; "failed_rate") then [] else [ "failed rate" ] end);
def given_speed: if ($w | length) == 0 or $w[0].host_speed == null then "n/a"
  else "x\(r2($w[0].host_speed)): " + (if row_ok($w[0]) then "pass" else "miss (" + (misses($w[0]) | join(", ")) + ")" end) end;
def cell($k): m($k) as $x
  | "\(r($x.observed)) / \(r($x.predicted)) (\(pct($x.relative_error)))"
    + (if $x.verdict == "within" then "" elif $x.verdict == "noise" then " noise" else " **miss**" end);
"| \($s) | \($v[0].requests.counted) | \(cell("latency_mean_ms")) | \(cell("latency_p50_ms")) "
  + "| \(cell("latency_p90_ms")) | \(cell("latency_p99_ms")) "
  + "| \(if m("cold_starts") then "\(m("cold_starts").observed) / \(r(m("cold_starts").predicted))" else "n/a" end) "
  + "| \(r2($e[0].lag_ms.p50)) / \(r($e[0].lag_ms.p99)) "
  + "| \(r($e[0].host_cpu.before_avg10_pct // 0)) / \(r($e[0].host_cpu.during_pct // 0)) "
  + "| \(if $e[0].function_cpu then "x\(r2($e[0].function_cpu.ratio))" else "n/a" end) "
  + "| \(if row_ok($v[0]) then "pass" else "**miss**" end) "
  + "| \(given_speed) |"
