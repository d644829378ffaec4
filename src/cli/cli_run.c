/* cli_run: `lambdasim run`, simulate one scenario. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "formats/config.h"
#include "core/engine.h"
#include "base/interrupt.h"
#include "base/outfile.h"
#include "analysis/replicate.h"
#include "base/version.h"
#include "formats/jsonout.h"
#include "analysis/report.h"
#include "formats/simlog.h"
#include "core/sink.h"
#include "formats/timeline.h"

enum {
    O_REQUESTS_CSV = CLI_O_OWN, O_TIMELINE_CSV, O_LAMBDA_LOG, O_CLIENT_LOG, O_STATS, O_TIMING, O_REPLICATIONS,
    O_INTERVAL_LEVEL
};

static const struct cli_opt opt_table[] = {
    CLI_ROW_SEED("master random seed (default: the scenario's \"seed\", else 1)"),
    CLI_ROW_SET(CLI_SET_HELP),
    CLI_ROW_JSON("print one JSON object (its fields: man lambdasim) instead of a table"),
    { .id = O_REQUESTS_CSV, .name = "requests-csv", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "write one CSV row per request (in completion order)" },
    { .id = O_TIMELINE_CSV, .name = "timeline-csv", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "write instance state intervals and queue length over time" },
    { .id = O_LAMBDA_LOG, .name = "lambda-log", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "write what the invocations would have logged in CloudWatch (START/END/REPORT text, "
              "warm-up pings included)" },
    { .id = O_CLIENT_LOG, .name = "client-log", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "write the client-side log: one CSV row per request, in send order (read by calibrate "
              "and validate)" },
    CLI_ROW_FORCE("replace output files that already exist"),
    { .id = O_STATS, .name = "stats", .metavar = "MODE", .complete = CLI_C_WORDS, .words = "exact streaming",
      .help = "percentiles: exact (default; 8 bytes of memory per request) or streaming (fixed memory, "
              "within 0.05%) (the same as --set stats.mode=MODE)" },
    { .id = O_REPLICATIONS, .name = "replications", .metavar = "R",
      .help = "run R replications (seeds derived from the master seed) and print, per metric, the mean with "
              "its 95% CI and the per-run interval: the spread of single runs, which says whether one "
              "observed run is normal (not with output files)" },
    { .id = O_INTERVAL_LEVEL, .name = "interval-level", .metavar = "L",
      .help = "with --replications: probability that the per-run interval holds a new run (default 0.95; "
              "needs R >= 2/(1-L) - 1, e.g. 39 for 0.95, else [min, max] with its coverage)" },
    { .id = O_TIMING, .name = "timing",
      .help = "print run time, simulated requests/s, events/s and peak memory to stderr (stdout stays "
              "deterministic)" },
    CLI_ROW_TIME_LIMIT(CLI_TIME_LIMIT_TEXT),
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_run_spec = {
    .name = "run",
    .summary = "simulate one scenario and report what a user measures",
    .synopsis = "SCENARIO.json [OPTIONS]",
    .about = "Simulates the scenario and prints a table of results (or JSON with --json).\n",
    .opts = opt_table,
    .notes =
        "FILE '-' is standard output; the table then goes to standard error. A --set\n"
        "value may be JSON, e.g.\n"
        "  --set 'platform.keep_alive_s={\"dist\":\"uniform\",\"min\":300,\"max\":900}'\n"
        "Relative model and trace paths in the scenario are resolved against the\n"
        "scenario file's directory. Output files are written whole or not at all.\n"
        "Ctrl-C (SIGINT) or SIGTERM stops the run: the results so far are printed,\n"
        "marked partial, no output file is written, and the exit code is 130 or 143\n"
        "(124 when --time-limit ends it).\n",
    .args = CLI_C_JSON,
    .fn = cli_run,
};

/* Output files `run` can write besides its report, in the order of their
 * ids (O_REQUESTS_CSV...). To add one: write a sink (sink.h) in its own
 * module, add a row here and one to opts. */
