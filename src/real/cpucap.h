/* cpucap: Lambda's CPU share for a memory size, enforced on real worker
 * processes with a cgroup CPU quota (v2 cpu.max, or v1 cpu.cfs_quota_us),
 * one cgroup per worker slot under one cgroup per run:
 *     <cpu hierarchy>/<our cgroup>/lambdasim-run-<pid>/{main,w<slot>}
 * The run's cgroup is removed at the end (cpucap_close); one left by a run
 * that was killed is removed by the next cpucap_open. Library code: errors
 * are a status and a message. */
#ifndef LAMBDASIM_CPUCAP_H
#define LAMBDASIM_CPUCAP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lambda allocates CPU in proportion to memory: 1,769 MB is one vCPU, and
 * 10,240 MB (the most) is up to 6 vCPUs (AWS Lambda Developer Guide,
 * "Configuring Lambda function memory": "At 1,769 MB, a function has the
 * equivalent of one vCPU"; "up to 6 vCPUs" at 10,240 MB). Linear:
 * vcpus = memory_mb / 1769 (10240 MB -> 5.79). */
double cpucap_vcpus(double memory_mb);

/* The CPU an instance's init gets at a share of vcpus: one vCPU at least.
 * The simulator does not scale init by memory (docs/reference/system.md,
 * memory scaling: Lambda's Init Duration measured flat from 128 to 2048
 * MB), and profile times cold starts at one vCPU; a 128 MB worker started
 * under its 0.07-CPU quota took 20-22 ms against 3.3 ms. emulate and
 * serve set the slot's quota to this until init is over. */
double cpucap_init_vcpus(double vcpus);

/* The CFS period of the quota: a worker at share s runs s x period per
 * period. Short, so a few-ms inference is stretched evenly rather than run
 * at full speed then stopped for most of a long period; measured here
 * (kernel 6.18, 2 cores, 256-image batches), 10 ms gave 512 MB / 1769 MB
 * ratios of 2.9-3.4 (expected 3.46) where 20-100 ms gave 2.2-2.8 (the
 * kernel hands quota out in per-CPU slices, so a group can overrun it a
 * little each period; an observation on this kernel, not a derivation).
 * Longer when the quota would fall under the kernel's 1 ms. The quota is
 * still coarse for a batch of a few ms (checked at ticks), so the emulator
 * also has each worker pace its batches to the share (--cpu-share). */
#define CPUCAP_PERIOD_US 10000L

/* The period used for a share of vcpus: CPUCAP_PERIOD_US, or longer so the
 * quota is at least 1 ms. */
long cpucap_period_us(double vcpus);

enum cpucap_kind { CPUCAP_NONE = 0, CPUCAP_V1, CPUCAP_V2 };

struct cpucap {
    enum cpucap_kind kind;
    char run[PATH_MAX];         /* the run's cgroup directory */
    char home[PATH_MAX];        /* our own cgroup directory, before main */
    bool joined;                /* this process moved into run/main */
    uint32_t slots_hi;          /* slot cgroups w0 .. w(slots_hi - 1) may exist */
};

/* Finds a usable cpu controller (v2 first, then v1), removes stale run
 * cgroups, and creates this run's. Returns 0; or -1 with a message saying
 * what is missing (c->kind is then CPUCAP_NONE and every other call is a
 * no-op). */
int cpucap_open(struct cpucap *c, char *msg, size_t msg_len);

/* "cgroup v2 cpu.max" / "cgroup v1 cpu.cfs_quota_us" / "none". */
const char *cpucap_kind_name(enum cpucap_kind k);

/* Creates (or reuses) slot's cgroup with a quota of vcpus CPUs (no quota
 * when vcpus <= 0) and writes the path of its process list to procs (for
 * the worker to join between fork and exec). Returns 0, or -1 with a
 * message. */
int cpucap_slot(struct cpucap *c, uint32_t slot, double vcpus, char *procs, size_t procs_len, char *msg,
                size_t msg_len);

/* A slot whose worker's init is over: its quota becomes its share vcpus
 * (it had cpucap_init_vcpus(vcpus) for the init). Nothing to do, 0, when
 * there is no cgroup or the two are the same. Returns 0, or -1 with a
 * message. */
int cpucap_slot_init_over(struct cpucap *c, uint32_t slot, double vcpus, char *msg, size_t msg_len);

/* --isolate: gives the run's cgroup the highest CPU weight (v1 cpu.shares
 * 262144, v2 cpu.weight 10000) and moves this process into run/main, so the
 * emulator and its workers go ahead of other jobs. Nothing outlives the run:
 * the weight belongs to the run's cgroup. Returns 0, or -1 with a message. */
int cpucap_isolate(struct cpucap *c, char *msg, size_t msg_len);

/* Moves this process back home and removes the run's cgroups (their
 * processes must have exited). Safe to call twice. */
void cpucap_close(struct cpucap *c);

#endif
