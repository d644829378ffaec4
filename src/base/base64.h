/* base64: standard base64 (RFC 4648) encoding and decoding. */
#ifndef LAMBDASIM_BASE64_H
#define LAMBDASIM_BASE64_H

#include <stddef.h>

/* Room base64_encode needs for n bytes, its final NUL included. */
#define BASE64_ENCODED_SIZE(n) (4 * (((n) + 2) / 3) + 1)

/* Encodes n bytes into out (BASE64_ENCODED_SIZE(n) bytes), NUL-terminated. */
void base64_encode(const unsigned char *in, size_t n, char *out);

/* Decodes len characters (blanks ignored) into out (room for 3 * len / 4
 * bytes). Returns the decoded length, or (size_t)-1 on a character outside
 * the alphabet, data after padding or a bad length. */
size_t base64_decode(const char *in, size_t len, unsigned char *out);

#endif
