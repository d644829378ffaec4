/* fuzz_util: see fuzz_util.h. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */
#include "fuzz_util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static char path_buf[512];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_dir(void)
{
    if (dir[0] != '\0')
        nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
    if (dir[0] == '\0') {
        /* A file rewritten in place on ext4 is flushed to disk at close:
         * prefer memory (/dev/shm) to keep thousands of inputs a second. */
        const char *tmp = getenv("TMPDIR");
        if (tmp == NULL || tmp[0] == '\0')
            tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof dir, "%s/lambdasim-fuzz-XXXXXX", tmp);
        if (mkdtemp(dir) == NULL) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_dir);
    }
    return dir;
}

static void write_file(const char *path, const void *data, size_t size)
{
    remove(path); /* a new file, not a truncated one (see fuzz_dir) */
    FILE *f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

void fuzz_fixture(const char *src, const char *name)
{
    FILE *f = fopen(src, "rb");
    if (f == NULL) {
        fprintf(stderr, "fuzz: %s: cannot read the fixture (run from the repository root)\n", src);
        abort();
    }
    size_t cap = (size_t)1 << 20;
    char *buf = malloc(cap);
    size_t n = buf != NULL ? fread(buf, 1, cap, f) : 0;
    if (buf == NULL || ferror(f) || !feof(f)) {
        fprintf(stderr, "fuzz: %s: fixture unreadable or larger than %zu bytes\n", src, cap);
        abort();
    }
    fclose(f);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    write_file(path, buf, n);
    free(buf);
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", fuzz_dir(), name);
    write_file(path_buf, data, size);
    return path_buf;
}

char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fuzz_check_msg(const char *who, const char *msg, size_t cap)
{
    size_t n = strnlen(msg, cap);
    if (n == 0 || n == cap || strchr(msg, '\n') != NULL) {
        fprintf(stderr, "fuzz: %s: the error message is not one non-empty line: '%.*s'\n", who,
                (int)(n < 400 ? n : 400), msg);
        abort();
    }
}
