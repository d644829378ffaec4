/* test_fuzz: regressions found by fuzzing (tests/fuzz/README.md). Each test
 * feeds the reader that once crashed, hung or misbehaved the input that did
 * it, and checks that it now ends quickly with the right result. Inputs
 * that are small live in tests/fuzz/regress/; large ones are built here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/sweep.h"
#include "testutil.h"
#include "formats/trace.h"

static char msg[1024];

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
    double t0 = testutil_now_s();
    int rc = trace_read_times(path, &t, &n, msg, sizeof msg);
    double took = testutil_now_s() - t0;
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

/* A shard file's first line "# lambdasim sweep shard K/N" was read with
 * sscanf("%zu/%zu"): N = -5 wrapped to 2^64 - 5 and N = 2^64 - 1 passed
 * the K <= N check, then an array of N + 1 flags was allocated (fuzz_shard:
 * an allocation of 2^64 - 4 bytes; for 2^64 - 1, N + 1 wraps to 0 and the
 * flag for shard K is written out of bounds). N is now read with strtoull
 * and must be at most SWEEP_POINTS_MAX, like --shard's. */
static void test_shard_count_out_of_range(void)
{
    static const char *const files[] = { "tests/fuzz/regress/shard-negative-n.csv",
                                         "tests/fuzz/regress/shard-huge-n.csv" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct sweep_table t;
        char big[SWEEP_MSG_MAX];
        const char *one[1] = { files[i] };
        int rc = sweep_merge(&t, one, 1, big, sizeof big);
        CU_ASSERT_EQUAL(rc, -1);
        if (rc == 0)
            sweep_table_fini(&t);
        char want[256];
        snprintf(want, sizeof want, "%s:1: not a shard file", files[i]);
        if (strstr(big, want) == NULL)
            fprintf(stderr, "\n  %s\n", big);
        CU_ASSERT(strstr(big, want) != NULL);
    }
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "trace: a very wide header is read in one pass", test_trace_wide_header);
    CU_add_test(s, "sweep merge: a shard count out of range", test_shard_count_out_of_range);
}

int main(void)
{
    return testutil_main("fuzz regressions", add_tests);
}
