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
#include "cli/cli.h"
#include "formats/config.h"
#include "real/emulate.h"
#include "real/invoker.h"
#include "real/mnist.h"
#include "core/engine.h"
#include "base/interrupt.h"
#include "formats/jsonarray.h"
#include "formats/jsonout.h"
#include "base/infile.h"
#include "base/outfile.h"
#include "analysis/report.h"
#include "formats/simlog.h"
#include "core/sink.h"
#include "base/datadir.h"

#define DEFAULT_TIME_LIMIT_S 600.0
/* How long past the time limit the timer backstop waits (cli_catch_stop). */
#define BACKSTOP_S 60.0

enum { O_REQUESTS_CSV = CLI_O_OWN, O_CLIENT_LOG, O_WORKER, O_WEIGHTS, O_DIGITS, O_TIME_LIMIT_S, O_ISOLATE,
       O_REQUIRE_CPU_CAP, O_HOST_COSTS_ONLY, O_VERBOSE, O_INVOKE_URL, O_FUNCTION_NAME, O_PAYLOAD };

static const struct cli_opt opt_table[] = {
    CLI_ROW_SEED("master seed (arrivals, keep-alive draws, routing...)"),
    CLI_ROW_SET(CLI_SET_HELP),
    CLI_ROW_JSON("print one JSON object instead of the table"),
    { .id = O_REQUESTS_CSV, .name = "requests-csv", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "write one CSV row per request (as `run`)" },
    { .id = O_CLIENT_LOG, .name = "client-log", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "write the client log (as `run`; read by `validate`)" },
    CLI_ROW_FORCE("replace output files that already exist"),
    { .id = O_WORKER, .name = "worker", .metavar = "PATH", .complete = CLI_C_FILE,
      .help = "worker executable (default: lambdasim-worker next to this program)" },
    { .id = O_WEIGHTS, .name = "weights", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "weight file (default models/mnist-cnn.bin)" },
    { .id = O_DIGITS, .name = "digits", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "digits to classify (default traces/mnist-digits-300.bin)" },
    CLI_ROW_TIME_LIMIT("stop after this many seconds of real time (default 600; the results and files are "
                       "then partial, exit code 124)"),
    { .id = O_TIME_LIMIT_S, .name = "time-limit-s", .metavar = "SECONDS", .help = "the older spelling of --time-limit" },
    { .id = O_ISOLATE, .name = "isolate",
      .help = "run (and the workers) ahead of other jobs on this machine for the CPU: the run's cgroup gets "
              "the highest CPU weight (else nice; needs root or CAP_SYS_NICE)" },
    { .id = O_REQUIRE_CPU_CAP, .name = "require-cpu-cap",
      .help = "refuse to run (exit 1) when the CPU share of function.memory_mb cannot be enforced "
              "(default: warn)" },
    { .id = O_HOST_COSTS_ONLY, .name = "host-costs-only",
      .help = "do not inject the profile's overhead_ms and cold_start_ms (by default each response waits "
              "until its overhead, and each cold start until its init, is the profile's draw)" },
    { .id = O_INVOKE_URL, .name = "invoke-url", .metavar = "URL",
      .help = "be the client of a function served by `lambdasim serve` at URL (http://HOST:PORT) instead of "
              "running workers: every invocation is an Invoke API call, and the platform's log tail says "
              "what ran (cold or warm, the function's duration)" },
    { .id = O_FUNCTION_NAME, .name = "function-name", .metavar = "NAME",
      .help = "with --invoke-url: the function to invoke (as serve printed it)" },
    { .id = O_PAYLOAD, .name = "payload", .metavar = "JSON",
      .help = "with --invoke-url: send this JSON on every call (default: the batch's digits, a JSON array "
              "of base64 images, or one image per call when the function batches its callers)" },
    { .id = O_VERBOSE, .short_name = 'v', .name = "verbose",
      .help = "one stderr line per worker started or stopped ('emulate: worker started pid=P instance=U')" },
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_emulate_spec = {
    .name = "emulate",
    .summary = "run a scenario for real: real clock, real worker processes, measured times",
    .synopsis = "SCENARIO.json [OPTIONS]",
    .about =
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
        "With --invoke-url, emulate is the client of a function that `lambdasim serve`\n"
        "runs instead: the workload, batching queue, in-flight cap and retries are\n"
        "the scenario's, each invocation is an Invoke call, and serve's platform\n"
        "decides where it runs (its scenario's instances, limits and pings).\n",
    .opts = opt_table,
    .notes =
        "A worker that dies is a failed invocation: its requests end with status\n"
        "error, a warning names it, and the run goes on.\n"
        "\n"
        "The host's speed: the report's function CPU / profile ratio is how much\n"
        "more (or less) CPU the function's batches took than the profile gives them.\n"
        "When it is more than 10 % from 1 (and the profile is this machine's\n"
        "function), a note on stderr says so and prints the `lambdasim validate\n"
        "... --host-speed F` command that predicts the run given that speed.\n"
        "\n"
        "Exit codes: 0 the run completed; 1 it ended early (a worker that answered\n"
        "wrongly) or an output could not be written; 2 bad usage or input; 124 the time\n"
        "limit; 130 / 143 stopped by SIGINT / SIGTERM. A run that ends early prints\n"
        "and writes what it measured, labelled partial. Workers never outlive the\n"
        "emulator.\n",
    .args = CLI_C_JSON,
    .fn = cli_emulate,
};

static const struct cli_output outputs[] = {
    { "--requests-csv", &report_requests_sink },
    { "--client-log", &simlog_client_sink },
};
#define N_OUTPUTS (sizeof outputs / sizeof outputs[0])
_Static_assert(O_CLIENT_LOG - O_REQUESTS_CSV + 1 == N_OUTPUTS, "one output per output option");

/* How far the function's CPU time may stray from the profile's before the
 * run says so: validate's default tolerance for the mean. */
#define SPEED_NOTE_OFF 0.1

/* A run whose function ran faster or slower than when it was profiled (a
 * VM's neighbours, a core shared with another) is predicted off by that
 * much, whatever the model: says so, and how to predict given the run's
 * speed (validate --host-speed, for a scenario that models the host). */
static void note_function_speed(const struct scenario *sc, const char *scenario_path, const char *client_log,
                                double speed)
{
    if (!(speed > 0) || fabs(speed - 1) <= SPEED_NOTE_OFF)
        return;
    fprintf(stderr, "emulate: note: the function's batches took x%.2f the CPU time the profile gives them: the "
            "host ran it %s than when it was profiled, so a prediction from the profile is off by about that",
            speed, speed > 1 ? "slower" : "faster");
    if (sc->platform.host_cores > 0)
        fprintf(stderr, "; `lambdasim validate %s --observed %s --host-speed %.3g` predicts given this speed",
                scenario_path, client_log != NULL ? client_log : "CLIENT_LOG", speed);
    fputc('\n', stderr);
}

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
                       int signo, const struct emulate *em, const struct invoker *iv)
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
    if (iv != NULL)
        invoker_report_json(stdout, iv);
    else
        emulate_report_json(stdout, em, res);
    fputs(len >= 2 ? buf + 2 : buf, stdout);
    free(buf);
}

