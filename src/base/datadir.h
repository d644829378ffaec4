/* datadir: where lambdasim finds the files it ships (weights, digits, the
 * gnuplot scripts) and its worker program, relative to the running
 * executable, so that the defaults work from any current directory. */
#ifndef LAMBDASIM_DATADIR_H
#define LAMBDASIM_DATADIR_H

#include <stddef.h>

/* Overrides the data directory when set and not empty. */
#define DATADIR_ENV "LAMBDASIM_DATA_DIR"

/* The MNIST weights and digits: the defaults of emulate, profile and the
 * worker. */
#define DATADIR_WEIGHTS "models/mnist-cnn.bin"
#define DATADIR_DIGITS "traces/mnist-digits-300.bin"

/* The file any data directory holds; also the mark of a source tree. */
#define DATADIR_MARKER DATADIR_WEIGHTS

/* lambdasim's data directory into dir[len]: $LAMBDASIM_DATA_DIR when set;
 * else, going up from the executable's directory (at most 3 levels:
 * bin/, libexec/lambdasim/, build/, build/asan/), the first ANCESTOR with
 * ANCESTOR/share/lambdasim (an installed tree) or with
 * ANCESTOR/models/mnist-cnn.bin (the source tree the binary was built
 * in). Returns 0, or -1 with a one-line message in msg naming what was
 * looked for. */
int datadir_find(char *dir, size_t len, char *msg, size_t msg_len);

/* The path of `rel` (e.g. "plots/common.gp") in the data directory into
 * out[len]. Returns 0 when that file exists, else -1 with a one-line
 * message naming the path looked for and how to point elsewhere. */
int datadir_path(const char *rel, char *out, size_t len, char *msg, size_t msg_len);

/* The lambdasim-worker executable into out[len]:
 * <bindir>/../libexec/lambdasim/lambdasim-worker (installed) or
 * <bindir>/lambdasim-worker (build tree), whichever is executable first.
 * Returns 0, or -1 with a one-line message naming both places. */
int datadir_worker(char *out, size_t len, char *msg, size_t msg_len);

#endif
