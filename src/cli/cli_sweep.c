/* cli_sweep: `lambdasim sweep` (grid search, threads, checkpoints, shards,
 * MPI ranks) and `lambdasim merge` (shard files into one result). */
#define _DEFAULT_SOURCE /* ftruncate with the POSIX feature macro */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef LAMBDASIM_MPI
#include <mpi.h>
#endif
#include "cli/cli.h"
#include "base/interrupt.h"
#include "base/outfile.h"
#include "analysis/sweep.h"
#include "base/xalloc.h"
#include "formats/tracecache.h"

/* The parsed traces a sweep keeps (a 10^8-request trace is 800 MB). */
#define TRACE_CACHE_MAX_BYTES ((size_t)1 << 30)

#define JOBS_MAX 1024

/* CPU time of this process (every thread), s. */
static double cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum { O_OUT = CLI_O_OWN, O_JOBS, O_RESUME, O_SHARD, O_TIMING, O_REPS_CSV, O_INTERVAL_LEVEL };

static const struct cli_opt sweep_opts[] = {
    { .id = O_OUT, .short_name = 'o', .name = "out", .metavar = "FILE.csv", .complete = CLI_C_FILE,
      .help = "write one CSV row per point (mean, 95% CI half-width and per-run interval of every headline "
              "metric, feasible, pareto, rank); a checkpoint FILE.csv.ckpt records finished points until the end (--out - "
              "writes it to standard output, without a checkpoint; the summary then goes to standard error)" },
    { .id = O_REPS_CSV, .name = "replications-csv", .metavar = "FILE.csv", .complete = CLI_C_FILE,
      .help = "also write one CSV row per point and replication (its seed and every headline metric's "
              "value), for tests of your own; not under MPI" },
    CLI_ROW_JSON("print everything as one JSON object instead of the summary"),
    { .id = O_INTERVAL_LEVEL, .name = "interval-level", .metavar = "L",
      .help = "probability that a point's per-run interval (where one single run of it falls) holds a new "
              "run (default 0.95; needs replications >= 2/(1-L) - 1, e.g. 39 for 0.95, else [min, max] with "
              "its coverage)" },
    { .id = O_JOBS, .short_name = 'j', .name = "jobs", .metavar = "N",
      .help = "worker threads (default: the number of online cores)" },
    { .id = O_RESUME, .name = "resume", .help = "continue an interrupted sweep from FILE.csv.ckpt (needs --out)" },
    { .id = O_SHARD, .name = "shard", .metavar = "K/N",
      .help = "compute only the points with index % N == K-1 and write a shard file (needs --out); combine "
              "shards with 'lambdasim merge'" },
    CLI_ROW_FORCE("replace an existing output file (and discard its checkpoint)"),
    { .id = O_TIMING, .name = "timing", .help = "print wall time and points/s to stderr" },
    CLI_ROW_TIME_LIMIT("stop after this much wall-clock time, as on Ctrl-C (exit code 124; --resume continues)"),
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_sweep_spec = {
    .name = "sweep",
    .summary = "grid search: many settings x seeds, ranked, with a Pareto front",
    .synopsis = "SWEEP.json [OPTIONS]",
    .about =
        "Runs every point of a grid of scenario settings, several seeds each, and\n"
        "ranks the points by the sweep file's objective. Prints the top points, the\n"
        "Pareto front of p99 latency and cost, and the best point with a command\n"
        "line that reproduces it. The sweep file format: man lambdasim (Sweeps).\n",
    .opts = sweep_opts,
    .notes =
        "Results do not depend on --jobs, on the order of execution, on sharding or\n"
        "on MPI ranks: each point's seeds derive from the base seed and its index.\n"
        "A progress line is shown on stderr (on a terminal, rewritten in place;\n"
        "otherwise a plain line every 10 s once the sweep has run that long).\n"
        "Ctrl-C (SIGINT) or SIGTERM stops the sweep: the points being run are\n"
        "abandoned, finished points stay in the checkpoint, no output is written,\n"
        "and the exit code is 130 or 143 (124 after --time-limit); --resume continues.\n",
    .args = CLI_C_JSON,
    .fn = cli_sweep,
};

static const struct cli_opt merge_opts[] = {
    { .id = O_OUT, .short_name = 'o', .name = "out", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "write the merged CSV (- for standard output; the summary then goes to standard error)" },
    CLI_ROW_JSON("print everything as one JSON object instead of the summary"),
    CLI_ROW_FORCE("replace an existing output file"),
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_merge_spec = {
    .name = "merge",
    .summary = "combine the shard files of a sweep into its result",
    .synopsis = "SHARD.csv... [-o OUT.csv] [--force] [--json]",
    .about =
        "Combines the shard files of one sweep (written by 'sweep --shard K/N') into\n"
        "the file a single run writes: checks that they come from the same sweep and\n"
        "cover every point exactly once, then recomputes feasibility, the Pareto\n"
        "front and the ranks. Prints the same summary as 'sweep'.\n",
    .opts = merge_opts,
    .args = CLI_C_FILE,
    .fn = cli_merge,
};

/* ---- MPI: every rank runs this command; rank 0 talks and writes ---------------- */

static int mpi_rank(void)
{
#ifdef LAMBDASIM_MPI
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
#else
    return 0;
#endif
}

static int mpi_size(void)
{
#ifdef LAMBDASIM_MPI
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
#else
    return 1;
#endif
}

/* Ranks on this node, so that the default --jobs shares its cores. */
static int mpi_local_size(void)
{
#ifdef LAMBDASIM_MPI
    MPI_Comm local;
    int s = 1;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
    MPI_Comm_size(local, &s);
    MPI_Comm_free(&local);
    return s;
#else
    return 1;
#endif
}

/* Ends a stage on which ranks might disagree (files seen differently):
 * every rank returns the worst exit code, and a failure is printed once
 * (by rank 0, or by the failing rank when rank 0 was fine). */
static int stage_end(int rc, const char *msg)
{
#ifdef LAMBDASIM_MPI
    int r0 = rc, worst = rc;
    MPI_Bcast(&r0, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    int rank = mpi_rank();
    if (rc != 0 && msg != NULL && msg[0] != '\0') {
        if (rank == 0)
            cli_error("%s", msg);
        else if (r0 == 0)
            cli_error("rank %d: %s", rank, msg);
    }
    return worst;
#else
    if (rc != 0 && msg != NULL && msg[0] != '\0')
        cli_error("%s", msg);
    return rc;
#endif
}

/* ---- progress ------------------------------------------------------------------- */

/* Not on a terminal (a batch job's log, a pipe), progress is a plain line
 * every PROGRESS_LINE_S, plus a last one when any was written: a short
 * sweep stays silent, a long one shows in the job's log that it moves. */
#define PROGRESS_LINE_S 10.0

struct progress {
    double start_s;
    size_t offset;      /* points already done before this run (resume) */
    size_t total;
    bool tty;           /* stderr is a terminal: one line rewritten in place */
    double last_line_s; /* not a terminal: when the last line was written (0: none yet) */
};

static void show_progress(void *ctx, size_t done, size_t total)
{
    struct progress *p = ctx;
    double now = cli_now_s(), el = now - p->start_s;
    double rate = el > 0 ? (double)done / el : 0;
    if (!p->tty) {
        bool due = now - (p->last_line_s > 0 ? p->last_line_s : p->start_s) >= PROGRESS_LINE_S;
        if (!(due || (done == total && p->last_line_s > 0)))
            return;
        p->last_line_s = now;
        fprintf(stderr, "sweep: %zu/%zu points, %.1f points/s", p->offset + done, p->total, rate);
        if (done < total && rate > 0)
            fprintf(stderr, ", %.0f s left", (double)(total - done) / rate);
        fputc('\n', stderr);
        fflush(stderr);
        return;
    }
    fprintf(stderr, "\rsweep: %zu/%zu points, %.1f points/s", p->offset + done, p->total, rate);
    if (done < total && rate > 0)
        fprintf(stderr, ", %.0f s left   ", (double)(total - done) / rate);
    else
        fputs("              ", stderr);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* ---- sweep ----------------------------------------------------------------------- */

static bool parse_shard(const char *s, size_t *k, size_t *n)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL || slash == s)
        return false;
    char kbuf[32];
    size_t kl = (size_t)(slash - s);
    if (kl >= sizeof kbuf)
        return false;
    memcpy(kbuf, s, kl);
    kbuf[kl] = '\0';
    uint64_t kv, nv;
    if (!cli_parse_u64(kbuf, &kv) || !cli_parse_u64(slash + 1, &nv))
        return false;
    if (nv < 1 || kv < 1 || kv > nv || nv > SWEEP_POINTS_MAX)
        return false;
    *k = (size_t)kv;
    *n = (size_t)nv;
    return true;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

struct sweep_args {
    const char *sweep_path, *out_path, *reps_path;
    bool json, resume, force, timing;
    double per_run_level;
    unsigned jobs;
    size_t shard_k, shard_n;
    double time_limit_s;    /* 0: none */
};

/* The command line, in a; 0, -1 after --help, or CLI_USAGE (printed). */
static int parse_sweep_args(int argc, char **argv, struct sweep_args *a)
{
    memset(a, 0, sizeof *a);
    a->per_run_level = SWEEP_PER_RUN_LEVEL_DEFAULT;
    int rc = 0;
    uint64_t n;
    struct cli_parser p;
    cli_parser_init(&p, &cli_sweep_spec, argc, argv);
    for (int id = 0; rc == 0;) {
        const char *v;
        if ((id = cli_parser_next(&p, &v)) == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            rc = CLI_USAGE;
            break;
        case CLI_O_HELP:
            /* cppcheck-suppress knownConditionTrueFalse ; 0 without MPI, the rank under MPI */
            if (mpi_rank() == 0)
                cli_opts_print_help(&cli_sweep_spec, stdout);
            rc = -1;
            break;
        case CLI_O_JSON:
            a->json = true;
            break;
        case O_RESUME:
            a->resume = true;
            break;
        case CLI_O_FORCE:
            a->force = true;
            break;
        case O_TIMING:
            a->timing = true;
            break;
        case CLI_O_TIME_LIMIT:
            rc = cli_opt_time_limit("sweep", "--time-limit", v, &a->time_limit_s);
            break;
        case O_JOBS:
            if (!cli_parse_u64(v, &n) || n < 1 || n > JOBS_MAX)
                rc = cli_usage_error("sweep", "--jobs: expected a whole number from 1 to %d (got '%s')", JOBS_MAX, v);
            else
                a->jobs = (unsigned)n;
            break;
        case O_OUT:
            a->out_path = v;
            break;
        case O_REPS_CSV:
            a->reps_path = v;
            break;
        case O_INTERVAL_LEVEL:
            rc = cli_opt_interval_level("sweep", v, &a->per_run_level);
            break;
        case O_SHARD:
            if (!parse_shard(v, &a->shard_k, &a->shard_n))
                rc = cli_usage_error("sweep", "--shard: expected K/N with 1 <= K <= N (got '%s')", v);
            break;
        default:
            if (a->sweep_path == NULL)
                a->sweep_path = v;
            else
                rc = cli_usage_error("sweep", "unexpected argument '%s' (one sweep file)", v);
        }
    }
    cli_parser_fini(&p);
    if (rc != 0)
        return rc;
    if (a->sweep_path == NULL)
        return cli_usage_error("sweep", "missing SWEEP.json");
    bool out_file = a->out_path != NULL && strcmp(a->out_path, "-") != 0;
    if (a->resume && !out_file)
        return cli_usage_error("sweep", "--resume needs --out FILE.csv (the checkpoint is FILE.csv.ckpt)");
    if (a->shard_n != 0 && !out_file)
        return cli_usage_error("sweep", "--shard needs --out FILE.csv (the shard file to merge later)");
    if (a->shard_n != 0 && a->json)
        return cli_usage_error("sweep", "--shard and --json do not mix: a shard cannot be ranked; "
                               "merge the shards, then use 'merge --json'");
    if (a->reps_path != NULL && strcmp(a->reps_path, "-") == 0)
        return cli_usage_error("sweep", "--replications-csv needs a file name (standard output is the "
                               "summary's or the CSV's)");
#ifdef LAMBDASIM_MPI
    if (a->reps_path != NULL && mpi_size() > 1)
        return cli_usage_error("sweep", "--replications-csv is not available under MPI (rank 0 gathers "
                               "only the means; run the sweep, or each --shard, without mpirun)");
#endif
    return 0;
}

/* The checkpoint files of the sweep whose output is `out`, in its
 * directory: FILE.csv.ckpt (one process) and FILE.csv.ckpt.R (rank R of an
 * MPI run, each writing its own so that none waits for another and a lost
 * rank loses only its points in progress). Calls fn for each; returns how
 * many, or -1 when fn failed. */
static int each_checkpoint(const char *out, int (*fn)(const char *path, void *ctx), void *ctx)
{
    const char *slash = strrchr(out, '/');
    size_t dlen = slash != NULL ? (size_t)(slash - out) : 0;
    char *dir = slash != NULL ? xmalloc(dlen + 2) : xstrdup(".");
    if (slash != NULL) {
        memcpy(dir, out, dlen);
        dir[dlen] = '\0';
        if (dlen == 0)
            snprintf(dir, dlen + 2, "/");
    }
    const char *base = slash != NULL ? slash + 1 : out;
    size_t blen = strlen(base);
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && n >= 0 && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".ckpt", 5) != 0)
            continue;
        const char *tail = name + blen + 5;
        if (*tail == '.') {
            const char *q = tail + 1;
            while (*q >= '0' && *q <= '9')
                q++;
            if (q == tail + 1 || *q != '\0')
                continue;
        } else if (*tail != '\0') {
            continue;
        }
        size_t pl = strlen(dir) + strlen(name) + 2;
        char *path = xmalloc(pl);
        snprintf(path, pl, "%s/%s", dir, name);
        n = fn(path, ctx) == 0 ? n + 1 : -1;
        free(path);
    }
    if (d != NULL)
        closedir(d);
    free(dir);
    return n;
}

