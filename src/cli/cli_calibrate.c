/* cli_calibrate: `lambdasim calibrate`, turn Lambda and client logs into a
 * model profile (cold start, inference against batch size, overhead), with
 * the fit quality and sample counts recorded in the profile. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "analysis/fit.h"
#include "formats/jsonout.h"
#include "formats/lambdalog.h"
#include "base/outfile.h"
#include "base/version.h"
#include "base/xalloc.h"

#define LEVEL 0.95
#define MSG_MAX 1024

enum { O_OUTPUT = CLI_O_OWN, O_MEMORY_MB, O_FIT_MEMORY, O_MIN_SAMPLES, O_BATCH_SIZE, O_NAME };

static const struct cli_opt opt_table[] = {
    { .id = O_OUTPUT, .short_name = 'o', .name = "output", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "the model profile to write (required; - for standard output, the report then goes to "
              "standard error)" },
    CLI_ROW_FORCE("replace FILE if it exists"),
    { .id = O_MEMORY_MB, .name = "memory-mb", .metavar = "M",
      .help = "use only invocations with Memory Size M MB (with --fit-memory: the reference memory)" },
    { .id = O_FIT_MEMORY, .name = "fit-memory",
      .help = "logs at several memory sizes: fit cpu_bound_fraction to their mean Duration, the other "
              "fields from the reference memory (--memory-mb, default the largest)" },
    { .id = O_MIN_SAMPLES, .name = "min-samples", .metavar = "N", .help = "fewest values a fit may use (default 30)" },
    { .id = O_BATCH_SIZE, .name = "batch-size", .metavar = "N",
      .help = "invocations whose batch size the logs do not give carried N requests" },
    { .id = O_NAME, .name = "name", .metavar = "NAME", .help = "the profile's name (default: FILE without .json)" },
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_calibrate_spec = {
    .name = "calibrate",
    .summary = "fit a model profile to real Lambda and client logs",
    .synopsis = "LOG... -o MODEL.json [OPTIONS]",
    .about =
        "Fits a model profile to measurements of a real deployment:\n"
        "  cold_start_ms  lognormal, gamma and Weibull maximum-likelihood fits to the\n"
        "                 REPORT lines' Init Duration, chosen by AIC (KS statistic\n"
        "                 shown)\n"
        "  restore_ms     the same, to Restore Duration (SnapStart), when present\n"
        "  inference_ms   Duration against batch size: linear regression (base +\n"
        "                 per_item_ms x n), the base's distribution from the residuals\n"
        "  overhead_ms    client round trip minus Duration (+ Init Duration), from\n"
        "                 client logs joined to the REPORT lines by request_id\n"
        "  cpu_bound_fraction  with --fit-memory, from logs at several memory sizes:\n"
        "                 weighted least squares of the mean Duration at each size\n"
        "                 against Amdahl's law over the CPU share (R^2 and residuals\n"
        "                 shown)\n"
        "LOG files are Lambda logs (CloudWatch text START/END/REPORT lines or JSON\n"
        "platform.* records, bare or in `aws logs` / subscription envelopes) and\n"
        "client logs (CSV whose header has a send_s column);\n"
        "formats: man lambdasim. Batch sizes come from a batch_size=N line\n"
        "the function logs, from the client log's batch_size column, or --batch-size.\n",
    .opts = opt_table,
    .notes =
        "Exit codes: 0 written, 1 the file could not be written, 2 bad usage or input\n"
        "(unparseable lines, mixed memory sizes without --fit-memory or --memory-mb,\n"
        "mixed functions, too few samples).\n",
    .args = CLI_C_FILE,
    .fn = cli_calibrate,
};

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

struct fitted {
    const char *what;           /* "cold_start_ms", ... */
    size_t n;
    bool constant;              /* every value equal: no family fits */
    double value;               /* the constant */
    struct fit_dist fits[FIT_FAMILY_COUNT];
    size_t best;
    double median, median_lo, median_hi;
    double median_coverage;     /* exact coverage of [median_lo, median_hi] */
    double mean;
};

/* Fits x[0..n) (sorted here). All equal values give a constant. */
static int fit_values(struct fitted *ft, const char *what, double *x, size_t n, char *msg, size_t len)
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
    if (x[0] <= 0) {
        snprintf(msg, len, "%s: %zu values include %g, but a lognormal, gamma or Weibull needs every "
                 "value > 0", what, n, x[0]);
        return -1;
    }
    if (fit_best(x, n, ft->fits, &ft->best) != 0) {
        snprintf(msg, len, "%s: no distribution could be fitted to the %zu values", what, n);
        return -1;
    }
    ft->median = fit_median(&ft->fits[ft->best]);
    return 0;
}

