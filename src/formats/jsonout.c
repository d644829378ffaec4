/* jsonout: JSON string literals (see jsonout.h). */
#include "formats/jsonout.h"

#include <string.h>
#include <math.h>
#include "base/textline.h"

void jsonout_string(FILE *f, const char *s)
{
    size_t len = strlen(s), i = 0;
    fputc('"', f);
    while (i < len) {
        unsigned long cp = 0;
        size_t n = textline_utf8_seq(s + i, len - i, &cp);
        if (n == 0) {
            /* Not UTF-8: the replacement character, one per bad byte, so
             * that the output is always JSON. */
            fputs("\\ufffd", f);
            i++;
            continue;
        }
        if (cp == '"' || cp == '\\')
            fprintf(f, "\\%c", (int)cp);
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            fprintf(f, "\\u%04lx", cp);
        else
            fwrite(s + i, 1, n, f);
        i += n;
    }
    fputc('"', f);
}

void jsonout_number(FILE *f, double v, int digits)
{
    if (isfinite(v))
        fprintf(f, "%.*g", digits, v);
    else
        fputs("null", f);
}

void jsonout_interval(FILE *f, double lo, double hi, int digits)
{
    fputc('[', f);
    jsonout_number(f, lo, digits);
    fputs(", ", f);
    jsonout_number(f, hi, digits);
    fputc(']', f);
}
