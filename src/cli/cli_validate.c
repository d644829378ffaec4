/* cli_validate: `lambdasim validate`, replay a client log's arrival times
 * through a scenario and compare predicted with observed metrics. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <gsl/gsl_statistics_double.h>
#include "cli/cli.h"
#include "formats/config.h"
#include "core/engine.h"
#include "analysis/fit.h"
#include "base/interrupt.h"
#include "formats/jsonout.h"
#include "formats/lambdalog.h"
#include "analysis/plot.h"
#include "core/rng.h"
#include "base/version.h"
#include "base/xalloc.h"

#define LEVEL 0.95

enum { O_OBSERVED = CLI_O_OWN, O_REPLICATIONS, O_TOLERANCE, O_TOLERANCE_FOR, O_PLOT };

static const struct cli_opt opt_table[] = {
    { .id = O_OBSERVED, .name = "observed", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "the client log (CSV, format: man lambdasim; required)" },
    { .id = O_REPLICATIONS, .name = "replications", .metavar = "R", .help = "simulated replications (default 10)" },
    { .id = O_TOLERANCE, .name = "tolerance", .metavar = "T",
      .help = "largest relative error |predicted - observed| / observed a metric may have (default 0.1)" },
    { .id = O_TOLERANCE_FOR, .name = "tolerance-for", .metavar = "M=T",
      .help = "the same for metric M alone (e.g. latency_p99_ms=0.25); repeatable; M is a metric key as in "
              "--json" },
    CLI_ROW_SEED("master seed (default: the scenario's \"seed\", else 1)"),
    CLI_ROW_SET(CLI_SET_HELP),
    { .id = O_PLOT, .name = "plot", .metavar = "FILE.png", .complete = CLI_C_FILE,
      .help = "draw both latency CDFs (gnuplot, the scripts in plots/)" },
    CLI_ROW_FORCE("replace the --plot file if it exists"),
    CLI_ROW_JSON("print one JSON object instead of the table"),
    CLI_ROW_TIME_LIMIT(CLI_TIME_LIMIT_TEXT),
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_validate_spec = {
    .name = "validate",
    .summary = "replay observed arrivals and compare predicted with measured latency",
    .synopsis = "SCENARIO.json --observed CLIENT_LOG.csv [OPTIONS]",
    .about =
        "Replays the observed send times (the client log's send_s, on the scenario's\n"
        "clock; epoch times are shifted so the first send is at workload.start_s)\n"
        "through the scenario instead of its workload, R times with seeds\n"
        "derived from the master seed, and compares, per metric, the observed value\n"
        "with the predicted mean and its 95% confidence interval: latency mean, p50,\n"
        "p90, p99, throughput, cold-start rate (when the log has a cold column) and\n"
        "cold-start count (cold invocations; when it also has a batch_id column).\n"
        "Also prints the KS and Wasserstein-1 distances between the latency\n"
        "distributions. The scenario's duration_s and requests limits are lifted:\n"
        "every observed request is replayed.\n",
    .opts = opt_table,
    .notes =
        "Exit codes: 0 every metric within the tolerance, 1 some are not (they are\n"
        "named on stderr) or the plot failed, 2 bad usage or input, 124 the time\n"
        "limit, 130 / 143 SIGINT / SIGTERM.\n",
    .args = CLI_C_JSON,
    .fn = cli_validate,
};

enum metric { M_MEAN = 0, M_P50, M_P90, M_P99, M_THROUGHPUT, M_COLD, M_COLD_COUNT, M_COUNT };

static const char *const metric_key[M_COUNT] = {
    "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "throughput_rps",
    "cold_start_rate", "cold_starts",
};
static const char *const metric_label[M_COUNT] = {
    "latency mean (ms)", "latency p50 (ms)", "latency p90 (ms)", "latency p99 (ms)", "throughput (rps)",
    "cold-start rate", "cold starts",
};

struct row {
    bool available;         /* observed (cold rate needs the cold column) */
    double tol;             /* this metric's tolerance */
    double observed, predicted, half, rel;
    bool within;
};

