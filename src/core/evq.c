/* evq: future-event list, a 4-ary heap plus a calendar queue for the near
 * events once many are pending (see evq.h). */
#include "core/evq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "base/xalloc.h"

/* Calendar slots: never fewer than this, at most this many (128 bytes each:
 * 8 MB at most; past that the heap tier takes what does not fit). */
#define CAL_MIN_SLOTS 1024u
#define CAL_MAX_SLOTS (1u << 16)
/* Adapting, every CAL_CHECK_POPS pops: more than CAL_FULL events looked at
 * per pop, or many pushes finding their slot full, means slots too wide;
 * more than CAL_SPARSE bitmap words per pop, too narrow; many pushes
 * beyond the window, a window too short. */
#define CAL_CHECK_POPS 4096u
#define CAL_FULL 2.0
#define CAL_SPARSE 4.0

void evq_init(struct evq *q, size_t cap_hint)
{
    memset(q, 0, sizeof *q);
    q->cap = cap_hint < 16 ? 16 : cap_hint;
    q->heap = xmalloc(q->cap * sizeof *q->heap);
}

static void calendar_free(struct evq_calendar *c)
{
    free(c->ev);
    free(c->count);
    free(c->bits);
    memset(c, 0, sizeof *c);
}

void evq_fini(struct evq *q)
{
    free(q->heap);
    calendar_free(&q->cal);
    q->heap = NULL;
    q->len = q->cap = 0;
}

void evq_clear(struct evq *q)
{
    /* Back to the heap alone, as after evq_init. */
    calendar_free(&q->cal);
    q->len = 0;
    q->next_seq = 0;
}

void evq_grow(struct evq *q)
{
    q->heap = xgrow(q->heap, &q->cap, q->len + 1, sizeof *q->heap);
}

/* ---- the calendar tier ------------------------------------------------- */

/* The slot number of time t (floor of t * inv_width) when it lies in the
 * window [cur, cur + n); false otherwise. */
static bool slot_of(const struct evq_calendar *c, double t, int64_t *slot)
{
    double x = t * c->inv_width;
    if (!(x >= (double)c->cur && x < (double)c->cur + (double)c->n))
        return false;
    int64_t s = (int64_t)x;
    if ((double)s > x)
        s--;
    if (s < c->cur || s >= c->cur + (int64_t)c->n)
        return false;
    *slot = s;
    return true;
}

/* Adds ev to slot number slot_no; false when the slot is full. */
static bool calendar_insert(struct evq_calendar *c, int64_t slot_no, const struct evq_event *ev)
{
    uint32_t slot = (uint32_t)slot_no & c->mask;
    uint32_t k = c->count[slot];
    if (k == EVQ_SLOT_CAP)
        return false;
    struct evq_event *in = &c->ev[(size_t)slot * EVQ_SLOT_CAP];
    in[k] = *ev;
    c->count[slot] = (uint8_t)(k + 1);
    c->bits[slot >> 6] |= (uint64_t)1 << (slot & 63);
    /* Events only append, so a known minimum keeps its place. */
    if (c->len == 0 || (c->min_known && evq_before(ev, &c->ev[(size_t)c->min_slot * EVQ_SLOT_CAP + c->min_at]))) {
        c->min_known = true;
        c->min_slot = slot;
        c->min_at = k;
    }
    c->len++;
    return true;
}

/* The calendar's earliest event: the first non-empty slot from the current
 * one (every calendar event lies in the window, so slot order from there is
 * time order), then the earliest of its few events. */
static void calendar_find_min(struct evq_calendar *c)
{
    assert(c->len > 0);
    uint32_t s0 = (uint32_t)c->cur & c->mask, words = c->n >> 6;
    uint32_t w = s0 >> 6;
    uint64_t bits = c->bits[w] & (~(uint64_t)0 << (s0 & 63));
    uint32_t looked = 1;
    /* Ends at the latest back at the first word, whose low bits are the
     * window's last slots: the calendar is not empty. */
    while (bits == 0) {
        w = (w + 1) & (words - 1);
        bits = c->bits[w];
        looked++;
    }
    uint32_t slot = (w << 6) | (uint32_t)__builtin_ctzll(bits);
    const struct evq_event *in = &c->ev[(size_t)slot * EVQ_SLOT_CAP];
    uint32_t k = c->count[slot], best = 0;
    for (uint32_t i = 1; i < k; i++)
        if (evq_before(&in[i], &in[best]))
            best = i;
    c->min_known = true;
    c->min_slot = slot;
    c->min_at = best;
    c->scanned += k;
    c->words += looked;
}

/* Moves every event of both tiers into a calendar of n slots of the given
 * width whose window starts at the earliest of them. */
