/* test_cli: the lambdasim command line as a user meets it: help, exit
 * codes, JSON fields, determinism, overrides and output-file safety. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "formats/jsonout.h"
#include "testutil.h"

static char cmd[16384];

static int run(char **out, char **err, const char *args)
{
    snprintf(cmd, sizeof cmd, "%s %s", testutil_bin(), args);
    return testutil_run(cmd, out, err);
}

static void test_help_and_version(void)
{
    char *out, *err;
    CU_ASSERT_EQUAL(run(&out, &err, "--help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: lambdasim COMMAND"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(run(&out, &err, "run --help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--requests-csv FILE"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--set KEY.PATH=VALUE"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(run(&out, &err, "--version"), 0);
    CU_ASSERT_EQUAL(strncmp(out, "lambdasim ", 10), 0);
    free(out);
    free(err);
}

static void expect_usage_error(const char *args, const char *fragment)
{
    char *out, *err;
    int rc = run(&out, &err, args);
    CU_ASSERT_EQUAL(rc, 2);
    if (strstr(err, fragment) == NULL)
        printf("\n    '%s': expected '%s' in: %s", args, fragment, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, fragment));
    CU_ASSERT_EQUAL(out[0], '\0'); /* nothing on stdout on error */
    free(out);
    free(err);
}

static void test_usage_errors(void)
{
    expect_usage_error("", "Usage: lambdasim");
    expect_usage_error("frobnicate", "unknown command 'frobnicate'");
    expect_usage_error("run", "missing SCENARIO.json");
    expect_usage_error("run scenarios/paper-uniform.json --bogus", "unknown option '--bogus'");
    expect_usage_error("run scenarios/paper-uniform.json --seed", "needs a value");
    expect_usage_error("run scenarios/paper-uniform.json --seed -3", "--seed: expected a whole number");
    expect_usage_error("run scenarios/paper-uniform.json --seed 12x", "--seed: expected a whole number");
    expect_usage_error("run scenarios/paper-uniform.json scenarios/paper-bursty.json", "unexpected argument");
    expect_usage_error("run scenarios/paper-uniform.json --set nokey", "--set");
    expect_usage_error("run /nonexistent/s.json", "/nonexistent/s.json");
    expect_usage_error("run scenarios/paper-uniform.json --set batching.threshold=0", "batching.threshold");
    expect_usage_error("run scenarios/paper-uniform.json --set batching.treshold=3", "treshold");
}

static cJSON *run_json(const char *args)
{
    char *out, *err;
    int rc = run(&out, &err, args);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        printf("\n    stderr: %s", err);
    cJSON *j = cJSON_Parse(out);
    CU_ASSERT_PTR_NOT_NULL(j);
    free(out);
    free(err);
    return j;
}

static double field(const cJSON *j, const char *obj, const char *key)
{
    const cJSON *o = obj ? cJSON_GetObjectItemCaseSensitive(j, obj) : j;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) {
        printf("\n    missing numeric field %s.%s", obj ? obj : "", key);
        CU_FAIL("missing field");
        return -1;
    }
    return v->valuedouble;
}

