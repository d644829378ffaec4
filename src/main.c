/* lambdasim: command-line front end. The only place that prints to stderr
 * and chooses exit codes: 0 ok, 1 the run failed, 2 bad usage or input. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <gsl/gsl_errno.h>
#include "config.h"
#include "engine.h"
#include "outfile.h"
#include "report.h"
#include "version.h"

enum { EXIT_RUN_FAILED = 1, EXIT_USAGE = 2 };

static const char usage_main[] =
    "Usage: lambdasim COMMAND [ARGS]\n"
    "\n"
    "Predicts how serverless (AWS Lambda style) ML inference behaves behind a\n"
    "dynamic batching queue: latency percentiles, throughput, cold starts, cost.\n"
    "\n"
    "Commands:\n"
    "  run SCENARIO.json     simulate one scenario and report what a user measures\n"
    "  help [COMMAND]        show help for a command\n"
    "\n"
    "Options:\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit codes: 0 success, 1 the run failed, 2 bad command line or input file.\n"
    "Scenario and output fields are documented in README.md.\n";

static const char usage_run[] =
    "Usage: lambdasim run SCENARIO.json [OPTIONS]\n"
    "\n"
    "Simulates the scenario and prints a table of results (or JSON with --json).\n"
    "\n"
    "Options:\n"
    "  --seed N              master random seed (default: the scenario's \"seed\", else 1)\n"
    "  --set KEY.PATH=VALUE  change a scenario field before validation; repeatable.\n"
    "                        VALUE is read as JSON when it parses as JSON, else as a\n"
    "                        string, e.g. --set batching.threshold=4\n"
    "                        --set 'platform.keep_alive_s={\"dist\":\"uniform\",\"min\":300,\"max\":900}'\n"
    "  --json                print one JSON object (fields in README.md) instead of a table\n"
    "  --requests-csv FILE   write one CSV row per request (in completion order)\n"
    "  --force               replace output files that already exist\n"
    "  --timing              print run time, simulated requests/s, events/s and peak\n"
    "                        memory to stderr (stdout stays deterministic)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Relative model and trace paths in the scenario are resolved against the\n"
    "scenario file's directory. Output files are written whole or not at all.\n";

/* Prints "lambdasim: <message>" and where to find help; returns 2. `cmd` is
 * "" or a command name followed by a space. */
static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lambdasim: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'lambdasim %s--help'.\n", cmd);
    return EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

struct csv_ctx {
    FILE *f;
};

static void csv_on_request(void *ctx, const struct request_record *rec)
{
    struct csv_ctx *c = ctx;
    report_requests_csv_row(c->f, rec);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall time of the simulation proper (not loading or printing). */
static void print_timing(const struct engine_result *r, double wall_s)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    uint64_t simulated = r->requests.arrived;
    fprintf(stderr, "timing: %.3f s simulating, %llu requests (%.3g requests/s), %llu events (%.3g events/s, %.1f ns/event), peak memory %.1f MB\n",
            wall_s, (unsigned long long)simulated, wall_s > 0 ? (double)simulated / wall_s : 0.0,
            (unsigned long long)r->events, wall_s > 0 ? (double)r->events / wall_s : 0.0,
            r->events > 0 ? wall_s * 1e9 / (double)r->events : 0.0, (double)ru.ru_maxrss / 1024.0);
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int cmd_run(int argc, char **argv)
{
    const char *scenario_path = NULL, *csv_path = NULL;
    bool json = false, force = false, have_seed = false, timing = false;
    uint64_t seed = 0;
    struct config_override *sets = calloc((size_t)argc, sizeof *sets);
    size_t n_sets = 0;
    char msg[CONFIG_MSG_MAX];
    int rc = EXIT_USAGE;
    struct scenario sc;
    memset(&sc, 0, sizeof sc);
    struct outfile csv;
    memset(&csv, 0, sizeof csv);
    if (sets == NULL) {
        fprintf(stderr, "lambdasim: out of memory\n");
        return EXIT_RUN_FAILED;
    }

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_run, stdout);
            rc = 0;
            goto out;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--force") == 0) {
            force = true;
        } else if (strcmp(a, "--timing") == 0) {
            timing = true;
        } else if (strcmp(a, "--seed") == 0 || strcmp(a, "--set") == 0 ||
                   strcmp(a, "--requests-csv") == 0) {
            if (i + 1 >= argc) {
                rc = usage_error("run ", "option '%s' needs a value", a);
                goto out;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--seed") == 0) {
                if (!parse_u64(v, &seed)) {
                    rc = usage_error("run ", "--seed: expected a whole number from 0 to 18446744073709551615 (got '%s')", v);
                    goto out;
                }
                have_seed = true;
            } else if (strcmp(a, "--set") == 0) {
                if (config_parse_override(v, &sets[n_sets], msg, sizeof msg) != 0) {
                    fprintf(stderr, "lambdasim: %s\n", msg);
                    goto out;
                }
                n_sets++;
            } else {
                csv_path = v;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = usage_error("run ", "unknown option '%s'", a);
            goto out;
        } else if (scenario_path == NULL) {
            scenario_path = a;
        } else {
            rc = usage_error("run ", "unexpected argument '%s' (one scenario per run)", a);
            goto out;
        }
    }
    if (scenario_path == NULL) {
        rc = usage_error("run ", "missing SCENARIO.json");
        goto out;
    }
    if (config_load_scenario(scenario_path, sets, n_sets, &sc, msg, sizeof msg) != CONFIG_OK) {
        fprintf(stderr, "lambdasim: %s\n", msg);
        goto out;
    }
    if (!have_seed)
        seed = sc.seed;
    if (csv_path != NULL) {
        if (same_file(csv_path, scenario_path)) {
            fprintf(stderr, "lambdasim: --requests-csv %s: that is the scenario file; refusing to overwrite it\n",
                    csv_path);
            goto out;
        }
        if (outfile_open(&csv, csv_path, force, msg, sizeof msg) != 0) {
            fprintf(stderr, "lambdasim: --requests-csv %s\n", msg);
            goto out;
        }
        report_requests_csv_header(csv.f);
    }
    struct csv_ctx ctx = { .f = csv.f };
    struct engine_hooks hooks = { .on_request = csv_on_request, .ctx = &ctx };
    struct engine_result res;
    double t0 = now_s();
    engine_run(&sc, seed, csv_path != NULL ? &hooks : NULL, &res);
    double wall = now_s() - t0;
    if (timing)
        print_timing(&res, wall);
    if (csv_path != NULL && outfile_commit(&csv, msg, sizeof msg) != 0) {
        fprintf(stderr, "lambdasim: %s\n", msg);
        rc = EXIT_RUN_FAILED;
        goto out;
    }
    if (json)
        report_json(stdout, &sc, &res);
    else
        report_table(stdout, &sc, &res);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "lambdasim: writing results to standard output failed: %s\n", strerror(errno));
        rc = EXIT_RUN_FAILED;
        goto out;
    }
    rc = 0;
out:
    outfile_abort(&csv);
    scenario_fini(&sc);
    free(sets);
    return rc;
}

int main(int argc, char **argv)
{
    /* Every GSL parameter is validated at load time, so a GSL error at run
     * time is a bug: let it abort loudly rather than print and go on. */
    gsl_set_error_handler(NULL);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("lambdasim %s\n", LAMBDASIM_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            fputs(usage_main, stdout);
            return 0;
        }
        if (strcmp(argv[2], "run") == 0) {
            fputs(usage_run, stdout);
            return 0;
        }
        return usage_error("", "no help for unknown command '%s'", argv[2]);
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    return usage_error("", "unknown command '%s'", cmd);
}
