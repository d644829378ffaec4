/* test_reallogs: real Lambda log lines, copied from public sources
 * (tests/data/reallogs/README.md gives each file's source, commit and
 * lines), read as they were published. Each file: what lambdalog_read
 * makes of it (invocations, durations, init/restore, memory, status),
 * and what `lambdasim calibrate` makes of it. No file here has enough
 * cold starts at one memory size for a fit, so calibrate's answer is a
 * refusal naming the count and the first line; that is checked exactly. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "formats/lambdalog.h"
#include "testutil.h"

#define DIR "tests/data/reallogs/"

static char msg[1024];

/* One expected invocation; NAN for a duration the record does not give. */
struct want {
    const char *id;
    double duration_ms, billed_ms, init_ms, restore_ms;
    int memory_mb, max_memory_mb;
    const char *version;
    bool timed_out;
    bool errored;               /* Status: error in the REPORT line */
};

static void expect_inv(const struct lambdalog_invocation *v, const struct want *w)
{
    CU_ASSERT_STRING_EQUAL(v->request_id, w->id);
    CU_ASSERT_DOUBLE_EQUAL(v->duration_ms, w->duration_ms, 1e-9);
    if (isnan(w->billed_ms)) {
        CU_ASSERT(isnan(v->billed_ms));
    } else {
        CU_ASSERT_DOUBLE_EQUAL(v->billed_ms, w->billed_ms, 1e-9);
    }
    if (isnan(w->init_ms)) {
        CU_ASSERT(isnan(v->init_ms));
    } else {
        CU_ASSERT_DOUBLE_EQUAL(v->init_ms, w->init_ms, 1e-9);
    }
    if (isnan(w->restore_ms)) {
        CU_ASSERT(isnan(v->restore_ms));
    } else {
        CU_ASSERT_DOUBLE_EQUAL(v->restore_ms, w->restore_ms, 1e-9);
    }
    CU_ASSERT_EQUAL(v->memory_mb, w->memory_mb);
    CU_ASSERT_EQUAL(v->max_memory_mb, w->max_memory_mb);
    CU_ASSERT_EQUAL(v->batch_size, -1);
    CU_ASSERT_EQUAL(v->timed_out, w->timed_out);
    CU_ASSERT_EQUAL(v->errored, w->errored);
    if (w->version != NULL) {
        CU_ASSERT_STRING_EQUAL(v->version, w->version);
    }
}

/* Reads one file; expects it to hold exactly the n invocations of want, in order. */
static void expect_file(const char *name, const struct want *want, size_t n)
{
    struct lambdalog log;
    lambdalog_init(&log);
    int rc = lambdalog_read(&log, name, msg, sizeof msg);
    if (rc != 0)
        fprintf(stderr, "\n  %s: %s\n", name, msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(log.n, n);
    for (size_t i = 0; i < n; i++)
        expect_inv(&log.inv[i], &want[i]);
    CU_ASSERT_EQUAL(log.timeouts_unattributed, 0);
    CU_ASSERT_EQUAL(lambdalog_check(&log, msg, sizeof msg), 0);
    lambdalog_fini(&log);
}

/* `lambdasim calibrate FILE` exits 2 with `frag` in its message. */
static void expect_calibrate_refuses(const char *name, const char *frag)
{
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "calibrate %s --batch-size 1 --min-samples 3 -o /dev/null --force", name);
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, frag);
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out);
    free(err);
}

/* DataDog forwarder's REPORT test strings: tab-separated text REPORT
 * lines, the 2019 billing in 100 ms steps, an X-Ray line after two of
 * them (no RequestId: function output, ignored). */