/* Every field the README promises is there, with coherent values. */
static void test_json_fields(void)
{
    cJSON *j = run_json("run scenarios/paper-uniform.json --json");
    if (j == NULL)
        return;
    static const char *const req[] = { "arrived", "completed", "failed", "throttled", "retries" };
    for (size_t i = 0; i < 5; i++)
        field(j, "requests", req[i]);
    static const char *const lat[] = { "mean", "stdev", "min", "p50", "p90", "p95", "p99", "p999", "max" };
    for (size_t i = 0; i < 9; i++)
        field(j, "latency_ms", lat[i]);
    static const char *const br[] = { "batch_wait", "dispatch_wait", "overhead", "cold_start", "inference" };
    for (size_t i = 0; i < 5; i++)
        field(j, "breakdown_ms", br[i]);
    static const char *const bt[] = { "count", "mean_size", "by_threshold", "by_timeout", "by_size" };
    for (size_t i = 0; i < 5; i++)
        field(j, "batches", bt[i]);
    field(j, "cold_starts", "count");
    field(j, "cold_starts", "invocation_fraction");
    field(j, "cold_starts", "request_fraction");
    static const char *const in[] = { "peak", "mean_alive", "mean_busy", "mean_idle" };
    for (size_t i = 0; i < 4; i++)
        field(j, "instances", in[i]);
    field(j, "warmup", "pings");
    field(j, "warmup", "cold_pings");
    static const char *const co[] = { "requests", "duration", "provisioned", "total" };
    for (size_t i = 0; i < 4; i++)
        field(j, "cost_usd", co[i]);
    CU_ASSERT_EQUAL(field(j, NULL, "seed"), 1);
    double arrived = field(j, "requests", "arrived");
    CU_ASSERT_EQUAL(arrived, 50); /* the measured window: 50 images after a warm-up */
    CU_ASSERT_EQUAL(field(j, "requests", "completed"), arrived);
    CU_ASSERT(field(j, "latency_ms", "p50") <= field(j, "latency_ms", "p99"));
    CU_ASSERT(field(j, NULL, "throughput_rps") > 5.9 && field(j, NULL, "throughput_rps") < 6.4);
    CU_ASSERT_DOUBLE_EQUAL(field(j, "cost_usd", "total"),
                           field(j, "cost_usd", "requests") + field(j, "cost_usd", "duration") +
                               field(j, "cost_usd", "provisioned"),
                           1e-12);
    cJSON_Delete(j);
}

static void test_determinism(void)
{
    char *a, *b, *c, *e1, *e2, *e3;
    CU_ASSERT_EQUAL(run(&a, &e1, "run scenarios/paper-bursty.json --json"), 0);
    CU_ASSERT_EQUAL(run(&b, &e2, "run scenarios/paper-bursty.json --json"), 0);
    CU_ASSERT_EQUAL(run(&c, &e3, "run scenarios/paper-bursty.json --json --seed 2"), 0);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_STRING_NOT_EQUAL(a, c);
    CU_ASSERT_PTR_NOT_NULL(strstr(c, "\"seed\": 2"));
    free(a);
    free(b);
    free(c);
    free(e1);
    free(e2);
    free(e3);
}

