/* test_explain: `lambdasim explain` names the right reason in hand-made
 * cases with exact times (tests/data/explain-*.json): threshold vs timeout
 * vs size cap; cold vs warm vs provisioned; a ping collision; throttling and
 * the client gate; and the diagnosis (p99 without each cause, the fix). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_fixture.h"
#include "analysis/explain.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char cmd[8192];

static int explain(char **out, const char *args)
{
    snprintf(cmd, sizeof cmd, "%s explain %s", testutil_bin(), args);
    char *err = NULL;
    int rc = testutil_run(cmd, out, &err);
    if (rc != 0)
        printf("\n    '%s' exited %d: %s", cmd, rc, err);
    free(err);
    return rc;
}

/* The output holds `text` (a line or a fragment of one). */
static void expect_in(const char *out, const char *text)
{
    if (strstr(out, text) == NULL)
        printf("\n    expected: '%s'", text);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, text));
}

static void expect_not_in(const char *out, const char *text)
{
    if (strstr(out, text) != NULL)
        printf("\n    not expected: '%s'", text);
    CU_ASSERT_PTR_NULL(strstr(out, text));
}

/* The whole line starting with `prefix` (for checks on one line). */
static char *line_of(const char *out, const char *prefix)
{
    const char *p = strstr(out, prefix);
    if (p == NULL)
        return strdup("");
    const char *e = strchr(p, '\n');
    size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

static void test_threshold_and_cold(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json"), 0);
    expect_in(out, "    0.0000 s  request 0 arrives; 1 queued\n");
    expect_in(out, "    0.1000 s  request 1 arrives; 2 queued\n");
    expect_in(out, "    0.1000 s  batch 0 dispatched with requests 0-1: threshold reached "
                   "(2 queued = batching.threshold)\n");
    expect_in(out, "    0.1000 s  batch 0 cold start: new on-demand instance 0, init 500.0 ms, handler 50.0 ms\n");
    expect_in(out, "    0.3000 s  batch 1 dispatched with requests 2-3: threshold reached");
    /* instance 0 is busy until 0.65 s: a second cold start */
    expect_in(out, "    0.3000 s  batch 1 cold start: new on-demand instance 1, init 500.0 ms");
    expect_in(out, "    0.6500 s  instance 0 finished batch 0; idle (1 of 2 instances busy)\n");
    expect_in(out, "    0.6500 s  batch 0 response: requests 0-1 done, latency 550.0-650.0 ms\n");
    expect_in(out, "(12 of 12 events narrated)\n");
    expect_not_in(out, "timeout (");
    expect_not_in(out, "size cap");
    /* diagnosis: every request met a cold start, half waited for a partner */
    expect_in(out, "  4 requests: 4 completed, 0 failed. p99 latency 650.0 ms");
    expect_in(out, "  cold start: 4 requests (100.0%) waited for an instance's init, 500.0 ms on average.\n"
                   "      In the tail: 1 of 1. p99 without it: 150.0 ms.\n"
                   "      Fix: --set platform.provisioned_concurrency=2");
    expect_in(out, "      After the fix (re-run): p99 150.0 ms, 0 failed, 0 cold starts");
    expect_in(out, "  batch wait: 2 requests (50.0%) waited in the batching queue, 100.0 ms on average.\n"
                   "      In the tail: 1 of 1. p99 without it: 550.0 ms.\n"
                   "      Fix: --set batching.threshold=1");
    expect_in(out, "  client slot wait: no request waited for a client slot.\n");
    expect_in(out, "  throttling: no request was throttled.\n");
    expect_in(out, "  Biggest lever on p99: cold start (p99 650.0 ms -> 150.0 ms without it).\n");
    free(out);
}

static void test_timeout_and_warm(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-timeout.json"), 0);
    expect_in(out, "    0.5000 s  batch 0 dispatched with requests 0-1: timeout (the oldest, request 0, "
                   "waited batching.timeout_s = 0.5 s; 2 queued)\n");
    expect_in(out, "    5.5000 s  batch 1 dispatched with request 2: timeout (the oldest, request 2,");
    expect_in(out, "    5.5000 s  batch 1 runs on warm on-demand instance 0 (idle for 4.450 s), handler 50.0 ms\n");
    expect_not_in(out, "threshold reached");
    expect_not_in(out, "size cap");
    expect_in(out, "  batch wait: 3 requests (100.0%) waited in the batching queue, 466.7 ms on average.\n");
    expect_in(out, "      Or shorten batching.timeout_s (now 0.5 s) to cap the wait.\n");
    free(out);
}

static void test_size_and_provisioned(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-size.json"), 0);
    expect_in(out, "    1.0000 s  batch 0 dispatched with requests 0-2: size cap (the batch is full at "
                   "batching.max_batch = 3)\n");
    expect_in(out, "    1.0000 s  batch 1 dispatched with requests 3-5: size cap");
    expect_in(out, "    1.2000 s  batch 2 dispatched with request 6: timeout (the oldest, request 6,");
    expect_in(out, "    1.0000 s  batch 0 runs on provisioned instance 0 (warm, no init), handler 50.0 ms\n");
    expect_in(out, "    1.0000 s  batch 1 cold start: new on-demand instance 1, init 500.0 ms, handler 50.0 ms\n");
    expect_in(out, "    1.2000 s  batch 2 runs on provisioned instance 0 (warm, no init)");
    expect_not_in(out, "COLLISION");
    expect_not_in(out, "threshold reached");
    /* 3 of 7 requests met the cold start; two instances were busy at once */
    expect_in(out, "  cold start: 3 requests (42.9%) waited for an instance's init, 500.0 ms on average.\n"
                   "      In the tail: 3 of 3.");
    expect_in(out, "      Fix: --set platform.provisioned_concurrency=2 ");
    free(out);
}

static void test_ping_collision(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-ping.json"), 0);
    expect_in(out, "    0.0000 s  warm-up round: 1 ping\n");
    expect_in(out, "    0.0000 s  warm-up ping cold start: new on-demand instance 0, init 500.0 ms, holds it 1000.0 ms\n");
    expect_in(out, "    0.5000 s  batch 0 cold start: new on-demand instance 1, init 500.0 ms, handler 50.0 ms; "
                   "COLLISION: 1 warm-up ping was holding an instance\n");
    expect_in(out, "    1.5000 s  instance 0 finished its warm-up ping; idle (0 of 2 instances busy)\n");
    char *warm = line_of(out, "    3.0000 s  batch 1 runs");
    expect_in(warm, "batch 1 runs on warm on-demand instance 0 (idle for 1.500 s)");
    expect_not_in(warm, "COLLISION");
    free(warm);
    expect_in(out, "  warm-up collisions: 1 request invocation cold-started or was throttled while a warm-up "
                   "ping held an instance.\n");
    expect_in(out, "      Or keep the pings off the traffic: they held instances when requests needed them "
                   "(1 collision); move warmup.first_at_s or warmup.interval_s");
    free(out);
}

static void test_throttle(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-throttle.json"), 0);
    expect_in(out, "    0.1000 s  batch 1 throttled: concurrency limit 1 reached (1 busy); request 1 fails "
                   "(platform.on_throttle.action = drop)\n");
    expect_in(out, "    0.1000 s  batch 1 response: request 1 failed (throttled)\n");
    expect_in(out, "  3 requests: 1 completed, 2 failed.");
    expect_in(out, "  throttling: 2 requests (66.7%) were throttled (2 failed).\n");
    expect_in(out, "      Fix: --set platform.reserved_concurrency=2\n");
    expect_in(out, "      Or retry instead of failing (--set platform.on_throttle.action=retry).\n");
    free(out);
    /* With retries, the narration says when the retry happens, and the
     * invocation that finally runs says which retry it is. */
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-throttle.json --set platform.on_throttle.action=retry "
                                        "--set platform.on_throttle.max_retries=100"), 0);
    expect_in(out, "    0.1000 s  batch 1 throttled: concurrency limit 1 reached (1 busy); retry 1 at ");
    expect_in(out, "handler 50.0 ms (retry ");
    expect_in(out, "  throttling: 2 requests (66.7%) were throttled (0 failed); the completed ones waited ");
    free(out);
}

