/* test_outfile: output files never destroy anything, inputs never hang.
 * Unit tests of outfile and infile (regular files, symbolic and hard
 * links, FIFOs, character devices, directories, sockets, the table of
 * inputs), then the same rules through the real binary: --force onto
 * /dev/null, a FIFO and a symbolic link, never onto the run's model, '-'
 * for output and input, a FIFO input without a writer. Every test that
 * could block is bounded by alarm() (the suite dies instead of hanging) or
 * by timeout(1) around the binary. */
#define _DEFAULT_SOURCE /* mkfifo, symlink, link, alarm */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "base/infile.h"
#include "base/outfile.h"
#include "testutil.h"

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    CU_ASSERT_FATAL(p != NULL);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* Entries of dir whose name holds ".tmp". */
static int temps_in(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '\\.tmp'", dir);
    char *out = NULL;
    testutil_run(cmd, &out, NULL);
    int n = out != NULL ? atoi(out) : -1;
    free(out);
    return n;
}

static mode_t mode_of(const char *path, bool follow)
{
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0)
        return 0;
    return st.st_mode;
}

/* ---- outfile --------------------------------------------------------------------- */

static void test_regular_whole_or_nothing(void)
{
    char *dir = testutil_temp_dir(), *p = join(dir, "out.csv");
    char msg[512];
    struct outfile o;
    CU_ASSERT_EQUAL(outfile_open(&o, p, false, msg, sizeof msg), OUTFILE_OK);
    fputs("a,b\n", o.f);
    CU_ASSERT_FALSE(o.direct);
    CU_ASSERT_EQUAL(temps_in(dir), 1);
    CU_ASSERT_FALSE(testutil_exists(p));
    CU_ASSERT_EQUAL(outfile_commit(&o, msg, sizeof msg), 0);
    char *s = testutil_read_file(p);
    CU_ASSERT(s != NULL && strcmp(s, "a,b\n") == 0);
    free(s);
    CU_ASSERT_EQUAL(temps_in(dir), 0);
    /* Exists: refused without replace; an abort leaves it as it was. */
    CU_ASSERT_EQUAL(outfile_open(&o, p, false, msg, sizeof msg), OUTFILE_EXISTS);
    TESTUTIL_ASSERT_CONTAINS(msg, "out.csv: already exists; pass --force to replace it");
    CU_ASSERT_EQUAL(outfile_open(&o, p, true, msg, sizeof msg), OUTFILE_OK);
    fputs("half", o.f);
    outfile_abort(&o);
    s = testutil_read_file(p);
    CU_ASSERT(s != NULL && strcmp(s, "a,b\n") == 0);
    free(s);
    CU_ASSERT_EQUAL(temps_in(dir), 0);
    free(p);
    testutil_remove_dir(dir);
}

static void test_symlink_followed(void)
{
    char *dir = testutil_temp_dir(), *target = join(dir, "real.csv"), *link1 = join(dir, "l1.csv"),
         *link2 = join(dir, "l2.csv");
    char msg[512];
    struct outfile o;
    /* A dangling link: the file it names is created, the link kept. */
    CU_ASSERT_EQUAL_FATAL(symlink("real.csv", link1), 0);
    CU_ASSERT_EQUAL_FATAL(symlink(link1, link2), 0);
    CU_ASSERT_EQUAL(outfile_open(&o, link2, false, msg, sizeof msg), OUTFILE_OK);
    fputs("one\n", o.f);
    CU_ASSERT_EQUAL(outfile_commit(&o, msg, sizeof msg), 0);
    CU_ASSERT(S_ISLNK(mode_of(link1, false)) && S_ISLNK(mode_of(link2, false)));
    char *s = testutil_read_file(target);
    CU_ASSERT(s != NULL && strcmp(s, "one\n") == 0);
    free(s);
    /* Replaced through the links, atomically, beside the target. */
    CU_ASSERT_EQUAL(outfile_open(&o, link2, true, msg, sizeof msg), OUTFILE_OK);
    fputs("two\n", o.f);
    CU_ASSERT_EQUAL(outfile_commit(&o, msg, sizeof msg), 0);
    CU_ASSERT(S_ISLNK(mode_of(link2, false)));
    s = testutil_read_file(target);
    CU_ASSERT(s != NULL && strcmp(s, "two\n") == 0);
    free(s);
    CU_ASSERT_EQUAL(temps_in(dir), 0);
    /* A loop is refused. */
    char *a = join(dir, "a"), *b = join(dir, "b");
    CU_ASSERT_EQUAL_FATAL(symlink(b, a), 0);
    CU_ASSERT_EQUAL_FATAL(symlink(a, b), 0);
    CU_ASSERT_EQUAL(outfile_open(&o, a, true, msg, sizeof msg), OUTFILE_REFUSED);
    TESTUTIL_ASSERT_CONTAINS(msg, "cannot follow the symbolic link");
    free(a);
    free(b);
    free(target);
    free(link1);
    free(link2);
    testutil_remove_dir(dir);
}

