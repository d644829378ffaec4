/* cli: helpers shared by the command implementations (see cli.h). */
#include "cli/cli.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "formats/config.h"
#include "core/model.h"
#include "base/interrupt.h"
#include "core/sink.h"
#include "base/xalloc.h"
#include "base/datadir.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lambdasim: %s%s", cmd, cmd[0] != '\0' ? ": " : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'lambdasim %s%s--help'.\n", cmd, cmd[0] != '\0' ? " " : "");
    return CLI_USAGE;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lambdasim: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool cli_parse_u64(const char *s, uint64_t *out)
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

bool cli_parse_double(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno != 0 || !isfinite(v))
        return false;
    *out = v;
    return true;
}

int cli_opt_replications(const char *cmd, const char *v, uint64_t max, uint64_t *out)
{
    if (!cli_parse_u64(v, out) || *out < 1 || *out > max)
        return cli_usage_error(cmd, "--replications: expected a whole number from 1 to %llu (got '%s')",
                               (unsigned long long)max, v);
    return 0;
}

int cli_opt_interval_level(const char *cmd, const char *v, double *out)
{
    if (!cli_parse_double(v, out) || !(*out > 0 && *out < 1))
        return cli_usage_error(cmd, "--interval-level: expected a number between 0 and 1, e.g. 0.95 (got '%s')", v);
    return 0;
}

int cli_claim_stdout(const char *const *options, const char *const *paths, size_t n, bool json, int *rc)
{
    int first = -1;
    for (size_t i = 0; i < n; i++) {
        if (paths[i] == NULL || strcmp(paths[i], "-") != 0)
            continue;
        if (first >= 0) {
            cli_error("%s - and %s -: only one output can go to standard output", options[first], options[i]);
            *rc = CLI_USAGE;
            return -1;
        }
        first = (int)i;
    }
    if (first < 0)
        return 0;
    if (json) {
        cli_error("%s -: standard output is already taken by --json; write one of them to a file",
                  options[first]);
        *rc = CLI_USAGE;
        return -1;
    }
    if (outfile_take_stdout() != 0) {
        cli_error("%s -: cannot take standard output: %s", options[first], strerror(errno));
        *rc = CLI_FAILED;
        return -1;
    }
    return 0;
}

int cli_outfile_open(struct outfile *o, const char *opt, const char *path, bool force, int failed_rc)
{
    char msg[CONFIG_MSG_MAX];
    int r = outfile_open(o, path, force, msg, sizeof msg);
    if (r == OUTFILE_OK)
        return CLI_OK;
    cli_error("%s %s", opt, msg);
    return r == OUTFILE_REFUSED ? CLI_USAGE : failed_rc;
}

int cli_outfile_check(const char *opt, const char *path, bool force, int failed_rc)
{
    char msg[CONFIG_MSG_MAX];
    int r = outfile_check(path, force, msg, sizeof msg);
    if (r == OUTFILE_OK)
        return CLI_OK;
    cli_error("%s %s", opt, msg);
    return r == OUTFILE_REFUSED ? CLI_USAGE : failed_rc;
}

void cli_scenario_args_init(struct cli_scenario_args *sa, const char *cmd, const char *one_only, int argc)
{
    memset(sa, 0, sizeof *sa);
    sa->cmd = cmd;
    sa->one_only = one_only;
    /* Each --set takes a word at least, so argc entries always suffice; the one
     * more keeps the count above zero for an empty command line. */
    sa->sets = xcalloc((size_t)argc + 1, sizeof *sa->sets);
}

void cli_scenario_args_fini(struct cli_scenario_args *sa)
{
    free(sa->sets);
    sa->sets = NULL;
    sa->n_sets = 0;
}

int cli_scenario_opt(struct cli_scenario_args *sa, int id, const char *value, int *rc)
{
    switch (id) {
    case CLI_O_SEED:
        if ((*rc = cli_opt_seed(sa->cmd, value, &sa->seed)) != CLI_OK)
            return -1;
        sa->have_seed = true;
        return 0;
    case CLI_O_TIME_LIMIT:
        return (*rc = cli_opt_time_limit(sa->cmd, "--time-limit", value, &sa->time_limit_s)) != CLI_OK ? -1 : 0;
    case CLI_O_SET: {
        char msg[CONFIG_MSG_MAX];
        if (config_parse_override(value, &sa->sets[sa->n_sets], msg, sizeof msg) != 0) {
            cli_error("%s", msg);
            *rc = CLI_USAGE;
            return -1;
        }
        sa->n_sets++;
        return 0;
    }
    case CLI_PARSE_ARG:
        if (sa->path != NULL) {
            *rc = cli_usage_error(sa->cmd, "unexpected argument '%s' (%s)", value, sa->one_only);
            return -1;
        }
        sa->path = value;
        return 0;
    default:
        assert(!"cli_scenario_opt: not a scenario option");
        *rc = CLI_USAGE;
        return -1;
    }
}

