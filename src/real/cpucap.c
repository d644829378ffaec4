/* cpucap: per-worker cgroup CPU quotas for the emulator (cpucap.h). */
#define _GNU_SOURCE /* strtok_r, dirent d_type */
#include "real/cpucap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define RUN_PREFIX "lambdasim-run-"

double cpucap_vcpus(double memory_mb)
{
    return memory_mb / 1769.0;
}

double cpucap_init_vcpus(double vcpus)
{
    return vcpus < 1 ? 1 : vcpus;
}

long cpucap_period_us(double vcpus)
{
    if (vcpus > 0 && vcpus * (double)CPUCAP_PERIOD_US < 1000.0)
        return (long)(1000.0 / vcpus) + 1;
    return CPUCAP_PERIOD_US;
}

const char *cpucap_kind_name(enum cpucap_kind k)
{
    switch (k) {
    case CPUCAP_V2: return "cgroup v2 cpu.max";
    case CPUCAP_V1: return "cgroup v1 cpu.cfs_quota_us";
    case CPUCAP_NONE: return "none";
    }
    return "?";
}

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static void set_msg(char *msg, size_t len, const char *fmt, ...)
{
    if (msg == NULL || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* Writes s to dir/file; 0 or -1 (errno set). */
static int put(const char *dir, const char *file, const char *s)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = strlen(s);
    ssize_t w = write(fd, s, n);
    int err = errno;
    close(fd);
    errno = err;
    return w == (ssize_t)n ? 0 : -1;
}

/* Reads dir/file's first line into buf; 0 or -1. */
static int get(const char *dir, const char *file, char *buf, size_t len)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *r = fgets(buf, (int)len, f);
    fclose(f);
    if (r == NULL)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static bool has_token(const char *list, const char *tok, const char *seps)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(copy, seps, &save); t != NULL; t = strtok_r(NULL, seps, &save))
        if (strcmp(t, tok) == 0)
            return true;
    return false;
}

/* The mount point of the v2 hierarchy, or of the v1 one with the cpu
 * controller. */
