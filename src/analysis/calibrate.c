/* calibrate: Lambda and client logs to a model profile (cold start,
 * SnapStart restore, inference against batch size, overhead, and the
 * CPU-bound fraction across memory sizes), with the fit quality and sample
 * counts recorded in the profile. */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_statistics_double.h>
#include "analysis/calibrate.h"
#include "analysis/fit.h"
#include "formats/jsonout.h"
#include "formats/lambdalog.h"
#include "base/version.h"
#include "base/xalloc.h"

#define LEVEL 0.95
/* The buffer the messages of lambdalog and of one fit were always cut to. */
#define MSG_MAX 1024

/* ---- JSON output ------------------------------------------------------------ */

/* Numbers with 6 significant digits: a profile, not an archive. (jsonout_number, 6 digits) */

static void json_dist(FILE *f, const struct fit_dist *d)
{
    switch (d->family) {
    case FIT_LOGNORMAL:
        fputs("{\"dist\": \"lognormal\", \"median\": ", f);
        jsonout_number(f, exp(d->a), 6);
        fputs(", \"sigma\": ", f);
        jsonout_number(f, d->b, 6);
        break;
    case FIT_GAMMA:
    case FIT_WEIBULL:
        fprintf(f, "{\"dist\": \"%s\", \"shape\": ", fit_family_name(d->family));
        jsonout_number(f, d->a, 6);
        fputs(", \"scale\": ", f);
        jsonout_number(f, d->b, 6);
        break;
    case FIT_FAMILY_COUNT:
        break;
    }
    fputc('}', f);
}

/* ---- one fitted quantity ------------------------------------------------------ */

/* The two-sided 5 % critical value of Kolmogorov's D times sqrt(n), for
 * large n (Kolmogorov's limiting distribution: P(K > 1.3581) = 0.05). */
#define KS_CRITICAL_5 1.3581

/* x[0..n) sorted: kept as its percentiles (what the profile's empirical
 * distribution draws from) with its sample median. */
static void keep_empirical(struct calibrate_fitted *ft, const double *x, size_t n)
{
    ft->empirical = true;
    for (size_t i = 0; i < CALIBRATE_EMPIRICAL_POINTS; i++)
        ft->percentiles[i] = gsl_stats_quantile_from_sorted_data(x, 1, n, (double)i / (CALIBRATE_EMPIRICAL_POINTS - 1));
    ft->median = gsl_stats_median_from_sorted_data(x, 1, n);
}

/* Fits x[0..n) (sorted here). All equal values give a constant. */
static int fit_values(struct calibrate_fitted *ft, const char *what, double *x, size_t n, char *msg, size_t len)
{
    memset(ft, 0, sizeof *ft);
    ft->what = what;
    ft->n = n;
    fit_sort(x, n);
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    ft->mean = s / (double)n;
    ft->median_coverage = fit_median_ci(x, n, LEVEL, &ft->median_lo, &ft->median_hi);
    if (x[0] == x[n - 1]) {
        ft->constant = true;
        ft->value = x[0];
        ft->median = x[0];
        return 0;
    }
    if (x[0] < 0) {
        snprintf(msg, len, "%s: %zu values include %g, but a duration cannot be negative", what, n, x[0]);
        return -1;
    }
    if (x[0] == 0) {
        /* A point mass at 0 (times below the log's resolution) is what
         * was measured: keep it as measured rather than force a positive
         * family onto it. */
        while (ft->n_zero < n && x[ft->n_zero] == 0)
            ft->n_zero++;
        keep_empirical(ft, x, n);
        return 0;
    }
    if (fit_best(x, n, ft->fits, &ft->best) != 0) {
        snprintf(msg, len, "%s: no distribution could be fitted to the %zu values", what, n);
        return -1;
    }
    ft->median = fit_median(&ft->fits[ft->best]);
    /* Kolmogorov's asymptotic 5 % critical value; with parameters fitted
     * to the same values the true one is smaller (Lilliefors), so a family
     * rejected here is rejected at least at 5 %. The simulator then draws
     * what was measured instead of a shape the values do not have. */
    double critical = KS_CRITICAL_5 / sqrt((double)n);
    if (ft->fits[ft->best].ks > critical) {
        ft->ks_critical = critical;
        keep_empirical(ft, x, n);
    }
    return 0;
}

static void print_fitted(FILE *f, const struct calibrate_fitted *ft)
{
    if (ft->constant) {
        fprintf(f, "  %zu values, all %.6g: a constant\n", ft->n, ft->value);
        return;
    }
    if (ft->empirical && ft->n_zero > 0) {
        fprintf(f, "  %zu values, %zu of them 0 (no positive family fits): their empirical distribution, "
                "%d percentiles; median %.6g, 95th percentile %.6g\n", ft->n, ft->n_zero,
                CALIBRATE_EMPIRICAL_POINTS, ft->median, ft->percentiles[95 * (CALIBRATE_EMPIRICAL_POINTS - 1) / 100]);
        return;
    }
    const struct fit_dist *b = &ft->fits[ft->best];
    if (ft->empirical)
        fprintf(f, "  %zu values; best by AIC: %s, but KS D = %.4f > %.4f (5 %% critical value): rejected, their "
                "empirical distribution (%d percentiles) is used\n", ft->n, fit_family_name(b->family), b->ks,
                ft->ks_critical, CALIBRATE_EMPIRICAL_POINTS);
    else
        fprintf(f, "  %zu values; chosen by AIC: %s (KS D = %.4f)\n", ft->n, fit_family_name(b->family), b->ks);
    for (size_t i = 0; i < FIT_FAMILY_COUNT; i++) {
        const struct fit_dist *d = &ft->fits[i];
        if (!d->ok) {
            fprintf(f, "    %-10s fit failed\n", fit_family_name((enum fit_family)i));
            continue;
        }
        fprintf(f, "    %-10s %s %-9.6g %s %-9.6g AIC %-12.2f KS D %.4f%s\n", fit_family_name(d->family),
               d->family == FIT_LOGNORMAL ? "mu   " : "shape", d->a,
               d->family == FIT_LOGNORMAL ? "sigma" : "scale", d->b, d->aic, d->ks,
               i == ft->best && !ft->empirical ? "  <- chosen" : "");
    }
    if (ft->empirical)
        fprintf(f, "  median %.6g (sample); 95%% CI [%.6g, %.6g]\n", ft->median, ft->median_lo, ft->median_hi);
    else if (ft->median_coverage >= LEVEL)
        fprintf(f, "  median %.6g (fitted); sample median 95%% CI [%.6g, %.6g]\n", ft->median, ft->median_lo,
               ft->median_hi);
    else
        fprintf(f, "  median %.6g (fitted); sample median interval [%.6g, %.6g] covers only %.1f %%: %zu values "
               "are too few for 95 %% (6 are needed)\n", ft->median, ft->median_lo, ft->median_hi,
               100 * ft->median_coverage, ft->n);
}

