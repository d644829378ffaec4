/* sweep_rank: result tables (see sweep.h): building the table of a run's
 * points, feasibility, the Pareto front of p99 latency and cost, and ranks. */
#include "analysis/sweep_internal.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include "analysis/validate.h"
#include "base/xalloc.h"
#include <stdio.h>

static bool satisfies(const struct sweep_constraint *c, double v)
{
    switch (c->op) {
    case SWEEP_OP_LE: return v <= c->bound;
    case SWEEP_OP_LT: return v < c->bound;
    case SWEEP_OP_GE: return v >= c->bound;
    case SWEEP_OP_GT: return v > c->bound;
    }
    return false;
}

/* ---- tables ------------------------------------------------------------------------------ */

static char **copy_strings(char *const *s, size_t n)
{
    char **c = xcalloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = xstrdup(s[i]);
    return c;
}

void sweep_row_fini(struct sweep_row *r, size_t n_cells)
{
    sweep_free_strings(r->cells, n_cells);
    free(r->mean);
    free(r->ci95);
    free(r->run_lo);
    free(r->run_hi);
    free(r->rep);
    free(r->rep_score);
}

void sweep_table_interval(struct sweep_table *t)
{
    t->per_run_k = validate_order_k(t->replications >= 1 ? (size_t)t->replications : 1, t->per_run_level,
                                    &t->per_run_coverage, &t->per_run_enough);
}

void sweep_table_fini(struct sweep_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_rows; i++)
        sweep_row_fini(&t->rows[i], t->n_columns);
    free(t->rows);
    sweep_free_strings(t->columns, t->n_columns);
    sweep_free_strings(t->override_paths, t->n_overrides);
    sweep_free_strings(t->override_values, t->n_overrides);
    free(t->objective.constraints);
    for (size_t i = 0; i < t->n_inputs; i++)
        free(t->inputs[i].path);
    free(t->inputs);
    free(t->file);
    free(t->scenario);
    memset(t, 0, sizeof *t);
}

/* The value a constraint is checked on (sweep_spec.h): the mean, or the
 * side of its confidence interval the bound is about. Without an interval
 * (one replication) only the mean is known. */
static double constraint_value(const struct sweep_objective *o, const struct sweep_constraint *c,
                               const struct sweep_row *r)
{
    double v = r->mean[c->metric], h = r->ci95[c->metric];
    if (o->feasible_on_mean || !isfinite(h))
        return v;
    return c->op == SWEEP_OP_LE || c->op == SWEEP_OP_LT ? v + h : v - h;
}

static bool row_feasible(const struct sweep_table *t, const struct sweep_row *r)
{
    if (!isfinite(r->mean[t->objective.metric]))
        return false;
    if (t->objective.balanced && !isfinite(r->mean[t->objective.cost_metric]))
        return false;
    for (size_t i = 0; i < t->objective.n_constraints; i++) {
        const struct sweep_constraint *c = &t->objective.constraints[i];
        if (!satisfies(c, constraint_value(&t->objective, c, r)))   /* NAN satisfies nothing */
            return false;
    }
    return true;
}

/* The objective's value of every row, lower is better, with its 95 %
 * half-width. Balanced (AWS Lambda Power Tuning's "balanced" strategy,
 * lambda/analyzer.js of alexcasalboni/aws-lambda-power-tuning): weight x
 * cost / max cost + (1 - weight) x time / max time, the maxima over every
 * point with both (a term whose maximum is not above 0 counts 0); its
 * half-width combines the two as independent, sqrt((w hc / C)^2 +
 * ((1 - w) ht / T)^2). */
