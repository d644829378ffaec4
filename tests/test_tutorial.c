/* test_tutorial: docs/tutorial.md cannot rot. Every command of its ```sh
 * blocks (the answers' included) runs, from the source tree, with the
 * binary under test first on PATH, and must exit 0; every line of an
 * ```output block must appear in what the sh block before it printed;
 * every figure it shows must be a small committed PNG under docs/tutorial/
 * that one of its commands draws; and the key figures its prose quotes
 * (steps 9 and 10, the answers) must be what the binary prints, rounded
 * as the text rounds them. */
#define _DEFAULT_SOURCE /* realpath */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define TUTORIAL "docs/tutorial.md"

static char root[4096], bindir[4096];

static bool setup_paths(void)
{
    char bin[4096];
    if (getcwd(root, sizeof root) == NULL || realpath(testutil_bin(), bin) == NULL)
        return false;
    char *slash = strrchr(bin, '/');
    if (slash == NULL)
        return false;
    *slash = '\0';
    snprintf(bindir, sizeof bindir, "%s", bin);
    return true;
}

/* The line without leading and trailing blanks (in place). */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static void append(char **buf, size_t *len, const char *s)
{
    size_t n = strlen(s);
    *buf = realloc(*buf, *len + n + 1);
    if (*buf == NULL)
        abort();
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

/* A PNG file: its size in bytes and its width and height (from IHDR);
 * false if it is missing or not a PNG. */
static bool png_info(const char *path, long *bytes, unsigned *width, unsigned *height)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    unsigned char head[24];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    bool ok = fread(head, 1, sizeof head, f) == sizeof head && memcmp(head, sig, 8) == 0 &&
              memcmp(head + 12, "IHDR", 4) == 0;
    fseek(f, 0, SEEK_END);
    *bytes = ftell(f);
    fclose(f);
    *width = (unsigned)head[16] << 24 | (unsigned)head[17] << 16 | (unsigned)head[18] << 8 | head[19];
    *height = (unsigned)head[20] << 24 | (unsigned)head[21] << 16 | (unsigned)head[22] << 8 | head[23];
    return ok;
}

/* The committed figures stay small: they are read in a browser and live
 * in the repository (tools/tutorial-figures.sh draws them at 640x400). */
#define FIGURE_MAX_BYTES 61440
#define FIGURE_MAX_WIDTH 800

/* Every run of blanks (spaces, tabs, newlines) as one space, in place, so
 * that a quoted phrase may wrap in the Markdown source. */
static void squeeze_blanks(char *s)
{
    char *w = s;
    bool blank = false;
    for (const char *r = s; *r != '\0'; r++) {
        if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r') {
            blank = true;
            continue;
        }
        if (blank && w != s)
            *w++ = ' ';
        blank = false;
        *w++ = *r;
    }
    *w = '\0';
}

/* The number printed after `label` on a line of `out` that starts with
 * it (after indentation), e.g. "  p99      187.436 ms" for "p99". */
