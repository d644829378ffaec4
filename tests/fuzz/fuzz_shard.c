/* fuzz_shard: the other files a sweep reads back: a shard file (as given to
 * `lambdasim merge`, alone and twice) and a checkpoint body. The checkpoint
 * gets the right header line for tests/data/sweep-small.json prepended, so
 * the fuzzer reaches the line parser instead of the header check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "formats/config.h"
#include "fuzz_util.h"
#include "analysis/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sweep_spec spec;
static char header[8192];

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    char msg[SWEEP_MSG_MAX];
    /* The spec is read from the repository (its base scenario's model is
     * found relative to it) and kept for the whole run. */
    if (config_load_sweep("tests/data/sweep-small.json", &spec, msg, sizeof msg) != CONFIG_OK ||
        sweep_prepare(&spec, msg, sizeof msg) != CONFIG_OK) {
        fprintf(stderr, "fuzz_shard: %s (run from the repository root)\n", msg);
        abort();
    }
    sweep_checkpoint_header(&spec, 0, 0, header, sizeof header);
}

static void merge(const char *path)
{
    char msg[SWEEP_MSG_MAX];
    struct sweep_table t;
    const char *one[1] = { path };
    if (sweep_merge(&t, one, 1, msg, sizeof msg) == 0)
        sweep_table_fini(&t);
    else
        fuzz_check_msg("sweep_merge", msg, sizeof msg);
    const char *two[2] = { path, path };
    if (sweep_merge(&t, two, 2, msg, sizeof msg) == 0)
        sweep_table_fini(&t);
    else
        fuzz_check_msg("sweep_merge twice", msg, sizeof msg);
}

static void checkpoint(const uint8_t *data, size_t size)
{
    size_t hl = strlen(header);
    uint8_t *text = malloc(hl + 1 + size + 1);
    if (text == NULL)
        abort();
    memcpy(text, header, hl);
    text[hl] = '\n';
    if (size > 0)
        memcpy(text + hl + 1, data, size);
    const char *path = fuzz_write("sweep.csv.ckpt", text, hl + 1 + size);
    free(text);
    bool *wanted = malloc(spec.n_points);
    if (wanted == NULL)
        abort();
    memset(wanted, 1, spec.n_points);
    struct sweep_results res;
    sweep_results_init(&res, spec.n_points);
    char msg[SWEEP_MSG_MAX];
    long keep = -1;
    if (sweep_checkpoint_read(&spec, path, header, wanted, &res, &keep, msg, sizeof msg) != 0)
        fuzz_check_msg("sweep_checkpoint_read", msg, sizeof msg);
    else if (keep < 0 || (size_t)keep > hl + 1 + size)
        abort();
    sweep_results_fini(&res);
    free(wanted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    merge(fuzz_write("shard.csv", data, size));
    checkpoint(data, size);
    return 0;
}
