/* cli_calibrate: `lambdasim calibrate`, turn Lambda and client logs into a
 * model profile (cold start, inference against batch size, overhead), with
 * the fit quality and sample counts recorded in the profile. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "analysis/calibrate.h"
#include "base/outfile.h"
#include "base/xalloc.h"

enum { O_OUTPUT = CLI_O_OWN, O_MEMORY_MB, O_FIT_MEMORY, O_MIN_SAMPLES, O_BATCH_SIZE, O_NAME };

static const struct cli_opt opt_table[] = {
    { .id = O_OUTPUT, .short_name = 'o', .name = "output", .metavar = "FILE", .complete = CLI_C_FILE,
      .help = "the model profile to write (required; - for standard output, the report then goes to "
              "standard error)" },
    CLI_ROW_FORCE("replace FILE if it exists"),
    { .id = O_MEMORY_MB, .name = "memory-mb", .metavar = "M",
      .help = "use only invocations with Memory Size M MB (with --fit-memory: the reference memory)" },
    { .id = O_FIT_MEMORY, .name = "fit-memory",
      .help = "logs at several memory sizes: fit cpu_bound_fraction to their mean Duration, the other "
              "fields from the reference memory (--memory-mb, default the largest)" },
    { .id = O_MIN_SAMPLES, .name = "min-samples", .metavar = "N", .help = "fewest values a fit may use (default 30)" },
    { .id = O_BATCH_SIZE, .name = "batch-size", .metavar = "N",
      .help = "invocations whose batch size the logs do not give carried N requests" },
    { .id = O_NAME, .name = "name", .metavar = "NAME", .help = "the profile's name (default: FILE without .json)" },
    CLI_ROW_HELP,
    CLI_ROW_END,
};

const struct cli_spec cli_calibrate_spec = {
    .name = "calibrate",
    .summary = "fit a model profile to real Lambda and client logs",
    .synopsis = "LOG... -o MODEL.json [OPTIONS]",
    .about =
        "Fits a model profile to measurements of a real deployment:\n"
        "  cold_start_ms  lognormal, gamma and Weibull maximum-likelihood fits to the\n"
        "                 REPORT lines' Init Duration, chosen by AIC (KS statistic\n"
        "                 shown)\n"
        "  restore_ms     the same, to Restore Duration (SnapStart), when present\n"
        "  inference_ms   Duration against batch size: linear regression (base +\n"
        "                 per_item_ms x n), the base's distribution from the residuals\n"
        "  overhead_ms    client round trip minus Duration (+ Init Duration), from\n"
        "                 client logs joined to the REPORT lines by request_id\n"
        "  cpu_bound_fraction  with --fit-memory, from logs at several memory sizes:\n"
        "                 weighted least squares of the mean Duration at each size\n"
        "                 against Amdahl's law over the CPU share (R^2 and residuals\n"
        "                 shown)\n"
        "LOG files are Lambda logs (CloudWatch text START/END/REPORT lines or JSON\n"
        "platform.* records, bare or in `aws logs` / subscription envelopes) and\n"
        "client logs (CSV whose header has a send_s column);\n"
        "formats: man lambdasim. Batch sizes come from a batch_size=N line\n"
        "the function logs, from the client log's batch_size column, or --batch-size.\n",
    .opts = opt_table,
    .notes =
        "Exit codes: 0 written, 1 the file could not be written, 2 bad usage or input\n"
        "(unparseable lines, mixed memory sizes without --fit-memory or --memory-mb,\n"
        "mixed functions, too few samples).\n",
    .args = CLI_C_FILE,
    .fn = cli_calibrate,
};

struct options {
    const char **logs;
    size_t n_logs;
    const char *out;
    const char *name;
    bool force;
    int memory_mb;          /* 0: not given */
    bool fit_memory;
    size_t min_samples;
    int batch_size;         /* 0: not given */
};

static int parse_int_opt(const char *opt, const char *v, long lo, long hi, long *out)
{
    uint64_t u = 0;
    if (!cli_parse_u64(v, &u) || u < (uint64_t)lo || u > (uint64_t)hi)
        return cli_usage_error("calibrate", "%s: expected a whole number from %ld to %ld (got '%s')", opt,
                               lo, hi, v);
    *out = (long)u;
    return 0;
}

