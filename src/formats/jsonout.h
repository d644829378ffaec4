/* jsonout: the one writer of JSON string literals for every JSON the
 * program prints by hand (run, sweep, calibrate, validate, profile,
 * emulate). Quotes and backslashes escaped, control characters (C0, DEL
 * and C1) as \uXXXX, and every byte that is not part of well-formed UTF-8
 * as \ufffd (U+FFFD, the replacement character): the output is valid
 * JSON whatever the string holds. */
#ifndef LAMBDASIM_JSONOUT_H
#define LAMBDASIM_JSONOUT_H

#include <stdio.h>

/* Writes s to f as a JSON string, quotes included. */
void jsonout_string(FILE *f, const char *s);

/* Writes v with `digits` significant digits (17: exact), or null when it
 * is not finite (JSON has no NaN or infinity). */
void jsonout_number(FILE *f, double v, int digits);

/* Writes [lo, hi] with jsonout_number's rule. */
void jsonout_interval(FILE *f, double lo, double hi, int digits);

#endif