static void test_client_gate(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-gate.json"), 0);
    expect_in(out, "    0.0100 s  batch 1 waits for a client slot (1 in flight = client.max_inflight)\n");
    expect_in(out, "    0.5500 s  batch 1, after 540.0 ms waiting for a client slot, runs on warm on-demand "
                   "instance 0 (idle for 0.000 s), handler 50.0 ms\n");
    expect_in(out, "  client slot wait: 1 request (50.0%) waited for a client in-flight slot, 540.0 ms on average.\n"
                   "      In the tail: 1 of 1. p99 without it: 545.0 ms.\n"
                   "      Fix: --set client.max_inflight=0");
    /* Without the gate both requests cold-start at once: 550 ms each. */
    expect_in(out, "      After the fix (re-run): p99 550.0 ms, 0 failed, 2 cold starts");
    expect_in(out, "  Biggest lever on p99: client slot wait");
    free(out);
}

/* A full client queue turns a batch away: counted with the client cause. */
static void test_client_queue_rejects(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-reject.json"), 0);
    expect_in(out, "    0.1000 s  batch 1 waits for a client slot (1 in flight = client.max_inflight)\n");
    expect_in(out, "    0.2000 s  batch 2 response: request 2 failed (rejected: the client queue was full, "
                   "client.max_queue = 1)\n");
    expect_in(out, "  3 requests: 2 completed, 1 failed.");
    expect_in(out, "  client slot wait: 2 requests (66.7%) waited for a client in-flight slot or were rejected "
                   "by a full client queue (1 rejected); the completed ones waited 450.0 ms on average.\n");
    expect_in(out, "      After the fix (re-run): p99 550.0 ms, 0 failed, 3 cold starts");
    free(out);
}

