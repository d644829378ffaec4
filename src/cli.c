/* cli: helpers shared by the command implementations (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lambdasim: ");
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

bool cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
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
