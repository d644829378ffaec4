/* cli_profile: `lambdasim profile`, measure the real MNIST function on this
 * machine and write a model profile. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "formats/config.h"
#include "core/model.h"
#include "base/infile.h"
#include "base/outfile.h"
#include "real/profile.h"
#include "base/datadir.h"

enum {
    O_OUTPUT = CLI_O_OWN, O_MAX_BATCH, O_REPETITIONS, O_COLD_STARTS, O_WARMUP, O_GAP_MS, O_WEIGHTS, O_DIGITS,
    O_WORKER, O_QUIET, O_ISOLATE, O_LONG_GAP_MS, O_BURST_STARTS, O_SHARE_JOBS, O_SPEED_PROBE_S,
    O_WAKE_PROBE_S
};

static const struct cli_opt opt_table[] = {
    { .id = O_OUTPUT, .short_name = 'o', .name = "output", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "output profile (default models/mnist-local.json)" },
    CLI_ROW_FORCE("replace FILE if it exists"),
    { .id = O_MAX_BATCH, .name = "max-batch", .metavar = "N", .help = "largest batch size measured (default 64)" },
    { .id = O_REPETITIONS, .name = "repetitions", .metavar = "N", .help = "timed batches of each size (default 50)" },
    { .id = O_COLD_STARTS, .name = "cold-starts", .metavar = "N",
      .help = "timed worker starts, each after --gap-ms idle (default: as --repetitions)" },
    { .id = O_WARMUP, .name = "warmup", .metavar = "N",
      .help = "untimed batches of the largest size first (default 20)" },
    { .id = O_GAP_MS, .name = "gap-ms", .metavar = "N",
      .help = "leave the worker idle N ms before each timed batch, as between real invocations (default 0: "
              "back to back)" },
    { .id = O_LONG_GAP_MS, .name = "long-gap-ms", .metavar = "N",
      .help = "measure the idle penalty: batches of 1 and of the largest size after N ms idle against "
              "after --gap-ms, 8 pairs each, and 8 worker starts after N ms idle (default 1000; 0: not "
              "measured)" },
    { .id = O_BURST_STARTS, .name = "burst-starts", .metavar = "N",
      .help = "measure how long N worker starts take when started at once, 8 bursts "
              "(default: 2 x the CPUs + 1; 0: not measured)" },
    { .id = O_SHARE_JOBS, .name = "share-jobs", .metavar = "N",
      .help = "measure how much of the CPUs N workers get together: the largest batch on N warm workers at "
              "once against alone, 32 rounds (default: 2 x the CPUs; more than the CPUs; 0: not measured)" },
    { .id = O_SPEED_PROBE_S, .name = "speed-probe-s", .metavar = "N",
      .help = "measure how the host's speed varies over time: the largest batch on a warm worker for N "
              "seconds, its mean time per 1 s window (default 20; 0: not measured)" },
    { .id = O_WAKE_PROBE_S, .name = "wake-probe-s", .metavar = "N",
      .help = "measure how often the host's wake-ups stall: a thread on each CPU sleeping 2 ms again and "
              "again for N seconds, the share late by over 0.5 ms per 2 s window (default 20; 0: not "
              "measured)" },
    { .id = O_WEIGHTS, .name = "weights", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "weight file (default models/mnist-cnn.bin)" },
    { .id = O_DIGITS, .name = "digits", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "digits to classify (default traces/mnist-digits-300.bin)" },
    { .id = O_WORKER, .name = "worker", .metavar = "PATH", .complete = CLI_C_FILE,
      .help = "worker executable (default: lambdasim-worker next to this program)" },
    { .id = O_QUIET, .short_name = 'q', .name = "quiet", .help = "no progress lines on stderr" },
    { .id = O_ISOLATE, .name = "isolate",
      .help = "run ahead of other jobs on this machine for the CPU (needs root or CAP_SYS_NICE; see "
              "man lambdasim, emulate)" },
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_profile_spec = {
    .name = "profile",
    .summary = "measure the real MNIST function on this machine into a model profile",
    .synopsis = "[OPTIONS]",
    .about =
        "Measures the real MNIST function (models/mnist-cnn.bin run by lambdasim-worker\n"
        "processes) on this machine and writes a model profile: inference time of every\n"
        "batch size 1..N, worker cold start, invocation overhead, all as empirical\n"
        "distributions, with a note of the machine and the date.\n",
    .opts = opt_table,
    .notes =
        "The file is written whole or not at all, and checked by the model loader\n"
        "before it is put in place. Use it with, for example,\n"
        "  lambdasim run scenarios/paper-uniform.json --set function.memory_mb=1769 \\\n"
        "      --set function.model=../models/mnist-local.json\n"
        "(a relative model path is read from the scenario file's directory; at 1769 MB\n"
        "and above the measured times are used unscaled).\n",
    .args = CLI_C_NONE,
    .fn = cli_profile,
};

struct progress_state {
    const char *stage;
    double last_s;
};

static void show_progress(void *ctx, const char *stage, size_t done, size_t total)
{
    struct progress_state *p = ctx;
    double now = cli_now_s();
    /* At most one line a second per stage, plus its last step. */
    if (p->stage == stage && done < total && now - p->last_s < 1.0)
        return;
    p->stage = stage;
    p->last_s = now;
    fprintf(stderr, "profile: %s %zu/%zu\n", stage, done, total);
}