static void test_datadog_forwarder_reports(void)
{
    static const struct want w[] = {
        {"8edab1f8-7d34-4a8e-a965-15ccbbb78d4c", 0.62, 100, NAN, NAN, 128, 51, "", false, false},
        {"814ba7cb-071e-4181-9a09-fa41db5bccad", 1711.87, 1800, NAN, NAN, 128, 98, "", false, false},
        {"fe1467d6-1458-4e20-8e40-9aaa4be7a0f4", 3470.65, 3500, NAN, NAN, 128, 89, "", false, false},
    };
    expect_file(DIR "datadog-forwarder-reports.log", w, 3);
    expect_calibrate_refuses(DIR "datadog-forwarder-reports.log",
                             "too few cold starts: no usable REPORT line with an Init Duration (3 invocations, first at "
                             DIR "datadog-forwarder-reports.log:1); need at least 3 (--min-samples)");
}

/* DataDog forwarder's timeout snapshot: a subscription payload whose
 * messages are escaped twice (a backslash and 't' where CloudWatch has a
 * tab). Refused at the REPORT event, naming the text, not misread. */
static void test_datadog_forwarder_timeout_payload(void)
{
    const char *name = DIR "datadog-forwarder-timeout-subscription.json";
    struct lambdalog log;
    lambdalog_init(&log);
    CU_ASSERT_EQUAL(lambdalog_read(&log, name, msg, sizeof msg), -1);
    CU_ASSERT_EQUAL(log.n, 0);
    TESTUTIL_ASSERT_CONTAINS(msg, DIR "datadog-forwarder-timeout-subscription.json: event 3: unexpected text "
                             "'3003.16 ms\\tBilled Duration: 3000 ms\\tMe...'");
    lambdalog_fini(&log);
    expect_calibrate_refuses(name, "event 3: unexpected text '3003.16 ms\\tBilled");
}

/* The Rust runtime's Telemetry API records: initStart, a telemetry
 * subscription, an extension, then start/runtimeDone/report with X-Ray
 * tracing. One cold invocation; the version comes from platform.start. */
static void test_rust_runtime_telemetry(void)
{
    static const struct want w[] = {
        {"459921b5-681c-4a96-beb0-81e0aa586026", 2599.4, 2600, 549.04, NAN, 128, 94, "$LATEST", false, false},
    };
    expect_file(DIR "rust-runtime-telemetry.jsonl", w, 1);
    expect_calibrate_refuses(DIR "rust-runtime-telemetry.jsonl",
                             "too few cold starts: 1 REPORT lines with Init Duration (first at "
                             DIR "rust-runtime-telemetry.jsonl:7); need at least 3 (--min-samples)");
}

/* The Datadog extension's Managed Instances report (durationMs alone),
 * a SnapStart restoreReport and a logsDropped record (both skipped). */
static void test_managed_instances(void)
{
    static const struct want w[] = {
        {"13d1305b-a2f5-440c-bfbe-686ccff3d3e0", 1.148, NAN, NAN, NAN, 0, 0, "", false, false},
    };
    expect_file(DIR "datadog-extension-managed-instances.jsonl", w, 1);
    expect_calibrate_refuses(DIR "datadog-extension-managed-instances.jsonl",
                             "too few cold starts: no usable REPORT line with an Init Duration (1 invocations, first at "
                             DIR "datadog-extension-managed-instances.jsonl:1); need at least 3 (--min-samples)");
}

/* A CloudWatch Logs Insights export, newest first: every invocation's
 * REPORT precedes its START, one cold start (INIT_START, an "undefined"
 * request id on the init-time line). Read by RequestId all the same. */
static void test_embr_logs_insights(void)
{
    static const struct want w[] = {
        {"76269889-7d50-4d6d-a3f1-9b4f5322f47c", 14.97, 15, NAN, NAN, 128, 67, NULL, false, false},
        {"be5b175d-ff9d-40db-adef-77555f4b77a8", 5.93, 6, 145.69, NAN, 128, 67, NULL, false, false},
        {"94376af3-22fc-4de1-bc5c-7df1e71766f9", 1.49, 2, NAN, NAN, 128, 68, NULL, false, false},
        {"5486ce42-96dc-4c6c-8424-21c1880ca262", 1.44, 2, NAN, NAN, 128, 68, NULL, false, false},
        {"2709a79e-0740-491b-87cf-08f9c1e4089b", 1.85, 2, NAN, NAN, 128, 68, NULL, false, false},
    };
    expect_file(DIR "embr-logs-insights.log", w, 5);
    expect_calibrate_refuses(DIR "embr-logs-insights.log",
                             "too few cold starts: 1 REPORT lines with Init Duration (first at "
                             DIR "embr-logs-insights.log:5); need at least 3 (--min-samples)");
}

