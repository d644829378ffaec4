/* testutil: shared helpers for the CUnit suites. */
#define _DEFAULT_SOURCE /* mkstemps, mkdtemp */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <CUnit/Basic.h>

int testutil_main(const char *name, void (*add_tests)(CU_pSuite suite))
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite suite = CU_add_suite(name, NULL, NULL);
    if (suite == NULL) {
        CU_cleanup_registry();
        return 1;
    }
    add_tests(suite);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}

const char *testutil_bin(void)
{
    const char *b = getenv("LAMBDASIM_BIN");
    return (b != NULL && b[0] != '\0') ? b : "build/lambdasim";
}

static char *slurp_fd(FILE *f)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        abort();
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (buf == NULL)
                abort();
        }
    }
    buf[len] = '\0';
    return buf;
}

char *testutil_temp_file(const char *content, const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    size_t n = strlen(dir) + strlen(suffix) + 32;
    char *path = malloc(n);
    if (path == NULL)
        abort();
    snprintf(path, n, "%s/lambdasim-test-XXXXXX%s", dir, suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0)
        abort();
    size_t len = strlen(content);
    if (write(fd, content, len) != (ssize_t)len)
        abort();
    close(fd);
    return path;
}

char *testutil_temp_dir(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    size_t n = strlen(dir) + 32;
    char *path = malloc(n);
    if (path == NULL)
        abort();
    snprintf(path, n, "%s/lambdasim-dir-XXXXXX", dir);
    if (mkdtemp(path) == NULL)
        abort();
    return path;
}

char *testutil_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *s = slurp_fd(f);
    fclose(f);
    return s;
}

int testutil_run(const char *cmd, char **out, char **err)
{
    char *errpath = testutil_temp_file("", ".err");
    size_t n = strlen(cmd) + strlen(errpath) + 16;
    char *full = malloc(n);
    if (full == NULL)
        abort();
    snprintf(full, n, "(%s) 2>%s", cmd, errpath);
    FILE *p = popen(full, "r");
    if (p == NULL)
        abort();
    char *o = slurp_fd(p);
    int status = pclose(p);
    free(full);
    if (out != NULL)
        *out = o;
    else
        free(o);
    if (err != NULL)
        *err = testutil_read_file(errpath);
    unlink(errpath);
    free(errpath);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}