/* What a fitted quantity became, in a phrase. */
static const char *fitted_kind(const struct calibrate_fitted *ft)
{
    if (ft->constant)
        return "a constant";
    if (ft->empirical)
        return "the empirical distribution";
    return fit_family_name(ft->fits[ft->best].family);
}

/* `, "key": [lo, hi]`: an interval of the notes. */
static void json_interval(FILE *f, const char *key, double lo, double hi)
{
    fprintf(f, ", \"%s\": [", key);
    jsonout_number(f, lo, 6);
    fputs(", ", f);
    jsonout_number(f, hi, 6);
    fputc(']', f);
}

static void json_fit_note(FILE *f, const struct calibrate_fitted *ft)
{
    fprintf(f, "{\"samples\": %zu, ", ft->n);
    if (ft->constant) {
        fputs("\"constant\": ", f);
        jsonout_number(f, ft->value, 6);
    } else if (ft->empirical) {
        fprintf(f, "\"family\": \"empirical\", \"zeros\": %zu, ", ft->n_zero);
        if (ft->n_zero == 0) {
            fprintf(f, "\"rejected\": {\"family\": \"%s\", \"ks\": ", fit_family_name(ft->fits[ft->best].family));
            jsonout_number(f, ft->fits[ft->best].ks, 6);
            fputs(", \"ks_critical_5pct\": ", f);
            jsonout_number(f, ft->ks_critical, 6);
            fputs("}, ", f);
        }
        fputs("\"median\": ", f);
        jsonout_number(f, ft->median, 6);
    } else {
        const struct fit_dist *b = &ft->fits[ft->best];
        fprintf(f, "\"family\": \"%s\", \"ks\": ", fit_family_name(b->family));
        jsonout_number(f, b->ks, 6);
        fputs(", \"aic\": {", f);
        bool first = true;
        for (size_t i = 0; i < FIT_FAMILY_COUNT; i++) {
            if (!ft->fits[i].ok)
                continue;
            fprintf(f, "%s\"%s\": ", first ? "" : ", ", fit_family_name((enum fit_family)i));
            jsonout_number(f, ft->fits[i].aic, 6);
            first = false;
        }
        fputs("}, \"median\": ", f);
        jsonout_number(f, ft->median, 6);
    }
    json_interval(f, "median_ci95", ft->median_lo, ft->median_hi);
    fputs(", \"median_ci_coverage\": ", f);
    jsonout_number(f, ft->median_coverage, 6);
    fputs(", \"mean\": ", f);
    jsonout_number(f, ft->mean, 6);
    fputc('}', f);
}

static void json_fit_dist(FILE *f, const struct calibrate_fitted *ft)
{
    if (ft->constant) {
        jsonout_number(f, ft->value, 6);
    } else if (ft->empirical) {
        fputs("{\"dist\": \"empirical\", \"samples\": [", f);
        for (size_t i = 0; i < CALIBRATE_EMPIRICAL_POINTS; i++) {
            if (i > 0)
                fputs(", ", f);
            jsonout_number(f, ft->percentiles[i], 6);
        }
        fputs("]}", f);
    } else {
        json_dist(f, &ft->fits[ft->best]);
    }
}

static void source_text(char *buf, size_t len, const struct calibrate_fitted *ft, const char *values)
{
    if (ft->constant) {
        snprintf(buf, len, "calibrated: %zu %s, all equal (%.6g)", ft->n, values, ft->value);
        return;
    }
    if (ft->empirical && ft->n_zero > 0) {
        snprintf(buf, len, "calibrated: %zu %s, %zu of them 0, which no positive family fits: their %d "
                 "percentiles, drawn uniformly; median %.6g", ft->n, values, ft->n_zero, CALIBRATE_EMPIRICAL_POINTS,
                 ft->median);
        return;
    }
    if (ft->empirical) {
        snprintf(buf, len, "calibrated: %zu %s; the best family by AIC (%s) is rejected by the KS test (D = %.4f > "
                 "%.4f, 5 %%): their %d percentiles, drawn uniformly; median %.6g", ft->n, values,
                 fit_family_name(ft->fits[ft->best].family), ft->fits[ft->best].ks, ft->ks_critical,
                 CALIBRATE_EMPIRICAL_POINTS, ft->median);
        return;
    }
    const struct fit_dist *b = &ft->fits[ft->best];
    int k = snprintf(buf, len, "calibrated: %s maximum-likelihood fit to %zu %s, chosen by AIC (",
                     fit_family_name(b->family), ft->n, values);
    for (size_t i = 0; i < FIT_FAMILY_COUNT && k > 0 && (size_t)k < len; i++) {
        if (ft->fits[i].ok)
            k += snprintf(buf + k, len - (size_t)k, "%s %.1f%s", fit_family_name((enum fit_family)i),
                          ft->fits[i].aic, i + 1 < FIT_FAMILY_COUNT ? ", " : "");
    }
    if (k > 0 && (size_t)k < len && ft->median_coverage >= LEVEL)
        snprintf(buf + k, len - (size_t)k, "); KS D = %.4f; median %.6g, 95%% CI [%.6g, %.6g]", b->ks,
                 ft->median, ft->median_lo, ft->median_hi);
    else if (k > 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, "); KS D = %.4f; median %.6g, interval [%.6g, %.6g] covering only "
                 "%.1f %% (too few values for 95 %%)", b->ks, ft->median, ft->median_lo, ft->median_hi,
                 100 * ft->median_coverage);
}

/* ---- the join of client rows to invocations ---------------------------------- */

static int cmp_inv_ptr(const void *a, const void *b)
{
    const struct lambdalog_invocation *const *x = a, *const *y = b;
    return strcmp((*x)->request_id, (*y)->request_id);
}