/* `sam logs` output of a SnapStart function (stream and timestamp before
 * each line): RESTORE_START/RESTORE_REPORT, then a restored invocation
 * (Restore Duration, Billed Restore Duration) and three warm ones. */
static void test_chime_sam_logs_snapstart(void)
{
    static const struct want w[] = {
        {"b771fecc-1b53-4faf-922d-1d74357b1676", 306.34, 610, NAN, 511.25, 3009, 155, "56", false, false},
        {"7667964c-05ac-4891-b28c-56f1282ebc1b", 138.27, 139, NAN, NAN, 3009, 159, "56", false, false},
        {"c5617d6b-3eff-409b-bff8-7f6ed83c319a", 50.76, 51, NAN, NAN, 3009, 159, "56", false, false},
        {"09cea32b-12e6-4283-9092-15e3fd5eabf8", 10.09, 11, NAN, NAN, 3009, 160, "56", false, false},
    };
    expect_file(DIR "chime-sma-sam-logs-snapstart.log", w, 4);
    expect_calibrate_refuses(DIR "chime-sma-sam-logs-snapstart.log",
                             "too few SnapStart restores: 1 REPORT lines with Restore Duration (first at "
                             DIR "chime-sma-sam-logs-snapstart.log:7); need at least 3 (--min-samples)");
}

/* The Baselime docs' example lines (console form, single spaces): START
 * and END of one invocation, the REPORT of another, cold, with X-Ray's
 * trailer on the REPORT line. */
static void test_baselime_docs(void)
{
    static const struct want w[] = {
        {"8fc6f963-411b-58b5-8483-a32130c0f45d", 201.67, 202, 480.25, NAN, 2048, 81, NULL, false, false},
    };
    expect_file(DIR "baselime-docs-report-xray.log", w, 1);
    expect_calibrate_refuses(DIR "baselime-docs-report-xray.log",
                             "too few cold starts: 1 REPORT lines with Init Duration (first at "
                             DIR "baselime-docs-report-xray.log:3); need at least 3 (--min-samples)");
}

/* `serverless invoke --log` output (2019): a warm invocation, then one
 * that timed out, its "Task timed out" line after its REPORT. The line
 * names the RequestId: that invocation is marked, not the one before. */
static void test_sls_invoke_timeout(void)
{
    static const struct want w[] = {
        {"ff19f6b4-781d-4952-b054-15060028e0ae", 7.60, 100, NAN, NAN, 1024, 73, "$LATEST", false, false},
        {"2e5a2ee9-defc-4495-b3f7-1ae2fe5df91c", 6006.18, 6000, NAN, NAN, 1024, 73, "$LATEST", true, false},
    };
    expect_file(DIR "sls-invoke-log-timeout.log", w, 2);
    expect_calibrate_refuses(DIR "sls-invoke-log-timeout.log",
                             "too few cold starts: no usable REPORT line with an Init Duration (2 invocations, first at "
                             DIR "sls-invoke-log-timeout.log:3); need at least 3 (--min-samples)");
}

/* `aws logs tail` output (AWS CLI v2): an ISO timestamp with microseconds
 * and the log stream before each line, the tabs of the REPORT line
 * expanded to runs of spaces by the terminal it was copied from. One
 * cold invocation; the version comes from START and the stream. */
static void test_nv_demo_logs_tail(void)
{
    static const struct want w[] = {
        {"b640040d-b5d3-4e2c-80f7-c3ee47215af2", 1608.89, 1609, 411.87, NAN, 128, 77, "$LATEST", false, false},
    };
    expect_file(DIR "nv-demo-aws-logs-tail.log", w, 1);
    expect_calibrate_refuses(DIR "nv-demo-aws-logs-tail.log",
                             "too few cold starts: 1 REPORT lines with Init Duration (first at "
                             DIR "nv-demo-aws-logs-tail.log:4); need at least 3 (--min-samples)");
}