int cli_scenario_args_check(const struct cli_scenario_args *sa, int *rc)
{
    if (sa->path != NULL)
        return 0;
    *rc = cli_usage_error(sa->cmd, "missing SCENARIO.json");
    return -1;
}

int cli_scenario_args_load(struct cli_scenario_args *sa, struct scenario *sc, int *rc)
{
    char msg[CONFIG_MSG_MAX];
    assert(sa->path != NULL);
    if (config_load_scenario(sa->path, sa->sets, sa->n_sets, sc, msg, sizeof msg) != CONFIG_OK) {
        cli_error("%s", msg);
        *rc = CLI_USAGE;
        return -1;
    }
    if (!sa->have_seed)
        sa->seed = sc->seed;
    if (!sa->real_function && model_memory_is_guess(&sc->function.model, sc->function.memory_mb))
        cli_warn_memory_guess(sa->cmd, sc->function.model.name, sc->function.model.memory_mb,
                              sc->function.memory_mb, 1);
    return 0;
}

void cli_warn_memory_guess(const char *cmd, const char *model, double profile_mb, double run_mb,
                           size_t points)
{
    static bool warned;
    if (warned || points == 0)
        return;
    warned = true;
    char where[64] = "";
    if (points > 1)
        snprintf(where, sizeof where, " (the first of %zu sweep points like this)", points);
    /* The guess can be off several-fold: real functions are partly I/O-bound
     * (docs/reference/models.md, "Memory scaling"). */
    fprintf(stderr, "%s: warning: function.memory_mb is %g MB%s but model '%s' was measured at %g MB and "
            "has no cpu_bound_fraction: its inference time is scaled as purely CPU-bound (x%.3g); real "
            "functions often scale less (fit the fraction with calibrate --fit-memory on logs at several "
            "memory sizes, or set cpu_bound_fraction in the profile)\n", cmd, run_mb, where, model,
            profile_mb, model_compute_factor(profile_mb, run_mb));
}

int cli_outputs_claim_stdout(const struct cli_output *spec, const struct cli_open_output *output, size_t n,
                             bool json, int *rc)
{
    const char **options = xcalloc(n + 1, sizeof *options), **paths = xcalloc(n + 1, sizeof *paths);
    for (size_t i = 0; i < n; i++) {
        options[i] = spec[i].option;
        paths[i] = output[i].path;
    }
    int r = cli_claim_stdout(options, paths, n, json, rc);
    free(options);
    free(paths);
    return r;
}

int cli_outputs_open(const struct cli_output *spec, struct cli_open_output *output, size_t n, bool force,
                     int open_failed_rc, int *rc)
{
    for (size_t i = 0; i < n; i++) {
        const char *path = output[i].path;
        if (path == NULL)
            continue;
        /* Several outputs may go to one character device (/dev/null). */
        struct stat st;
        bool device = stat(path, &st) == 0 && S_ISCHR(st.st_mode);
        for (size_t j = 0; j < i && !device; j++) {
            if (output[j].path != NULL && strcmp(output[j].path, path) == 0) {
                cli_error("%s and %s both name %s", spec[j].option, spec[i].option, path);
                *rc = CLI_USAGE;
                return -1;
            }
        }
        /* Refuses any input of the run (infile.h), even with --force:
         * losing an input is never what was meant. */
        if ((*rc = cli_outfile_open(&output[i].file, spec[i].option, path, force, open_failed_rc)) != CLI_OK)
            return -1;
    }
    return 0;
}

void cli_outputs_abort(const struct cli_output *spec, struct cli_open_output *output, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (output[i].state != NULL && spec[i].ops->finish != NULL)
            spec[i].ops->finish(output[i].state, output[i].file.f, NULL);
        output[i].state = NULL;
        outfile_abort(&output[i].file);
    }
}

