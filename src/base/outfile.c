/* outfile: output files that never destroy anything (see outfile.h). */
#include "base/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "base/infile.h"
#include "base/xalloc.h"

#define LINK_HOPS_MAX 40    /* as the kernel's ELOOP limit */
#define TEMP_SLOTS 32

/* Temporary names a signal handler may unlink: a slot is filled before its
 * flag is set, and the flag cleared before the name is reused. */
static char temp_names[TEMP_SLOTS][PATH_MAX];
static volatile sig_atomic_t temp_used[TEMP_SLOTS];

/* Where "-" writes: descriptor 1 until outfile_take_stdout. */
static int stdout_fd = STDOUT_FILENO;

int outfile_take_stdout(void)
{
    if (stdout_fd != STDOUT_FILENO)
        return 0;
    fflush(stdout);
    int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    stdout_fd = fd;
    /* The report now shares standard error with the messages: keep lines whole and in order. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    return 0;
}

void outfile_remove_temps(void)
{
    for (int i = 0; i < TEMP_SLOTS; i++)
        if (temp_used[i])
            (void)unlink(temp_names[i]);
}

/* The signals after which the process may die (interrupt.h handles them):
 * blocked while a temporary file and its table entry change together. */
static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Creates "<target>.tmpXXXXXX" and enters it in the table. Signals blocked
 * by the caller. Returns the fd, or -1 (errno set). */
static int make_temp(struct outfile *o, const char *target)
{
    size_t n = strlen(target) + 16;
    o->tmp_path = xmalloc(n);
    snprintf(o->tmp_path, n, "%s.tmpXXXXXX", target);
    int slot = -1;
    for (int i = 0; i < TEMP_SLOTS && slot < 0; i++)
        if (!temp_used[i] && n <= sizeof temp_names[i])
            slot = i;
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        free(o->tmp_path);
        o->tmp_path = NULL;
        return -1;
    }
    if (slot >= 0) {
        memcpy(temp_names[slot], o->tmp_path, n);
        temp_used[slot] = 1;
    }
    o->slot = slot;
    /* mkstemp creates 0600; output files get the usual 0666 less umask. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    return fd;
}

/* Unlinks (unless keep) and forgets the temporary file. */
static void drop_temp(struct outfile *o, bool keep)
{
    sigset_t old;
    block_signals(&old);
    if (o->tmp_path != NULL && !keep)
        unlink(o->tmp_path);
    if (o->slot >= 0)
        temp_used[o->slot] = 0;
    o->slot = -1;
    restore_signals(&old);
    free(o->tmp_path);
    o->tmp_path = NULL;
}

/* path with every symbolic link of its last component followed (the file
 * need not exist); NULL with errno ELOOP after too many links. */
static char *follow_links(const char *path)
{
    char *cur = xstrdup(path);
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        char link[PATH_MAX];
        ssize_t n = hops < LINK_HOPS_MAX ? readlink(cur, link, sizeof link - 1) : -1;
        if (n < 0) {
            if (hops >= LINK_HOPS_MAX)
                errno = ELOOP;
            free(cur);
            return NULL;
        }
        link[n] = '\0';
        const char *slash = strrchr(cur, '/');
        size_t dir = link[0] == '/' || slash == NULL ? 0 : (size_t)(slash - cur) + 1;
        char *next = xmalloc(dir + (size_t)n + 1);
        memcpy(next, cur, dir);
        memcpy(next + dir, link, (size_t)n + 1);
        free(cur);
        cur = next;
    }
}

static const char *kind_name(mode_t m)
{
    return S_ISSOCK(m) ? "a socket" : S_ISBLK(m) ? "a block device" : "not a regular file";
}

/* The checks of outfile_check; *target gets the file to write (owned). */
static int check(const char *path, bool replace, char **target, struct stat *st, bool *exists, char *msg,
                 size_t len)
{
    *target = NULL;
    *exists = false;
    if (strcmp(path, "-") == 0) {
        *target = xstrdup(path);
        return OUTFILE_OK;
    }
    char *t = follow_links(path);
    if (t == NULL) {
        snprintf(msg, len, "%s: cannot follow the symbolic link: %s", path, strerror(errno));
        return OUTFILE_REFUSED;
    }
    if (stat(t, st) != 0) {
        *target = t;
        return OUTFILE_OK;
    }
    *exists = true;
    int rc = OUTFILE_OK;
    if (S_ISDIR(st->st_mode)) {
        snprintf(msg, len, "%s: is a directory", path);
        rc = OUTFILE_REFUSED;
    } else if (S_ISREG(st->st_mode)) {
        /* Even with --force: losing an input is never what was meant. */
        if (infile_check_output(path, msg, len) != 0)
            rc = OUTFILE_REFUSED;
        else if (!replace) {
            snprintf(msg, len, "%s: already exists; pass --force to replace it", path);
            rc = OUTFILE_EXISTS;
        }
    } else if (!S_ISFIFO(st->st_mode) && !S_ISCHR(st->st_mode)) {
        snprintf(msg, len, "%s: is %s; refusing to write to it (only a regular file, a FIFO or a character "
                 "device can be written)", path, kind_name(st->st_mode));
        rc = OUTFILE_REFUSED;
    }
    if (rc != OUTFILE_OK)
        free(t);
    else
        *target = t;
    return rc;
}