static void test_set_override(void)
{
    cJSON *j = run_json("run scenarios/paper-uniform.json --json --set batching.threshold=1 "
                        "--set batching.max_batch=1");
    if (j == NULL)
        return;
    CU_ASSERT_EQUAL(field(j, "batches", "mean_size"), 1.0);
    CU_ASSERT_EQUAL(field(j, "breakdown_ms", "batch_wait"), 0.0);
    cJSON_Delete(j);
    j = run_json("run scenarios/paper-uniform.json --json --set platform.provisioned_concurrency=2");
    if (j == NULL)
        return;
    CU_ASSERT_EQUAL(field(j, "cold_starts", "count"), 0);
    CU_ASSERT(field(j, "cost_usd", "provisioned") > 0);
    cJSON_Delete(j);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_requests_csv(void)
{
    char *dir = testutil_temp_dir();
    char path[4096], args[8192];
    snprintf(path, sizeof path, "%s/req.csv", dir);
    snprintf(args, sizeof args, "run scenarios/paper-uniform.json --requests-csv %s", path);
    char *out, *err;
    CU_ASSERT_EQUAL(run(&out, &err, args), 0);
    free(out);
    free(err);
    char *csv = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_EQUAL(strncmp(csv, "id,arrival_s,dispatch_s,start_s,end_s,latency_ms", 48), 0);
    CU_ASSERT_EQUAL(count_lines(csv), 416 + 1); /* every request, warm-up included */
    /* An existing file is not replaced without --force, and stays intact. */
    CU_ASSERT_EQUAL(run(&out, &err, args), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "already exists"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--force"));
    free(out);
    free(err);
    char *again = testutil_read_file(path);
    CU_ASSERT_STRING_EQUAL(csv, again);
    free(again);
    snprintf(args, sizeof args, "run scenarios/paper-uniform.json --seed 3 --force --requests-csv %s", path);
    CU_ASSERT_EQUAL(run(&out, &err, args), 0);
    free(out);
    free(err);
    again = testutil_read_file(path);
    CU_ASSERT_STRING_NOT_EQUAL(csv, again);
    free(again);
    free(csv);
    /* No temporary files are left behind. */
    snprintf(args, sizeof args, "ls %s | wc -l", dir);
    CU_ASSERT_EQUAL(testutil_run(args, &out, NULL), 0);
    CU_ASSERT_EQUAL(atoi(out), 1);
    free(out);
    /* Never over the scenario itself, even with --force. */
    snprintf(args, sizeof args, "cp scenarios/paper-uniform.json %s/s.json", dir);
    CU_ASSERT_EQUAL(testutil_run(args, NULL, NULL), 0);
    snprintf(args, sizeof args,
             "run %s/s.json --set function.model=\"$PWD/models/mnist-lambda-1024.json\" "
             "--force --requests-csv %s/s.json",
             dir, dir);
    CU_ASSERT_EQUAL(run(&out, &err, args), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "that is an input of this run (scenario); refusing to overwrite it"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
}

static char *run_ok(const char *args)
{
    char *out, *err;
    int rc = run(&out, &err, args);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        printf("\n    '%s' exited %d: %s", args, rc, err);
    free(err);
    return out;
}

/* `make run` simulates scenarios/quickstart.json, a first run that teaches:
 * thousands of requests measured from arrival, so the breakdown adds up to
 * the mean latency and every percentile is backed by enough requests, and
 * a few cold starts in the tail. */
static void test_first_run(void)
{
    char *mk = testutil_read_file("Makefile");
    TESTUTIL_ASSERT_CONTAINS(mk, "run scenarios/quickstart.json");
    free(mk);

    cJSON *j = run_json("run scenarios/quickstart.json --json");
    if (j == NULL)
        return;
    CU_ASSERT_EQUAL(field(j, "requests", "arrived"), 3633);
    CU_ASSERT_EQUAL(field(j, "requests", "completed"), 3633);
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(j, "latency_from");
    CU_ASSERT(cJSON_IsString(from) && strcmp(from->valuestring, "arrival") == 0);
    double sum = field(j, "breakdown_ms", "batch_wait") + field(j, "breakdown_ms", "dispatch_wait") +
                 field(j, "breakdown_ms", "overhead") + field(j, "breakdown_ms", "cold_start") +
                 field(j, "breakdown_ms", "inference");
    CU_ASSERT_DOUBLE_EQUAL(sum, field(j, "latency_ms", "mean"), 1e-6); /* 10 significant digits */
    CU_ASSERT(field(j, "breakdown_ms", "batch_wait") > 50);
    CU_ASSERT_EQUAL(field(j, "cold_starts", "count"), 10);
    CU_ASSERT(field(j, "latency_ms", "p99") < field(j, "latency_ms", "p999"));
    CU_ASSERT(field(j, "latency_ms", "p999") < field(j, "latency_ms", "max"));
    cJSON_Delete(j);

    char *out = run_ok("run scenarios/quickstart.json");
    TESTUTIL_ASSERT_CONTAINS(out, "\nLatency per request (from arrival to response)\n");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  mean                            207.602 ms\n");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  p99.9                          3302.387 ms\n");
    TESTUTIL_ASSERT_CONTAINS(out, "Where the time goes (mean per completed request; the lines add up to the mean "
                                  "latency)\n  waiting for a batch              72.140 ms\n");
    CU_ASSERT(!testutil_contains(out, "n/a"));
    CU_ASSERT(!testutil_contains(out, "not in latency"));
    free(out);
}

/* The table says what latency is timed from, marks the batch wait as
 * outside a latency timed from dispatch, and prints no tail percentile that
 * too few requests stand behind (--json keeps the numbers). */
static void test_table_honesty(void)
{
    char *out = run_ok("run scenarios/paper-uniform.json");
    TESTUTIL_ASSERT_CONTAINS(out, "\nLatency per request (from batch dispatch to response: the batch wait is not "
                                  "included)\n");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  mean                            123.115 ms\n");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  p99                                 n/a  (needs >= 100 requests, 50 "
                                  "measured)\n");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  p99.9                               n/a  (needs >= 1000 requests, 50 "
                                  "measured)\n");
    TESTUTIL_ASSERT_CONTAINS(out, "(mean per completed request; without the batch wait, the lines add up to the "
                                  "mean latency)\n  waiting for a batch              81.833 ms  (not in latency)\n");
    free(out);

    cJSON *j = run_json("run scenarios/paper-uniform.json --json");
    if (j != NULL) {
        CU_ASSERT(field(j, "latency_ms", "p99") > field(j, "latency_ms", "p95"));
        CU_ASSERT(field(j, "latency_ms", "p999") <= field(j, "latency_ms", "max"));
        double sum = field(j, "breakdown_ms", "dispatch_wait") + field(j, "breakdown_ms", "overhead") +
                     field(j, "breakdown_ms", "cold_start") + field(j, "breakdown_ms", "inference");
        CU_ASSERT_DOUBLE_EQUAL(sum, field(j, "latency_ms", "mean"), 1e-6); /* 10 significant digits */
        cJSON_Delete(j);
    }

    /* The same run timed from arrival: nothing is left out. */
    out = run_ok("run scenarios/paper-uniform.json --set stats.latency_from=arrival");
    TESTUTIL_ASSERT_CONTAINS(out, "\nLatency per request (from arrival to response)\n");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  waiting for a batch              81.833 ms\n");
    CU_ASSERT(!testutil_contains(out, "not in latency"));
    free(out);

    /* The thresholds: 99 requests are too few for p99, 100 are enough. */
    out = run_ok("run scenarios/no-batching.json --set requests=99");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  p99                                 n/a  (needs >= 100 requests, 99 "
                                  "measured)\n");
    free(out);
    out = run_ok("run scenarios/no-batching.json --set requests=100");
    CU_ASSERT(!testutil_contains(out, "p99                                 n/a"));
    TESTUTIL_ASSERT_CONTAINS(out, "\n  p99.9                               n/a  (needs >= 1000 requests, 100 "
                                  "measured)\n");
    /* Shown, but on one request above it: said so. */
    TESTUTIL_ASSERT_CONTAINS(out, "\n  - p99 rests on 1.0 of the 100 completed requests: a tail percentile from "
                                  "fewer than 10 requests above it is biased and noisy; run about 1000");
    free(out);
    out = run_ok("run scenarios/no-batching.json --set requests=1000");
    CU_ASSERT(!testutil_contains(out, "a tail percentile from fewer"));
    free(out);

    /* The quickstart's start-up: its cold starts all come in the first
     * seconds and fill the p99 tail (seed 3); measured from 3 s on they are gone. */
    out = run_ok("run scenarios/quickstart.json --seed 3");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  - all 10 cold starts (20 requests) came in the first 1.9 s of a 600 s run, and "
                                  "p99 rests on the top 36 requests: the start-up shapes the tail; set "
                                  "warmup_period_s (e.g. 3)");
    free(out);
    out = run_ok("run scenarios/quickstart.json --seed 3 --set warmup_period_s=3");
    CU_ASSERT(!testutil_contains(out, "the start-up shapes the tail"));
    free(out);
}