static bool parse_count(const char *opt, const char *v, int lo, int hi, int *out)
{
    uint64_t x = 0;
    if (!cli_parse_u64(v, &x) || x < (uint64_t)lo || x > (uint64_t)hi) {
        cli_usage_error("profile", "%s: expected a whole number from %d to %d (got '%s')", opt,
                        lo, hi, v);
        return false;
    }
    *out = (int)x;
    return true;
}

/* The profile's name: the output's base name without its extension. */
static void base_name(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash == NULL ? path : slash + 1;
    const char *dot = strrchr(base, '.');
    size_t len = (dot == NULL || dot == base) ? strlen(base) : (size_t)(dot - base);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, base, len);
    out[len] = '\0';
    if (out[0] == '\0')
        snprintf(out, cap, "mnist-local");
}

int cli_profile(int argc, char **argv)
{
    const char *out_path = "models/mnist-local.json";
    char worker[PATH_MAX + 32], weights[PATH_MAX + 32], digits[PATH_MAX + 32];
    struct profile_options o = {
        .worker_path = NULL,
        .weights_path = NULL, /* default: lambdasim's data directory (datadir.h) */
        .digits_path = NULL,
        .max_batch = 64,
        .repetitions = 50,
        .cold_starts = -1,
        .warmup = 20,
        .long_gap_ms = 1000,
        .burst_starts = -1,
        .share_jobs = -1,
        .speed_probe_s = 20,
        .wake_probe_s = 20,
    };
    bool force = false, quiet = false, isolate = false;
    char msg[CONFIG_MSG_MAX];
    struct outfile of;
    memset(&of, 0, sizeof of);
    struct profile_result res;
    memset(&res, 0, sizeof res);
    struct model_profile check;
    memset(&check, 0, sizeof check);
    int rc = CLI_USAGE;

    int prc = -1; /* the exit code once the command line ends the command */
    struct cli_parser p;
    cli_parser_init(&p, &cli_profile_spec, argc, argv);
    for (int id = 0; prc < 0;) {
        const char *v;
        if ((id = cli_parser_next(&p, &v)) == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            prc = CLI_USAGE;
            break;
        case CLI_O_HELP:
            cli_opts_print_help(&cli_profile_spec, stdout);
            prc = CLI_OK;
            break;
        case CLI_O_FORCE:
            force = true;
            break;
        case O_QUIET:
            quiet = true;
            break;
        case O_ISOLATE:
            isolate = true;
            break;
        case O_OUTPUT:
            out_path = v;
            break;
        case O_WEIGHTS:
            o.weights_path = v;
            break;
        case O_DIGITS:
            o.digits_path = v;
            break;
        case O_WORKER:
            o.worker_path = v;
            break;
        case O_MAX_BATCH:
            prc = parse_count("--max-batch", v, 1, 4096, &o.max_batch) ? -1 : CLI_USAGE;
            break;
        case O_REPETITIONS:
            prc = parse_count("--repetitions", v, 1, 1000000, &o.repetitions) ? -1 : CLI_USAGE;
            break;
        case O_COLD_STARTS:
            prc = parse_count("--cold-starts", v, 1, 1000000, &o.cold_starts) ? -1 : CLI_USAGE;
            break;
        case O_GAP_MS:
            prc = parse_count("--gap-ms", v, 0, 10000, &o.gap_ms) ? -1 : CLI_USAGE;
            break;
        case O_LONG_GAP_MS:
            prc = parse_count("--long-gap-ms", v, 0, 10000, &o.long_gap_ms) ? -1 : CLI_USAGE;
            break;
        case O_BURST_STARTS:
            prc = parse_count("--burst-starts", v, 0, 1024, &o.burst_starts) ? -1 : CLI_USAGE;
            break;
        case O_SHARE_JOBS:
            prc = parse_count("--share-jobs", v, 0, 1024, &o.share_jobs) ? -1 : CLI_USAGE;
            break;
        case O_SPEED_PROBE_S:
            prc = parse_count("--speed-probe-s", v, 0, 3600, &o.speed_probe_s) ? -1 : CLI_USAGE;
            break;
        case O_WAKE_PROBE_S:
            prc = parse_count("--wake-probe-s", v, 0, 3600, &o.wake_probe_s) ? -1 : CLI_USAGE;
            break;
        case O_WARMUP:
            prc = parse_count("--warmup", v, 0, 1000000, &o.warmup) ? -1 : CLI_USAGE;
            break;
        default:
            prc = cli_usage_error("profile", "unexpected argument '%s'", v);
        }
    }
    cli_parser_fini(&p);
    if (prc >= 0)
        return prc;
    if (o.cold_starts < 0)
        o.cold_starts = o.repetitions;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int ncpu = (int)(cpus > 0 && cpus < 500 ? cpus : 1);
    /* More starts than cores, as a burst of cold starts is. */
    if (o.burst_starts < 0)
        o.burst_starts = 2 * ncpu + 1;
    /* Twice the cores: the simulator interpolates between no
     * oversubscription (efficiency 1) and this one. */
    if (o.share_jobs < 0)
        o.share_jobs = 2 * ncpu;
    if (cli_default_data(&o.weights_path, "--weights", DATADIR_WEIGHTS, weights, sizeof weights, &rc) != 0
        || cli_default_data(&o.digits_path, "--digits", DATADIR_DIGITS, digits, sizeof digits, &rc) != 0
        || (o.worker_path == NULL && cli_default_worker(&o.worker_path, worker, sizeof worker, &rc) != 0))
        return rc;
    if (strcmp(o.weights_path, "-") == 0)
        return cli_usage_error("profile", "--weights -: the worker processes read this file themselves; "
                               "give a file name");
    const char *out_opt[] = { "-o" }, *out_paths[] = { out_path };
    if (cli_claim_stdout(out_opt, out_paths, 1, false, &rc) != 0)
        return rc;
    /* Read later (by the measurement and the workers), but inputs already. */
    infile_note(o.weights_path, "weights");
    infile_note(o.digits_path, "digits");
    /* Open (and so check) the output before a minute of measuring; named,
     * so that the model loader can check what was written (also for -o -). */
    char why[CONFIG_MSG_MAX];
    int orc = outfile_open_named(&of, out_path, force, why, sizeof why);
    if (orc != OUTFILE_OK) {
        cli_error("-o %s", why);
        return orc == OUTFILE_REFUSED ? CLI_USAGE : CLI_FAILED;
    }
    struct progress_state ps = { NULL, 0 };
    if (!quiet) {
        o.progress = show_progress;
        o.progress_ctx = &ps;
    }
    if (isolate && cli_isolate(CLI_ISOLATE_NICE, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    }
    double t0 = cli_now_s();
    enum profile_status st = profile_measure(&o, &res, msg, sizeof msg);
    if (st != PROFILE_OK) {
        cli_error("%s", msg);
        rc = st == PROFILE_ERR_INPUT ? CLI_USAGE : CLI_FAILED;
        goto out;
    }
    char name[MODEL_NAME_MAX];
    base_name(out_path, name, sizeof name);
    profile_write_json(of.f, name, &o, &res);
    /* The simulator must accept what we wrote: load the temporary file
     * with the model loader before it replaces anything. */
    if (fflush(of.f) != 0 || ferror(of.f)) {
        cli_error("%s: write failed", out_path);
        rc = CLI_FAILED;
        goto out;
    }
    if (config_load_model(of.tmp_path, &check, msg, sizeof msg) != CONFIG_OK) {
        cli_error("internal error: the profile written does not load: %s", msg);
        rc = CLI_FAILED;
        goto out;
    }
    if (outfile_commit(&of, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    }
    if (res.host.busy)
        fprintf(stderr, "profile: warning: a busy machine: %s; the times measured include other jobs' "
                "contention (sources.host_cpu in %s)\n", res.host.why, out_path);
    if (res.preempted_kept > 0)
        fprintf(stderr, "profile: warning: %zu timed batches were preempted by other jobs in each of %d "
                "tries and are kept; the profile's tail includes that contention (sources.inference_ms "
                "in %s)\n", res.preempted_kept, PROFILE_PREEMPT_TRIES, out_path);
    if (profile_speed_shift_note(&res, msg, sizeof msg))
        fprintf(stderr, "profile: warning: %s (host.speed.measured in %s)\n", msg, out_path);
    if (!quiet)
        fprintf(stderr, "profile: wrote %s in %.1f s (worker cold start %.2f ms mean, batch 1 "
                "%.3f ms, batch %d %.3f ms, overhead %.3f ms mean)\n", out_path,
                cli_now_s() - t0, dist_mean(&check.cold_start_s) * 1e3,
                model_mean_inference_s(&check, 1) * 1e3, res.max_batch,
                model_mean_inference_s(&check, res.max_batch) * 1e3,
                dist_mean(&check.overhead_s) * 1e3);
    rc = CLI_OK;
out:
    cli_isolate_end();
    outfile_abort(&of);
    model_fini(&check);
    profile_result_fini(&res);
    return rc;
}