static void print_table(const struct scenario *sc, const struct engine_result *res, const char *partial,
                        const struct emulate *em, const struct invoker *iv)
{
    if (iv != NULL)
        printf("EMULATED RUN through the Invoke API: real time, the served platform's instances; times are "
               "measured, not drawn\n");
    else
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
    if (iv != NULL)
        invoker_report_table(stdout, iv);
    else
        emulate_report_table(stdout, em, res);
    if (partial != NULL)
        printf("\nPARTIAL RESULTS: %s\n", partial);
}

static void on_invoker_warning(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "emulate: warning: %s\n", line);
}

/* --invoke-url: the client of a served function. Loads the digits (unless
 * --payload), asks the platform whether the function is there and whether
 * it batches its callers, and makes the scenario's platform the client's
 * bookkeeping only: the served platform's limits, provisioned instances,
 * keep-alive and pings are the ones that act. Returns 0, or -1 with *rc. */
static int start_invoker(struct scenario *sc, const char *url, const char *name, const char *payload,
                         const char *digits_path, char *digits_buf, size_t digits_len, struct mnist_digits *digs,
                         struct invoker **iv, int *rc)
{
    char msg[1024];
    if (payload == NULL) {
        if (cli_default_data(&digits_path, "--digits", DATADIR_DIGITS, digits_buf, digits_len, rc) != 0)
            return -1;
        infile_note(digits_path, "digits");
        if (mnist_digits_load(digits_path, digs, msg, sizeof msg) != MNIST_OK) {
            cli_error("%s", msg);
            *rc = CLI_USAGE;
            return -1;
        }
    }
    struct invoker_options io = { .url = url, .function_name = name,
                                  .payload = payload != NULL ? INVOKER_FIXED : INVOKER_IMAGES,
                                  .digits = digs, .fixed_json = payload, .on_warning = on_invoker_warning };
    int gateway = 0;
    int st = invoker_create(&io, &gateway, iv, msg, sizeof msg);
    if (st != 0) {
        cli_error("%s", msg);
        *rc = st == INVOKER_ERR_INPUT ? CLI_USAGE : CLI_FAILED;
        return -1;
    }
    if (gateway > 0 && (sc->batching.threshold > 1 || sc->batching.policy != BATCH_POLICY_FIXED)) {
        fprintf(stderr, "emulate: '%s' batches its callers (threshold %d): each request is sent alone and "
                "batched there; the scenario's batching is not applied again by the client\n", name, gateway);
    }
    if (gateway > 0) {
        sc->batching.threshold = sc->batching.max_batch = 1;
        sc->batching.policy = BATCH_POLICY_FIXED;
    }
    struct platform_spec *pf = &sc->platform;
    pf->provisioned_concurrency = 0;
    pf->concurrency_limit = pf->account_concurrency = 1 << 20;
    pf->reserved_concurrency = 0;
    pf->scale_per_10s = 1e9;
    sc->warmup.concurrency = 0;
    return 0;
}

