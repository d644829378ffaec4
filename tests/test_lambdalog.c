/* test_lambdalog: the Lambda log and client log readers: AWS's verbatim
 * examples (docs/lambda-facts.md#log-formats), START/END/batch_size attribution,
 * JSON records, and one test per error with its file:line message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "formats/lambdalog.h"
#include "testutil.h"

static char msg[1024];

/* The message holds `frag` (reported when not, so a failure says why). */
#define ASSERT_MSG(frag) TESTUTIL_ASSERT_CONTAINS(msg, frag)

/* Reads content as a Lambda log into *log; returns lambdalog_read's result. */
static int read_log(const char *content, struct lambdalog *log, char **path_out)
{
    char *path = testutil_temp_file(content, ".log");
    lambdalog_init(log);
    int rc = lambdalog_read(log, path, msg, sizeof msg);
    unlink(path);
    if (path_out != NULL)
        *path_out = path;
    else
        free(path);
    return rc;
}

/* Expects reading content to fail with "<path><rest>". */
static void expect_log_error(const char *content, const char *rest)
{
    struct lambdalog log;
    char *path = NULL;
    int rc = read_log(content, &log, &path);
    /* A readable file without invocations has its own status. */
    CU_ASSERT_EQUAL(rc, strstr(rest, "no REPORT lines") != NULL ? LAMBDALOG_NO_REPORTS : -1);
    CU_ASSERT_EQUAL(log.n, 0);
    testutil_expect_msg_at(msg, path, rest);
    CU_ASSERT(strchr(msg, '\n') == NULL);
    lambdalog_fini(&log);
    free(path);
}

