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
#include "cli/cli.h"
#include "formats/config.h"
#include "analysis/plot.h"
#include "analysis/validate.h"
#include "base/interrupt.h"
#include "formats/jsonout.h"
#include "formats/lambdalog.h"
#include "base/version.h"

enum {
    O_OBSERVED = CLI_O_OWN, O_REPLICATIONS, O_TOLERANCE, O_TOLERANCE_FOR, O_INTERVAL_LEVEL, O_TOLERANCE_ONLY, O_PLOT,
    O_HOST_SPEED
};

static const struct cli_opt opt_table[] = {
    { .id = O_OBSERVED, .name = "observed", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "the client log (CSV, format: man lambdasim; required)" },
    { .id = O_REPLICATIONS, .name = "replications", .metavar = "R", 
      .help = "simulated replications (default 319: the fewest whose [min, max] holds a new run's 8 metrics "
              "together with probability 0.95)" },
    { .id = O_TOLERANCE, .name = "tolerance", .metavar = "T",
      .help = "largest relative error |predicted - observed| / observed a metric may have (default 0.1)" },
    { .id = O_TOLERANCE_FOR, .name = "tolerance-for", .metavar = "M=T",
      .help = "the same for metric M alone (e.g. latency_p99_ms=0.25); repeatable; M is a metric key as in "
              "--json" },
    { .id = O_INTERVAL_LEVEL, .name = "interval-level", .metavar = "L",
      .help = "probability that the per-run intervals (the spread of single simulated runs) hold all of a new "
              "run's metrics together: each metric's at 1 - (1-L)/8 (default 0.95; needs R >= 16/(1-L) - 1, "
              "else [min, max] with a warning)" },
    { .id = O_TOLERANCE_ONLY, .name = "tolerance-only",
      .help = "fail on the tolerance alone: a metric outside it fails even when within the noise of single "
              "runs" },
    { .id = O_HOST_SPEED, .name = "host-speed", .metavar = "F",
      .help = "predict given the host's speed during the run: every batch and cold start takes F times the "
              "profile's work (e.g. emulate's function CPU / profile ratio) instead of the profile's "
              "host.speed draws; needs platform.host_cores > 0; 0.01..100" },
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
        "with the predicted mean (its 95% confidence interval is shown) and with the\n"
        "per-run interval, the spread of single runs: latency mean, p50, p90, p99,\n"
        "throughput, cold-start rate (when the log has a cold column) and cold-start\n"
        "count (cold invocations; when it also has a batch_id column). Each metric\n"
        "gets a verdict: within (inside the tolerance), noise (outside it, but\n"
        "inside the per-run interval: what one run varies by, not model error) or\n"
        "miss (outside both). Also prints the KS distance, its p-value, and the\n"
        "Wasserstein-1 distance between the latency distributions. The scenario's\n"
        "duration_s and requests limits are lifted: every observed request is\n"
        "replayed.\n",
    .opts = opt_table,
    .notes =
        "Exit codes: 0 no metric is a miss (with --tolerance-only: every metric\n"
        "within the tolerance), 1 some are (they are named on stderr) or the plot\n"
        "failed, 2 bad usage or input, 124 the time limit, 130 / 143 SIGINT /\n"
        "SIGTERM.\n",
    .args = CLI_C_JSON,
    .fn = cli_validate,
};

/* Table labels, in the order of enum validate_metric. */
static const char *const metric_label[VALIDATE_METRIC_COUNT] = {
    "latency mean (ms)", "latency p50 (ms)", "latency p90 (ms)", "latency p99 (ms)", "throughput (rps)",
    "cold-start rate", "cold starts", "failed rate",
};

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


/* What the command prints besides the library's result. */
struct summary {
    const char *scenario, *observed;
    uint64_t seed;
    double tolerance;       /* --tolerance (each metric's own is in res.m[i].tol) */
    double host_speed;      /* --host-speed (0: the profile's host.speed, if any) */
    bool tolerance_only;
    const struct validate_result *res;
};

