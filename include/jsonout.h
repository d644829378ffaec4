/* jsonout: the one writer of JSON string literals for every JSON the
 * program prints by hand (run, sweep, calibrate, validate, profile,
 * emulate). Quotes and backslashes escaped, control characters as \uXXXX. */
#ifndef LAMBDASIM_JSONOUT_H
#define LAMBDASIM_JSONOUT_H

#include <stdio.h>

/* Writes s to f as a JSON string, quotes included. */
void jsonout_string(FILE *f, const char *s);

#endif
