/* infile: every input file is opened here, so that all readers treat "-",
 * FIFOs and devices alike, and so that no output ever replaces a file the
 * run has read (outfile.h asks infile_check_output before writing).
 *
 * - "-" is standard input. It and any FIFO or socket are read whole on the
 *   first open (at most INFILE_STREAM_MAX bytes) and kept in memory, so that
 *   a reader that opens its file twice (a sweep point, explain's re-runs, a
 *   format sniffer) gets the same bytes again. Only one kind of input may be
 *   "-" in one run.
 * - A FIFO is opened without blocking and must deliver its first byte (or
 *   its end) within INFILE_FIFO_WAIT_S seconds: a FIFO nobody writes to
 *   fails with a message instead of hanging.
 * - A directory is refused; regular files, character and block devices are
 *   read as they are (the readers bound their own sizes).
 *
 * The process keeps one table of the regular files read (device, inode and
 * role), shared by every thread (a mutex guards it): the one table a
 * command needs to keep its outputs off its inputs. */
#ifndef LAMBDASIM_INFILE_H
#define LAMBDASIM_INFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define INFILE_STREAM_MAX ((size_t)256 << 20)
#define INFILE_FIFO_WAIT_S 5

/* Opens path for reading (see above) and notes it as an input of this run
 * under role, a field or option name with static storage ("scenario",
 * "function.model", "workload.file", "log", ...). Returns the stream (the
 * caller fcloses it), or NULL with a one-line message naming the path:
 * "PATH: cannot read: REASON". */
FILE *infile_open(const char *path, const char *role, char *msg, size_t msg_len);

/* Notes path as an input of this run without reading it (a file another
 * program reads for us). Ignores a path that does not exist. */
void infile_note(const char *path, const char *role);

/* 0 when writing path replaces no input noted so far; else -1 with
 * "PATH: that is an input of this run (ROLE); refusing to overwrite it".
 * Symbolic and hard links count: files are told apart by (device, inode). */
int infile_check_output(const char *path, char *msg, size_t msg_len);

/* Forgets every input and frees the kept copies (tests; not thread-safe
 * against concurrent opens). */
void infile_reset(void);

/* An input opened while recording: the path as it was opened ("-" for
 * standard input), the role it was first opened as, and for a stream
 * (standard input, a FIFO) its kept bytes (NULL for a file, which the
 * caller reads again). */
struct infile_read {
    char *path;             /* owned */
    const char *role;
    const char *data;       /* borrowed from the table, valid until infile_reset */
    size_t len;
};

/* Records every input opened from now on, by any thread, each file once
 * (device and inode), until infile_record_end: what a computation read,
 * so that its identity can include the inputs' contents (a sweep's id).
 * One recording at a time. */
void infile_record_begin(void);
/* Ends the recording; *out gets the inputs in the order first opened
 * (caller frees with infile_record_free). Returns how many. */
size_t infile_record_end(struct infile_read **out);
void infile_record_free(struct infile_read *r, size_t n);

#endif
