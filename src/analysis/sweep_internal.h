/* sweep_internal: what the files of the sweep (sweep_grid.c, sweep_exec.c,
 * sweep_rank.c, sweep_output.c, sweep_merge.c) share and nobody else
 * needs. Include only from those files. */
#ifndef LAMBDASIM_SWEEP_INTERNAL_H
#define LAMBDASIM_SWEEP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/sweep.h"

#define SUMMARY_TOP 10      /* rows of the summary's ranking table */
#define FILE_PREFIX "# lambdasim sweep "
#define SHARD_MAGIC FILE_PREFIX "shard "
#define CKPT_MAGIC FILE_PREFIX "checkpoint v1"
/* The sweep file's role among the inputs (sweep_spec.inputs): a sweep
 * file that differs makes another sweep, not a changed input. */
#define SWEEP_FILE_ROLE "sweep_file"

/* sweep_grid.c: seed of one replication of a point. */
uint64_t sweep_point_seed(uint64_t base, bool crn, size_t point, int replication);

/* sweep_exec.c: reads a whole file the sweep wrote (a checkpoint or a
 * shard) as text; NULL with a message. Caller frees. */
char *sweep_read_text(const char *path, const char *role, size_t *len, char *msg, size_t msg_len);

/* sweep_rank.c: frees a row's cells; feasibility, Pareto front and ranks
 * of a table. */
void sweep_row_fini(struct sweep_row *r, size_t n_cells);
void sweep_table_finish(struct sweep_table *t);
/* The Pareto front's rows in order of its first axis (then the second,
 * then point) into out (room for n_rows); returns how many. */
size_t sweep_front_rows(const struct sweep_table *t, const struct sweep_row **out);

/* sweep_merge.c: a whole decimal number, nothing else. */
bool sweep_parse_size(const char *s, size_t *out);
bool sweep_parse_u64(const char *s, uint64_t *out);

#endif
