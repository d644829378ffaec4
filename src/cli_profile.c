/* cli_profile: `lambdasim profile`, measure the real MNIST function on this
 * machine and write a model profile. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "config.h"
#include "model.h"
#include "infile.h"
#include "outfile.h"
#include "profile.h"

const char cli_profile_usage[] =
    "Usage: lambdasim profile [OPTIONS]\n"
    "\n"
    "Measures the real MNIST function (models/mnist-cnn.bin run by lambdasim-worker\n"
    "processes) on this machine and writes a model profile: inference time of every\n"
    "batch size 1..N, worker cold start, invocation overhead, all as empirical\n"
    "distributions, with a note of the machine and the date.\n"
    "\n"
    "Options:\n"
    "  -o FILE             output profile (default models/mnist-local.json)\n"
    "  --force             replace FILE if it exists\n"
    "  --max-batch N       largest batch size measured (default 64)\n"
    "  --repetitions N     timed batches of each size (default 50)\n"
    "  --cold-starts N     timed worker starts (default: as --repetitions)\n"
    "  --warmup N          untimed batches of the largest size first (default 20)\n"
    "  --gap-ms N          leave the worker idle N ms before each timed batch, as\n"
    "                      between real invocations (default 0: back to back)\n"
    "  --weights FILE      weight file (default models/mnist-cnn.bin)\n"
    "  --digits FILE       digits to classify (default traces/mnist-digits-300.bin)\n"
    "  --worker PATH       worker executable (default: lambdasim-worker next to\n"
    "                      this program)\n"
    "  --quiet             no progress lines on stderr\n"
    "  --isolate           run ahead of other jobs on this machine for the CPU (needs\n"
    "                      root or CAP_SYS_NICE; see README, emulate)\n"
    "  -h, --help          show this help\n"
    "\n"
    "The file is written whole or not at all, and checked by the model loader\n"
    "before it is put in place. Use it with, for example,\n"
    "  lambdasim run scenarios/paper-uniform.json --set function.memory_mb=1769 \\\n"
    "      --set function.model=../models/mnist-local.json\n"
    "(a relative model path is read from the scenario file's directory; at 1769 MB\n"
    "and above the measured times are used unscaled).\n";

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
    char worker[PATH_MAX + 32];
    struct profile_options o = {
        .worker_path = NULL,
        .weights_path = "models/mnist-cnn.bin",
        .digits_path = "traces/mnist-digits-300.bin",
        .max_batch = 64,
        .repetitions = 50,
        .cold_starts = -1,
        .warmup = 20,
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

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(cli_profile_usage, stdout);
            return CLI_OK;
        } else if (strcmp(a, "--force") == 0) {
            force = true;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(a, "--isolate") == 0) {
            isolate = true;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--max-batch") == 0
                   || strcmp(a, "--repetitions") == 0 || strcmp(a, "--cold-starts") == 0
                   || strcmp(a, "--warmup") == 0 || strcmp(a, "--weights") == 0
                   || strcmp(a, "--gap-ms") == 0
                   || strcmp(a, "--digits") == 0 || strcmp(a, "--worker") == 0) {
            const char *v;
            if (cli_option_value("profile", argc, argv, &i, &v) != CLI_OK)
                return CLI_USAGE;
            if (strcmp(a, "-o") == 0) {
                out_path = v;
            } else if (strcmp(a, "--weights") == 0) {
                o.weights_path = v;
            } else if (strcmp(a, "--digits") == 0) {
                o.digits_path = v;
            } else if (strcmp(a, "--worker") == 0) {
                o.worker_path = v;
            } else if (strcmp(a, "--max-batch") == 0) {
                if (!parse_count(a, v, 1, 4096, &o.max_batch))
                    return CLI_USAGE;
            } else if (strcmp(a, "--repetitions") == 0) {
                if (!parse_count(a, v, 1, 1000000, &o.repetitions))
                    return CLI_USAGE;
            } else if (strcmp(a, "--cold-starts") == 0) {
                if (!parse_count(a, v, 1, 1000000, &o.cold_starts))
                    return CLI_USAGE;
            } else if (strcmp(a, "--gap-ms") == 0) {
                if (!parse_count(a, v, 0, 10000, &o.gap_ms))
                    return CLI_USAGE;
            } else if (!parse_count(a, v, 0, 1000000, &o.warmup)) {
                return CLI_USAGE;
            }
        } else {
            return cli_usage_error("profile", "unexpected argument '%s'", a);
        }
    }
    if (o.cold_starts < 0)
        o.cold_starts = o.repetitions;
    if (o.worker_path == NULL) {
        cli_default_worker(worker, sizeof worker);
        o.worker_path = worker;
    }
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