struct lat_buf {
    double *v;
    size_t n, cap;
};

static void collect(void *ctx, const struct request_record *rec)
{
    struct lat_buf *b = ctx;
    if (!rec->counted || rec->status != REQUEST_OK)
        return;
    b->v = xgrow(b->v, &b->cap, b->n + 1, sizeof *b->v);
    b->v[b->n++] = rec->latency_ms;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- --plot ------------------------------------------------------------------- */

/* A minimal requests CSV (the columns `lambdasim plot cdf` reads) holding
 * the completed latencies, so the CDF is drawn by the shared plot module. */
static bool write_series(const char *path, const double *v, size_t n)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    fputs("latency_ms,status,arrival_s,dispatch_s,end_s\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.17g,ok,0,0,%.17g\n", v[i], v[i] / 1000.0);
    return fclose(f) == 0;
}

/* Both latency CDFs in one PNG through plot_render (plot.h): gnuplot run
 * without a shell, the PNG written whole or not at all. Returns 0, or -1
 * with a message. */
static int plot(const char *path, bool force, const double *obs, size_t no, const double *pred,
                size_t np, char *msg, size_t len)
{
    char dir[] = "/tmp/lambdasim-validate-XXXXXX";
    char obs_path[64], pred_path[64], scripts[PATH_MAX];
    int rc = -1;
    char why[1024];
    if (!plot_find_scripts(scripts, sizeof scripts, why, sizeof why)) {
        snprintf(msg, len, "--plot: the gnuplot scripts: %.900s, or LAMBDASIM_PLOTS_DIR to their directory", why);
        return -1;
    }
    if (mkdtemp(dir) == NULL) {
        snprintf(msg, len, "--plot: cannot make a temporary directory: %s", strerror(errno));
        return -1;
    }
    snprintf(obs_path, sizeof obs_path, "%s/observed.csv", dir);
    snprintf(pred_path, sizeof pred_path, "%s/predicted.csv", dir);
    if (!write_series(obs_path, obs, no) || !write_series(pred_path, pred, np)) {
        snprintf(msg, len, "--plot: cannot write the plot data in %s", dir);
        goto out;
    }
    const char *const inputs[] = { obs_path, pred_path };
    const char *gp = getenv("LAMBDASIM_GNUPLOT");
    struct plot_opts o = {
        .kind = PLOT_CDF,
        .inputs = inputs,
        .n_inputs = 2,
        .output = path,
        .replace = force,
        .title = "Latency CDF: observed vs predicted",
        .script_dir = scripts,
        .gnuplot = gp != NULL && gp[0] != '\0' ? gp : "gnuplot",
    };
    char pmsg[PLOT_MSG_MAX];
    if (plot_render(&o, pmsg, sizeof pmsg) != PLOT_OK) {
        snprintf(msg, len, "--plot: %.900s", pmsg);
        goto out;
    }
    rc = 0;
out:
    unlink(obs_path);
    unlink(pred_path);
    rmdir(dir);
    return rc;
}

/* ---- output ---------------------------------------------------------------------- */

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

struct summary {
    const char *scenario, *observed;
    size_t rows, counted, ok;
    unsigned replications;
    double tolerance;
    uint64_t seed;
    struct row m[M_COUNT];
    double ks, w1;
    bool pass;
};

