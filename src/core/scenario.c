/* scenario: releases what a loaded scenario owns (see scenario.h). */
#include "core/scenario.h"

#include <stdlib.h>
#include <string.h>

void scenario_workload_fini(struct workload_spec *w)
{
    free(w->trace_s);
    w->trace_s = NULL;
    free(w->minute_counts);
    w->minute_counts = NULL;
    w->n_minutes = 0;
    w->trace_len = 0;
}

void scenario_fini(struct scenario *sc)
{
    if (sc == NULL)
        return;
    scenario_workload_fini(&sc->workload);
    model_fini(&sc->function.model);
    dist_fini(&sc->function.extra_init_s);
    memset(&sc->function.extra_init_s, 0, sizeof sc->function.extra_init_s);
    free(sc->platform.provisioned.schedule);
    sc->platform.provisioned.schedule = NULL;
    sc->platform.provisioned.n_schedule = 0;
    dist_fini(&sc->platform.keep_alive_s);
    memset(&sc->platform.keep_alive_s, 0, sizeof sc->platform.keep_alive_s);
}
