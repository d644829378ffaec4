/* test_tutorial: docs/tutorial.md cannot rot. Every command of its ```sh
 * blocks runs (from the source tree, with the binary under test first on
 * PATH) and must exit 0; every line of an ```output block must appear in
 * what the sh block before it printed; every figure it shows must exist
 * as a PNG afterwards. */
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

static bool is_png(const char *path)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    unsigned char head[8];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    bool ok = fread(head, 1, 8, f) == 8 && memcmp(head, sig, 8) == 0;
    fseek(f, 0, SEEK_END);
    ok = ok && ftell(f) > 10000;
    fclose(f);
    return ok;
}

static void test_tutorial(void)
{
    CU_ASSERT_FATAL(setup_paths());
    char *md = testutil_read_file(TUTORIAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    char *out = NULL;       /* what the last sh block printed */
    size_t out_len = 0;
    int sh_blocks = 0, out_blocks = 0, commands = 0, checked = 0, figures = 0;
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
            size_t n = strlen(c) + strlen(root) + strlen(bindir) + 64;
            char *cmd = malloc(n);
            snprintf(cmd, n, "cd %s && PATH=%s:$PATH && %s", root, bindir, c);
            char *o, *e;
            int rc = testutil_run(cmd, &o, &e);
            if (rc != 0)
                printf("\n    tutorial command failed (exit %d): %s\n    %s", rc, c, e);
            CU_ASSERT_EQUAL(rc, 0);
            append(&out, &out_len, o);
            free(o);
            free(e);
            free(cmd);
        } else if (mode == OUTPUT) {
            char *want = trim(line);
            if (*want == '\0' || out == NULL)
                continue;
            checked++;
            if (strstr(out, want) == NULL)
                printf("\n    tutorial output line not printed any more: '%s'", want);
            CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
        } else if (mode == PROSE) {
            /* Figures: ![text](../plots/out/...png), relative to docs/. */
            for (const char *p = strstr(line, "](../"); p != NULL; p = strstr(p + 1, "](../")) {
                const char *start = p + 5, *end = strchr(start, ')');
                if (end == NULL || end - start < 5 || strncmp(end - 4, ".png", 4) != 0)
                    continue;
                char path[4096];
                snprintf(path, sizeof path, "%.*s", (int)(end - start), start);
                figures++;
                if (!is_png(path))
                    printf("\n    tutorial figure missing or not a PNG: %s", path);
                CU_ASSERT(is_png(path));
            }
        }
    }
    /* A parser that found nothing would pass vacuously. */
    CU_ASSERT(sh_blocks >= 9);
    CU_ASSERT(out_blocks >= 8);
    CU_ASSERT(commands >= 25);
    CU_ASSERT(checked >= 40);
    CU_ASSERT(figures >= 10);
    free(out);
    free(md);
}

static void add_tests(CU_pSuite s)
{
    CU_add_test(s, "every command runs and prints what the tutorial says", test_tutorial);
}

int main(void)
{
    return testutil_main("tutorial", add_tests);
}