static void print_table(const struct summary *s)
{
    const struct validate_result *v = s->res;
    const struct validate_interval *iv = &v->interval;
    printf("validate: %s against %s\n", s->scenario, s->observed);
    printf("observed: %zu requests (%zu in the statistics window, %zu ok); predicted: %zu replications, "
           "seed %llu; tolerance %.4g%%\n\n", v->rows, v->counted, v->ok, iv->replications,
           (unsigned long long)s->seed, s->tolerance * 100);
    if (s->host_speed > 0)
        printf("host speed: fixed at x%.4g (--host-speed): the prediction given the host's speed during the "
               "run, not the profile's draws\n\n", s->host_speed);
    char run_head[64];
    snprintf(run_head, sizeof run_head, "%.4g%% of single runs", iv->coverage * 100);
    printf("%-20s %12s %12s %27s %27s %11s  %s\n", "metric", "observed", "predicted", "95% CI of prediction",
           run_head, "rel. error", "verdict");
    size_t n_noise = 0;
    for (int i = 0; i < VALIDATE_METRIC_COUNT; i++) {
        const struct validate_row *r = &v->m[i];
        if (!r->available) {
            if (v->ok == 0)
                printf("%-20s %12s %12s %27s %27s %11s  (no ok request in the log)\n", metric_label[i], "-", "-",
                       "", "", "");
            else
                printf("%-20s %12s %12.6g %27s %27s %11s  (no %s column in the log)\n", metric_label[i], "-",
                       r->predicted, "", "", "", i == VALIDATE_COLD_COUNT ? "cold or batch_id" : "cold");
            continue;
        }
        char ci[64] = "-", run[64], rel[32] = "-";
        if (isfinite(r->half))
            snprintf(ci, sizeof ci, "[%.6g, %.6g]", r->predicted - r->half, r->predicted + r->half);
        snprintf(run, sizeof run, "[%.6g, %.6g]", r->run_lo, r->run_hi);
        if (isfinite(r->rel))
            snprintf(rel, sizeof rel, "%+.1f%%", r->rel * 100);
        printf("%-20s %12.6g %12.6g %27s %27s %11s  %s", metric_label[i], r->observed, r->predicted, ci, run, rel,
               validate_verdict_name(r->verdict));
        n_noise += r->verdict == VALIDATE_NOISE;
        if (r->tol != s->tolerance)
            printf(" (tolerance %.4g%%)", r->tol * 100);
        if (r->abs_tol > 0 && i == VALIDATE_FAILED_RATE)
            printf(" (or within one request: under %d failed)", VALIDATE_FEW_FAILED);
        else if (r->abs_tol > 0)
            printf(i == VALIDATE_COLD_COUNT ? " (or within 1: under %d observed)" : " (or within one cold batch: "
                   "under %d observed)", VALIDATE_FEW_COLD);
        printf("\n");
    }
    printf("\nsingle runs: order statistics %zu and %zu of the %zu replications, which hold a new run's value "
           "with probability %zu/%zu per metric, and all %d metrics' together with probability %.3g%% or more\n",
           iv->k, iv->replications + 1 - iv->k, iv->replications, iv->replications + 1 - 2 * iv->k,
           iv->replications + 1, VALIDATE_METRIC_COUNT, iv->family_coverage * 100);
    printf("noise: outside the tolerance but inside the spread of single simulated runs: the difference is what "
           "one run varies by, not model error\n");
    if (isfinite(v->ks))
        printf("latency distributions: KS distance %.4f (p = %.3g), Wasserstein-1 distance %.4g ms\n", v->ks,
               v->ks_p_value, v->w1);
    else
        printf("latency distributions: not compared (%s)\n", v->ok == 0 ? "no ok request in the log"
                                                                          : "no simulated request completed");
    if (!v->pass)
        printf("result: FAIL%s\n", s->tolerance_only ? " (--tolerance-only: every metric must be within the tolerance)"
                                                     : "");
    else if (n_noise == 0)
        printf("result: PASS (every metric within the tolerance)\n");
    else
        printf("result: PASS (no miss; %zu metric%s within the noise of single runs)\n", n_noise,
               n_noise == 1 ? "" : "s");
}

