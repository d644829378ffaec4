/* test_cli: the lambdasim command line as a user meets it: help, exit
 * codes, JSON fields, determinism, overrides and output-file safety. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
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
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "scenario file"));
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
    CU_ASSERT_EQUAL(field(j, "requests", "arrived"), 3685);
    CU_ASSERT_EQUAL(field(j, "requests", "completed"), 3685);
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(j, "latency_from");
    CU_ASSERT(cJSON_IsString(from) && strcmp(from->valuestring, "arrival") == 0);
    double sum = field(j, "breakdown_ms", "batch_wait") + field(j, "breakdown_ms", "dispatch_wait") +
                 field(j, "breakdown_ms", "overhead") + field(j, "breakdown_ms", "cold_start") +
                 field(j, "breakdown_ms", "inference");
    CU_ASSERT_DOUBLE_EQUAL(sum, field(j, "latency_ms", "mean"), 1e-6); /* 10 significant digits */
    CU_ASSERT(field(j, "breakdown_ms", "batch_wait") > 50);
    CU_ASSERT_EQUAL(field(j, "cold_starts", "count"), 11);
    CU_ASSERT(field(j, "latency_ms", "p99") < field(j, "latency_ms", "p999"));
    CU_ASSERT(field(j, "latency_ms", "p999") < field(j, "latency_ms", "max"));
    cJSON_Delete(j);

    char *out = run_ok("run scenarios/quickstart.json");
    TESTUTIL_ASSERT_CONTAINS(out, "\nLatency per request (from arrival to response)\n");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  mean                            213.739 ms\n");
    TESTUTIL_ASSERT_CONTAINS(out, "\n  p99.9                          3226.114 ms\n");
    TESTUTIL_ASSERT_CONTAINS(out, "Where the time goes (mean per completed request; the lines add up to the mean "
                                  "latency)\n  waiting for a batch              75.706 ms\n");
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
    TESTUTIL_ASSERT_CONTAINS(out, "\n  mean                            126.620 ms\n");
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

/* Every bad input of the catalogue (tests/bad/README.md) through the real
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
    CU_add_test(s, "make run's scenario: a first run that teaches", test_first_run);
    CU_add_test(s, "the table says what latency measures and which tails are n/a", test_table_honesty);
}

int main(void)
{
    return testutil_main("cli", add_tests);
}