static bool printed_value(const char *out, const char *label, double *value)
{
    size_t n = strlen(label);
    for (const char *line = out; line != NULL && *line != '\0';) {
        const char *p = line;
        while (*p == ' ')
            p++;
        if (strncmp(p, label, n) == 0 && p[n] == ' ') {
            p += n;
            while (*p == ' ')
                p++;
            char *end;
            double v = strtod(p, &end);
            if (end != p) {
                *value = v;
                return true;
            }
        }
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return false;
}

/* A figure the prose quotes: `command` (run from the source tree) prints
 * `label` followed by a number; that number, with `decimals` decimals,
 * replaces the (only) %s of `prose`, taken literally otherwise, which must then appear in the tutorial. So
 * the test fails when the program drifts and when the text does. */
struct quoted {
    const char *command, *label;
    int decimals;
    const char *prose;
};

#define MEMORY "lambdasim run scenarios/tutorial/memory.json --set function.memory_mb="
#define THROTTLE "lambdasim run scenarios/tutorial/throttle.json"
#define UNIFORM "lambdasim run scenarios/tutorial/uniform.json"
#define SPARSE "lambdasim run scenarios/tutorial/sparse.json"

static const struct quoted quoted[] = {
    /* Step 1's answer. */
    { UNIFORM " --set function.memory_mb=512", "p50", 1, "from 119.5 to %s ms, about 10 %" },
    { UNIFORM " --set function.memory_mb=512", "inference", 1, "(%s ms instead of 11.6 ms" },
    { UNIFORM " --set function.memory_mb=512", "per million requests", 4, "to %s USD per million requests" },
    /* Step 2's answer. */
    { UNIFORM " --set batching.threshold=3 --set batching.timeout_s=1", "waiting for a batch", 3, "Exactly %s ms" },
    { UNIFORM " --set batching.threshold=3 --set batching.timeout_s=1", "p99", 1, "the round trip (%s ms)" },
    { UNIFORM " --set batching.threshold=3 --set batching.timeout_s=1", "invocations", 0, "invocations remain (%s)" },
    { UNIFORM " --set batching.threshold=3 --set batching.timeout_s=1", "per million requests", 4, "falls to %s USD" },
    /* Step 3's answer. */
    { "lambdasim run scenarios/tutorial/trickle.json --set batching.timeout_s=0.25", "mean size", 4, "At 0.25 s the mean size is %s, just above 1.5" },
    /* Step 4's answer. */
    { "lambdasim run scenarios/tutorial/bursty.json --set workload.burst_size=11", "p99", 1, "p99 jumps from 178.9 to %s ms" },
    { "lambdasim run scenarios/tutorial/bursty.json --set workload.burst_size=11", "waiting for a batch", 1, "the mean wait is only %s ms" },
    /* Step 5's answer. */
    { SPARSE " --set platform.keep_alive_s=850", "created (cold starts)", 0, "850 s changes nothing: %s cold starts" },
    { SPARSE " --set platform.keep_alive_s=899", "created (cold starts)", 0, "the following one: %s cold starts" },
    /* Step 6's answer. */
    { SPARSE " --set platform.provisioned_concurrency=3", "p99", 1, "in the seconds (%s ms)" },
    { SPARSE " --set platform.provisioned_concurrency=3", "provisioned concurrency", 4, "the standby costs %s USD" },
    /* Step 7's answer. */
    { SPARSE " --set warmup.concurrency=5 --set warmup.interval_s=700", "cold starts", 0, "Only %s cold starts" },
    { SPARSE " --set warmup.concurrency=5 --set warmup.interval_s=700", "cold pings", 0, "(%s cold pings)" },
    { SPARSE " --set warmup.concurrency=5 --set warmup.interval_s=700", "p99", 1, "p99 stays high (%s ms)" },
    /* Step 8's answer. */
    { UNIFORM " --set batching.threshold=2 --set batching.timeout_s=0.25 --set platform.provisioned_concurrency=2", "p99", 3, "p99 is %s ms with or without" },
    { UNIFORM " --set batching.threshold=2 --set batching.timeout_s=0.25 --set platform.provisioned_concurrency=2", "per million requests", 4, "from 0.2454 to %s USD per million requests" },
    /* Step 9: memory sizing, and its answer. */
    { MEMORY "128", "inference", 1, "%s ms at 128 MB" },
    { MEMORY "1024", "inference", 1, "%s ms at 1024 MB" },
    { MEMORY "1769", "inference", 1, "%s ms at 1769 MB, and the same" },
    { MEMORY "3008", "inference", 1, "the same %s ms at 3008 MB" },
    { MEMORY "128", "p50", 1, "p50 goes from %s ms at 128 MB" },
    { MEMORY "1769", "p50", 1, "to %s ms at 1769 MB" },
    { MEMORY "3008", "per million requests", 4, "3008 MB costs %s USD per million requests" },
    { MEMORY "1769", "per million requests", 4, "against %s at 1769 MB" },
    { MEMORY "512", "p99", 1, "512 MB: p99 %s ms" },
    { MEMORY "512", "per million requests", 4, "for %s USD per million requests. 256 MB" },
    { MEMORY "256", "p99", 1, "misses by 9 ms (p99 %s ms)" },
    /* Step 10: throttling, and its answer. */
    { THROTTLE " --set platform.on_throttle.action=drop", "failed", 0, "half of its requests fail (%s of 2280)" },
    { THROTTLE " --set platform.on_throttle.action=drop", "p99", 1, "looks perfect (p99 %s ms)" },
    { THROTTLE, "failed", 0, "nearly everything completes (%s failures)" },
    { THROTTLE, "p99", 1, "p99 rises to %s ms" },
    { THROTTLE, "throttled attempts", 0, "(%s of them)" },
    { THROTTLE " --set platform.reserved_concurrency=20", "p99", 1, "removes the throttles (p99 %s ms)" },
    { THROTTLE " --set client.max_inflight=10", "p99", 1, "but p99 is %s ms" },
    { THROTTLE " --set client.max_inflight=10", "waiting to be invoked", 1, "(%s ms on average over all requests" },
    /* Step 11: the report leads with step 8's answer and its tied set. */
    { "lambdasim sweep scenarios/tutorial/tradeoff-sweep.json", "latency_ms.p99", 1, "timeout 0.25 s, p99 %s ms)" },
    { "lambdasim sweep scenarios/tutorial/tradeoff-sweep.json",
      "tied with the best (not significantly worse: paired t test on the replications' differences, common random "
      "numbers, 2.5% one-sided):", 0, "then says that %s points are *tied* with it" },
};

static char *run_in_tree(const char *command, int *rc)
{
    size_t n = strlen(command) + strlen(root) + strlen(bindir) + 64;
    char *cmd = malloc(n);
    if (cmd == NULL)
        abort();
    snprintf(cmd, n, "cd %s && PATH=%s:$PATH && %s", root, bindir, command);
    char *o, *e;
    *rc = testutil_run(cmd, &o, &e);
    if (*rc != 0)
        printf("\n    tutorial command failed (exit %d): %s\n    %s", *rc, command, e);
    free(e);
    free(cmd);
    return o;
}

static void test_quoted_figures(void)
{
    CU_ASSERT_FATAL(setup_paths());
    char *md = testutil_read_file(TUTORIAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    if (md == NULL) /* not reached (the assertion above is fatal); for the analysers */
        return;
    squeeze_blanks(md);
    for (size_t i = 0; i < sizeof quoted / sizeof quoted[0]; i++) {
        const struct quoted *q = &quoted[i];
        int rc;
        char *out = run_in_tree(q->command, &rc);
        CU_ASSERT_EQUAL(rc, 0);
        double v = 0;
        bool found = printed_value(out, q->label, &v);
        if (!found)
            printf("\n    '%s' prints no '%s' line", q->command, q->label);
        CU_ASSERT(found);
        char number[64], want[512];
        snprintf(number, sizeof number, "%.*f", q->decimals, v);
        const char *at = strstr(q->prose, "%s");
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        snprintf(want, sizeof want, "%.*s%s%s", (int)(at - q->prose), q->prose, number, at + 2);
        squeeze_blanks(want);
        if (found && strstr(md, want) == NULL)
            printf("\n    the tutorial should say '%s' ('%s' prints %s %s)", want, q->command, q->label, number);
        CU_ASSERT(found && strstr(md, want) != NULL);
        free(out);
    }
    free(md);
}

static void test_tutorial(void)
{
    CU_ASSERT_FATAL(setup_paths());
    char *md = testutil_read_file(TUTORIAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    char *out = NULL;       /* what the last sh block printed */
    size_t out_len = 0;
    int sh_blocks = 0, out_blocks = 0, commands = 0, checked = 0, figures = 0, answers = 0;
    char *names = NULL;     /* the figures shown, one per line */
    size_t names_len = 0;
    append(&names, &names_len, "");
    enum { PROSE, SH, OUTPUT, OTHER } mode = PROSE;
    char *save = NULL;
    for (char *line = strtok_r(md, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "```", 3) == 0) {
            if (mode != PROSE) {
                mode = PROSE;
                continue;
            }
            const char *lang = line + 3;
            if (strcmp(lang, "sh") == 0) {
                mode = SH;
                sh_blocks++;
                free(out);
                out = NULL;
                out_len = 0;
                append(&out, &out_len, "");
            } else if (strcmp(lang, "output") == 0) {
                mode = OUTPUT;
                out_blocks++;
                CU_ASSERT_PTR_NOT_NULL(out); /* an output block follows an sh block */
            } else {
                mode = OTHER;
            }
            continue;
        }
        if (mode == SH) {
            char *c = trim(line);
            if (*c == '\0' || *c == '#')
                continue;
            commands++;
            int rc;
            char *o = run_in_tree(c, &rc);
            CU_ASSERT_EQUAL(rc, 0);
            append(&out, &out_len, o);
            free(o);
        } else if (mode == OUTPUT) {
            char *want = trim(line);
            if (*want == '\0' || out == NULL)
                continue;
            checked++;
            if (strstr(out, want) == NULL)
                printf("\n    tutorial output line not printed any more: '%s'", want);
            CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
        } else if (mode == PROSE) {
            if (strstr(line, "<summary>Answer</summary>") != NULL)
                answers++;
            /* Figures: ![text](tutorial/NAME.png), relative to docs/. A
             * figure anywhere else (plots/out/ is not committed) would not
             * render where the page is read. */
            for (const char *p = strstr(line, "]("); p != NULL; p = strstr(p + 1, "](")) {
                const char *start = p + 2, *end = strchr(start, ')');
                if (end == NULL || end - start < 5 || strncmp(end - 4, ".png", 4) != 0)
                    continue;
                figures++;
                bool ours = strncmp(start, "tutorial/", 9) == 0 && memchr(start + 9, '/', (size_t)(end - start - 9)) == NULL;
                if (!ours)
                    printf("\n    tutorial figure not under docs/tutorial/: %.*s", (int)(end - start), start);
                CU_ASSERT(ours);
                if (!ours)
                    continue;
                char path[4096];
                snprintf(path, sizeof path, "docs/%.*s", (int)(end - start), start);
                long bytes = 0;
                unsigned w = 0, h = 0;
                bool png = png_info(path, &bytes, &w, &h);
                if (!png)
                    printf("\n    tutorial figure missing or not a PNG: %s", path);
                else if (bytes > FIGURE_MAX_BYTES || bytes < 5000 || w > FIGURE_MAX_WIDTH || w < 320)
                    printf("\n    tutorial figure %s: %ld bytes, %ux%u (want 5000..%d bytes, 320..%d wide; see tools/tutorial-figures.sh)",
                           path, bytes, w, h, FIGURE_MAX_BYTES, FIGURE_MAX_WIDTH);
                CU_ASSERT(png && bytes <= FIGURE_MAX_BYTES && bytes >= 5000 && w <= FIGURE_MAX_WIDTH && w >= 320);
                char name[4096];
                snprintf(name, sizeof name, "%.*s\n", (int)(end - start - 9), start + 9);
                append(&names, &names_len, name);
            }
        }
    }
    /* Each figure shown is drawn by a command of the page: the command's
     * PNG (plots/out/tutorial/NAME.png) exists now, so the committed copy
     * can be regenerated from the page alone. */
    char *save2 = NULL;
    for (char *name = strtok_r(names, "\n", &save2); name != NULL; name = strtok_r(NULL, "\n", &save2)) {
        char path[4096];
        snprintf(path, sizeof path, "plots/out/tutorial/%s", name);
        long bytes = 0;
        unsigned w = 0, h = 0;
        bool drawn = png_info(path, &bytes, &w, &h);
        if (!drawn)
            printf("\n    no tutorial command draws %s (shown as docs/tutorial/%s)", path, name);
        CU_ASSERT(drawn);
    }
    free(names);
    /* A parser that found nothing would pass vacuously. */
    CU_ASSERT(sh_blocks >= 21);
    CU_ASSERT(out_blocks >= 20);
    CU_ASSERT(commands >= 45);
    CU_ASSERT(checked >= 150);
    CU_ASSERT(figures >= 12);
    CU_ASSERT(answers >= 10); /* one per step */
    free(out);
    free(md);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "every command runs and prints what the tutorial says", test_tutorial);
    CU_add_test(s, "the figures the prose quotes are what the program prints", test_quoted_figures);
}

int main(void)
{
    return testutil_main("tutorial", add_tests);
}
