/* trace: readers for request-arrival traces: plain times, and the public
 * Azure Functions 2019 (per-minute counts) and 2021 (per-invocation) traces.
 * Library code: returns a status and a message naming file and line. */
#ifndef LAMBDASIM_TRACE_H
#define LAMBDASIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

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

/* Azure Functions 2019 invocation counts (invocations_per_function_md.*.csv):
 * header HashOwner,HashApp,HashFunction,Trigger,1,2,...,N (N <= 1440 minute
 * columns), one row per function. Picks the row whose HashFunction is
 * `function` (NULL or "": the file must hold exactly one row). The counts
 * from the first minute with an invocation to the last one are returned in
 * *counts (caller frees; *n_minutes of them, *total invocations in all).
 * Returns 0, or -1 with a message such as
 * "traces/x.csv:3: minute 17: not a whole number ('abc')". */
int trace_read_azure2019(const char *path, const char *function, uint64_t **counts, size_t *n_minutes,
                         uint64_t *total, char *msg, size_t msg_len);

/* Azure Functions 2021 invocations (app,func,end_timestamp,duration; columns
 * found by name, others ignored). Picks the rows of function `function`
 * (NULL or "": the file must hold one function) in app `app` (NULL or "":
 * any, but the function name must then belong to one app only). Start
 * times are end_timestamp - duration, sorted and shifted so the first is 0.
 * *start_s (caller frees) holds *n of them. Returns 0, or -1 with a
 * message naming file and line. */
int trace_read_azure2021(const char *path, const char *app, const char *function, double **start_s,
                         size_t *n, char *msg, size_t msg_len);

#endif
