/* cli_emulate: `lambdasim emulate`, run a scenario for real in wall-clock
 * time: the engine's real-time loop with real worker processes (emulate.h). */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "config.h"
#include "emulate.h"
#include "engine.h"
#include "interrupt.h"
#include "jsonout.h"
#include "infile.h"
#include "outfile.h"
#include "report.h"
#include "simlog.h"
#include "sink.h"

#define DEFAULT_TIME_LIMIT_S 600.0
/* How long past the time limit the timer backstop waits (cli_catch_stop). */
#define BACKSTOP_S 60.0

const char cli_emulate_usage[] =
    "Usage: lambdasim emulate SCENARIO.json [OPTIONS]\n"
    "\n"
    "Runs the scenario for real, in wall-clock time: arrivals follow the workload\n"
    "(its times are real seconds), the batching queue, client gate and platform\n"
    "policy are the simulator's own code, and every instance is a real\n"
    "lambdasim-worker process that loads the MNIST weights when it starts (a real\n"
    "cold start) and classifies the shipped digits (request i is digit i mod 300).\n"
    "Each worker gets Lambda's CPU share for function.memory_mb (1769 MB = one\n"
    "vCPU), enforced with a cgroup CPU quota (needs root; else a warning).\n"
    "Provisioned workers are started and ready before t = 0; idle workers are\n"
    "stopped at keep-alive expiry; warm-up pings are real (n = 0) requests.\n"
    "Reports what `run` reports, from measured times. Keep runs short.\n"
    "\n"
    "Options:\n"
    "  --seed N              master seed (arrivals, keep-alive draws, routing...)\n"
    "  --set KEY.PATH=VALUE  change a scenario field before validation; repeatable\n"
    "  --json                print one JSON object instead of the table\n"
    "  --requests-csv FILE   write one CSV row per request (as `run`)\n"
    "  --client-log FILE     write the client log (as `run`; read by `validate`)\n"
    "  --force               replace output files that already exist\n"
    "  --worker PATH         worker executable (default: lambdasim-worker next to\n"
    "                        this program)\n"
    "  --weights FILE        weight file (default models/mnist-cnn.bin)\n"
    "  --digits FILE         digits to classify (default traces/mnist-digits-300.bin)\n"
    "  --time-limit SECONDS  stop after this many seconds of real time (default 600;\n"
    "                        the results and files are then partial, exit code 124);\n"
    "                        --time-limit-s is the older spelling\n"
    "  --isolate             run (and the workers) ahead of other jobs on this machine\n"
    "                        for the CPU: the run's cgroup gets the highest CPU weight\n"
    "                        (else nice; needs root or CAP_SYS_NICE)\n"
    "  --require-cpu-cap     refuse to run (exit 1) when the CPU share of\n"
    "                        function.memory_mb cannot be enforced (default: warn)\n"
    "  --host-costs-only     do not inject the profile's overhead_ms and cold_start_ms\n"
    "                        (by default each response waits until its overhead, and\n"
    "                        each cold start until its init, is the profile's draw)\n"
    "  --verbose             one stderr line per worker started or stopped\n"
    "                        ('emulate: worker started pid=P instance=U')\n"
    "  -h, --help            show this help\n"
    "\n"
    "A worker that dies is a failed invocation: its requests end with status\n"
    "error, a warning names it, and the run goes on.\n"
    "\n"
    "Exit codes: 0 the run completed; 1 it ended early (a worker that answered\n"
    "wrongly) or an output could not be written; 2 bad usage or input; 124 the time\n"
    "limit; 130 / 143 stopped by SIGINT / SIGTERM. A run that ends early prints and writes\n"
    "what it measured, labelled partial. Workers never outlive the emulator.\n";

static const struct cli_output outputs[] = {
    { "--requests-csv", &report_requests_sink },
    { "--client-log", &simlog_client_sink },
};
#define N_OUTPUTS (sizeof outputs / sizeof outputs[0])

static void fan_request(void *ctx, const struct request_record *rec)
{
    struct cli_open_output *open = ctx;
    for (size_t i = 0; i < N_OUTPUTS; i++)
        if (open[i].path != NULL && outputs[i].ops->on_request != NULL)
            outputs[i].ops->on_request(open[i].state, open[i].file.f, rec);
}

static void on_worker(void *ctx, const char *what, long pid, int64_t uid)
{
    (void)ctx;
    fprintf(stderr, "emulate: worker %s pid=%ld instance=%lld\n", what, pid, (long long)uid);
}

static void on_warning(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "emulate: warning: %s\n", line);
}

/* The JSON of `run`, with what the emulator adds first: whether the run is
 * partial (and why: "partial_reason", and "interrupted_by" for a signal, as
 * `run` labels it), and the workers' counts. */
