/* hostload: CPU pressure, load and steal around a real run (hostload.h). */
#define _GNU_SOURCE /* getloadavg */
#include "real/hostload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "formats/jsonout.h"

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The "some" line of /proc/pressure/cpu: avg10 (%) and total (us). */
static bool read_psi(double *avg10, double *total_us)
{
    FILE *f = fopen("/proc/pressure/cpu", "r");
    if (f == NULL)
        return false;
    char line[256];
    bool ok = false;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "some ", 5) != 0)
            continue;
        const char *a = strstr(line, "avg10="), *t = strstr(line, "total=");
        if (a != NULL && t != NULL) {
            *avg10 = strtod(a + 6, NULL);
            *total_us = strtod(t + 6, NULL);
            ok = true;
        }
        break;
    }
    fclose(f);
    return ok;
}

/* The aggregate "cpu" line of /proc/stat: steal and the sum of all fields. */
static bool read_stat(unsigned long long *steal, unsigned long long *all)
{
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return false;
    char line[512];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    if (!got || strncmp(line, "cpu ", 4) != 0)
        return false;
    unsigned long long v[8] = { 0 };
    const char *p = line + 4;
    for (int i = 0; i < 8; i++) {
        char *end = NULL;
        v[i] = strtoull(p, &end, 10);
        if (end == p)
            return false;
        p = end;
    }
    *steal = v[7];
    *all = 0;
    for (int i = 0; i < 8; i++)
        *all += v[i];
    return true;
}

void hostload_begin(struct hostload *h)
{
    memset(h, 0, sizeof *h);
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    h->cores = c > 0 ? (int)c : 1;
    h->before_avg10_pct = h->after_avg10_pct = h->during_pct = NAN;
    h->load1_before = h->steal_pct = NAN;
    h->psi = read_psi(&h->before_avg10_pct, &h->total0_us);
    double load[1];
    if (getloadavg(load, 1) == 1)
        h->load1_before = load[0];
    if (!read_stat(&h->steal0, &h->all0))
        h->all0 = 0;
    h->t0_s = mono_s();
}

void hostload_end(struct hostload *h)
{
    double wall_s = mono_s() - h->t0_s;
    double total_us = 0;
    if (h->psi && read_psi(&h->after_avg10_pct, &total_us) && wall_s > 0)
        h->during_pct = 100.0 * (total_us - h->total0_us) * 1e-6 / wall_s;
    unsigned long long steal = 0, all = 0;
    if (h->all0 > 0 && read_stat(&steal, &all) && all > h->all0)
        h->steal_pct = 100.0 * (double)(steal - h->steal0) / (double)(all - h->all0);
    h->busy = false;
    h->why[0] = '\0';
    if (h->psi && h->before_avg10_pct >= HOSTLOAD_BUSY_PRESSURE_PCT) {
        h->busy = true;
        snprintf(h->why, sizeof h->why, "tasks waited for a CPU %.1f%% of the 10 s before the run "
                 "(/proc/pressure/cpu)", h->before_avg10_pct);
    } else if (!h->psi && h->load1_before >= HOSTLOAD_BUSY_LOAD_PER_CORE * h->cores) {
        h->busy = true;
        snprintf(h->why, sizeof h->why, "load average %.2f on %d cores before the run", h->load1_before, h->cores);
    } else if (h->steal_pct >= HOSTLOAD_BUSY_STEAL_PCT) {
        h->busy = true;
        snprintf(h->why, sizeof h->why, "%.1f%% of CPU time stolen by the hypervisor during the run",
                 h->steal_pct);
    }
}

static void num(FILE *f, const char *key, double v, const char *sep)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.3f%s", key, v, sep);
    else
        fprintf(f, "\"%s\": null%s", key, sep);
}

void hostload_json(FILE *f, const struct hostload *h)
{
    fprintf(f, "{\"source\": \"%s\", ", h->psi ? "psi" : "loadavg");
    num(f, "before_avg10_pct", h->before_avg10_pct, ", ");
    num(f, "during_pct", h->during_pct, ", ");
    num(f, "load1_before", h->load1_before, ", ");
    num(f, "steal_pct", h->steal_pct, ", ");
    fprintf(f, "\"cores\": %d, \"busy\": %s, \"why\": ", h->cores, h->busy ? "true" : "false");
    jsonout_string(f, h->why);
    fputc('}', f);
}

void hostload_describe(const struct hostload *h, char *buf, size_t len)
{
    char steal[48] = "";
    if (isfinite(h->steal_pct))
        snprintf(steal, sizeof steal, ", steal %.1f%%", h->steal_pct);
    if (h->psi)
        snprintf(buf, len, "CPU pressure %.1f%% before, %.1f%% during%s%s", h->before_avg10_pct,
                 h->during_pct, steal, h->busy ? " (BUSY machine)" : "");
    else
        snprintf(buf, len, "load %.2f on %d cores before%s%s", h->load1_before, h->cores, steal,
                 h->busy ? " (BUSY machine)" : "");
}