int outfile_check(const char *path, bool replace, char *msg, size_t len)
{
    char *target = NULL;
    struct stat st;
    bool exists;
    int rc = check(path, replace, &target, &st, &exists, msg, len);
    free(target);
    return rc;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Opens a FIFO or character device for writing without waiting forever
 * for a FIFO's reader. Returns the fd, or -1 with a message. */
static int open_direct(const char *path, const char *target, bool fifo, char *msg, size_t len)
{
    int flags = O_WRONLY | O_NOCTTY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0);
    int fd = -1;
    for (int waited = 0;; waited += 20) {
        fd = open(target, flags);
        /* ENXIO: a FIFO nobody reads yet. */
        if (fd >= 0 || errno != ENXIO || waited >= OUTFILE_FIFO_WAIT_S * 1000)
            break;
        sleep_ms(20);
    }
    if (fd < 0 && errno == ENXIO && fifo) {
        snprintf(msg, len, "%s: a FIFO that nothing read from within %d s (start its reader first)", path,
                 OUTFILE_FIFO_WAIT_S);
        return -1;
    }
    if (fd < 0 || (fifo && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)) {
        snprintf(msg, len, "%s: cannot open: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* A private temporary file for outfile_open_named on a direct target. */
static int make_private_temp(struct outfile *o)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    size_t n = strlen(dir) + 32;
    char *base = xmalloc(n);
    snprintf(base, n, "%s/lambdasim-out", dir);
    int fd = make_temp(o, base);
    free(base);
    return fd;
}

static int open_any(struct outfile *o, const char *path, bool replace, bool named, char *msg, size_t len)
{
    memset(o, 0, sizeof *o);
    o->slot = -1;
    char *target = NULL;
    struct stat st;
    bool exists = false;
    int rc = check(path, replace, &target, &st, &exists, msg, len);
    if (rc != OUTFILE_OK)
        return rc;
    bool to_stdout = strcmp(path, "-") == 0;
    o->direct = to_stdout || (exists && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)));
    o->copy_on_commit = o->direct && named;
    o->path = xstrdup(path);
    o->target = target;
    int fd = -1;
    sigset_t old;
    if (to_stdout && !named) {
        fd = fcntl(stdout_fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) {
            snprintf(msg, len, "-: standard output: %s", strerror(errno));
            goto fail;
        }
    } else if (o->direct && !named) {
        fd = open_direct(path, target, S_ISFIFO(st.st_mode), msg, len);
        if (fd < 0)
            goto fail;
    } else {
        block_signals(&old);
        fd = o->copy_on_commit ? make_private_temp(o) : make_temp(o, target);
        int e = errno;
        restore_signals(&old);
        if (fd < 0) {
            snprintf(msg, len, "%s: cannot create: %s", path, strerror(e));
            goto fail;
        }
    }
    o->f = fdopen(fd, "w");
    if (o->f == NULL) {
        snprintf(msg, len, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        goto fail;
    }
    return OUTFILE_OK;
fail:
    outfile_abort(o);
    return OUTFILE_FAILED;
}

int outfile_open(struct outfile *o, const char *path, bool replace, char *msg, size_t len)
{
    return open_any(o, path, replace, false, msg, len);
}

int outfile_open_named(struct outfile *o, const char *path, bool replace, char *msg, size_t len)
{
    return open_any(o, path, replace, true, msg, len);
}

/* Copies the private temporary file to the direct target. */
static int copy_out(struct outfile *o, char *msg, size_t len)
{
    FILE *in = fopen(o->tmp_path, "rb");
    if (in == NULL) {
        snprintf(msg, len, "%s: cannot read back %s: %s", o->path, o->tmp_path, strerror(errno));
        return -1;
    }
    int fd;
    if (strcmp(o->path, "-") == 0) {
        fd = fcntl(stdout_fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
            snprintf(msg, len, "-: standard output: %s", strerror(errno));
    } else {
        struct stat st;
        bool fifo = stat(o->target, &st) == 0 && S_ISFIFO(st.st_mode);
        fd = open_direct(o->path, o->target, fifo, msg, len);
    }
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out == NULL) {
        if (fd >= 0) {
            snprintf(msg, len, "%s: cannot open: %s", o->path, strerror(errno));
            close(fd);
        }
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            break;
    if (ferror(in) || ferror(out) || fflush(out) != 0)
        rc = -1;
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    if (rc != 0)
        snprintf(msg, len, "%s: write failed: %s", o->path, strerror(errno));
    return rc;
}

int outfile_commit(struct outfile *o, char *msg, size_t len)
{
    int rc = 0;
    if (o->f == NULL)
        return 0;
    bool bad = ferror(o->f) != 0;
    if (fflush(o->f) != 0 || bad) {
        snprintf(msg, len, "%s: write failed: %s", o->path, strerror(errno));
        rc = -1;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        snprintf(msg, len, "%s: write failed: %s", o->path, strerror(errno));
        rc = -1;
    }
    o->f = NULL;
    if (rc == 0 && o->copy_on_commit) {
        rc = copy_out(o, msg, len);
    } else if (rc == 0 && o->tmp_path != NULL) {
        /* An input read after the open (a sweep point's model) counts too. */
        if (infile_check_output(o->path, msg, len) != 0) {
            rc = -1;
        } else {
            sigset_t old;
            block_signals(&old);
            if (rename(o->tmp_path, o->target) != 0) {
                snprintf(msg, len, "%s: cannot rename into place: %s", o->path, strerror(errno));
                rc = -1;
            } else {
                drop_temp(o, true);
            }
            restore_signals(&old);
        }
    }
    outfile_abort(o);
    return rc;
}

void outfile_abort(struct outfile *o)
{
    if (o->f != NULL) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp_path != NULL)
        drop_temp(o, false);
    free(o->path);
    free(o->target);
    o->path = o->target = NULL;
}