static void print_json(const struct summary *s)
{
    const struct validate_result *v = s->res;
    const struct validate_interval *iv = &v->interval;
    printf("{\n  \"lambdasim_version\": \"%s\",\n  \"scenario\": ", LAMBDASIM_VERSION);
    jsonout_string(stdout, s->scenario);
    printf(",\n  \"observed\": ");
    jsonout_string(stdout, s->observed);
    printf(",\n  \"requests\": {\"rows\": %zu, \"counted\": %zu, \"ok\": %zu},\n", v->rows, v->counted, v->ok);
    printf("  \"replications\": %zu,\n  \"seed\": %llu,\n  \"tolerance\": ", iv->replications,
           (unsigned long long)s->seed);
    jsonout_number(stdout, s->tolerance, 6);
    printf(",\n  \"tolerance_only\": %s,\n  \"host_speed\": ", s->tolerance_only ? "true" : "false");
    jsonout_number(stdout, s->host_speed > 0 ? s->host_speed : (double)NAN, 6);
    printf(",\n  \"interval\": {\"level\": ");
    jsonout_number(stdout, iv->level, 6);
    printf(", \"metrics\": %d, \"metric_level\": ", VALIDATE_METRIC_COUNT);
    jsonout_number(stdout, iv->metric_level, 6);
    printf(", \"coverage\": ");
    jsonout_number(stdout, iv->coverage, 6);
    printf(", \"family_coverage\": ");
    jsonout_number(stdout, iv->family_coverage, 6);
    printf(", \"replications\": %zu, \"k\": %zu},\n  \"metrics\": {\n", iv->replications, iv->k);
    for (int i = 0; i < VALIDATE_METRIC_COUNT; i++) {
        const struct validate_row *r = &v->m[i];
        printf("    \"%s\": {\"observed\": ", validate_metric_key[i]);
        jsonout_number(stdout, r->available ? r->observed : (double)NAN, 6);
        printf(", \"predicted\": ");
        jsonout_number(stdout, r->predicted, 6);
        printf(", \"ci95\": ");
        jsonout_interval(stdout, r->predicted - r->half, r->predicted + r->half, 6);
        printf(", \"per_run_interval\": ");
        jsonout_interval(stdout, r->run_lo, r->run_hi, 6);
        printf(", \"relative_error\": ");
        jsonout_number(stdout, r->available ? r->rel : (double)NAN, 6);
        printf(", \"tolerance\": ");
        jsonout_number(stdout, r->tol, 6);
        if (r->abs_tol > 0) {
            printf(", \"absolute_tolerance\": ");
            jsonout_number(stdout, r->abs_tol, 6);
        }
        printf(", \"within_tolerance\": %s", !r->available ? "null" : r->within ? "true" : "false");
        printf(", \"within_interval\": %s", !r->available ? "null" : r->within_interval ? "true" : "false");
        if (r->available)
            printf(", \"verdict\": \"%s\"}", validate_verdict_name(r->verdict));
        else
            printf(", \"verdict\": null}");
        printf("%s\n", i + 1 < VALIDATE_METRIC_COUNT ? "," : "");
    }
    printf("  },\n  \"distances\": {\"ks\": ");
    jsonout_number(stdout, v->ks, 6);
    printf(", \"ks_p_value\": ");
    jsonout_number(stdout, v->ks_p_value, 6);
    printf(", \"wasserstein1_ms\": ");
    jsonout_number(stdout, v->w1, 6);
    printf("},\n  \"pass\": %s\n}\n", v->pass ? "true" : "false");
}

/* The one stderr line of a failed validation: the metrics that fail it
 * (misses; with --tolerance-only, every metric off its tolerance). */