static void print_fitted(const struct fitted *ft)
{
    if (ft->constant) {
        printf("  %zu values, all %.6g: a constant\n", ft->n, ft->value);
        return;
    }
    const struct fit_dist *b = &ft->fits[ft->best];
    printf("  %zu values; chosen by AIC: %s (KS D = %.4f)\n", ft->n, fit_family_name(b->family), b->ks);
    for (size_t f = 0; f < FIT_FAMILY_COUNT; f++) {
        const struct fit_dist *d = &ft->fits[f];
        if (!d->ok) {
            printf("    %-10s fit failed\n", fit_family_name((enum fit_family)f));
            continue;
        }
        printf("    %-10s %s %-9.6g %s %-9.6g AIC %-12.2f KS D %.4f%s\n", fit_family_name(d->family),
               d->family == FIT_LOGNORMAL ? "mu   " : "shape", d->a,
               d->family == FIT_LOGNORMAL ? "sigma" : "scale", d->b, d->aic, d->ks,
               f == ft->best ? "  <- chosen" : "");
    }
    if (ft->median_coverage >= LEVEL)
        printf("  median %.6g (fitted); sample median 95%% CI [%.6g, %.6g]\n", ft->median, ft->median_lo,
               ft->median_hi);
    else
        printf("  median %.6g (fitted); sample median interval [%.6g, %.6g] covers only %.1f %%: %zu values "
               "are too few for 95 %% (6 are needed)\n", ft->median, ft->median_lo, ft->median_hi,
               100 * ft->median_coverage, ft->n);
}

static void json_fit_note(FILE *f, const struct fitted *ft)
{
    fprintf(f, "{\"samples\": %zu, ", ft->n);
    if (ft->constant) {
        fputs("\"constant\": ", f);
        jsonout_number(f, ft->value, 6);
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
    fputs(", \"median_ci95\": [", f);
    jsonout_number(f, ft->median_lo, 6);
    fputs(", ", f);
    jsonout_number(f, ft->median_hi, 6);
    fputs("], \"median_ci_coverage\": ", f);
    jsonout_number(f, ft->median_coverage, 6);
    fputs(", \"mean\": ", f);
    jsonout_number(f, ft->mean, 6);
    fputc('}', f);
}

static void json_fit_dist(FILE *f, const struct fitted *ft)
{
    if (ft->constant)
        jsonout_number(f, ft->value, 6);
    else
        json_dist(f, &ft->fits[ft->best]);
}

static void source_text(char *buf, size_t len, const struct fitted *ft, const char *values)
{
    if (ft->constant) {
        snprintf(buf, len, "calibrated: %zu %s, all equal (%.6g)", ft->n, values, ft->value);
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

struct options {
    const char **logs;
    size_t n_logs;
    const char *out;
    const char *name;
    bool force;
    int memory_mb;          /* 0: not given */
    bool fit_memory;
    size_t min_samples;
    int batch_size;         /* 0: not given */
};

static int parse_int_opt(const char *opt, const char *v, long lo, long hi, long *out)
{
    uint64_t u = 0;
    if (!cli_parse_u64(v, &u) || u < (uint64_t)lo || u > (uint64_t)hi)
        return cli_usage_error("calibrate", "%s: expected a whole number from %ld to %ld (got '%s')", opt,
                               lo, hi, v);
    *out = (long)u;
    return 0;
}

static int parse_args(int argc, char **argv, struct options *o, bool *help)
{
    long v = 0;
    int rc = CLI_OK;
    *help = false;
    o->min_samples = 30;
    struct cli_parser p;
    cli_parser_init(&p, &cli_calibrate_spec, argc, argv);
    for (int id = 0; rc == CLI_OK && !*help;) {
        const char *val;
        if ((id = cli_parser_next(&p, &val)) == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            rc = CLI_USAGE;
            break;
        case CLI_O_HELP:
            *help = true;
            break;
        case CLI_O_FORCE:
            o->force = true;
            break;
        case O_OUTPUT:
            o->out = val;
            break;
        case O_NAME:
            o->name = val;
            break;
        case O_MEMORY_MB:
            if ((rc = parse_int_opt("--memory-mb", val, 128, 10240, &v)) == CLI_OK)
                o->memory_mb = (int)v;
            break;
        case O_FIT_MEMORY:
            o->fit_memory = true;
            break;
        case O_MIN_SAMPLES:
            if ((rc = parse_int_opt("--min-samples", val, 3, 100000000, &v)) == CLI_OK)
                o->min_samples = (size_t)v;
            break;
        case O_BATCH_SIZE:
            if ((rc = parse_int_opt("--batch-size", val, 1, 4096, &v)) == CLI_OK)
                o->batch_size = (int)v;
            break;
        default:
            o->logs[o->n_logs++] = val;
        }
    }
    cli_parser_fini(&p);
    if (rc != CLI_OK || *help)
        return rc;
    if (o->n_logs == 0)
        return cli_usage_error("calibrate", "missing LOG files");
    if (o->out == NULL)
        return cli_usage_error("calibrate", "missing -o MODEL.json (the profile to write)");
    return 0;
}

/* Default profile name: the output's base name without .json. */
static void default_name(const char *path, char *out, size_t cap)
{
    if (strcmp(path, "-") == 0)
        path = "calibrated"; /* standard output has no name to take */
    const char *slash = strrchr(path, '/');
    const char *base = slash == NULL ? path : slash + 1;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".json") == 0)
        len -= 5;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, base, len);
    out[len] = '\0';
}

/* Fewest invocations whose mean stands for one memory size in the fit. */
#define FIT_MEMORY_MIN_PER_SIZE 3