/* The three published REPORT forms of docs/lambda-facts.md#log-formats. */
static void test_report_verbatim(void)
{
    struct lambdalog_invocation v;
    /* Raw CloudWatch message: tabs, a stray space after Billed Duration, a trailing tab. */
    const char *raw = "REPORT RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\tDuration: 26.73 ms\t"
                      "Billed Duration: 27 ms \tMemory Size: 128 MB\tMax Memory Used: 75 MB\t";
    memset(&v, 0, sizeof v);
    CU_ASSERT_EQUAL_FATAL(lambdalog_parse_report(raw, strlen(raw), &v, msg, sizeof msg), 0);
    CU_ASSERT_STRING_EQUAL(v.request_id, "4ce9340a-b765-490f-ad8a-02ab3415e2bf");
    CU_ASSERT_DOUBLE_EQUAL(v.duration_ms, 26.73, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(v.billed_ms, 27, 1e-12);
    CU_ASSERT_EQUAL(v.memory_mb, 128);
    CU_ASSERT_EQUAL(v.max_memory_mb, 75);
    CU_ASSERT(isnan(v.init_ms));

    /* Console form: spaces, two between some fields, Init Duration last. */
    const char *console = "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95  Duration: 15.74 ms  "
                          "Billed Duration: 16 ms Memory Size: 128 MB Max Memory Used: 56 MB  "
                          "Init Duration: 130.49 ms";
    memset(&v, 0, sizeof v);
    CU_ASSERT_EQUAL_FATAL(lambdalog_parse_report(console, strlen(console), &v, msg, sizeof msg), 0);
    CU_ASSERT_STRING_EQUAL(v.request_id, "8f507cfc-xmpl-4697-b07a-ac58fc914c95");
    CU_ASSERT_DOUBLE_EQUAL(v.duration_ms, 15.74, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(v.init_ms, 130.49, 1e-12);
    CU_ASSERT_EQUAL(v.max_memory_mb, 56);

    /* A container/custom runtime: Billed > Duration because init is billed. */
    const char *deno = "REPORT RequestId: 89ba7dfa-72d1-4ad7-9dac-2214d1698697 Duration: 4.42 ms Billed "
                       "Duration: 338 ms Memory Size: 1152 MB Max Memory Used: 75 MB Init Duration: 333.05 ms";
    memset(&v, 0, sizeof v);
    CU_ASSERT_EQUAL_FATAL(lambdalog_parse_report(deno, strlen(deno), &v, msg, sizeof msg), 0);
    CU_ASSERT_DOUBLE_EQUAL(v.billed_ms, 338, 1e-12);
    CU_ASSERT_EQUAL(v.memory_mb, 1152);
    CU_ASSERT_DOUBLE_EQUAL(v.init_ms, 333.05, 1e-12);

    /* A timestamp and log stream in front (aws logs tail), and a Status field. */
    const char *tail = "2024-05-01T10:00:00.123000+00:00 2024/05/01/[7]0123abcd REPORT RequestId: r1\t"
                       "Duration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory "
                       "Used: 90 MB\tStatus: timeout";
    memset(&v, 0, sizeof v);
    CU_ASSERT_EQUAL_FATAL(lambdalog_parse_report(tail, strlen(tail), &v, msg, sizeof msg), 0);
    CU_ASSERT(v.timed_out);
    CU_ASSERT_STRING_EQUAL(v.request_id, "r1");
    CU_ASSERT(isnan(v.restore_ms));

    /* A SnapStart function's new environment: Restore Duration, no Init
     * Duration (the REPORT form of AWS's "Monitoring for Lambda SnapStart"). */
    const char *snap = "REPORT RequestId: 3a1b-snap\tDuration: 10.85 ms\tBilled Duration: 182 ms\tMemory Size: "
                       "512 MB\tMax Memory Used: 73 MB\tRestore Duration: 424.71 ms\tBilled Restore Duration: 171 ms";
    memset(&v, 0, sizeof v);
    CU_ASSERT_EQUAL_FATAL(lambdalog_parse_report(snap, strlen(snap), &v, msg, sizeof msg), 0);
    CU_ASSERT_DOUBLE_EQUAL(v.restore_ms, 424.71, 1e-12);
    CU_ASSERT(isnan(v.init_ms));
}

static void test_report_errors(void)
{
    struct lambdalog_invocation v;
    static const struct {
        const char *line, *why;
    } cases[] = {
        { "REPORT RequestId: a\tDuration: 12.3x ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory "
          "Used: 1 MB", "Duration: not a number ('12.3x ms')" },
        { "REPORT RequestId: a\tDuration: 12.3 s\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory "
          "Used: 1 MB", "Duration: unit must be 'ms' (got 's')" },
        { "REPORT RequestId: a\tDuration: 12.3 ms\tBilled Duration: 13 ms\tMemory Size: 0.125 GB\tMax "
          "Memory Used: 1 MB", "Memory Size: unit must be 'MB' (got 'GB')" },
        { "REPORT RequestId: a\tDuration: 12.3 ms\tBilled Duration: 13 ms\tMemory Size: 128.5 MB\tMax "
          "Memory Used: 1 MB", "Memory Size: must be a whole number of MB (got 128.5)" },
        { "REPORT RequestId: a\tDuration: -1 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory "
          "Used: 1 MB", "Duration: must be >= 0 (got -1)" },
        { "REPORT RequestId: a\tDuration: 12.3 ms\tBilled Dura", "truncated line: ends in 'Billed Dura' "
          "(expected 'Billed Duration: ...')" },
        { "REPORT RequestId: a\tDuration: 12.3", "Duration: no unit after 12.3 (truncated line? expected "
          "'ms')" },
        { "REPORT RequestId: a\tDuration:", "Duration: no value (truncated line?)" },
        { "REPORT RequestId: a\tDuration: 12.3 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB",
          "no 'Max Memory Used' field (truncated line?)" },
        { "REPORT RequestId: a\tDuration: 1 ms\tDuration: 2 ms", "Duration: appears twice" },
        { "REPORT RequestId: a\tDuration: 1 ms\tCPU Time: 2 ms", "unexpected text 'CPU Time: 2 ms'" },
        { "REPORT RequestId: a\tDuration: inf ms", "Duration: not a number ('inf ms')" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&v, 0, sizeof v);
        CU_ASSERT_EQUAL(lambdalog_parse_report(cases[i].line, strlen(cases[i].line), &v, msg, sizeof msg), -1);
        ASSERT_MSG(cases[i].why);
    }
}

/* START / function output / END / REPORT groups: batch sizes, pings, versions. */
static void test_text_log(void)
{
    const char *content =
        "START RequestId: r1 Version: $LATEST\n"
        "[INFO]\t2024-05-01T10:00:00.000Z\tr1\tbatch_size=4\n"
        /* Function output that only looks like JSON (a printed Python dict). */
        "{'prediction': 7, 'probs': [0.1, 0.9]}\n"
        "END RequestId: r1\n"
        "REPORT RequestId: r1\tDuration: 18.00 ms\tBilled Duration: 2518 ms \tMemory Size: 1024 MB\t"
        "Max Memory Used: 180 MB\tInit Duration: 2500.00 ms\t\n"
        "XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true\n"
        "\n"
        "START RequestId: r2 Version: $LATEST\n"
        "START RequestId: r3 Version: $LATEST\n"
        /* Interleaved streams: a line naming r2 goes to r2, not to the latest START. */
        "r2 batch_size=2\n"
        "batch_size=1\n"
        "END RequestId: r3\n"
        "END RequestId: r2\n"
        "REPORT RequestId: r3\tDuration: 12.00 ms\tBilled Duration: 12 ms \tMemory Size: 1024 MB\tMax Memory Used: 180 MB\t\n"
        "REPORT RequestId: r2\tDuration: 14.00 ms\tBilled Duration: 14 ms \tMemory Size: 1024 MB\tMax Memory Used: 180 MB\t\n"
        "START RequestId: p0 Version: $LATEST\n"
        "WarmUp - Lambda is warm!\n"
        "END RequestId: p0\n"
        "REPORT RequestId: p0\tDuration: 1.00 ms\tBilled Duration: 1 ms \tMemory Size: 1024 MB\tMax Memory Used: 180 MB\t\n"
        "REPORT RequestId: r4\tDuration: 11.00 ms\tBilled Duration: 11 ms \tMemory Size: 1024 MB\tMax Memory Used: 180 MB\t\n"
        "START RequestId: r5 Version: $LATEST\n"
        "2024-05-01T10:01:00.000Z r5 Task timed out after 3.00 seconds\n"
        "END RequestId: r5\n"
        "REPORT RequestId: r5\tDuration: 3000.00 ms\tBilled Duration: 3000 ms \tMemory Size: 1024 MB\tMax Memory Used: 180 MB\t\n";
    struct lambdalog log;
    char *path = NULL;
    int rc = read_log(content, &log, &path);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(log.n, 6);
    const struct lambdalog_invocation *v = log.inv;
    CU_ASSERT_STRING_EQUAL(v[0].request_id, "r1");
    CU_ASSERT_EQUAL(v[0].batch_size, 4);
    CU_ASSERT_DOUBLE_EQUAL(v[0].init_ms, 2500, 1e-9);
    CU_ASSERT_STRING_EQUAL(v[0].version, "$LATEST");
    CU_ASSERT_EQUAL(v[0].line, 5);
    CU_ASSERT_STRING_EQUAL(v[0].file, path);
    CU_ASSERT_STRING_EQUAL(v[1].request_id, "r3");
    CU_ASSERT_EQUAL(v[1].batch_size, 1);
    CU_ASSERT_STRING_EQUAL(v[2].request_id, "r2");
    CU_ASSERT_EQUAL(v[2].batch_size, 2);
    CU_ASSERT_EQUAL(v[3].batch_size, 0);    /* the warm-up marker */
    CU_ASSERT_EQUAL(v[4].batch_size, -1);   /* no START, no batch line */
    CU_ASSERT_STRING_EQUAL(v[4].version, "");
    CU_ASSERT(v[5].timed_out);
    CU_ASSERT(!v[0].timed_out);
    CU_ASSERT_EQUAL(lambdalog_check(&log, msg, sizeof msg), 0);
    lambdalog_fini(&log);
    free(path);
}

/* Timeouts by RequestId only (issue 15, point 3): a timeout line after its
 * REPORT, one interleaved with another invocation's lines, one that names
 * no invocation of the file; errored invocations from Status. */
static void test_timeouts_and_errors(void)
{
    const char *rep = "\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB\t";
    char content[4096];
    snprintf(content, sizeof content,
             /* a: timeout line after its REPORT (Lambda may flush it late). */
             "START RequestId: a-1 Version: $LATEST\n"
             "END RequestId: a-1\n"
             "REPORT RequestId: a-1%s\n"
             "2024-05-01T10:00:03.010Z a-1 Task timed out after 3.00 seconds\n"
             /* b and c interleaved; the timeout names c while b is the
              * most recent START without END: c is marked, b is not. */
             "START RequestId: c-3 Version: $LATEST\n"
             "START RequestId: b-2 Version: $LATEST\n"
             "2024-05-01T10:00:06.000Z c-3 Task timed out after 3.00 seconds\n"
             "END RequestId: c-3\n"
             "REPORT RequestId: c-3%s\n"
             "END RequestId: b-2\n"
             "REPORT RequestId: b-2\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 1024 MB\t"
             "Max Memory Used: 80 MB\t\n"
             /* d open, and a timeout of an invocation cut off the log. */
             "START RequestId: d-4 Version: $LATEST\n"
             "2024-05-01T09:59:00.000Z zz-9 Task timed out after 3.00 seconds\n"
             "END RequestId: d-4\n"
             "REPORT RequestId: d-4\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 1024 MB\t"
             "Max Memory Used: 80 MB\tStatus: error\tError Type: Runtime.ExitError\n"
             "REPORT RequestId: e-5\tDuration: 9.00 ms\tBilled Duration: 9 ms\tMemory Size: 1024 MB\t"
             "Max Memory Used: 80 MB\tStatus: success\n"
             /* An init that failed in the init phase (not re-run inside an
              * invocation) fails nothing; one in the invoke phase fails the
              * invocation whose START follows, once (g is not marked). */
             "INIT_REPORT Init Duration: 1.57 ms\tPhase: init\tStatus: error\tError Type: Runtime.Unknown\n"
             "START RequestId: f-6 Version: $LATEST\n"
             "REPORT RequestId: f-6\tDuration: 8.00 ms\tBilled Duration: 8 ms\tMemory Size: 1024 MB\t"
             "Max Memory Used: 80 MB\t\n"
             "INIT_REPORT Init Duration: 3000.00 ms\tPhase: invoke\tStatus: timeout\n"
             "START RequestId: h-8 Version: $LATEST\n"
             "REPORT RequestId: h-8\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\t"
             "Max Memory Used: 80 MB\t\n"
             "START RequestId: g-7 Version: $LATEST\n"
             "REPORT RequestId: g-7\tDuration: 7.00 ms\tBilled Duration: 7 ms\tMemory Size: 1024 MB\t"
             "Max Memory Used: 80 MB\t\n",
             rep, rep);
    struct lambdalog log;
    char *path = NULL;
    int rc = read_log(content, &log, &path);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(log.n, 8);
    const struct lambdalog_invocation *v = log.inv;
    CU_ASSERT_STRING_EQUAL(v[0].request_id, "a-1");
    CU_ASSERT(v[0].timed_out);
    CU_ASSERT_STRING_EQUAL(v[1].request_id, "c-3");
    CU_ASSERT(v[1].timed_out);
    CU_ASSERT_STRING_EQUAL(v[2].request_id, "b-2");
    CU_ASSERT(!v[2].timed_out);
    CU_ASSERT_STRING_EQUAL(v[3].request_id, "d-4");
    CU_ASSERT(!v[3].timed_out);
    CU_ASSERT(v[3].errored);
    CU_ASSERT(!v[4].errored && !v[4].timed_out);
    CU_ASSERT_STRING_EQUAL(v[5].request_id, "f-6");
    CU_ASSERT(!v[5].errored);
    CU_ASSERT_STRING_EQUAL(v[6].request_id, "h-8");
    CU_ASSERT(v[6].errored);
    CU_ASSERT(isnan(v[6].init_ms)); /* an INIT_REPORT's Init Duration is no cold start */
    CU_ASSERT_STRING_EQUAL(v[7].request_id, "g-7");
    CU_ASSERT(!v[7].errored);
    CU_ASSERT_EQUAL(log.timeouts_unattributed, 1);
    lambdalog_fini(&log);
    free(path);
}

/* Envelopes (issue 15, point 4): `aws logs get-log-events` and
 * `filter-log-events` output, a subscription payload, decoded and as a
 * subscribed function receives it (base64 of gzip), concatenated pages. */
#define REPORT_MSG(id, ms) "REPORT RequestId: " id "\\tDuration: " ms " ms\\tBilled Duration: 13 ms\\t" \
                           "Memory Size: 1024 MB\\tMax Memory Used: 80 MB\\t\\n"
static void test_envelopes(void)
{
    struct lambdalog log;
    /* get-log-events: pretty-printed, text messages with their newlines. */
    const char *get_events =
        "{\n    \"events\": [\n"
        "        {\"timestamp\": 1714557600000, \"message\": \"START RequestId: g-1 Version: $LATEST\\n\", "
        "\"ingestionTime\": 1714557600100},\n"
        "        {\"timestamp\": 1714557600005, \"message\": \"2024-05-01T10:00:00.005Z\\tg-1\\tINFO\\tbatch_size=4\\n\", "
        "\"ingestionTime\": 1714557600100},\n"
        "        {\"timestamp\": 1714557600010, \"message\": \"END RequestId: g-1\\n\", \"ingestionTime\": 1714557600100},\n"
        "        {\"timestamp\": 1714557600010, \"message\": \"" REPORT_MSG("g-1", "12.50") "\", "
        "\"ingestionTime\": 1714557600100}\n"
        "    ],\n    \"nextForwardToken\": \"f/3\",\n    \"nextBackwardToken\": \"b/1\"\n}\n"
        /* A second page, as `aws logs get-log-events` run twice >> file. */
        "{\"events\": [{\"timestamp\": 1, \"message\": \"" REPORT_MSG("g-2", "11.00") "\"}], \"nextForwardToken\": \"f/4\"}\n";
    CU_ASSERT_EQUAL_FATAL(read_log(get_events, &log, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(log.n, 2);
    CU_ASSERT_STRING_EQUAL(log.inv[0].request_id, "g-1");
    CU_ASSERT_EQUAL(log.inv[0].batch_size, 4);
    CU_ASSERT_STRING_EQUAL(log.inv[0].version, "$LATEST");
    CU_ASSERT_DOUBLE_EQUAL(log.inv[0].duration_ms, 12.5, 1e-12);
    CU_ASSERT_EQUAL(log.inv[0].line, 4);    /* the event number */
    CU_ASSERT_STRING_EQUAL(log.inv[1].request_id, "g-2");
    CU_ASSERT_EQUAL(log.inv[1].line, 5);
    lambdalog_fini(&log);

    /* filter-log-events: JSON log format, each message a platform record. */
    const char *filter =
        "{\"events\": [{\"logStreamName\": \"2024/05/01/[$LATEST]abc\", \"timestamp\": 1, \"message\": "
        "\"{\\\"time\\\":\\\"2024-05-01T10:00:00.010Z\\\",\\\"type\\\":\\\"platform.report\\\",\\\"record\\\":"
        "{\\\"requestId\\\":\\\"f-1\\\",\\\"status\\\":\\\"timeout\\\",\\\"metrics\\\":{\\\"durationMs\\\":3000.0,"
        "\\\"billedDurationMs\\\":3000,\\\"memorySizeMB\\\":512,\\\"maxMemoryUsedMB\\\":70}}}\", "
        "\"ingestionTime\": 2, \"eventId\": \"3\"}], \"searchedLogStreams\": []}\n";
    CU_ASSERT_EQUAL_FATAL(read_log(filter, &log, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT(log.inv[0].timed_out);
    CU_ASSERT_EQUAL(log.inv[0].memory_mb, 512);
    lambdalog_fini(&log);

    /* A subscription payload as delivered to a function: base64 of the
     * gzip of {"messageType": "DATA_MESSAGE", ..., "logEvents": [START s-1,
     * END s-1, REPORT s-1 with Init Duration 250 ms]} (made with Python's
     * gzip.compress(..., mtime=0)). */
    const char *awslogs =
        "{\"awslogs\": {\"data\": \"H4sIAAAAAAACA42Q0U7CMBSGX6VpvETWFga4uxEmIRE1bHoDxBR2JE3aDdtORMO7ezYwQY2Jvfz+"
        "0+/87Qc14JzcQLbfAo3oKM7ip2mSpvE4oS1a7gqwiLnodMNef3DFuECsy83YltUWk0DuXKClWeUyMIVy/hin3oI0mAsmugELA8aD+"
        "cVNnCVptpSrdQ7POOiqlVtbtfWqLK6V9mAdjeZUak2XjSZ5hcLX7IOqvO6Bl7zCyl4a3M77vBuG/R6rT+vrKTiXZvEsIzN4qXB0k"
        "kfEXXLyiHpcFJFTj0VBD62TWPwp5t/Eye3oh/bc0vmnZZbc3/3qt/CjykrfNOSiHTJi3MIPldaQk7Oo0/ApmNLuSareARl+MpkOk"
        "co3ckoeHKB3wBo+KZQ/c4iQtdnRX9dfHj4B9H3SdAcCAAA=\"}}\n";
    CU_ASSERT_EQUAL_FATAL(read_log(awslogs, &log, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_STRING_EQUAL(log.inv[0].request_id, "s-1");
    CU_ASSERT_DOUBLE_EQUAL(log.inv[0].init_ms, 250, 1e-12);
    lambdalog_fini(&log);

    /* The public example payload (aws_lambda_events, fixture
     * example-cloudwatch_logs-event.json) decodes to two function lines and
     * no REPORT: read, and refused for that reason only. */
    expect_log_error("{\"awslogs\": {\"data\": \"H4sIAAAAAAAAAHWPwQqCQBCGX0Xm7EFtK+smZBEUgXoLCdMhFtKV3akI8d0bLYmi"
                     "bvPPN3wz00CJxmQnTO41whwWQRIctmEcB6sQbFC3CjW3XW8kxpOpP+OC22d1Wml1qZkQGtoMsScxaczKN3plG8zlaHIt"
                     "a5KqWsozoTYw3/djzwhpLwivWFGHGpAFe7DL68JlBUk+l7KSN7tCOEJ4M3/qOI49vMHj+zCKdlFqLaU2ZHV2a4Ct/an0/i"
                     "vdX8oYc1UVX860fQDQiMdxRQEAAA==\"}}\n",
                     ": no REPORT lines or platform.report records");
    /* Decoded subscription payloads: a control message has no events. */
    expect_log_error("{\"messageType\": \"CONTROL_MESSAGE\", \"owner\": \"CloudwatchLogs\", \"logGroup\": \"\", "
                     "\"logStream\": \"\", \"subscriptionFilters\": [], \"logEvents\": [{\"id\": \"\", "
                     "\"timestamp\": 1, \"message\": \"CWL CONTROL MESSAGE: Checking health of destination\"}]}\n",
                     ": no REPORT lines or platform.report records");
    const char *decoded = "{\"messageType\": \"DATA_MESSAGE\", \"logEvents\": [{\"id\": \"1\", \"timestamp\": 1, "
                          "\"message\": \"" REPORT_MSG("d-1", "9.00") "\"}]}";
    CU_ASSERT_EQUAL_FATAL(read_log(decoded, &log, NULL), 0);
    CU_ASSERT_EQUAL(log.n, 1);
    lambdalog_fini(&log);

    /* Errors name the event or the field. */
    expect_log_error("{\"events\": [{\"message\": \"" REPORT_MSG("e-1", "1") "\"}, {\"message\": "
                     "\"REPORT RequestId: e-2\\tDuration: 1.5x ms\"}]}\n",
                     ": event 2: Duration: not a number ('1.5x ms')");
    expect_log_error("{\"events\": [{\"message\": \"" REPORT_MSG("e-1", "1") "\"}, {\"timestamp\": 2}]}\n",
                     ": events[1].message: required field is missing");
    expect_log_error("{\"logEvents\": {\"message\": \"x\"}}\n", ": logEvents: must be an array (got object)");
    expect_log_error("{\"awslogs\": {\"data\": \"not*base64\"}}\n", ": awslogs.data: not base64");
    expect_log_error("{\"awslogs\": {\"data\": \"aGVsbG8=\"}}\n", ": awslogs.data: not valid gzip data (corrupt)");
    expect_log_error("{\"events\": [{\"message\": \"" REPORT_MSG("e-1", "1") "\"}]}\n{\"type\": 1}\n",
                     ": byte 142: a JSON value that is not a log envelope after one that is");
}

/* The documented platform.report record, verbatim with its trailing comma,
 * pretty-printed over several lines; one-line records; function output. */
static void test_json_records(void)
{
    const char *content =
        "{\n"
        "    \"time\": \"2022-10-12T00:01:15.000Z\",\n"
        "    \"type\": \"platform.report\",\n"
        "    \"record\": {\n"
        "        \"metrics\": {\n"
        "            \"billedDurationMs\": 694,\n"
        "            \"durationMs\": 693.92,\n"
        "            \"initDurationMs\": 397.68,\n"
        "            \"maxMemoryUsedMB\": 84,\n"
        "            \"memorySizeMB\": 128\n"
        "        },\n"
        "        \"requestId\": \"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\",\n"
        "    }\n"
        "}\n"
        "{\"time\": \"2022-10-12T00:01:16.000Z\", \"type\": \"platform.start\", \"record\": "
        "{\"requestId\": \"r2\", \"version\": \"$LATEST\"}}\n"
        "{\"timestamp\": \"2022-10-12T00:01:16.001Z\", \"level\": \"INFO\", \"requestId\": \"r2\", "
        "\"message\": \"batch_size=3\"}\n"
        "{\"time\": \"2022-10-12T00:01:16.010Z\", \"type\": \"platform.runtimeDone\", \"record\": "
        "{\"requestId\": \"r2\", \"status\": \"success\"}}\n"
        "{\"time\": \"2022-10-12T00:01:16.020Z\", \"type\": \"platform.report\", \"record\": {\"requestId\": "
        "\"r2\", \"status\": \"success\", \"metrics\": {\"durationMs\": 9.5, \"billedDurationMs\": 10, "
        "\"memorySizeMB\": 128, \"maxMemoryUsedMB\": 84}}}\n"
        "{\"time\": \"2022-10-12T00:01:17.020Z\", \"type\": \"platform.report\", \"record\": {\"requestId\": "
        "\"r3\", \"status\": \"error\", \"metrics\": {\"durationMs\": 2.5, \"billedDurationMs\": 3, "
        "\"memorySizeMB\": 128, \"maxMemoryUsedMB\": 84}}}\n";
    struct lambdalog log;
    int rc = read_log(content, &log, NULL);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(log.n, 3);
    CU_ASSERT_STRING_EQUAL(log.inv[0].request_id, "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa");
    CU_ASSERT_DOUBLE_EQUAL(log.inv[0].duration_ms, 693.92, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(log.inv[0].init_ms, 397.68, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(log.inv[0].billed_ms, 694, 1e-9);
    CU_ASSERT_EQUAL(log.inv[0].memory_mb, 128);
    CU_ASSERT_EQUAL(log.inv[0].line, 1);
    CU_ASSERT_EQUAL(log.inv[1].batch_size, 3);
    CU_ASSERT_STRING_EQUAL(log.inv[1].version, "$LATEST");
    CU_ASSERT(isnan(log.inv[1].init_ms));
    CU_ASSERT(!log.inv[1].errored);
    CU_ASSERT(log.inv[2].errored && !log.inv[2].timed_out);
    lambdalog_fini(&log);
}

static void test_log_errors(void)
{
    const char *report = "REPORT RequestId: a\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
                         "Max Memory Used: 1 MB\n";
    char buf[2048];
    snprintf(buf, sizeof buf, "%sREPORT RequestId: b\tDuration: 1.5x ms\n", report);
    expect_log_error(buf, ":2: Duration: not a number ('1.5x ms')");
    expect_log_error("", ": no REPORT lines or platform.report records");
    expect_log_error("START RequestId: a Version: $LATEST\nhello\n", ": no REPORT lines or platform.report "
                     "records");
    expect_log_error("START RequestId:\n", ":1: START: no RequestId (truncated line?)");
    snprintf(buf, sizeof buf, "%s{\"type\": \"platform.report\",\n \"record\": {\"requestId\": \"x\"", report);
    expect_log_error(buf, ":2: truncated JSON record (no closing '}' before the end of the file)");
    /* durationMs alone is a Managed Instances report (test_managed_instances);
     * with one of the other three but not all, the record was cut. */
    expect_log_error("{\"type\": \"platform.report\", \"record\": {\"requestId\": \"x\", \"metrics\": "
                     "{\"durationMs\": 1, \"memorySizeMB\": 128, \"maxMemoryUsedMB\": 9}}}\n",
                     ":1: platform.report: record.metrics.billedDurationMs: required field is missing "
                     "(truncated record?)");
    expect_log_error("{\"type\": \"platform.report\", \"record\": {\"requestId\": 5}}\n",
                     ":1: platform.report: record.requestId: must be a string (got number)");
    expect_log_error("{\"type\": \"platform.report\",\n \"record\": {\"a\": tru}}\n",
                     ":2: malformed JSON record near 'tru}}'");
    expect_log_error("START RequestId: a Version: 1\nbatch_size=2\nbatch_size=3\n",
                     ":3: batch_size: 3, but line 2 gave 2 for the same invocation");
    expect_log_error("START RequestId: a Version: 1\nbatch_size=two\n",
                     ":2: batch_size: not a whole number ('two')");

    struct lambdalog log;
    lambdalog_init(&log);
    CU_ASSERT_EQUAL(lambdalog_read(&log, "tests/data/no-such.log", msg, sizeof msg), -1);
    CU_ASSERT_STRING_EQUAL(msg, "tests/data/no-such.log: cannot read: No such file or directory");
    lambdalog_fini(&log);
}

/* A record spanning lines is scanned once, not again at every line: the
 * old reader took ~20 s for 160,000 lines of '{' and would take minutes
 * for the 500,000 here; the alarm (SIGALRM ends the suite, a failure)
 * leaves a slow machine 20 s for what takes milliseconds. */
static void test_long_record_linear(void)
{
    size_t lines = 500000;
    char *text = malloc(2 * lines + 1);
    CU_ASSERT_FATAL(text != NULL);
    for (size_t i = 0; i < lines; i++)
        memcpy(text + 2 * i, "{\n", 2);
    text[2 * lines] = '\0';
    alarm(20);
    expect_log_error(text, ":1: truncated JSON record (no closing '}' before the end of the file)");
    /* Past 1 MB the record is refused where it started. */
    char *more = malloc(2 * 600000 + 64);
    CU_ASSERT_FATAL(more != NULL);
    strcpy(more, "hello\n");
    for (size_t i = 0; i < 600000; i++)
        memcpy(more + 6 + 2 * i, "{\n", 2);
    more[6 + 2 * 600000] = '\0';
    expect_log_error(more, ":2: JSON record longer than 1024 KB (no closing '}' by line 524290; not a log file?)");
    alarm(0);
    free(more);
    free(text);
    /* Deep but short: refused by the nesting cap, not by cJSON's stack. */
    expect_log_error("{\"type\": \"platform.report\",\n \"record\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\n",
                     ":2: malformed JSON record: objects and lists nested deeper than 64 levels");
}

/* Mixed memory sizes, mixed versions and a RequestId seen twice are
 * refused across files, with counts and the first line of each. */
static void test_check(void)
{
    struct lambdalog log;
    lambdalog_init(&log);
    CU_ASSERT_EQUAL_FATAL(lambdalog_read(&log, "tests/bad/log-mixed-memory.log", msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(lambdalog_check(&log, msg, sizeof msg), -1);
    CU_ASSERT_STRING_EQUAL(msg, "mixed memory sizes: 2 invocations at 1024 MB (first at "
                                "tests/bad/log-mixed-memory.log:1) and 1 at 2048 MB (first at "
                                "tests/bad/log-mixed-memory.log:3); give the logs of one configuration, "
                                "choose one with --memory-mb, or fit how Duration scales across them "
                                "with --fit-memory");
    CU_ASSERT_EQUAL(lambdalog_keep_memory(&log, 2048), 1);
    CU_ASSERT_EQUAL(lambdalog_check(&log, msg, sizeof msg), 0);
    lambdalog_fini(&log);

    lambdalog_init(&log);
    CU_ASSERT_EQUAL_FATAL(lambdalog_read(&log, "tests/bad/log-mixed-functions.log", msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(lambdalog_check(&log, msg, sizeof msg), -1);
    ASSERT_MSG("mixed functions: 2 invocations of version '$LATEST' (first at "
               "tests/bad/log-mixed-functions.log:3) and 1 of version '3' (first at "
               "tests/bad/log-mixed-functions.log:6)");
    lambdalog_fini(&log);

    /* The same file twice: every RequestId repeats. */
    lambdalog_init(&log);
    CU_ASSERT_EQUAL_FATAL(lambdalog_read(&log, "tests/bad/log-mixed-memory.log", msg, sizeof msg), 0);
    CU_ASSERT_EQUAL_FATAL(lambdalog_read(&log, "tests/bad/log-mixed-memory.log", msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(log.n, 6);
    lambdalog_keep_memory(&log, 1024);
    CU_ASSERT_EQUAL(lambdalog_check(&log, msg, sizeof msg), -1);
    ASSERT_MSG("RequestId a1 was already reported at tests/bad/log-mixed-memory.log:1 (the same log given "
               "twice?)");
    lambdalog_fini(&log);
}

static int read_client(const char *content, struct lambdalog_client *c, char **path_out)
{
    char *path = testutil_temp_file(content, ".csv");
    lambdalog_client_init(c);
    int rc = lambdalog_client_read(c, path, msg, sizeof msg);
    CU_ASSERT_EQUAL(lambdalog_is_client_log(path), strstr(content, "send_s") != NULL);
    unlink(path);
    if (path_out != NULL)
        *path_out = path;
    else
        free(path);
    return rc;
}

static void test_client_log(void)
{
    struct lambdalog_client c;
    const char *content = "# measured 2024-05-01\n"
                          "latency_ms,send_s,extra,status,request_id,batch_id,batch_size,invoke_ms,cold\n"
                          "120.5,0.25,x,ok,r1,0,2,100.25,1\n"
                          "\n"
                          "118.0,\"0.5\",y,,r1,0,2,100.25,true\n"
                          ",0.75,z,throttled,,1,1,,\n";
    int rc = read_client(content, &c, NULL);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 3);
    CU_ASSERT(c.has_cold && c.has_batch_size && c.has_request_id && c.has_invoke);
    CU_ASSERT_DOUBLE_EQUAL(c.req[0].send_s, 0.25, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(c.req[0].latency_ms, 120.5, 1e-12);
    CU_ASSERT(c.req[0].ok && c.req[1].ok && !c.req[2].ok);
    CU_ASSERT_STRING_EQUAL(c.req[0].request_id, "r1");
    CU_ASSERT_EQUAL(c.req[0].batch_id, 0);
    CU_ASSERT_EQUAL(c.req[1].batch_size, 2);
    CU_ASSERT_DOUBLE_EQUAL(c.req[1].invoke_ms, 100.25, 1e-12);
    CU_ASSERT_EQUAL(c.req[1].cold, 1);
    CU_ASSERT_EQUAL(c.req[2].cold, -1);
    CU_ASSERT(isnan(c.req[2].invoke_ms));
    CU_ASSERT_EQUAL(c.req[2].line, 6);
    lambdalog_client_fini(&c);

    /* The two required columns alone. */
    CU_ASSERT_EQUAL_FATAL(read_client("send_s,latency_ms\n1,2\n", &c, NULL), 0);
    CU_ASSERT(!c.has_cold && !c.has_batch_size && !c.has_request_id);
    CU_ASSERT_EQUAL(c.req[0].batch_size, 0);
    CU_ASSERT_EQUAL(c.req[0].batch_id, -1);
    lambdalog_client_fini(&c);
}

static void expect_client_error(const char *content, const char *rest)
{
    struct lambdalog_client c;
    char *path = NULL;
    CU_ASSERT_EQUAL(read_client(content, &c, &path), -1);
    CU_ASSERT_EQUAL(c.n, 0);
    testutil_expect_msg_at(msg, path, rest);
    lambdalog_client_fini(&c);
    free(path);
}

static void test_client_errors(void)
{
    expect_client_error("send_s,latency\n1,2\n", ":1: unknown column 'latency' (did you mean 'latency_ms'?)");
    expect_client_error("send_s,latency_ms,batchsize\n1,2,3\n",
                        ":1: unknown column 'batchsize' (did you mean 'batch_size'?)");
    expect_client_error("send_s,rtt\n1,2\n", ":1: no column 'latency_ms' in the header (a client log needs "
                        "send_s and latency_ms)");
    expect_client_error("send_s,latency_ms,send_s\n1,2,3\n", ":1: column 'send_s' appears twice");
    expect_client_error("send_s,latency_ms\n1,2\n1.5s,3\n", ":3: send_s: not a number ('1.5s')");
    expect_client_error("send_s,latency_ms\n1,-2\n", ":2: latency_ms: must be >= 0 (got -2)");
    expect_client_error("send_s,latency_ms\n1,1e999\n", ":2: latency_ms: not a finite number ('1e999')");
    expect_client_error("send_s,latency_ms\n,2\n", ":2: send_s: missing");
    expect_client_error("send_s,latency_ms,status\n1,,ok\n", ":2: latency_ms: missing for a request with "
                        "status ok");
    expect_client_error("send_s,latency_ms,status\n1,2,ok\n2,3\n", ":3: the row has 2 columns, the header 3 "
                        "(truncated line?)");
    expect_client_error("send_s,latency_ms,batch_size\n1,2,0\n", ":2: batch_size: must be a whole number "
                        ">= 1 (got 0)");
    expect_client_error("send_s,latency_ms,batch_id\n1,2,1.5\n", ":2: batch_id: must be a whole number "
                        "(got 1.5)");
    expect_client_error("send_s,latency_ms,cold\n1,2,yes\n", ":2: cold: must be 0 or 1 (got 'yes')");
    expect_client_error("send_s,latency_ms\n", ": no requests (only a header)");
    expect_client_error("# nothing\n\n", ": empty (a client log starts with a header: send_s,latency_ms,...)");
}

/* A Lambda Managed Instances platform.report (record from the Datadog
 * extension's tests, tests/data/reallogs/README.md) has durationMs alone:
 * read, with Memory Size 0 (not reported) and no billed duration. It was
 * refused as a truncated record before. */
static void test_managed_instances(void)
{
    struct lambdalog log;
    const char *mi = "{\"time\":\"2025-09-19T19:36:50.881Z\",\"type\":\"platform.report\",\"record\":{"
                     "\"requestId\":\"13d1305b-a2f5-440c-bfbe-686ccff3d3e0\",\"status\":\"success\",\"metrics\":{"
                     "\"durationMs\":1.148},\"spans\":[{\"name\":\"responseLatency\",\"start\":"
                     "\"2025-09-19T19:36:50.880Z\",\"durationMs\":0.847}]}}\n";
    CU_ASSERT_EQUAL_FATAL(read_log(mi, &log, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(log.n, 1);
    CU_ASSERT_STRING_EQUAL(log.inv[0].request_id, "13d1305b-a2f5-440c-bfbe-686ccff3d3e0");
    CU_ASSERT_DOUBLE_EQUAL(log.inv[0].duration_ms, 1.148, 1e-12);
    CU_ASSERT(isnan(log.inv[0].billed_ms));
    CU_ASSERT_EQUAL(log.inv[0].memory_mb, 0);
    CU_ASSERT_EQUAL(log.inv[0].max_memory_mb, 0);
    CU_ASSERT(isnan(log.inv[0].init_ms));
    CU_ASSERT(!log.inv[0].timed_out && !log.inv[0].errored);
    lambdalog_fini(&log);
    expect_log_error("{\"type\": \"platform.report\", \"record\": {\"requestId\": \"x\", \"metrics\": "
                     "{\"durationMs\": 1, \"billedDurationMs\": 1}}}\n",
                     ":1: platform.report: record.metrics.memorySizeMB: required field is missing "
                     "(truncated record?)");
}

/* X-Ray's trailer on the REPORT line (tracing on), as the console and
 * Logs Insights show it: the Baselime docs' line (tests/data/reallogs),
 * and the tab-separated form. It ends the fields; it was refused as
 * unexpected text before. */
static void test_report_xray_trailer(void)
{
    struct lambdalog_invocation v;
    const char *spaced = "REPORT RequestId: 8fc6f963-411b-58b5-8483-a32130c0f45d Duration: 201.67 ms Billed "
                         "Duration: 202 ms Memory Size: 2048 MB Max Memory Used: 81 MB Init Duration: 480.25 ms "
                         "XRAY TraceId: 1-61c86fa4-59b3c6d959653c527fd10966 SegmentId: 107ea78a5750a811 "
                         "Sampled: true";
    memset(&v, 0, sizeof v);
    CU_ASSERT_EQUAL_FATAL(lambdalog_parse_report(spaced, strlen(spaced), &v, msg, sizeof msg), 0);
    CU_ASSERT_STRING_EQUAL(v.request_id, "8fc6f963-411b-58b5-8483-a32130c0f45d");
    CU_ASSERT_DOUBLE_EQUAL(v.duration_ms, 201.67, 1e-12);
    CU_ASSERT_EQUAL(v.memory_mb, 2048);
    CU_ASSERT_DOUBLE_EQUAL(v.init_ms, 480.25, 1e-12);
    const char *tabbed = "REPORT RequestId: a\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
                         "Max Memory Used: 9 MB\tXRAY TraceId: 1-5\tSegmentId: 3\tSampled: true";
    memset(&v, 0, sizeof v);
    CU_ASSERT_EQUAL(lambdalog_parse_report(tabbed, strlen(tabbed), &v, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(v.max_memory_mb, 9);
    /* The required fields still are: a trailer does not stand for them. */
    const char *cut = "REPORT RequestId: a Duration: 1 ms XRAY TraceId: 1-5";
    CU_ASSERT_EQUAL(lambdalog_parse_report(cut, strlen(cut), &v, msg, sizeof msg), -1);
    TESTUTIL_ASSERT_CONTAINS(msg, "no 'Billed Duration' field (truncated line?)");
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "REPORT lines as AWS prints them", test_report_verbatim);
    CU_add_test(s, "REPORT errors: numbers, units, truncation", test_report_errors);
    CU_add_test(s, "text log: START/END, batch_size, pings, timeouts", test_text_log);
    CU_add_test(s, "timeouts by RequestId only; errored invocations", test_timeouts_and_errors);
    CU_add_test(s, "JSON platform records (trailing comma accepted)", test_json_records);
    CU_add_test(s, "envelopes: get/filter-log-events, subscription payloads", test_envelopes);
    CU_add_test(s, "Lambda log errors name file and line", test_log_errors);
    CU_add_test(s, "multi-line records: linear time, 1 MB cap", test_long_record_linear);
    CU_add_test(s, "Managed Instances platform.report", test_managed_instances);
    CU_add_test(s, "X-Ray trailer on the REPORT line", test_report_xray_trailer);
    CU_add_test(s, "mixed memory sizes, functions, duplicates", test_check);
    CU_add_test(s, "client log columns", test_client_log);
    CU_add_test(s, "client log errors", test_client_errors);
}

int main(void)
{
    return testutil_main("lambdalog", add_tests);
}