static void score_rows(struct sweep_table *t)
{
    const struct sweep_objective *o = &t->objective;
    size_t om = o->metric, cm = o->cost_metric;
    double max_t = 0, max_c = 0;
    if (o->balanced)
        for (size_t i = 0; i < t->n_rows; i++) {
            const struct sweep_row *r = &t->rows[i];
            if (isfinite(r->mean[om]) && isfinite(r->mean[cm])) {
                max_t = fmax(max_t, r->mean[om]);
                max_c = fmax(max_c, r->mean[cm]);
            }
        }
    size_t reps = t->replications > 0 ? (size_t)t->replications : 0;
    double wt = max_t > 0 ? (1 - o->weight) / max_t : 0, wc = max_c > 0 ? o->weight / max_c : 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        struct sweep_row *r = &t->rows[i];
        if (r->rep != NULL) {
            /* Each replication's score, on the same scale as the mean's. */
            free(r->rep_score);
            r->rep_score = xmalloc(reps * sizeof *r->rep_score);
            for (size_t k = 0; k < reps; k++)
                r->rep_score[k] = o->balanced ? wt * r->rep[k] + wc * r->rep[reps + k]
                                  : o->maximize ? -r->rep[k] : r->rep[k];
        }
        if (!o->balanced) {
            r->score = o->maximize ? -r->mean[om] : r->mean[om];
            r->score_ci95 = r->ci95[om];
            continue;
        }
        r->score = wt * r->mean[om] + wc * r->mean[cm];
        double ht = wt * r->ci95[om], hc = wc * r->ci95[cm];
        r->score_ci95 = sqrt(ht * ht + hc * hc);
    }
}

/* Paired test of row r against the best b under common random numbers:
 * the replications' differences d_k = score_k(r) - score_k(b) (each pair
 * ran with the same seed); r is tied when their mean is within the 95 %
 * half-width of the paired t interval (t_{0.975, R-1} sd / sqrt R): not
 * significantly worse at the 2.5 % one-sided level. Returns -1 when it
 * cannot be done (a replication without a value). */
static int paired_tied(const struct sweep_row *r, const struct sweep_row *b, size_t reps, double *d)
{
    for (size_t k = 0; k < reps; k++) {
        d[k] = r->rep_score[k] - b->rep_score[k];
        if (!isfinite(d[k]))
            return -1;
    }
    double mean = gsl_stats_mean(d, 1, reps), sd = gsl_stats_sd_m(d, 1, reps, mean);
    double h = gsl_cdf_tdist_Pinv(0.975, (double)(reps - 1)) * sd / sqrt((double)reps);
    return mean <= h ? 1 : 0;
}

/* Tied with the best: a feasible point whose objective is not significantly
 * worse than the best's. Under common random numbers with every
 * replication kept, by a paired t test (paired_tied). Otherwise the
 * difference of the scores is compared with the combined 95 % half-widths
 * sqrt(h_i^2 + h_best^2) (a two-sample normal approximation at about the
 * 5 % level; unpaired, so under common random numbers, whose positive
 * correlation narrows the paired difference, it keeps more points than a
 * paired test would: none is dropped unfairly). Without intervals only an
 * equal score ties. The best is tied with itself. */
static void mark_tied(struct sweep_table *t, size_t best_row)
{
    const struct sweep_row *b = &t->rows[best_row];
    t->paired_ties = false;
    if (!b->feasible || !isfinite(b->score))
        return;
    double hb = isfinite(b->score_ci95) ? b->score_ci95 : 0;
    size_t reps = t->replications > 0 ? (size_t)t->replications : 0;
    bool paired = t->common_random_numbers && reps >= 2 && b->rep_score != NULL;
    t->paired_ties = paired;
    double *d = paired ? xmalloc(reps * sizeof *d) : NULL;
    for (size_t i = 0; i < t->n_rows; i++) {
        struct sweep_row *r = &t->rows[i];
        if (!r->feasible || !isfinite(r->score))
            continue;
        int pt = paired && r->rep_score != NULL ? paired_tied(r, b, reps, d) : -1;
        if (pt >= 0) {
            r->tied = pt == 1;
            continue;
        }
        double hr = isfinite(r->score_ci95) ? r->score_ci95 : 0;
        r->tied = r->score - b->score <= sqrt(hr * hr + hb * hb);
    }
    free(d);
}

struct rank_key {
    bool feasible;
    bool finite;
    double key;         /* smaller is better */
    size_t point;
    size_t row;
};

