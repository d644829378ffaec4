/* datadir: the shipped files and the worker, found from the executable's
 * own path (/proc/self/exe), never from the current directory. */
#include "base/datadir.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORKER_NAME "lambdasim-worker"
/* bin/ and build/ sit one level below the tree; libexec/lambdasim/ and
 * build/asan/ two; one more for a BUILD=build/x/y. */
#define LEVELS 3

static void set_msg(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_msg(char *msg, size_t len, const char *fmt, ...)
{
    if (msg == NULL || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* snprintf into out[len]: 0 when it fitted, -1 (out unusable) when not. */
static int put(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < len ? 0 : -1;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Drops the last component of the absolute path p ("/a/b" -> "/a",
 * "/a" -> "/"); false when p is "/" already. */
static bool up_one(char *p)
{
    char *slash = strrchr(p, '/');
    if (slash == NULL || (slash == p && p[1] == '\0'))
        return false;
    if (slash == p)
        p[1] = '\0';
    else
        *slash = '\0';
    return true;
}

/* The executable's directory: the kernel gives its absolute path with the
 * symbolic links resolved, so a link to an installed binary finds the
 * installed tree, and textual parents are the real ones. */
static int exe_dir(char *dir, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || exe[0] != '/')
        return -1;
    exe[n] = '\0';
    if (!up_one(exe))
        return -1;
    return put(dir, len, "%s", exe);
}

/* src into out[len]: 0, or -1 with a message when it does not fit. */
static int copy_out(char *out, size_t len, const char *src, char *msg, size_t msg_len)
{
    if (put(out, len, "%s", src) == 0)
        return 0;
    set_msg(msg, msg_len, "%s: path too long", src);
    return -1;
}

/* "" for the root, so that joining with "/x" gives "/x". */
static const char *base(const char *dir)
{
    return strcmp(dir, "/") == 0 ? "" : dir;
}

/* The data directory into dir[len]; `what` names the file wanted, for the
 * message. */
static int find_dir(const char *what, char *dir, size_t len, char *msg, size_t msg_len)
{
    const char *env = getenv(DATADIR_ENV);
    if (env != NULL && env[0] != '\0') {
        if (!is_dir(env)) {
            set_msg(msg, msg_len, "cannot find %s: " DATADIR_ENV " is '%s', not a directory", what, env);
            return -1;
        }
        return copy_out(dir, len, env, msg, msg_len);
    }
    char here[PATH_MAX], up[PATH_MAX], cand[PATH_MAX + 64];
    if (exe_dir(here, sizeof here) != 0) {
        set_msg(msg, msg_len, "cannot find %s: /proc/self/exe does not say where lambdasim is; set " DATADIR_ENV,
                what);
        return -1;
    }
    memcpy(up, here, sizeof up);
    for (int level = 0; level < LEVELS && up_one(up); level++) {
        /* Installed first: at one level there is rarely both. */
        if (put(cand, sizeof cand, "%s/share/lambdasim", base(up)) == 0 && is_dir(cand))
            return copy_out(dir, len, cand, msg, msg_len);
        if (put(cand, sizeof cand, "%s/" DATADIR_MARKER, base(up)) == 0 && is_file(cand))
            return copy_out(dir, len, up, msg, msg_len);
    }
    set_msg(msg, msg_len,
            "cannot find %s: no share/lambdasim/ (installed) and no source tree (with " DATADIR_MARKER
            ") within %d levels above %s; set " DATADIR_ENV,
            what, LEVELS, here);
    return -1;
}

int datadir_find(char *dir, size_t len, char *msg, size_t msg_len)
{
    return find_dir("lambdasim's data directory", dir, len, msg, msg_len);
}

int datadir_path(const char *rel, char *out, size_t len, char *msg, size_t msg_len)
{
    char dir[PATH_MAX];
    if (find_dir(rel, dir, sizeof dir, msg, msg_len) != 0)
        return -1;
    if (put(out, len, "%s/%s", base(dir), rel) != 0) {
        set_msg(msg, msg_len, "%s/%s: path too long", dir, rel);
        return -1;
    }
    if (access(out, R_OK) != 0) {
        const char *env = getenv(DATADIR_ENV);
        if (env != NULL && env[0] != '\0')
            set_msg(msg, msg_len, "%s: not found (" DATADIR_ENV " is '%s')", out, env);
        else
            set_msg(msg, msg_len, "%s: not found in lambdasim's data directory (" DATADIR_ENV " overrides it)",
                    out);
        return -1;
    }
    return 0;
}

int datadir_worker(char *out, size_t len, char *msg, size_t msg_len)
{
    char here[PATH_MAX], up[PATH_MAX], installed[PATH_MAX + 64], beside[PATH_MAX + 64];
    if (exe_dir(here, sizeof here) != 0) {
        set_msg(msg, msg_len, "cannot find " WORKER_NAME ": /proc/self/exe does not say where lambdasim is; "
                "pass --worker");
        return -1;
    }
    memcpy(up, here, sizeof up);
    (void)up_one(up);
    /* The installed place first: a worker left in bin/ by an older install
     * must not shadow the one installed with this binary. */
    if (put(installed, sizeof installed, "%s/libexec/lambdasim/" WORKER_NAME, base(up)) == 0
        && is_file(installed) && access(installed, X_OK) == 0)
        return copy_out(out, len, installed, msg, msg_len);
    if (put(beside, sizeof beside, "%s/" WORKER_NAME, base(here)) == 0 && is_file(beside)
        && access(beside, X_OK) == 0)
        return copy_out(out, len, beside, msg, msg_len);
    set_msg(msg, msg_len, "cannot find " WORKER_NAME ": neither %s nor %s is an executable file (build it with "
            "`make`, or pass --worker)", installed, beside);
    return -1;
}