static void print_json(const struct scenario *sc, const struct engine_result *res, const char *partial,
                       int signo, const struct emulate *em)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        report_json(stdout, sc, res);
        return;
    }
    report_json(m, sc, res);
    fclose(m);
    /* report_json starts with "{\n": the labels go in after it. */
    printf("{\n  \"partial\": %s,\n", partial != NULL ? "true" : "false");
    if (partial != NULL) {
        fputs("  \"partial_reason\": ", stdout);
        jsonout_string(stdout, partial);
        fputs(",\n", stdout);
    }
    if (signo != 0)
        printf("  \"interrupted_by\": \"%s\",\n", interrupt_signal_name(signo));
    emulate_report_json(stdout, em, res);
    fputs(len >= 2 ? buf + 2 : buf, stdout);
    free(buf);
}

static void print_table(const struct scenario *sc, const struct engine_result *res, const char *partial,
                        const struct emulate *em)
{
    printf("EMULATED RUN: real time, real worker processes; times are measured, not drawn\n");
    if (partial != NULL)
        printf("PARTIAL RESULTS: %s\n", partial);
    printf("\n");
    /* run's table, whose window line says "(simulated)": here it is real. */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        report_table(stdout, sc, res);
    } else {
        report_table(m, sc, res);
        fclose(m);
        char *at = strstr(buf, " (simulated)\n");
        if (at != NULL) {
            *at = '\0';
            printf("%s (measured, real time)\n%s", buf, at + strlen(" (simulated)\n"));
        } else {
            fputs(buf, stdout);
        }
        free(buf);
    }
    emulate_report_table(stdout, em, res);
    if (partial != NULL)
        printf("\nPARTIAL RESULTS: %s\n", partial);
}