static void test_filters(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json --first 3"), 0);
    char *d = strstr(out, "(3 of 12 events narrated)\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    *d = '\0';
    CU_ASSERT_EQUAL(count_lines(out), 3);
    free(out);

    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json --window 0.2:0.3"), 0);
    d = strstr(out, "(4 of 12 events narrated)\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    *d = '\0';
    CU_ASSERT_EQUAL(count_lines(out), 4);
    expect_in(out, "    0.2000 s  request 2 arrives; 1 queued\n");
    expect_not_in(out, "    0.1000 s");
    expect_not_in(out, "    0.6500 s");
    free(out);

    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json --window 0.6: --first 1"), 0);
    CU_ASSERT_EQUAL(strncmp(out, "    0.6500 s  instance 0 finished batch 0", 41), 0);
    free(out);

    /* --first 0: the diagnosis alone */
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json --first 0"), 0);
    CU_ASSERT_EQUAL(strncmp(out, "Diagnosis", 9), 0);
    free(out);
}

static void test_deterministic(void)
{
    char *a, *b;
    CU_ASSERT_EQUAL_FATAL(explain(&a, "tests/data/explain-throttle.json --set platform.on_throttle.action=retry"), 0);
    CU_ASSERT_EQUAL_FATAL(explain(&b, "tests/data/explain-throttle.json --set platform.on_throttle.action=retry"), 0);
    CU_ASSERT_STRING_EQUAL(a, b);
    free(a);
    free(b);
}

static void expect_usage(const char *args, const char *fragment)
{
    char *out, *err;
    snprintf(cmd, sizeof cmd, "%s explain %s", testutil_bin(), args);
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, &err), 2);
    if (strstr(err, fragment) == NULL)
        printf("\n    '%s': expected '%s' in: %s", args, fragment, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, fragment));
    CU_ASSERT_EQUAL(out[0], '\0');
    free(out);
    free(err);
}

static void test_usage_errors(void)
{
    expect_usage("", "missing SCENARIO.json");
    expect_usage("tests/data/explain-size.json --first", "needs a value");
    expect_usage("tests/data/explain-size.json --first -1", "--first: expected a whole number");
    expect_usage("tests/data/explain-size.json --window 5:1", "--window: expected T0:T1");
    expect_usage("tests/data/explain-size.json --window 5", "--window: expected T0:T1");
    expect_usage("tests/data/explain-size.json --window a:b", "--window: expected T0:T1");
    expect_usage("tests/data/explain-size.json --bogus", "unknown option '--bogus'");
    expect_usage("tests/data/explain-size.json --set batching.threshold=0", "batching.threshold");
    expect_usage("tests/data/no-such-file.json", "no-such-file.json");
    char *out;
    snprintf(cmd, sizeof cmd, "%s explain --help", testutil_bin());
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, NULL), 0);
    expect_in(out, "--window T0:T1");
    free(out);
    snprintf(cmd, sizeof cmd, "%s --help", testutil_bin());
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, NULL), 0);
    expect_in(out, "  explain ");
    free(out);
}