int cli_emulate(int argc, char **argv)
{
    struct cli_scenario_args sa;
    cli_scenario_args_init(&sa, "emulate", "one scenario per run", argc);
    /* The worker runs the real function under a CPU cap: the profile's
     * memory scaling is not what is measured. */
    sa.real_function = true;
    struct cli_open_output open[N_OUTPUTS];
    memset(open, 0, sizeof open);
    bool json = false, force = false, verbose = false, isolate = false, host_only = false;
    double time_limit_s = DEFAULT_TIME_LIMIT_S;
    char worker[PATH_MAX + 32], weights[PATH_MAX + 32], digits[PATH_MAX + 32];
    struct emulate_options eo = {
        .worker_path = NULL,
        .weights_path = NULL, /* default: lambdasim's data directory (datadir.h) */
        .digits_path = NULL,
        .ready_timeout_s = 30,
    };
    char msg[CONFIG_MSG_MAX];
    char run_msg[1024] = "";
    int rc = CLI_USAGE;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);
    struct emulate *em = NULL;
    struct invoker *iv = NULL;
    struct mnist_digits digs;
    memset(&digs, 0, sizeof digs);
    const char *invoke_url = NULL, *function_name = NULL, *payload = NULL;

    struct cli_parser p;
    cli_parser_init(&p, &cli_emulate_spec, argc, argv);
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
            cli_opts_print_help(&cli_emulate_spec, stdout);
            rc = CLI_OK;
            goto out;
        case CLI_O_JSON:
            json = true;
            break;
        case CLI_O_FORCE:
            force = true;
            break;
        case O_VERBOSE:
            verbose = true;
            break;
        case O_ISOLATE:
            isolate = true;
            break;
        case O_REQUIRE_CPU_CAP:
            eo.require_cpu_cap = true;
            break;
        case O_HOST_COSTS_ONLY:
            host_only = true;
            break;
        case O_WORKER:
            eo.worker_path = v;
            break;
        case O_WEIGHTS:
            eo.weights_path = v;
            break;
        case O_DIGITS:
            eo.digits_path = v;
            break;
        case O_TIME_LIMIT_S:
            if ((rc = cli_opt_time_limit("emulate", "--time-limit-s", v, &sa.time_limit_s)) != CLI_OK)
                goto out;
            rc = CLI_USAGE;
            break;
        case O_INVOKE_URL:
            invoke_url = v;
            break;
        case O_FUNCTION_NAME:
            function_name = v;
            break;
        case O_PAYLOAD:
            payload = v;
            break;
        case O_REQUESTS_CSV:
        case O_CLIENT_LOG:
            open[id - O_REQUESTS_CSV].path = v;
            break;
        default:
            if (cli_scenario_opt(&sa, id, v, &rc) != 0)
                goto out;
        }
    }
    if (invoke_url == NULL && (function_name != NULL || payload != NULL)) {
        rc = cli_usage_error("emulate", "%s goes with --invoke-url (the client of a served function)",
                             function_name != NULL ? "--function-name" : "--payload");
        goto out;
    }
    if (invoke_url != NULL) {
        const char *clash = eo.worker_path != NULL ? "--worker" : eo.weights_path != NULL ? "--weights"
                            : isolate ? "--isolate" : eo.require_cpu_cap ? "--require-cpu-cap" : NULL;
        if (clash != NULL) {
            rc = cli_usage_error("emulate", "%s: not with --invoke-url (the served platform runs the function's "
                                 "processes)", clash);
            goto out;
        }
        if (function_name == NULL) {
            rc = cli_usage_error("emulate", "--invoke-url needs --function-name NAME (the name `lambdasim serve` "
                                 "printed)");
            goto out;
        }
        if (payload != NULL && !jsonarray_is_value(payload, strlen(payload))) {
            rc = cli_usage_error("emulate", "--payload: not one JSON value: %.80s", payload);
            goto out;
        }
    }
    if (eo.weights_path != NULL && strcmp(eo.weights_path, "-") == 0) {
        rc = cli_usage_error("emulate", "--weights -: the worker processes read this file themselves; "
                             "give a file name");
        goto out;
    }
    if (cli_scenario_args_check(&sa, &rc) != 0 || cli_outputs_claim_stdout(outputs, open, N_OUTPUTS, json, &rc) != 0
        || cli_scenario_args_load(&sa, &sc, &rc) != 0)
        goto out;
    if (sc.platform.provisioned.enabled && invoke_url != NULL) {
        /* The served platform allocates its own provisioned instances. */
        rc = cli_usage_error("emulate", "platform.provisioned: with --invoke-url the served function's "
                             "provisioned concurrency is the server's (serve keeps a fixed "
                             "platform.provisioned_concurrency); drop platform.provisioned or --invoke-url");
        goto out;
    }
    if (sc.platform.keep_alive_policy.policy != KEEPALIVE_FIXED && invoke_url != NULL) {
        /* The served platform keeps and reclaims its own instances. */
        rc = cli_usage_error("emulate", "platform.keep_alive_policy: with --invoke-url the served function's "
                             "keep-alive is the server's (serve keeps instances for platform.keep_alive_s); "
                             "drop the histogram policy or --invoke-url");
        goto out;
    }
    if (invoke_url != NULL) {
        if (start_invoker(&sc, invoke_url, function_name, payload, eo.digits_path, digits, sizeof digits, &digs,
                          &iv, &rc) != 0
            || cli_outputs_open(outputs, open, N_OUTPUTS, force, CLI_FAILED, &rc) != 0)
            goto out;
        eo.inject = false;
        goto run;
    }
    if (cli_default_data(&eo.weights_path, "--weights", DATADIR_WEIGHTS, weights, sizeof weights, &rc) != 0
        || cli_default_data(&eo.digits_path, "--digits", DATADIR_DIGITS, digits, sizeof digits, &rc) != 0
        || (eo.worker_path == NULL && cli_default_worker(&eo.worker_path, worker, sizeof worker, &rc) != 0))
        goto out;
    /* Read later (by emulate_create and the workers), but inputs already. */
    infile_note(eo.weights_path, "weights");
    infile_note(eo.digits_path, "digits");
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
    /* A profile measured here: its costs are the ones the workers pay. */
    eo.costs_own = !host_only && model_costs_are_host(&sc.function.model);
    eo.inject = !host_only && !eo.costs_own;
    eo.model = &sc.function.model;
    eo.model_factor = sc.function.compute_factor;
    eo.typical_batch = sc.batching.threshold;
    enum emulate_status ecs = emulate_create(&eo, &em, msg, sizeof msg);
    if (ecs != EMULATE_OK) {
        cli_error("%s", msg);
        rc = ecs == EMULATE_ERR_CAP || ecs == EMULATE_ERR_RUN ? CLI_FAILED : CLI_USAGE;
        goto out;
    }
    /* Before any worker starts: they inherit it. Without a cgroup for the
     * run's weight, nice (which a kill -9 can leave on the session). */
    if (isolate && !emulate_isolated(em) && cli_isolate(CLI_ISOLATE_NICE, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    }
run:
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
    struct engine_real real = { .exec = iv != NULL ? invoker_executor(iv) : emulate_executor(em),
                                .time_limit_s = time_limit_s,
                                .msg = run_msg, .msg_len = sizeof run_msg, .inject = eo.inject };
    struct engine_result res;
    enum engine_status est = engine_run_real(&sc, sa.seed, &hooks, &real, &res);
    res.remote_platform = iv != NULL;
    /* Stop every worker before anything else can go wrong. */
    if (em != NULL)
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
        print_json(&sc, &res, is_partial ? partial : NULL, signo, em, iv);
    else
        print_table(&sc, &res, is_partial ? partial : NULL, em, iv);
    char busy[200];
    if (em != NULL && emulate_host_busy(em, busy, sizeof busy))
        fprintf(stderr, "emulate: warning: a busy machine: %s; the measured times include other jobs' "
                "contention\n", busy);
    if (em != NULL && !emulate_profile_foreign(em))
        note_function_speed(&sc, sa.path, open[O_CLIENT_LOG - O_REQUESTS_CSV].path, emulate_function_speed(em));
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
    invoker_destroy(iv);
    mnist_digits_fini(&digs);
    cli_isolate_end();
    cli_outputs_abort(outputs, open, N_OUTPUTS);
    scenario_fini(&sc);
    cli_scenario_args_fini(&sa);
    cli_parser_fini(&p);
    return rc;
}
