/* fuzz_sweep: config_load_sweep on arbitrary bytes and, for a small grid,
 * sweep_prepare (which loads every point's scenario with its overrides).
 * The sweep file sits in scenarios/sweeps/ of a temporary tree that holds
 * the shipped and test base scenarios and the study's model. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "formats/config.h"
#include "fuzz_util.h"
#include "analysis/sweep.h"

/* sweep_prepare loads every point; keep an input's cost bounded. */
#define PREPARE_POINTS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    char d[512];
    snprintf(d, sizeof d, "%s/models", fuzz_dir());
    if (mkdir(d, 0700) != 0)
        abort();
    snprintf(d, sizeof d, "%s/scenarios", fuzz_dir());
    if (mkdir(d, 0700) != 0)
        abort();
    snprintf(d, sizeof d, "%s/scenarios/sweeps", fuzz_dir());
    if (mkdir(d, 0700) != 0)
        abort();
    fuzz_fixture("models/mnist-lambda-1024.json", "models/mnist-lambda-1024.json");
    fuzz_fixture("scenarios/paper-uniform.json", "scenarios/paper-uniform.json");
    fuzz_fixture("scenarios/paper-bursty.json", "scenarios/paper-bursty.json");
    fuzz_fixture("tests/data/sweep-base.json", "scenarios/sweeps/sweep-base.json");
    fuzz_fixture("tests/data/sweep-normal.json", "scenarios/sweeps/sweep-normal.json");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    const char *path = fuzz_write("scenarios/sweeps/sweep.json", data, size);
    struct sweep_spec sp;
    char msg[SWEEP_MSG_MAX];
    if (config_load_sweep(path, &sp, msg, sizeof msg) != CONFIG_OK) {
        fuzz_check_msg("config_load_sweep", msg, sizeof msg);
        return 0;
    }
    if (sp.n_points <= PREPARE_POINTS_MAX && sweep_prepare(&sp, msg, sizeof msg) != CONFIG_OK)
        fuzz_check_msg("sweep_prepare", msg, sizeof msg);
    sweep_spec_fini(&sp);
    return 0;
}
