/* testutil: shared helpers for the CUnit suites. */
#define _DEFAULT_SOURCE /* mkstemps, mkdtemp */
#include "testutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
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
    /* LAMBDASIM_TEST=TEXT runs only the tests whose name holds TEXT (a
     * developer's loop on one test; the others show as inactive). */
    const char *only = getenv("LAMBDASIM_TEST");
    if (only != NULL && only[0] != '\0')
        for (CU_pTest t = suite->pTest; t != NULL; t = t->pNext)
            if (strstr(t->pName, only) == NULL)
                CU_set_test_active(t, CU_FALSE);
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

const char *testutil_worker_bin(void)
{
    const char *w = getenv("LAMBDASIM_WORKER");
    return (w != NULL && w[0] != '\0') ? w : "build/lambdasim-worker";
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

int testutil_runf(char **out, char **err, const char *fmt, ...)
{
    /* Room for a sweep file's inline JSON and several temporary paths. */
    char args[12000], cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s", testutil_bin(), args);
    return testutil_run(cmd, out, err);
}

int testutil_remove_dir(char *dir)
{
    if (dir == NULL)
        return 0;
    size_t n = strlen(dir) + 16;
    char *cmd = malloc(n);
    if (cmd == NULL)
        abort();
    snprintf(cmd, n, "rm -rf '%s'", dir);
    int rc = testutil_run(cmd, NULL, NULL);
    free(cmd);
    free(dir);
    return rc;
}

bool testutil_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool testutil_contains(const char *s, const char *frag)
{
    return s != NULL && strstr(s, frag) != NULL;
}

void testutil_expect_msg_at(const char *msg, const char *path, const char *rest)
{
    char want[1024];
    snprintf(want, sizeof want, "%s%s", path, rest);
    if (strcmp(msg, want) != 0)
        fprintf(stderr, "\n  want: %s\n  got:  %s\n", want, msg);
    CU_ASSERT_STRING_EQUAL(msg, want);
}

double testutil_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void testutil_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

bool testutil_process_gone(long pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return true;
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    /* The state follows the command name, which may itself hold ")". */
    const char *close_paren = strrchr(buf, ')');
    return close_paren != NULL && close_paren[1] == ' ' && (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

bool testutil_wait_gone(long pid, double timeout_s)
{
    for (double end = testutil_now_s() + timeout_s; testutil_now_s() < end; testutil_sleep_ms(10))
        if (testutil_process_gone(pid))
            return true;
    return testutil_process_gone(pid);
}

gsl_rng *testutil_rng(const gsl_rng_type *type, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(type);
    CU_ASSERT_FATAL(r != NULL);
    gsl_rng_set(r, seed);
    return r;
}

/* The Kolmogorov critical value for the one-sample KS statistic D_n at level
 * alpha: P(sqrt(n) D_n > x) -> 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2).
 * At alpha = 1e-4 the k = 1 term alone gives x = sqrt(ln(2/alpha) / 2)
 * = 2.2253; the k = 2 term is 2 exp(-8 x^2) ~ 1e-17, negligible. Stephens'
 * finite-n form: D_crit = x / (sqrt(n) + 0.12 + 0.11 / sqrt(n)). */
double testutil_ks_critical(size_t n, double alpha)
{
    double x = sqrt(log(2.0 / alpha) / 2.0);
    double rn = sqrt((double)n);
    return x / (rn + 0.12 + 0.11 / rn);
}

void testutil_bad_open(struct testutil_bad_rows *rows)
{
    memset(rows, 0, sizeof *rows);
    rows->table = testutil_read_file("tests/bad_inputs/README.md");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rows->table);
}

bool testutil_bad_next(struct testutil_bad_rows *rows)
{
    for (;;) {
        char *line = strtok_r(rows->save == NULL ? rows->table : NULL, "\n", &rows->save);
        if (line == NULL)
            break;
        if (sscanf(line, "| `%255[^`]` | %31s | %*s | `%1023[^`]` |", rows->file, rows->kind, rows->frag) == 3)
            return true;
    }
    free(rows->table);
    rows->table = NULL;
    return false;
}

void testutil_expect_bad_run(const char *args, const char *file, const char *frag, unsigned flags)
{
    char *out = NULL, *err = NULL;
    int rc = testutil_runf(&out, &err, "%s", args);
    if (flags & TESTUTIL_BAD_TAIL) {
        const char *tail = strstr(frag, file);
        frag = tail != NULL ? tail + strlen(file) : frag;
    }
    size_t err_len = strlen(err);
    bool ok = rc == 2 && out[0] == '\0' && strstr(err, file) != NULL && strstr(err, frag) != NULL;
    if (flags & TESTUTIL_BAD_ONE_LINE)
        ok = ok && err_len > 0 && strchr(err, '\n') == err + err_len - 1;
    if (!ok)
        printf("\n    %s: exit %d, stderr: %s", args, rc, err);
    CU_ASSERT(ok);
    free(out);
    free(err);
}

void testutil_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("\n    skipped: ", stdout);
    vprintf(fmt, ap);
    fputs("\n", stdout);
    va_end(ap);
    fflush(stdout);
}

void testutil_stderr_begin(struct testutil_stderr *cap)
{
    cap->path = testutil_temp_file("", ".stderr");
    fflush(stderr);
    cap->saved_fd = dup(STDERR_FILENO);
    int fd = open(cap->path, O_WRONLY | O_APPEND);
    CU_ASSERT_FATAL(cap->saved_fd >= 0 && fd >= 0);
    CU_ASSERT_FATAL(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
    close(fd);
}

char *testutil_stderr_end(struct testutil_stderr *cap)
{
    fflush(stderr);
    CU_ASSERT_FATAL(dup2(cap->saved_fd, STDERR_FILENO) == STDERR_FILENO);
    close(cap->saved_fd);
    char *text = testutil_read_file(cap->path);
    unlink(cap->path);
    free(cap->path);
    cap->path = NULL;
    if (text == NULL) {
        text = malloc(1);
        if (text == NULL)
            abort();
        text[0] = '\0';
    }
    return text;
}