static void print_table(const struct summary *s)
{
    printf("validate: %s against %s\n", s->scenario, s->observed);
    printf("observed: %zu requests (%zu in the statistics window, %zu ok); predicted: %u replications, "
           "seed %llu; tolerance %.4g%%\n\n", s->rows, s->counted, s->ok, s->replications,
           (unsigned long long)s->seed, s->tolerance * 100);
    printf("%-20s %12s %12s %27s %11s\n", "metric", "observed", "predicted", "95% CI of prediction",
           "rel. error");
    for (int i = 0; i < M_COUNT; i++) {
        const struct row *r = &s->m[i];
        if (!r->available) {
            printf("%-20s %12s %12.6g %27s %11s  (no %s column in the log)\n", metric_label[i], "-",
                   r->predicted, "", "", i == M_COLD_COUNT ? "cold or batch_id" : "cold");
            continue;
        }
        char ci[64] = "-", rel[32] = "-";
        if (isfinite(r->half))
            snprintf(ci, sizeof ci, "[%.6g, %.6g]", r->predicted - r->half, r->predicted + r->half);
        if (isfinite(r->rel))
            snprintf(rel, sizeof rel, "%+.1f%%", r->rel * 100);
        printf("%-20s %12.6g %12.6g %27s %11s  %s", metric_label[i], r->observed, r->predicted, ci, rel,
               r->within ? "ok" : "OFF");
        if (r->tol != s->tolerance)
            printf(" (tolerance %.4g%%)", r->tol * 100);
        printf("\n");
    }
    printf("\nlatency distributions: KS distance %.4f, Wasserstein-1 distance %.4g ms\n", s->ks, s->w1);
    printf("result: %s\n", s->pass ? "PASS (every metric within the tolerance)" : "FAIL");
}

static void print_json(const struct summary *s)
{
    printf("{\n  \"lambdasim_version\": \"%s\",\n  \"scenario\": ", LAMBDASIM_VERSION);
    jsonout_string(stdout, s->scenario);
    printf(",\n  \"observed\": ");
    jsonout_string(stdout, s->observed);
    printf(",\n  \"requests\": {\"rows\": %zu, \"counted\": %zu, \"ok\": %zu},\n", s->rows, s->counted, s->ok);
    printf("  \"replications\": %u,\n  \"seed\": %llu,\n  \"tolerance\": ", s->replications,
           (unsigned long long)s->seed);
    json_num(stdout, s->tolerance);
    printf(",\n  \"metrics\": {\n");
    for (int i = 0; i < M_COUNT; i++) {
        const struct row *r = &s->m[i];
        printf("    \"%s\": {\"observed\": ", metric_key[i]);
        json_num(stdout, r->available ? r->observed : (double)NAN);
        printf(", \"predicted\": ");
        json_num(stdout, r->predicted);
        printf(", \"ci95\": [");
        json_num(stdout, r->predicted - r->half);
        printf(", ");
        json_num(stdout, r->predicted + r->half);
        printf("], \"relative_error\": ");
        json_num(stdout, r->available ? r->rel : (double)NAN);
        printf(", \"tolerance\": ");
        json_num(stdout, r->tol);
        printf(", \"within_tolerance\": %s}%s\n", !r->available ? "null" : r->within ? "true" : "false",
               i + 1 < M_COUNT ? "," : "");
    }
    printf("  },\n  \"distances\": {\"ks\": ");
    json_num(stdout, s->ks);
    printf(", \"wasserstein1_ms\": ");
    json_num(stdout, s->w1);
    printf("},\n  \"pass\": %s\n}\n", s->pass ? "true" : "false");
}

/* ---- the command ------------------------------------------------------------------- */

