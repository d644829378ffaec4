/* cli_explain: `lambdasim explain`, a narrated event log of one run and a
 * diagnosis of its latency tail (explain.h), with the fixes re-run. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "formats/config.h"
#include "core/engine.h"
#include "analysis/explain.h"
#include "base/interrupt.h"

enum { O_FIRST = CLI_O_OWN, O_WINDOW };

static const struct cli_opt opt_table[] = {
    { .id = O_FIRST, .name = "first", .metavar = "N", .help = "narrate at most N events (0: only the diagnosis)" },
    { .id = O_WINDOW, .name = "window", .metavar = "T0:T1",
      .help = "narrate only events with T0 <= time <= T1 (seconds; either side may be empty: 600: or :10)" },
    CLI_ROW_SEED("master random seed (default: the scenario's \"seed\", else 1)"),
    CLI_ROW_SET(CLI_SET_HELP),
    CLI_ROW_TIME_LIMIT(CLI_TIME_LIMIT_TEXT),
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_explain_spec = {
    .name = "explain",
    .summary = "narrate a run event by event and diagnose its latency tail",
    .synopsis = "SCENARIO.json [OPTIONS]",
    .about =
        "Simulates the scenario and tells what happened in plain words, one line per\n"
        "event (simulated time first): arrivals and the queue, each batch and why it\n"
        "left (threshold, timeout or size cap), which instance ran it (provisioned,\n"
        "warm on-demand, or a cold start and its init time), throttles and retries,\n"
        "warm-up pings and their collisions with requests, expiries. Then a diagnosis\n"
        "of the latency tail: how many requests met a cold start, waited for a batch,\n"
        "waited for a client slot or were throttled; the p99 without each cause\n"
        "(recomputed from the per-request records), and the --set change that removes\n"
        "it, re-run to show its p99 and cost. Last, every change (those fixes and the\n"
        "cheap ones: ping timing, pings, a batching timeout from the arrival rate,\n"
        "keep-alive, the in-flight cap), each re-run with the same seed, ranked by p99\n"
        "gained per dollar added.\n",
    .opts = opt_table,
    .notes =
        "The diagnosis always covers the whole run (the statistics window), whatever\n"
        "part of it is narrated.\n",
    .args = CLI_C_JSON,
    .fn = cli_explain,
};

/* Runs the scenario with the user's overrides plus `extra` (n_extra
 * "path=value" changes) and the run's seed. 0 with *res, or -1 with msg
 * (the changes do not load, or the run did not end normally). */
static int rerun_with(const char *path, const struct config_override *sets, size_t n_sets,
                      const char (*extra)[EXPLAIN_SET_MAX], int n_extra, uint64_t seed, struct engine_result *res,
                      char *msg, size_t msg_len)
{
    struct config_override *all = calloc(n_sets + EXPLAIN_FIX_MAX, sizeof *all);
    if (all == NULL) {
        snprintf(msg, msg_len, "out of memory");
        return -1;
    }
    memcpy(all, sets, n_sets * sizeof *all);
    size_t n = n_sets;
    bool ok = true;
    for (int i = 0; i < n_extra && ok; i++)
        ok = config_parse_override(extra[i], &all[n++], msg, msg_len) == 0;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);
    if (ok)
        ok = config_load_scenario(path, all, n, &sc, msg, msg_len) == CONFIG_OK;
    int rc = -1;
    if (ok) {
        struct engine_hooks stop = { .stop = &interrupt_signal };
        enum engine_status est = engine_run(&sc, seed, &stop, res);
        if (est == ENGINE_OK)
            rc = 0;
        else if (est == ENGINE_INTERRUPTED)
            snprintf(msg, msg_len, "the re-run was interrupted");
        else
            snprintf(msg, msg_len, "the re-run was stopped: too many requests in the system at once");
    }
    scenario_fini(&sc);
    free(all);
    return rc;
}

