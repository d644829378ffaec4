/* base64: standard base64 (RFC 4648), for Lambda's log tails
 * (X-Amz-Log-Result), CloudWatch subscription payloads and MNIST images
 * carried in JSON events. */
#include <stddef.h>
#include <stdint.h>
#include "base/base64.h"

void base64_encode(const unsigned char *in, size_t n, char *out)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = t[(v >> 18) & 63];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Standard base64 (RFC 4648), blanks ignored. Returns the decoded length,
 * or (size_t)-1 on a character outside the alphabet or a bad length. */
size_t base64_decode(const char *in, size_t len, unsigned char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0, pad = 0, used = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        int v;
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            continue;
        used++;
        if (ch == '=') {
            pad++;
            continue;
        }
        if (pad > 0)
            return (size_t)-1;  /* data after padding */
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            v = ch - '0' + 52;
        else if (ch == '+')
            v = 62;
        else if (ch == '/')
            v = 63;
        else
            return (size_t)-1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (used % 4 != 0 || pad > 2)
        return (size_t)-1;
    return n;
}
