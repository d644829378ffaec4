/* test_trace: the arrival-trace readers: plain and CSV forms, CRLF, comments,
 * the Azure 2019 and 2021 formats, arrivals placed inside a minute, and one
 * test per error with its file:line message. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "core/rng.h"
#include "core/model.h"
#include "core/scenario.h"
#include "formats/tracecache.h"
#include "formats/config.h"
#include "formats/trace.h"
#include "core/workload.h"

static char msg[512];

/* Reads content from a temporary file; returns trace_read_times' result
 * and, on success, the times in *t / *n. */
static int read_content(const char *content, size_t len, const char *suffix, double **t,
                        size_t *n, char **path_out)
{
    char *path = testutil_temp_file("", suffix);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_FATAL(fwrite(content, 1, len, f) == len);
    fclose(f);
    int rc = trace_read_times(path, t, n, msg, sizeof msg);
    unlink(path);
    if (path_out != NULL)
        *path_out = path;
    else
        free(path);
    return rc;
}

/* Expects an error whose message is "<path><rest>" exactly. */
static void expect_error(const char *content, const char *rest)
{
    static double dummy;
    double *t = &dummy; /* must come back NULL */
    size_t n = 99;
    char *path = NULL;
    int rc = read_content(content, strlen(content), ".csv", &t, &n, &path);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(n, 0);
    testutil_expect_msg_at(msg, path, rest);
    CU_ASSERT(strchr(msg, '\n') == NULL);
    free(path);
}

static void expect_times(const char *content, size_t len, const double *want, size_t n_want)
{
    double *t = NULL;
    size_t n = 0;
    int rc = read_content(content, len, ".txt", &t, &n, NULL);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(n, n_want);
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_DOUBLE_EQUAL(t[i], want[i], 1e-12);
    free(t);
}

