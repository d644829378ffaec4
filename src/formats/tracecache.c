/* tracecache: parsed traces kept across the loads of a sweep (tracecache.h). */
#include "formats/tracecache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/xalloc.h"

/* A sweep reads one trace, or one per value of a trace axis: a few. */
#define TRACECACHE_ENTRIES 8

struct entry {
    char *key;                  /* NULL: free slot */
    struct tracecache_value v;
    size_t bytes;
    uint64_t last_use;
};

/* The cache is process state on purpose: config_load_scenario is called
 * from many places, and only the sweep, which turns it on and off, gains
 * from it. */
static struct {
    pthread_mutex_t lock;
    bool enabled;
    size_t max_bytes, bytes;
    uint64_t clock, hits, puts;
    struct entry e[TRACECACHE_ENTRIES];
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t value_bytes(const struct tracecache_value *v)
{
    return v->n_times * sizeof *v->times_s + v->n_minutes * sizeof *v->counts;
}

static void copy_value(struct tracecache_value *dst, const struct tracecache_value *src)
{
    *dst = *src;
    dst->times_s = NULL;
    dst->counts = NULL;
    if (src->times_s != NULL) {
        dst->times_s = xmalloc((src->n_times + 1) * sizeof *dst->times_s);
        memcpy(dst->times_s, src->times_s, src->n_times * sizeof *dst->times_s);
    }
    if (src->counts != NULL) {
        dst->counts = xmalloc((src->n_minutes + 1) * sizeof *dst->counts);
        memcpy(dst->counts, src->counts, src->n_minutes * sizeof *dst->counts);
    }
}

static void drop(struct entry *en)
{
    cache.bytes -= en->bytes;
    free(en->key);
    free(en->v.times_s);
    free(en->v.counts);
    memset(en, 0, sizeof *en);
}

void tracecache_enable(size_t max_bytes)
{
    pthread_mutex_lock(&cache.lock);
    cache.enabled = true;
    cache.max_bytes = max_bytes;
    cache.hits = cache.puts = 0;
    pthread_mutex_unlock(&cache.lock);
}

void tracecache_disable(void)
{
    pthread_mutex_lock(&cache.lock);
    for (size_t i = 0; i < TRACECACHE_ENTRIES; i++)
        if (cache.e[i].key != NULL)
            drop(&cache.e[i]);
    cache.enabled = false;
    pthread_mutex_unlock(&cache.lock);
}

char *tracecache_key(int format, const char *function, const char *app, const char *const *paths,
                     size_t n_paths)
{
    pthread_mutex_lock(&cache.lock);
    bool on = cache.enabled;
    pthread_mutex_unlock(&cache.lock);
    if (!on)
        return NULL;
    size_t cap = 256, len = 0;
    char *k = xmalloc(cap);
    len = (size_t)snprintf(k, cap, "%d\n%s\n%s\n", format, function != NULL ? function : "",
                           app != NULL ? app : "");
    for (size_t i = 0; i < n_paths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            free(k);
            return NULL;
        }
        char id[160];
        int n = snprintf(id, sizeof id, "\n%llu:%llu:%lld:%lld.%09ld\n", (unsigned long long)st.st_dev,
                         (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                         st.st_mtim.tv_nsec);
        size_t need = len + strlen(paths[i]) + (size_t)n + 1;
        if (need > cap) {
            cap = need * 2;
            k = xrealloc(k, cap);
        }
        memcpy(k + len, paths[i], strlen(paths[i]));
        len += strlen(paths[i]);
        memcpy(k + len, id, (size_t)n + 1);
        len += (size_t)n;
    }
    return k;
}

bool tracecache_get(const char *key, struct tracecache_value *out)
{
    if (key == NULL)
        return false;
    bool found = false;
    pthread_mutex_lock(&cache.lock);
    for (size_t i = 0; i < TRACECACHE_ENTRIES && cache.enabled && !found; i++) {
        struct entry *en = &cache.e[i];
        if (en->key != NULL && strcmp(en->key, key) == 0) {
            copy_value(out, &en->v);
            en->last_use = ++cache.clock;
            cache.hits++;
            found = true;
        }
    }
    pthread_mutex_unlock(&cache.lock);
    return found;
}

void tracecache_put(const char *key, const struct tracecache_value *v)
{
    size_t bytes = value_bytes(v);
    if (key == NULL)
        return;
    pthread_mutex_lock(&cache.lock);
    if (!cache.enabled || bytes > cache.max_bytes) {
        pthread_mutex_unlock(&cache.lock);
        return;
    }
    for (size_t i = 0; i < TRACECACHE_ENTRIES; i++)
        if (cache.e[i].key != NULL && strcmp(cache.e[i].key, key) == 0)
            drop(&cache.e[i]);  /* a racing parse of the same trace: keep the newer */
    /* Room: a free slot and the bytes, dropping the least recently used. */
    for (;;) {
        size_t free_slot = TRACECACHE_ENTRIES, oldest = TRACECACHE_ENTRIES;
        for (size_t i = 0; i < TRACECACHE_ENTRIES; i++) {
            if (cache.e[i].key == NULL) {
                if (free_slot == TRACECACHE_ENTRIES)
                    free_slot = i;
            } else if (oldest == TRACECACHE_ENTRIES || cache.e[i].last_use < cache.e[oldest].last_use) {
                oldest = i;
            }
        }
        if (free_slot < TRACECACHE_ENTRIES && cache.bytes + bytes <= cache.max_bytes) {
            struct entry *en = &cache.e[free_slot];
            en->key = xstrdup(key);
            copy_value(&en->v, v);
            en->bytes = bytes;
            en->last_use = ++cache.clock;
            cache.bytes += bytes;
            cache.puts++;
            break;
        }
        if (oldest == TRACECACHE_ENTRIES)
            break;  /* not reached: bytes <= max_bytes fits an empty cache */
        drop(&cache.e[oldest]);
    }
    pthread_mutex_unlock(&cache.lock);
}

void tracecache_stats(uint64_t *hits, uint64_t *puts)
{
    pthread_mutex_lock(&cache.lock);
    *hits = cache.hits;
    *puts = cache.puts;
    pthread_mutex_unlock(&cache.lock);
}
