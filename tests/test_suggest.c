/* test_suggest: the one "did you mean" rule (src/base/suggest.h): the edit
 * distance (swaps count 1, case ignored), the threshold (at most 2 and at
 * most half the typed length), ties, the prefix rule and its 3-character
 * floor, and the names of the shipped messages. */
#include <stdint.h>
#include <string.h>
#include "base/suggest.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static size_t dist(const char *a, const char *b)
{
    return suggest_distance(a, strlen(a), b, strlen(b));
}

static void test_distance(void)
{
    CU_ASSERT_EQUAL(dist("", ""), 0u);
    CU_ASSERT_EQUAL(dist("", "abc"), 3u);
    CU_ASSERT_EQUAL(dist("abc", ""), 3u);
    CU_ASSERT_EQUAL(dist("seed", "seed"), 0u);
    CU_ASSERT_EQUAL(dist("seed", "SeEd"), 0u);      /* case ignored */
    CU_ASSERT_EQUAL(dist("sed", "seed"), 1u);       /* insertion */
    CU_ASSERT_EQUAL(dist("seeds", "seed"), 1u);     /* deletion */
    CU_ASSERT_EQUAL(dist("seex", "seed"), 1u);      /* substitution */
    CU_ASSERT_EQUAL(dist("rnu", "run"), 1u);        /* adjacent swap */
    CU_ASSERT_EQUAL(dist("sede", "seed"), 1u);
    CU_ASSERT_EQUAL(dist("kitten", "sitting"), 3u);
    CU_ASSERT_EQUAL(dist("ca", "abc"), 3u);         /* a swap is not edited again */
    char longer[SUGGEST_NAME_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    CU_ASSERT_EQUAL(dist(longer, "a"), SIZE_MAX);
    CU_ASSERT_EQUAL(suggest_distance(longer, SUGGEST_NAME_MAX, longer, SUGGEST_NAME_MAX), 0u);
}

static void test_threshold(void)
{
    const char *const known[] = { "timeout_s", "threshold", "max_batch", "id" };
    CU_ASSERT_STRING_EQUAL(suggest_name("treshold", known, N(known)), "threshold");
    CU_ASSERT_STRING_EQUAL(suggest_name("timout_s", known, N(known)), "timeout_s");
    CU_ASSERT_STRING_EQUAL(suggest_name("max_bacth", known, N(known)), "max_batch");
    CU_ASSERT_STRING_EQUAL(suggest_name("MAX_BATCH", known, N(known)), "max_batch");
    /* 3 edits: too far, whatever the length. */
    CU_ASSERT_PTR_NULL(suggest_name("tmeo_s", known, N(known)));
    /* 2 edits of a 3-letter name (more than half), 1 of 1, 2 of 2: no. */
    CU_ASSERT_PTR_NULL(suggest_name("ixy", known, N(known)));
    CU_ASSERT_PTR_NULL(suggest_name("x", known, N(known)));
    CU_ASSERT_PTR_NULL(suggest_name("xy", known, N(known)));
    /* 1 edit of 2 letters: yes. */
    CU_ASSERT_STRING_EQUAL(suggest_name("ix", known, N(known)), "id");
    CU_ASSERT_PTR_NULL(suggest_name("anything", known, 0));
}

static void test_ties_and_order(void)
{
    /* "cat" is 1 from both: the first listed wins. */
    const char *const ab[] = { "bat", "cab" };
    const char *const ba[] = { "cab", "bat" };
    CU_ASSERT_STRING_EQUAL(suggest_name("cat", ab, 2), "bat");
    CU_ASSERT_STRING_EQUAL(suggest_name("cat", ba, 2), "cab");
    /* The closest wins over an earlier, farther one. */
    const char *const k[] = { "streams", "stream" };
    CU_ASSERT_STRING_EQUAL(suggest_name("straem", k, 2), "stream");
}

static void test_prefix(void)
{
    const char *const known[] = { "rate_rps", "timeout_s", "hold_ms", "seed" };
    CU_ASSERT_STRING_EQUAL(suggest_name("rate", known, N(known)), "rate_rps");
    CU_ASSERT_STRING_EQUAL(suggest_name("timeout", known, N(known)), "timeout_s");
    CU_ASSERT_STRING_EQUAL(suggest_name("seed_value", known, N(known)), "seed");
    /* The shorter side needs 3 characters. */
    CU_ASSERT_PTR_NULL(suggest_name("ra", known, N(known)));
    const char *const two[] = { "id" };
    CU_ASSERT_PTR_NULL(suggest_name("identifier", two, 1));
    /* A close name beats a prefix match listed earlier. */
    const char *const k2[] = { "hold_ms_max", "hold_ms" };
    CU_ASSERT_STRING_EQUAL(suggest_name("hold_s", k2, 2), "hold_ms");
    /* Case counts for prefixes. */
    CU_ASSERT_PTR_NULL(suggest_name("RATE", known, N(known)));
}

/* Incremental use over names that do not end where the typed text does. */
static void test_incremental(void)
{
    struct suggest s;
    const char *line = "latency,send_s";
    suggest_begin(&s, line, 7);           /* "latency" */
    CU_ASSERT_PTR_NULL(suggest_result(&s));
    suggest_consider(&s, "send_s");
    CU_ASSERT_PTR_NULL(suggest_result(&s));
    suggest_consider(&s, "latency_ms");
    CU_ASSERT_STRING_EQUAL(suggest_result(&s), "latency_ms");
}

/* What the shipped messages suggest (the catalogue's rows). */
static void test_shipped_names(void)
{
    const char *const top[] = { "name", "seed", "duration_s", "requests", "workload", "function" };
    CU_ASSERT_STRING_EQUAL(suggest_name("worklaod", top, N(top)), "workload");
    const char *const cmds[] = { "run", "sweep", "merge", "explain", "plot" };
    CU_ASSERT_STRING_EQUAL(suggest_name("rnu", cmds, N(cmds)), "run");
    CU_ASSERT_STRING_EQUAL(suggest_name("swep", cmds, N(cmds)), "sweep");
    const char *const modes[] = { "exact", "streaming" };
    CU_ASSERT_STRING_EQUAL(suggest_name("stream", modes, N(modes)), "streaming");
    const char *const fmts[] = { "times", "azure2019", "azure2021" };
    CU_ASSERT_STRING_EQUAL(suggest_name("azure2022", fmts, N(fmts)), "azure2021");
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "edit distance", test_distance);
    CU_add_test(s, "threshold: at most 2, at most half", test_threshold);
    CU_add_test(s, "ties: the first listed", test_ties_and_order);
    CU_add_test(s, "prefix rule", test_prefix);
    CU_add_test(s, "incremental, unterminated typed name", test_incremental);
    CU_add_test(s, "the shipped suggestions", test_shipped_names);
}

int main(void)
{
    return testutil_main("suggest", add_tests);
}