struct reader {
    const char *path;
    char got[256];
};

static void *read_fifo(void *arg)
{
    struct reader *r = arg;
    int fd = open(r->path, O_RDONLY);
    size_t n = 0;
    ssize_t k;
    while (fd >= 0 && n < sizeof r->got - 1 && (k = read(fd, r->got + n, sizeof r->got - 1 - n)) > 0)
        n += (size_t)k;
    r->got[n] = '\0';
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void test_fifo_and_device_written_through(void)
{
    char *dir = testutil_temp_dir(), *fifo = join(dir, "pipe");
    char msg[512];
    struct outfile o;
    alarm(30);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    struct reader r = { .path = fifo };
    pthread_t th;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, read_fifo, &r), 0);
    /* No --force needed: writing into a FIFO is plainly meant. */
    CU_ASSERT_EQUAL(outfile_open(&o, fifo, false, msg, sizeof msg), OUTFILE_OK);
    CU_ASSERT(o.direct && o.tmp_path == NULL);
    fputs("through the pipe\n", o.f);
    CU_ASSERT_EQUAL(outfile_commit(&o, msg, sizeof msg), 0);
    pthread_join(th, NULL);
    CU_ASSERT_STRING_EQUAL(r.got, "through the pipe\n");
    CU_ASSERT(S_ISFIFO(mode_of(fifo, false)));
    /* No reader: a message after OUTFILE_FIFO_WAIT_S, not a hang. */
    double t0 = testutil_now_s();
    CU_ASSERT_EQUAL(outfile_open(&o, fifo, true, msg, sizeof msg), OUTFILE_FAILED);
    TESTUTIL_ASSERT_CONTAINS(msg, "a FIFO that nothing read from within 5 s");
    CU_ASSERT(testutil_now_s() - t0 < OUTFILE_FIFO_WAIT_S + 3);
    /* /dev/null stays a character device. */
    CU_ASSERT_EQUAL(outfile_open(&o, "/dev/null", false, msg, sizeof msg), OUTFILE_OK);
    fputs("gone\n", o.f);
    CU_ASSERT_EQUAL(outfile_commit(&o, msg, sizeof msg), 0);
    CU_ASSERT(S_ISCHR(mode_of("/dev/null", false)));
    CU_ASSERT_EQUAL(temps_in(dir), 0);
    alarm(0);
    free(fifo);
    testutil_remove_dir(dir);
}