static bool find_mount(bool v2, char *out, size_t len)
{
    FILE *f = fopen("/proc/mounts", "r");
    if (f == NULL)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        char dev[256], dir[512], type[64], opts[512];
        if (sscanf(line, "%255s %511s %63s %511s", dev, dir, type, opts) != 4)
            continue;
        if (v2 ? strcmp(type, "cgroup2") == 0 : strcmp(type, "cgroup") == 0 && has_token(opts, "cpu", ",")) {
            snprintf(out, len, "%s", dir);
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* Our own cgroup path in that hierarchy, from /proc/self/cgroup. */
static bool own_path(bool v2, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f == NULL)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c2 = '\0';
        const char *ctrl = c1 + 1;
        if (v2 ? (strncmp(line, "0", 1) == 0 && *ctrl == '\0') : has_token(ctrl, "cpu", ",")) {
            snprintf(out, len, "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1);
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* True while pid exists and is not a zombie (a killed run waiting to be
 * reaped is gone as far as its cgroups are concerned). */
static bool alive(long pid)
{
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return false;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno != ENOENT;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return paren == NULL || paren[1] != ' ' || paren[2] != 'Z';
}

/* Removes run directories left by runs whose process is gone. */
static void clean_stale(const char *base)
{
    DIR *d = opendir(base);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0)
            continue;
        long pid = strtol(e->d_name + strlen(RUN_PREFIX), NULL, 10);
        if (pid <= 0 || alive(pid))
            continue;
        char run[PATH_MAX];
        snprintf(run, sizeof run, "%.2000s/%.200s", base, e->d_name);
        DIR *r = opendir(run);
        if (r != NULL) {
            struct dirent *k;
            while ((k = readdir(r)) != NULL) {
                if (k->d_name[0] == '.' || k->d_type != DT_DIR)
                    continue;
                char sub[PATH_MAX + 256];
                snprintf(sub, sizeof sub, "%s/%s", run, k->d_name);
                (void)rmdir(sub);
            }
            closedir(r);
        }
        (void)rmdir(run);
    }
    closedir(d);
}

/* Tries one hierarchy: base = mount + our path must allow a child with the
 * cpu controller. */
static int try_open(struct cpucap *c, bool v2, char *msg, size_t msg_len)
{
    char mount[512], own[1024];
    if (!find_mount(v2, mount, sizeof mount)) {
        set_msg(msg, msg_len, "no %s hierarchy is mounted", v2 ? "cgroup v2" : "cgroup v1 cpu");
        return -1;
    }
    if (!own_path(v2, own, sizeof own)) {
        set_msg(msg, msg_len, "%s: cannot find this process's cgroup in /proc/self/cgroup", mount);
        return -1;
    }
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%.1500s%.1500s", mount, own);
    if (v2) {
        char ctrl[512];
        if (get(base, "cgroup.controllers", ctrl, sizeof ctrl) != 0 || !has_token(ctrl, "cpu", " ")) {
            set_msg(msg, msg_len, "%s: the cgroup v2 cpu controller is not available here (cgroup.controllers)",
                    base);
            return -1;
        }
    }
    clean_stale(base);
    snprintf(c->home, sizeof c->home, "%s", base);
    snprintf(c->run, sizeof c->run, "%.3000s/" RUN_PREFIX "%ld", base, (long)getpid());
    if (mkdir(c->run, 0755) != 0 && errno != EEXIST) {
        char why[300];
        snprintf(why, sizeof why, "%s", strerror(errno));
        set_msg(msg, msg_len, "%s: cannot create a cgroup: %s (it needs root)", c->run, why);
        return -1;
    }
    if (v2 && (put(base, "cgroup.subtree_control", "+cpu") != 0 || put(c->run, "cgroup.subtree_control", "+cpu") != 0)) {
        char why[300];
        snprintf(why, sizeof why, "%s", strerror(errno));
        (void)rmdir(c->run);
        set_msg(msg, msg_len, "%s: cannot enable the cpu controller (cgroup.subtree_control): %s", base, why);
        return -1;
    }
    c->kind = v2 ? CPUCAP_V2 : CPUCAP_V1;
    return 0;
}

int cpucap_open(struct cpucap *c, char *msg, size_t msg_len)
{
    memset(c, 0, sizeof *c);
    char why2[512] = "", why1[512] = "";
    if (try_open(c, true, why2, sizeof why2) == 0 || try_open(c, false, why1, sizeof why1) == 0)
        return 0;
    memset(c, 0, sizeof *c);
    if (msg != NULL && msg_len > 0)
        snprintf(msg, msg_len, "no usable cgroup cpu controller (%s; %s)", why2, why1);
    return -1;
}

int cpucap_slot_init_over(struct cpucap *c, uint32_t slot, double vcpus, char *msg, size_t msg_len)
{
    if (c->kind == CPUCAP_NONE || vcpus == cpucap_init_vcpus(vcpus))
        return 0;
    char procs[PATH_MAX + 64];
    return cpucap_slot(c, slot, vcpus, procs, sizeof procs, msg, msg_len);
}

int cpucap_slot(struct cpucap *c, uint32_t slot, double vcpus, char *procs, size_t procs_len, char *msg,
                size_t msg_len)
{
    if (c->kind == CPUCAP_NONE) {
        set_msg(msg, msg_len, "no cgroup");
        return -1;
    }
    char dir[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%.3000s/w%u", c->run, (unsigned)slot);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        set_msg(msg, msg_len, "%s: cannot create a cgroup: %s", dir, strerror(errno));
        return -1;
    }
    if (slot >= c->slots_hi)
        c->slots_hi = slot + 1;
    char v[64];
    int rc;
    long period = cpucap_period_us(vcpus);
    long q = vcpus > 0 ? (long)(vcpus * (double)period + 0.5) : -1;
    if (vcpus > 0 && q < 1000)
        q = 1000; /* the kernel's smallest quota */
    if (c->kind == CPUCAP_V2) {
        if (vcpus > 0)
            snprintf(v, sizeof v, "%ld %ld", q, period);
        else
            snprintf(v, sizeof v, "max %ld", period);
        rc = put(dir, "cpu.max", v);
    } else {
        snprintf(v, sizeof v, "%ld", period);
        rc = put(dir, "cpu.cfs_period_us", v);
        snprintf(v, sizeof v, "%ld", q);
        if (rc == 0)
            rc = put(dir, "cpu.cfs_quota_us", v);
    }
    if (rc != 0) {
        set_msg(msg, msg_len, "%s: cannot set the CPU quota: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(procs, procs_len, "%s/cgroup.procs", dir);
    return 0;
}

/* Moves this process into dir. */
static int join(const char *dir)
{
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    return put(dir, "cgroup.procs", pid);
}

int cpucap_isolate(struct cpucap *c, char *msg, size_t msg_len)
{
    if (c->kind == CPUCAP_NONE) {
        set_msg(msg, msg_len, "no cgroup");
        return -1;
    }
    int rc = c->kind == CPUCAP_V2 ? put(c->run, "cpu.weight", "10000") : put(c->run, "cpu.shares", "262144");
    if (rc != 0) {
        set_msg(msg, msg_len, "%s: cannot set the run's CPU weight: %s", c->run, strerror(errno));
        return -1;
    }
    char main_dir[PATH_MAX + 8];
    snprintf(main_dir, sizeof main_dir, "%.3000s/main", c->run);
    if ((mkdir(main_dir, 0755) != 0 && errno != EEXIST) || join(main_dir) != 0) {
        set_msg(msg, msg_len, "%s: cannot move the emulator into it: %s", main_dir, strerror(errno));
        return -1;
    }
    /* The emulator itself stands for Lambda's front end, which does not
     * share the instances' hosts: ahead of its own workers for the CPU
     * (the highest weight against their default 100), so that five busy
     * workers on two cores do not hold back the next dispatch by one
     * scheduling slice each (measured: 2 ms of send lag for a burst of
     * 10 on an idle machine). A failure only costs that. */
    (void)(c->kind == CPUCAP_V2 ? put(main_dir, "cpu.weight", "10000") : put(main_dir, "cpu.shares", "262144"));
    c->joined = true;
    return 0;
}

void cpucap_close(struct cpucap *c)
{
    if (c->kind == CPUCAP_NONE)
        return;
    if (c->joined) {
        (void)join(c->home);
        c->joined = false;
    }
    char dir[PATH_MAX + 32];
    for (uint32_t i = 0; i < c->slots_hi; i++) {
        snprintf(dir, sizeof dir, "%.3000s/w%u", c->run, (unsigned)i);
        (void)rmdir(dir);
    }
    snprintf(dir, sizeof dir, "%.3000s/main", c->run);
    (void)rmdir(dir);
    (void)rmdir(c->run);
    c->kind = CPUCAP_NONE;
}
