/* test_simlog: the simulated Lambda and client logs: exact text of cold,
 * warm, ping and timed-out groups, and that lambdalog reads back what
 * simlog wrote. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "engine_fixture.h"
#include "formats/lambdalog.h"
#include "formats/simlog.h"
#include "testutil.h"

struct capture {
    const struct sink_ops *ops;
    void *state;
    FILE *f;
};

static void cap_request(void *ctx, const struct request_record *rec)
{
    struct capture *c = ctx;
    if (c->ops->on_request != NULL)
        c->ops->on_request(c->state, c->f, rec);
}

static void cap_event(void *ctx, const struct engine_event *ev)
{
    struct capture *c = ctx;
    if (c->ops->on_event != NULL)
        c->ops->on_event(c->state, c->f, ev);
}

/* Runs sc with one sink writing to a new temporary file; returns its path. */
static char *run_sink(const struct scenario *sc, const struct sink_ops *ops)
{
    char *path = testutil_temp_file("", ".log");
    struct capture c = { .ops = ops, .f = fopen(path, "w") };
    CU_ASSERT_FATAL(c.f != NULL);
    c.state = ops->start(c.f, sc);
    struct engine_hooks hooks = { .on_request = cap_request, .on_event = cap_event, .ctx = &c };
    struct engine_result res;
    engine_run(sc, sc->seed, &hooks, &res);
    ops->finish(c.state, c.f, &res);
    fclose(c.f);
    return path;
}

static void test_request_id(void)
{
    char id[48];
    simlog_request_id(id, sizeof id, false, 42);
    CU_ASSERT_STRING_EQUAL(id, "00000000-0000-4000-8000-00000000002a");
    simlog_request_id(id, sizeof id, true, 0);
    CU_ASSERT_STRING_EQUAL(id, "00000000-0000-4000-9000-000000000000");
    CU_ASSERT_DOUBLE_EQUAL(simlog_billed_ms(2500, 13, 1), 2513, 0);
    CU_ASSERT_DOUBLE_EQUAL(simlog_billed_ms(0, 12.01, 1), 13, 0);
    CU_ASSERT_DOUBLE_EQUAL(simlog_billed_ms(0.1 + 0.2, 0, 0.3), 0.3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(simlog_billed_ms(0, 12.01, 100), 100, 0);
}

#define ID0 "00000000-0000-4000-8000-000000000000"
#define ID2 "00000000-0000-4000-8000-000000000002"
#define PING0 "00000000-0000-4000-9000-000000000000"

/* Two cold requests (the second arrives while the first instance is in
 * init), a ping on a warm instance at 5 s, then one warm request. */
static void test_lambda_log_text(void)
{
    const double times[] = { 0, 0.5, 10 };
    struct scenario sc;
    fixture_scenario(&sc, times, 3, 2.5, 0.013);
    sc.warmup.concurrency = 1;
    sc.warmup.first_at_s = 5;
    sc.warmup.interval_s = 1000;
    sc.warmup.hold_s = 0.05;
    sc.duration_s = 30;
    char *path = run_sink(&sc, &simlog_lambda_sink);
    char *text = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    const char *cold = "START RequestId: " ID0 " Version: $LATEST\n"
                       "[INFO]\t1970-01-01T00:00:02.500Z\t" ID0 "\tbatch_size=1\n"
                       "END RequestId: " ID0 "\n"
                       "REPORT RequestId: " ID0 "\tDuration: 13.00 ms\tBilled Duration: 2513 ms \t"
                       "Memory Size: 1024 MB\tMax Memory Used: 256 MB\tInit Duration: 2500.00 ms\t\n";
    CU_ASSERT(strncmp(text, cold, strlen(cold)) == 0);
    if (strncmp(text, cold, strlen(cold)) != 0)
        fprintf(stderr, "\n  got:\n%s\n", text);
    const char *warm = "START RequestId: " ID2 " Version: $LATEST\n"
                       "[INFO]\t1970-01-01T00:00:10.000Z\t" ID2 "\tbatch_size=1\n"
                       "END RequestId: " ID2 "\n"
                       "REPORT RequestId: " ID2 "\tDuration: 13.00 ms\tBilled Duration: 13 ms \t"
                       "Memory Size: 1024 MB\tMax Memory Used: 256 MB\t\n";
    CU_ASSERT_PTR_NOT_NULL(strstr(text, warm));
    const char *ping = "START RequestId: " PING0 " Version: $LATEST\n"
                       "[INFO]\t1970-01-01T00:00:05.000Z\t" PING0 "\tbatch_size=0 warm-up ping\n"
                       "END RequestId: " PING0 "\n"
                       "REPORT RequestId: " PING0 "\tDuration: 50.00 ms\tBilled Duration: 50 ms \t"
                       "Memory Size: 1024 MB\tMax Memory Used: 256 MB\t\n";
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ping));

    /* Read back: every number as written. */
    struct lambdalog log;
    char msg[512];
    lambdalog_init(&log);
    CU_ASSERT_EQUAL_FATAL(lambdalog_read(&log, path, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL_FATAL(log.n, 4);
    CU_ASSERT_EQUAL(lambdalog_check(&log, msg, sizeof msg), 0);
    CU_ASSERT_DOUBLE_EQUAL(log.inv[0].init_ms, 2500, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(log.inv[1].init_ms, 2500, 1e-9);
    CU_ASSERT_EQUAL(log.inv[2].batch_size, 0);    /* the ping at 5 s */
    CU_ASSERT_STRING_EQUAL(log.inv[2].version, "$LATEST");
    CU_ASSERT(isnan(log.inv[3].init_ms));
    CU_ASSERT_EQUAL(log.inv[3].batch_size, 1);
    lambdalog_fini(&log);
    unlink(path);
    free(path);
    free(text);
    fixture_free(&sc, &(struct fixture_log){ 0 });
}

/* A timed-out invocation logs the timeout line and its truncated Duration;
 * a provisioned instance never shows Init Duration; the Max Memory Used
 * constant is capped at the configured memory. */
static void test_lambda_log_timeout(void)
{
    const double times[] = { 0 };
    struct scenario sc;
    fixture_scenario(&sc, times, 1, 0, 5);
    sc.function.timeout_s = 3;
    sc.function.memory_mb = 128;
    sc.platform.provisioned_concurrency = 1;
    char *path = run_sink(&sc, &simlog_lambda_sink);
    char *text = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "1970-01-01T00:00:03.000Z " ID0 " Task timed out after 3.00 seconds\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\tDuration: 3000.00 ms\tBilled Duration: 3000 ms \tMemory Size: 128 MB\t"
                                        "Max Memory Used: 128 MB\t\n"));
    CU_ASSERT_PTR_NULL(strstr(text, "Init Duration"));
    struct lambdalog log;
    char msg[512];
    lambdalog_init(&log);
    CU_ASSERT_EQUAL_FATAL(lambdalog_read(&log, path, msg, sizeof msg), 0);
    CU_ASSERT(log.inv[0].timed_out);
    lambdalog_fini(&log);
    unlink(path);
    free(path);
    free(text);
    fixture_free(&sc, &(struct fixture_log){ 0 });
}