/* Every shipped scenario runs and prints a table. */
static void test_shipped_scenarios(void)
{
    static const char *const names[] = { "quickstart", "paper-uniform", "paper-bursty", "no-batching",
                                         "provisioned", "warmup" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char args[256], *out, *err;
        snprintf(args, sizeof args, "run scenarios/%s.json", names[i]);
        int rc = run(&out, &err, args);
        CU_ASSERT_EQUAL(rc, 0);
        if (rc != 0)
            printf("\n    %s: %s", names[i], err);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "Latency per request"));
        free(out);
        free(err);
    }
}

/* Every bad input of the catalogue (the bad files of tests/bad_inputs/README.md) through the real
 * command line: exit code 2, nothing on stdout, and one stderr line naming
 * the file and carrying the documented message. Models and traces are
 * plugged into a valid scenario with --set, as a user would. */
static void test_bad_input_catalogue(void)
{
    struct testutil_bad_rows row;
    testutil_bad_open(&row);
    int cases = 0;
    while (testutil_bad_next(&row)) {
        const char *file = row.file, *kind = row.kind;
        char args[4096];
        if (strcmp(kind, "scenario") == 0)
            snprintf(args, sizeof args, "run tests/bad/%s", file);
        else if (strcmp(kind, "model") == 0)
            snprintf(args, sizeof args, "run tests/data/scenario-minimal.json --set function.model=../bad/%s",
                     file);
        else if (strcmp(kind, "trace") == 0)
            snprintf(args, sizeof args,
                     "run tests/data/scenario-minimal.json --set 'workload={\"type\":\"trace\",\"file\":\"../bad/%s\"}'",
                     file);
        else
            continue;
        /* The message may name the file through another directory
         * (tests/data/../bad/x): compare from the base name on. */
        testutil_expect_bad_run(args, file, row.frag, TESTUTIL_BAD_TAIL | TESTUTIL_BAD_ONE_LINE);
        cases++;
    }
    printf("\n    %d catalogued bad inputs checked", cases);
    CU_ASSERT(cases >= 80);
}


