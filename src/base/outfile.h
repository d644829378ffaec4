/* outfile: output files that never destroy anything.
 *
 * What a path names decides how it is written:
 * - "-": standard output, written as the command goes.
 * - A FIFO or a character device (/dev/null, a terminal): written straight
 *   through (no temporary file, no rename, no --force needed): writing
 *   there is plainly meant, and replacing it by a regular file never is.
 *   A FIFO must get a reader within OUTFILE_FIFO_WAIT_S seconds.
 * - A regular file, or no file yet: written whole or not at all, to a
 *   temporary file beside it that is renamed over it only on commit; an
 *   existing file is replaced only when the caller says so. A symbolic link
 *   is followed: the temporary file is made beside the file it finally
 *   names, which is replaced, so the link stays a link.
 * - A directory, a socket or a block device is refused.
 * - A file the run has read (infile.h), through any link, is refused.
 *
 * Temporary names are kept in a fixed table that outfile_remove_temps
 * (async-signal-safe) empties, so a signal that kills the process leaves
 * none behind (see interrupt.h); signals are blocked while the table and
 * the file system change together. */
#ifndef LAMBDASIM_OUTFILE_H
#define LAMBDASIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define OUTFILE_FIFO_WAIT_S 5

/* outfile_open's and outfile_check's results: EXISTS is a file that may
 * be replaced but was not allowed to be; REFUSED a path that may never be
 * written (an input, a directory...). */
enum { OUTFILE_OK = 0, OUTFILE_FAILED = -1, OUTFILE_REFUSED = -2, OUTFILE_EXISTS = -3 };

struct outfile {
    FILE *f;            /* write here between open and commit/abort */
    char *path;         /* name as given (owned) */
    char *target;       /* the file replaced on commit: path, links followed (owned) */
    char *tmp_path;     /* temporary name (owned); NULL when written straight through */
    bool direct;        /* standard output, a FIFO or a character device */
    bool copy_on_commit;/* outfile_open_named on a direct target: tmp_path is
                           a private file copied to the target on commit */
    int slot;           /* tmp_path's entry in the signal-safe table, or -1 */
};

/* Checks, without creating anything, that path may be written: returns
 * OUTFILE_OK, OUTFILE_EXISTS (it exists and !replace), or OUTFILE_REFUSED
 * (a directory or other unwritable kind, an input of this run, a symbolic
 * link loop), with "PATH: REASON" in msg. */
int outfile_check(const char *path, bool replace, char *msg, size_t msg_len);

/* Checks path (outfile_check) and opens it as above. Returns OUTFILE_OK,
 * OUTFILE_EXISTS or OUTFILE_REFUSED (as outfile_check), or OUTFILE_FAILED
 * (the file system said no: "PATH: cannot create: ..."). */
int outfile_open(struct outfile *o, const char *path, bool replace, char *msg, size_t msg_len);

/* The same, for a caller that needs a file name to hand to another program
 * or loader (o->tmp_path is always set): a direct target is first written
 * to a private temporary file (in $TMPDIR, else /tmp), copied to it on
 * commit. */
int outfile_open_named(struct outfile *o, const char *path, bool replace, char *msg, size_t msg_len);

/* Flushes, closes and renames into place (or copies, or flushes standard
 * output). Checks again that the target is not an input of this run. On
 * failure the temporary file is removed, the target is untouched, and -1 is
 * returned with a message. */
int outfile_commit(struct outfile *o, char *msg, size_t msg_len);

/* Closes and removes the temporary file; the target is untouched (what was
 * written straight through stays written). Safe on a zeroed struct and
 * after commit. */
void outfile_abort(struct outfile *o);

/* Gives standard output to the "-" outputs alone: its descriptor moves to
 * a private one that they write to, and descriptor 1 (so stdout, printf)
 * becomes a copy of standard error, where the command's report then goes.
 * Returns 0, or -1 (errno set). */
int outfile_take_stdout(void);

/* Unlinks every temporary file still open. Async-signal-safe: for a
 * signal handler about to end the process. */
void outfile_remove_temps(void);

#endif