int cli_emulate(int argc, char **argv)
{
    struct cli_scenario_args sa;
    cli_scenario_args_init(&sa, "emulate", "one scenario per run", argc);
    struct cli_open_output open[N_OUTPUTS];
    memset(open, 0, sizeof open);
    bool json = false, force = false, verbose = false, isolate = false, host_only = false;
    double time_limit_s = DEFAULT_TIME_LIMIT_S;
    char worker[PATH_MAX + 32];
    struct emulate_options eo = {
        .worker_path = NULL,
        .weights_path = "models/mnist-cnn.bin",
        .digits_path = "traces/mnist-digits-300.bin",
        .ready_timeout_s = 30,
    };
    char msg[CONFIG_MSG_MAX];
    char run_msg[1024] = "";
    int rc = CLI_USAGE;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);
    struct emulate *em = NULL;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int out_i = -1;
        for (size_t k = 0; k < N_OUTPUTS; k++)
            if (strcmp(a, outputs[k].option) == 0)
                out_i = (int)k;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(cli_emulate_usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--force") == 0) {
            force = true;
        } else if (strcmp(a, "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(a, "--isolate") == 0) {
            isolate = true;
        } else if (strcmp(a, "--require-cpu-cap") == 0) {
            eo.require_cpu_cap = true;
        } else if (strcmp(a, "--host-costs-only") == 0) {
            host_only = true;
        } else if (strcmp(a, "--worker") == 0 || strcmp(a, "--weights") == 0 || strcmp(a, "--digits") == 0
                   || strcmp(a, "--time-limit-s") == 0 || out_i >= 0) {
            const char *v;
            if (cli_option_value("emulate", argc, argv, &i, &v) != CLI_OK) {
                rc = CLI_USAGE;
                goto out;
            }
            if (strcmp(a, "--worker") == 0) {
                eo.worker_path = v;
            } else if (strcmp(a, "--weights") == 0) {
                eo.weights_path = v;
            } else if (strcmp(a, "--digits") == 0) {
                eo.digits_path = v;
            } else if (strcmp(a, "--time-limit-s") == 0) {
                /* The older spelling of --time-limit (cli_scenario_arg). */
                if (!cli_parse_time_limit(v, &sa.time_limit_s)) {
                    rc = cli_usage_error("emulate", "--time-limit-s: expected seconds > 0 and at most "
                                         "%.0f (got '%s')", INTERRUPT_TIME_LIMIT_MAX_S, v);
                    goto out;
                }
            } else {
                open[out_i].path = v;
            }
        } else if (cli_scenario_arg(&sa, argc, argv, &i, &rc) != 0) {
            goto out;
        }
    }
    if (strcmp(eo.weights_path, "-") == 0) {
        rc = cli_usage_error("emulate", "--weights -: the worker processes read this file themselves; "
                             "give a file name");
        goto out;
    }
    if (cli_scenario_args_check(&sa, &rc) != 0 || cli_outputs_claim_stdout(outputs, open, N_OUTPUTS, json, &rc) != 0
        || cli_scenario_args_load(&sa, &sc, &rc) != 0)
        goto out;
    /* Read later (by emulate_create and the workers), but inputs already. */
    infile_note(eo.weights_path, "weights");
    infile_note(eo.digits_path, "digits");
    if (eo.worker_path == NULL) {
        cli_default_worker(worker, sizeof worker);
        eo.worker_path = worker;
    }
    if (verbose)
        eo.on_worker = on_worker;
    eo.on_warning = on_warning;
    /* Unlike run, a file that cannot be opened (one that exists, without
     * --force) ends emulate with CLI_FAILED: kept as it always was. */
    if (cli_outputs_open(outputs, open, N_OUTPUTS, force, CLI_FAILED, &rc) != 0)
        goto out;
    eo.memory_mb = sc.function.memory_mb;
    eo.scenario_path = sa.path;
    eo.isolate = isolate;
    eo.inject = !host_only;
    eo.model = &sc.function.model;
    eo.typical_batch = sc.batching.threshold;
    enum emulate_status ecs = emulate_create(&eo, &em, msg, sizeof msg);
    if (ecs != EMULATE_OK) {
        cli_error("%s", msg);
        rc = ecs == EMULATE_ERR_CAP ? CLI_FAILED : CLI_USAGE;
        goto out;
    }
    /* Before any worker starts: they inherit it. Without a cgroup for the
     * run's weight, nice (which a kill -9 can leave on the session). */
    if (isolate && !emulate_isolated(em) && cli_isolate(CLI_ISOLATE_NICE, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    }
    for (size_t i = 0; i < N_OUTPUTS; i++)
        if (open[i].path != NULL && outputs[i].ops->start != NULL)
            open[i].state = outputs[i].ops->start(open[i].file.f, &sc);

    /* Ctrl-C and SIGTERM end the run cleanly: the loop sees the flag (poll
     * is interrupted: no SA_RESTART), the workers are stopped, and what ran
     * is reported as partial. A second signal ends the process at once; the
     * workers then die with it (PR_SET_PDEATHSIG). */
    if (sa.time_limit_s > 0)
        time_limit_s = sa.time_limit_s;
    /* The engine stops the run at the limit itself (ENGINE_TIME_LIMIT); the
     * timer is the backstop for a wait that never returns to it, with room
     * for starting the provisioned workers before t = 0. */
    if (cli_catch_stop(time_limit_s + BACKSTOP_S, &rc) != 0)
        goto out;
    struct engine_hooks hooks = { .on_request = fan_request, .ctx = open, .stop = &interrupt_signal };
    struct engine_real real = { .exec = emulate_executor(em), .time_limit_s = time_limit_s,
                                .msg = run_msg, .msg_len = sizeof run_msg, .inject = eo.inject };
    struct engine_result res;
    enum engine_status est = engine_run_real(&sc, sa.seed, &hooks, &real, &res);
    /* Stop every worker before anything else can go wrong. */
    emulate_stop_all(em, 1.0);

    char partial[1200] = "";
    int signo = est == ENGINE_INTERRUPTED ? (int)interrupt_signal : 0;
    switch (est) {
    case ENGINE_OK:
        break;
    case ENGINE_INTERRUPTED:
        snprintf(partial, sizeof partial, "interrupted by %s after %.3f s", interrupt_signal_name(signo),
                 res.end_s);
        break;
    case ENGINE_TIME_LIMIT:
        snprintf(partial, sizeof partial, "stopped at the time limit of %g s (--time-limit)", time_limit_s);
        break;
    case ENGINE_EXEC_FAILED:
        snprintf(partial, sizeof partial, "a worker failed: %s", run_msg);
        break;
    case ENGINE_OVERLOAD:
        snprintf(partial, sizeof partial, "more than %u requests were in the system at once",
                 ENGINE_MAX_OUTSTANDING);
        break;
    }
    bool is_partial = est != ENGINE_OK;
    rc = CLI_OK;
    for (size_t i = 0; i < N_OUTPUTS; i++) {
        if (open[i].path == NULL)
            continue;
        if (outputs[i].ops->finish != NULL)
            outputs[i].ops->finish(open[i].state, open[i].file.f, &res);
        open[i].state = NULL;
        /* Both CSV readers skip '#' lines: the label travels with the file. */
        if (is_partial)
            fprintf(open[i].file.f, "# partial: %s\n", partial);
        if (outfile_commit(&open[i].file, msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            rc = CLI_FAILED;
        }
    }
    if (json)
        print_json(&sc, &res, is_partial ? partial : NULL, signo, em);
    else
        print_table(&sc, &res, is_partial ? partial : NULL, em);
    char busy[200];
    if (emulate_host_busy(em, busy, sizeof busy))
        fprintf(stderr, "emulate: warning: a busy machine: %s; the measured times include other jobs' "
                "contention\n", busy);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("writing results to standard output failed: %s", strerror(errno));
        rc = CLI_FAILED;
    }
    if (is_partial) {
        cli_error("%s: the run ended early (%s); the results above are partial", sa.path, partial);
        rc = signo != 0 ? interrupt_exit_code(signo)
             : est == ENGINE_TIME_LIMIT ? interrupt_exit_code(SIGALRM) : CLI_FAILED;
    }
out:
    emulate_destroy(em);
    cli_isolate_end();
    cli_outputs_abort(outputs, open, N_OUTPUTS);
    scenario_fini(&sc);
    cli_scenario_args_fini(&sa);
    return rc;
}
