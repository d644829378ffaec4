# docs/validation-row.jq: one row of docs/validation.md's results table
# from `emulate --json` ($e[0]) and `validate --json` ($v[0]) of scenario $s.
# The acceptance rule (docs/validation.md): each latency metric within its
# tolerance (mean and p50 10 %, p90 and p99 25 %) or inside the simulator's
# per-run interval; cold starts within 10 % (within 1 when fewer than 10
# were observed) or inside the per-run interval.
def r(x): (x * 10 | round) / 10;
def r2(x): (x * 100 | round) / 100;
def pct(x): ((x * 1000 | round) / 10) as $p | (if $p > 0 then "+" elif $p == 0 then "" else "" end) + ($p | if . == 0 then "0" else tostring end) + " %";
def m($k): $v[0].metrics[$k];
def inside($k): m($k).within_interval // false;
def ok($k): m($k) == null or m($k).verdict != "miss";
def cold_ok: m("cold_starts") as $c
  | $c == null
    or ((($c.predicted - $c.observed) | fabs) <= (if $c.observed < 10 then 1 else 0.1 * $c.observed end))
    or inside("cold_starts");
def cell($k): m($k) as $x
  | "\(r($x.observed)) / \(r($x.predicted)) (\(pct($x.relative_error)))"
    + (if $x.verdict == "within" then "" elif $x.verdict == "noise" then " noise" else " **miss**" end);
([ "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms" ] | map(ok(.)) | all) as $lat
| "| \($s) | \($v[0].requests.counted) | \(cell("latency_mean_ms")) | \(cell("latency_p50_ms")) "
  + "| \(cell("latency_p90_ms")) | \(cell("latency_p99_ms")) "
  + "| \(if m("cold_starts") then "\(m("cold_starts").observed) / \(r(m("cold_starts").predicted))" else "n/a" end) "
  + "| \(r2($e[0].lag_ms.p50)) / \(r($e[0].lag_ms.p99)) "
  + "| \(r($e[0].host_cpu.before_avg10_pct // 0)) / \(r($e[0].host_cpu.during_pct // 0)) "
  + "| \(if $e[0].function_cpu then "x\(r2($e[0].function_cpu.ratio))" else "n/a" end) "
  + "| \(if $lat and cold_ok then "pass" else "**miss**" end) |"