static void test_refused_kinds(void)
{
    char *dir = testutil_temp_dir(), *sock = join(dir, "s");
    char msg[512];
    struct outfile o;
    CU_ASSERT_EQUAL(outfile_open(&o, dir, true, msg, sizeof msg), OUTFILE_REFUSED);
    TESTUTIL_ASSERT_CONTAINS(msg, ": is a directory");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    CU_ASSERT_FATAL(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CU_ASSERT_EQUAL(outfile_open(&o, sock, true, msg, sizeof msg), OUTFILE_REFUSED);
    TESTUTIL_ASSERT_CONTAINS(msg, ": is a socket; refusing to write to it");
    CU_ASSERT(S_ISSOCK(mode_of(sock, false)));
    close(fd);
    free(sock);
    testutil_remove_dir(dir);
}

/* The handler's clean-up: a temporary file still open is unlinked. */
static void test_remove_temps(void)
{
    char *dir = testutil_temp_dir(), *p = join(dir, "x.csv");
    char msg[512];
    struct outfile o;
    CU_ASSERT_EQUAL(outfile_open(&o, p, false, msg, sizeof msg), OUTFILE_OK);
    CU_ASSERT_EQUAL(temps_in(dir), 1);
    outfile_remove_temps();
    CU_ASSERT_EQUAL(temps_in(dir), 0);
    outfile_abort(&o);
    free(p);
    testutil_remove_dir(dir);
}

/* ---- infile ---------------------------------------------------------------------- */

/* A recording lists each file opened while it runs once, in the order
 * first opened, with the path as opened and the first role, whatever was
 * read before it began (a file the table already knows is listed too). */
static void test_record(void)
{
    char *dir = testutil_temp_dir(), *a = join(dir, "a.json"), *b = join(dir, "b.txt"), *al = join(dir, "al.json");
    char msg[512];
    infile_reset();
    write_text(a, "{}\n");
    write_text(b, "0.5\n");
    CU_ASSERT_EQUAL_FATAL(symlink("a.json", al), 0);
    FILE *f = infile_open(a, "scenario", msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    infile_record_begin();
    const char *order[] = { b, a, al, b };
    const char *roles[] = { "workload.file", "function.model", "function.model", "workload.file" };
    for (size_t i = 0; i < 4; i++) {
        f = infile_open(order[i], roles[i], msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fclose(f);
    }
    struct infile_read *r = NULL;
    size_t n = infile_record_end(&r);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(r[0].path, b);
    CU_ASSERT_STRING_EQUAL(r[0].role, "workload.file");
    CU_ASSERT_STRING_EQUAL(r[1].path, a);
    CU_ASSERT_STRING_EQUAL(r[1].role, "function.model");
    CU_ASSERT_PTR_NULL(r[0].data);
    infile_record_free(r, n);
    /* Not recording: nothing is listed by the next recording. */
    f = infile_open(b, "workload.file", msg, sizeof msg);
    fclose(f);
    infile_record_begin();
    CU_ASSERT_EQUAL(infile_record_end(&r), 0);
    infile_record_free(r, 0);
    infile_reset();
    free(a);
    free(b);
    free(al);
    CU_ASSERT_EQUAL(testutil_remove_dir(dir), 0);
}

static void test_inputs_never_overwritten(void)
{
    char *dir = testutil_temp_dir(), *model = join(dir, "m.json"), *sym = join(dir, "sym.json"),
         *hard = join(dir, "hard.json"), *other = join(dir, "other.json");
    char msg[512];
    struct outfile o;
    infile_reset();
    write_text(model, "{\"model\": 1}\n");
    write_text(other, "{}\n");
    CU_ASSERT_EQUAL_FATAL(symlink("m.json", sym), 0);
    CU_ASSERT_EQUAL_FATAL(link(model, hard), 0);
    FILE *f = infile_open(model, "function.model", msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    const char *paths[] = { model, sym, hard };
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(outfile_open(&o, paths[i], true, msg, sizeof msg), OUTFILE_REFUSED);
        char want[600];
        snprintf(want, sizeof want, "%s: that is an input of this run (function.model); refusing to overwrite it",
                 paths[i]);
        TESTUTIL_ASSERT_CONTAINS(msg, want);
    }
    char *s = testutil_read_file(model);
    CU_ASSERT(s != NULL && strcmp(s, "{\"model\": 1}\n") == 0);
    free(s);
    /* A file that is no input may be replaced. */
    CU_ASSERT_EQUAL(outfile_open(&o, other, true, msg, sizeof msg), OUTFILE_OK);
    /* An input read after the open still stops the commit. */
    f = infile_open(other, "log", msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    CU_ASSERT_EQUAL(outfile_commit(&o, msg, sizeof msg), -1);
    TESTUTIL_ASSERT_CONTAINS(msg, "that is an input of this run (log)");
    s = testutil_read_file(other);
    CU_ASSERT(s != NULL && strcmp(s, "{}\n") == 0);
    free(s);
    CU_ASSERT_EQUAL(temps_in(dir), 0);
    infile_reset();
    free(model);
    free(sym);
    free(hard);
    free(other);
    testutil_remove_dir(dir);
}

static void *write_fifo(void *arg)
{
    const char *path = arg;
    testutil_sleep_ms(300);
    int fd = open(path, O_WRONLY);
    if (fd >= 0) {
        const char text[] = "0.5\n1.5\n";
        ssize_t k = write(fd, text, sizeof text - 1);
        (void)k;
        close(fd);
    }
    return NULL;
}

static void test_fifo_input(void)
{
    char *dir = testutil_temp_dir(), *fifo = join(dir, "in");
    char msg[512], buf[64];
    infile_reset();
    alarm(30);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    /* No writer: a message within a few seconds. */
    double t0 = testutil_now_s();
    CU_ASSERT_PTR_NULL(infile_open(fifo, "workload.file", msg, sizeof msg));
    CU_ASSERT(testutil_now_s() - t0 < INFILE_FIFO_WAIT_S + 3);
    TESTUTIL_ASSERT_CONTAINS(msg, "cannot read: a FIFO that nothing wrote to within 5 s");
    /* A writer that comes a little later is read, and a second open gets
     * the same bytes (kept in memory). */
    pthread_t th;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, write_fifo, fifo), 0);
    FILE *f = infile_open(fifo, "workload.file", msg, sizeof msg);
    pthread_join(th, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "0.5\n1.5\n");
    f = infile_open(fifo, "workload.file", msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "0.5\n1.5\n");
    /* A directory is no input. */
    CU_ASSERT_PTR_NULL(infile_open(dir, "scenario", msg, sizeof msg));
    TESTUTIL_ASSERT_CONTAINS(msg, ": cannot read: Is a directory");
    alarm(0);
    infile_reset();
    free(fifo);
    testutil_remove_dir(dir);
}

/* ---- through the binary ---------------------------------------------------------- */

#define SCEN "tests/data/scenario-minimal.json"

static void test_cli_devices_fifo_symlink(void)
{
    char *dir = testutil_temp_dir(), *fifo = join(dir, "pipe"), *copy = join(dir, "copy.csv"),
         *target = join(dir, "real.csv"), *lnk = join(dir, "link.csv");
    char cmd[2048];
    char *out = NULL, *err = NULL;
    /* --force onto /dev/null: it stays a character device. */
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "run " SCEN " --force --requests-csv /dev/null --client-log /dev/null "
                                  "--timeline-csv /dev/null"), 0);
    CU_ASSERT(S_ISCHR(mode_of("/dev/null", false)));
    free(out);
    free(err);
    /* A FIFO with a reader (cat): every row arrives, it stays a FIFO. */
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    snprintf(cmd, sizeof cmd, "cat '%s' > '%s' & timeout 60 %s run " SCEN " --force --requests-csv '%s' "
             ">/dev/null; rc=$?; wait; exit $rc", fifo, copy, testutil_bin(), fifo);
    CU_ASSERT_EQUAL(testutil_run(cmd, NULL, NULL), 0);
    char *csv = testutil_read_file(copy);
    int lines = 0;
    for (const char *p = csv; p != NULL && *p != '\0'; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 101); /* header + 100 requests */
    free(csv);
    CU_ASSERT(S_ISFIFO(mode_of(fifo, false)));
    /* A symbolic link stays one; the file it names gets the rows. */
    CU_ASSERT_EQUAL_FATAL(symlink(target, lnk), 0);
    write_text(target, "old\n");
    CU_ASSERT_EQUAL(testutil_runf(NULL, NULL, "run " SCEN " --force --requests-csv '%s'", lnk), 0);
    CU_ASSERT(S_ISLNK(mode_of(lnk, false)));
    csv = testutil_read_file(target);
    CU_ASSERT(csv != NULL && strncmp(csv, "id,arrival_s,", 13) == 0);
    free(csv);
    CU_ASSERT_EQUAL(temps_in(dir), 0);
    free(fifo);
    free(copy);
    free(target);
    free(lnk);
    testutil_remove_dir(dir);
}

