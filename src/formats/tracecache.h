/* tracecache: parsed request traces kept across the scenario loads of one
 * sweep. A sweep loads its base scenario once per point (and once more per
 * point to check it first); with a trace workload every load parsed the
 * same file again, under the lock that serialises loads (cJSON), so a trace
 * sweep spent most of its time parsing and gained nothing from --jobs.
 * While enabled, config_load_scenario takes a trace it has parsed before
 * from here (a copy of its arrays); the key is the format, the function
 * and app asked for, and each file's path, device, inode, size and
 * modification time, so a file changed in between is parsed again.
 * Thread-safe. Disabled (the default) it holds nothing. */
#ifndef LAMBDASIM_TRACECACHE_H
#define LAMBDASIM_TRACECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one parse gave (before workload.time_scale is applied). */
struct tracecache_value {
    double *times_s;            /* times/azure2021: arrival times (NULL for azure2019) */
    size_t n_times;
    uint64_t *counts;           /* azure2019: invocations per minute (NULL otherwise) */
    size_t n_minutes;
    uint64_t total;
    size_t first_minute;
    char app[128], function[128];
};

/* Starts keeping traces, at most max_bytes of arrays in all (the oldest
 * entries go first). */
void tracecache_enable(size_t max_bytes);
/* Frees everything and stops keeping traces. */
void tracecache_disable(void);

/* The key of a parse: NULL when the cache is disabled or a file cannot be
 * stat()ed. Caller frees. */
char *tracecache_key(int format, const char *function, const char *app, const char *const *paths,
                     size_t n_paths);
/* Copies of a cached parse into *out (caller frees its arrays); false when
 * there is none (or key is NULL). */
bool tracecache_get(const char *key, struct tracecache_value *out);
/* Keeps copies of v under key (nothing when key is NULL, or v alone is
 * larger than the cache). */
void tracecache_put(const char *key, const struct tracecache_value *v);

/* Hits and parses kept since enabled (tests). */
void tracecache_stats(uint64_t *hits, uint64_t *puts);

#endif