/* ---- safety: no input crashes, hangs or silently loses precision ---------- */

/* Runs lambdasim with a command of any length; one CU_ASSERT each that it
 * exits 2 (not a signal), prints nothing on stdout, and that stderr holds
 * frag and not `absent` (may be NULL). */
static void expect_refused(const char *args, const char *frag, const char *absent)
{
    size_t len = strlen(testutil_bin()) + strlen(args) + 2;
    char *c = malloc(len), *out = NULL, *err = NULL;
    CU_ASSERT_FATAL(c != NULL);
    snprintf(c, len, "%s %s", testutil_bin(), args);
    int rc = testutil_run(c, &out, &err);
    CU_ASSERT_EQUAL(rc, 2);
    if (rc != 2 || strstr(err, frag) == NULL)
        printf("\n    '%.200s': exit %d, expected '%s' in: %.600s", args, rc, frag, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, frag));
    if (absent != NULL)
        CU_ASSERT_PTR_NULL(strstr(err, absent));
    CU_ASSERT_EQUAL(out[0], '\0');
    /* One line of valid UTF-8, however hostile the input. */
    CU_ASSERT_PTR_NOT_NULL(strchr(err, '\n'));
    CU_ASSERT_EQUAL(strchr(err, '\n')[1], '\0');
    for (const unsigned char *p = (const unsigned char *)err; *p != '\0'; p++)
        CU_ASSERT(*p >= 0x20 || *p == '\n');
    free(out);
    free(err);
    free(c);
}

/* "a.a.a...." of n segments (caller frees). */
static char *deep_path(size_t n)
{
    char *p = malloc(2 * n);
    CU_ASSERT_FATAL(p != NULL);
    for (size_t i = 0; i < n; i++) {
        p[2 * i] = 'a';
        p[2 * i + 1] = i + 1 < n ? '.' : '\0';
    }
    return p;
}