static struct lambdalog_invocation *find_inv(struct lambdalog_invocation **by_id, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(by_id[mid]->request_id, id);
        if (c == 0)
            return by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void memory_fit_fini(struct calibrate_memory_fit *mf)
{
    free(mf->mb);
    free(mf->mean_ms);
    free(mf->count);
    memset(mf, 0, sizeof *mf);
}

/* Groups the invocations that count for inference (not pings, timeouts or
 * errors) by Memory Size and fits cpu_bound_fraction through the reference
 * size's mean. Unknown batch sizes count: the means compare like with like
 * only when every size saw the same batch mix. Returns 0, or -1 with the
 * error in msg. */
static int fit_memory(const struct lambdalog *log, const struct calibrate_opts *o, int *ref_mb,
                      struct calibrate_memory_fit *mf, char *msg, size_t len)
{
    memory_fit_fini(mf);
    mf->mb = xmalloc(log->n * sizeof *mf->mb);
    mf->mean_ms = xcalloc(log->n, sizeof *mf->mean_ms);
    mf->count = xcalloc(log->n, sizeof *mf->count);
    for (size_t i = 0; i < log->n; i++) {
        const struct lambdalog_invocation *v = &log->inv[i];
        int b = v->batch_size < 0 && o->batch_size > 0 ? o->batch_size : v->batch_size;
        if (b == 0 || v->timed_out || v->errored)
            continue;
        size_t k = 0;
        while (k < mf->n_sizes && mf->mb[k] != v->memory_mb)
            k++;
        if (k == mf->n_sizes)
            mf->mb[mf->n_sizes++] = v->memory_mb;
        mf->mean_ms[k] += v->duration_ms;
        mf->count[k]++;
        mf->n_inv++;
    }
    /* Ascending memory, for the report. */
    for (size_t i = 1; i < mf->n_sizes; i++) {
        for (size_t j = i; j > 0 && mf->mb[j - 1] > mf->mb[j]; j--) {
            double tm = mf->mb[j], ts = mf->mean_ms[j];
            size_t tc = mf->count[j];
            mf->mb[j] = mf->mb[j - 1];
            mf->mean_ms[j] = mf->mean_ms[j - 1];
            mf->count[j] = mf->count[j - 1];
            mf->mb[j - 1] = tm;
            mf->mean_ms[j - 1] = ts;
            mf->count[j - 1] = tc;
        }
    }
    bool have_ref = false;
    for (size_t k = 0; k < mf->n_sizes; k++) {
        if (mf->count[k] < CALIBRATE_MIN_PER_MEMORY_SIZE) {
            snprintf(msg, len, "--fit-memory: only %zu invocation%s at %g MB; each memory size needs at least %d "
                      "(timeouts, errors and pings excluded)", mf->count[k], mf->count[k] == 1 ? "" : "s",
                      mf->mb[k], CALIBRATE_MIN_PER_MEMORY_SIZE);
            return -1;
        }
        mf->mean_ms[k] /= (double)mf->count[k];
        have_ref |= o->memory_mb != 0 && mf->mb[k] == o->memory_mb;
    }
    if (mf->n_sizes < 2) {
        snprintf(msg, len, "--fit-memory: the logs have one memory size (%d MB, first at %s:%zu); the fit needs "
                  "invocations at two or more", log->inv[0].memory_mb, log->inv[0].file, log->inv[0].line);
        return -1;
    }
    if (o->memory_mb != 0 && !have_ref) {
        snprintf(msg, len, "--memory-mb %d: no invocation has that Memory Size (the logs have %g to %g MB)", o->memory_mb,
                  mf->mb[0], mf->mb[mf->n_sizes - 1]);
        return -1;
    }
    *ref_mb = o->memory_mb != 0 ? o->memory_mb : (int)mf->mb[mf->n_sizes - 1];
    if (fit_amdahl(mf->mb, mf->mean_ms, mf->n_sizes, *ref_mb, &mf->fit) != 0) {
        snprintf(msg, len, "--fit-memory: every memory size of the logs (%g to %g MB) has a whole vCPU or more "
                  "(1769 MB): the CPU share does not vary, there is nothing to fit", mf->mb[0],
                  mf->mb[mf->n_sizes - 1]);
        return -1;
    }
    return 0;
}

static void print_memory_fit(FILE *f, const struct calibrate_memory_fit *mf)
{
    const struct fit_amdahl *fa = &mf->fit;
    fprintf(f, "\ncpu_bound_fraction (mean Duration against Memory Size, Amdahl), %zu invocations at %zu sizes:\n",
           mf->n_inv, mf->n_sizes);
    fprintf(f, "  t(m) = t(%g MB) x ((1 - f) + f x share(%g MB) / share(m)), share(m) = min(m, 1769) / 1769\n",
           fa->ref_mb, fa->ref_mb);
    fprintf(f, "  f = %.4g%s; R^2 %.4f, largest residual %.1f %%\n", fa->fraction,
           fa->clamped ? " (clamped: the unconstrained fit is outside 0..1)" : "", fa->r2,
           100 * fa->max_abs_resid);
    fprintf(f, "  %8s %6s %12s %12s %9s\n", "MB", "n", "mean ms", "fitted ms", "residual");
    for (size_t k = 0; k < mf->n_sizes; k++) {
        double p = fit_amdahl_predict(fa, mf->mb[k]);
        fprintf(f, "  %8g %6zu %12.6g %12.6g %+8.1f%%%s\n", mf->mb[k], mf->count[k], mf->mean_ms[k], p,
               100 * (p / mf->mean_ms[k] - 1), mf->mb[k] == fa->ref_mb ? "  (reference)" : "");
    }
    if (mf->n_sizes == 2)
        fprintf(f, "  note: two memory sizes determine the curve exactly; a third would test it\n");
}

/* ---- reading ------------------------------------------------------------------- */

enum calibrate_status calibrate_read(const struct calibrate_opts *o, struct calibrate_result *out, char *msg,
                                     size_t len)
{
    memset(out, 0, sizeof *out);
    lambdalog_init(&out->log);
    lambdalog_client_init(&out->cl);
    out->skipped = xcalloc(o->n_logs + 1, sizeof *out->skipped);
    char why[MSG_MAX];
    size_t n_empty = 0;
    for (size_t i = 0; i < o->n_logs; i++) {
        int r;
        if (lambdalog_is_client_log(o->logs[i])) {
            r = lambdalog_client_read(&out->cl, o->logs[i], why, sizeof why);
        } else {
            r = lambdalog_read(&out->log, o->logs[i], why, sizeof why);
            /* One log among several without REPORT lines (an extension's
             * or another function's stream) is skipped, with a warning. */
            if (r == LAMBDALOG_NO_REPORTS) {
                if (o->n_logs > 1) {
                    out->skipped[out->n_skipped++] = xstrdup(why);
                } else {
                    snprintf(msg, len, "%s", why);
                    return CALIBRATE_BAD_INPUT;
                }
                n_empty++;
                continue;
            }
            out->n_lambda_files++;
        }
        if (r != 0) {
            snprintf(msg, len, "%s", why);
            return CALIBRATE_BAD_INPUT;
        }
    }
    if (n_empty > 0 && out->n_lambda_files == 0) {
        snprintf(msg, len, "none of the %zu Lambda logs has a REPORT line or platform.report record", n_empty);
        return CALIBRATE_BAD_INPUT;
    }
    return CALIBRATE_OK;
}

/* ---- fitting ------------------------------------------------------------------- */

/* Joins the client rows to the invocations by RequestId: batch sizes, and
 * the round trip of each invocation (invoke_ms[k], NAN without one, from
 * the row invoke_row[k]). Returns 0, or -1 with the error in msg. */
static int join_client(struct calibrate_result *r, double *invoke_ms, const struct lambdalog_request **invoke_row,
                       char *msg, size_t len)
{
    struct lambdalog *log = &r->log;
    const struct lambdalog_client *cl = &r->cl;
    struct lambdalog_invocation **by_id = xmalloc(log->n * sizeof *by_id);
    for (size_t i = 0; i < log->n; i++)
        by_id[i] = &log->inv[i];
    qsort(by_id, log->n, sizeof *by_id, cmp_inv_ptr);
    int *rows_per_inv = xcalloc(log->n, sizeof *rows_per_inv);
    int rc = -1;
    const struct lambdalog_request *first_unmatched = NULL;
    r->joined = r->unmatched = 0;
    for (size_t i = 0; i < log->n; i++)
        invoke_ms[i] = NAN;
    for (size_t i = 0; i < cl->n; i++) {
        const struct lambdalog_request *q = &cl->req[i];
        if (q->request_id[0] == '\0')
            continue;
        struct lambdalog_invocation *inv = find_inv(by_id, log->n, q->request_id);
        if (inv == NULL) {
            if (first_unmatched == NULL)
                first_unmatched = q;
            r->unmatched++;
            continue;
        }
        r->joined++;
        size_t k = (size_t)(inv - log->inv);
        rows_per_inv[k]++;
        if (q->batch_size > 0) {
            if (inv->batch_size > 0 && inv->batch_size != q->batch_size) {
                snprintf(msg, len, "%s:%zu: batch_size %d, but the Lambda log says %d for RequestId %s (%s:%zu)",
                         q->file, q->line, q->batch_size, inv->batch_size, inv->request_id, inv->file,
                         inv->line);
                goto out;
            }
            inv->batch_size = q->batch_size;
        }
        double rt = isfinite(q->invoke_ms) ? q->invoke_ms
                    : (q->batch_size == 1 && q->ok) ? q->latency_ms : (double)NAN;
        if (isfinite(rt) && !isfinite(invoke_ms[k])) {
            invoke_ms[k] = rt;
            invoke_row[k] = q;
        }
    }
    /* A client log with request ids but no batch_size column: the rows that
     * name an invocation are its requests. */
    if (cl->n > 0 && !cl->has_batch_size && cl->has_request_id) {
        for (size_t k = 0; k < log->n; k++) {
            if (log->inv[k].batch_size < 0 && rows_per_inv[k] > 0)
                log->inv[k].batch_size = rows_per_inv[k];
        }
    }
    if (cl->n > 0 && r->joined == 0) {
        if (first_unmatched != NULL)
            snprintf(msg, len, "%s:%zu: no request_id of the client log matches a REPORT line (%zu rows); "
                     "overheads need the join", first_unmatched->file, first_unmatched->line, cl->n);
        else
            snprintf(msg, len, "%s: the client log has no request_id column (or it is empty): overheads need "
                     "request_id to join its rows to the REPORT lines", cl->files[0]);
        goto out;
    }
    rc = 0;
out:
    free(rows_per_inv);
    free(by_id);
    return rc;
}

/* SnapStart restores (Restore Duration): cold starts of their own kind,
 * fitted apart. A SnapStart function's REPORT lines have no Init Duration
 * (its init ran when the version was published). vals has room for every
 * invocation. */
static int fit_restores(const struct calibrate_opts *o, struct calibrate_result *r, double *vals, char *msg,
                        size_t len)
{
    const struct lambdalog *log = &r->log;
    size_t nv = 0;
    const struct lambdalog_invocation *first_restore = NULL;
    for (size_t i = 0; i < log->n; i++) {
        if (isfinite(log->inv[i].restore_ms) && !log->inv[i].timed_out && !log->inv[i].errored) {
            vals[nv++] = log->inv[i].restore_ms;
            if (first_restore == NULL)
                first_restore = &log->inv[i];
        }
    }
    r->n_restores = nv;
    if (r->n_restores > 0 && r->n_restores < o->min_samples) {
        snprintf(msg, len, "too few SnapStart restores: %zu REPORT lines with Restore Duration (first at %s:%zu); "
                 "need at least %zu (--min-samples)", r->n_restores, first_restore->file, first_restore->line,
                 o->min_samples);
        return -1;
    }
    char why[MSG_MAX];
    if (r->n_restores > 0 && fit_values(&r->restore, "restore_ms", vals, r->n_restores, why, sizeof why) != 0) {
        snprintf(msg, len, "%s", why);
        return -1;
    }
    return 0;
}

/* Cold starts: every Init Duration (pings too: they are cold starts). */
static int fit_cold(const struct calibrate_opts *o, struct calibrate_result *r, double *vals, char *msg,
                    size_t len)
{
    const struct lambdalog *log = &r->log;
    size_t nv = 0, n_cold_failed = 0;
    const struct lambdalog_invocation *first_cold = NULL, *first_cold_failed = NULL;
    for (size_t i = 0; i < log->n; i++) {
        if (!isfinite(log->inv[i].init_ms))
            continue;
        /* A failed invocation's init may have been cut short: not a sample. */
        if (log->inv[i].timed_out || log->inv[i].errored) {
            if (n_cold_failed++ == 0)
                first_cold_failed = &log->inv[i];
            continue;
        }
        vals[nv++] = log->inv[i].init_ms;
        if (first_cold == NULL)
            first_cold = &log->inv[i];
    }
    r->have_cold = !(nv == 0 && r->n_restores > 0);
    if (r->have_cold && nv < o->min_samples) {
        /* Say why a cold start that is in the log does not count. */
        char failed[256] = "";
        if (n_cold_failed > 0)
            snprintf(failed, sizeof failed, "; %zu with an Init Duration left out because the invocation timed "
                     "out or failed (first at %s:%zu)", n_cold_failed, first_cold_failed->file,
                     first_cold_failed->line);
        if (nv == 0)
            snprintf(msg, len, "too few cold starts: no usable REPORT line with an Init Duration (%zu invocations, "
                     "first at %s:%zu%s); need at least %zu (--min-samples)", log->n, log->inv[0].file,
                     log->inv[0].line, failed, o->min_samples);
        else
            snprintf(msg, len, "too few cold starts: %zu REPORT lines with Init Duration (first at %s:%zu%s); need "
                     "at least %zu (--min-samples)", nv, first_cold->file, first_cold->line, failed,
                     o->min_samples);
        return -1;
    }
    char why[MSG_MAX];
    if (r->have_cold && fit_values(&r->cold, "cold_start_ms", vals, nv, why, sizeof why) != 0) {
        snprintf(msg, len, "%s", why);
        return -1;
    }
    return 0;
}

/* The regression (or one-size fit) of ys on xs, n values, into inf (whose
 * n, min_size and max_size are set). ys is changed. */
static int fit_durations(struct calibrate_inference *inf, double *xs, double *ys, char *msg, size_t len)
{
    char why[MSG_MAX];
    inf->regression = inf->min_size != inf->max_size;
    if (inf->regression) {
        if (fit_linear(xs, ys, inf->n, LEVEL, &inf->line) != 0) {
            snprintf(msg, len, "inference_ms: the regression of Duration on batch size failed");
            return -1;
        }
        inf->per_item_ms = inf->line.c1;
        if (inf->per_item_ms < 0) {
            inf->per_item_ms = 0;
            inf->per_item_clamped = true;
        }
        /* The base's distribution: what is left after the per-item part. */
        bool positive = true;
        for (size_t i = 0; i < inf->n; i++) {
            ys[i] -= inf->per_item_ms * xs[i];
            positive &= ys[i] > 0;
        }
        if (positive) {
            if (fit_values(&inf->base, "inference_ms.base", ys, inf->n, why, sizeof why) != 0)
                positive = false;
        }
        inf->base_normal = !positive;
    } else {
        if (fit_values(&inf->base, "inference_ms", ys, inf->n, why, sizeof why) != 0) {
            snprintf(msg, len, "%s", why);
            return -1;
        }
    }
    return 0;
}

/* The warm fit's mean Duration for a batch of b; NAN outside the sizes it
 * saw (one size: that size only). */
static double warm_mean_ms(const struct calibrate_inference *inf, int b)
{
    if (b < inf->min_size || b > inf->max_size)
        return (double)NAN;
    if (!inf->regression)
        return inf->base.constant ? inf->base.value : inf->base.mean;
    return inf->line.c0 + inf->line.c1 * b;
}

struct ranked {
    double v;
    bool cold;
};

static int cmp_ranked(const void *a, const void *b)
{
    double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;
    return (x > y) - (x < y);
}

/* The Wilcoxon-Mann-Whitney statistic of the cold values against the warm
 * ones in r[0..n) (sorted here), as a z score (normal approximation, ties
 * given their mean rank; the tie correction of the variance is left out,
 * which only makes z smaller). Positive: the cold values rank higher. */
static double rank_sum_z(struct ranked *r, size_t n, size_t n_cold)
{
    qsort(r, n, sizeof *r, cmp_ranked);
    double rank_sum = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && r[j].v == r[i].v)
            j++;
        double mean_rank = (double)(i + 1 + j) / 2.0; /* ranks i+1 .. j */
        for (size_t k = i; k < j; k++)
            rank_sum += r[k].cold ? mean_rank : 0;
        i = j;
    }
    double nc = (double)n_cold, nw = (double)(n - n_cold);
    double u = rank_sum - nc * (nc + 1) / 2;
    return (u - nc * nw / 2) / sqrt(nc * nw * (nc + nw + 1) / 12);
}