static int rank_cmp(const void *a, const void *b)
{
    const struct rank_key *x = a, *y = b;
    if (x->feasible != y->feasible)
        return x->feasible ? -1 : 1;
    if (x->finite != y->finite)
        return x->finite ? -1 : 1;
    if (x->finite && x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

struct front_key {
    double x, y;            /* the two axes, signed so that lower is better */
    size_t point, row;
};

static int front_cmp(const void *a, const void *b)
{
    const struct front_key *x = a, *y = b;
    if (x->x != y->x)
        return x->x < y->x ? -1 : 1;
    if (x->y != y->y)
        return x->y < y->y ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

/* A row's value on Pareto axis k, negated when the axis is maximised, so
 * that lower is better on both. */
static double front_value(const struct sweep_table *t, const struct sweep_row *r, int k)
{
    double v = r->mean[t->objective.pareto[k]];
    return t->objective.pareto_max[k] ? -v : v;
}

size_t sweep_front_rows(const struct sweep_table *t, const struct sweep_row **out)
{
    struct front_key *fk = xcalloc(t->n_rows + 1, sizeof *fk);
    size_t n = 0;
    for (size_t i = 0; i < t->n_rows; i++)
        if (t->rows[i].pareto)
            fk[n++] = (struct front_key){ .x = front_value(t, &t->rows[i], 0), .y = front_value(t, &t->rows[i], 1),
                                          .point = t->rows[i].point, .row = i };
    qsort(fk, n, sizeof *fk, front_cmp);
    for (size_t i = 0; i < n; i++)
        out[i] = &t->rows[fk[i].row];
    free(fk);
    return n;
}

/* qsort has no context argument: the table whose rows are being grouped,
 * set around the one call (the table is finished on one thread). */
static const struct sweep_table *same_table;
static size_t same_metrics;

/* Orders two rows by their results' bits: 0 when every mean and half-width
 * is the same. */
static int results_cmp(const struct sweep_row *x, const struct sweep_row *y)
{
    int c = memcmp(x->mean, y->mean, same_metrics * sizeof *x->mean);
    return c != 0 ? c : memcmp(x->ci95, y->ci95, same_metrics * sizeof *x->ci95);
}

static int same_cmp(const void *a, const void *b)
{
    const struct sweep_row *x = &same_table->rows[*(const size_t *)a], *y = &same_table->rows[*(const size_t *)b];
    int c = results_cmp(x, y);
    return c != 0 ? c : x->point < y->point ? -1 : x->point > y->point;
}

/* Points whose results are bit-identical in every metric (mean and
 * half-width): under common random numbers, where every point's
 * replication r uses the same seed, they simulated the same thing (say,
 * batching.timeout_s at batching.threshold 1, where no request ever waits).
 * Bits, not values: two different simulations agreeing in all 30 numbers
 * to the last bit does not happen by chance. n log n. */
static void mark_same(struct sweep_table *t)
{
    size_t n = t->n_rows;
    size_t *ord = xcalloc(n + 1, sizeof *ord);
    for (size_t i = 0; i < n; i++) {
        ord[i] = i;
        t->rows[i].same_as = SIZE_MAX;
    }
    same_table = t;
    same_metrics = sweep_metric_count();
    qsort(ord, n, sizeof *ord, same_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && results_cmp(&t->rows[ord[j]], &t->rows[ord[i]]) == 0)
            j++;
        /* ord[i] has the group's lowest point (ties sort by point). */
        for (size_t k = i + 1; k < j; k++)
            t->rows[ord[k]].same_as = t->rows[ord[i]].point;
        i = j;
    }
    same_table = NULL;
    free(ord);
}

/* Feasibility always; Pareto front and ranks only for a whole sweep, since
 * they compare every point with every other. */
void sweep_table_finish(struct sweep_table *t)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        t->rows[i].feasible = row_feasible(t, &t->rows[i]);
        t->rows[i].pareto = false;
        t->rows[i].rank = 0;
        t->rows[i].tied = false;
        t->rows[i].score = t->rows[i].score_ci95 = (double)NAN;
        t->rows[i].same_as = SIZE_MAX;
    }
    if (t->shard_n != 0 || t->n_rows == 0)
        return;
    size_t n = t->n_rows;
    score_rows(t);
    mark_same(t);
    struct rank_key *rk = xcalloc(n, sizeof *rk);
    for (size_t i = 0; i < n; i++) {
        double v = t->rows[i].score;
        rk[i].feasible = t->rows[i].feasible;
        rk[i].finite = isfinite(v);
        rk[i].key = v;
        rk[i].point = t->rows[i].point;
        rk[i].row = i;
    }
    qsort(rk, n, sizeof *rk, rank_cmp);
    for (size_t i = 0; i < n; i++)
        t->rows[rk[i].row].rank = i + 1;
    mark_tied(t, rk[0].row);
    free(rk);

    /* Pareto front of the two axes (objective.pareto; by default p99 and
     * cost), both made "lower is better": sorted by x, a point is on the
     * front when its y is the lowest of its x group and below every y seen
     * at a strictly lower x. Equal pairs are all kept. */
    struct front_key *fk = xcalloc(n, sizeof *fk);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sweep_row *r = &t->rows[i];
        double x = front_value(t, r, 0), y = front_value(t, r, 1);
        if (!r->feasible || !isfinite(x) || !isfinite(y))
            continue;
        fk[nf] = (struct front_key){ .x = x, .y = y, .point = r->point, .row = i };
        nf++;
    }
    qsort(fk, nf, sizeof *fk, front_cmp);
    double best = INFINITY;
    for (size_t i = 0; i < nf;) {
        size_t j = i;
        while (j < nf && fk[j].x == fk[i].x)
            j++;
        double group_min = fk[i].y;  /* sorted by y inside the group */
        for (size_t k = i; k < j; k++)
            if (fk[k].y == group_min && group_min < best)
                t->rows[fk[k].row].pareto = true;
        if (group_min < best)
            best = group_min;
        i = j;
    }
    free(fk);
}

