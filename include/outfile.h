/* outfile: output files written whole or not at all. Data goes to a
 * temporary file beside the target, which is renamed over it only on
 * commit; an existing file is replaced only when the caller says so. */
#ifndef LAMBDASIM_OUTFILE_H
#define LAMBDASIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
    FILE *f;            /* write here between open and commit/abort */
    char *path;         /* final name (owned) */
    char *tmp_path;     /* temporary name (owned) */
};

/* Opens a temporary file next to `path`. Fails (returns -1, message) when
 * `path` exists and !replace, when it names a directory, or when the
 * directory is not writable. */
int outfile_open(struct outfile *o, const char *path, bool replace, char *msg, size_t msg_len);

/* Flushes, closes and renames into place. On failure the temporary file is
 * removed, the target is untouched, and -1 is returned with a message. */
int outfile_commit(struct outfile *o, char *msg, size_t msg_len);

/* Closes and removes the temporary file; the target is untouched.
 * Safe on a zeroed struct and after commit. */
void outfile_abort(struct outfile *o);

#endif