/* The first invocations' excess over the warm fit (see calibrate.h): xs,
 * ys the n invocations as read, cold[0..nc) the indices of the cold ones
 * (ascending). */
static void fit_first(const struct calibrate_opts *o, struct calibrate_inference *inf, const double *xs,
                      const double *ys, size_t n, const size_t *cold, size_t nc)
{
    struct ranked *r = xmalloc(n * sizeof *r);
    double *ex = xmalloc((nc > 0 ? nc : 1) * sizeof *ex);
    size_t nr = 0, ne = 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        bool is_cold = k < nc && cold[k] == i;
        k += is_cold;
        double want = warm_mean_ms(inf, (int)xs[i]);
        if (!isfinite(want))
            continue;
        r[nr++] = (struct ranked){ .v = ys[i] - want, .cold = is_cold };
        if (is_cold)
            ex[ne++] = ys[i] - want;
    }
    if (ne >= o->min_samples && ne >= 2 && nr - ne >= 2) {
        inf->n_first = ne;
        inf->first_mean_ms = gsl_stats_mean(ex, 1, ne);
        inf->first_sd_ms = gsl_stats_sd_m(ex, 1, ne, inf->first_mean_ms);
        inf->first_z = rank_sum_z(r, nr, ne);
        if (inf->first_z > CALIBRATE_FIRST_Z && inf->first_mean_ms > 0) {
            for (size_t k = 0; k < ne; k++)
                ex[k] = ex[k] > 0 ? ex[k] : 0;
            char why[MSG_MAX];
            inf->first = fit_values(&inf->first_fit, "first_invocation_ms", ex, ne, why, sizeof why) == 0;
        }
    }
    free(ex);
    free(r);
}