static void copy_objective(struct sweep_objective *dst, const struct sweep_objective *src)
{
    *dst = *src;
    dst->constraints = xcalloc(src->n_constraints + 1, sizeof *dst->constraints);
    if (src->n_constraints > 0)
        memcpy(dst->constraints, src->constraints, src->n_constraints * sizeof *src->constraints);
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void sweep_table_build(struct sweep_table *t, const struct sweep_spec *sp,
                       const struct sweep_results *res, const size_t *points, size_t n_points,
                       size_t shard_k, size_t shard_n)
{
    size_t nm = sweep_metric_count();
    memset(t, 0, sizeof *t);
    t->file = xstrdup(sp->file);
    t->scenario = xstrdup(sp->scenario);
    t->id = sp->id;
    t->seed = sp->seed;
    t->common_random_numbers = sp->common_random_numbers;
    t->replications = sp->replications;
    t->per_run_level = res->per_run_level;
    sweep_table_interval(t);
    t->n_points_total = sp->n_points;
    t->shard_k = shard_k;
    t->shard_n = shard_n;
    copy_objective(&t->objective, &sp->objective);
    t->inputs = xcalloc(sp->n_inputs + 1, sizeof *t->inputs);
    for (size_t i = 0; i < sp->n_inputs; i++) {
        t->inputs[i] = sp->inputs[i];
        t->inputs[i].path = xstrdup(sp->inputs[i].path);
    }
    t->n_inputs = sp->n_inputs;
    t->override_paths = copy_strings(sp->override_paths, sp->n_overrides);
    t->override_values = copy_strings(sp->override_values, sp->n_overrides);
    t->n_overrides = sp->n_overrides;
    t->columns = xcalloc(sp->n_axes + 1, sizeof *t->columns);
    for (size_t a = 0; a < sp->n_axes; a++)
        t->columns[a] = xstrdup(sp->axes[a].path);
    t->n_columns = sp->n_axes;
    size_t *order = xcalloc(n_points + 1, sizeof *order);
    if (n_points > 0)
        memcpy(order, points, n_points * sizeof *order);
    qsort(order, n_points, sizeof *order, size_cmp);
    t->rows = xcalloc(n_points + 1, sizeof *t->rows);
    for (size_t i = 0; i < n_points; i++) {
        struct sweep_row *r = &t->rows[i];
        size_t p = order[i];
        assert(res->done[p]);
        r->point = p;
        r->cells = xcalloc(sp->n_axes + 1, sizeof *r->cells);
        for (size_t a = 0; a < sp->n_axes; a++)
            r->cells[a] = xstrdup(sweep_value(sp, p, a));
        r->mean = xmalloc(nm * sizeof *r->mean);
        r->ci95 = xmalloc(nm * sizeof *r->ci95);
        memcpy(r->mean, &res->mean[p * nm], nm * sizeof *r->mean);
        memcpy(r->ci95, &res->ci95[p * nm], nm * sizeof *r->ci95);
        r->run_lo = xmalloc(nm * sizeof *r->run_lo);
        r->run_hi = xmalloc(nm * sizeof *r->run_hi);
        memcpy(r->run_lo, &res->run_lo[p * nm], nm * sizeof *r->run_lo);
        memcpy(r->run_hi, &res->run_hi[p * nm], nm * sizeof *r->run_hi);
        if (res->raw != NULL && res->reps == (size_t)sp->replications) {
            /* The objective's metrics of each replication, for paired ties. */
            size_t reps = res->reps;
            const double *x = res->raw + p * reps * nm;
            r->rep = xmalloc(2 * reps * sizeof *r->rep);
            for (size_t k = 0; k < reps; k++) {
                r->rep[k] = x[k * nm + sp->objective.metric];
                r->rep[reps + k] = x[k * nm + sp->objective.cost_metric];
            }
        }
    }
    t->n_rows = n_points;
    free(order);
    sweep_table_finish(t);
}

/* The tail fraction of a latency percentile metric ("latency_ms.p99" ->
 * 0.01), or 0 when the metric is not one. */
static double tail_fraction(size_t metric)
{
    const char *name = sweep_metric_name(metric);
    const char *pre = "latency_ms.p";
    if (strncmp(name, pre, strlen(pre)) != 0)
        return 0;
    double q = strtod(name + strlen(pre), NULL);
    return q > 0 && q < 100 ? 1.0 - q / 100.0 : 0;
}

/* The fewest requests above the percentile `metric` per replication, over
 * the rows, if fewer than *worst so far. */
struct tail_worst {
    double above, completed;
    size_t metric, point;
};

static void tail_consider(const struct sweep_table *t, size_t metric, size_t completed, struct tail_worst *w)
{
    double f = tail_fraction(metric);
    for (size_t i = 0; f > 0 && i < t->n_rows; i++) {
        double c = t->rows[i].mean[completed];
        if (isfinite(c) && c * f < w->above)
            *w = (struct tail_worst){ .above = c * f, .completed = c, .metric = metric, .point = t->rows[i].point };
    }
}

int sweep_tail_warning(const struct sweep_table *t, char *buf, size_t len)
{
    size_t completed = SWEEP_M_COMPLETED;
    struct tail_worst w = { .above = INFINITY };
    tail_consider(t, t->objective.metric, completed, &w);
    for (size_t i = 0; i < t->objective.n_constraints; i++)
        tail_consider(t, t->objective.constraints[i].metric, completed, &w);
    if (!(w.above < SWEEP_TAIL_MIN))
        return 0;
    snprintf(buf, len, "%s rests on about %.1f request%s above it per replication at point %zu (%.0f "
             "completed): a tail percentile from fewer than %d is biased and noisy; lengthen duration_s "
             "so that about %.0f requests complete", sweep_metric_name(w.metric), w.above,
             w.above == 1.0 ? "" : "s", w.point, w.completed, SWEEP_TAIL_MIN,
             ceil(SWEEP_TAIL_MIN / tail_fraction(w.metric)));
    return 1;
}
