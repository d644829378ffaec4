/* hostload: how busy the host's CPUs were around a real run (profile,
 * emulate), so a measurement made on a busy machine is flagged rather than
 * trusted. Reads /proc/pressure/cpu (Linux PSI) where present, else the load
 * average and the steal time of /proc/stat. Library code: no printing. */
#ifndef LAMBDASIM_HOSTLOAD_H
#define LAMBDASIM_HOSTLOAD_H

#include <stdbool.h>
#include <stdio.h>

/* A run is on a busy machine when, before it started, tasks waited for a
 * CPU this much of the time (PSI "some" avg10, %), or the 1-minute load
 * average was this fraction of the cores (without PSI); or when, during
 * the run, this share of CPU time was stolen by a hypervisor (%). */
#define HOSTLOAD_BUSY_PRESSURE_PCT 10.0
#define HOSTLOAD_BUSY_LOAD_PER_CORE 0.5
#define HOSTLOAD_BUSY_STEAL_PCT 5.0

struct hostload {
    bool psi;                   /* /proc/pressure/cpu was read */
    double before_avg10_pct;    /* PSI some avg10 when the run started */
    double after_avg10_pct;     /* ... and when it ended */
    double during_pct;          /* PSI some total: share of the run's wall time
                                   some task waited for a CPU (our own included) */
    double load1_before;        /* /proc/loadavg, 1 minute, at the start */
    double steal_pct;           /* /proc/stat steal over the run, % of CPU time */
    int cores;                  /* online CPUs */
    bool busy;                  /* one of the thresholds above was crossed */
    char why[160];              /* when busy: which, in words */
    /* private */
    double t0_s, total0_us;
    unsigned long long steal0, all0;
};

/* Samples the counters at the start of a run. Never fails: what cannot be
 * read is left out (psi false, fields NAN). */
void hostload_begin(struct hostload *h);

/* Samples them again at the end and fills the figures and the verdict. */
void hostload_end(struct hostload *h);

/* One JSON object (no trailing newline):
 * {"source": "psi"|"loadavg", "before_avg10_pct": .., "during_pct": ..,
 *  "load1_before": .., "steal_pct": .., "cores": .., "busy": .., "why": ..} */
void hostload_json(FILE *f, const struct hostload *h);

/* One line of text (no newline) for tables: the figures and the verdict. */
void hostload_describe(const struct hostload *h, char *buf, size_t len);

#endif