static const struct cli_output outputs[] = {
    { "--requests-csv", &report_requests_sink },
    { "--timeline-csv", &timeline_sink },
    { "--lambda-log", &simlog_lambda_sink },
    { "--client-log", &simlog_client_sink },
};
#define N_OUTPUTS (sizeof outputs / sizeof outputs[0])
_Static_assert(O_CLIENT_LOG - O_REQUESTS_CSV + 1 == N_OUTPUTS, "one output per output option");

struct fanout {
    struct cli_open_output *open;
};

static void fan_request(void *ctx, const struct request_record *rec)
{
    struct fanout *fo = ctx;
    for (size_t i = 0; i < N_OUTPUTS; i++)
        if (fo->open[i].path != NULL && outputs[i].ops->on_request != NULL)
            outputs[i].ops->on_request(fo->open[i].state, fo->open[i].file.f, rec);
}

static void fan_event(void *ctx, const struct engine_event *ev)
{
    struct fanout *fo = ctx;
    for (size_t i = 0; i < N_OUTPUTS; i++)
        if (fo->open[i].path != NULL && outputs[i].ops->on_event != NULL)
            outputs[i].ops->on_event(fo->open[i].state, fo->open[i].file.f, ev);
}

/* The results of a run stopped by a signal: the same table or JSON, marked
 * as partial first thing (a JSON object gets "partial", "interrupted_by"
 * and "interrupted_at_s" as its first fields). */
static void print_partial(bool json, const struct scenario *sc, const struct engine_result *r, int signo)
{
    if (!json) {
        printf("PARTIAL RESULTS: the run was interrupted by %s at %.3f simulated seconds; the\n"
               "figures cover only the part simulated (requests in flight are left out).\n\n",
               interrupt_signal_name(signo), r->end_s);
        report_table(stdout, sc, r);
        return;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        fprintf(stderr, "lambdasim: out of memory\n");
        abort();
    }
    report_json(mem, sc, r);
    fclose(mem);
    /* report_json's object starts with "{\n": splice the labels in after it. */
    assert(len >= 2 && text[0] == '{' && text[1] == '\n');
    printf("{\n  \"partial\": true,\n  \"interrupted_by\": \"%s\",\n  \"interrupted_at_s\": %.17g,\n%s",
           interrupt_signal_name(signo), r->end_s, text + 2);
    free(text);
}

/* --replications: per metric, the mean with its 95 % interval and the
 * per-run interval. */
static void print_replications(bool json, const struct scenario *sc, uint64_t seed,
                               const struct replicate_result *rr)
{
    if (json) {
        printf("{\n  \"lambdasim_version\": \"%s\",\n  \"scenario\": ", LAMBDASIM_VERSION);
        jsonout_string(stdout, sc->path);
        printf(",\n  \"seed\": %llu,\n  \"replications\": %zu,\n", (unsigned long long)seed, rr->replications);
        printf("  \"per_run_interval\": {\"level\": %.6g, \"coverage\": %.6g, \"k\": %zu, \"enough\": %s},\n",
               rr->level, rr->coverage, rr->k, rr->enough ? "true" : "false");
        printf("  \"metrics\": {\n");
        for (int m = 0; m < REPLICATE_METRIC_COUNT; m++) {
            const struct replicate_row *r = &rr->m[m];
            printf("    \"%s\": {\"runs\": %zu, \"runs_above_0\": %zu, \"mean\": ", replicate_metric_key[m], r->n,
                   r->above_zero);
            jsonout_number(stdout, r->mean, 17);
            printf(", \"ci95\": ");
            jsonout_interval(stdout, r->mean - r->half, r->mean + r->half, 17);
            printf(", \"per_run_interval\": ");
            jsonout_interval(stdout, r->run_lo, r->run_hi, 17);
            printf("}%s\n", m + 1 < REPLICATE_METRIC_COUNT ? "," : "");
        }
        printf("  }\n}\n");
        return;
    }
    printf("%s: %zu replications (seeds derived from %llu), %llu completed requests in all\n\n", sc->path,
           rr->replications, (unsigned long long)seed, (unsigned long long)rr->requests);
    printf("%-30s %14s %29s %29s\n", "metric", "mean", "95% CI of the mean", "single runs");
    for (int m = 0; m < REPLICATE_METRIC_COUNT; m++) {
        const struct replicate_row *r = &rr->m[m];
        char ci[64], run[64];
        snprintf(ci, sizeof ci, "[%.6g, %.6g]", r->mean - r->half, r->mean + r->half);
        snprintf(run, sizeof run, "[%.6g, %.6g]", r->run_lo, r->run_hi);
        printf("%-30s %14.6g %29s %29s\n", replicate_metric_label[m], r->mean, ci, run);
    }
    printf("\nruns with cold starts: %zu of %zu; runs with ping collisions: %zu of %zu\n",
           rr->m[REPLICATE_COLD_STARTS].above_zero, rr->replications, rr->m[REPLICATE_PING_COLLISIONS].above_zero,
           rr->replications);
    printf("single runs: order statistics %zu and %zu of the %zu replications, which hold a new run's "
           "value with probability %.1f%%%s\n", rr->k, rr->replications + 1 - rr->k, rr->replications,
           100 * rr->coverage, rr->enough ? "" : " (too few replications for the level asked: [min, max])");
}