/* Logs Insights messages of a timed-out invocation (2023): the "Task
 * timed out" line comes BEFORE its END and REPORT (and is followed by a
 * blank line: the message ends in two line breaks). Marked by RequestId
 * while the invocation is still open. */
static void test_azul_timeout_before_report(void)
{
    static const struct want w[] = {
        {"4299ee26-8d1d-4ea9-bd43-77b85ed96cfe", 31012.52, 31000, NAN, NAN, 128, 109, "$LATEST", true, false},
    };
    expect_file(DIR "azul-insights-timeout-before-report.log", w, 1);
    expect_calibrate_refuses(DIR "azul-insights-timeout-before-report.log",
                             "too few cold starts: no usable REPORT line with an Init Duration (1 invocations, first at "
                             DIR "azul-insights-timeout-before-report.log:5); need at least 3 (--min-samples)");
}

/* A REPORT line of a newer runtime with "Status: error" and "Error Type"
 * (2026): the invocation is read and marked errored. */
static void test_report_status_error(void)
{
    static const struct want w[] = {
        {"83269395-33ee-45a8-8a99-38f67b6faf72", 11.48, 12, NAN, NAN, 128, 10, "", false, true},
    };
    expect_file(DIR "contactform-api-report-status-error.log", w, 1);
    expect_calibrate_refuses(DIR "contactform-api-report-status-error.log",
                             "too few cold starts: no usable REPORT line with an Init Duration (1 invocations, first at "
                             DIR "contactform-api-report-status-error.log:1); need at least 3 (--min-samples)");
}

/* A failed init (provided.al2023, a binary for the wrong architecture):
 * two INIT_REPORT lines with Phase and "Status: error" (their "Init
 * Duration" is not a REPORT's), the runtime's error, then a REPORT
 * without Init Duration or Status. One invocation, not cold, and errored:
 * the init that failed in the invoke phase was that invocation's (Lambda
 * re-runs a failed init inside the next invocation), so its Duration is
 * no inference sample, though its REPORT does not say so. */
static void test_init_report_error(void)
{
    static const struct want w[] = {
        {"d515bace-9d56-4982-bd7c-0b5d3dfdd550", 21.80, 22, NAN, NAN, 128, 3, "$LATEST", false, true},
    };
    expect_file(DIR "aws-lambda-go-init-report-error.log", w, 1);
    expect_calibrate_refuses(DIR "aws-lambda-go-init-report-error.log",
                             "too few cold starts: no usable REPORT line with an Init Duration (1 invocations, first at "
                             DIR "aws-lambda-go-init-report-error.log:7); need at least 3 (--min-samples)");
}

/* A cold REPORT of 2026 from a Logs Insights table (single spaces, newest
 * first): Billed Duration 4262 ms is Duration plus Init Duration rounded
 * up (the init phase is billed since August 2025), at 160 MB. */
static void test_azul_billed_includes_init(void)
{
    static const struct want w[] = {
        {"1c121d49-2068-42b5-ab70-eb173c7bc4d1", 1006.16, 4262, 3254.98, NAN, 160, 160, "", false, false},
    };
    expect_file(DIR "azul-insights-billed-init.log", w, 1);
    expect_calibrate_refuses(DIR "azul-insights-billed-init.log",
                             "too few cold starts: 1 REPORT lines with Init Duration (first at "
                             DIR "azul-insights-billed-init.log:1); need at least 3 (--min-samples)");
}

/* A cold invocation that timed out (2020): Init Duration in its REPORT,
 * the "Task timed out" line after it. Marked timed out, so its Init
 * Duration is kept out of the cold-start fit, and calibrate's refusal says
 * so, naming the line. */
