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

const char cli_explain_usage[] =
    "Usage: lambdasim explain SCENARIO.json [OPTIONS]\n"
    "\n"
    "Simulates the scenario and tells what happened in plain words, one line per\n"
    "event (simulated time first): arrivals and the queue, each batch and why it\n"
    "left (threshold, timeout or size cap), which instance ran it (provisioned,\n"
    "warm on-demand, or a cold start and its init time), throttles and retries,\n"
    "warm-up pings and their collisions with requests, expiries. Then a diagnosis\n"
    "of the latency tail: how many requests met a cold start, waited for a batch,\n"
    "waited for a client slot or were throttled; the p99 without each cause\n"
    "(recomputed from the per-request records), and the --set change that removes\n"
    "it, re-run to show its p99 and cost.\n"
    "\n"
    "Options:\n"
    "  --first N             narrate at most N events (0: only the diagnosis)\n"
    "  --window T0:T1        narrate only events with T0 <= time <= T1 (seconds;\n"
    "                        either side may be empty: 600: or :10)\n"
    "  --seed N              master random seed (default: the scenario's \"seed\", else 1)\n"
    "  --set KEY.PATH=VALUE  change a scenario field before validation; repeatable\n"
    CLI_TIME_LIMIT_HELP
    "  -h, --help            show this help\n"
    "\n"
    "The diagnosis always covers the whole run (the statistics window), whatever\n"
    "part of it is narrated.\n";

/* Re-runs the scenario with the user's overrides plus each cause's fix. */
static void rerun_fixes(const char *path, const struct config_override *sets, size_t n_sets, uint64_t seed,
                        struct explain_diagnosis *d)
{
    struct config_override *all = calloc(n_sets + EXPLAIN_FIX_MAX, sizeof *all);
    char msg[CONFIG_MSG_MAX];
    if (all == NULL)
        return;
    for (int k = 0; k < EXPLAIN_N_CAUSES; k++) {
        struct explain_cause *c = &d->cause[k];
        if (c->requests == 0 || c->n_fix == 0)
            continue;
        memcpy(all, sets, n_sets * sizeof *all);
        size_t n = n_sets;
        bool ok = true;
        for (int i = 0; i < c->n_fix && ok; i++)
            ok = config_parse_override(c->fix[i], &all[n++], msg, sizeof msg) == 0;
        struct scenario sc;
        memset(&sc, 0, sizeof sc);
        if (ok)
            ok = config_load_scenario(path, all, n, &sc, msg, sizeof msg) == CONFIG_OK;
        if (!ok) {
            explain_set_rerun_error(d, (enum explain_cause_kind)k, msg);
            continue;
        }
        struct engine_result res;
        struct engine_hooks stop = { .stop = &interrupt_signal };
        enum engine_status est = engine_run(&sc, seed, &stop, &res);
        if (est == ENGINE_OK)
            explain_set_rerun(d, (enum explain_cause_kind)k, &res);
        else if (est == ENGINE_INTERRUPTED)
            explain_set_rerun_error(d, (enum explain_cause_kind)k, "the re-run was interrupted");
        else
            explain_set_rerun_error(d, (enum explain_cause_kind)k, "the re-run was stopped: too many "
                                    "requests in the system at once");
        scenario_fini(&sc);
    }
    free(all);
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

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(cli_explain_usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if (strcmp(a, "--first") == 0 || strcmp(a, "--window") == 0) {
            const char *v;
            if (cli_option_value("explain", argc, argv, &i, &v) != CLI_OK) {
                rc = CLI_USAGE;
                goto out;
            }
            if (strcmp(a, "--first") == 0) {
                if (!cli_parse_u64(v, &opts.first)) {
                    rc = cli_usage_error("explain", "--first: expected a whole number >= 0 (got '%s')", v);
                    goto out;
                }
            } else if (!cli_parse_window(v, &opts.from_s, &opts.to_s)) {
                rc = cli_usage_error("explain", "--window: expected T0:T1, seconds >= 0 with T0 <= T1 "
                                     "(got '%s')", v);
                goto out;
            }
        } else if (cli_scenario_arg(&sa, argc, argv, &i, &rc) != 0) {
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
    return rc;
}
