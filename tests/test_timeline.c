/* test_timeline: the --timeline-csv sink on hand-made runs with exact
 * times: cold and warm instances, idle gaps, provisioned instances, the
 * queue's length, keep-alive expiry, pings and a discarded instance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_fixture.h"
#include "testutil.h"
#include "formats/timeline.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define HEADER "kind,instance_id,provisioned,state,start_s,end_s,activity,batch_id,queue_len\n"

struct feed {
    FILE *f;
    void *state;
};

static void feed_event(void *ctx, const struct engine_event *ev)
{
    struct feed *fd = ctx;
    timeline_sink.on_event(fd->state, fd->f, ev);
}

/* Runs the scenario through the sink; returns the CSV (caller frees). */
static char *timeline_of(const struct scenario *sc)
{
    struct feed fd = { .f = tmpfile() };
    CU_ASSERT_PTR_NOT_NULL_FATAL(fd.f);
    fd.state = timeline_sink.start(fd.f, sc);
    struct engine_hooks hooks = { .on_event = feed_event, .ctx = &fd };
    struct engine_result res;
    engine_run(sc, sc->seed, &hooks, &res);
    timeline_sink.finish(fd.state, fd.f, &res);
    long len = ftell(fd.f);
    rewind(fd.f);
    char *buf = calloc((size_t)len + 1, 1);
    CU_ASSERT_EQUAL(fread(buf, 1, (size_t)len, fd.f), (size_t)len);
    fclose(fd.f);
    return buf;
}

static void expect_csv(const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        printf("\n--- expected:\n%s--- got:\n%s", want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
}

static void free_scenario(struct scenario *sc)
{
    struct fixture_log log = { 0 };
    fixture_free(sc, &log);
}

/* Two cold starts, an idle gap ended by reuse (mru), an idle instance cut
 * at the end of the run; with no batching the queue never holds a request
 * for any length of time. */
static void test_cold_warm_idle(void)
{
    const double t[] = { 0.0, 0.1, 5.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    char *csv = timeline_of(&sc);
    expect_csv(csv, HEADER
               "instance,0,0,init,0.000000000,0.500000000,batch,0,\n"
               "instance,0,0,busy,0.500000000,0.550000000,batch,0,\n"
               "instance,1,0,init,0.100000000,0.600000000,batch,1,\n"
               "instance,1,0,busy,0.600000000,0.650000000,batch,1,\n"
               "instance,1,0,idle,0.650000000,5.000000000,,,\n"
               "instance,1,0,busy,5.000000000,5.050000000,batch,2,\n"
               "instance,0,0,idle,0.550000000,5.050000000,,,\n"
               "queue,,,,0.000000000,5.050000000,,,0\n");
    free(csv);
    free_scenario(&sc);
}

/* A provisioned instance is idle from t = 0; the queue holds a request
 * while it waits for a partner (size) or for the timeout. */
static void test_provisioned_and_queue(void)
{
    const double t[] = { 1.0, 1.1, 1.2 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    sc.platform.provisioned_concurrency = 1;
    sc.batching = (struct batching_spec){ .threshold = 2, .max_batch = 2, .timeout_s = 0.3 };
    char *csv = timeline_of(&sc);
    expect_csv(csv, HEADER
               "queue,,,,0.000000000,1.000000000,,,0\n"
               "instance,0,1,idle,0.000000000,1.100000000,,,\n"
               "instance,0,1,busy,1.100000000,1.150000000,batch,0,\n"
               "queue,,,,1.000000000,1.100000000,,,1\n"
               "queue,,,,1.100000000,1.200000000,,,0\n"
               "instance,0,1,idle,1.150000000,1.500000000,,,\n"
               "instance,0,1,busy,1.500000000,1.550000000,batch,1,\n"
               "queue,,,,1.200000000,1.500000000,,,1\n"
               "queue,,,,1.500000000,1.550000000,,,0\n");
    free(csv);
    free_scenario(&sc);
}

/* A ping cold-starts instance 0, which expires after its 1 s keep-alive;
 * the request at 3 s needs a new instance. */
static void test_ping_and_expiry(void)
{
    const double t[] = { 3.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    dist_fini(&sc.platform.keep_alive_s);
    sc.platform.keep_alive_s = dist_constant(1.0);
    sc.warmup = (struct warmup_spec){ .concurrency = 1, .interval_s = 100, .first_at_s = 0, .hold_s = 0.2 };
    char *csv = timeline_of(&sc);
    expect_csv(csv, HEADER
               "instance,0,0,init,0.000000000,0.500000000,ping,,\n"
               "instance,0,0,busy,0.500000000,0.700000000,ping,,\n"
               "instance,0,0,idle,0.700000000,1.700000000,,,\n"
               "instance,1,0,init,3.000000000,3.500000000,batch,0,\n"
               "instance,1,0,busy,3.500000000,3.550000000,batch,0,\n"
               "queue,,,,0.000000000,3.550000000,,,0\n");
    free(csv);
    free_scenario(&sc);
}

/* An invocation that runs into function.timeout_s during init: the
 * on-demand environment is discarded, so no idle interval follows. */
static void test_timeout_discards(void)
{
    const double t[] = { 0.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    sc.function.timeout_s = 0.3;
    char *csv = timeline_of(&sc);
    expect_csv(csv, HEADER
               "instance,0,0,init,0.000000000,0.300000000,batch,0,\n"
               "queue,,,,0.000000000,0.300000000,,,0\n");
    free(csv);
    free_scenario(&sc);
}

/* An abandoned run (finish with no result) frees the state and writes nothing. */
static void test_abandoned(void)
{
    const double t[] = { 0.0 };
    struct scenario sc;
    fixture_scenario(&sc, t, N(t), 0.5, 0.05);
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    void *st = timeline_sink.start(f, &sc);
    timeline_sink.finish(st, f, NULL);
    CU_ASSERT_EQUAL(ftell(f), (long)strlen(HEADER));
    fclose(f);
    free_scenario(&sc);
}

/* The CLI writes the file through the sink, and its help names the option. */
static void test_cli_option(void)
{
    char *dir = testutil_temp_dir();
    char cmd[4096], *out, *err;
    snprintf(cmd, sizeof cmd, "%s run tests/data/explain-size.json --timeline-csv %s/t.csv", testutil_bin(), dir);
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, &err), 0);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "%s/t.csv", dir);
    char *csv = testutil_read_file(cmd);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_EQUAL(strncmp(csv, HEADER, strlen(HEADER)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "instance,0,1,busy,1.000000000,1.050000000,batch,0,\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "instance,1,0,init,1.000000000,1.500000000,batch,1,\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "queue,,,,1.000000000,1.200000000,,,1\n"));
    free(csv);
    snprintf(cmd, sizeof cmd, "%s run --help", testutil_bin());
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--timeline-csv FILE"));
    free(out);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "cold, warm and idle intervals", test_cold_warm_idle);
    CU_add_test(s, "provisioned instance and queue length", test_provisioned_and_queue);
    CU_add_test(s, "warm-up ping and keep-alive expiry", test_ping_and_expiry);
    CU_add_test(s, "function timeout discards the instance", test_timeout_discards);
    CU_add_test(s, "abandoned run", test_abandoned);
    CU_add_test(s, "run --timeline-csv", test_cli_option);
}

int main(void)
{
    return testutil_main("timeline", add_tests);
}
