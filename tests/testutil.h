/* testutil: shared helpers for the CUnit suites (one binary per module). */
#ifndef LAMBDASIM_TESTUTIL_H
#define LAMBDASIM_TESTUTIL_H

#include <stddef.h>
#include <CUnit/CUnit.h>

/* Registers one suite named `name`, lets add_tests add its tests, runs it
 * with the basic (verbose) interface; returns the process exit code
 * (0 when every assertion passed). */
int testutil_main(const char *name, void (*add_tests)(CU_pSuite suite));

/* Path of the lambdasim binary under test ($LAMBDASIM_BIN or build/lambdasim). */
const char *testutil_bin(void);

/* Runs `cmd` through /bin/sh; captures stdout and stderr (caller frees,
 * either pointer may be NULL to discard). Returns the exit code, or
 * 128 + signal number when killed by a signal. */
int testutil_run(const char *cmd, char **out, char **err);

/* Writes `content` to a new temporary file with the given suffix
 * (e.g. ".json"); returns its malloc'd path. */
char *testutil_temp_file(const char *content, const char *suffix);

/* A fresh temporary directory; returns its malloc'd path. */
char *testutil_temp_dir(void);

/* Reads a whole file; NULL if unreadable. Caller frees. */
char *testutil_read_file(const char *path);

#endif