/* The library on a fixture: the diagnosis agrees with the run's own p99 and
 * removes exactly each cause's part. */
static void diagnose(const struct scenario *sc, struct engine_result *res, struct explain_diagnosis *d)
{
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    struct explain_opts o = { .first = UINT64_MAX, .from_s = 0, .to_s = INFINITY };
    struct explain *x = explain_create(f, sc, &o);
    struct engine_hooks hooks;
    explain_hooks(x, &hooks);
    engine_run(sc, sc->seed, &hooks, res);
    explain_diagnose(x, res, d);
    explain_destroy(x);
    fclose(f);
}

static void test_library_diagnosis(void)
{
    const double t[] = { 0.0, 0.1, 0.2, 0.3 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 4, .timeout_s = 1.0 };
    struct engine_result res;
    struct explain_diagnosis d;
    diagnose(&sc, &res, &d);
    CU_ASSERT_EQUAL(d.counted, 4);
    CU_ASSERT_EQUAL(d.completed, 4);
    CU_ASSERT_DOUBLE_EQUAL(d.p99_ms, res.latency_ms.p99, 1e-9);
    const struct explain_cause *cold = &d.cause[EXPLAIN_COLD_START], *bw = &d.cause[EXPLAIN_BATCH_WAIT];
    CU_ASSERT_EQUAL(cold->requests, 4);
    CU_ASSERT_DOUBLE_EQUAL(cold->mean_ms, 500.0, 1e-6);
    /* latencies 650 550 650 550 -> without init 150 50 150 50 */
    CU_ASSERT_DOUBLE_EQUAL(cold->p99_without_ms, 150.0, 1e-6);
    CU_ASSERT_EQUAL(cold->n_fix, 1);
    CU_ASSERT_STRING_EQUAL(cold->fix[0], "platform.provisioned_concurrency=2");
    CU_ASSERT_EQUAL(bw->requests, 2);
    CU_ASSERT_DOUBLE_EQUAL(bw->mean_ms, 100.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(bw->p99_without_ms, 550.0, 1e-6);
    CU_ASSERT_STRING_EQUAL(bw->fix[0], "batching.threshold=1");
    CU_ASSERT_EQUAL(d.cause[EXPLAIN_CLIENT_WAIT].requests, 0);
    CU_ASSERT_EQUAL(d.cause[EXPLAIN_THROTTLE].requests, 0);

    /* Latency from dispatch: the queue wait is not part of it, so removing
     * it changes nothing, and p99 still agrees with the run. */
    sc.latency_from = LATENCY_FROM_DISPATCH;
    diagnose(&sc, &res, &d);
    CU_ASSERT_DOUBLE_EQUAL(d.p99_ms, res.latency_ms.p99, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(d.p99_ms, 550.0, 1e-6);
    CU_ASSERT_EQUAL(d.cause[EXPLAIN_BATCH_WAIT].requests, 2);
    CU_ASSERT_DOUBLE_EQUAL(d.cause[EXPLAIN_BATCH_WAIT].p99_without_ms, d.p99_ms, 1e-9);
    CU_ASSERT_TRUE(d.latency_from_dispatch);
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* A request retried after a throttle: its wait is split into the client
 * gate (none here) and the retry backoff. */
static void test_library_retry_split(void)
{
    const double t[] = { 0.0, 0.1 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.0, 1.0);
    fixture_one_slot_retry(&sc, 5.0, 5.0, 10);
    struct engine_result res;
    struct explain_diagnosis d;
    diagnose(&sc, &res, &d);
    const struct explain_cause *th = &d.cause[EXPLAIN_THROTTLE];
    CU_ASSERT_EQUAL(th->requests, 1);
    CU_ASSERT_EQUAL(th->failed, 0);
    CU_ASSERT_EQUAL(d.cause[EXPLAIN_CLIENT_WAIT].requests, 0);
    /* request 1 waited (start - 0.1 s) for retries; without it, 1000 ms */
    CU_ASSERT_TRUE(th->mean_ms > 0);
    CU_ASSERT_DOUBLE_EQUAL(th->p99_without_ms, 1000.0, 1e-6);
    CU_ASSERT_STRING_EQUAL(th->fix[0], "platform.reserved_concurrency=2");
    struct fixture_log log = { 0 };
    fixture_free(&sc, &log);
}

/* The histogram keep-alive policy (tests/data/explain-keepalive.json says
 * why each time is what it is): what it learned and when, the unloads and
 * pre-warms, the cold start a pre-warm saved, the one in the pre-warm gap,
 * a skipped pre-warm, and the summary after the narration. */
static void test_keepalive_policy(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-keepalive.json"), 0);
    expect_in(out, "  600.0000 s  batch 2 runs on warm on-demand instance 0 (idle for 299.950 s), handler 50.0 ms\n");
    expect_in(out, "  900.0000 s  keep-alive policy (histogram) after 3 idle times: learned: unload after each "
                   "invocation, pre-warm 216.0 s later, keep 92.4 s (idle-time percentiles 5 and 99, margin 0.1; "
                   "bin counts' CV 15.49)\n");
    expect_in(out, "  900.0500 s  instance 0 unloaded (keep-alive policy); pre-warm due at 1116.0500 s; 0 alive\n");
    expect_in(out, " 1116.0500 s  pre-warm: instance 1 loads (init 500.0 ms, not a request's cold start), "
                   "kept until 1208.4500 s\n");
    expect_in(out, " 1200.0000 s  batch 4 runs on warm on-demand instance 1 (idle for 83.950 s; pre-warmed by the "
                   "keep-alive policy: a cold start saved), handler 50.0 ms\n");
    expect_in(out, " 1530.0000 s  keep-alive policy (histogram) after 6 idle times: learned: no pre-warm, keep alive "
                   "330.0 s");
    expect_in(out, " 1530.0000 s  batch 6 cold start: new on-demand instance 3, init 500.0 ms");
    expect_in(out, " 1716.0500 s  pre-warm skipped: an on-demand instance is already loaded\n");
    expect_in(out, " 1800.0000 s  batch 7 runs on warm on-demand instance 3 (idle for 269.450 s), handler 50.0 ms\n");
    expect_in(out, "Keep-alive policy (histogram, Shahrad et al. ATC'20): 7 idle times learned (0 beyond range_s = "
                   "14400 s); its windows changed 2 times.\n");
    expect_in(out, "  At the end it pre-warms 0.0 s after an invocation ends and keeps the instance 330.0 s");
    /* idle: 899.35 + 2 x 83.95 + 269.45 (see the scenario's description) */
    expect_in(out, "  Instances unloaded: 3; pre-warms: 2 (1 skipped: an instance was already loaded); invocations "
                   "a pre-warm kept from a cold start: 2; cold starts: 2; idle instance time: 1336.7 s.\n");
    free(out);
    /* A fixed keep-alive run says nothing of a policy. */
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json"), 0);
    expect_not_in(out, "Keep-alive policy");
    expect_not_in(out, "pre-warm");
    free(out);
    /* Too few idle times: the fall-back, said as such. */
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-keepalive.json --set "
                                        "platform.keep_alive_policy.min_samples=20"), 0);
    expect_in(out, "  At the end it falls back to a fixed keep-alive of 14400 s (learning: fewer than min_samples "
                   "idle times).\n");
    expect_in(out, "Instances unloaded: 0; pre-warms: 0");
    free(out);
}

/* The adaptive batching policies (tests/data/explain-batching.json says
 * why each time is what it is): slo's dispatches by slack with the wait,
 * the slack left and the prediction; aimd's cap moves, up within the SLO
 * and down beyond it; each policy's summary after the narration. */
static void test_batching_policy(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-batching.json"), 0);
    expect_in(out, "    0.0310 s  batch 0 dispatched with requests 0-3: slack (the oldest, request 0, waited 31.0 ms: "
                   "29.0 ms of batching.slo_ms = 60 ms left, and 4 take a predicted 29.0 ms)\n");
    expect_in(out, "    0.0710 s  batch 1 dispatched with requests 4-7: slack (the oldest, request 4, waited 31.0 ms: ");
    expect_in(out, "Batching policy (slo): batching.slo_ms = 60 ms; 10 of 10 batches left by slack, 0 full, 0 at the "
                   "threshold, 0 at the timeout; mean batch size 4.00.\n");
    expect_not_in(out, "AIMD");
    /* The fix for the batch wait is a tighter objective, not threshold 1. */
    expect_in(out, "Fix: --set batching.slo_ms=30 (a tighter objective: smaller batches, shorter waits)\n");
    free(out);
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-batching.json --set batching.policy=aimd "
                                        "--set batching.threshold=2 --set batching.timeout_s=0.1"), 0);
    expect_in(out, "    0.0100 s  batch 0 dispatched with requests 0-1: cap reached (2 queued = the AIMD cap)\n");
    expect_in(out, "    0.0370 s  batch 0 took 37.0 ms (its oldest request), within batching.slo_ms = 60 ms: "
                   "AIMD cap 2 -> 3 (+ aimd_increase = 1)\n");
    /* 4 of them: 30 ms waiting, 24 ms running, 5 ms overhead. */
    expect_in(out, "    0.0990 s  batch 2 took 59.0 ms (its oldest request), within batching.slo_ms = 60 ms: "
                   "AIMD cap 4 -> 5 (+ aimd_increase = 1)\n");
    expect_in(out, "    0.1200 s  batch 3 dispatched with requests 8-12: cap reached (5 queued = the AIMD cap)\n");
    expect_in(out, "    0.1500 s  batch 3 took 70.0 ms (its oldest request), beyond batching.slo_ms = 60 ms: "
                   "AIMD cap 5 -> 4 (x aimd_decrease = 0.9, rounded down)\n");
    expect_in(out, "Batching policy (aimd, Clipper NSDI'17): batching.slo_ms = 60 ms; the cap rose 6 times and fell "
                   "4 times, 4 at the end (of max_batch 8); mean batch size 4.00.\n");
    expect_not_in(out, "slack");
    free(out);
    /* The fixed policy says nothing of one. */
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json"), 0);
    expect_not_in(out, "Batching policy");
    expect_not_in(out, "AIMD");
    free(out);
}