static void calendar_build(struct evq *q, uint32_t n, double inv_width)
{
    struct evq_calendar *c = &q->cal;
    /* Gather everything in the heap's array (it then is no heap). */
    size_t total = q->len + c->len;
    if (total > q->cap)
        q->heap = xgrow(q->heap, &q->cap, total, sizeof *q->heap);
    size_t k = q->len;
    for (uint32_t slot = 0; c->on && slot < c->n; slot++)
        for (uint32_t i = 0; i < c->count[slot]; i++)
            q->heap[k++] = c->ev[(size_t)slot * EVQ_SLOT_CAP + i];
    assert(k == total);
    double t_min = INFINITY;
    for (size_t i = 0; i < total; i++) {
        double t = evq_event_time(&q->heap[i]);
        if (t < t_min)
            t_min = t;
    }
    if (c->n != n) {
        free(c->ev);
        c->ev = xmalloc((size_t)n * EVQ_SLOT_CAP * sizeof *c->ev);
        c->count = xrealloc(c->count, n);
        c->bits = xrealloc(c->bits, (size_t)(n >> 6) * sizeof *c->bits);
        c->n = n;
        c->mask = n - 1;
    }
    memset(c->count, 0, n);
    memset(c->bits, 0, (size_t)(n >> 6) * sizeof *c->bits);
    c->on = true;
    c->inv_width = inv_width;
    double x = t_min * inv_width;
    c->cur = isfinite(x) && fabs(x) < 4e18 ? (int64_t)floor(x) : 0;
    c->len = 0;
    c->min_known = false;
    c->top = NULL;
    c->pops = 0;
    c->scanned = c->words = c->full = c->outside = 0;
    /* Re-place: near events to the calendar, the rest back into the heap. */
    q->len = 0;
    for (size_t i = 0; i < total; i++) {
        struct evq_event ev = q->heap[i];
        int64_t slot;
        if (!slot_of(c, evq_event_time(&ev), &slot) || !calendar_insert(c, slot, &ev))
            q->heap[q->len++] = ev;
    }
    /* Restore the heap order of what stayed (sift each up in turn). */
    size_t stay = q->len;
    q->len = 0;
    for (size_t i = 0; i < stay; i++)
        evq_heap_push(q, q->heap[i]);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The heap passed EVQ_CALENDAR_ON events: start the calendar with slots as
 * wide as the mean separation of the earliest events, and about twice as
 * many slots as events. */
void evq_calendar_start(struct evq *q)
{
    size_t n = q->len;
    double *t = xmalloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = evq_event_time(&q->heap[i]);
    qsort(t, n, sizeof *t, cmp_double);
    size_t k = n / 4;
    double sep = (t[k] - t[0]) / (double)k;
    free(t);
    double inv_width = isfinite(sep) && sep > 0 ? 1.0 / sep : 1.0;
    uint32_t slots = CAL_MIN_SLOTS;
    while (slots < 2 * n && slots < CAL_MAX_SLOTS)
        slots *= 2;
    calendar_build(q, slots, inv_width);
}

/* Every CAL_CHECK_POPS pops, re-shape the calendar when its slots hold too
 * many events (halve the width, double the slots: the window stays), look
 * mostly empty (the reverse), or too many pushes fall beyond the window
 * (double the slots). */
static void calendar_adapt(struct evq *q)
{
    struct evq_calendar *c = &q->cal;
    double pops = (double)c->pops;
    double per_pop = (double)c->scanned / pops, words = (double)c->words / pops;
    uint32_t n = c->n;
    double inv_width = c->inv_width;
    if ((per_pop > CAL_FULL || (double)c->full > pops / 16) && n < CAL_MAX_SLOTS) {
        n *= 2;
        inv_width *= 2;
    } else if (words > CAL_SPARSE && n > CAL_MIN_SLOTS) {
        n /= 2;
        inv_width /= 2;
    } else if ((double)c->outside > pops / 8 && n < CAL_MAX_SLOTS) {
        n *= 2;
    } else {
        c->pops = 0;
        c->scanned = c->words = c->full = c->outside = 0;
        return;
    }
    calendar_build(q, n, inv_width);
}

void evq_calendar_push(struct evq *q, double time_s, const struct evq_event *ev)
{
    struct evq_calendar *c = &q->cal;
    int64_t slot;
    c->top = NULL;
    if (!slot_of(c, time_s, &slot)) {
        c->outside++;
        evq_heap_push(q, *ev);
    } else if (!calendar_insert(c, slot, ev)) {
        c->full++;
        evq_heap_push(q, *ev);
    }
}

const struct evq_event *evq_calendar_top(struct evq *q)
{
    struct evq_calendar *c = &q->cal;
    const struct evq_event *h = q->len > 0 ? &q->heap[0] : NULL;
    if (c->len == 0)
        return h;
    if (!c->min_known)
        calendar_find_min(c);
    const struct evq_event *m = &c->ev[(size_t)c->min_slot * EVQ_SLOT_CAP + c->min_at];
    c->top = h != NULL && evq_before(h, m) ? h : m;
    return c->top;
}

void evq_calendar_pop(struct evq *q, struct evq_event *out)
{
    struct evq_calendar *c = &q->cal;
    const struct evq_event *top = evq_calendar_top(q);
    assert(top != NULL);
    uint32_t slot = c->min_slot;
    struct evq_event *in = c->len > 0 ? &c->ev[(size_t)slot * EVQ_SLOT_CAP] : NULL;
    if (in != NULL && top == &in[c->min_at]) {
        *out = *top;
        uint32_t k = c->count[slot] - 1u;
        in[c->min_at] = in[k];
        c->count[slot] = (uint8_t)k;
        if (k == 0)
            c->bits[slot >> 6] &= ~((uint64_t)1 << (slot & 63));
        c->len--;
        /* The window starts at the popped event's slot from now on. */
        c->cur += (int64_t)((slot - ((uint32_t)c->cur & c->mask)) & c->mask);
    } else {
        evq_heap_pop(q, out);
        /* Earlier than every calendar event: the window may start at its
         * slot (never move it back). */
        int64_t at;
        if (slot_of(c, evq_event_time(out), &at))
            c->cur = at;
    }
    c->min_known = false;
    c->top = NULL;
    if (++c->pops >= CAL_CHECK_POPS)
        calendar_adapt(q);
}
