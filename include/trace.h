/* trace: readers for request-arrival traces (and, later, real-run logs).
 * Library code: returns a status and a message naming file and line. */
#ifndef LAMBDASIM_TRACE_H
#define LAMBDASIM_TRACE_H

#include <stddef.h>

/* Reads arrival times in seconds from `path`. Accepted forms:
 *  - one number per line;
 *  - CSV with a header row containing a column named `time_s` (other
 *    columns ignored).
 * Blank lines and lines starting with '#' are skipped. Times must be finite,
 * >= 0 and non-decreasing: anything else is an error (never silently fixed).
 * On success *times_s (caller frees) and *n are set and 0 is returned; an
 * empty trace is an error. On failure returns -1 and msg reads like
 * "traces/x.csv:12: time_s: not a number ('abc')". */
int trace_read_times(const char *path, double **times_s, size_t *n, char *msg, size_t msg_len);

#endif