/* Target tracking of provisioned concurrency (tests/data/explain-pc.json
 * says why each number is what it is): each datapoint with the alarms'
 * counts, the scale-out and scale-in with the rule that set them, the
 * allocation and the retirement, the summary; the cold-start fix raises
 * tracking's floor with the capacity (a capacity below min_capacity is
 * refused), and SnapStart gets no provisioned-concurrency fix at all. */
static void test_pc_policy(void)
{
    char *out;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-pc.json"), 0);
    expect_in(out, "    2.0000 s  provisioned utilization 90.0 % (average over 1 s; target 70 %, scale-in below 63 %): "
                   "2 datapoints in a row above (alarm at 2), 0 below (alarm at 3)\n");
    expect_in(out, "    2.0000 s  provisioned concurrency 1 -> 2 (scale-out alarm: 1 x 90.0 % / 70 %, rounded up, within "
                   "min/max capacity); billed from now, ready at 2.5000 s (ready_delay_s 0.5)\n");
    expect_in(out, "    2.5000 s  provisioned instance 1 allocated: ready, idle\n");
    expect_in(out, "    5.0000 s  provisioned utilization 45.0 % (average over 1 s; target 70 %, scale-in below 63 %): "
                   "0 datapoints in a row above (alarm at 2), 3 below (alarm at 3)\n");
    expect_in(out, "    6.0000 s  provisioned concurrency 2 -> 1 (scale-in alarm: 2 x 11.0 % / 70 %, rounded up, within "
                   "min/max capacity); idle ones go now, busy ones when they finish\n");
    expect_in(out, "    6.0000 s  provisioned instance 1 retired (configured away); 1 alive\n");
    expect_in(out, "Provisioned concurrency (platform.provisioned): 1 at t = 0, 1 at the end, 2 at most, 1.01 on average "
                   "over the billed 304 instance-s; 0 scheduled actions; target tracking at 70 %: 1 scale-out, 1 scale-in "
                   "over 8 datapoints (0 missing: nothing invoked); 58 invocations on provisioned instances, 0 spilled "
                   "to on-demand (0 cold).\n");
    free(out);
    /* A cold start to fix (the first request on-demand): the floor rises with the capacity. */
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json --set "
                                        "'platform.provisioned={\"target_tracking\": {\"target_utilization\": 0.7, "
                                        "\"min_capacity\": 0, \"max_capacity\": 4}}'"), 0);
    expect_in(out, "Fix: --set platform.provisioned_concurrency=");
    expect_in(out, " --set platform.provisioned.target_tracking.min_capacity=");
    free(out);
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json"), 0);
    expect_not_in(out, "Provisioned concurrency (platform.provisioned)");
    free(out);
    /* SnapStart: a restore, and no provisioned concurrency proposed (AWS
     * refuses the two together). */
    CU_ASSERT_EQUAL_FATAL(explain(&out, "tests/data/explain-threshold.json --set function.snapstart=true --set "
                                        "'function.model={\"memory_mb\": 1024, \"restore_ms\": 200, "
                                        "\"overhead_ms\": 0, \"inference_ms\": {\"base\": 50}}'"), 0);
    expect_in(out, "cold start: new on-demand instance 0 restored from the SnapStart snapshot, restore 200.0 ms");
    expect_not_in(out, "--set platform.provisioned_concurrency");
    expect_in(out, "SnapStart restores already shorten them");
    free(out);
}

