/* timeline: the --timeline-csv writer (a sink, see sink.h). One CSV with a
 * `kind` column: `instance` rows are the state intervals of every instance
 * (init, busy, idle; provisioned or not; what it ran), `queue` rows are the
 * batching queue's length over time. Columns are documented in README.md. */
#ifndef LAMBDASIM_TIMELINE_H
#define LAMBDASIM_TIMELINE_H

#include <stdio.h>
#include "core/sink.h"

/* The header line of the CSV (written by the sink's start). */
void timeline_csv_header(FILE *f);

/* --timeline-csv. Borrows the scenario for the number of provisioned
 * instances (alive and idle from t = 0). Rows are written as intervals
 * close; intervals still open when the run ends are closed at its end. */
extern const struct sink_ops timeline_sink;

#endif