static bool parse_double(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (s[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
        return false;
    *out = v;
    return true;
}

int cli_validate(int argc, char **argv)
{
    struct cli_scenario_args sa;
    cli_scenario_args_init(&sa, "validate", "one scenario", argc);
    const char *observed = NULL, *plot_path = NULL;
    uint64_t reps = 10;
    double tol = 0.1;
    double tol_for[M_COUNT];
    bool have_tol_for[M_COUNT] = { false };
    bool json = false, force = false;
    char msg[CONFIG_MSG_MAX];
    int rc = CLI_USAGE;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);
    struct lambdalog_client cl;
    lambdalog_client_init(&cl);
    double *times = NULL, *obs = NULL;
    int64_t *cold_batches = NULL;
    struct lat_buf pred = { 0 };
    double *vals[M_COUNT] = { NULL };

    struct cli_parser p;
    cli_parser_init(&p, &cli_validate_spec, argc, argv);
    for (;;) {
        const char *v;
        int id = cli_parser_next(&p, &v);
        if (id == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            rc = CLI_USAGE;
            goto out;
        case CLI_O_HELP:
            cli_opts_print_help(&cli_validate_spec, stdout);
            rc = CLI_OK;
            goto out;
        case CLI_O_JSON:
            json = true;
            break;
        case CLI_O_FORCE:
            force = true;
            break;
        case O_OBSERVED:
            observed = v;
            break;
        case O_PLOT:
            plot_path = v;
            break;
        case O_REPLICATIONS:
            if (!cli_parse_u64(v, &reps) || reps < 1 || reps > 10000) {
                rc = cli_usage_error("validate", "--replications: expected a whole number from 1 to "
                                     "10000 (got '%s')", v);
                goto out;
            }
            break;
        case O_TOLERANCE:
            if (!parse_double(v, &tol) || !(tol > 0)) {
                rc = cli_usage_error("validate", "--tolerance: expected a number > 0, e.g. 0.1 for "
                                     "10%% (got '%s')", v);
                goto out;
            }
            break;
        case O_TOLERANCE_FOR: {
            const char *eq = strchr(v, '=');
            int k = -1;
            for (int j = 0; j < M_COUNT && eq != NULL; j++)
                if (strlen(metric_key[j]) == (size_t)(eq - v) && strncmp(v, metric_key[j], (size_t)(eq - v)) == 0)
                    k = j;
            if (k < 0) {
                rc = cli_usage_error("validate", "--tolerance-for: expected METRIC=T with METRIC one of "
                                     "latency_mean_ms, latency_p50_ms, latency_p90_ms, latency_p99_ms, "
                                     "throughput_rps, cold_start_rate, cold_starts (got '%s')", v);
                goto out;
            }
            if (!parse_double(eq + 1, &tol_for[k]) || !(tol_for[k] > 0)) {
                rc = cli_usage_error("validate", "--tolerance-for %s: expected a number > 0 after '=' "
                                     "(got '%s')", metric_key[k], eq + 1);
                goto out;
            }
            have_tol_for[k] = true;
            break;
        }
        default:
            if (cli_scenario_opt(&sa, id, v, &rc) != 0)
                goto out;
        }
    }
    if (cli_scenario_args_check(&sa, &rc) != 0)
        goto out;
    if (observed == NULL) {
        rc = cli_usage_error("validate", "missing --observed CLIENT_LOG.csv");
        goto out;
    }
    const char *out_opt[] = { "--plot" }, *out_path[] = { plot_path };
    if (cli_claim_stdout(out_opt, out_path, 1, json, &rc) != 0)
        goto out;
    if (lambdalog_client_read(&cl, observed, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        goto out;
    }
    if (cli_scenario_args_load(&sa, &sc, &rc) != 0)
        goto out;
    /* Checked once the inputs are read, before anything runs; plot_render
     * checks again when writing. */
    if (plot_path != NULL && (rc = cli_outfile_check("--plot", plot_path, force, CLI_USAGE)) != CLI_OK)
        goto out;
    rc = CLI_USAGE;

    /* Observed arrivals replace the workload, on the scenario's own clock
     * (its warm-up pings and window stay aligned with them); see
     * lambdalog_replay_shift for logs on another clock. */
    times = xmalloc(cl.n * sizeof *times);
    double t0 = lambdalog_replay_shift(&cl, sc.workload.start_s);
    for (size_t i = 0; i < cl.n; i++)
        times[i] = cl.req[i].send_s - t0;
    qsort(times, cl.n, sizeof *times, cmp_double);
    struct summary s;
    memset(&s, 0, sizeof s);
    s.scenario = sa.path;
    s.observed = observed;
    s.rows = cl.n;
    s.replications = (unsigned)reps;
    s.tolerance = tol;
    s.seed = sa.seed;
    double window = sc.warmup_period_s;
    if (times[cl.n - 1] < window) {
        cli_error("%s: every observed request was sent before the scenario's warmup_period_s (%g s on the "
                  "scenario's clock): nothing to compare", observed, window);
        goto out;
    }
    scenario_workload_fini(&sc.workload);
    sc.workload.type = WORKLOAD_TRACE;
    sc.workload.trace_s = times;
    sc.workload.trace_len = cl.n;
    snprintf(sc.workload.trace_path, sizeof sc.workload.trace_path, "%s", observed);
    times = NULL;
    sc.duration_s = INFINITY;
    sc.max_requests = 0;

    /* Observed metrics over the statistics window, defined as the engine does. */
    obs = xmalloc(cl.n * sizeof *obs);
    size_t n_ok = 0, n_cold = 0;
    /* Cold invocations: distinct batch ids among the cold ok rows. */
    cold_batches = xmalloc((cl.n + 1) * sizeof *cold_batches);
    size_t n_cold_batches = 0;
    bool cold_ids = cl.has_cold;
    double first_arrival = INFINITY, last_end = -INFINITY;
    for (size_t i = 0; i < cl.n; i++) {
        const struct lambdalog_request *q = &cl.req[i];
        double t = q->send_s - t0;
        if (t < window)
            continue;
        s.counted++;
        first_arrival = t < first_arrival ? t : first_arrival;
        if (!q->ok)
            continue;
        obs[n_ok++] = q->latency_ms;
        n_cold += q->cold == 1;
        if (q->cold == 1) {
            if (q->batch_id < 0)
                cold_ids = false;
            else
                cold_batches[n_cold_batches++] = q->batch_id;
        }
        double end = t + q->latency_ms / 1000.0;
        last_end = end > last_end ? end : last_end;
    }
    s.ok = n_ok;
    if (n_ok == 0) {
        cli_error("%s: no request with status ok in the statistics window: no latencies to compare", observed);
        goto out;
    }
    qsort(obs, n_ok, sizeof *obs, cmp_double);
    double ssum = 0;
    for (size_t i = 0; i < n_ok; i++)
        ssum += obs[i];
    s.m[M_MEAN].observed = ssum / (double)n_ok;
    s.m[M_P50].observed = gsl_stats_quantile_from_sorted_data(obs, 1, n_ok, 0.50);
    s.m[M_P90].observed = gsl_stats_quantile_from_sorted_data(obs, 1, n_ok, 0.90);
    s.m[M_P99].observed = gsl_stats_quantile_from_sorted_data(obs, 1, n_ok, 0.99);
    s.m[M_THROUGHPUT].observed = last_end > first_arrival ? (double)n_ok / (last_end - first_arrival) : (double)NAN;
    s.m[M_COLD].observed = (double)n_cold / (double)n_ok;
    qsort(cold_batches, n_cold_batches, sizeof *cold_batches, cmp_i64);
    size_t distinct = 0;
    for (size_t i = 0; i < n_cold_batches; i++)
        distinct += i == 0 || cold_batches[i] != cold_batches[i - 1];
    s.m[M_COLD_COUNT].observed = (double)distinct;
    for (int i = 0; i < M_COUNT; i++) {
        s.m[i].available = (i != M_COLD || cl.has_cold) && (i != M_COLD_COUNT || cold_ids);
        s.m[i].tol = have_tol_for[i] ? tol_for[i] : tol;
    }

    /* Predictions. */
    for (int i = 0; i < M_COUNT; i++)
        vals[i] = xmalloc(reps * sizeof *vals[i]);
    struct engine_hooks hooks = { .on_request = collect, .ctx = &pred, .stop = &interrupt_signal };
    if (cli_catch_stop(sa.time_limit_s, &rc) != 0)
        goto out;
    for (uint64_t r = 0; r < reps; r++) {
        struct engine_result res;
        if (engine_run(&sc, rng_derive_seed(sa.seed, r), &hooks, &res) == ENGINE_INTERRUPTED) {
            cli_error("%s: interrupted by %s in replication %llu of %llu: no comparison was made",
                      sa.path, interrupt_signal_name(interrupt_signal), (unsigned long long)r + 1,
                      (unsigned long long)reps);
            rc = interrupt_exit_code(interrupt_signal);
            goto out;
        }
        vals[M_MEAN][r] = res.latency_ms.mean;
        vals[M_P50][r] = res.latency_ms.p50;
        vals[M_P90][r] = res.latency_ms.p90;
        vals[M_P99][r] = res.latency_ms.p99;
        vals[M_THROUGHPUT][r] = res.throughput_rps;
        vals[M_COLD][r] = res.cold_starts.request_fraction;
        vals[M_COLD_COUNT][r] = (double)res.cold_starts.count;
    }
    s.pass = true;
    for (int i = 0; i < M_COUNT; i++) {
        struct row *m = &s.m[i];
        fit_mean_ci(vals[i], (size_t)reps, LEVEL, &m->predicted, &m->half);
        if (!m->available)
            continue;
        if (m->observed != 0 && isfinite(m->observed)) {
            m->rel = (m->predicted - m->observed) / m->observed;
            m->within = fabs(m->rel) <= m->tol;
        } else {
            /* No relative error against 0: only an exact match passes. */
            m->rel = NAN;
            m->within = m->predicted == m->observed;
        }
        s.pass &= m->within;
    }
    if (pred.n == 0) {
        cli_error("%s: no simulated request completed in the statistics window", sa.path);
        rc = CLI_FAILED;
        goto out;
    }
    qsort(pred.v, pred.n, sizeof *pred.v, cmp_double);
    s.ks = fit_ks2(obs, n_ok, pred.v, pred.n);
    s.w1 = fit_wasserstein1(obs, n_ok, pred.v, pred.n);

    if (json)
        print_json(&s);
    else
        print_table(&s);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("writing results to standard output failed: %s", strerror(errno));
        rc = CLI_FAILED;
        goto out;
    }
    if (plot_path != NULL && plot(plot_path, force, obs, n_ok, pred.v, pred.n, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    }
    if (!s.pass) {
        char off[1024] = "";
        size_t k = 0;
        bool mixed = false;
        for (int i = 0; i < M_COUNT; i++)
            mixed |= s.m[i].available && !s.m[i].within && s.m[i].tol != tol;
        for (int i = 0; i < M_COUNT && k < sizeof off; i++) {
            if (!s.m[i].available || s.m[i].within)
                continue;
            int w;
            if (isfinite(s.m[i].rel) && mixed)
                w = snprintf(off + k, sizeof off - k, "%s%s %+.1f%% (tolerance %.4g%%)", k > 0 ? ", " : "",
                             metric_key[i], s.m[i].rel * 100, s.m[i].tol * 100);
            else if (isfinite(s.m[i].rel))
                w = snprintf(off + k, sizeof off - k, "%s%s %+.1f%%", k > 0 ? ", " : "", metric_key[i],
                             s.m[i].rel * 100);
            else
                w = snprintf(off + k, sizeof off - k, "%s%s (observed 0, predicted %.4g)", k > 0 ? ", " : "",
                             metric_key[i], s.m[i].predicted);
            if (w > 0)
                k += (size_t)w;
        }
        if (mixed)
            cli_error("validate: predictions off by more than their tolerance: %s", off);
        else
            cli_error("validate: predictions off by more than %.4g%%: %s", tol * 100, off);
        rc = CLI_FAILED;
        goto out;
    }
    rc = CLI_OK;
out:
    for (int i = 0; i < M_COUNT; i++)
        free(vals[i]);
    free(pred.v);
    free(obs);
    free(times);
    free(cold_batches);
    lambdalog_client_fini(&cl);
    scenario_fini(&sc);
    cli_scenario_args_fini(&sa);
    cli_parser_fini(&p);
    return rc;
}