/* The ranking of one explain output is by value: every line "N. ... (-G ms)
 * ...: gains at no added cost" before every line "...: V ms of p99 per USD
 * added"; the first kind by G, the second by V, both non-increasing; a
 * ranked change gains (G > 0) and costs nothing more (first kind) or more
 * (second kind). Returns the number of ranked lines. */
static int check_ranking(const char *name, const char *out, int *bad)
{
    const char *p = strstr(out, "What each change buys");
    if (p == NULL)
        return 0;
    int n = 0, cls_prev = 0;
    double key_prev = INFINITY;
    for (const char *line = strchr(p, '\n'); line != NULL; line = strchr(line + 1, '\n')) {
        /* One line at a time: every search below stays within it. */
        char l[1024];
        const char *end = strchr(line + 1, '\n');
        size_t len = end != NULL ? (size_t)(end - line - 1) : strlen(line + 1);
        if (len >= sizeof l)
            len = sizeof l - 1;
        memcpy(l, line + 1, len);
        l[len] = '\0';
        if (strncmp(l, "    No clear gain:", 18) == 0 || *l == '\0')
            break;
        int rank = 0;
        if (sscanf(l, "    %d. ", &rank) != 1)
            continue;
        const char *g = strstr(l, " ms (");
        const char *c = strstr(l, "), cost ");
        if (g == NULL || c == NULL) {
            (*bad)++;
            continue;
        }
        double gain = -strtod(g + 5, NULL), added = strtod(c + 8, NULL);
        int cls = strstr(l, ": gains at no added cost") != NULL ? 0 : 1;
        const char *v = strstr(l, " ms of p99 per USD added");
        double key = gain;
        if (cls == 1 && v == NULL) {
            (*bad)++;
            continue;
        }
        if (cls == 1) {
            const char *start = v;
            while (start > l && start[-1] != ' ')
                start--;
            key = strtod(start, NULL);
        }
        bool ok = gain > 0 && (cls == 0 ? added <= 0 : added > 0) && cls >= cls_prev
                  && (cls > cls_prev || key <= key_prev * (1 + 1e-3));
        n++;
        if (!ok) {
            if (name != NULL)
                printf("\n    %s: rank %d out of order or not a gain: %.80s", name, rank, l);
            (*bad)++;
            continue;   /* the next is compared with the last one in order */
        }
        cls_prev = cls;
        key_prev = key;
    }
    return n;
}

