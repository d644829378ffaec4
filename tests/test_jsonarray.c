/* test_jsonarray: the JSON value check and the array splitter of
 * src/formats/jsonarray.h (serve's batching gateway): valid and invalid
 * values of every kind, element spans byte for byte (nested arrays,
 * strings holding brackets and commas, escapes), and refusals. */
#include <string.h>
#include "formats/jsonarray.h"
#include "testutil.h"

static bool valid(const char *t)
{
    return jsonarray_is_value(t, strlen(t));
}

static void test_values(void)
{
    const char *good[] = { "{}", "[]", " {\"a\": [1, 2.5e-3, -0, true, false, null]} ", "\"x\"",
                           "\"\\u00e9\\n\\\"\"", "0", "-12.5E+3", "[[[]]]", "\"AAAA/+==\"", "\t[ 1 ,\n2 ]\r\n" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        CU_ASSERT(valid(good[i]));
        if (!valid(good[i]))
            fprintf(stderr, "\n  refused: %s\n", good[i]);
    }
    const char *bad[] = { "", "  ", "{", "[1,]", "[,1]", "{\"a\"}", "{\"a\":1,}", "{a:1}", "01", "1.", ".5",
                          "1e", "-", "tru", "nulls", "\"abc", "\"\\x\"", "\"\\u12G4\"", "[1] [2]", "1 2",
                          "\"a\nb\"", "[1}", "{\"a\":1]", "'a'" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT(!valid(bad[i]));
        if (valid(bad[i]))
            fprintf(stderr, "\n  accepted: %s\n", bad[i]);
    }
    /* A NUL inside the span is not JSON; the length, not the NUL, ends it. */
    CU_ASSERT(!jsonarray_is_value("[1,\0 2]", 7));
    CU_ASSERT(jsonarray_is_value("[1,2]xyz", 5));
    /* Depth: at the limit fine, one more refused. */
    char deep[2 * JSONARRAY_DEPTH_MAX + 3];
    memset(deep, '[', JSONARRAY_DEPTH_MAX);
    memset(deep + JSONARRAY_DEPTH_MAX, ']', JSONARRAY_DEPTH_MAX);
    CU_ASSERT(jsonarray_is_value(deep, 2 * JSONARRAY_DEPTH_MAX));
    memset(deep, '[', JSONARRAY_DEPTH_MAX + 1);
    memset(deep + JSONARRAY_DEPTH_MAX + 1, ']', JSONARRAY_DEPTH_MAX + 1);
    CU_ASSERT(!jsonarray_is_value(deep, 2 * JSONARRAY_DEPTH_MAX + 2));
}

static void expect_split(const char *t, long n, const char *const *elems)
{
    struct jsonarray_span sp[8];
    long got = jsonarray_split(t, strlen(t), sp, 8);
    CU_ASSERT_EQUAL(got, n);
    for (long i = 0; i < got && i < n && i < 8; i++) {
        CU_ASSERT_EQUAL(sp[i].len, strlen(elems[i]));
        CU_ASSERT(strncmp(t + sp[i].off, elems[i], sp[i].len) == 0);
    }
}

static void test_split(void)
{
    expect_split("[]", 0, NULL);
    expect_split(" [ 7 ] ", 1, (const char *const[]){ "7" });
    expect_split("[1,\"a,]b\",{\"k\":[1,2]},[3,[4]],null]", 5,
                 (const char *const[]){ "1", "\"a,]b\"", "{\"k\":[1,2]}", "[3,[4]]", "null" });
    expect_split("[ \"\\\"]\" , -1.5e3 ]", 2, (const char *const[]){ "\"\\\"]\"", "-1.5e3" });
    /* More elements than room: counted, only the first stored. */
    struct jsonarray_span sp[2];
    CU_ASSERT_EQUAL(jsonarray_split("[1,2,3]", 7, sp, 2), 3);
    CU_ASSERT_EQUAL(sp[1].off, 3u);
    /* Not an array, or not JSON. */
    CU_ASSERT_EQUAL(jsonarray_split("{}", 2, sp, 2), -1);
    CU_ASSERT_EQUAL(jsonarray_split("\"[1]\"", 5, sp, 2), -1);
    CU_ASSERT_EQUAL(jsonarray_split("[1,2", 4, sp, 2), -1);
    CU_ASSERT_EQUAL(jsonarray_split("[1] x", 5, sp, 2), -1);
    CU_ASSERT_EQUAL(jsonarray_split("", 0, sp, 2), -1);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "one JSON value: valid and invalid texts", test_values);
    CU_add_test(s, "array split: spans byte for byte", test_split);
}

int main(void)
{
    return testutil_main("jsonarray", add_tests);
}
