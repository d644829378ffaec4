/* testutil: shared helpers for the CUnit suites (one binary per module). */
#ifndef LAMBDASIM_TESTUTIL_H
#define LAMBDASIM_TESTUTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>

/* Registers one suite named `name`, lets add_tests add its tests, runs it
 * with the basic (verbose) interface; returns the process exit code
 * (0 when every assertion passed). */
int testutil_main(const char *name, void (*add_tests)(CU_pSuite suite));

/* Path of the lambdasim binary under test ($LAMBDASIM_BIN or build/lambdasim). */
const char *testutil_bin(void);

/* Path of the worker binary ($LAMBDASIM_WORKER or build/lambdasim-worker). */
const char *testutil_worker_bin(void);

/* Runs `cmd` through /bin/sh; captures stdout and stderr (caller frees,
 * either pointer may be NULL to discard). Returns the exit code, or
 * 128 + signal number when killed by a signal. */
int testutil_run(const char *cmd, char **out, char **err);

/* testutil_run on `lambdasim ARGS`, ARGS formatted printf-style. */
int testutil_runf(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes `content` to a new temporary file with the given suffix
 * (e.g. ".json"); returns its malloc'd path. */
char *testutil_temp_file(const char *content, const char *suffix);

/* A fresh temporary directory; returns its malloc'd path. */
char *testutil_temp_dir(void);

/* Removes the tree at `dir` (rm -rf) and frees `dir` (taken; NULL is a
 * no-op that returns 0). Returns rm's exit code. */
int testutil_remove_dir(char *dir);

/* Reads a whole file; NULL if unreadable. Caller frees. */
char *testutil_read_file(const char *path);

/* Whether `path` names an existing file or directory. */
bool testutil_exists(const char *path);

/* `s` is not NULL and holds `frag`. */
bool testutil_contains(const char *s, const char *frag);

/* One CU_ASSERT that `text` holds `frag`; prints both when it does not, so
 * a failure says why. A macro, so CUnit reports the caller's line. */
#define TESTUTIL_ASSERT_CONTAINS(text, frag)                                   \
    do {                                                                        \
        if (!testutil_contains((text), (frag)))                                 \
            fprintf(stderr, "\n  expected '%s' in: %s\n", (frag), (text));     \
        CU_ASSERT(testutil_contains((text), (frag)));                           \
    } while (0)

/* One CU_ASSERT that a reader's message is exactly "<path><rest>" (the
 * readers name the file first); prints both when it is not. */
void testutil_expect_msg_at(const char *msg, const char *path, const char *rest);

/* Says that a test was skipped and why, on a line of its own that starts
 * with "skipped: " (tests/run-suites.sh prints such lines under the
 * suite's PASS line). */
void testutil_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sends this process's stderr (fd 2), and so the stderr of any child it
 * starts meanwhile, to a temporary file, so that the expected complaints
 * of a negative test do not reach the test log. Returns a handle for
 * testutil_stderr_end (a fatal assertion when it cannot). */
struct testutil_stderr {
    int saved_fd;
    char *path;
};
void testutil_stderr_begin(struct testutil_stderr *cap);

/* Gives fd 2 back and returns what was written to it since
 * testutil_stderr_begin, children included (caller frees). Call it after
 * the children have exited, or what they write later is lost. */
char *testutil_stderr_end(struct testutil_stderr *cap);

/* Monotonic clock, in seconds. */
double testutil_now_s(void);

/* Sleeps `ms` milliseconds. */
void testutil_sleep_ms(long ms);

/* True when process pid is gone: no entry in /proc, or only a dead one's
 * (a zombie waiting to be reaped, or exiting). */
bool testutil_process_gone(long pid);

/* Waits up to timeout_s for testutil_process_gone(pid); its last answer. */
bool testutil_wait_gone(long pid, double timeout_s);

/* A generator of `type` seeded with `seed` (a fatal assertion when it
 * cannot be allocated). Caller frees with gsl_rng_free. */
gsl_rng *testutil_rng(const gsl_rng_type *type, unsigned long seed);

/* Critical value of the one-sample Kolmogorov-Smirnov statistic D_n at
 * level alpha (asymptotic, with Stephens' finite-n correction). */
double testutil_ks_critical(size_t n, double alpha);

/* The bad files of the bad-input catalogue, tests/bad_inputs/README.md
 * (its last table, one file of tests/bad per row), one row at a time:
 * | `file` | kind | STATUS | `fragment` |  (other lines, the command rows
 * included, are skipped). */
struct testutil_bad_rows {
    char *table, *save;
    char file[256], kind[32], frag[1024];
};

/* Reads the catalogue (a fatal assertion when it cannot). */
void testutil_bad_open(struct testutil_bad_rows *rows);

/* Fills file, kind and frag with the next row; false (and the catalogue
 * freed) after the last. */
bool testutil_bad_next(struct testutil_bad_rows *rows);

/* What testutil_expect_bad_run also checks. */
enum {
    TESTUTIL_BAD_TAIL = 1,     /* only the part of frag after the file name: the message may name the
                                * file through another directory (tests/data/../bad/x) */
    TESTUTIL_BAD_ONE_LINE = 2, /* stderr is exactly one line */
};

/* Runs `lambdasim ARGS` on the catalogued bad file `file`; one CU_ASSERT
 * that it exits 2, prints nothing on stdout, and stderr names `file` and
 * holds `frag` (see the flags). Prints the run when it does not. */
void testutil_expect_bad_run(const char *args, const char *file, const char *frag, unsigned flags);

#endif
