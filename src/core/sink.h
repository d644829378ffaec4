/* sink: a writer that watches a run and produces one output file (the
 * per-request CSV, a timeline, simulated Lambda logs, ...). The run
 * command opens each requested file (whole-or-nothing, see outfile.h),
 * starts the sink, feeds it every request record and engine event, and
 * finishes it before committing the file. Writers live in their own
 * modules so they can be tested without the command line. */
#ifndef LAMBDASIM_SINK_H
#define LAMBDASIM_SINK_H

#include <stdio.h>
#include "core/engine.h"
#include "core/scenario.h"

struct sink_ops {
    /* Writes any header; returns the sink's state (may be NULL). The
     * scenario is borrowed until finish. */
    void *(*start)(FILE *f, const struct scenario *sc);
    /* Either callback may be NULL. */
    void (*on_request)(void *state, FILE *f, const struct request_record *rec);
    void (*on_event)(void *state, FILE *f, const struct engine_event *ev);
    /* Writes any trailer and frees the state (may be NULL). res is NULL
     * when the run was abandoned: only free then (the file is discarded). */
    void (*finish)(void *state, FILE *f, const struct engine_result *res);
};

/* --requests-csv: one row per request (report.c). */
extern const struct sink_ops report_requests_sink;

#endif