static void test_cold_timeout(void)
{
    static const struct want w[] = {
        {"dbb585bb-3a54-4d1a-a690-54e5085c55f8", 300099.78, 300000, 170.57, NAN, 128, 28, "$LATEST", true, false},
    };
    expect_file(DIR "cloudfront-samples-cold-timeout.log", w, 1);
    expect_calibrate_refuses(DIR "cloudfront-samples-cold-timeout.log",
                             "too few cold starts: no usable REPORT line with an Init Duration (1 invocations, "
                             "first at " DIR "cloudfront-samples-cold-timeout.log:5; 1 with an Init Duration left "
                             "out because the invocation timed out or failed (first at "
                             DIR "cloudfront-samples-cold-timeout.log:5)); need at least 3 (--min-samples)");
}

/* `aws logs get-log-events` output as the AWS Lambda Developer Guide
 * published it (2019 run, 100 ms billing): the envelope read event by
 * event; function output with \r line breaks, one message cut short by
 * the guide ("..."). The space before a tab in "100 ms \tMemory" is as
 * Lambda wrote it then. */
static void test_aws_docs_get_log_events(void)
{
    static const struct want w[] = {
        {"4ce9340a-b765-490f-ad8a-02ab3415e2bf", 26.73, 100, NAN, NAN, 128, 75, "$LATEST", false, false},
    };
    expect_file(DIR "aws-docs-get-log-events.json", w, 1);
    expect_calibrate_refuses(DIR "aws-docs-get-log-events.json",
                             "too few cold starts: no usable REPORT line with an Init Duration (1 invocations, first at "
                             DIR "aws-docs-get-log-events.json:5); need at least 3 (--min-samples)");
}

/* A decoded CloudWatch Logs subscription payload, singly escaped (the
 * guide's example; owner and filter name are the guide's placeholders):
 * one REPORT event at 192 MB, no START. */
static void test_aws_docs_subscription_decoded(void)
{
    static const struct want w[] = {
        {"6234bffe-149a-b642-81ff-2e8e376d8aff", 46.84, 100, NAN, NAN, 192, 72, "", false, false},
    };
    expect_file(DIR "aws-docs-subscription-decoded.json", w, 1);
    expect_calibrate_refuses(DIR "aws-docs-subscription-decoded.json",
                             "too few cold starts: no usable REPORT line with an Init Duration (1 invocations, first at "
                             DIR "aws-docs-subscription-decoded.json:1); need at least 3 (--min-samples)");
}

/* A custom runtime's output spilling over (2018, erllambda): after the
 * REPORT of one invocation and the START of the next, a line naming the
 * first one's RequestId ("Invoke Success path .../<id>/response"). The
 * next invocation has no REPORT in the excerpt; "1300 ms Memory" has a
 * space, not a tab, as Lambda wrote it then. */
static void test_erllambda_spill(void)
{
    static const struct want w[] = {
        {"1d6b832c-e984-11e8-a0c1-51c269721f59", 1297.37, 1300, NAN, NAN, 2048, 746, "", false, false},
    };
    expect_file(DIR "erllambda-output-after-next-start.log", w, 1);
    expect_calibrate_refuses(DIR "erllambda-output-after-next-start.log",
                             "too few cold starts: no usable REPORT line with an Init Duration (1 invocations, first at "
                             DIR "erllambda-output-after-next-start.log:5); need at least 3 (--min-samples)");
}

/* Lines copied from the CloudWatch console (2021, a Rust custom runtime)
 * with "&nbsp; | timestamp | " before each message: a cold REPORT whose
 * Billed Duration (86 ms) covers Duration and Init Duration, as custom
 * runtimes were billed, then a warm invocation with its START. */
static void test_flock_console_custom_runtime(void)
{
    static const struct want w[] = {
        {"f72de1ee-6577-4aec-91e2-425254136189", 59.26, 86, 25.91, NAN, 128, 30, "", false, false},
        {"e1110680-d183-4b77-9310-4b7d18cccbe2", 15.14, 16, NAN, NAN, 128, 31, "$LATEST", false, false},
    };
    expect_file(DIR "flock-console-custom-runtime.log", w, 2);
    expect_calibrate_refuses(DIR "flock-console-custom-runtime.log",
                             "too few cold starts: 1 REPORT lines with Init Duration (first at "
                             DIR "flock-console-custom-runtime.log:3); need at least 3 (--min-samples)");
}