static void report_failures(const struct summary *s)
{
    const struct validate_result *v = s->res;
    char off[1024] = "";
    size_t k = 0;
    bool mixed = false;
    for (int i = 0; i < VALIDATE_METRIC_COUNT; i++)
        mixed |= v->m[i].available && !v->m[i].within && v->m[i].tol != s->tolerance;
    for (int i = 0; i < VALIDATE_METRIC_COUNT && k < sizeof off; i++) {
        const struct validate_row *r = &v->m[i];
        if (!r->available || (s->tolerance_only ? r->within : r->verdict != VALIDATE_MISS))
            continue;
        int w;
        if (isfinite(r->rel) && mixed)
            w = snprintf(off + k, sizeof off - k, "%s%s %+.1f%% (tolerance %.4g%%)", k > 0 ? ", " : "",
                         validate_metric_key[i], r->rel * 100, r->tol * 100);
        else if (isfinite(r->rel))
            w = snprintf(off + k, sizeof off - k, "%s%s %+.1f%%", k > 0 ? ", " : "", validate_metric_key[i],
                         r->rel * 100);
        else
            w = snprintf(off + k, sizeof off - k, "%s%s (observed 0, predicted %.4g)", k > 0 ? ", " : "",
                         validate_metric_key[i], r->predicted);
        if (w > 0)
            k += (size_t)w;
    }
    const char *beyond = s->tolerance_only ? "" : " and outside the spread of single runs";
    if (mixed)
        cli_error("validate: predictions off by more than their tolerance%s: %s", beyond, off);
    else
        cli_error("validate: predictions off by more than %.4g%%%s: %s", s->tolerance * 100, beyond, off);
}

/* ---- the command ------------------------------------------------------------------- */