struct ckpt_read {
    const struct sweep_spec *sp;
    const char *header, *own;
    const bool *wanted;
    struct sweep_results *res;
    long own_keep;
    char *msg;
    size_t msg_len;
};

/* Reads one checkpoint's finished points into the results. */
static int read_one_checkpoint(const char *path, void *ctx)
{
    struct ckpt_read *c = ctx;
    long keep = 0;
    if (sweep_checkpoint_read(c->sp, path, c->header, c->wanted, c->res, &keep, c->msg, c->msg_len) < 0)
        return -1;
    if (strcmp(path, c->own) == 0)
        c->own_keep = keep;
    return 0;
}

static int count_one(const char *path, void *ctx)
{
    (void)path;
    (void)ctx;
    return 0;
}

static int unlink_one(const char *path, void *ctx)
{
    (void)ctx;
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Checks the output and checkpoint files before anything runs, reads the
 * checkpoints on --resume and opens this process's for appending (under
 * MPI each rank its own, FILE.csv.ckpt.RANK; every rank reads all of them,
 * so that all agree on what is left to do, whatever the number of ranks
 * before). */
static int open_checkpoint(const struct sweep_args *a, const struct sweep_spec *sp, const bool *wanted,
                           int rank, int size, struct sweep_results *res, FILE **ckpt, char **ckpt_path,
                           char *msg, size_t msg_len)
{
    const char *out = a->out_path;
    /* The sweep file, the base scenario and the models of every point are
     * read by now (sweep_prepare), so an input is refused here. */
    char why[SWEEP_MSG_MAX / 2];
    if (rank == 0 && outfile_check(out, a->force, why, sizeof why) != OUTFILE_OK) {
        snprintf(msg, msg_len, "--out %s", why);
        return CLI_USAGE;
    }
    /* Standard output keeps no checkpoint (--resume needs a file). */
    if (strcmp(out, "-") == 0)
        return CLI_OK;
    size_t n = strlen(out) + 32;
    char *path = xmalloc(n);
    if (size > 1)
        snprintf(path, n, "%s.ckpt.%d", out, rank);
    else
        snprintf(path, n, "%s.ckpt", out);
    *ckpt_path = path;
    char header[8192];
    sweep_checkpoint_header(sp, a->shard_k, a->shard_n, header, sizeof header);
    /* Checked before --resume reads it (which makes it an input). */
    if (outfile_check(path, true, why, sizeof why) != OUTFILE_OK) {
        snprintf(msg, msg_len, "--out: the checkpoint %s", why);
        return CLI_USAGE;
    }
    struct ckpt_read cr = { .sp = sp, .header = header, .own = path, .wanted = wanted, .res = res,
                            .msg = msg, .msg_len = msg_len };
    if (a->resume) {
        if (each_checkpoint(out, read_one_checkpoint, &cr) < 0)
            return CLI_USAGE;
        /* Drop a torn last line before appending. */
        if (cr.own_keep > 0 && truncate(path, (off_t)cr.own_keep) != 0) {
            snprintf(msg, msg_len, "%s: cannot truncate: %s", path, strerror(errno));
            return CLI_FAILED;
        }
    } else {
        /* Any checkpoint of this output, whichever process wrote it. */
        int exists = each_checkpoint(out, count_one, NULL) > 0;
#ifdef LAMBDASIM_MPI
        MPI_Allreduce(MPI_IN_PLACE, &exists, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#endif
        if (exists && !a->force) {
            snprintf(msg, msg_len, "%s.ckpt%s: a checkpoint of an interrupted sweep exists; pass --resume "
                     "to continue it, or --force to start over", out, file_exists(path) && size == 1 ? "" : "*");
            return CLI_USAGE;
        }
        /* Starting over: rank 0 clears every checkpoint of this output
         * before any rank writes its own. */
        if (rank == 0 && each_checkpoint(out, unlink_one, NULL) < 0) {
            snprintf(msg, msg_len, "%s.ckpt*: cannot remove an old checkpoint: %s", out, strerror(errno));
            return CLI_FAILED;
        }
#ifdef LAMBDASIM_MPI
        MPI_Barrier(MPI_COMM_WORLD);
#endif
    }
    long keep = cr.own_keep;
    FILE *f = fopen(path, keep > 0 ? "a" : "w");
    if (f == NULL) {
        snprintf(msg, msg_len, "%s: cannot write the checkpoint: %s", path, strerror(errno));
        return CLI_FAILED;
    }
    if (keep == 0) {
        fprintf(f, "%s\n", header);
        if (fflush(f) != 0) {
            snprintf(msg, msg_len, "%s: cannot write the checkpoint: %s", path, strerror(errno));
            fclose(f);
            return CLI_FAILED;
        }
    }
    *ckpt = f;
    return CLI_OK;
}

static int write_outputs(const struct sweep_table *t, const char *opt, const char *out_path, bool force,
                         bool json, char *msg, size_t msg_len)
{
    if (out_path != NULL) {
        struct outfile of;
        char why[SWEEP_MSG_MAX / 2];
        int r = outfile_open(&of, out_path, force, why, sizeof why);
        if (r != OUTFILE_OK) {
            snprintf(msg, msg_len, "%s %s", opt, why);
            return r == OUTFILE_FAILED ? CLI_FAILED : CLI_USAGE;
        }
        sweep_write_csv(of.f, t);
        if (outfile_commit(&of, msg, msg_len) != 0)
            return CLI_FAILED;
    }
    /* requests.completed is defined for every run that went to the end. */
    size_t completed = SWEEP_M_COMPLETED, unfinished = 0;
    for (size_t i = 0; i < t->n_rows; i++)
        unfinished += isnan(t->rows[i].mean[completed]) ? 1u : 0u;
    if (unfinished > 0)
        fprintf(stderr, "lambdasim: warning: %zu point%s could not be simulated to the end (more "
                "requests in the system at once than the engine allows; see client.max_queue): "
                "%s metrics are empty and %s last\n", unfinished, unfinished == 1 ? "" : "s",
                unfinished == 1 ? "its" : "their", unfinished == 1 ? "it ranks" : "they rank");
    char tail[512];
    if (t->shard_n == 0 && sweep_tail_warning(t, tail, sizeof tail))
        fprintf(stderr, "lambdasim: warning: %s\n", tail);
    /* With --out -, stdout is the CSV's and these lines go to stderr (cli_claim_stdout). */
    if (t->shard_n != 0)
        printf("shard %zu/%zu of %s: %zu of %zu points written to %s; combine the shards with "
               "'lambdasim merge'\n", t->shard_k, t->shard_n, t->file, t->n_rows, t->n_points_total,
               out_path);
    else if (json)
        sweep_write_json(stdout, t);
    else
        sweep_write_summary(stdout, t);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        snprintf(msg, msg_len, "writing to standard output failed: %s", strerror(errno));
        return CLI_FAILED;
    }
    return CLI_OK;
}

