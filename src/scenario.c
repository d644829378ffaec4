/* scenario: releases what a loaded scenario owns (see scenario.h). */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

void scenario_fini(struct scenario *sc)
{
    if (sc == NULL)
        return;
    free(sc->workload.trace_s);
    sc->workload.trace_s = NULL;
    sc->workload.trace_len = 0;
    model_fini(&sc->function.model);
    dist_fini(&sc->platform.keep_alive_s);
    memset(&sc->platform.keep_alive_s, 0, sizeof sc->platform.keep_alive_s);
}