static void test_deep_paths(void)
{
    /* A million segments in a sweep axis and an override: a stack overflow
     * (SIGSEGV) before; now exit 2 naming the field and the limit. */
    char *path = deep_path(1000000);
    const char *kinds[] = { "axes", "overrides" }, *values[] = { "[1, 2]", "1" };
    char cwd[4096];
    CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
    for (size_t k = 0; k < 2; k++) {
        size_t len = strlen(cwd) + strlen(path) + 128;
        char *text = malloc(len), args[4200];
        CU_ASSERT_FATAL(text != NULL);
        snprintf(text, len, "{\"scenario\": \"%s/tests/data/scenario-minimal.json\", \"%s\": {\"%s\": %s}}", cwd,
                 kinds[k], path, values[k]);
        char *f = testutil_temp_file(text, ".json");
        snprintf(args, sizeof args, "sweep %s", f);
        expect_refused(args, k == 0 ? ": axes.a.a.a." : ": overrides.a.a.a.", NULL);
        expect_refused(args, "has 1000000 segments; at most 16 are allowed", NULL);
        unlink(f);
        free(f);
        free(text);
    }
    free(path);
    /* --set: an argument is at most 128 KB, so 30,000 segments. */
    path = deep_path(30000);
    size_t len = strlen(path) + 64;
    char *args = malloc(len);
    CU_ASSERT_FATAL(args != NULL);
    snprintf(args, len, "run tests/data/scenario-minimal.json --set %s=1", path);
    expect_refused(args, "has 30000 segments; at most 16 are allowed", NULL);
    free(args);
    free(path);
    expect_refused("run tests/data/scenario-minimal.json --set a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q=1",
                   "has 17 segments; at most 16 are allowed", NULL);

    /* Nesting in a --set value and in a file: refused before cJSON builds
     * the tree. */
    char *deep = malloc(100001);
    CU_ASSERT_FATAL(deep != NULL);
    memset(deep, '[', 100000);
    deep[100000] = '\0';
    args = malloc(100100);
    CU_ASSERT_FATAL(args != NULL);
    snprintf(args, 100100, "run tests/data/scenario-minimal.json --set seed=%s", deep);
    expect_refused(args, "seed: objects and lists nested deeper than 64 levels", NULL);
    char *f = testutil_temp_file(deep, ".json");
    snprintf(args, 100100, "run %s", f);
    expect_refused(args, ":1:65: malformed JSON: objects and lists nested deeper than 64 levels", NULL);
    unlink(f);
    free(f);
    free(args);
    free(deep);
}

