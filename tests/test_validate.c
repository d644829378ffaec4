/* test_validate: `lambdasim validate` through the command line: a client
 * log simulated from a scenario validates against that scenario (exit 0),
 * and against the same scenario with the cold start doubled it fails
 * (exit 1) naming the metrics that are off; bad input exits 2. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define DOUBLED "--set 'function.model.cold_start_ms={\"dist\":\"lognormal\",\"median\":1600,\"sigma\":0.3}'"

static char *dir;

/* The observed log: one simulated realisation (seed 7); validate's
 * replications use seeds derived from it, so they are independent of it. */
static void make_log(void)
{
    if (dir != NULL)
        return;
    dir = testutil_temp_dir();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "run tests/data/log-scenario.json --client-log %s/c.csv", dir);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    free(out);
    free(err);
}

static void test_self_passes(void)
{
    make_log();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "validate tests/data/log-scenario.json --observed %s/c.csv", dir);
    if (rc != 0)
        fprintf(stderr, "\n  %s%s\n", out, err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "result: PASS"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "observed: 3000 requests"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cold-start rate"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "KS distance"));
    CU_ASSERT_STRING_EQUAL(err, "");
    /* Same inputs and seed: byte-identical output. */
    char *out2 = NULL;
    testutil_runf(&out2, NULL, "validate tests/data/log-scenario.json --observed %s/c.csv", dir);
    CU_ASSERT_STRING_EQUAL(out, out2);
    free(out);
    free(out2);
    free(err);

    rc = testutil_runf(&out, &err, "validate tests/data/log-scenario.json --observed %s/c.csv --json --replications 5",
                       dir);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"pass\": true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"replications\": 5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"latency_p99_ms\": {\"observed\": "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"wasserstein1_ms\": "));
    free(out);
    free(err);
}

static void test_doubled_cold_fails(void)
{
    make_log();
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "validate tests/data/log-scenario.json --observed %s/c.csv " DOUBLED, dir);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "result: FAIL"));
    /* Cold starts dominate the mean and the tail: those are named. */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "predictions off by more than 10%: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "latency_mean_ms +"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "latency_p99_ms +"));
    /* Throughput is set by the replayed arrivals, not by the cold start. */
    CU_ASSERT_PTR_NULL(strstr(err, "throughput_rps"));
    CU_ASSERT(strchr(err, '\n') == err + strlen(err) - 1);
    free(out);
    free(err);

    /* A looser tolerance lets the doubled model through on nothing: the
     * errors are near +90%. */
    rc = testutil_runf(&out, &err, "validate tests/data/log-scenario.json --observed %s/c.csv --tolerance 0.5 " DOUBLED,
             dir);
    CU_ASSERT_EQUAL(rc, 1);
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "validate tests/data/log-scenario.json --observed %s/c.csv --tolerance 2 " DOUBLED,
                       dir);
    CU_ASSERT_EQUAL(rc, 0);
    free(out);
    free(err);
}

static void test_plot(void)
{
    make_log();
    if (testutil_run("command -v gnuplot >/dev/null", NULL, NULL) != 0) {
        testutil_skip("validate --plot test (gnuplot not installed)");
        return;
    }
    char *out = NULL, *err = NULL, path[1024];
    int rc = testutil_runf(&out, &err, "validate tests/data/log-scenario.json --observed %s/c.csv --plot %s/cdf.png "
                 "--replications 2", dir, dir);
    CU_ASSERT_EQUAL(rc, 0);
    snprintf(path, sizeof path, "%s/cdf.png", dir);
    char *png = testutil_read_file(path);
    CU_ASSERT(png != NULL && memcmp(png, "\x89PNG", 4) == 0);
    free(png);
    free(out);
    free(err);
    /* It exists now: refused without --force, before anything runs. */
    rc = testutil_runf(&out, &err, "validate tests/data/log-scenario.json --observed %s/c.csv --plot %s/cdf.png "
             "--replications 2", dir, dir);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cdf.png: already exists; pass --force to replace it"));
    free(out);
    free(err);
    rc = testutil_runf(&out, &err, "validate tests/data/log-scenario.json --observed %s/c.csv --plot %s/cdf.png "
             "--replications 2 --force", dir, dir);
    CU_ASSERT_EQUAL(rc, 0);
    free(out);
    free(err);
}

static void test_bad_input(void)
{
    make_log();
    static const struct {
        const char *args, *frag;
    } cases[] = {
        { "validate tests/data/log-scenario.json", "missing --observed CLIENT_LOG.csv" },
        { "validate --observed x.csv", "missing SCENARIO.json" },
        { "validate tests/data/log-scenario.json --observed tests/bad/log-client-cold.csv",
          "tests/bad/log-client-cold.csv:3: cold: must be 0 or 1 (got 'yes')" },
        { "validate tests/data/log-scenario.json --observed tests/data/no-such.csv",
          "tests/data/no-such.csv: cannot read: No such file or directory" },
        { "validate tests/data/log-scenario.json --observed tests/bad/log-client-typo.csv --tolerance 0",
          "--tolerance: expected a number > 0" },
        { "validate tests/data/log-scenario.json --observed tests/bad/log-client-typo.csv --replications 0",
          "--replications: expected a whole number from 1 to 10000" },
        { "validate tests/data/log-scenario.json --observed tests/bad/log-client-typo.csv --bogus",
          "unknown option '--bogus'" },
        { "validate tests/bad/scenario-workload-trace-scale.json --observed tests/data/log-client.csv",
          "workload.time_scale: must be > 0 (got 0)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL, *err = NULL;
        int rc = testutil_runf(&out, &err, "%s", cases[i].args);
        bool ok = rc == 2 && out[0] == '\0' && strstr(err, cases[i].frag) != NULL;
        if (!ok)
            printf("\n    %s: exit %d, stderr: %s", cases[i].args, rc, err);
        CU_ASSERT(ok);
        free(out);
        free(err);
    }
}

static void cleanup(void)
{
    testutil_remove_dir(dir);
    dir = NULL;
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "a simulated log validates against its scenario", test_self_passes);
    CU_add_test(s, "doubled cold start fails and names the metrics", test_doubled_cold_fails);
    CU_add_test(s, "--plot overlays the CDFs (gnuplot)", test_plot);
    CU_add_test(s, "bad input exits 2", test_bad_input);
    CU_add_test(s, "clean up", cleanup);
}

int main(void)
{
    return testutil_main("validate", add_tests);
}