/* Acceptance (issue 16): on every shipped scenario, tutorial step and
 * emulate scenario,
 * explain prices each change by re-running it and never ranks a change
 * that buys less p99 per dollar above one that buys more. */
static void test_ranking_by_value(void)
{
    const char *dirs[] = { "scenarios", "scenarios/tutorial", "scenarios/emulate" };
    int scenarios = 0, ranked = 0;
    for (size_t i = 0; i < N(dirs); i++) {
        DIR *dir = opendir(dirs[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0 || strstr(e->d_name, "sweep") != NULL)
                continue;
            char args[600], *out = NULL;
            snprintf(args, sizeof args, "%s/%s", dirs[i], e->d_name);
            char *text = testutil_read_file(args);
            bool scenario = text != NULL && strstr(text, "\"workload\"") != NULL; /* not a model profile */
            free(text);
            if (!scenario)
                continue;
            snprintf(args, sizeof args, "%s/%s --first 0", dirs[i], e->d_name);
            CU_ASSERT_EQUAL(explain(&out, args), 0);
            if (out == NULL)
                continue;
            scenarios++;
            int bad = 0;
            ranked += check_ranking(e->d_name, out, &bad);
            CU_ASSERT_EQUAL(bad, 0);
            free(out);
        }
        closedir(dir);
    }
    CU_ASSERT(scenarios >= 20);
    CU_ASSERT(ranked >= 5);
    /* The check itself finds a misordered ranking (a free change below a
     * priced one; a smaller gain per dollar above a larger one). */
    int bad = 0;
    const char *wrong = "  What each change buys (...)\n    1. --set a=1: p99 10.0 -> 5.0 ms (-5.0 ms), cost +1.00000000 USD "
                        "(+10.0%): 5 ms of p99 per USD added\n    2. --set b=1: p99 10.0 -> 9.0 ms (-1.0 ms), cost "
                        "-0.10000000 USD (-1.0%): gains at no added cost\n    3. --set c=1: p99 10.0 -> 4.0 ms (-6.0 ms), "
                        "cost +0.50000000 USD (+5.0%): 12 ms of p99 per USD added\n\n";
    CU_ASSERT_EQUAL(check_ranking(NULL, wrong, &bad), 3);
    CU_ASSERT_EQUAL(bad, 2);
    /* A change that buys less per dollar never comes first: the sparse
     * step's pings (cheaper than the cold starts they remove) rank above
     * provisioned concurrency, which costs far more for the same p99. */
    char *out = NULL;
    CU_ASSERT_EQUAL_FATAL(explain(&out, "scenarios/tutorial/sparse.json --first 0"), 0);
    const char *pings = strstr(out, "--set warmup.concurrency="), *pc = strstr(out, "    3. --set platform.provisioned_concurrency=");
    CU_ASSERT(pings != NULL && pc != NULL && pings < pc);
    free(out);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "threshold dispatch, cold starts", test_threshold_and_cold);
    CU_add_test(s, "timeout dispatch, warm instance", test_timeout_and_warm);
    CU_add_test(s, "size cap, provisioned instance", test_size_and_provisioned);
    CU_add_test(s, "warm-up ping collision", test_ping_collision);
    CU_add_test(s, "throttle: drop and retry", test_throttle);
    CU_add_test(s, "client in-flight gate", test_client_gate);
    CU_add_test(s, "client queue rejects", test_client_queue_rejects);
    CU_add_test(s, "--first and --window", test_filters);
    CU_add_test(s, "deterministic", test_deterministic);
    CU_add_test(s, "usage errors", test_usage_errors);
    CU_add_test(s, "library: diagnosis numbers", test_library_diagnosis);
    CU_add_test(s, "library: retry wait split", test_library_retry_split);
    CU_add_test(s, "histogram keep-alive policy", test_keepalive_policy);
    CU_add_test(s, "adaptive batching policies", test_batching_policy);
    CU_add_test(s, "provisioned-concurrency target tracking", test_pc_policy);
    CU_add_test(s, "every shipped scenario: changes ranked by p99 gained per dollar", test_ranking_by_value);
}

int main(void)
{
    return testutil_main("explain", add_tests);
}
