/* test_base64: src/base/base64.h against RFC 4648's test vectors (section
 * 10), a round trip of every byte value, and the refusals of the decoder. */
#include <string.h>
#include "base/base64.h"
#include "testutil.h"

static void test_rfc4648_vectors(void)
{
    const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        char out[BASE64_ENCODED_SIZE(6)];
        base64_encode((const unsigned char *)plain[i], strlen(plain[i]), out);
        CU_ASSERT_STRING_EQUAL(out, coded[i]);
        unsigned char back[8];
        size_t n = base64_decode(coded[i], strlen(coded[i]), back);
        CU_ASSERT_EQUAL(n, strlen(plain[i]));
        CU_ASSERT(n == strlen(plain[i]) && memcmp(back, plain[i], n) == 0);
    }
}

static void test_round_trip(void)
{
    unsigned char all[256], back[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)(255 - i);
    char coded[BASE64_ENCODED_SIZE(256)];
    base64_encode(all, sizeof all, coded);
    CU_ASSERT_EQUAL(strlen(coded), BASE64_ENCODED_SIZE(256) - 1);
    CU_ASSERT_EQUAL(base64_decode(coded, strlen(coded), back), 256u);
    CU_ASSERT(memcmp(all, back, sizeof all) == 0);
}

static void test_decoder_refusals(void)
{
    unsigned char out[16];
    CU_ASSERT_EQUAL(base64_decode("Zm 9v\n", 6, out), 3u);          /* blanks ignored */
    CU_ASSERT_EQUAL(base64_decode("Zm9v!", 5, out), (size_t)-1);    /* outside the alphabet */
    CU_ASSERT_EQUAL(base64_decode("Zg==Zg==", 8, out), (size_t)-1); /* data after padding */
    CU_ASSERT_EQUAL(base64_decode("Zm9", 3, out), (size_t)-1);      /* not a multiple of 4 */
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "RFC 4648 test vectors", test_rfc4648_vectors);
    CU_add_test(s, "every byte value round-trips", test_round_trip);
    CU_add_test(s, "the decoder refuses what is not base64", test_decoder_refusals);
}

int main(void)
{
    return testutil_main("base64", add_tests);
}