/* Inference against batch size. xs and ys have room for every invocation. */
static int fit_inference(const struct calibrate_opts *o, struct calibrate_result *r, double *xs, double *ys,
                         char *msg, size_t len)
{
    const struct lambdalog *log = &r->log;
    struct calibrate_inference *inf = &r->inf;
    memset(inf, 0, sizeof *inf);
    const struct lambdalog_invocation *first_unknown = NULL;
    size_t *cold = xmalloc((log->n > 0 ? log->n : 1) * sizeof *cold), nc = 0;
    for (size_t i = 0; i < log->n; i++) {
        const struct lambdalog_invocation *v = &log->inv[i];
        int b = v->batch_size;
        if (b < 0 && o->batch_size > 0)
            b = o->batch_size;
        if (b == 0) {
            inf->pings++;
        } else if (v->timed_out) {
            inf->timed_out++;
        } else if (v->errored) {
            inf->errored++;
        } else if (b < 0) {
            if (first_unknown == NULL)
                first_unknown = v;
            inf->unknown++;
        } else {
            if (inf->n == 0 || b < inf->min_size)
                inf->min_size = b;
            if (inf->n == 0 || b > inf->max_size)
                inf->max_size = b;
            if (isfinite(v->init_ms) || isfinite(v->restore_ms))
                cold[nc++] = inf->n;
            xs[inf->n] = b;
            ys[inf->n] = v->duration_ms;
            inf->n++;
        }
    }
    if (inf->n == 0 && first_unknown != NULL) { /* that is, inf->unknown > 0 */
        snprintf(msg, len, "batch size unknown for all %zu invocations (first at %s:%zu): log a line "
                 "batch_size=N in the function, give a client log with request_id and batch_size, "
                 "or say --batch-size N", inf->unknown, first_unknown->file, first_unknown->line);
        free(cold);
        return -1;
    }
    if (inf->n < o->min_samples) {
        snprintf(msg, len, "too few invocations with a known batch size: %zu (of %zu; %zu pings, %zu timed out, "
                 "%zu errored, %zu unknown); need at least %zu (--min-samples)", inf->n, log->n, inf->pings,
                 inf->timed_out, inf->errored, inf->unknown, o->min_samples);
        free(cold);
        return -1;
    }
    int rc;
    if (nc >= o->min_samples && inf->n - nc >= o->min_samples) {
        /* The warm invocations alone, then the cold ones against them. */
        struct calibrate_inference warm = *inf;
        double *wx = xmalloc(inf->n * sizeof *wx), *wy = xmalloc(inf->n * sizeof *wy);
        warm.n = 0;
        bool set = false;
        for (size_t i = 0, k = 0; i < inf->n; i++) {
            if (k < nc && cold[k] == i) {
                k++;
                continue;
            }
            wx[warm.n] = xs[i];
            wy[warm.n] = ys[i];
            warm.min_size = !set || (int)xs[i] < warm.min_size ? (int)xs[i] : warm.min_size;
            warm.max_size = !set || (int)xs[i] > warm.max_size ? (int)xs[i] : warm.max_size;
            set = true;
            warm.n++;
        }
        rc = fit_durations(&warm, wx, wy, msg, len);
        if (rc == 0) {
            fit_first(o, &warm, xs, ys, inf->n, cold, nc);
            if (warm.first) {
                *inf = warm;
            } else {
                size_t tried = warm.n_first;
                double m = warm.first_mean_ms, sd = warm.first_sd_ms, z = warm.first_z;
                rc = fit_durations(inf, xs, ys, msg, len);
                inf->n_first = tried;
                inf->first_mean_ms = m;
                inf->first_sd_ms = sd;
                inf->first_z = z;
            }
        }
        free(wx);
        free(wy);
    } else {
        rc = fit_durations(inf, xs, ys, msg, len);
    }
    free(cold);
    return rc;
}