/* One row per request in send order (two cold starts, then a throttle at
 * the limit of 2); a throttled request has no request id, round trip or
 * cold flag. */
static void test_client_log(void)
{
    const double times[] = { 0, 0.5, 0.6, 10 };
    struct scenario sc;
    fixture_scenario(&sc, times, 4, 1, 0.5);
    sc.function.model.overhead_s = dist_constant(0.02);
    sc.platform.concurrency_limit = 2;
    sc.platform.reserved_concurrency = 2;
    char *path = run_sink(&sc, &simlog_client_sink);
    char *text = testutil_read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    const char *want =
        "send_s,latency_ms,status,request_id,batch_id,batch_size,invoke_ms,cold\n"
        "0.000000,1520.000,ok,00000000-0000-4000-8000-000000000000,0,1,1520.000,1\n"
        "0.500000,1520.000,ok,00000000-0000-4000-8000-000000000001,1,1,1520.000,1\n"
        "0.600000,0.000,throttled,,2,1,,\n"
        "10.000000,520.000,ok,00000000-0000-4000-8000-000000000003,3,1,520.000,0\n";
    if (strcmp(text, want) != 0)
        fprintf(stderr, "\n  got:\n%s\n", text);
    CU_ASSERT_STRING_EQUAL(text, want);

    struct lambdalog_client c;
    char msg[512];
    lambdalog_client_init(&c);
    CU_ASSERT(lambdalog_is_client_log(path));
    CU_ASSERT_EQUAL_FATAL(lambdalog_client_read(&c, path, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 4);
    CU_ASSERT(!c.req[2].ok);
    CU_ASSERT_EQUAL(c.req[0].cold, 1);
    CU_ASSERT_DOUBLE_EQUAL(c.req[3].invoke_ms, 520, 1e-9);
    lambdalog_client_fini(&c);
    unlink(path);
    free(path);
    free(text);
    fixture_free(&sc, &(struct fixture_log){ 0 });
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "request ids and billed duration", test_request_id);
    CU_add_test(s, "Lambda log: cold, warm and ping groups", test_lambda_log_text);
    CU_add_test(s, "Lambda log: timeout, provisioned, memory cap", test_lambda_log_timeout);
    CU_add_test(s, "client log rows", test_client_log);
}

int main(void)
{
    return testutil_main("simlog", add_tests);
}
