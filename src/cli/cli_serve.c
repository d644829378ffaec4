/* cli_serve: `lambdasim serve`, a local Lambda over HTTP (real/serve.h):
 * the Invoke API for clients, the Runtime API for real function processes
 * (a directory's `bootstrap`), sized by the scenario's function and
 * platform sections. */
#define _GNU_SOURCE /* realpath, fopen "e" */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "base/interrupt.h"
#include "core/scenario.h"
#include "core/dist.h"
#include "formats/config.h"
#include "real/serve.h"

#define DEFAULT_LISTEN "127.0.0.1:9001"
/* How long SIGINT/SIGTERM wait for the invocations in flight, at most:
 * the function's timeout (they cannot take longer), capped so that a
 * 15-minute function does not hold a Ctrl-C for 15 minutes. */
#define DRAIN_MAX_S 30.0

enum { O_LISTEN = CLI_O_OWN, O_ALLOW_REMOTE, O_FUNCTION_DIR, O_FUNCTION_NAME, O_HANDLER, O_LOG, O_CLIENT_LOG,
       O_NO_CPU_CAP, O_VERBOSE, O_EVENT_RETRIES, O_EVENT_RETRY_DELAY };

static const struct cli_opt opt_table[] = {
    { .id = O_LISTEN, .name = "listen", .metavar = "HOST:PORT",
      .help = "address of the Invoke API (default " DEFAULT_LISTEN "; port 0: any free port, printed)" },
    { .id = O_ALLOW_REMOTE, .name = "allow-remote",
      .help = "allow a --listen address other than loopback (there is no authentication: anyone who can "
              "reach it can run the function)" },
    { .id = O_FUNCTION_DIR, .name = "function-dir", .metavar = "DIR", .complete = CLI_C_FILE,
      .help = "the function: a directory holding an executable `bootstrap` (default: the current directory)" },
    { .id = O_FUNCTION_NAME, .name = "function-name", .metavar = "NAME",
      .help = "the function's name in the Invoke API (default: the name of the function directory)" },
    { .id = O_HANDLER, .name = "handler", .metavar = "NAME",
      .help = "the _HANDLER the bootstrap sees (default function.handler)" },
    { .id = O_LOG, .name = "log", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "append the CloudWatch text log (START/END/REPORT and the function's output; read by "
              "`calibrate`) to FILE" },
    { .id = O_CLIENT_LOG, .name = "client-log", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "write one CSV row per synchronous Invoke as the server saw it (the columns of `run "
              "--client-log`)" },
    { .id = O_NO_CPU_CAP, .name = "no-cpu-cap",
      .help = "do not give each instance Lambda's CPU share of function.memory_mb (by default a cgroup CPU "
              "quota when the machine allows it, else a warning)" },
    { .id = O_EVENT_RETRIES, .name = "event-retries", .metavar = "N",
      .help = "run a failed Event invocation again up to N times (0, 1 or 2; default 2, as Lambda's "
              "MaximumRetryAttempts)" },
    { .id = O_EVENT_RETRY_DELAY, .name = "event-retry-delay", .metavar = "SECONDS",
      .help = "retry k of an Event invocation waits k times this after its failure (default 60: Lambda's "
              "1 minute, then 2)" },
    CLI_ROW_FORCE("replace the --client-log file if it exists"),
    CLI_ROW_SET(CLI_SET_HELP),
    { .id = O_VERBOSE, .short_name = 'v', .name = "verbose",
      .help = "one stderr line per instance started, ready or stopped" },
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_serve_spec = {
    .name = "serve",
    .summary = "a local Lambda over HTTP: the Invoke API, real functions on the Runtime API",
    .synopsis = "SCENARIO.json [OPTIONS]",
    .about =
        "Serves Lambda's Invoke API (POST /2015-03-31/functions/NAME/invocations;\n"
        "RequestResponse, Event, DryRun, X-Amz-Log-Type: Tail) so that a real client\n"
        "(the AWS CLI or an SDK with --endpoint-url) can call a real function: a\n"
        "directory with an executable `bootstrap`, run as Lambda runs a custom runtime.\n"
        "Each instance is a process with a Runtime API of its own (its\n"
        "AWS_LAMBDA_RUNTIME_API); instances start on demand up to the scenario's\n"
        "concurrency limit (more in flight: 429), are reused while warm, stop after\n"
        "platform.keep_alive_s idle (its mean), and platform.provisioned_concurrency of\n"
        "them start before serving. function.timeout_s kills an invocation as Lambda\n"
        "does. Requests are not authenticated (SigV4 signatures are accepted and not\n"
        "checked): a local tool, listening on loopback unless --allow-remote.\n",
    .opts = opt_table,
    .notes =
        "Prints 'serve: listening on http://HOST:PORT function NAME' once ready.\n"
        "SIGINT / SIGTERM stop accepting, wait for the invocations in flight (at most\n"
        "function.timeout_s, 30 s at most), stop every instance and exit 130 / 143.\n"
        "With batching.threshold > 1, each Invoke is one item of a batch: the\n"
        "function's event is the JSON array of the items (as the simulator's batcher\n"
        "groups them) and must return an array of as many results, one per caller.\n"
        "New instances beyond platform.scale_per_10s per 10 s are throttled (429).\n"
        "The warmup section sends warm-up pings ({\"source\":\"lambdasim.warmup\"}).\n"
        "\n"
        "Exit codes: 1 the server could not start (address in use, a provisioned\n"
        "instance failed); 2 bad usage or input; 130 / 143 stopped by SIGINT / SIGTERM.\n",
    .args = CLI_C_JSON,
    .fn = cli_serve,
};

static bool verbose;

static void on_note(void *ctx, const char *line)
{
    (void)ctx;
    if (verbose || strncmp(line, "warning: ", 9) == 0)
        fprintf(stderr, "serve: %s\n", line);
}

/* HOST:PORT with a numeric IPv4 host ("localhost" is 127.0.0.1). */
static int parse_listen(const char *v, char *host, size_t host_len, int *port)
{
    const char *colon = strrchr(v, ':');
    if (colon == NULL || colon == v || (size_t)(colon - v) >= host_len)
        return -1;
    memcpy(host, v, (size_t)(colon - v));
    host[colon - v] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, host_len, "127.0.0.1");
    struct in_addr a;
    if (inet_pton(AF_INET, host, &a) != 1)
        return -1;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno != 0 || end == colon + 1 || *end != '\0' || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static bool is_loopback(const char *host)
{
    return strncmp(host, "127.", 4) == 0;
}

/* Lambda's function names: 1 to 64 of letters, digits, '-' and '_'. */
static bool valid_name(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)n[i]) && n[i] != '-' && n[i] != '_')
            return false;
    return true;
}