/* Overhead: the client's round trip minus what the function spent, on warm
 * invocations (a cold one also waits for placement that Init Duration does
 * not cover: its excess is reported, not fitted). vals has room for every
 * invocation. */
static int fit_overhead(const struct calibrate_opts *o, struct calibrate_result *r, const double *invoke_ms,
                        const struct lambdalog_request *const *invoke_row, double *vals, char *msg, size_t len)
{
    const struct lambdalog *log = &r->log;
    size_t nv = 0;
    r->n_cold_rt = 0;
    r->cold_excess_ms = 0;
    for (size_t k = 0; k < log->n; k++) {
        if (!isfinite(invoke_ms[k]) || log->inv[k].timed_out || log->inv[k].errored)
            continue;
        const struct lambdalog_invocation *v = &log->inv[k];
        double cold_ms = isfinite(v->init_ms) ? v->init_ms : isfinite(v->restore_ms) ? v->restore_ms : (double)NAN;
        double spent = v->duration_ms + (isfinite(cold_ms) ? cold_ms : 0);
        double ov = invoke_ms[k] - spent;
        /* The log prints to 0.01 ms: allow that much. */
        if (ov < -0.02) {
            snprintf(msg, len, "%s:%zu: the client's round trip (%.3f ms) is shorter than Duration + Init Duration "
                     "(%.3f ms) of RequestId %s (%s:%zu): a wrong request_id, or invoke_ms not in ms?",
                     invoke_row[k]->file, invoke_row[k]->line, invoke_ms[k], spent, v->request_id, v->file,
                     v->line);
            return -1;
        }
        if (ov < 0)
            ov = 0;
        if (isfinite(cold_ms)) {
            r->cold_excess_ms += ov;
            r->n_cold_rt++;
        } else {
            vals[nv++] = ov;
        }
    }
    if (r->cl.n > 0) {
        if (nv < o->min_samples) {
            snprintf(msg, len, "too few overheads: %zu warm invocations have a client round trip (invoke_ms, or "
                     "latency_ms of a batch of 1) joined by request_id; need at least %zu (--min-samples)", nv,
                     o->min_samples);
            return -1;
        }
        char why[MSG_MAX];
        if (fit_values(&r->overhead, "overhead_ms", vals, nv, why, sizeof why) != 0) {
            /* No family fits (negative values cannot occur here). */
            snprintf(msg, len, "%s", why);
            return -1;
        }
        r->have_overhead = true;
    }
    return 0;
}

enum calibrate_status calibrate_fit(const struct calibrate_opts *o, struct calibrate_result *r, char *msg,
                                    size_t len)
{
    assert(o->min_samples >= 3);
    struct lambdalog *log = &r->log;
    enum calibrate_status st = CALIBRATE_BAD_INPUT;
    double *xs = NULL, *ys = NULL, *vals = NULL, *invoke_ms = NULL;
    const struct lambdalog_request **invoke_row = NULL;
    if (r->n_lambda_files == 0) {
        snprintf(msg, len, "no Lambda log among the inputs (only client logs): cold-start and inference times "
                 "come from REPORT lines");
        goto out;
    }
    if (o->fit_memory) {
        int ref_mb = 0;
        r->memory_fitted = true;
        if (fit_memory(log, o, &ref_mb, &r->mf, msg, len) != 0)
            goto out;
        /* Everything else is fitted at the reference memory only. */
        lambdalog_keep_memory(log, ref_mb);
    } else if (o->memory_mb != 0) {
        int seen = log->inv[0].memory_mb;
        if (lambdalog_keep_memory(log, o->memory_mb) == 0) {
            snprintf(msg, len, "--memory-mb %d: no invocation has that Memory Size (the logs have %d MB, first "
                     "at %s:%zu)", o->memory_mb, seen, log->inv[0].file, log->inv[0].line);
            goto out;
        }
    }
    char why[MSG_MAX];
    if (lambdalog_check(log, why, sizeof why) != 0) {
        snprintf(msg, len, "%s", why);
        goto out;
    }
    invoke_ms = xmalloc(log->n * sizeof *invoke_ms);
    invoke_row = xcalloc(log->n, sizeof *invoke_row);
    vals = xmalloc(log->n * sizeof *vals);
    xs = xmalloc(log->n * sizeof *xs);
    ys = xmalloc(log->n * sizeof *ys);
    if (join_client(r, invoke_ms, invoke_row, msg, len) != 0 || fit_restores(o, r, vals, msg, len) != 0 ||
        fit_cold(o, r, vals, msg, len) != 0 || fit_inference(o, r, xs, ys, msg, len) != 0 ||
        fit_overhead(o, r, invoke_ms, invoke_row, vals, msg, len) != 0)
        goto out;
    st = CALIBRATE_OK;
out:
    free(xs);
    free(ys);
    free(vals);
    free(invoke_ms);
    free(invoke_row);
    return st;
}

enum calibrate_status calibrate_run(const struct calibrate_opts *o, struct calibrate_result *out, char *msg,
                                    size_t len)
{
    enum calibrate_status st = calibrate_read(o, out, msg, len);
    return st != CALIBRATE_OK ? st : calibrate_fit(o, out, msg, len);
}

void calibrate_result_fini(struct calibrate_result *r)
{
    memory_fit_fini(&r->mf);
    for (size_t i = 0; i < r->n_skipped; i++)
        free(r->skipped[i]);
    free(r->skipped);
    r->skipped = NULL;
    r->n_skipped = 0;
    lambdalog_fini(&r->log);
    lambdalog_client_fini(&r->cl);
}

/* ---- the report ---------------------------------------------------------------- */