/* --fit-memory: the mean Duration at each memory size and the Amdahl fit. */
struct memory_fit {
    size_t n_sizes, n_inv;
    double *mb, *mean_ms;
    size_t *count;
    struct fit_amdahl fit;
};

static void memory_fit_fini(struct memory_fit *mf)
{
    free(mf->mb);
    free(mf->mean_ms);
    free(mf->count);
}

/* Groups the invocations that count for inference (not pings, timeouts or
 * errors) by Memory Size and fits cpu_bound_fraction through the reference
 * size's mean. Unknown batch sizes count: the means compare like with like
 * only when every size saw the same batch mix. Returns 0, or -1 with the
 * error printed. */
static int fit_memory(const struct lambdalog *log, const struct options *o, int *ref_mb, struct memory_fit *mf)
{
    memset(mf, 0, sizeof *mf);
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
        if (mf->count[k] < FIT_MEMORY_MIN_PER_SIZE) {
            cli_error("--fit-memory: only %zu invocation%s at %g MB; each memory size needs at least %d "
                      "(timeouts, errors and pings excluded)", mf->count[k], mf->count[k] == 1 ? "" : "s",
                      mf->mb[k], FIT_MEMORY_MIN_PER_SIZE);
            return -1;
        }
        mf->mean_ms[k] /= (double)mf->count[k];
        have_ref |= o->memory_mb != 0 && mf->mb[k] == o->memory_mb;
    }
    if (mf->n_sizes < 2) {
        cli_error("--fit-memory: the logs have one memory size (%d MB, first at %s:%zu); the fit needs "
                  "invocations at two or more", log->inv[0].memory_mb, log->inv[0].file, log->inv[0].line);
        return -1;
    }
    if (o->memory_mb != 0 && !have_ref) {
        cli_error("--memory-mb %d: no invocation has that Memory Size (the logs have %g to %g MB)", o->memory_mb,
                  mf->mb[0], mf->mb[mf->n_sizes - 1]);
        return -1;
    }
    *ref_mb = o->memory_mb != 0 ? o->memory_mb : (int)mf->mb[mf->n_sizes - 1];
    if (fit_amdahl(mf->mb, mf->mean_ms, mf->n_sizes, *ref_mb, &mf->fit) != 0) {
        cli_error("--fit-memory: every memory size of the logs (%g to %g MB) has a whole vCPU or more "
                  "(1769 MB): the CPU share does not vary, there is nothing to fit", mf->mb[0],
                  mf->mb[mf->n_sizes - 1]);
        return -1;
    }
    return 0;
}

static void print_memory_fit(const struct memory_fit *mf)
{
    const struct fit_amdahl *fa = &mf->fit;
    printf("\ncpu_bound_fraction (mean Duration against Memory Size, Amdahl), %zu invocations at %zu sizes:\n",
           mf->n_inv, mf->n_sizes);
    printf("  t(m) = t(%g MB) x ((1 - f) + f x share(%g MB) / share(m)), share(m) = min(m, 1769) / 1769\n",
           fa->ref_mb, fa->ref_mb);
    printf("  f = %.4g%s; R^2 %.4f, largest residual %.1f %%\n", fa->fraction,
           fa->clamped ? " (clamped: the unconstrained fit is outside 0..1)" : "", fa->r2,
           100 * fa->max_abs_resid);
    printf("  %8s %6s %12s %12s %9s\n", "MB", "n", "mean ms", "fitted ms", "residual");
    for (size_t k = 0; k < mf->n_sizes; k++) {
        double p = fit_amdahl_predict(fa, mf->mb[k]);
        printf("  %8g %6zu %12.6g %12.6g %+8.1f%%%s\n", mf->mb[k], mf->count[k], mf->mean_ms[k], p,
               100 * (p / mf->mean_ms[k] - 1), mf->mb[k] == fa->ref_mb ? "  (reference)" : "");
    }
    if (mf->n_sizes == 2)
        printf("  note: two memory sizes determine the curve exactly; a third would test it\n");
}

struct inference {
    size_t n, pings, timed_out, errored, unknown;
    int min_size, max_size;
    bool regression;
    struct fit_line line;
    struct fitted base;         /* of y - per_item x (regression) or of y (one size) */
    bool base_normal;           /* residual base as a truncated normal */
    double per_item_ms;
    bool per_item_clamped;
};