int cli_sweep(int argc, char **argv)
{
    struct sweep_args a;
    int prc = parse_sweep_args(argc, argv, &a);
    if (prc != 0)
        return prc < 0 ? CLI_OK : prc;
    int rank = mpi_rank(), size = mpi_size();
    const char *out_opt[] = { "--out" }, *out_path[] = { a.out_path };
    /* cppcheck-suppress knownConditionTrueFalse ; 0 without MPI, the rank under MPI */
    if (rank == 0 && cli_claim_stdout(out_opt, out_path, 1, a.json, &prc) != 0)
        return prc;
    char *msg = xmalloc(SWEEP_MSG_MAX);
    msg[0] = '\0';
    struct sweep_spec sp;
    struct sweep_results res;
    struct sweep_table table;
    memset(&res, 0, sizeof res);
    memset(&table, 0, sizeof table);
    size_t *wanted_list = NULL, *todo = NULL, *mine = NULL;
#ifdef LAMBDASIM_MPI
    struct sweep_mpi_feed *feed = NULL;
#endif
    bool *wanted = NULL;
    FILE *ckpt = NULL;
    char *ckpt_path = NULL;
    int rc;

    unsigned jobs = a.jobs;
    if (jobs == 0) {
        /* The cores this process may run on: under taskset, Slurm or an
         * MPI launcher that binds, its affinity mask is its share already;
         * an unbound rank shares the node's cores with the others. */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cpu_set_t set;
        long allowed = sched_getaffinity(0, sizeof set, &set) == 0 ? (long)CPU_COUNT(&set) : cores;
        bool bound = allowed > 0 && allowed < cores;
        long per_rank = bound ? allowed : (cores > 0 ? cores : 1) / mpi_local_size();
        jobs = per_rank < 1 ? 1 : per_rank > JOBS_MAX ? JOBS_MAX : (unsigned)per_rank;
    }
    /* Every point loads the base scenario (twice: checked, then run); a
     * trace it names is parsed once and copied after (tracecache.h). */
    tracecache_enable(TRACE_CACHE_MAX_BYTES);
    rc = config_load_sweep(a.sweep_path, &sp, msg, SWEEP_MSG_MAX) == CONFIG_OK ? CLI_OK : CLI_USAGE;
    /* A grid too big to hold is refused before its points are loaded (which
     * takes long for millions), and again once the runs' size is known. */
    size_t n_held = rc != CLI_OK ? 0 : a.shard_n == 0 ? sp.n_points : (sp.n_points + a.shard_n - 1) / a.shard_n;
    if (rc == CLI_OK && sweep_check_memory(&sp, n_held, jobs, msg, SWEEP_MSG_MAX) != 0)
        rc = CLI_USAGE;
    if (rc == CLI_OK)
        rc = sweep_prepare(&sp, msg, SWEEP_MSG_MAX) == CONFIG_OK ? CLI_OK : CLI_USAGE;
    if (rc == CLI_OK)
        cli_warn_memory_guess("sweep", sp.memory_guess_model, sp.memory_guess_profile_mb, sp.memory_guess_run_mb,
                              sp.memory_guess_points);
    if (rc == CLI_OK && sweep_check_memory(&sp, n_held, jobs, msg, SWEEP_MSG_MAX) != 0)
        rc = CLI_USAGE;
    if ((rc = stage_end(rc, msg)) != CLI_OK)
        goto out;

    /* The points of this shard (all of them without --shard). */
    wanted = xcalloc(sp.n_points + 1, sizeof *wanted);
    wanted_list = xcalloc(sp.n_points + 1, sizeof *wanted_list);
    size_t n_wanted = 0;
    for (size_t i = 0; i < sp.n_points; i++) {
        if (a.shard_n == 0 || i % a.shard_n == a.shard_k - 1) {
            wanted[i] = true;
            wanted_list[n_wanted++] = i;
        }
    }
    sweep_results_init(&res, sp.n_points);
    res.per_run_level = a.per_run_level;
    msg[0] = '\0';
    if (a.reps_path != NULL) {
        /* Checked now, not after hours of running. */
        char why[SWEEP_MSG_MAX / 2];
        double bytes = (double)n_held * (double)sp.replications * (double)sweep_metric_count() * 8.0;
        if (outfile_check(a.reps_path, a.force, why, sizeof why) != OUTFILE_OK) {
            snprintf(msg, SWEEP_MSG_MAX, "--replications-csv %s", why);
            rc = CLI_USAGE;
        } else if (bytes > 4e9) {
            snprintf(msg, SWEEP_MSG_MAX, "--replications-csv: %zu points x %d replications would keep %.1f GB of "
                     "values; the limit is 4 GB: use --shard K/N (one file per shard) or fewer points",
                     n_held, sp.replications, bytes / 1e9);
            rc = CLI_USAGE;
        } else {
            sweep_results_keep_raw(&res, (size_t)sp.replications);
        }
    }
    /* Paired ties (sweep_rank.c) need every replication of every point in
     * one place: a whole sweep in one process, under common random
     * numbers, within 256 MB of values. */
    if (rc == CLI_OK && res.raw == NULL && sp.common_random_numbers && sp.replications >= 2 && a.shard_n == 0
        && size == 1 && (double)sp.n_points * sp.replications * (double)sweep_metric_count() * 8.0 <= 256e6)
        sweep_results_keep_raw(&res, (size_t)sp.replications);
    if (rc == CLI_OK && a.out_path != NULL)
        rc = open_checkpoint(&a, &sp, wanted, rank, size, &res, &ckpt, &ckpt_path, msg, SWEEP_MSG_MAX);
    if ((rc = stage_end(rc, msg)) != CLI_OK)
        goto out;

    size_t n_todo = 0, n_mine = 0, resumed = 0;
    todo = xcalloc(n_wanted + 1, sizeof *todo);
    for (size_t j = 0; j < n_wanted; j++) {
        if (res.done[wanted_list[j]])
            resumed++;
        else
            todo[n_todo++] = wanted_list[j];
    }
    /* Under MPI rank 0 hands the points out in chunks as ranks ask
     * (sweep_mpi_feed_new), from the list in an order shuffled from the
     * sweep's id: a grid's innermost axis often decides a point's cost,
     * and in grid order the costly points would come together at the end,
     * where the chunks are small anyway but fewer ranks are still busy.
     * The results do not depend on who computes what. */
    if (size > 1) {
        uint64_t x = sp.id;
        for (size_t j = n_todo; j > 1; j--) {
            x = rng_derive_seed(x, j);
            size_t k = (size_t)(x % j);
            size_t t = todo[j - 1];
            todo[j - 1] = todo[k];
            todo[k] = t;
        }
    }
#ifdef LAMBDASIM_MPI
    if (size > 1)
        feed = sweep_mpi_feed_new(todo, n_todo, rank, size, jobs);
#endif
    mine = xcalloc(n_todo + 1, sizeof *mine);
    for (size_t j = 0; j < n_todo && size == 1; j++)
        mine[n_mine++] = todo[j];

    struct progress prog = { .start_s = cli_now_s(), .offset = resumed, .total = n_wanted, .tty = isatty(2) != 0 };
    struct sweep_run_opts opts = {
        .points = mine, .n_points = size > 1 ? n_todo : n_mine, .jobs = jobs, .checkpoint = ckpt,
        .progress = rank == 0 ? show_progress : NULL, .progress_ctx = &prog,
        .progress_interval_s = 0.25,
        .stop = &interrupt_signal,
    };
#ifdef LAMBDASIM_MPI
    if (feed != NULL)
        opts.feed = sweep_mpi_feed_get(feed);
#endif
    /* A signal now stops handing out points (see sweep_run_opts.stop);
     * finished points are in the checkpoint, so --resume goes on from them. */
    if (cli_catch_stop(a.time_limit_s, &rc) != 0)
        goto out;
    double t0 = cli_now_s(), cpu0 = cpu_seconds();
    msg[0] = '\0';
    int run_rc = sweep_run(&sp, &opts, &res, msg, SWEEP_MSG_MAX);
    double cpu = cpu_seconds() - cpu0;
    rc = run_rc < 0 ? CLI_FAILED : CLI_OK;
    double wall = cli_now_s() - t0;
    if ((rc = stage_end(rc, msg)) != CLI_OK)
        goto out;
#ifdef LAMBDASIM_MPI
    /* Stop together: a rank that got no signal must not wait in the gather. */
    MPI_Allreduce(MPI_IN_PLACE, &run_rc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#endif
    if (run_rc > 0) {
        int signo = interrupt_signal != 0 ? (int)interrupt_signal : SIGTERM;
        size_t done = 0;
        for (size_t j = 0; j < n_wanted; j++)
            done += res.done[wanted_list[j]];
#ifdef LAMBDASIM_MPI
        /* Every rank holds the points read back plus its own new ones. */
        unsigned long long fresh = done - resumed, all_fresh = fresh;
        MPI_Allreduce(&fresh, &all_fresh, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
        done = resumed + (size_t)all_fresh;
#endif
        if (ckpt != NULL && fflush(ckpt) != 0)
            cli_error("%s: cannot write the checkpoint", ckpt_path);
        /* Rank 0 speaks for all. */
        if (rank == 0 && ckpt != NULL)
            cli_error("interrupted by %s: %zu of %zu points done and kept in %s%s; no output was "
                      "written. To continue, run the same command with --resume (with any number of "
                      "ranks)", interrupt_signal_name(signo), done, n_wanted, size > 1 ? a.out_path : ckpt_path,
                      size > 1 ? ".ckpt.* (one per rank)" : "");
        else if (rank == 0)
            cli_error("interrupted by %s: %zu of %zu points done; nothing was written (to be able "
                      "to resume, give --out FILE.csv; under MPI, --shard K/N with --out)",
                      interrupt_signal_name(signo), done, n_wanted);
        rc = interrupt_exit_code(signo);
        goto out;
    }
    double cpu_min = cpu, cpu_max = cpu, cpu_sum = cpu;
    double ev = (double)opts.events, ev_max = ev, ev_sum = ev;
    /* Each rank's time to its last point; under MPI the earliest and latest of them. */
    double busy_max = opts.busy_s;
    double busy_min = busy_max;
#ifdef LAMBDASIM_MPI
    if (feed != NULL)
        sweep_mpi_gather(&res, feed);
    /* The job's time is its slowest rank's, not rank 0's; the ranks' CPU
     * times show how evenly the work was shared. */
    MPI_Allreduce(MPI_IN_PLACE, &wall, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&cpu, &cpu_min, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&cpu, &cpu_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&cpu, &cpu_sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&ev, &ev_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&ev, &ev_sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&opts.busy_s, &busy_min, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&opts.busy_s, &busy_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
#endif
    if (a.timing && rank == 0) {
        double runs = (double)n_todo * (double)sp.replications;
        fprintf(stderr, "timing: %zu points x %d replications in %.3f s with %u job%s x %d rank%s: "
                "%.1f points/s, %.0f runs/s, peak memory %.1f MB\n", n_todo, sp.replications, wall,
                jobs, jobs == 1 ? "" : "s", size, size == 1 ? "" : "s",
                wall > 0 ? (double)n_todo / wall : 0.0, wall > 0 ? runs / wall : 0.0,
                cli_peak_rss_mb());
        if (size > 1)
            fprintf(stderr, "timing: the ranks' work: they finished their last point %.3f s to %.3f s "
                    "after the start (a spread of %.1f%% of the slowest), points handed out as they asked; "
                    "the most simulated events %.3f x the mean (%.0f of %.0f); their CPU time %.3f s to "
                    "%.3f s, the largest %.3f x the mean\n",
                    busy_min, busy_max, busy_max > 0 ? 100.0 * (busy_max - busy_min) / busy_max : 0.0,
                    ev_sum > 0 ? ev_max / (ev_sum / size) : 1.0, ev_max, ev_sum, cpu_min, cpu_max,
                    cpu_sum > 0 ? cpu_max / (cpu_sum / size) : 1.0);
    }
    if (rank != 0)
        goto out;
    if (ckpt != NULL) {
        bool bad = fclose(ckpt) != 0;
        ckpt = NULL;
        if (bad) {
            cli_error("%s: cannot write the checkpoint", ckpt_path);
            rc = CLI_FAILED;
            goto out;
        }
    }
    sweep_table_build(&table, &sp, &res, wanted_list, n_wanted, a.shard_k, a.shard_n);
    msg[0] = '\0';
    if (a.reps_path != NULL) {
        struct outfile of;
        char why[SWEEP_MSG_MAX / 2];
        int r = outfile_open(&of, a.reps_path, a.force, why, sizeof why);
        if (r != OUTFILE_OK) {
            cli_error("--replications-csv %s", why);
            rc = r == OUTFILE_FAILED ? CLI_FAILED : CLI_USAGE;
            goto out;
        }
        sweep_write_replications_csv(of.f, &table, &sp, &res);
        if (outfile_commit(&of, msg, SWEEP_MSG_MAX) != 0) {
            cli_error("%s", msg);
            rc = CLI_FAILED;
            goto out;
        }
    }
    rc = write_outputs(&table, "--out", a.out_path, a.force, a.json, msg, SWEEP_MSG_MAX);
    if (rc != CLI_OK) {
        cli_error("%s", msg);
        goto out;
    }
    /* The result is in place: the checkpoints (every rank's) have served
     * their purpose. */
    if (ckpt_path != NULL)
        (void)each_checkpoint(a.out_path, unlink_one, NULL);
out:
    tracecache_disable();
#ifdef LAMBDASIM_MPI
    sweep_mpi_feed_free(feed);
#endif
    if (ckpt != NULL)
        fclose(ckpt);
    free(ckpt_path);
    free(mine);
    free(todo);
    free(wanted_list);
    free(wanted);
    sweep_table_fini(&table);
    sweep_results_fini(&res);
    sweep_spec_fini(&sp);
    free(msg);
    return rc;
}

/* ---- merge ------------------------------------------------------------------------ */

int cli_merge(int argc, char **argv)
{
    const char *out_path = NULL;
    bool json = false, force = false;
    const char **files = xcalloc((size_t)argc + 1, sizeof *files);
    size_t n_files = 0;
    int rc = CLI_USAGE;
    char *msg = xmalloc(SWEEP_MSG_MAX);
    struct sweep_table t;
    memset(&t, 0, sizeof t);
    struct cli_parser p;
    cli_parser_init(&p, &cli_merge_spec, argc, argv);
    for (;;) {
        const char *v;
        int id = cli_parser_next(&p, &v);
        if (id == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            goto out;
        case CLI_O_HELP:
            cli_opts_print_help(&cli_merge_spec, stdout);
            rc = CLI_OK;
            goto out;
        case CLI_O_JSON:
            json = true;
            break;
        case CLI_O_FORCE:
            force = true;
            break;
        case O_OUT:
            out_path = v;
            break;
        default:
            files[n_files++] = v;
        }
    }
    if (n_files == 0) {
        rc = cli_usage_error("merge", "missing shard files");
        goto out;
    }
    const char *out_opt[] = { "-o" }, *out_paths[] = { out_path };
    if (cli_claim_stdout(out_opt, out_paths, 1, json, &rc) != 0)
        goto out;
    /* Before reading the shards: refused again once they are read, if -o
     * names one of them. */
    if (out_path != NULL && (rc = cli_outfile_check("-o", out_path, force, CLI_USAGE)) != CLI_OK)
        goto out;
    rc = CLI_USAGE;
    if (sweep_merge(&t, files, n_files, msg, SWEEP_MSG_MAX) != 0) {
        cli_error("%s", msg);
        goto out;
    }
    rc = write_outputs(&t, "-o", out_path, force, json, msg, SWEEP_MSG_MAX);
    if (rc != CLI_OK)
        cli_error("%s", msg);
out:
    cli_parser_fini(&p);
    sweep_table_fini(&t);
    free(msg);
    free(files);
    return rc;
}