static void test_plain(void)
{
    double *t = NULL;
    size_t n = 0;
    int rc = trace_read_times("tests/data/trace-plain.txt", &t, &n, msg, sizeof msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(msg, "");
    const double want[] = { 0, 0.5, 0.5, 2.25, 10 };
    CU_ASSERT_EQUAL_FATAL(n, 5);
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_DOUBLE_EQUAL(t[i], want[i], 1e-12);
    free(t);

    /* Exponents, no final newline, leading blanks and tabs. */
    const char *s = "1e-3\n\t2.5E1\n+30";
    const double w2[] = { 0.001, 25, 30 };
    expect_times(s, strlen(s), w2, 3);
}

static void test_csv(void)
{
    double *t = NULL;
    size_t n = 0;
    /* CRLF line endings, a comment, a quoted field, blanks around a value. */
    int rc = trace_read_times("tests/data/trace.csv", &t, &n, msg, sizeof msg);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    const double want[] = { 0.1, 0.2, 1.5 };
    CU_ASSERT_EQUAL_FATAL(n, 3);
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_DOUBLE_EQUAL(t[i], want[i], 1e-12);
    free(t);

    /* time_s first, a quoted header, a comma inside quotes, a UTF-8 BOM. */
    const char *s = "\xEF\xBB\xBF\"time_s\",note\n0.5,\"a, b\"\n0.75,c\n";
    const double w2[] = { 0.5, 0.75 };
    expect_times(s, strlen(s), w2, 2);

    /* Comments and blank lines before the header. */
    const char *s3 = "# recorded 2024-06-01\n\n  \nid,time_s\n1,3\n";
    const double w3[] = { 3 };
    expect_times(s3, strlen(s3), w3, 1);

    /* A CRLF file that is only a header and times. */
    const char *s4 = "time_s\r\n1\r\n2\r\n";
    const double w4[] = { 1, 2 };
    expect_times(s4, strlen(s4), w4, 2);
}

static void test_errors(void)
{
    expect_error("id,time_s\n1,0.5\n2,abc\n", ":3: time_s: not a number ('abc')");
    expect_error("id,time_s\n1,\n", ":2: time_s: not a number ('')");
    expect_error("0.5\n1.5s\n", ":2: not a number ('1.5s')");
    expect_error("0.5\ninf\n", ":2: not a number ('inf')");
    expect_error("0.5\n0x10\n", ":2: not a number ('0x10')");
    expect_error("1\n1e999\n", ":2: not a finite number ('1e999')");
    expect_error("1\n2\n4\n3.5\n", ":4: times must not decrease (3.5 after 4)");
    expect_error("# times\n-1\n", ":2: negative time (-1)");
    expect_error("id,time_s\n1,-0.5\n", ":2: time_s: negative time (-0.5)");
    expect_error("", ": no arrival times");
    expect_error("# only a comment\n\n", ": no arrival times");
    expect_error("time_s\n", ": no arrival times");
    expect_error("id,time\n1,0.5\n",
                 ":1: no column named 'time_s' in header (or give one time in seconds per line)");
    expect_error("id,size,time_s\n1,2,0.5\n2,3\n",
                 ":3: time_s: missing (the row has 2 columns, time_s is column 3)");

    double *t = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(trace_read_times("tests/data/no-such-trace.csv", &t, &n, msg, sizeof msg), -1);
    CU_ASSERT_STRING_EQUAL(msg, "tests/data/no-such-trace.csv: cannot read: No such file or "
                                "directory");
    CU_ASSERT_PTR_NULL(t);

    /* A NUL byte (a binary file) is an error, not a silent truncation. */
    char *path = NULL;
    CU_ASSERT_EQUAL(read_content("1\n2\0junk\n", 9, ".txt", &t, &n, &path), -1);
    CU_ASSERT(testutil_contains(msg, ":2: NUL byte in the line"));
    free(path);

    /* Control characters in a bad value do not break the message's line. */
    CU_ASSERT_EQUAL(read_content("1\n2\x1b[31m\n", 10, ".txt", &t, &n, NULL), -1);
    CU_ASSERT(testutil_contains(msg, ":2: not a number ('2?[31m')"));
}

/* Lines far longer than any buffer: read whole, quoted back truncated. */
static void test_long_lines(void)
{
    size_t big = 1 << 20;
    char *s = malloc(2 * big + 64);
    CU_ASSERT_FATAL(s != NULL);
    size_t len = 0;
    s[len++] = '#';
    memset(s + len, 'c', big);
    len += big;
    s[len++] = '\n';
    memcpy(s + len, "1\n", 2);
    len += 2;
    memset(s + len, '7', big);
    len += big;
    s[len++] = '\n';
    double *t = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(read_content(s, len, ".txt", &t, &n, NULL), -1);
    CU_ASSERT(testutil_contains(msg, ":3: not a number ('7777777777777777777777777777777777777777...')"));
    CU_ASSERT(strlen(msg) < 200);

    /* The same long comment before good data is fine. */
    len = 1 + big + 1;
    memcpy(s + len, "1\n2\n", 4);
    len += 4;
    const double want[] = { 1, 2 };
    expect_times(s, len, want, 2);
    free(s);
}

/* A large trace grows its buffer correctly. */
static void test_many(void)
{
    size_t count = 100000;
    char *s = malloc(count * 16);
    CU_ASSERT_FATAL(s != NULL);
    size_t len = 0;
    for (size_t i = 0; i < count; i++)
        len += (size_t)sprintf(s + len, "%zu.5\n", i);
    double *t = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(read_content(s, len, ".txt", &t, &n, NULL), 0);
    CU_ASSERT_EQUAL(n, count);
    CU_ASSERT_DOUBLE_EQUAL(t[count - 1], (double)(count - 1) + 0.5, 1e-9);
    free(t);
    free(s);
}

/* ---- Azure Functions traces ------------------------------------------------ */

static void test_azure2019(void)
{
    uint64_t *c = NULL, total = 0;
    size_t m = 0;
    const char *sample = "traces/azure2019-sample.csv";
    int rc = trace_read_azure2019(sample, "fn-timer-5min", &c, &m, &total, msg, sizeof msg);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    /* Once every 5 minutes from minute 1: minutes 1..1436 kept, 288 calls. */
    CU_ASSERT_EQUAL(m, 1436);
    CU_ASSERT_EQUAL(total, 288);
    CU_ASSERT_EQUAL(c[0], 1);
    CU_ASSERT_EQUAL(c[1], 0);
    CU_ASSERT_EQUAL(c[5], 1);
    free(c);
    /* Leading idle minutes are dropped: the first kept minute has calls. */
    rc = trace_read_azure2019(sample, "fn-queue-bursts", &c, &m, &total, msg, sizeof msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT(c[0] >= 40 && c[0] <= 80);
    CU_ASSERT(c[m - 1] >= 40);
    CU_ASSERT_EQUAL(m, 1 + 97 * 8);
    free(c);

    static const char *const errs[][2] = {
        { NULL, "traces/azure2019-sample.csv: the file holds 3 functions; choose one with "
                "workload.function (e.g. 'fn-http-diurnal')" },
        { "fn-nope", "traces/azure2019-sample.csv: no function 'fn-nope' (the file has 3, e.g. "
                     "'fn-http-diurnal' at line 2)" },
    };
    for (size_t i = 0; i < 2; i++) {
        c = NULL;
        CU_ASSERT_EQUAL(trace_read_azure2019(sample, errs[i][0], &c, &m, &total, msg, sizeof msg), -1);
        CU_ASSERT_STRING_EQUAL(msg, errs[i][1]);
        CU_ASSERT_PTR_NULL(c);
    }

    /* Small hand-made files: two minutes only. */
    char *path = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,1,2\n"
                                    "o,a,f1,http,0,3\n"
                                    "o,a,f1,http,1,1\n", ".csv");
    CU_ASSERT_EQUAL(trace_read_azure2019(path, "f1", &c, &m, &total, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ":3: function 'f1' appears again (first at line 2); keep one row per "
                            "function"));
    unlink(path);
    free(path);
    path = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f1,http,0,0\n", ".csv");
    CU_ASSERT_EQUAL(trace_read_azure2019(path, NULL, &c, &m, &total, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ":2: the function has no invocations in any minute"));
    unlink(path);
    free(path);
    path = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,1,3\no,a,f1,http,0,0\n", ".csv");
    CU_ASSERT_EQUAL(trace_read_azure2019(path, NULL, &c, &m, &total, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ":1: column 6 must be minute '2' (got '3')"));
    unlink(path);
    free(path);
    path = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f1,http,2,-1\n", ".csv");
    CU_ASSERT_EQUAL(trace_read_azure2019(path, NULL, &c, &m, &total, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ":2: minute 2: not a whole number >= 0 ('-1')"));
    unlink(path);
    free(path);
    path = testutil_temp_file("# synthetic\nHashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f1,http,2,5\n", ".csv");
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019(path, NULL, &c, &m, &total, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(m, 2);
    CU_ASSERT_EQUAL(total, 7);
    free(c);
    unlink(path);
    free(path);
}

static void test_azure2021(void)
{
    double *t = NULL;
    size_t n = 0;
    const char *sample = "traces/azure2021-sample.csv";
    int rc = trace_read_azure2021(sample, "app-synthetic-b", "fn-report", &t, &n, msg, sizeof msg);
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT(n >= 55 && n <= 62);
    CU_ASSERT_DOUBLE_EQUAL(t[0], 0, 0);
    for (size_t i = 1; i < n; i++)
        CU_ASSERT(t[i] >= t[i - 1]);
    /* About once a minute. */
    CU_ASSERT(fabs((t[n - 1] - t[0]) / (double)(n - 1) - 60) < 2);
    free(t);
    /* fn-report is in one app only: app may be left out. */
    CU_ASSERT_EQUAL(trace_read_azure2021(sample, NULL, "fn-report", &t, &n, msg, sizeof msg), 0);
    free(t);
    CU_ASSERT_EQUAL(trace_read_azure2021(sample, NULL, "fn-api", &t, &n, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, "function 'fn-api' is in more than one app ('app-synthetic-a' and "
                            "'app-synthetic-b'); choose one with workload.app"));
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(trace_read_azure2021(sample, NULL, NULL, &t, &n, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, "the file holds more than one function ('app-synthetic-a/fn-api' at line 2, "
                            "'app-synthetic-b/fn-api' at line 8)"));
    CU_ASSERT_EQUAL(trace_read_azure2021(sample, "app-synthetic-a", "fn-report", &t, &n, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, "no function 'fn-report' in app 'app-synthetic-a'"));

    /* Starts are end - duration, sorted (the file is in end order), from 0;
     * a start before the trace's 0 is fine once shifted. */
    char *path = testutil_temp_file("func,duration,app,end_timestamp,extra\n"
                                    "f,0.5,a,1.0,x\n"
                                    "f,2.0,a,1.75,y\n"
                                    "f,0.1,a,3.0,z\n", ".csv");
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2021(path, NULL, NULL, &t, &n, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_DOUBLE_EQUAL(t[0], 0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(t[1], 0.75, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(t[2], 3.15, 1e-12);
    free(t);
    unlink(path);
    free(path);
    path = testutil_temp_file("app,func,end_timestamp,duration\na,f,1.0,abc\n", ".csv");
    CU_ASSERT_EQUAL(trace_read_azure2021(path, NULL, NULL, &t, &n, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ":2: duration: not a number ('abc')"));
    unlink(path);
    free(path);
    path = testutil_temp_file("app,func,end_timestamp,duration\na,f,1.0\n", ".csv");
    CU_ASSERT_EQUAL(trace_read_azure2021(path, NULL, NULL, &t, &n, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ":2: the row has 3 columns, the header 4 (truncated line?)"));
    unlink(path);
    free(path);
}

/* Per-minute counts become arrivals: even placement at the middles of
 * equal slices; random placement sorted, inside the minute, uniform. */
static void test_minute_placement(void)
{
    uint64_t counts[] = { 2, 0, 1000 };
    struct workload_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.type = WORKLOAD_TRACE;
    spec.trace_format = TRACE_FORMAT_AZURE2019;
    spec.minute_counts = counts;
    spec.n_minutes = 3;
    spec.trace_len = 1002;
    spec.time_scale = 0.5;
    struct workload w;
    double t = 0;
    workload_init(&w, &spec, NULL);
    CU_ASSERT(workload_next(&w, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 0.25 * 60 * 0.5, 1e-12);
    CU_ASSERT(workload_next(&w, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, 0.75 * 60 * 0.5, 1e-12);
    CU_ASSERT(workload_next(&w, &t));
    CU_ASSERT_DOUBLE_EQUAL(t, (2 + 0.5 / 1000) * 60 * 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(workload_mean_rate(&spec), 1002 / (3 * 60 * 0.5), 1e-12);

    spec.within_minute = MINUTE_RANDOM;
    gsl_rng *r = rng_stream_create(3, RNG_ARRIVALS);
    workload_init(&w, &spec, r);
    double pos[1000], prev = -1;
    size_t k = 0, in_first = 0;
    while (workload_next(&w, &t)) {
        CU_ASSERT(t >= prev);
        prev = t;
        double minute = t / (60 * 0.5);
        if (minute < 1)
            in_first++;
        else if (k < 1000)
            pos[k++] = minute - 2;
    }
    gsl_rng_free(r);
    CU_ASSERT_EQUAL(in_first, 2);
    CU_ASSERT_EQUAL_FATAL(k, 1000);
    /* KS against uniform on [0, 1): below the 1% critical value. */
    double d = 0;
    for (size_t i = 0; i < k; i++) {
        CU_ASSERT(pos[i] >= 0 && pos[i] < 1);
        double up = (double)(i + 1) / 1000 - pos[i], down = pos[i] - (double)i / 1000;
        d = fmax(d, fmax(up, down));
    }
    CU_ASSERT(d < 1.63 / sqrt(1000.0));
}

/* ---- Real Azure rows (traces/azure/, see its README for provenance) ------- */

#define REAL19 "traces/azure/invitro-invocations.csv"
#define REAL19_FN "063ba6f3c1d425f6f5c3bde3b9ba1eba7c6d81c57fd794860338638212d30dfb"
#define REAL19_APP "228ef3c9f06cde19b4382e39c9339cc9b62b521ae71d70ed02d775df20529a43"

static void test_azure2019_real(void)
{
    struct trace_az19 full, t;
    const char *one[] = { REAL19 };
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_files(one, 1, NULL, &full, msg, sizeof msg), 0);
    /* The published day: 1440 minutes, 20,820,188 invocations, busy from
     * minute 1 (12,787) to minute 1440 (15,001). */
    CU_ASSERT_EQUAL(full.n_minutes, 1440);
    CU_ASSERT_EQUAL(full.total, 20820188);
    CU_ASSERT_EQUAL(full.first_minute, 0);
    CU_ASSERT_EQUAL(full.counts[0], 12787);
    CU_ASSERT_EQUAL(full.counts[1439], 15001);
    CU_ASSERT_STRING_EQUAL(full.app, REAL19_APP);

    /* Cut to minutes 540..689 (09:00 to 11:30, the window invitro's
     * reference trace uses): the same counts, placed at minute 539. */
    const char *win[] = { "traces/azure/invocations-m540-689.csv" };
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_files(win, 1, REAL19_FN, &t, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(t.n_minutes, 150);
    CU_ASSERT_EQUAL(t.total, 2157436);
    CU_ASSERT_EQUAL(t.first_minute, 539);
    CU_ASSERT_EQUAL(memcmp(t.counts, full.counts + 539, 150 * sizeof *t.counts), 0);
    free(t.counts);

    /* The day cut in two halves and chained back: the second file starts
     * at the minute after the first one's last, so it continues the day. */
    const char *halves[] = { "traces/azure/invocations-m1-720.csv", "traces/azure/invocations-m721-1440.csv" };
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_files(halves, 2, REAL19_FN, &t, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(t.n_minutes, 1440);
    CU_ASSERT_EQUAL(t.total, 20820188);
    CU_ASSERT_EQUAL(t.files_found, 2);
    CU_ASSERT_EQUAL(memcmp(t.counts, full.counts, 1440 * sizeof *t.counts), 0);
    free(t.counts);
    /* In the other order the morning half is the next day's: minutes
     * 721..1440 of day 1, then 1..720 of day 2, back to back. */
    const char *swapped[] = { halves[1], halves[0] };
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_files(swapped, 2, REAL19_FN, &t, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(t.first_minute, 720);
    CU_ASSERT_EQUAL(t.n_minutes, 1440);
    CU_ASSERT_EQUAL(t.total, 20820188);
    CU_ASSERT_EQUAL(t.counts[720], full.counts[0]);
    free(t.counts);
    /* Two days of the same window: day 2's minute 540 is 1440 minutes
     * after day 1's, the 1290 minutes between are empty. */
    const char *days[] = { win[0], win[0] };
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_files(days, 2, REAL19_FN, &t, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(t.first_minute, 539);
    CU_ASSERT_EQUAL(t.n_minutes, 1440 + 150);
    CU_ASSERT_EQUAL(t.total, 2 * 2157436);
    CU_ASSERT_EQUAL(t.counts[150], 0);
    CU_ASSERT_EQUAL(t.counts[1439], 0);
    CU_ASSERT_EQUAL(t.counts[1440], full.counts[539]);
    free(t.counts);
    free(full.counts);

    /* A day file without the function adds idle minutes; none at all is
     * an error. */
    char *other = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f9,http,1,1,1\n", ".csv");
    const char *gap_day[] = { win[0], other, win[0] };
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_files(gap_day, 3, REAL19_FN, &t, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(t.files_found, 2);
    CU_ASSERT_EQUAL(t.n_minutes, 2 * 1440 + 150);
    CU_ASSERT_EQUAL(t.total, 2 * 2157436);
    free(t.counts);
    const char *none[] = { other, other };
    CU_ASSERT_EQUAL(trace_read_azure2019_files(none, 2, "f1", &t, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ": no function 'f1' in any of the 2 chained files"));
    CU_ASSERT_PTR_NULL(t.counts);
    unlink(other);
    free(other);
    /* The same function in two apps is two functions. */
    char *app2 = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,1\no,b,f1,http,1\n", ".csv");
    char *app1 = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,1\no,a,f1,http,1\n", ".csv");
    const char *apps[] = { app1, app2 };
    CU_ASSERT_EQUAL(trace_read_azure2019_files(apps, 2, "f1", &t, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ":2: function 'f1' is in app 'b' here but in app 'a' in "));
    unlink(app1);
    unlink(app2);
    free(app1);
    free(app2);
    /* Header windows: the first minute column must be a minute. */
    char *bad = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,0,1\no,a,f1,http,1,1\n", ".csv");
    const char *b1[] = { bad };
    CU_ASSERT_EQUAL(trace_read_azure2019_files(b1, 1, NULL, &t, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ":1: column 5 must be a minute of the day, 1..1440 (got '0')"));
    unlink(bad);
    free(bad);
}

static void test_azure2019_percentiles(void)
{
    struct trace_az19_durations d;
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_durations("traces/azure/invitro-durations.csv", REAL19_FN, &d, msg,
                                                         sizeof msg), 0);
    CU_ASSERT_EQUAL(d.average_ms, 4);
    CU_ASSERT_EQUAL(d.count, 21757953);
    static const double want_ms[7] = { 2, 2, 3, 4, 5, 11, 453 };
    for (int i = 0; i < 7; i++)
        CU_ASSERT_EQUAL(d.pct_ms[i], want_ms[i]);
    /* The piecewise-linear quantile function through them has mean
     * .01*2 + .24*2.5 + .25*3.5 + .25*4.5 + .24*8 + .01*232 = 6.86 ms (the
     * line from p99 to the maximum, 453 ms, carries a third of it); the
     * tabulation hits every knot, so its mean is exact. */
    struct dist ds;
    trace_az19_duration_dist(&d, &ds);
    CU_ASSERT_EQUAL(ds.n_samples, TRACE_AZ19_QUANTILE_POINTS);
    CU_ASSERT_DOUBLE_EQUAL(dist_mean(&ds), 0.00686, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ds.samples[0], 0.002, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ds.samples[4999], 0.004 - 0.0005 / 2500, 1e-12);
    CU_ASSERT(ds.samples[TRACE_AZ19_QUANTILE_POINTS - 1] < 0.453);
    dist_fini(&ds);
    CU_ASSERT_EQUAL(trace_read_azure2019_durations("traces/azure/invitro-durations.csv", "nope", &d, msg,
                                                   sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, "invitro-durations.csv: no HashFunction 'nope' (the file has 1 rows, e.g. "
                                     "'063ba6f3"));

    /* invitro's memory file has one row per function (it spreads the app's
     * memory over its functions); the published one, one per app. */
    struct trace_az19_memory m;
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_memory("traces/azure/invitro-memory.csv", REAL19_APP, REAL19_FN, &m,
                                                      msg, sizeof msg), 0);
    CU_ASSERT(m.per_function);
    CU_ASSERT_EQUAL(m.sample_count, 419751);
    CU_ASSERT_EQUAL(m.average_mb, 213);
    CU_ASSERT_EQUAL(m.pct_mb[3], 217);
    CU_ASSERT_EQUAL(m.pct_mb[7], 297);
    char *pub = testutil_temp_file("HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,"
                                   "AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,"
                                   "AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,"
                                   "AverageAllocatedMb_pct100\n"
                                   "o,a,10,100,90,91,95,99,101,110,120,130\n"
                                   "o,b,10,200,190,191,195,199,201,210,220,230\n", ".csv");
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2019_memory(pub, "b", "f1", &m, msg, sizeof msg), 0);
    CU_ASSERT(!m.per_function);
    CU_ASSERT_EQUAL(m.pct_mb[3], 199);
    CU_ASSERT_EQUAL(trace_read_azure2019_memory(pub, NULL, NULL, &m, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, ": the file holds more than one row; HashApp picks one (e.g. 'a')"));
    unlink(pub);
    free(pub);
}

/* The real rows through a scenario: a windowed trace ends the run by
 * itself (no duration_s, no requests), every invocation arrives, and the
 * durations replace the profile's inference time. */
static void test_azure2019_real_run(void)
{
    char *out = NULL;
    int rc = testutil_runf(&out, NULL, "run traces/azure/scenario-invitro-window.json --json");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT(testutil_contains(out, "\"arrived\": 2157436,"));
    CU_ASSERT(testutil_contains(out, "\"completed\": 2157436,"));
    CU_ASSERT(testutil_contains(out, "\"first_minute\": 539,"));
    CU_ASSERT(testutil_contains(out, "\"mean_used\": 6.86"));
    CU_ASSERT(testutil_contains(out, "\"p50\": 217,"));
    free(out);
    out = NULL;
    rc = testutil_runf(&out, NULL, "run traces/azure/scenario-invitro-window.json");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT(testutil_contains(out, "trace azure2019: 1 file, 150 minutes from day 1 08:59, 2157436 invocations"));
    free(out);
}

/* Any trace ends the run by itself; other workloads still need a limit. */
static void test_trace_ends_run(void)
{
    char cwd[4096], body[9000];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(body, sizeof body, "{\"workload\": {\"type\": \"trace\", \"file\": \"%s/tests/data/trace.csv\"},"
             " \"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}", cwd, cwd);
    char *p = testutil_temp_file(body, ".json");
    struct scenario sc;
    enum config_status st = config_load_scenario(p, NULL, 0, &sc, msg, sizeof msg);
    if (st != CONFIG_OK)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
    CU_ASSERT(isinf(sc.duration_s));
    CU_ASSERT_EQUAL(sc.max_requests, 0);
    CU_ASSERT_EQUAL(sc.expected_requests, 3);
    scenario_fini(&sc);
    unlink(p);
    free(p);
    snprintf(body, sizeof body, "{\"workload\": {\"type\": \"trace\", \"format\": \"azure2021\", \"file\": "
             "\"%s/traces/azure/azure2021-readme-sample.csv\", \"function\": "
             "\"9bc86d6cd1ee254aaa313492f0fd88be8bd7b92d50d4237ff52d7685440c0906\"}, \"function\": "
             "{\"model\": \"%s/tests/data/model-simple.json\"}}", cwd, cwd);
    p = testutil_temp_file(body, ".json");
    CU_ASSERT_EQUAL_FATAL(config_load_scenario(p, NULL, 0, &sc, msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.expected_requests, 1);
    scenario_fini(&sc);
    unlink(p);
    free(p);
    /* The durations row is the counted function's, even unnamed. */
    char *counts = testutil_temp_file("HashOwner,HashApp,HashFunction,Trigger,7,8\no,a,f2,http,3,0\n", ".csv");
    char *durs = testutil_temp_file("HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,"
                                    "percentile_Average_0,percentile_Average_1,percentile_Average_25,"
                                    "percentile_Average_50,percentile_Average_75,percentile_Average_99,"
                                    "percentile_Average_100\no,a,f1,1,1,1,1,1,1,1,1,1,1,1\n"
                                    "o,a,f2,50,3,50,50,50,50,50,50,50,50,50\n", ".csv");
    snprintf(body, sizeof body, "{\"workload\": {\"type\": \"trace\", \"format\": \"azure2019\", \"file\": "
             "[\"%s\"], \"durations\": \"%s\"}, \"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}",
             counts, durs, cwd);
    p = testutil_temp_file(body, ".json");
    CU_ASSERT_EQUAL_FATAL(config_load_scenario(p, NULL, 0, &sc, msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_EQUAL(sc.expected_requests, 3);
    CU_ASSERT_EQUAL(sc.workload.first_minute, 6);
    CU_ASSERT_DOUBLE_EQUAL(model_mean_inference_s(&sc.function.model, 1), 0.050, 1e-12);
    scenario_fini(&sc);
    unlink(p);
    free(p);
    unlink(counts);
    unlink(durs);
    free(counts);
    free(durs);
    p = testutil_temp_file("{\"workload\": {\"type\": \"poisson\", \"rate_rps\": 1}, \"function\": {\"model\": "
                           "\"x.json\"}}", ".json");
    CU_ASSERT_EQUAL(config_load_scenario(p, NULL, 0, &sc, msg, sizeof msg), CONFIG_ERR_INVALID);
    CU_ASSERT(testutil_contains(msg, "either duration_s or requests is required"));
    unlink(p);
    free(p);
}

/* The 2021 README's sample rows: six invocations of six functions. */
static void test_azure2021_real(void)
{
    const char *f = "traces/azure/azure2021-readme-sample.csv";
    double *t = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(trace_read_azure2021(f, "7fa05b607ae861b85ec53cea12d3efaed8be0f9a92f5d6e8067244161d491e96",
                                               "9bc86d6cd1ee254aaa313492f0fd88be8bd7b92d50d4237ff52d7685440c0906",
                                               &t, &n, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(t[0], 0);
    free(t);
    t = NULL;
    CU_ASSERT_EQUAL(trace_read_azure2021(f, NULL, NULL, &t, &n, msg, sizeof msg), -1);
    CU_ASSERT(testutil_contains(msg, "azure2021-readme-sample.csv: the file holds more than one function "
                                     "('734272c01926d19690e5ec308bab64ef97950b75b1c7582283e0783fce1751d8/"
                                     "313c03f53a0d31f70aec25f62efb33e7dd779725ca4af579018452d1204beaad' at line 2, "));
    CU_ASSERT_PTR_NULL(t);
}

/* Azure bad files of the catalogue through the CLI, plugged into a valid
 * scenario with --set as a user would. */
static void test_azure_catalogue(void)
{
    struct testutil_bad_rows row;
    testutil_bad_open(&row);
    int cases = 0;
    while (testutil_bad_next(&row)) {
        char args[4096];
        /* The percentile files go with a valid real trace. */
        bool dur = strcmp(row.kind, "azure2019-durations") == 0, mem = strcmp(row.kind, "azure2019-memory") == 0;
        if (dur || mem)
            snprintf(args, sizeof args, "run tests/data/scenario-minimal.json --set "
                     "'workload={\"type\":\"trace\",\"format\":\"azure2019\",\"file\":"
                     "\"../../traces/azure/invocations-m540-689.csv\",\"%s\":\"../bad/%s\"}'",
                     dur ? "durations" : "memory", row.file);
        else if (strcmp(row.kind, "azure2019") == 0 || strcmp(row.kind, "azure2021") == 0)
            snprintf(args, sizeof args, "run tests/data/scenario-minimal.json --set "
                     "'workload={\"type\":\"trace\",\"format\":\"%s\",\"file\":\"../bad/%s\"}'", row.kind,
                     row.file);
        else
            continue;
        testutil_expect_bad_run(args, row.file, row.frag, TESTUTIL_BAD_TAIL);
        cases++;
    }
    CU_ASSERT(cases >= 9);
}

/* Loads a scenario file (fatal on failure). */
static void load_ok(const char *path, struct scenario *sc)
{
    enum config_status st = config_load_scenario(path, NULL, 0, sc, msg, sizeof msg);
    if (st != CONFIG_OK)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(st, CONFIG_OK);
}

static bool same_workload(const struct workload_spec *a, const struct workload_spec *b)
{
    if (a->trace_len != b->trace_len || a->n_minutes != b->n_minutes || a->first_minute != b->first_minute ||
        (a->trace_s == NULL) != (b->trace_s == NULL) || (a->minute_counts == NULL) != (b->minute_counts == NULL))
        return false;
    if (a->trace_s != NULL && memcmp(a->trace_s, b->trace_s, a->trace_len * sizeof *a->trace_s) != 0)
        return false;
    return a->minute_counts == NULL ||
           memcmp(a->minute_counts, b->minute_counts, a->n_minutes * sizeof *a->minute_counts) == 0;
}

/* The sweep's trace cache (tracecache.h): with it on, a trace is parsed
 * once and every later load gets the same arrays (a copy: freeing one
 * scenario leaves the next intact); time_scale still applies per load; a
 * file rewritten in between is parsed again; off, nothing is kept. */
static void test_trace_cache(void)
{
    char cwd[4096], body[12000];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    /* Each workload: the text before the source tree's path, and after it. */
    const char *pre[] = {
        "{\"type\": \"trace\", \"file\": \"",
        "{\"type\": \"trace\", \"format\": \"azure2021\", \"file\": \"",
        "{\"type\": \"trace\", \"format\": \"azure2019\", \"function\": \"fn-http-diurnal\", \"file\": [\"",
    };
    const char *post[] = {
        "/tests/data/trace.csv\"}",
        "/traces/azure/azure2021-readme-sample.csv\", "
        "\"function\": \"9bc86d6cd1ee254aaa313492f0fd88be8bd7b92d50d4237ff52d7685440c0906\"}",
        "/traces/azure2019-sample.csv\"]}",
    };
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++) {
        char w[4096 + 256];
        snprintf(w, sizeof w, "%s%s%s", pre[k], cwd, post[k]);
        snprintf(body, sizeof body, "{\"workload\": %s, \"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}",
                 w, cwd);
        char *p = testutil_temp_file(body, ".json");
        struct scenario plain, a, b;
        load_ok(p, &plain);                 /* cache off: parsed */
        tracecache_enable((size_t)1 << 26);
        load_ok(p, &a);                     /* parsed, kept */
        load_ok(p, &b);                     /* from the cache */
        uint64_t hits = 0, puts = 0;
        tracecache_stats(&hits, &puts);
        CU_ASSERT_EQUAL(puts, 1);
        CU_ASSERT_EQUAL(hits, 1);
        CU_ASSERT(same_workload(&plain.workload, &a.workload));
        CU_ASSERT(same_workload(&plain.workload, &b.workload));
        CU_ASSERT(a.workload.trace_s == NULL || a.workload.trace_s != b.workload.trace_s);
        scenario_fini(&a);
        struct scenario c;
        load_ok(p, &c);                     /* the cache's copy outlived a */
        CU_ASSERT(same_workload(&plain.workload, &c.workload));
        scenario_fini(&c);
        scenario_fini(&b);
        tracecache_disable();
        scenario_fini(&plain);
        unlink(p);
        free(p);
    }

    /* time_scale is applied to each load's copy, not to the cached trace. */
    snprintf(body, sizeof body, "{\"workload\": {\"type\": \"trace\", \"file\": \"%s/tests/data/trace.csv\"}, "
             "\"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}", cwd, cwd);
    char *p = testutil_temp_file(body, ".json");
    struct scenario a, b;
    tracecache_enable((size_t)1 << 26);
    load_ok(p, &a);
    CU_ASSERT_EQUAL_FATAL(config_load_scenario(p, &(struct config_override){ "workload.time_scale", "2" }, 1, &b,
                                               msg, sizeof msg), CONFIG_OK);
    CU_ASSERT_EQUAL_FATAL(a.workload.trace_len, b.workload.trace_len);
    for (size_t i = 0; i < a.workload.trace_len; i++)
        CU_ASSERT_DOUBLE_EQUAL(b.workload.trace_s[i], 2 * a.workload.trace_s[i], 1e-12);
    scenario_fini(&a);
    scenario_fini(&b);
    tracecache_disable();
    unlink(p);
    free(p);

    /* A trace rewritten between two loads is parsed again. */
    char *trace = testutil_temp_file("0\n1\n2\n", ".csv");
    snprintf(body, sizeof body, "{\"workload\": {\"type\": \"trace\", \"file\": \"%s\"}, "
             "\"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}", trace, cwd);
    p = testutil_temp_file(body, ".json");
    tracecache_enable((size_t)1 << 26);
    load_ok(p, &a);
    CU_ASSERT_EQUAL(a.workload.trace_len, 3);
    scenario_fini(&a);
    FILE *f = fopen(trace, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("0\n1\n2\n3\n4\n", f);
    fclose(f);
    load_ok(p, &a);
    CU_ASSERT_EQUAL(a.workload.trace_len, 5);
    scenario_fini(&a);
    uint64_t hits = 0, puts = 0;
    tracecache_stats(&hits, &puts);
    CU_ASSERT_EQUAL(hits, 0);
    CU_ASSERT_EQUAL(puts, 2);
    tracecache_disable();
    /* Off: no key, nothing kept. */
    CU_ASSERT_PTR_NULL(tracecache_key(0, NULL, NULL, (const char *const[]){ trace }, 1));
    unlink(p);
    free(p);
    unlink(trace);
    free(trace);
}

/* Eviction: at most the byte budget is kept, the least recently used goes
 * first, and a value larger than the budget is not kept at all. */
static void test_trace_cache_budget(void)
{
    char *t1 = testutil_temp_file("1\n", ".csv"), *t2 = testutil_temp_file("2\n", ".csv");
    double x1[4] = { 1, 2, 3, 4 }, x2[4] = { 5, 6, 7, 8 }, big[9] = { 0 };
    tracecache_enable(8 * sizeof(double));
    char *k1 = tracecache_key(0, NULL, NULL, (const char *const[]){ t1 }, 1);
    char *k2 = tracecache_key(0, NULL, NULL, (const char *const[]){ t2 }, 1);
    CU_ASSERT_FATAL(k1 != NULL && k2 != NULL);
    CU_ASSERT(strcmp(k1, k2) != 0);
    tracecache_put(k1, &(struct tracecache_value){ .times_s = x1, .n_times = 4 });
    tracecache_put(k2, &(struct tracecache_value){ .times_s = x2, .n_times = 4 });
    struct tracecache_value v;
    CU_ASSERT_FATAL(tracecache_get(k1, &v));    /* k1 now the most recent */
    CU_ASSERT_EQUAL(v.n_times, 4);
    CU_ASSERT_DOUBLE_EQUAL(v.times_s[3], 4, 0);
    free(v.times_s);
    tracecache_put(k2, &(struct tracecache_value){ .times_s = big, .n_times = 9 });  /* over budget: not kept */
    CU_ASSERT_TRUE(tracecache_get(k2, &v));     /* the old k2 was replaced only if kept */
    free(v.times_s);
    double x3[6] = { 0 };
    tracecache_put(k2, &(struct tracecache_value){ .times_s = x3, .n_times = 6 });  /* needs k1 evicted */
    CU_ASSERT_FALSE(tracecache_get(k1, &v));
    CU_ASSERT_TRUE(tracecache_get(k2, &v));
    CU_ASSERT_EQUAL(v.n_times, 6);
    free(v.times_s);
    tracecache_disable();
    CU_ASSERT_FALSE(tracecache_get(k2, &v));
    free(k1);
    free(k2);
    unlink(t1);
    unlink(t2);
    free(t1);
    free(t2);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "one number per line", test_plain);
    CU_add_test(s, "CSV with time_s column, CRLF, quotes, comments", test_csv);
    CU_add_test(s, "each error names file and line", test_errors);
    CU_add_test(s, "very long lines", test_long_lines);
    CU_add_test(s, "a large trace", test_many);
    CU_add_test(s, "Azure 2019 per-minute counts", test_azure2019);
    CU_add_test(s, "Azure 2021 invocations", test_azure2021);
    CU_add_test(s, "arrivals inside a minute: even and random", test_minute_placement);
    CU_add_test(s, "Azure bad files through the CLI", test_azure_catalogue);
    CU_add_test(s, "real Azure 2019 rows: windowed and chained", test_azure2019_real);
    CU_add_test(s, "real Azure 2019 durations and memory percentiles", test_azure2019_percentiles);
    CU_add_test(s, "real Azure 2019 window as a scenario", test_azure2019_real_run);
    CU_add_test(s, "real Azure 2021 README rows", test_azure2021_real);
    CU_add_test(s, "a trace ends the run without duration_s or requests", test_trace_ends_run);
    CU_add_test(s, "the sweep's trace cache: parsed once, copies, stale files parsed again", test_trace_cache);
    CU_add_test(s, "the trace cache's byte budget", test_trace_cache_budget);
}

int main(void)
{
    return testutil_main("trace", add_tests);
}