/* Re-runs the scenario with each cause's fix and each option. */
static void rerun_fixes(const char *path, const struct config_override *sets, size_t n_sets, uint64_t seed,
                        struct explain_diagnosis *d)
{
    char msg[CONFIG_MSG_MAX];
    struct engine_result res;
    for (int k = 0; k < EXPLAIN_N_CAUSES; k++) {
        const struct explain_cause *c = &d->cause[k];
        if (c->requests == 0 || c->n_fix == 0)
            continue;
        if (rerun_with(path, sets, n_sets, c->fix, c->n_fix, seed, &res, msg, sizeof msg) == 0)
            explain_rerun_set(&d->cause[k].rerun, &res);
        else
            explain_rerun_fail(&d->cause[k].rerun, msg);
    }
    for (int i = 0; i < d->n_option; i++) {
        const struct explain_option *o = &d->option[i];
        if (rerun_with(path, sets, n_sets, o->set, o->n_set, seed, &res, msg, sizeof msg) == 0)
            explain_rerun_set(&d->option[i].rerun, &res);
        else
            explain_rerun_fail(&d->option[i].rerun, msg);
    }
}

int cli_explain(int argc, char **argv)
{
    struct cli_scenario_args sa;
    cli_scenario_args_init(&sa, "explain", "one scenario at a time", argc);
    struct explain_opts opts = { .first = UINT64_MAX, .from_s = 0, .to_s = INFINITY };
    int rc = CLI_USAGE;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);
    struct explain *x = NULL;

    struct cli_parser p;
    cli_parser_init(&p, &cli_explain_spec, argc, argv);
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
            cli_opts_print_help(&cli_explain_spec, stdout);
            rc = CLI_OK;
            goto out;
        case O_FIRST:
            if (!cli_parse_u64(v, &opts.first)) {
                rc = cli_usage_error("explain", "--first: expected a whole number >= 0 (got '%s')", v);
                goto out;
            }
            break;
        case O_WINDOW:
            if (!cli_parse_window(v, &opts.from_s, &opts.to_s)) {
                rc = cli_usage_error("explain", "--window: expected T0:T1, seconds >= 0 with T0 <= T1 "
                                     "(got '%s')", v);
                goto out;
            }
            break;
        default:
            if (cli_scenario_opt(&sa, id, v, &rc) != 0)
                goto out;
        }
    }
    if (cli_scenario_args_check(&sa, &rc) != 0 || cli_scenario_args_load(&sa, &sc, &rc) != 0)
        goto out;

    x = explain_create(stdout, &sc, &opts);
    struct engine_hooks hooks;
    explain_hooks(x, &hooks);
    hooks.stop = &interrupt_signal;
    if (cli_catch_stop(sa.time_limit_s, &rc) != 0)
        goto out;
    struct engine_result res;
    enum engine_status est = engine_run(&sc, sa.seed, &hooks, &res);
    if (est == ENGINE_INTERRUPTED) {
        fflush(stdout);
        cli_error("%s: interrupted by %s after %.3f simulated seconds: the narration above is "
                  "partial, and there is no diagnosis", sa.path, interrupt_signal_name(interrupt_signal),
                  res.end_s);
        rc = interrupt_exit_code(interrupt_signal);
        goto out;
    }
    if (est == ENGINE_OVERLOAD) {
        fflush(stdout);
        cli_error("%s: more than %u requests were in the system at once (arrivals far outpace what "
                  "the platform serves), so the run was stopped after %.3f simulated seconds; lower "
                  "the load, or bound the client with client.max_inflight and client.max_queue",
                  sa.path, ENGINE_MAX_OUTSTANDING, res.end_s);
        rc = CLI_FAILED;
        goto out;
    }
    if (opts.first > 0)
        explain_write_footer(x, &res);
    struct explain_diagnosis d;
    explain_diagnose(x, &res, &d);
    rerun_fixes(sa.path, sa.sets, sa.n_sets, sa.seed, &d);
    if (opts.first > 0)
        fputc('\n', stdout);
    explain_write_diagnosis(stdout, &d);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "lambdasim: writing to standard output failed: %s\n", strerror(errno));
        rc = CLI_FAILED;
        goto out;
    }
    rc = CLI_OK;
out:
    explain_destroy(x);
    scenario_fini(&sc);
    cli_scenario_args_fini(&sa);
    cli_parser_fini(&p);
    return rc;
}