void calibrate_print_summary(FILE *f, const struct calibrate_opts *o, const struct calibrate_result *r)
{
    (void)o;
    const struct lambdalog *log = &r->log;
    const struct calibrate_inference *inf = &r->inf;
    fprintf(f, "calibrate: %zu invocations from %zu Lambda log%s, Memory Size %d MB", log->n, r->n_lambda_files,
            r->n_lambda_files == 1 ? "" : "s", log->inv[0].memory_mb);
    if (r->cl.n > 0)
        fprintf(f, "; %zu client requests (%zu joined by request_id%s)", r->cl.n, r->joined,
                r->unmatched > 0 ? ", some unmatched" : "");
    if (r->have_cold) {
        fprintf(f, "\n\ncold_start_ms (Init Duration):\n");
        print_fitted(f, &r->cold);
    } else {
        fprintf(f, "\n\ncold_start_ms: not in the logs (a SnapStart function: its init ran when the version was "
                "published); the profile is for function.snapstart true\n");
    }
    if (r->n_restores > 0) {
        fprintf(f, "\nrestore_ms (Restore Duration, SnapStart), %zu restores:\n", r->n_restores);
        print_fitted(f, &r->restore);
    }
    if (log->timeouts_unattributed > 0)
        fprintf(f, "note: %zu 'Task timed out' line%s name%s no RequestId of the logs (cut off before START and "
                "after REPORT): counted here, pinned on no invocation\n", log->timeouts_unattributed,
                log->timeouts_unattributed == 1 ? "" : "s", log->timeouts_unattributed == 1 ? "s" : "");
    fprintf(f, "\ninference_ms (Duration) against batch size, %zu invocations (excluded: %zu pings, %zu timed "
            "out, %zu errored, %zu unknown batch size):\n", inf->n, inf->pings, inf->timed_out, inf->errored,
            inf->unknown);
    if (inf->regression) {
        fprintf(f, "  Duration = %.6g + %.6g x batch_size ms (batch sizes %d..%d, R^2 %.3f, residual sd %.4g "
                "ms)\n", inf->line.c0, inf->line.c1, inf->min_size, inf->max_size, inf->line.r2,
                inf->line.sd_resid);
        fprintf(f, "  base 95%% CI [%.6g, %.6g]; per item 95%% CI [%.6g, %.6g]\n",
                inf->line.c0 - inf->line.c0_half, inf->line.c0 + inf->line.c0_half,
                inf->line.c1 - inf->line.c1_half, inf->line.c1 + inf->line.c1_half);
        if (inf->per_item_clamped)
            fprintf(f, "  note: the per-item slope is negative; per_item_ms is written as 0\n");
        if (inf->base_normal)
            fprintf(f, "  base: truncated normal (mean %.6g, sd %.6g): some Duration - per_item x n <= 0\n",
                    inf->line.c0, inf->line.sd_resid);
        else {
            fprintf(f, "  base (Duration - per_item_ms x batch_size):\n");
            print_fitted(f, &inf->base);
        }
    } else {
        fprintf(f, "  every batch held %d request%s: a table entry for that size only\n", inf->min_size,
                inf->min_size == 1 ? "" : "s");
        print_fitted(f, &inf->base);
    }
    if (inf->n_first > 0) {
        fprintf(f, "\nfirst_invocation_ms (Duration of a cold invocation - the warm fit at its batch size), %zu "
                "invocations: mean %.4g ms, sd %.4g ms; rank-sum z against the warm ones %.3g\n", inf->n_first,
                inf->first_mean_ms, inf->first_sd_ms, inf->first_z);
        if (inf->first) {
            fprintf(f, "  an instance's first invocation is slower (z > %.2f): the fit above is of the warm "
                    "invocations, and this excess (negative values as 0) is first_invocation_ms:\n",
                    CALIBRATE_FIRST_Z);
            print_fitted(f, &inf->first_fit);
        } else {
            fprintf(f, "  not significantly slower (z <= %.2f): the cold invocations are fitted with the warm "
                    "ones, and the profile has no first_invocation_ms\n", CALIBRATE_FIRST_Z);
        }
    }
    if (r->memory_fitted)
        print_memory_fit(f, &r->mf);
    fprintf(f, "\noverhead_ms (client round trip - Duration - Init Duration):\n");
    if (r->have_overhead) {
        print_fitted(f, &r->overhead);
        if (r->n_cold_rt > 0)
            fprintf(f, "  cold invocations: %zu, mean round trip - Init Duration - Duration %.6g ms (more "
                    "than the warm mean is platform time outside Init Duration; not in the profile)\n",
                    r->n_cold_rt, r->cold_excess_ms / (double)r->n_cold_rt);
    } else {
        fprintf(f, "  not measured (no client log): written as 0\n");
    }
}

/* ---- the profile ---------------------------------------------------------------- */