int cli_serve(int argc, char **argv)
{
    struct cli_scenario_args sa;
    cli_scenario_args_init(&sa, "serve", "one scenario per server", argc);
    const char *listen = DEFAULT_LISTEN, *dir = ".", *name = NULL, *handler = "function.handler";
    const char *log_path = NULL, *client_path = NULL;
    bool allow_remote = false, cpu_cap = true, force = false;
    int event_retries = 2;
    double event_retry_delay_s = 60.0;
    verbose = false;
    int rc = CLI_USAGE;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);
    struct serve *srv = NULL;
    FILE *log = NULL, *client = NULL;
    char msg[CONFIG_MSG_MAX];

    struct cli_parser p;
    cli_parser_init(&p, &cli_serve_spec, argc, argv);
    for (;;) {
        const char *v;
        int id = cli_parser_next(&p, &v);
        if (id == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            goto out;
        case CLI_O_HELP:
            cli_opts_print_help(&cli_serve_spec, stdout);
            rc = CLI_OK;
            goto out;
        case O_LISTEN: listen = v; break;
        case O_ALLOW_REMOTE: allow_remote = true; break;
        case O_FUNCTION_DIR: dir = v; break;
        case O_FUNCTION_NAME: name = v; break;
        case O_HANDLER: handler = v; break;
        case O_LOG: log_path = v; break;
        case O_CLIENT_LOG: client_path = v; break;
        case O_NO_CPU_CAP: cpu_cap = false; break;
        case O_VERBOSE: verbose = true; break;
        case CLI_O_FORCE: force = true; break;
        case O_EVENT_RETRIES: {
            char *end;
            long n = strtol(v, &end, 10);
            if (end == v || *end != '\0' || n < 0 || n > 2) {
                rc = cli_usage_error("serve", "--event-retries %s: must be 0, 1 or 2 (Lambda's "
                                     "MaximumRetryAttempts)", v);
                goto out;
            }
            event_retries = (int)n;
            break;
        }
        case O_EVENT_RETRY_DELAY: {
            char *end;
            double d = strtod(v, &end);
            if (end == v || *end != '\0' || !(d > 0) || !isfinite(d)) {
                rc = cli_usage_error("serve", "--event-retry-delay %s: must be a number of seconds above 0", v);
                goto out;
            }
            event_retry_delay_s = d;
            break;
        }
        default:
            if (cli_scenario_opt(&sa, id, v, &rc) != 0)
                goto out;
        }
    }
    char host[64];
    int port = 0;
    if (parse_listen(listen, host, sizeof host, &port) != 0) {
        rc = cli_usage_error("serve", "--listen '%s': expected HOST:PORT with a numeric IPv4 HOST (or localhost) "
                             "and a PORT of 0 to 65535", listen);
        goto out;
    }
    if (!is_loopback(host) && !allow_remote) {
        rc = cli_usage_error("serve", "--listen %s: not a loopback address; serve has no authentication, so "
                             "listening there needs --allow-remote", listen);
        goto out;
    }
    char dir_name[PATH_MAX];
    if (name == NULL) {
        char *real = realpath(dir, NULL);
        const char *base = real != NULL ? strrchr(real, '/') : NULL;
        snprintf(dir_name, sizeof dir_name, "%s", base != NULL && base[1] != '\0' ? base + 1 : "function");
        free(real);
        name = dir_name;
    }
    if (!valid_name(name)) {
        rc = cli_usage_error("serve", "function name '%s': Lambda's names are 1 to 64 letters, digits, '-' or '_' "
                             "(give one with --function-name)", name);
        goto out;
    }
    if (cli_scenario_args_check(&sa, &rc) != 0 || cli_scenario_args_load(&sa, &sc, &rc) != 0)
        goto out;
    /* Never over an input of the run (the scenario, its model); the log
     * is appended to, so it may exist. */
    if ((log_path != NULL && (rc = cli_outfile_check("--log", log_path, true, CLI_FAILED)) != CLI_OK)
        || (client_path != NULL && (rc = cli_outfile_check("--client-log", client_path, force, CLI_FAILED)) != CLI_OK))
        goto out;
    if (log_path != NULL && (log = fopen(log_path, "ae")) == NULL) {
        cli_error("--log %s: cannot open: %s", log_path, strerror(errno));
        rc = CLI_FAILED;
        goto out;
    }
    if (client_path != NULL && (client = fopen(client_path, "we")) == NULL) {
        cli_error("--client-log %s: cannot open: %s", client_path, strerror(errno));
        rc = CLI_FAILED;
        goto out;
    }
    if (sc.platform.provisioned.enabled) {
        /* serve's pool is its own, not the engine's (which runs these). */
        rc = cli_usage_error("serve", "platform.provisioned: scheduled and target-tracking provisioned "
                             "concurrency run in the engine (run, sweep, explain, emulate); serve starts "
                             "platform.provisioned_concurrency instances and keeps them");
        goto out;
    }
    if (sc.platform.keep_alive_policy.policy != KEEPALIVE_FIXED) {
        rc = cli_usage_error("serve", "platform.keep_alive_policy: the histogram policy runs in the engine "
                             "(run, sweep, explain, emulate); serve keeps instances for platform.keep_alive_s");
        goto out;
    }
    if (sc.batching.policy != BATCH_POLICY_FIXED) {
        /* The gateway runs the batcher on its own timers, not the engine's. */
        rc = cli_usage_error("serve", "batching.policy: the aimd and slo policies run in the engine "
                             "(run, sweep, explain, emulate); serve's gateway batches with the fixed "
                             "batching.threshold and batching.timeout_s");
        goto out;
    }
    if (cli_catch_stop(0, &rc) != 0)
        goto out;
    /* warmup.first_at_s "random": a phase in [0, interval_s) from the
     * scenario's seed, so that the same scenario pings at the same phase. */
    double first_at_s = sc.warmup.first_at_s;
    if (sc.warmup.first_at_random) {
        unsigned short xs[3] = { (unsigned short)sc.seed, (unsigned short)(sc.seed >> 16),
                                 (unsigned short)(sc.seed >> 32) };
        first_at_s = erand48(xs) * sc.warmup.interval_s;
    }
    if (!is_loopback(host))
        fprintf(stderr, "serve: warning: listening on %s, beyond this machine, with no authentication: anyone "
                "who reaches it can run the function\n", host);
    struct serve_options so = {
        .host = host,
        .port = port,
        .function_dir = dir,
        .function_name = name,
        .handler = handler,
        .memory_mb = sc.function.memory_mb,
        .timeout_s = sc.function.timeout_s,
        .keep_alive_s = dist_mean(&sc.platform.keep_alive_s),
        .concurrency_limit = sc.platform.concurrency_limit,
        .provisioned = sc.platform.provisioned_concurrency,
        .batch_threshold = sc.batching.threshold,
        .batch_max = sc.batching.max_batch,
        .batch_timeout_s = sc.batching.timeout_s,
        .routing = sc.platform.routing,
        .scale_per_10s = sc.platform.scale_per_10s,
        .warmup_concurrency = sc.warmup.concurrency,
        .warmup_interval_s = sc.warmup.interval_s,
        .warmup_first_at_s = first_at_s,
        .warmup_hold_s = sc.warmup.hold_s,
        .event_retries = event_retries,
        .event_retry_delay_s = event_retry_delay_s,
        .cpu_cap = cpu_cap,
        .log = log,
        .client_log = client,
        .on_note = on_note,
    };
    if (serve_start(&so, &srv, msg, sizeof msg) != 0) {
        cli_error("serve: %s", msg);
        /* A missing bootstrap is bad input; anything else a failed start. */
        rc = strstr(msg, "bootstrap") != NULL || strstr(msg, "function directory") != NULL ? CLI_USAGE : CLI_FAILED;
        goto out;
    }
    printf("serve: listening on http://%s:%d function %s (memory %.0f MB, timeout %g s, concurrency %d, "
           "provisioned %d, keep-alive %g s)\n",
           host, serve_port(srv), name, sc.function.memory_mb, sc.function.timeout_s, sc.platform.concurrency_limit,
           sc.platform.provisioned_concurrency, so.keep_alive_s);
    if (sc.batching.threshold > 1)
        printf("serve: batching gateway: threshold %d, max_batch %d, timeout %g s (each Invoke is one item of a "
               "JSON array event)\n", sc.batching.threshold, sc.batching.max_batch, sc.batching.timeout_s);
    if (sc.warmup.concurrency > 0)
        printf("serve: warm-up: %d pings every %g s, the first in %g s, each holding its instance %g ms\n",
               sc.warmup.concurrency, sc.warmup.interval_s, first_at_s, sc.warmup.hold_s * 1e3);
    fflush(stdout);
    serve_run(srv, &interrupt_signal);
    int signo = (int)interrupt_signal;
    double drain_s = fmin(sc.function.timeout_s, DRAIN_MAX_S);
    size_t failed = serve_stop(srv, drain_s);
    struct serve_stats st;
    serve_get_stats(srv, &st);
    fprintf(stderr,
            "serve: stopped by %s: %llu invokes (%llu ok, %llu function errors, %llu timeouts, %llu throttled), "
            "%llu events (%llu retries), %llu dry runs, %llu warm-up pings (%llu dropped), %llu instances started, %llu cold "
            "starts, %llu init errors%s\n",
            interrupt_signal_name(signo), (unsigned long long)st.invokes, (unsigned long long)st.ok,
            (unsigned long long)st.function_errors, (unsigned long long)st.timeouts,
            (unsigned long long)st.throttled, (unsigned long long)st.events,
            (unsigned long long)st.event_retries, (unsigned long long)st.dry_runs,
            (unsigned long long)st.pings, (unsigned long long)st.pings_throttled,
            (unsigned long long)st.instances_started, (unsigned long long)st.cold_starts,
            (unsigned long long)st.init_errors, failed > 0 ? "; invocations still in flight failed" : "");
    rc = interrupt_exit_code(signo);
out:
    serve_destroy(srv);
    if (log != NULL && fclose(log) != 0 && rc == CLI_OK)
        rc = CLI_FAILED;
    if (client != NULL && fclose(client) != 0 && rc == CLI_OK)
        rc = CLI_FAILED;
    scenario_fini(&sc);
    cli_scenario_args_fini(&sa);
    cli_parser_fini(&p);
    return rc;
}
