/* infile: inputs opened in one place (see infile.h). */
#include "base/infile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "base/xalloc.h"

struct input {
    dev_t dev;
    ino_t ino;
    bool ident;         /* dev/ino name a file (not a terminal or pipe on stdin) */
    bool is_stdin;
    bool regular;       /* a regular file: outputs are checked against it */
    const char *role;
    char *data;         /* the kept copy of a stream (stdin, FIFO), else NULL */
    size_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct input *inputs;
static size_t n_inputs, cap_inputs;

/* The recording (infile_record_begin): what was opened, and the identity of
 * each to open it once. Guarded by lock. */
static bool recording;
static struct infile_read *rec;
static dev_t *rec_dev;
static ino_t *rec_ino;
static size_t n_rec, cap_rec, cap_rec_dev, cap_rec_ino;

static void record(dev_t dev, ino_t ino, const char *path, const char *role, const char *data, size_t len)
{
    if (!recording)
        return;
    for (size_t i = 0; i < n_rec; i++)
        if (rec_dev[i] == dev && rec_ino[i] == ino)
            return;
    rec = xgrow(rec, &cap_rec, n_rec + 1, sizeof *rec);
    rec_dev = xgrow(rec_dev, &cap_rec_dev, n_rec + 1, sizeof *rec_dev);
    rec_ino = xgrow(rec_ino, &cap_rec_ino, n_rec + 1, sizeof *rec_ino);
    rec[n_rec] = (struct infile_read){ .path = xstrdup(path), .role = role, .data = data, .len = len };
    rec_dev[n_rec] = dev;
    rec_ino[n_rec] = ino;
    n_rec++;
}

static void set_msg(char *msg, size_t len, const char *path, const char *why)
{
    if (msg != NULL && len > 0)
        snprintf(msg, len, "%s: cannot read: %s", path, why);
}

static struct input *add_input(void)
{
    inputs = xgrow(inputs, &cap_inputs, n_inputs + 1, sizeof *inputs);
    struct input *in = &inputs[n_inputs++];
    memset(in, 0, sizeof *in);
    return in;
}

static struct input *find(dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < n_inputs; i++)
        if (inputs[i].ident && inputs[i].dev == dev && inputs[i].ino == ino)
            return &inputs[i];
    return NULL;
}

/* Notes a regular file once (the first role it was read as is kept). */
static void note_stat(const struct stat *st, const char *role)
{
    if (!S_ISREG(st->st_mode) || find(st->st_dev, st->st_ino) != NULL)
        return;
    struct input *in = add_input();
    in->dev = st->st_dev;
    in->ino = st->st_ino;
    in->ident = in->regular = true;
    in->role = role;
}

/* Reads fd to its end into a new buffer; -1 with a message past the cap. */
static int slurp(int fd, const char *path, char **out, size_t *out_len, char *msg, size_t msg_len)
{
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) {
        buf = xgrow(buf, &cap, n + 65536, 1);
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            set_msg(msg, msg_len, path, strerror(errno));
            free(buf);
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > INFILE_STREAM_MAX) {
            if (msg != NULL && msg_len > 0)
                snprintf(msg, msg_len, "%s: larger than %zu MB: a stream (standard input, a FIFO) is "
                         "read into memory; give a regular file instead", path, INFILE_STREAM_MAX >> 20);
            free(buf);
            return -1;
        }
    }
    *out = buf;
    *out_len = n;
    return 0;
}

/* A stream over a kept copy (which lives until infile_reset). */
static FILE *open_copy(const struct input *in, const char *path, char *msg, size_t msg_len)
{
    /* fmemopen needs a buffer even for an empty copy. */
    static char empty[1];
    FILE *f = fmemopen(in->data != NULL ? in->data : empty, in->len, "r");
    if (f == NULL)
        set_msg(msg, msg_len, path, strerror(errno));
    return f;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Waits until the FIFO (opened O_NONBLOCK) has data or a writer came and
 * went. A FIFO nobody opens for writing shows neither: give up then. */
static int wait_writer(int fd, const char *path, char *msg, size_t msg_len)
{
    double end = now_s() + INFILE_FIFO_WAIT_S;
    for (;;) {
        double left = end - now_s();
        if (left <= 0)
            break;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR) {
            set_msg(msg, msg_len, path, strerror(errno));
            return -1;
        }
    }
    if (msg != NULL && msg_len > 0)
        snprintf(msg, msg_len, "%s: cannot read: a FIFO that nothing wrote to within %d s (start its "
                 "writer first, or give a regular file)", path, INFILE_FIFO_WAIT_S);
    return -1;
}

