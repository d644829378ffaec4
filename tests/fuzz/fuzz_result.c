/* fuzz_result: config_load_result (what `lambdasim report` reads) on
 * arbitrary bytes, and every point and section of what loads walked, as
 * the report walks them. */
#include <math.h>
#include <stdint.h>
#include "formats/config.h"
#include "formats/resultdoc.h"
#include "formats/sweep_spec.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("result.json", data, size);
    struct resultdoc d;
    char msg[CONFIG_MSG_MAX];
    if (config_load_result(path, &d, msg, sizeof msg) != CONFIG_OK) {
        fuzz_check_msg("config_load_result", msg, sizeof msg);
        return 0;
    }
    /* What the report reads: every value of every point, the front and the
     * best by number, every run section. */
    double sum = 0;
    for (size_t i = 0; i < d.n_points; i++) {
        for (size_t a = 0; a < d.n_axes; a++)
            sum += (double)(d.points[i].values[a][0] != '\0');
        for (size_t m = 0; m < sweep_metric_count(); m++)
            sum += isfinite(d.points[i].mean[m]) ? 1 : 0;
    }
    for (size_t i = 0; i < d.n_front; i++)
        if (resultdoc_find_point(&d, d.front[i]) == NULL)
            __builtin_trap();   /* the loader checks that each is a point */
    if (d.have_best && resultdoc_find_point(&d, d.best) == NULL)
        __builtin_trap();
    for (size_t s = 0; s < d.n_sections; s++)
        for (size_t f = 0; f < d.sections[s].n_fields; f++)
            sum += d.sections[s].fields[f].text != NULL ? 1 : 0;
    (void)resultdoc_run_value(&d, "latency_ms", "p99");
    (void)sum;
    resultdoc_fini(&d);
    return 0;
}