bool cli_parse_time_limit(const char *s, double *seconds)
{
    if (s == NULL)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v > 0) || v > INTERRUPT_TIME_LIMIT_MAX_S)
        return false;
    *seconds = v;
    return true;
}

int cli_catch_stop(double time_limit_s, int *rc)
{
    if (interrupt_catch() != 0) {
        cli_error("cannot catch SIGINT/SIGTERM: %s", strerror(errno));
        *rc = CLI_FAILED;
        return -1;
    }
    if (time_limit_s > 0 && interrupt_time_limit(time_limit_s, INTERRUPT_GRACE_S) != 0) {
        cli_error("--time-limit: cannot set a timer: %s", strerror(errno));
        *rc = CLI_FAILED;
        return -1;
    }
    return 0;
}

double cli_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int isolate_old_group = 0, isolate_old_nice = 0;
static bool isolate_group = false, isolate_self = false;

static int read_autogroup_nice(int *nice_value)
{
    FILE *f = fopen("/proc/self/autogroup", "r");
    if (f == NULL)
        return -1;
    char line[128];
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    const char *p = ok ? strstr(line, " nice ") : NULL;
    if (p == NULL)
        return -1;
    char *end = NULL;
    long v = strtol(p + 6, &end, 10);
    if (end == p + 6 || v < -20 || v > 19)
        return -1;
    *nice_value = (int)v;
    return 0;
}

static int write_autogroup_nice(int nice_value)
{
    FILE *f = fopen("/proc/self/autogroup", "w");
    if (f == NULL)
        return -1;
    int ok = fprintf(f, "%d\n", nice_value) > 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int cli_isolate(int nice_value, char *msg, size_t msg_len)
{
    errno = 0;
    int old = getpriority(PRIO_PROCESS, 0);
    if (errno == 0 && setpriority(PRIO_PROCESS, 0, nice_value) == 0) {
        isolate_old_nice = old;
        isolate_self = true;
    } else {
        snprintf(msg, msg_len, "--isolate: cannot raise the CPU priority (nice %d): %s (it needs root or "
                 "CAP_SYS_NICE)", nice_value, strerror(errno));
        return -1;
    }
    /* With autogroups on, nice only orders the processes of one session:
     * the group's own nice value is what counts against other sessions. */
    if (read_autogroup_nice(&old) == 0) {
        if (write_autogroup_nice(nice_value) != 0) {
            snprintf(msg, msg_len, "--isolate: cannot set the session's autogroup nice value to %d: %s",
                     nice_value, strerror(errno));
            return -1;
        }
        isolate_old_group = old;
        isolate_group = true;
    }
    return 0;
}

void cli_isolate_end(void)
{
    if (isolate_group)
        (void)write_autogroup_nice(isolate_old_group);
    if (isolate_self)
        (void)setpriority(PRIO_PROCESS, 0, isolate_old_nice);
    isolate_group = isolate_self = false;
}

double cli_peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* Linux reports KB */
}

bool cli_parse_window(const char *s, double *from_s, double *to_s)
{
    const char *colon = strchr(s, ':');
    if (colon == NULL)
        return false;
    *from_s = 0;
    *to_s = INFINITY;
    char *end;
    if (colon != s) {
        errno = 0;
        *from_s = strtod(s, &end);
        if (errno != 0 || end != colon || !isfinite(*from_s) || *from_s < 0)
            return false;
    }
    if (colon[1] != '\0') {
        errno = 0;
        *to_s = strtod(colon + 1, &end);
        if (errno != 0 || *end != '\0' || !isfinite(*to_s) || *to_s < 0)
            return false;
    }
    return *from_s <= *to_s;
}

int cli_default_worker(const char **path, char *buf, size_t len, int *rc)
{
    char msg[1024];
    if (datadir_worker(buf, len, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        *rc = CLI_USAGE;
        return -1;
    }
    *path = buf;
    return 0;
}

int cli_default_data(const char **path, const char *option, const char *rel, char *buf, size_t len, int *rc)
{
    if (*path != NULL)
        return 0;
    char msg[1024];
    if (datadir_path(rel, buf, len, msg, sizeof msg) != 0) {
        cli_error("default %s: %s, or give %s FILE", option, msg, option);
        *rc = CLI_USAGE;
        return -1;
    }
    *path = buf;
    return 0;
}