static int parse_args(int argc, char **argv, struct options *o, bool *help)
{
    long v = 0;
    int rc = CLI_OK;
    *help = false;
    o->min_samples = CALIBRATE_MIN_SAMPLES_DEFAULT;
    struct cli_parser p;
    cli_parser_init(&p, &cli_calibrate_spec, argc, argv);
    for (int id = 0; rc == CLI_OK && !*help;) {
        const char *val;
        if ((id = cli_parser_next(&p, &val)) == CLI_PARSE_END)
            break;
        switch (id) {
        case CLI_PARSE_ERROR:
            rc = CLI_USAGE;
            break;
        case CLI_O_HELP:
            *help = true;
            break;
        case CLI_O_FORCE:
            o->force = true;
            break;
        case O_OUTPUT:
            o->out = val;
            break;
        case O_NAME:
            o->name = val;
            break;
        case O_MEMORY_MB:
            if ((rc = parse_int_opt("--memory-mb", val, 128, 10240, &v)) == CLI_OK)
                o->memory_mb = (int)v;
            break;
        case O_FIT_MEMORY:
            o->fit_memory = true;
            break;
        case O_MIN_SAMPLES:
            if ((rc = parse_int_opt("--min-samples", val, 3, 100000000, &v)) == CLI_OK)
                o->min_samples = (size_t)v;
            break;
        case O_BATCH_SIZE:
            if ((rc = parse_int_opt("--batch-size", val, 1, 4096, &v)) == CLI_OK)
                o->batch_size = (int)v;
            break;
        default:
            o->logs[o->n_logs++] = val;
        }
    }
    cli_parser_fini(&p);
    if (rc != CLI_OK || *help)
        return rc;
    if (o->n_logs == 0)
        return cli_usage_error("calibrate", "missing LOG files");
    if (o->out == NULL)
        return cli_usage_error("calibrate", "missing -o MODEL.json (the profile to write)");
    return 0;
}

/* Default profile name: the output's base name without .json. */
static void default_name(const char *path, char *out, size_t cap)
{
    if (strcmp(path, "-") == 0)
        path = "calibrated"; /* standard output has no name to take */
    const char *slash = strrchr(path, '/');
    const char *base = slash == NULL ? path : slash + 1;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".json") == 0)
        len -= 5;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, base, len);
    out[len] = '\0';
}

int cli_calibrate(int argc, char **argv)
{
    struct options o;
    memset(&o, 0, sizeof o);
    o.logs = xcalloc((size_t)argc + 1, sizeof *o.logs);
    struct calibrate_result res;
    memset(&res, 0, sizeof res);
    struct outfile of;
    memset(&of, 0, sizeof of);
    char msg[CALIBRATE_MSG_MAX], name[128];
    bool help = false;
    int rc = parse_args(argc, argv, &o, &help);
    if (rc != 0 || help) {
        if (help)
            cli_opts_print_help(&cli_calibrate_spec, stdout);
        goto out;
    }
    assert(o.out != NULL && o.n_logs > 0); /* parse_args refuses a command line without them */
    rc = CLI_USAGE;
    const char *out_opt[] = { "-o" }, *out_path[] = { o.out };
    if (cli_claim_stdout(out_opt, out_path, 1, false, &rc) != 0)
        goto out;
    struct calibrate_opts co = {
        .logs = o.logs,
        .n_logs = o.n_logs,
        .memory_mb = o.memory_mb,
        .fit_memory = o.fit_memory,
        .min_samples = o.min_samples,
        .batch_size = o.batch_size,
    };
    enum calibrate_status st = calibrate_read(&co, &res, msg, sizeof msg);
    for (size_t i = 0; i < res.n_skipped; i++)
        fprintf(stderr, "calibrate: warning: %s: skipped\n", res.skipped[i]);
    if (st != CALIBRATE_OK) {
        cli_error("%s", msg);
        goto out;
    }
    /* Before the report and before any fit can fail: -o must not name a
     * log just read, nor a file that exists without --force. */
    if ((rc = cli_outfile_check("-o", o.out, o.force, CLI_USAGE)) != CLI_OK)
        goto out;
    rc = CLI_USAGE;
    if (calibrate_fit(&co, &res, msg, sizeof msg) != CALIBRATE_OK) {
        cli_error("%s", msg);
        goto out;
    }
    calibrate_print_summary(stdout, &co, &res);

    if (o.name != NULL)
        snprintf(name, sizeof name, "%s", o.name);
    else
        default_name(o.out, name, sizeof name);
    if ((rc = cli_outfile_open(&of, "-o", o.out, o.force, CLI_FAILED)) != CLI_OK)
        goto out;
    calibrate_write_profile(of.f, name, &co, &res);
    if (outfile_commit(&of, msg, sizeof msg) != 0) {
        cli_error("%s", msg);
        rc = CLI_FAILED;
        goto out;
    }
    printf("\nwrote %s\n", strcmp(o.out, "-") == 0 ? "the profile to standard output" : o.out);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("writing to standard output failed: %s", strerror(errno));
        rc = CLI_FAILED;
        goto out;
    }
    rc = CLI_OK;
out:
    outfile_abort(&of);
    calibrate_result_fini(&res);
    free(o.logs);
    return rc;
}