int cli_calibrate(int argc, char **argv)
{
    struct options o;
    memset(&o, 0, sizeof o);
    o.logs = xcalloc((size_t)argc + 1, sizeof *o.logs);
    struct lambdalog log;
    struct lambdalog_client cl;
    lambdalog_init(&log);
    lambdalog_client_init(&cl);
    struct outfile of;
    memset(&of, 0, sizeof of);
    struct memory_fit mf;   /* --fit-memory */
    memset(&mf, 0, sizeof mf);
    char msg[MSG_MAX], name[128];
    struct lambdalog_invocation **by_id = NULL;
    double *xs = NULL, *ys = NULL, *vals = NULL, *invoke_ms = NULL;
    const struct lambdalog_request **invoke_row = NULL;
    size_t n_lambda_files = 0;
    bool help = false;
    int rc = parse_args(argc, argv, &o, &help);
    if (rc != 0 || help) {
        if (help)
            cli_opts_print_help(&cli_calibrate_spec, stdout);
        goto out;
    }
    rc = CLI_USAGE;
    const char *out_opt[] = { "-o" }, *out_path[] = { o.out };
    if (cli_claim_stdout(out_opt, out_path, 1, false, &rc) != 0)
        goto out;
    size_t n_empty = 0;
    for (size_t i = 0; i < o.n_logs; i++) {
        int r;
        if (lambdalog_is_client_log(o.logs[i])) {
            r = lambdalog_client_read(&cl, o.logs[i], msg, sizeof msg);
        } else {
            r = lambdalog_read(&log, o.logs[i], msg, sizeof msg);
            /* One log among several without REPORT lines (an extension's
             * or another function's stream) is skipped, said on stderr. */
            if (r == LAMBDALOG_NO_REPORTS) {
                if (o.n_logs > 1)
                    fprintf(stderr, "calibrate: warning: %s: skipped\n", msg);
                else
                    cli_error("%s", msg);
                n_empty++;
                continue;
            }
            n_lambda_files++;
        }
        if (r != 0) {
            cli_error("%s", msg);
            goto out;
        }
    }
    if (n_empty > 0 && n_lambda_files == 0) {
        if (o.n_logs > 1)
            cli_error("none of the %zu Lambda logs has a REPORT line or platform.report record", n_empty);
        goto out;
    }
    /* Before the report: -o must not name a log just read, nor a file that
     * exists without --force. */
    if ((rc = cli_outfile_check("-o", o.out, o.force, CLI_USAGE)) != CLI_OK)
        goto out;
    rc = CLI_USAGE;
    if (n_lambda_files == 0) {
        cli_error("no Lambda log among the inputs (only client logs): cold-start and inference times "
                  "come from REPORT lines");
        goto out;
    }
    if (o.fit_memory) {
        int ref_mb = 0;
        if (fit_memory(&log, &o, &ref_mb, &mf) != 0)
            goto out;
        /* Everything else is fitted at the reference memory only. */
        lambdalog_keep_memory(&log, ref_mb);
    } else if (o.memory_mb != 0) {
        int seen = log.inv[0].memory_mb;
        if (lambdalog_keep_memory(&log, o.memory_mb) == 0) {
            cli_error("--memory-mb %d: no invocation has that Memory Size (the logs have %d MB, first "
                      "at %s:%zu)", o.memory_mb, seen, log.inv[0].file, log.inv[0].line);
            goto out;
        }
    }
    if (lambdalog_check(&log, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        goto out;
    }

    /* Join client rows to invocations by RequestId: batch sizes and round trips. */
    by_id = xmalloc(log.n * sizeof *by_id);
    for (size_t i = 0; i < log.n; i++)
        by_id[i] = &log.inv[i];
    qsort(by_id, log.n, sizeof *by_id, cmp_inv_ptr);
    invoke_ms = xmalloc(log.n * sizeof *invoke_ms);
    invoke_row = xcalloc(log.n, sizeof *invoke_row);
    int *rows_per_inv = xcalloc(log.n, sizeof *rows_per_inv);
    size_t joined = 0, unmatched = 0;
    const struct lambdalog_request *first_unmatched = NULL;
    for (size_t i = 0; i < log.n; i++)
        invoke_ms[i] = NAN;
    for (size_t i = 0; i < cl.n; i++) {
        const struct lambdalog_request *q = &cl.req[i];
        if (q->request_id[0] == '\0')
            continue;
        struct lambdalog_invocation *inv = find_inv(by_id, log.n, q->request_id);
        if (inv == NULL) {
            if (first_unmatched == NULL)
                first_unmatched = q;
            unmatched++;
            continue;
        }
        joined++;
        size_t k = (size_t)(inv - log.inv);
        rows_per_inv[k]++;
        if (q->batch_size > 0) {
            if (inv->batch_size > 0 && inv->batch_size != q->batch_size) {
                cli_error("%s:%zu: batch_size %d, but the Lambda log says %d for RequestId %s (%s:%zu)",
                          q->file, q->line, q->batch_size, inv->batch_size, inv->request_id, inv->file,
                          inv->line);
                free(rows_per_inv);
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
    if (cl.n > 0 && !cl.has_batch_size && cl.has_request_id) {
        for (size_t k = 0; k < log.n; k++) {
            if (log.inv[k].batch_size < 0 && rows_per_inv[k] > 0)
                log.inv[k].batch_size = rows_per_inv[k];
        }
    }
    free(rows_per_inv);
    if (cl.n > 0 && joined == 0) {
        if (first_unmatched != NULL)
            cli_error("%s:%zu: no request_id of the client log matches a REPORT line (%zu rows); "
                      "overheads need the join", first_unmatched->file, first_unmatched->line, cl.n);
        else
            cli_error("%s: the client log has no request_id column (or it is empty): overheads need "
                      "request_id to join its rows to the REPORT lines", cl.files[0]);
        goto out;
    }

    /* SnapStart restores (Restore Duration): cold starts of their own kind,
     * fitted apart. A SnapStart function's REPORT lines have no Init
     * Duration (its init ran when the version was published). */
    vals = xmalloc(log.n * sizeof *vals);
    size_t nv = 0, n_restores = 0;
    const struct lambdalog_invocation *first_restore = NULL;
    for (size_t i = 0; i < log.n; i++) {
        if (isfinite(log.inv[i].restore_ms) && !log.inv[i].timed_out && !log.inv[i].errored) {
            vals[nv++] = log.inv[i].restore_ms;
            if (first_restore == NULL)
                first_restore = &log.inv[i];
        }
    }
    n_restores = nv;
    struct fitted restore;
    memset(&restore, 0, sizeof restore);
    if (n_restores > 0 && n_restores < o.min_samples) {
        cli_error("too few SnapStart restores: %zu REPORT lines with Restore Duration (first at %s:%zu); need at "
                  "least %zu (--min-samples)", n_restores, first_restore->file, first_restore->line,
                  o.min_samples);
        goto out;
    }
    if (n_restores > 0 && fit_values(&restore, "restore_ms", vals, n_restores, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        goto out;
    }

    /* Cold starts: every Init Duration (pings too: they are cold starts). */
    nv = 0;
    size_t n_cold_failed = 0;
    const struct lambdalog_invocation *first_cold = NULL, *first_cold_failed = NULL;
    for (size_t i = 0; i < log.n; i++) {
        if (!isfinite(log.inv[i].init_ms))
            continue;
        /* A failed invocation's init may have been cut short: not a sample. */
        if (log.inv[i].timed_out || log.inv[i].errored) {
            if (n_cold_failed++ == 0)
                first_cold_failed = &log.inv[i];
            continue;
        }
        vals[nv++] = log.inv[i].init_ms;
        if (first_cold == NULL)
            first_cold = &log.inv[i];
    }
    bool have_cold = !(nv == 0 && n_restores > 0);
    if (have_cold && nv < o.min_samples) {
        /* Say why a cold start that is in the log does not count. */
        char failed[256] = "";
        if (n_cold_failed > 0)
            snprintf(failed, sizeof failed, "; %zu with an Init Duration left out because the invocation timed "
                     "out or failed (first at %s:%zu)", n_cold_failed, first_cold_failed->file,
                     first_cold_failed->line);
        if (nv == 0)
            cli_error("too few cold starts: no usable REPORT line with an Init Duration (%zu invocations, first "
                      "at %s:%zu%s); need at least %zu (--min-samples)", log.n, log.inv[0].file, log.inv[0].line,
                      failed, o.min_samples);
        else
            cli_error("too few cold starts: %zu REPORT lines with Init Duration (first at %s:%zu%s); need at "
                      "least %zu (--min-samples)", nv, first_cold->file, first_cold->line, failed, o.min_samples);
        goto out;
    }
    struct fitted cold;
    memset(&cold, 0, sizeof cold);
    if (have_cold && fit_values(&cold, "cold_start_ms", vals, nv, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        goto out;
    }

    /* Inference against batch size. */
    struct inference inf;
    memset(&inf, 0, sizeof inf);
    xs = xmalloc(log.n * sizeof *xs);
    ys = xmalloc(log.n * sizeof *ys);
    const struct lambdalog_invocation *first_unknown = NULL;
    for (size_t i = 0; i < log.n; i++) {
        const struct lambdalog_invocation *v = &log.inv[i];
        int b = v->batch_size;
        if (b < 0 && o.batch_size > 0)
            b = o.batch_size;
        if (b == 0) {
            inf.pings++;
        } else if (v->timed_out) {
            inf.timed_out++;
        } else if (v->errored) {
            inf.errored++;
        } else if (b < 0) {
            if (first_unknown == NULL)
                first_unknown = v;
            inf.unknown++;
        } else {
            if (inf.n == 0 || b < inf.min_size)
                inf.min_size = b;
            if (inf.n == 0 || b > inf.max_size)
                inf.max_size = b;
            xs[inf.n] = b;
            ys[inf.n] = v->duration_ms;
            inf.n++;
        }
    }
    if (inf.n == 0 && inf.unknown > 0) {
        cli_error("batch size unknown for all %zu invocations (first at %s:%zu): log a line "
                  "batch_size=N in the function, give a client log with request_id and batch_size, "
                  "or say --batch-size N", inf.unknown, first_unknown->file, first_unknown->line);
        goto out;
    }
    if (inf.n < o.min_samples) {
        cli_error("too few invocations with a known batch size: %zu (of %zu; %zu pings, %zu timed out, "
                  "%zu errored, %zu unknown); need at least %zu (--min-samples)", inf.n, log.n, inf.pings,
                  inf.timed_out, inf.errored, inf.unknown, o.min_samples);
        goto out;
    }
    inf.regression = inf.min_size != inf.max_size;
    if (inf.regression) {
        if (fit_linear(xs, ys, inf.n, LEVEL, &inf.line) != 0) {
            cli_error("inference_ms: the regression of Duration on batch size failed");
            goto out;
        }
        inf.per_item_ms = inf.line.c1;
        if (inf.per_item_ms < 0) {
            inf.per_item_ms = 0;
            inf.per_item_clamped = true;
        }
        /* The base's distribution: what is left after the per-item part. */
        bool positive = true;
        for (size_t i = 0; i < inf.n; i++) {
            ys[i] -= inf.per_item_ms * xs[i];
            positive &= ys[i] > 0;
        }
        if (positive) {
            if (fit_values(&inf.base, "inference_ms.base", ys, inf.n, msg, sizeof msg) != 0)
                positive = false;
        }
        inf.base_normal = !positive;
    } else {
        if (fit_values(&inf.base, "inference_ms", ys, inf.n, msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            goto out;
        }
    }

    /* Overhead: the client's round trip minus what the function spent, on
     * warm invocations (a cold one also waits for placement that Init
     * Duration does not cover: its excess is reported, not fitted). */
    nv = 0;
    size_t n_cold_rt = 0;
    double cold_excess = 0;
    bool have_overhead = false;
    struct fitted over;
    memset(&over, 0, sizeof over);
    for (size_t k = 0; k < log.n; k++) {
        if (!isfinite(invoke_ms[k]) || log.inv[k].timed_out || log.inv[k].errored)
            continue;
        const struct lambdalog_invocation *v = &log.inv[k];
        double cold_ms = isfinite(v->init_ms) ? v->init_ms : isfinite(v->restore_ms) ? v->restore_ms : (double)NAN;
        double spent = v->duration_ms + (isfinite(cold_ms) ? cold_ms : 0);
        double ov = invoke_ms[k] - spent;
        /* The log prints to 0.01 ms: allow that much. */
        if (ov < -0.02) {
            cli_error("%s:%zu: the client's round trip (%.3f ms) is shorter than Duration + Init Duration "
                      "(%.3f ms) of RequestId %s (%s:%zu): a wrong request_id, or invoke_ms not in ms?",
                      invoke_row[k]->file, invoke_row[k]->line, invoke_ms[k], spent, v->request_id, v->file,
                      v->line);
            goto out;
        }
        if (ov < 0)
            ov = 0;
        if (isfinite(cold_ms)) {
            cold_excess += ov;
            n_cold_rt++;
        } else {
            vals[nv++] = ov;
        }
    }
    if (cl.n > 0) {
        if (nv < o.min_samples) {
            cli_error("too few overheads: %zu warm invocations have a client round trip (invoke_ms, or "
                      "latency_ms of a batch of 1) joined by request_id; need at least %zu "
                      "(--min-samples)", nv, o.min_samples);
            goto out;
        }
        if (fit_values(&over, "overhead_ms", vals, nv, msg, sizeof msg) != 0) {
            /* Zero overheads cannot be fitted by a positive family. */
            cli_error("%s", msg);
            goto out;
        }
        have_overhead = true;
    }

    /* Report. */
    printf("calibrate: %zu invocations from %zu Lambda log%s, Memory Size %d MB", log.n, n_lambda_files,
           n_lambda_files == 1 ? "" : "s", log.inv[0].memory_mb);
    if (cl.n > 0)
        printf("; %zu client requests (%zu joined by request_id%s)", cl.n, joined,
               unmatched > 0 ? ", some unmatched" : "");
    if (have_cold) {
        printf("\n\ncold_start_ms (Init Duration):\n");
        print_fitted(&cold);
    } else {
        printf("\n\ncold_start_ms: not in the logs (a SnapStart function: its init ran when the version was "
               "published); the profile is for function.snapstart true\n");
    }
    if (n_restores > 0) {
        printf("\nrestore_ms (Restore Duration, SnapStart), %zu restores:\n", n_restores);
        print_fitted(&restore);
    }
    if (log.timeouts_unattributed > 0)
        printf("note: %zu 'Task timed out' line%s name%s no RequestId of the logs (cut off before START and "
               "after REPORT): counted here, pinned on no invocation\n", log.timeouts_unattributed,
               log.timeouts_unattributed == 1 ? "" : "s", log.timeouts_unattributed == 1 ? "s" : "");
    printf("\ninference_ms (Duration) against batch size, %zu invocations (excluded: %zu pings, %zu timed "
           "out, %zu errored, %zu unknown batch size):\n", inf.n, inf.pings, inf.timed_out, inf.errored,
           inf.unknown);
    if (inf.regression) {
        printf("  Duration = %.6g + %.6g x batch_size ms (batch sizes %d..%d, R^2 %.3f, residual sd %.4g "
               "ms)\n", inf.line.c0, inf.line.c1, inf.min_size, inf.max_size, inf.line.r2, inf.line.sd_resid);
        printf("  base 95%% CI [%.6g, %.6g]; per item 95%% CI [%.6g, %.6g]\n", inf.line.c0 - inf.line.c0_half,
               inf.line.c0 + inf.line.c0_half, inf.line.c1 - inf.line.c1_half, inf.line.c1 + inf.line.c1_half);
        if (inf.per_item_clamped)
            printf("  note: the per-item slope is negative; per_item_ms is written as 0\n");
        if (inf.base_normal)
            printf("  base: truncated normal (mean %.6g, sd %.6g): some Duration - per_item x n <= 0\n",
                   inf.line.c0, inf.line.sd_resid);
        else {
            printf("  base (Duration - per_item_ms x batch_size):\n");
            print_fitted(&inf.base);
        }
    } else {
        printf("  every batch held %d request%s: a table entry for that size only\n", inf.min_size,
               inf.min_size == 1 ? "" : "s");
        print_fitted(&inf.base);
    }
    if (o.fit_memory)
        print_memory_fit(&mf);
    printf("\noverhead_ms (client round trip - Duration - Init Duration):\n");
    if (have_overhead) {
        print_fitted(&over);
        if (n_cold_rt > 0)
            printf("  cold invocations: %zu, mean round trip - Init Duration - Duration %.6g ms (more "
                   "than the warm mean is platform time outside Init Duration; not in the profile)\n",
                   n_cold_rt, cold_excess / (double)n_cold_rt);
    } else {
        printf("  not measured (no client log): written as 0\n");
    }

    /* The profile. */
    if (o.name != NULL)
        snprintf(name, sizeof name, "%s", o.name);
    else
        default_name(o.out, name, sizeof name);
    if ((rc = cli_outfile_open(&of, "-o", o.out, o.force, CLI_FAILED)) != CLI_OK)
        goto out;
    FILE *f = of.f;
    char src[1024];
    fputs("{\n  \"name\": ", f);
    jsonout_string(f, name);
    fprintf(f, ",\n  \"description\": \"Calibrated by lambdasim calibrate %s from %zu invocations",
            LAMBDASIM_VERSION, log.n);
    if (cl.n > 0)
        fprintf(f, " and %zu client requests", cl.n);
    if (o.fit_memory)
        fprintf(f, " at %d MB; cpu_bound_fraction from %zu invocations at %zu memory sizes", log.inv[0].memory_mb,
                mf.n_inv, mf.n_sizes);
    fprintf(f, ".\",\n  \"memory_mb\": %d", log.inv[0].memory_mb);
    if (o.fit_memory) {
        fputs(",\n  \"cpu_bound_fraction\": ", f);
        jsonout_number(f, mf.fit.fraction, 6);
    }
    if (have_cold) {
        fputs(",\n  \"cold_start_ms\": ", f);
        json_fit_dist(f, &cold);
    }
    if (n_restores > 0) {
        fputs(",\n  \"restore_ms\": ", f);
        json_fit_dist(f, &restore);
    }
    fputs(",\n  \"overhead_ms\": ", f);
    if (have_overhead)
        json_fit_dist(f, &over);
    else
        fputs("0", f);
    fputs(",\n  \"inference_ms\": {", f);
    if (inf.regression) {
        fputs("\"base\": ", f);
        if (inf.base_normal) {
            fputs("{\"dist\": \"normal\", \"mean\": ", f);
            jsonout_number(f, inf.line.c0 > 0 ? inf.line.c0 : 0, 6);
            fputs(", \"sd\": ", f);
            jsonout_number(f, inf.line.sd_resid, 6);
            fputc('}', f);
        } else {
            json_fit_dist(f, &inf.base);
        }
        fputs(", \"per_item_ms\": ", f);
        jsonout_number(f, inf.per_item_ms, 6);
    } else {
        fprintf(f, "\"by_batch_size\": {\"%d\": ", inf.min_size);
        json_fit_dist(f, &inf.base);
        fputc('}', f);
    }
    fputs("},\n  \"sources\": {\n    \"memory_mb\": \"measured: Memory Size of the REPORT lines\"", f);
    if (o.fit_memory) {
        fputs(",\n    \"cpu_bound_fraction\": ", f);
        snprintf(src, sizeof src, "calibrated: weighted least squares (relative errors) of the mean Duration at "
                 "%zu memory sizes (%g to %g MB, %zu invocations) against t(m) = t(%g MB) ((1 - f) + f "
                 "share(%g MB) / share(m)), share(m) = min(m, 1769) / 1769; R^2 %.4f, largest residual "
                 "%.1f %%%s; applies to inference_ms only", mf.n_sizes, mf.mb[0], mf.mb[mf.n_sizes - 1],
                 mf.n_inv, mf.fit.ref_mb, mf.fit.ref_mb, mf.fit.r2, 100 * mf.fit.max_abs_resid,
                 mf.fit.clamped ? "; clamped to 0..1" : "");
        jsonout_string(f, src);
    }
    if (have_cold) {
        fputs(",\n    \"cold_start_ms\": ", f);
        source_text(src, sizeof src, &cold, "Init Duration values");
        jsonout_string(f, src);
    }
    if (n_restores > 0) {
        fputs(",\n    \"restore_ms\": ", f);
        source_text(src, sizeof src, &restore, "Restore Duration values (SnapStart)");
        jsonout_string(f, src);
    }
    fputs(",\n    \"inference_ms\": ", f);
    if (inf.regression)
        snprintf(src, sizeof src, "calibrated: least-squares Duration = base + per_item_ms x batch size over %zu "
                 "invocations (batch sizes %d..%d, R^2 %.3f); per_item_ms %.6g, 95%% CI [%.6g, %.6g]; base "
                 "%s of the residual Duration - per_item_ms x n", inf.n, inf.min_size, inf.max_size,
                 inf.line.r2, inf.line.c1, inf.line.c1 - inf.line.c1_half, inf.line.c1 + inf.line.c1_half,
                 inf.base_normal ? "a truncated normal" : fit_family_name(inf.base.fits[inf.base.best].family));
    else
        source_text(src, sizeof src, &inf.base, "Duration values (all one batch size)");
    jsonout_string(f, src);
    fputs(",\n    \"overhead_ms\": ", f);
    if (have_overhead)
        source_text(src, sizeof src, &over, "client round trips minus Duration, warm invocations");
    else
        snprintf(src, sizeof src, "not measured: no client log was given (0 assumed)");
    jsonout_string(f, src);
    fputs("\n  },\n  \"notes\": {\"calibration\": {\n    \"inputs\": [", f);
    for (size_t i = 0; i < o.n_logs; i++) {
        fputs(i > 0 ? ", " : "", f);
        jsonout_string(f, o.logs[i]);
    }
    fprintf(f, "],\n    \"timeouts_unattributed\": %zu", log.timeouts_unattributed);
    if (o.fit_memory) {
        fprintf(f, ",\n    \"cpu_bound_fraction\": {\"reference_mb\": %g, \"fraction\": ", mf.fit.ref_mb);
        jsonout_number(f, mf.fit.fraction, 6);
        fputs(", \"unconstrained\": ", f);
        jsonout_number(f, mf.fit.fraction_raw, 6);
        fputs(", \"r2\": ", f);
        jsonout_number(f, mf.fit.r2, 6);
        fputs(", \"largest_residual\": ", f);
        jsonout_number(f, mf.fit.max_abs_resid, 6);
        fputs(", \"by_memory\": [", f);
        for (size_t k = 0; k < mf.n_sizes; k++) {
            double p = fit_amdahl_predict(&mf.fit, mf.mb[k]);
            fprintf(f, "%s\n      {\"memory_mb\": %g, \"invocations\": %zu, \"mean_ms\": ", k > 0 ? "," : "",
                    mf.mb[k], mf.count[k]);
            jsonout_number(f, mf.mean_ms[k], 6);
            fputs(", \"fitted_ms\": ", f);
            jsonout_number(f, p, 6);
            fputs(", \"residual\": ", f);
            jsonout_number(f, p / mf.mean_ms[k] - 1, 6);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    if (have_cold) {
        fputs(",\n    \"cold_start_ms\": ", f);
        json_fit_note(f, &cold);
    }
    if (n_restores > 0) {
        fputs(",\n    \"restore_ms\": ", f);
        json_fit_note(f, &restore);
    }
    fprintf(f, ",\n    \"inference_ms\": {\"samples\": %zu, \"excluded\": {\"pings\": %zu, \"timed_out\": %zu, "
            "\"errored\": %zu, \"unknown_batch_size\": %zu}, \"batch_sizes\": [%d, %d]", inf.n, inf.pings,
            inf.timed_out, inf.errored, inf.unknown, inf.min_size, inf.max_size);
    if (inf.regression) {
        fputs(", \"base_ms\": ", f);
        jsonout_number(f, inf.line.c0, 6);
        fputs(", \"base_ms_ci95\": [", f);
        jsonout_number(f, inf.line.c0 - inf.line.c0_half, 6);
        fputs(", ", f);
        jsonout_number(f, inf.line.c0 + inf.line.c0_half, 6);
        fputs("], \"per_item_ms\": ", f);
        jsonout_number(f, inf.line.c1, 6);
        fputs(", \"per_item_ms_ci95\": [", f);
        jsonout_number(f, inf.line.c1 - inf.line.c1_half, 6);
        fputs(", ", f);
        jsonout_number(f, inf.line.c1 + inf.line.c1_half, 6);
        fputs("], \"r2\": ", f);
        jsonout_number(f, inf.line.r2, 6);
        fputs(", \"residual_sd_ms\": ", f);
        jsonout_number(f, inf.line.sd_resid, 6);
        if (!inf.base_normal) {
            fputs(", \"base\": ", f);
            json_fit_note(f, &inf.base);
        }
    } else {
        fputs(", \"fit\": ", f);
        json_fit_note(f, &inf.base);
    }
    fputs("},\n    \"overhead_ms\": ", f);
    if (have_overhead) {
        json_fit_note(f, &over);
        if (n_cold_rt > 0) {
            fprintf(f, ",\n    \"cold_overhead_excess_ms\": {\"samples\": %zu, \"mean\": ", n_cold_rt);
            jsonout_number(f, cold_excess / (double)n_cold_rt, 6);
            fputc('}', f);
        }
    } else {
        fputs("null", f);
    }
    fputs("\n  }}\n}\n", f);
    if (outfile_commit(&of, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    }
    printf("\nwrote %s\n", strcmp(o.out, "-") == 0 ? "the profile to standard output" : o.out);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("writing to standard output failed: %s", strerror(errno));
        rc = CLI_FAILED;
        goto out;
    }
    rc = CLI_OK;
out:
    memory_fit_fini(&mf);
    outfile_abort(&of);
    free(by_id);
    free(xs);
    free(ys);
    free(vals);
    free(invoke_ms);
    free(invoke_row);
    lambdalog_fini(&log);
    lambdalog_client_fini(&cl);
    free(o.logs);
    return rc;
}