static void test_cli_model_never_overwritten(void)
{
    char *dir = testutil_temp_dir(), *model = join(dir, "x.json"), *sym = join(dir, "sym.json"),
         *hard = join(dir, "hard.json");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp tests/data/model-simple.json '%s'", model);
    CU_ASSERT_EQUAL_FATAL(testutil_run(cmd, NULL, NULL), 0);
    char *before = testutil_read_file(model);
    CU_ASSERT_PTR_NOT_NULL_FATAL(before);
    CU_ASSERT_EQUAL_FATAL(symlink(model, sym), 0);
    CU_ASSERT_EQUAL_FATAL(link(model, hard), 0);
    const char *opts[] = { "--requests-csv", "--timeline-csv", "--lambda-log" };
    const char *targets[] = { model, sym, hard };
    for (size_t i = 0; i < 3; i++) {
        char *out = NULL, *err = NULL;
        CU_ASSERT_EQUAL(testutil_runf(&out, &err, "run " SCEN " --set function.model='%s' --force %s '%s'", model,
                                      opts[i], targets[i]), 2);
        char want[1200];
        snprintf(want, sizeof want, "%s %s: that is an input of this run (function.model); refusing to overwrite it",
                 opts[i], targets[i]);
        TESTUTIL_ASSERT_CONTAINS(err, want);
        CU_ASSERT(out != NULL && out[0] == '\0');
        free(out);
        free(err);
    }
    char *after = testutil_read_file(model);
    CU_ASSERT(after != NULL && strcmp(before, after) == 0);
    CU_ASSERT(S_ISLNK(mode_of(sym, false)));
    CU_ASSERT_EQUAL(temps_in(dir), 0);
    free(before);
    free(after);
    free(model);
    free(sym);
    free(hard);
    testutil_remove_dir(dir);
}