void calibrate_write_profile(FILE *f, const char *name, const struct calibrate_opts *o,
                             const struct calibrate_result *r)
{
    const struct lambdalog *log = &r->log;
    const struct calibrate_inference *inf = &r->inf;
    const struct calibrate_memory_fit *mf = &r->mf;
    char src[1024];
    fputs("{\n  \"name\": ", f);
    jsonout_string(f, name);
    fprintf(f, ",\n  \"description\": \"Calibrated by lambdasim calibrate %s from %zu invocations",
            LAMBDASIM_VERSION, log->n);
    if (r->cl.n > 0)
        fprintf(f, " and %zu client requests", r->cl.n);
    if (r->memory_fitted)
        fprintf(f, " at %d MB; cpu_bound_fraction from %zu invocations at %zu memory sizes", log->inv[0].memory_mb,
                mf->n_inv, mf->n_sizes);
    fprintf(f, ".\",\n  \"memory_mb\": %d", log->inv[0].memory_mb);
    if (r->memory_fitted) {
        fputs(",\n  \"cpu_bound_fraction\": ", f);
        jsonout_number(f, mf->fit.fraction, 6);
    }
    if (r->have_cold) {
        fputs(",\n  \"cold_start_ms\": ", f);
        json_fit_dist(f, &r->cold);
    }
    if (r->n_restores > 0) {
        fputs(",\n  \"restore_ms\": ", f);
        json_fit_dist(f, &r->restore);
    }
    fputs(",\n  \"overhead_ms\": ", f);
    if (r->have_overhead)
        json_fit_dist(f, &r->overhead);
    else
        fputs("0", f);
    fputs(",\n  \"inference_ms\": {", f);
    if (inf->regression) {
        fputs("\"base\": ", f);
        if (inf->base_normal) {
            fputs("{\"dist\": \"normal\", \"mean\": ", f);
            jsonout_number(f, inf->line.c0 > 0 ? inf->line.c0 : 0, 6);
            fputs(", \"sd\": ", f);
            jsonout_number(f, inf->line.sd_resid, 6);
            fputc('}', f);
        } else {
            json_fit_dist(f, &inf->base);
        }
        fputs(", \"per_item_ms\": ", f);
        jsonout_number(f, inf->per_item_ms, 6);
    } else {
        fprintf(f, "\"by_batch_size\": {\"%d\": ", inf->min_size);
        json_fit_dist(f, &inf->base);
        fputc('}', f);
    }
    fputc('}', f);
    if (inf->first) {
        fputs(",\n  \"first_invocation_ms\": ", f);
        json_fit_dist(f, &inf->first_fit);
    }
    fputs(",\n  \"sources\": {\n    \"memory_mb\": \"measured: Memory Size of the REPORT lines\"", f);
    if (r->memory_fitted) {
        fputs(",\n    \"cpu_bound_fraction\": ", f);
        snprintf(src, sizeof src, "calibrated: weighted least squares (relative errors) of the mean Duration at "
                 "%zu memory sizes (%g to %g MB, %zu invocations) against t(m) = t(%g MB) ((1 - f) + f "
                 "share(%g MB) / share(m)), share(m) = min(m, 1769) / 1769; R^2 %.4f, largest residual "
                 "%.1f %%%s; applies to inference_ms only", mf->n_sizes, mf->mb[0], mf->mb[mf->n_sizes - 1],
                 mf->n_inv, mf->fit.ref_mb, mf->fit.ref_mb, mf->fit.r2, 100 * mf->fit.max_abs_resid,
                 mf->fit.clamped ? "; clamped to 0..1" : "");
        jsonout_string(f, src);
    }
    if (r->have_cold) {
        fputs(",\n    \"cold_start_ms\": ", f);
        source_text(src, sizeof src, &r->cold, "Init Duration values");
        jsonout_string(f, src);
    }
    if (r->n_restores > 0) {
        fputs(",\n    \"restore_ms\": ", f);
        source_text(src, sizeof src, &r->restore, "Restore Duration values (SnapStart)");
        jsonout_string(f, src);
    }
    fputs(",\n    \"inference_ms\": ", f);
    if (inf->regression)
        snprintf(src, sizeof src, "calibrated: least-squares Duration = base + per_item_ms x batch size over %zu "
                 "invocations (batch sizes %d..%d, R^2 %.3f); per_item_ms %.6g, 95%% CI [%.6g, %.6g]; base "
                 "%s of the residual Duration - per_item_ms x n", inf->n, inf->min_size, inf->max_size,
                 inf->line.r2, inf->line.c1, inf->line.c1 - inf->line.c1_half, inf->line.c1 + inf->line.c1_half,
                 inf->base_normal ? "a truncated normal" : fitted_kind(&inf->base));
    else
        source_text(src, sizeof src, &inf->base, "Duration values (all one batch size)");
    jsonout_string(f, src);
    if (inf->first) {
        fputs(",\n    \"first_invocation_ms\": ", f);
        source_text(src, sizeof src, &inf->first_fit, "cold invocations' Duration minus the warm fit at their "
                    "batch size (negative as 0)");
        jsonout_string(f, src);
    }
    fputs(",\n    \"overhead_ms\": ", f);
    if (r->have_overhead)
        source_text(src, sizeof src, &r->overhead, "client round trips minus Duration, warm invocations");
    else
        snprintf(src, sizeof src, "not measured: no client log was given (0 assumed)");
    jsonout_string(f, src);
    fputs("\n  },\n  \"notes\": {\"calibration\": {\n    \"inputs\": [", f);
    for (size_t i = 0; i < o->n_logs; i++) {
        fputs(i > 0 ? ", " : "", f);
        jsonout_string(f, o->logs[i]);
    }
    fprintf(f, "],\n    \"timeouts_unattributed\": %zu", log->timeouts_unattributed);
    if (r->memory_fitted) {
        fprintf(f, ",\n    \"cpu_bound_fraction\": {\"reference_mb\": %g, \"fraction\": ", mf->fit.ref_mb);
        jsonout_number(f, mf->fit.fraction, 6);
        fputs(", \"unconstrained\": ", f);
        jsonout_number(f, mf->fit.fraction_raw, 6);
        fputs(", \"r2\": ", f);
        jsonout_number(f, mf->fit.r2, 6);
        fputs(", \"largest_residual\": ", f);
        jsonout_number(f, mf->fit.max_abs_resid, 6);
        fputs(", \"by_memory\": [", f);
        for (size_t k = 0; k < mf->n_sizes; k++) {
            double p = fit_amdahl_predict(&mf->fit, mf->mb[k]);
            fprintf(f, "%s\n      {\"memory_mb\": %g, \"invocations\": %zu, \"mean_ms\": ", k > 0 ? "," : "",
                    mf->mb[k], mf->count[k]);
            jsonout_number(f, mf->mean_ms[k], 6);
            fputs(", \"fitted_ms\": ", f);
            jsonout_number(f, p, 6);
            fputs(", \"residual\": ", f);
            jsonout_number(f, p / mf->mean_ms[k] - 1, 6);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    if (r->have_cold) {
        fputs(",\n    \"cold_start_ms\": ", f);
        json_fit_note(f, &r->cold);
    }
    if (r->n_restores > 0) {
        fputs(",\n    \"restore_ms\": ", f);
        json_fit_note(f, &r->restore);
    }
    fprintf(f, ",\n    \"inference_ms\": {\"samples\": %zu, \"excluded\": {\"pings\": %zu, \"timed_out\": %zu, "
            "\"errored\": %zu, \"unknown_batch_size\": %zu}, \"batch_sizes\": [%d, %d]", inf->n, inf->pings,
            inf->timed_out, inf->errored, inf->unknown, inf->min_size, inf->max_size);
    if (inf->regression) {
        fputs(", \"base_ms\": ", f);
        jsonout_number(f, inf->line.c0, 6);
        json_interval(f, "base_ms_ci95", inf->line.c0 - inf->line.c0_half, inf->line.c0 + inf->line.c0_half);
        fputs(", \"per_item_ms\": ", f);
        jsonout_number(f, inf->line.c1, 6);
        json_interval(f, "per_item_ms_ci95", inf->line.c1 - inf->line.c1_half, inf->line.c1 + inf->line.c1_half);
        fputs(", \"r2\": ", f);
        jsonout_number(f, inf->line.r2, 6);
        fputs(", \"residual_sd_ms\": ", f);
        jsonout_number(f, inf->line.sd_resid, 6);
        if (!inf->base_normal) {
            fputs(", \"base\": ", f);
            json_fit_note(f, &inf->base);
        }
    } else {
        fputs(", \"fit\": ", f);
        json_fit_note(f, &inf->base);
    }
    if (inf->n_first > 0) {
        fprintf(f, ", \"first_invocation\": {\"samples\": %zu, \"modelled\": %s, \"mean_excess_ms\": ",
                inf->n_first, inf->first ? "true" : "false");
        jsonout_number(f, inf->first_mean_ms, 6);
        fputs(", \"sd_ms\": ", f);
        jsonout_number(f, inf->first_sd_ms, 6);
        fputs(", \"rank_sum_z\": ", f);
        jsonout_number(f, inf->first_z, 6);
        fprintf(f, ", \"z_needed\": %.2f", CALIBRATE_FIRST_Z);
        if (inf->first) {
            fputs(", \"fit\": ", f);
            json_fit_note(f, &inf->first_fit);
        }
        fputc('}', f);
    }
    fputs("},\n    \"overhead_ms\": ", f);
    if (r->have_overhead) {
        json_fit_note(f, &r->overhead);
        if (r->n_cold_rt > 0) {
            fprintf(f, ",\n    \"cold_overhead_excess_ms\": {\"samples\": %zu, \"mean\": ", r->n_cold_rt);
            jsonout_number(f, r->cold_excess_ms / (double)r->n_cold_rt, 6);
            fputc('}', f);
        }
    } else {
        fputs("null", f);
    }
    fputs("\n  }}\n}\n", f);
}
