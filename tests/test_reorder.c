/* test_reorder: the bounded reorder buffer behind --client-log: rows that
 * come in out of order leave sorted, as soon as they can, and the buffer
 * never holds more rows than the lateness of the input allows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "formats/reorder.h"
#include "testutil.h"

struct row {
    uint64_t id;
    char tag[20];   /* a row size that is not a multiple of 8 */
};

static struct row make_row(uint64_t id)
{
    struct row r;
    memset(&r, 0, sizeof r);
    r.id = id;
    snprintf(r.tag, sizeof r.tag, "row %llu", (unsigned long long)id);
    return r;
}

static void test_in_order_passes_through(void)
{
    struct reorder rb;
    reorder_init(&rb, sizeof(struct row));
    struct row out;
    CU_ASSERT_FALSE(reorder_pop_ready(&rb, &out));
    CU_ASSERT_FALSE(reorder_pop_min(&rb, &out));
    for (uint64_t i = 0; i < 1000; i++) {
        struct row r = make_row(i);
        reorder_push(&rb, i, &r);
        CU_ASSERT_TRUE_FATAL(reorder_pop_ready(&rb, &out));
        CU_ASSERT_EQUAL(out.id, i);
        CU_ASSERT_STRING_EQUAL(out.tag, r.tag);
        CU_ASSERT_FALSE(reorder_pop_ready(&rb, &out));
    }
    CU_ASSERT_EQUAL(rb.peak, 1);
    reorder_fini(&rb);
}

/* 3, 1, 0, 2: nothing leaves until 0 comes, then 0 and 1; 2 frees 2 and 3. */
static void test_small_case(void)
{
    struct reorder rb;
    reorder_init(&rb, sizeof(struct row));
    struct row r, out;
    r = make_row(3);
    reorder_push(&rb, 3, &r);
    r = make_row(1);
    reorder_push(&rb, 1, &r);
    CU_ASSERT_FALSE(reorder_pop_ready(&rb, &out));
    r = make_row(0);
    reorder_push(&rb, 0, &r);
    CU_ASSERT_TRUE(reorder_pop_ready(&rb, &out) && out.id == 0);
    CU_ASSERT_TRUE(reorder_pop_ready(&rb, &out) && out.id == 1);
    CU_ASSERT_FALSE(reorder_pop_ready(&rb, &out));
    CU_ASSERT_EQUAL(rb.n, 1);
    r = make_row(2);
    reorder_push(&rb, 2, &r);
    CU_ASSERT_TRUE(reorder_pop_ready(&rb, &out) && out.id == 2);
    CU_ASSERT_TRUE(reorder_pop_ready(&rb, &out) && out.id == 3);
    CU_ASSERT_EQUAL(rb.n, 0);
    CU_ASSERT_EQUAL(rb.peak, 3);
    reorder_fini(&rb);
}

/* A stream with gaps (ids that never come): pop_min drains the rest sorted. */
static void test_gaps_drain_sorted(void)
{
    struct reorder rb;
    reorder_init(&rb, sizeof(struct row));
    const uint64_t ids[] = { 9, 4, 17, 5, 12 };
    for (size_t i = 0; i < 5; i++) {
        struct row r = make_row(ids[i]);
        reorder_push(&rb, ids[i], &r);
    }
    struct row out;
    CU_ASSERT_FALSE(reorder_pop_ready(&rb, &out));
    const uint64_t want[] = { 4, 5, 9, 12, 17 };
    for (size_t i = 0; i < 5; i++) {
        CU_ASSERT_TRUE_FATAL(reorder_pop_min(&rb, &out));
        CU_ASSERT_EQUAL(out.id, want[i]);
    }
    CU_ASSERT_FALSE(reorder_pop_min(&rb, &out));
    reorder_fini(&rb);
}

/* 200,000 rows, each delayed by up to L places (a shuffled window): every
 * row comes out, in order, and the buffer never holds more than the
 * largest lateness of any row. With L = 0 it holds one row at a time. */
static void check_bounded(size_t n, size_t lateness, unsigned seed)
{
    /* Row i is sent at position i + U[0, L] (ties by id): sort by that. */
    uint64_t *key = malloc(n * sizeof *key);
    uint64_t *order = malloc(n * sizeof *order);
    CU_ASSERT_FATAL(key != NULL && order != NULL);
    srand(seed);
    for (size_t i = 0; i < n; i++)
        key[i] = ((uint64_t)(i + (size_t)rand() % (lateness + 1)) << 32) | i;
    for (size_t i = 1; i < n; i++) { /* insertion sort: each key is at most L out of place */
        uint64_t k = key[i];
        size_t j = i;
        while (j > 0 && key[j - 1] > k) {
            key[j] = key[j - 1];
            j--;
        }
        key[j] = k;
    }
    size_t max_late = 0;
    for (size_t p = 0; p < n; p++) {
        order[p] = key[p] & 0xffffffffu;
        if (p > order[p] && p - order[p] > max_late)
            max_late = p - order[p];
    }
    CU_ASSERT(max_late <= lateness);
    struct reorder rb;
    reorder_init(&rb, sizeof(struct row));
    uint64_t expect = 0;
    int bad = 0;
    for (size_t p = 0; p < n; p++) {
        struct row r = make_row(order[p]), out;
        reorder_push(&rb, order[p], &r);
        while (reorder_pop_ready(&rb, &out)) {
            bad += out.id != expect || strcmp(out.tag, make_row(expect).tag) != 0;
            expect++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(expect, n);
    CU_ASSERT_EQUAL(rb.n, 0);
    /* The row expected next is at most L places late, so at most L rows
     * that came before it (and after it in sequence) wait with it. */
    CU_ASSERT(rb.peak <= max_late + 1);
    if (lateness >= 8)
        CU_ASSERT(rb.peak > lateness / 4); /* it did have to hold rows back */
    reorder_fini(&rb);
    free(order);
    free(key);
}

static void test_bounded_lateness(void)
{
    check_bounded(200000, 0, 1);
    check_bounded(200000, 1, 2);
    check_bounded(200000, 64, 3);
    check_bounded(200000, 1000, 4);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "rows in order pass straight through", test_in_order_passes_through);
    CU_add_test(s, "small out-of-order case", test_small_case);
    CU_add_test(s, "gaps: pop_min drains sorted", test_gaps_drain_sorted);
    CU_add_test(s, "lateness L: sorted output, at most L + 1 rows held", test_bounded_lateness);
}

int main(void)
{
    return testutil_main("reorder", add_tests);
}