static FILE *open_stdin(const char *role, char *msg, size_t msg_len)
{
    for (size_t i = 0; i < n_inputs; i++) {
        if (!inputs[i].is_stdin)
            continue;
        if (strcmp(inputs[i].role, role) != 0) {
            if (msg != NULL && msg_len > 0)
                snprintf(msg, msg_len, "-: standard input is already read as the %s; only one input "
                         "may be -", inputs[i].role);
            return NULL;
        }
        return open_copy(&inputs[i], "-", msg, msg_len);
    }
    struct stat st;
    if (fstat(STDIN_FILENO, &st) != 0) {
        set_msg(msg, msg_len, "-", strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        set_msg(msg, msg_len, "-", strerror(EISDIR));
        return NULL;
    }
    char *data = NULL;
    size_t len = 0;
    if (slurp(STDIN_FILENO, "-", &data, &len, msg, msg_len) != 0)
        return NULL;
    struct input *in = add_input();
    in->is_stdin = true;
    in->role = role;
    in->data = data;
    in->len = len;
    /* `lambdasim run - --requests-csv s.json < s.json` must not replace s.json. */
    if (S_ISREG(st.st_mode)) {
        in->ident = in->regular = true;
        in->dev = st.st_dev;
        in->ino = st.st_ino;
    }
    return open_copy(in, "-", msg, msg_len);
}

FILE *infile_open(const char *path, const char *role, char *msg, size_t msg_len)
{
    FILE *f = NULL;
    pthread_mutex_lock(&lock);
    if (strcmp(path, "-") == 0) {
        f = open_stdin(role, msg, msg_len);
        for (size_t i = 0; f != NULL && i < n_inputs; i++)
            if (inputs[i].is_stdin)
                record(inputs[i].dev, inputs[i].ino, "-", inputs[i].role, inputs[i].data, inputs[i].len);
        pthread_mutex_unlock(&lock);
        return f;
    }
    /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        set_msg(msg, msg_len, path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        set_msg(msg, msg_len, path, strerror(EISDIR));
        goto out;
    }
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
        struct input *in = find(st.st_dev, st.st_ino);
        if (in == NULL) {
            char *data = NULL;
            size_t len = 0;
            if (wait_writer(fd, path, msg, msg_len) != 0)
                goto out;
            if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
                set_msg(msg, msg_len, path, strerror(errno));
                goto out;
            }
            if (slurp(fd, path, &data, &len, msg, msg_len) != 0)
                goto out;
            in = add_input();
            in->dev = st.st_dev;
            in->ino = st.st_ino;
            in->ident = true;
            in->role = role;
            in->data = data;
            in->len = len;
        }
        f = open_copy(in, path, msg, msg_len);
        if (f != NULL)
            record(in->dev, in->ino, path, in->role, in->data, in->len);
        goto out;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        set_msg(msg, msg_len, path, strerror(errno));
        goto out;
    }
    f = fdopen(fd, "r");
    if (f == NULL) {
        set_msg(msg, msg_len, path, strerror(errno));
        goto out;
    }
    fd = -1;
    note_stat(&st, role);
    record(st.st_dev, st.st_ino, path, role, NULL, 0);
out:
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&lock);
    return f;
}

void infile_note(const char *path, const char *role)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0)
        return;
    pthread_mutex_lock(&lock);
    note_stat(&st, role);
    pthread_mutex_unlock(&lock);
}

int infile_check_output(const char *path, char *msg, size_t msg_len)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&lock);
    const struct input *in = find(st.st_dev, st.st_ino);
    if (in != NULL && in->regular) {
        if (msg != NULL && msg_len > 0)
            snprintf(msg, msg_len, "%s: that is an input of this run (%s%s); refusing to overwrite it", path,
                     in->role, in->is_stdin ? ", read as -" : "");
        rc = -1;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void infile_reset(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_inputs; i++)
        free(inputs[i].data);
    free(inputs);
    inputs = NULL;
    n_inputs = cap_inputs = 0;
    pthread_mutex_unlock(&lock);
}

void infile_record_begin(void)
{
    pthread_mutex_lock(&lock);
    assert(!recording);
    recording = true;
    n_rec = 0;
    pthread_mutex_unlock(&lock);
}

size_t infile_record_end(struct infile_read **out)
{
    pthread_mutex_lock(&lock);
    assert(recording);
    recording = false;
    size_t n = n_rec;
    *out = xcalloc(n + 1, sizeof **out);
    if (n > 0)
        memcpy(*out, rec, n * sizeof **out);
    n_rec = 0;
    pthread_mutex_unlock(&lock);
    return n;
}

void infile_record_free(struct infile_read *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].path);
    free(r);
}
