/* report: writes a run's results as a readable table, as JSON, and the
 * per-request CSV. Output is deterministic: fixed formats, fixed order. */
#ifndef LAMBDASIM_REPORT_H
#define LAMBDASIM_REPORT_H

#include <stdio.h>
#include "core/engine.h"
#include "core/scenario.h"

void report_table(FILE *f, const struct scenario *sc, const struct engine_result *r);
void report_json(FILE *f, const struct scenario *sc, const struct engine_result *r);

/* Per-request CSV: header then one row per request (in completion order);
 * each row names the scenario's stats.latency_from, so that a plot times
 * latency as the run did. */
void report_requests_csv_header(FILE *f);
void report_requests_csv_row(FILE *f, const struct request_record *rec, enum latency_origin from);

#endif