static void test_time_precision(void)
{
    const char *s = "run tests/data/scenario-minimal.json";
    char a[512];
    /* p50 = min = 0 and exit 0, or 1 request of 200, before. */
    snprintf(a, sizeof a, "%s --set workload.rate_rps=1e-300", s);
    expect_refused(a, "workload.rate_rps: must be at least 1e-09 per second", NULL);
    snprintf(a, sizeof a, "%s --set workload.rate_rps=5e-324", s);
    expect_refused(a, "workload.rate_rps: must be at least 1e-09 per second", NULL);
    /* The end of the arrivals: 1e6 requests at 1e-4/s end at 1e10 s. */
    snprintf(a, sizeof a, "%s --set requests=1000000 --set workload.rate_rps=1e-4", s);
    expect_refused(a, "requests: the arrivals would end at about 10000000000 s; times must stay below 2^32 s", NULL);
    snprintf(a, sizeof a, "%s --set duration_s=1e300", s);
    expect_refused(a, "duration_s: must be at most 4294967296 s", NULL);
    snprintf(a, sizeof a, "%s --set batching.timeout_s=1e-300", s);
    expect_refused(a, "batching.timeout_s: must be 0 or at least 1e-09 s", NULL);
    /* A warm-up schedule that never advances, and one of 1e9 pings a
     * round: refused, the pings counted in the work budget. */
    expect_refused("run scenarios/warmup.json --set warmup.interval_s=1e-300",
                   "warmup.interval_s: must be at least 1e-09 s: a shorter time is lost", NULL);
    expect_refused("run scenarios/warmup.json --set warmup.concurrency=1000000000 --set warmup.interval_s=1e-6",
                   "warmup.interval_s: the run would simulate about 160 requests and", NULL);
    expect_refused("run scenarios/warmup.json --set warmup.concurrency=1000000000 --set warmup.interval_s=1e-6",
                   "warm-up pings; the limit is 1e10", NULL);
    /* Distributions whose mean or far tail is beyond the clock. */
    expect_refused("run scenarios/warmup.json --set 'platform.keep_alive_s={\"dist\":\"lognormal\",\"mu\":50,\"sigma\":10}'",
                   "platform.keep_alive_s: its mean, 2.68812e+43 s, must be at most 4.29497e+09 s", NULL);
    expect_refused("run scenarios/warmup.json --set 'platform.keep_alive_s={\"dist\":\"exponential\",\"mean\":1e308}'",
                   "platform.keep_alive_s: its mean, 1e+308 s", NULL);
    expect_refused("run scenarios/warmup.json --set 'platform.keep_alive_s={\"dist\":\"gamma\",\"shape\":1e300,\"scale\":1e300}'",
                   "platform.keep_alive_s: its mean, inf s", NULL);
    expect_refused("run scenarios/warmup.json --set 'platform.keep_alive_s={\"dist\":\"weibull\",\"shape\":0.02,\"scale\":1}'",
                   "platform.keep_alive_s: its mean", NULL);
    expect_refused("run scenarios/warmup.json --set 'platform.keep_alive_s={\"dist\":\"exponential\",\"mean\":1e9}'",
                   "platform.keep_alive_s: its 1 - 1e-12 quantile, 2.7631e+10 s", NULL);
}

/* Every byte string through jsonout gives JSON that cJSON parses. */
static void test_json_always_valid(void)
{
    /* Names are refused when not UTF-8 or with control characters. */
    char *bad = testutil_temp_file("{\"name\": \"a\xff\xfe" "b\", \"requests\": 10, \"workload\": {\"type\": \"uniform\", "
                                   "\"rate_rps\": 2}, \"function\": {\"model\": \"x.json\"}}", ".json");
    char a[4200];
    snprintf(a, sizeof a, "run %s --json", bad);
    expect_refused(a, ": name: not UTF-8 text (JSON files must be UTF-8)", NULL);
    unlink(bad);
    free(bad);
    bad = testutil_temp_file("{\"name\": \"a\\u0000b\", \"requests\": 10}", ".json");
    snprintf(a, sizeof a, "run %s --json", bad);
    expect_refused(a, ":1:12: malformed JSON: \\u0000 (a NUL character) in a string", NULL);
    unlink(bad);
    free(bad);
    expect_refused("run tests/data/scenario-minimal.json --json --set name=$(printf 'a\\033[2Jb')",
                   "name: the value is not UTF-8 text or holds a control character", NULL);
    expect_refused("run tests/data/scenario-minimal.json --json --set name=$(printf 'a\\377b')",
                   "name: the value is not UTF-8 text or holds a control character", NULL);
    expect_refused("run tests/data/scenario-minimal.json --json --set 'name=\"a\\u009bb\"'",
                   "name: must not contain control characters", NULL);
    /* What is accepted comes out as JSON that parses, the same string. */
    cJSON *j = run_json("run tests/data/scenario-minimal.json --json --set 'name=\"q\\\"\\\\\\u00e9\\u2028/\"'");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "scenario");
    CU_ASSERT(cJSON_IsString(n) && strcmp(n->valuestring, "q\"\\\xc3\xa9\xe2\x80\xa8/") == 0);
    cJSON_Delete(j);

    /* The writer itself: every byte value, alone and in bad sequences. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(f != NULL);
    char s[3 * 256 + 16];
    size_t k = 0;
    for (int b = 1; b < 256; b++)
        s[k++] = (char)b;
    memcpy(s + k, "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82", 11);
    k += 11;
    s[k] = '\0';
    fputc('[', f);
    jsonout_string(f, s);
    fputc(']', f);
    fclose(f);
    cJSON *arr = cJSON_Parse(buf);
    CU_ASSERT_PTR_NOT_NULL(arr);
    const cJSON *str = cJSON_GetArrayItem(arr, 0);
    CU_ASSERT(cJSON_IsString(str));
    /* The ASCII range survives exactly; each bad byte is U+FFFD. */
    if (cJSON_IsString(str)) {
        CU_ASSERT_EQUAL(memcmp(str->valuestring, s, 127), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(str->valuestring, "\xef\xbf\xbd"));
    }
    CU_ASSERT_PTR_NULL(strchr(buf, '\x1b'));
    cJSON_Delete(arr);
    free(buf);
}