int cli_validate(int argc, char **argv)
{
    struct cli_scenario_args sa;
    cli_scenario_args_init(&sa, "validate", "one scenario", argc);
    const char *observed = NULL, *plot_path = NULL;
    uint64_t reps = VALIDATE_REPLICATIONS_DEFAULT;
    double tol = 0.1, level = VALIDATE_LEVEL_DEFAULT, host_speed = 0;
    double tol_for[VALIDATE_METRIC_COUNT];
    bool have_tol_for[VALIDATE_METRIC_COUNT] = { false };
    bool json = false, force = false, tolerance_only = false;
    char msg[CONFIG_MSG_MAX];
    int rc = CLI_USAGE;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);
    struct lambdalog_client cl;
    lambdalog_client_init(&cl);
    struct validate_result res;
    memset(&res, 0, sizeof res);

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
        case O_TOLERANCE_ONLY:
            tolerance_only = true;
            break;
        case O_HOST_SPEED:
            if (!cli_parse_double(v, &host_speed) || !(host_speed >= 0.01 && host_speed <= 100)) {
                rc = cli_usage_error("validate", "--host-speed: expected a factor from 0.01 to 100, e.g. 0.8 "
                                     "for a host 20%% faster than when profiled (got '%s')", v);
                goto out;
            }
            break;
        case O_REPLICATIONS:
            if ((rc = cli_opt_replications("validate", v, 10000, &reps)) != 0)
                goto out;
            break;
        case O_INTERVAL_LEVEL:
            if ((rc = cli_opt_interval_level("validate", v, &level)) != 0)
                goto out;
            break;
        case O_TOLERANCE:
            if (!cli_parse_double(v, &tol) || !(tol > 0)) {
                rc = cli_usage_error("validate", "--tolerance: expected a number > 0, e.g. 0.1 for "
                                     "10%% (got '%s')", v);
                goto out;
            }
            break;
        case O_TOLERANCE_FOR: {
            const char *eq = strchr(v, '=');
            int k = -1;
            for (int j = 0; j < VALIDATE_METRIC_COUNT && eq != NULL; j++)
                if (strlen(validate_metric_key[j]) == (size_t)(eq - v) &&
                    strncmp(v, validate_metric_key[j], (size_t)(eq - v)) == 0)
                    k = j;
            if (k < 0) {
                rc = cli_usage_error("validate", "--tolerance-for: expected METRIC=T with METRIC one of "
                                     "latency_mean_ms, latency_p50_ms, latency_p90_ms, latency_p99_ms, "
                                     "throughput_rps, cold_start_rate, cold_starts, failed_rate (got '%s')", v);
                goto out;
            }
            if (!cli_parse_double(eq + 1, &tol_for[k]) || !(tol_for[k] > 0)) {
                rc = cli_usage_error("validate", "--tolerance-for %s: expected a number > 0 after '=' "
                                     "(got '%s')", validate_metric_key[k], eq + 1);
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
        rc = CLI_USAGE;
        goto out;
    }
    if (cli_scenario_args_load(&sa, &sc, &rc) != 0)
        goto out;
    if (host_speed > 0) {
        /* The host's speed is modelled only where the host is. */
        if (!(sc.platform.host_cores > 0)) {
            rc = cli_usage_error("validate", "--host-speed: %s does not model the host (platform.host_cores is "
                                 "0), so there is no host speed to fix; set platform.host_cores (e.g. --set "
                                 "platform.host_cores=%ld)", sa.path, sysconf(_SC_NPROCESSORS_ONLN));
            goto out;
        }
        model_fix_speed(&sc.function.model, host_speed);
    }
    /* Checked once the inputs are read, before anything runs; plot_render
     * checks again when writing. */
    if (plot_path != NULL && (rc = cli_outfile_check("--plot", plot_path, force, CLI_USAGE)) != CLI_OK)
        goto out;

    struct validate_opts vo = {
        .sc = &sc,
        .scenario_path = sa.path,
        .log = &cl,
        .log_path = observed,
        .seed = sa.seed,
        .replications = (size_t)reps,
        .interval_level = level,
        .tolerance_only = tolerance_only,
        .stop = &interrupt_signal,
    };
    for (int i = 0; i < VALIDATE_METRIC_COUNT; i++)
        vo.tolerance[i] = have_tol_for[i] ? tol_for[i] : tol;
    /* Too few runs for the level: said before the runs, so that it is seen
     * even if they are stopped. */
    double coverage, metric_level = validate_metric_level(level);
    bool enough;
    size_t k = validate_order_k(vo.replications, metric_level, &coverage, &enough);
    if (!enough)
        fprintf(stderr, "validate: warning: %zu replication%s too few for %.4g%% per-run intervals (%.4g%% per "
                "metric, %.0f or more replications needed): each is [min, max] of the single runs, which holds a "
                "new run with probability %zu/%zu = %.3g%% per metric\n", vo.replications,
                vo.replications == 1 ? " is" : "s are", level * 100, metric_level * 100,
                ceil(2 / (1 - metric_level) - 1 - 1e-9), vo.replications + 1 - 2 * k, vo.replications + 1,
                coverage * 100);
    if (cli_catch_stop(sa.time_limit_s, &rc) != 0)
        goto out;
    switch (validate_run(&vo, &res, msg, sizeof msg)) {
    case VALIDATE_OK:
        break;
    case VALIDATE_BAD_INPUT:
        cli_error("%s", msg);
        rc = CLI_USAGE;
        goto out;
    case VALIDATE_FAILED:
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    case VALIDATE_INTERRUPTED:
        cli_error("%s", msg);
        rc = interrupt_exit_code(res.stop_signal);
        goto out;
    }

    struct summary s = {
        .scenario = sa.path,
        .observed = observed,
        .seed = sa.seed,
        .tolerance = tol,
        .tolerance_only = tolerance_only,
        .host_speed = host_speed,
        .res = &res,
    };
    if (json)
        print_json(&s);
    else
        print_table(&s);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("writing results to standard output failed: %s", strerror(errno));
        rc = CLI_FAILED;
        goto out;
    }
    if (plot_path != NULL && (res.n_observed == 0 || res.n_predicted == 0)) {
        /* Nothing to draw; the table said why. Not an error of the
         * comparison, which was made. */
        fprintf(stderr, "validate: warning: --plot %s not written: no latencies on %s side\n", plot_path,
                res.n_observed == 0 ? "the observed" : "the simulated");
    } else if (plot_path != NULL && plot(plot_path, force, res.observed_ms, res.n_observed, res.predicted_ms,
                                         res.n_predicted, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    }
    if (!res.pass) {
        report_failures(&s);
        rc = CLI_FAILED;
        goto out;
    }
    rc = CLI_OK;
out:
    validate_result_fini(&res);
    lambdalog_client_fini(&cl);
    scenario_fini(&sc);
    cli_scenario_args_fini(&sa);
    cli_parser_fini(&p);
    return rc;
}
