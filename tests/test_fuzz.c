/* test_fuzz: regressions found by fuzzing (tests/fuzz/README.md). Each test
 * feeds the reader that once crashed, hung or misbehaved the input that did
 * it, and checks that it now ends quickly with the right result. Inputs
 * that are small live in tests/fuzz/regress/; large ones are built here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"
#include "trace.h"

static char msg[1024];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A trace header was searched for time_s with one scan of the row per
 * column: quadratic in the row's width, so a header of 100,000 columns
 * took minutes (fuzz_trace slowed to a few inputs a second on the Azure
 * sample's 1,444 columns). Now one pass: well under a second. */
static void test_trace_wide_header(void)
{
    const size_t cols = 100000;
    size_t cap = cols * 12 + 64, len = 0;
    char *text = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for (size_t i = 0; i < cols; i++)
        len += (size_t)snprintf(text + len, cap - len, "c%zu,", i);
    len += (size_t)snprintf(text + len, cap - len, "time_s\n");
    for (size_t i = 0; i < cols; i++)
        text[len++] = ',';
    len += (size_t)snprintf(text + len, cap - len, "2.5\n");
    char *path = testutil_temp_file(text, ".csv");
    double *t = NULL;
    size_t n = 0;
    double t0 = now_s();
    int rc = trace_read_times(path, &t, &n, msg, sizeof msg);
    double took = now_s() - t0;
    if (rc != 0)
        fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(n, 1);
    if (n == 1)
        CU_ASSERT_DOUBLE_EQUAL(t[0], 2.5, 0);
    printf("\n    header of %zu columns read in %.3f s", cols + 1, took);
    CU_ASSERT(took < 5.0);
    free(t);
    unlink(path);
    free(path);
    free(text);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "trace: a very wide header is read in one pass", test_trace_wide_header);
}

int main(void)
{
    return testutil_main("fuzz regressions", add_tests);
}