/* A file that is not lambdasim's is never quoted in a message. */
static void test_no_foreign_content(void)
{
    char *secret = testutil_temp_file("root:$6$SECRETHASH$abcdef:19000:0:99999:7:::\n"
                                      "daemon:*:19000:0:99999:7:::\n", ".txt");
    char a[4200];
    snprintf(a, sizeof a, "run tests/data/scenario-minimal.json --set function.model=%s", secret);
    expect_refused(a, "malformed JSON: not a JSON file (it starts with byte 0x72, not '{')", "SECRET");
    snprintf(a, sizeof a, "run %s", secret);
    expect_refused(a, "not a JSON file", "SECRET");
    snprintf(a, sizeof a, "sweep %s", secret);
    expect_refused(a, "not a JSON file", "SECRET");
    unlink(secret);
    free(secret);
    /* Starting with '{' is not enough: the first line's first bytes. */
    secret = testutil_temp_file("{SECRETHASH-1234567890 and more\n", ".json");
    snprintf(a, sizeof a, "run tests/data/scenario-minimal.json --set function.model=%s", secret);
    expect_refused(a, ":1:3: malformed JSON (referenced", "SECRET");
    unlink(secret);
    free(secret);
    /* A JSON file far enough in is quoted, escaped and bounded. */
    secret = testutil_temp_file("{\"memory_mb\": 1024,\n \"cold_start_ms\": tru\x01\x1b[2J\xff}", ".json");
    snprintf(a, sizeof a, "run tests/data/scenario-minimal.json --set function.model=%s", secret);
    expect_refused(a, ":2:19: malformed JSON near 'tru\\x01\\x1B[2J\\xFF}'", NULL);
    unlink(secret);
    free(secret);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "bad-input catalogue through the CLI", test_bad_input_catalogue);
    CU_add_test(s, "help and version", test_help_and_version);
    CU_add_test(s, "usage errors exit 2 with a message", test_usage_errors);
    CU_add_test(s, "JSON output fields", test_json_fields);
    CU_add_test(s, "byte-identical output per seed", test_determinism);
    CU_add_test(s, "--set overrides", test_set_override);
    CU_add_test(s, "--requests-csv and output safety", test_requests_csv);
    CU_add_test(s, "shipped scenarios run", test_shipped_scenarios);
    CU_add_test(s, "safety: deep field paths and JSON exit 2", test_deep_paths);
    CU_add_test(s, "safety: times the clock cannot resolve exit 2", test_time_precision);
    CU_add_test(s, "safety: --json always parses; bad strings exit 2", test_json_always_valid);
    CU_add_test(s, "safety: no content of a foreign file in messages", test_no_foreign_content);
    CU_add_test(s, "make run's scenario: a first run that teaches", test_first_run);
    CU_add_test(s, "the table says what latency measures and which tails are n/a", test_table_honesty);
}

int main(void)
{
    return testutil_main("cli", add_tests);
}
