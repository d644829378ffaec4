/* trace: readers for request-arrival traces: plain times, and the public
 * Azure Functions 2019 (per-minute counts) and 2021 (per-invocation) traces.
 * Library code: returns a status and a message naming file and line. */
#ifndef LAMBDASIM_TRACE_H
#define LAMBDASIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/dist.h"

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
 * header HashOwner,HashApp,HashFunction,Trigger, then the minute columns:
 * 1,2,...,1440 as published (one file per day), or any contiguous window of
 * them (540,541,...,689) in a file cut to fewer minutes; gaps and
 * out-of-order columns are refused. One row per function. Picks the row
 * whose HashFunction is `function` (NULL or "": the file must hold exactly
 * one row). The counts from the first minute with an invocation to the
 * last one are returned in *counts (caller frees; *n_minutes of them,
 * *total invocations in all). Returns 0, or -1 with a message such as
 * "traces/x.csv:3: minute 17: not a whole number ('abc')". */
int trace_read_azure2019(const char *path, const char *function, uint64_t **counts, size_t *n_minutes,
                         uint64_t *total, char *msg, size_t msg_len);

/* Several 2019 count files (d01, d02, ... or windows of them) chained in
 * time into one trace of `function` (required when n_paths > 1). A file
 * whose first minute column directly follows the previous file's last
 * minute continues that day; any other file starts the next day, so day k
 * (1-based) begins (k - 1) * 1440 minutes after the first day's minute 1
 * and the minutes between two windows are empty. A file without the
 * function adds its minutes with no invocation (the function was not
 * invoked that day); the function must be in at least one file, and in
 * the same app in all. counts[0] is minute first_minute (0-based, counted
 * from minute 1 of the first file's day), the first with an invocation. */
struct trace_az19 {
    uint64_t *counts;           /* owned (caller frees), n_minutes of them */
    size_t n_minutes;
    uint64_t total;
    size_t first_minute;
    size_t files_found;         /* files that hold the function */
    char app[128];              /* its HashApp */
    char function[128];         /* its HashFunction (the file's only one when none was named) */
};
int trace_read_azure2019_files(const char *const *paths, size_t n_paths, const char *function,
                               struct trace_az19 *out, char *msg, size_t msg_len);

/* The 2019 execution-time file (function_durations_percentiles.*.csv):
 * the row of HashFunction `function` (NULL or "": the file must hold one
 * row). Columns are found by name; Average, Count and
 * percentile_Average_{0,1,25,50,75,99,100} are required, >= 0, and the
 * percentiles must not decrease. Milliseconds, cold starts excluded; the
 * percentiles are of 30-second averages (see docs/reference/formats.md). */
#define TRACE_AZ19_DURATION_PCTS 7
extern const double trace_az19_duration_p[TRACE_AZ19_DURATION_PCTS]; /* 0, .01, .25, .5, .75, .99, 1 */
struct trace_az19_durations {
    double average_ms;
    double count;
    double pct_ms[TRACE_AZ19_DURATION_PCTS];
};
int trace_read_azure2019_durations(const char *path, const char *function, struct trace_az19_durations *out,
                                   char *msg, size_t msg_len);

/* The 2019 memory file (app_memory_percentiles.*.csv): the row of HashApp
 * `app` (memory is allocated per app); a variant with a HashFunction
 * column is matched by `function` instead. SampleCount,
 * AverageAllocatedMb and AverageAllocatedMb_pct{1,5,25,50,75,95,99,100}
 * are required, >= 0, percentiles not decreasing. */
#define TRACE_AZ19_MEMORY_PCTS 8
extern const double trace_az19_memory_p[TRACE_AZ19_MEMORY_PCTS]; /* .01, .05, .25, .5, .75, .95, .99, 1 */
struct trace_az19_memory {
    double sample_count;
    double average_mb;
    double pct_mb[TRACE_AZ19_MEMORY_PCTS];
    bool per_function;          /* matched by HashFunction (a per-function variant) */
};
int trace_read_azure2019_memory(const char *path, const char *app, const char *function,
                                struct trace_az19_memory *out, char *msg, size_t msg_len);

/* The execution-time distribution in seconds that the percentiles give:
 * the piecewise-linear quantile function through them, tabulated at
 * TRACE_AZ19_QUANTILE_POINTS evenly spaced probabilities as an empirical
 * distribution (*out_s owns its samples; dist_fini frees them). */
#define TRACE_AZ19_QUANTILE_POINTS 10000
void trace_az19_duration_dist(const struct trace_az19_durations *d, struct dist *out_s);

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
