/* test_trace: the arrival-trace reader: plain and CSV forms, CRLF, comments,
 * and one test per error with its file:line message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "trace.h"

static char msg[512];

static int contains(const char *s, const char *frag)
{
    return s != NULL && strstr(s, frag) != NULL;
}

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
    char want[1024];
    snprintf(want, sizeof want, "%s%s", path, rest);
    if (strcmp(msg, want) != 0)
        fprintf(stderr, "\n  want: %s\n  got:  %s\n", want, msg);
    CU_ASSERT_STRING_EQUAL(msg, want);
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
    CU_ASSERT(contains(msg, ":2: NUL byte in the line"));
    free(path);

    /* Control characters in a bad value do not break the message's line. */
    CU_ASSERT_EQUAL(read_content("1\n2\x1b[31m\n", 10, ".txt", &t, &n, NULL), -1);
    CU_ASSERT(contains(msg, ":2: not a number ('2?[31m')"));
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
    CU_ASSERT(contains(msg, ":3: not a number ('7777777777777777777777777777777777777777...')"));
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

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "one number per line", test_plain);
    CU_add_test(s, "CSV with time_s column, CRLF, quotes, comments", test_csv);
    CU_add_test(s, "each error names file and line", test_errors);
    CU_add_test(s, "very long lines", test_long_lines);
    CU_add_test(s, "a large trace", test_many);
}

int main(void)
{
    return testutil_main("trace", add_tests);
}
