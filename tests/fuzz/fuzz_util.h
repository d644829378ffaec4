/* fuzz_util: what the libFuzzer harnesses in tests/fuzz/ share: a private
 * temporary directory holding fixture files, writing an input there, and
 * the one-line-message rule every reader must keep. */
#ifndef LAMBDASIM_FUZZ_UTIL_H
#define LAMBDASIM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The harness's temporary directory (created on first use, removed with
 * everything in it at exit). */
const char *fuzz_dir(void);

/* Copies repository file `src` (relative to the working directory, which
 * `make fuzz` sets to the repository root) into the temporary directory as
 * `name`. Aborts when it cannot: a harness without its fixtures tests
 * nothing. */
void fuzz_fixture(const char *src, const char *name);

/* Writes data[0..size) to `name` in the temporary directory; returns the
 * path (static storage, valid until the next call). */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);

/* A NUL-terminated copy of data[0..size) (caller frees). */
char *fuzz_strdup(const uint8_t *data, size_t size);

/* Aborts unless msg is a non-empty single line that fits in cap bytes:
 * library errors are one line naming the place and the fix. */
void fuzz_check_msg(const char *who, const char *msg, size_t cap);

#endif