static void test_cli_dash(void)
{
    char *dir = testutil_temp_dir(), *file = join(dir, "r.csv"), *scen = join(dir, "s.json");
    char *out = NULL, *err = NULL, *out2 = NULL;
    /* Output: the CSV alone on stdout, the table on stderr. */
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "run " SCEN " --requests-csv -"), 0);
    CU_ASSERT_EQUAL(testutil_runf(NULL, NULL, "run " SCEN " --requests-csv '%s'", file), 0);
    char *want = testutil_read_file(file);
    CU_ASSERT(out != NULL && want != NULL && strcmp(out, want) == 0);
    TESTUTIL_ASSERT_CONTAINS(err, "scenario scenario-minimal");
    free(out);
    free(err);
    free(want);
    /* Input: the scenario from stdin gives what the file gives (a named
     * scenario with its model path absolute, as nothing is relative to -). */
    char cwd[512], text[1024];
    CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(text, sizeof text, "{\"name\": \"dash\", \"requests\": 100, \"workload\": {\"type\": \"uniform\", "
             "\"rate_rps\": 2}, \"function\": {\"model\": \"%s/tests/data/model-simple.json\"}}\n", cwd);
    write_text(scen, text);
    CU_ASSERT_EQUAL(testutil_runf(&out, NULL, "run '%s' --json", scen), 0);
    CU_ASSERT_EQUAL(testutil_runf(&out2, NULL, "run - --json < '%s'", scen), 0);
    CU_ASSERT(out != NULL && out2 != NULL && strcmp(out, out2) == 0 && strstr(out, "\"dash\"") != NULL);
    free(out);
    free(out2);
    /* Both: the CSV of a scenario read from stdin, on stdout. */
    CU_ASSERT_EQUAL(testutil_runf(&out, &err, "run - --client-log - < '%s'", scen), 0);
    CU_ASSERT(out != NULL && strncmp(out, "send_s,", 7) == 0);
    free(out);
    free(err);
    free(file);
    free(scen);
    testutil_remove_dir(dir);
}

static void test_cli_fifo_input_no_hang(void)
{
    char *dir = testutil_temp_dir(), *fifo = join(dir, "scenario.json");
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    char *err = NULL;
    double t0 = testutil_now_s();
    /* timeout(1): a hang fails the test (exit 124) instead of the suite. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "timeout 30 %s run '%s'", testutil_bin(), fifo);
    CU_ASSERT_EQUAL(testutil_run(cmd, NULL, &err), 2);
    CU_ASSERT(testutil_now_s() - t0 < INFILE_FIFO_WAIT_S + 5);
    TESTUTIL_ASSERT_CONTAINS(err, "scenario.json: cannot read: a FIFO that nothing wrote to within 5 s");
    free(err);
    /* With a writer, the scenario is read (relative paths from its directory). */
    snprintf(cmd, sizeof cmd, "cp tests/data/model-simple.json '%s/'; cat " SCEN " > '%s' & timeout 30 %s run '%s'; "
             "rc=$?; wait; exit $rc", dir, fifo, testutil_bin(), fifo);
    char *out = NULL;
    CU_ASSERT_EQUAL(testutil_run(cmd, &out, &err), 0);
    TESTUTIL_ASSERT_CONTAINS(out, "requests");
    free(out);
    free(err);
    free(fifo);
    testutil_remove_dir(dir);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "outfile: a regular file is written whole or not at all", test_regular_whole_or_nothing);
    CU_add_test(s, "outfile: symbolic links are followed and kept", test_symlink_followed);
    CU_add_test(s, "outfile: FIFOs and /dev/null are written through", test_fifo_and_device_written_through);
    CU_add_test(s, "outfile: directories and sockets are refused", test_refused_kinds);
    CU_add_test(s, "outfile: the signal handler's clean-up", test_remove_temps);
    CU_add_test(s, "infile: no output over an input, through any link", test_inputs_never_overwritten);
    CU_add_test(s, "infile: a recording lists each input once", test_record);
    CU_add_test(s, "infile: a FIFO without a writer does not hang", test_fifo_input);
    CU_add_test(s, "cli: /dev/null, a FIFO, a symlink as outputs", test_cli_devices_fifo_symlink);
    CU_add_test(s, "cli: never over the model, its symlink or hard link", test_cli_model_never_overwritten);
    CU_add_test(s, "cli: - is stdout and stdin", test_cli_dash);
    CU_add_test(s, "cli: a FIFO input without a writer does not hang", test_cli_fifo_input_no_hang);
}

int main(void)
{
    return testutil_main("outfile", add_tests);
}