/* Wall time of the simulation proper (not loading or printing). */
static void print_timing(const struct engine_result *r, double wall_s)
{
    uint64_t simulated = r->requests.arrived;
    fprintf(stderr,
            "timing: %.3f s simulating, %llu requests (%.3g requests/s), %llu events (%.3g events/s, "
            "%.1f ns/event), peak memory %.1f MB\n",
            wall_s, (unsigned long long)simulated, wall_s > 0 ? (double)simulated / wall_s : 0.0,
            (unsigned long long)r->events, wall_s > 0 ? (double)r->events / wall_s : 0.0,
            r->events > 0 ? wall_s * 1e9 / (double)r->events : 0.0, cli_peak_rss_mb());
}

int cli_run(int argc, char **argv)
{
    struct cli_scenario_args sa;
    cli_scenario_args_init(&sa, "run", "one scenario per run", argc);
    struct cli_open_output open[N_OUTPUTS];
    memset(open, 0, sizeof open);
    bool any_output = false, want_requests = false, want_events = false;
    bool json = false, force = false, timing = false;
    uint64_t replications = 0;
    double level = 0.95;
    char msg[CONFIG_MSG_MAX];
    int rc = CLI_USAGE;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);

    struct cli_parser p;
    cli_parser_init(&p, &cli_run_spec, argc, argv);
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
            cli_opts_print_help(&cli_run_spec, stdout);
            rc = CLI_OK;
            goto out;
        case CLI_O_JSON:
            json = true;
            break;
        case CLI_O_FORCE:
            force = true;
            break;
        case O_TIMING:
            timing = true;
            break;
        case O_REPLICATIONS:
            if ((rc = cli_opt_replications("run", v, 100000, &replications)) != 0)
                goto out;
            break;
        case O_INTERVAL_LEVEL:
            if ((rc = cli_opt_interval_level("run", v, &level)) != 0)
                goto out;
            break;
        case O_STATS:
            /* Sugar for --set stats.mode=MODE: validated with the file,
             * in command-line order among the --set overrides. */
            sa.sets[sa.n_sets++] = (struct config_override){ .path = "stats.mode", .value = v };
            break;
        case O_REQUESTS_CSV:
        case O_TIMELINE_CSV:
        case O_LAMBDA_LOG:
        case O_CLIENT_LOG:
            open[id - O_REQUESTS_CSV].path = v;
            any_output = true;
            break;
        default:
            if (cli_scenario_opt(&sa, id, v, &rc) != 0)
                goto out;
        }
    }
    if (replications > 0 && any_output) {
        rc = cli_usage_error("run", "--replications: the output files (--requests-csv, --timeline-csv, "
                             "--lambda-log, --client-log) describe one run; run without --replications to "
                             "write them");
        goto out;
    }
    if (cli_scenario_args_check(&sa, &rc) != 0 || cli_outputs_claim_stdout(outputs, open, N_OUTPUTS, json, &rc) != 0
        || cli_scenario_args_load(&sa, &sc, &rc) != 0)
        goto out;
    if (replications > 0) {
        if (cli_catch_stop(sa.time_limit_s, &rc) != 0)
            goto out;
        struct replicate_result rr;
        double t0 = cli_now_s();
        enum replicate_status rs = replicate_run(&sc, sa.seed, (size_t)replications, level, &interrupt_signal, &rr,
                                                 msg, sizeof msg);
        if (timing)
            fprintf(stderr, "timing: %.3f s for %llu replications, peak memory %.1f MB\n", cli_now_s() - t0,
                    (unsigned long long)replications, cli_peak_rss_mb());
        if (rs != REPLICATE_OK) {
            cli_error("%s", msg);
            rc = rs == REPLICATE_INTERRUPTED ? interrupt_exit_code(rr.stop_signal) : CLI_FAILED;
            goto out;
        }
        print_replications(json, &sc, sa.seed, &rr);
        rc = fflush(stdout) != 0 || ferror(stdout) ? CLI_FAILED : CLI_OK;
        goto out;
    }
    /* From here on a signal stops the run cleanly (the temporary output
     * files are removed) instead of killing it mid-write. */
    if (cli_catch_stop(sa.time_limit_s, &rc) != 0)
        goto out;
    if (cli_outputs_open(outputs, open, N_OUTPUTS, force, CLI_USAGE, &rc) != 0)
        goto out;
    for (size_t i = 0; i < N_OUTPUTS; i++) {
        if (open[i].path == NULL)
            continue;
        open[i].state = outputs[i].ops->start(open[i].file.f, &sc);
        want_requests |= outputs[i].ops->on_request != NULL;
        want_events |= outputs[i].ops->on_event != NULL;
    }
    struct fanout fo = { .open = open };
    struct engine_hooks hooks = { .on_request = want_requests ? fan_request : NULL,
                                  .on_event = want_events ? fan_event : NULL,
                                  .ctx = &fo, .stop = &interrupt_signal };
    struct engine_result res;
    double t0 = cli_now_s();
    enum engine_status est = engine_run(&sc, sa.seed, &hooks, &res);
    double wall = cli_now_s() - t0;
    if (timing)
        print_timing(&res, wall);
    if (est == ENGINE_OVERLOAD) {
        cli_error("%s: more than %u requests were in the system at once (arrivals far outpace what "
                  "the platform serves), so the run was stopped after %.3f simulated seconds; lower "
                  "the load, or bound the client with client.max_inflight and client.max_queue",
                  sa.path, ENGINE_MAX_OUTSTANDING, res.end_s);
        rc = CLI_FAILED;
        goto out;
    }
    if (est == ENGINE_INTERRUPTED) {
        /* Output files are discarded below (out:); what was simulated is
         * printed, marked partial. */
        int signo = interrupt_signal;
        print_partial(json, &sc, &res, signo);
        fflush(stdout);
        cli_error("%s: interrupted by %s after %.3f simulated seconds: the results printed are "
                  "partial%s", sa.path, interrupt_signal_name(signo), res.end_s,
                  any_output ? ", and no output file was written" : "");
        rc = interrupt_exit_code(signo);
        goto out;
    }
    for (size_t i = 0; i < N_OUTPUTS; i++) {
        if (open[i].path == NULL)
            continue;
        if (outputs[i].ops->finish != NULL)
            outputs[i].ops->finish(open[i].state, open[i].file.f, &res);
        open[i].state = NULL;
        if (outfile_commit(&open[i].file, msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            rc = CLI_FAILED;
            goto out;
        }
    }
    if (json)
        report_json(stdout, &sc, &res);
    else
        report_table(stdout, &sc, &res);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "lambdasim: writing results to standard output failed: %s\n", strerror(errno));
        rc = CLI_FAILED;
        goto out;
    }
    rc = 0;
out:
    cli_outputs_abort(outputs, open, N_OUTPUTS);
    scenario_fini(&sc);
    cli_scenario_args_fini(&sa);
    cli_parser_fini(&p);
    return rc;
}