/* Two REPORT lines from a blog post on suppressed inits (October 2024):
 * a cold one (Init Duration 3152 ms at 1024 MB), then one with the then
 * new "Status: timeout" (a re-init counted against the 3 s timeout), read
 * as timed out with no "Task timed out" line needed. */
static void test_astuyve_status_timeout(void)
{
    static const struct want w[] = {
        {"bdace18c-8f63-48f0-b44a-c909b6b134a0", 2.85, 3, 3152.18, NAN, 1024, 64, "", false, false},
        {"13222b1e-f16b-4550-89df-869ab0a9806d", 3000.00, 3000, NAN, NAN, 1024, 64, "", true, false},
    };
    expect_file(DIR "astuyve-doom-loop-status-timeout.log", w, 2);
    expect_calibrate_refuses(DIR "astuyve-doom-loop-status-timeout.log",
                             "too few cold starts: 1 REPORT lines with Init Duration (first at "
                             DIR "astuyve-doom-loop-status-timeout.log:1); need at least 3 (--min-samples)");
}

/* All the readable files at 128 MB together: still two cold starts. */
static void test_calibrate_together(void)
{
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err,
                           "calibrate " DIR "datadog-forwarder-reports.log " DIR "rust-runtime-telemetry.jsonl " DIR
                           "embr-logs-insights.log --batch-size 1 --min-samples 3 -o /dev/null --force");
    CU_ASSERT_EQUAL(rc, 2);
    TESTUTIL_ASSERT_CONTAINS(err, "too few cold starts: 2 REPORT lines with Init Duration");
    free(out);
    free(err);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "DataDog forwarder: text REPORT and X-Ray lines", test_datadog_forwarder_reports);
    CU_add_test(s, "DataDog forwarder: doubly escaped subscription payload", test_datadog_forwarder_timeout_payload);
    CU_add_test(s, "Rust runtime: Telemetry API records", test_rust_runtime_telemetry);
    CU_add_test(s, "Datadog extension: Managed Instances report", test_managed_instances);
    CU_add_test(s, "Embr: Logs Insights export, newest first", test_embr_logs_insights);
    CU_add_test(s, "Chime SMA: sam logs, SnapStart", test_chime_sam_logs_snapstart);
    CU_add_test(s, "Baselime docs: REPORT with X-Ray trailer", test_baselime_docs);
    CU_add_test(s, "serverless invoke --log: timeout after REPORT", test_sls_invoke_timeout);
    CU_add_test(s, "aws logs tail: nv-demo, cold", test_nv_demo_logs_tail);
    CU_add_test(s, "Logs Insights: timeout line before REPORT", test_azul_timeout_before_report);
    CU_add_test(s, "REPORT with Status: error", test_report_status_error);
    CU_add_test(s, "INIT_REPORT Status: error, then REPORT", test_init_report_error);
    CU_add_test(s, "Logs Insights table: Billed Duration includes init", test_azul_billed_includes_init);
    CU_add_test(s, "cold invocation that timed out", test_cold_timeout);
    CU_add_test(s, "AWS docs: get-log-events envelope", test_aws_docs_get_log_events);
    CU_add_test(s, "AWS docs: decoded subscription payload", test_aws_docs_subscription_decoded);
    CU_add_test(s, "erllambda: output of one invocation after the next START", test_erllambda_spill);
    CU_add_test(s, "flock: console copy, custom runtime billed for init", test_flock_console_custom_runtime);
    CU_add_test(s, "REPORT with Status: timeout (suppressed init)", test_astuyve_status_timeout);
    CU_add_test(s, "calibrate over the 128 MB files together", test_calibrate_together);
}

int main(void)
{
    return testutil_main("reallogs", add_tests);
}
