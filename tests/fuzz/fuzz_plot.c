/* fuzz_plot: every CSV `lambdasim plot` reads (requests, timeline, sweep and
 * paper CSVs) through plot_write_commands, the function that turns the
 * inputs into gnuplot's command file, for every kind that reads it, the
 * command file written to memory. Asserts that no byte of the input
 * reaches gnuplot as a command: outside its data blocks the file may hold
 * only constant command text of ours, numbers, assignments from the text
 * block, and the three quoted paths the harness chose. Inside a block, a
 * line must not end the block early (start with its terminator), and a
 * line of $text starts with a space and holds no control character.
 *
 * When the input starts with '#', its first line (a comment to the CSV
 * reader) also names the file (what follows '#', '/' made '_'), so the
 * fuzzer reaches the legend entries made from file names; that text is
 * also given as --title to the cdf. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz_util.h"
#include "analysis/plot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME_MAX_BYTES 200
#define PNG "out'`touch x`'.png"        /* the output path: quoted, relative */
#define SCRIPTS "/plots dir/' . system('touch x') . '"

static char requests[512], timeline[512], paper[512];

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    /* A requests CSV, a timeline CSV and a one-row paper CSV to pair with
     * the input where a kind reads two files. */
    static const char rq[] = "latency_ms,status,arrival_s,dispatch_s,end_s,counted\n"
                             "550,ok,0,0.1,0.65,1\n650,ok,0.1,0.1,0.75,1\n";
    fuzz_write("fixture-requests.csv", (const uint8_t *)rq, sizeof rq - 1);
    snprintf(requests, sizeof requests, "%s/fixture-requests.csv", fuzz_dir());
    static const char tl[] = "kind,instance_id,provisioned,state,start_s,end_s,activity,batch_id,queue_len\n"
                             "instance,0,1,idle,0,1,,,\ninstance,0,1,busy,1,1.05,batch,0,\nqueue,,,,0,1,,,0\n"
                             "queue,,,,1,1.2,,,1\n";
    fuzz_write("fixture-timeline.csv", (const uint8_t *)tl, sizeof tl - 1);
    snprintf(timeline, sizeof timeline, "%s/fixture-timeline.csv", fuzz_dir());
    static const char pp[] = "workload,mean_ms,p50_ms,p99_ms,throughput_rps\nuniform,126.9,122.5,185.2,6.11\n";
    fuzz_write("fixture-paper.csv", (const uint8_t *)pp, sizeof pp - 1);
    snprintf(paper, sizeof paper, "%s/fixture-paper.csv", fuzz_dir());
}

static void fail(const char *kind, const char *why, const char *text, size_t len, size_t at)
{
    size_t from = at > 200 ? at - 200 : 0;
    size_t to = at + 200 < len ? at + 200 : len;
    fprintf(stderr, "fuzz_plot: %s: %s at byte %zu of the command file:\n%.*s\n", kind, why, at, (int)(to - from),
            text + from);
    abort();
}

static bool is_ident(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static bool is_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A finite number as printf writes one (%g, %zu, %ld, %d). */
static bool is_number(const char *s, size_t n)
{
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '+' || s[i] == '.' || s[i] == 'e'))
            return false;
    char buf[48];
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    return *end == '\0' && v == v && v - v == 0;
}

static bool valid_utf8_text(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x20 || p[i] == 0x7f)
            return false;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : p[i] >= 0xc2 ? 2 : 0;
        if (k == 0 || i + k > n)
            return false;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

/* One data row: numbers (or nan/inf/NaN: undefined points are data too)
 * and "..." columns, separated by single spaces. */
static bool is_data_row(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"')
                j++;
            if (j == n || !valid_utf8_text(s + i + 1, j - i - 1))
                return false;
            i = j + 1;
        } else {
            size_t j = i;
            while (j < n && s[j] != ' ')
                j++;
            for (size_t k = i; k < j; k++)
                if (strchr("0123456789-+.eEnaifNI", s[k]) == NULL)
                    return false;
            if (j == i)
                return false;
            i = j;
        }
        if (i < n && s[i++] != ' ')
            return false;
    }
    return true;
}

static bool line_is(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(s, want, n) == 0;
}

static bool starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static void check_commands(const char *kind, const char *text, size_t len, const char *q_out,
                           const char *q_common, const char *q_kind)
{
    if (memchr(text, '\0', len) != NULL)
        fail(kind, "a NUL byte", text, len, (size_t)((const char *)memchr(text, '\0', len) - text));
    if (len == 0 || text[len - 1] != '\n')
        fail(kind, "not whole lines", text, len, len);
    char load_common[600], load_kind[600], out_line[600], head[100];
    snprintf(load_common, sizeof load_common, "load %s", q_common);
    snprintf(load_kind, sizeof load_kind, "load %s", q_kind);
    snprintf(out_line, sizeof out_line, "outfile = %s", q_out);
    snprintf(head, sizeof head, "# gnuplot commands written by lambdasim plot %s", kind);
    enum { CMD, BLOCK, TEXT } state = CMD;
    size_t n_text = 0, lineno = 0;
    bool text_seen = false, loaded_common = false, loaded_kind = false;
    for (size_t at = 0; at < len;) {
        const char *s = text + at;
        size_t n = (size_t)((const char *)memchr(s, '\n', len - at) - s);
        lineno++;
        if (state != CMD) {
            if (starts(s, n, "EOD")) {
                /* gnuplot ends the block at any line starting so. */
                if (!line_is(s, n, "EOD"))
                    fail(kind, "a data line starts with the block's terminator", text, len, at);
                state = CMD;
            } else if (state == TEXT) {
                if (n == 0 || s[0] != ' ' || !valid_utf8_text(s, n))
                    fail(kind, "a $text line not a space and printable UTF-8", text, len, at);
                n_text++;
            } else if (!is_data_row(s, n)) {
                fail(kind, "a data line that is not numbers and \"...\" columns", text, len, at);
            }
            at += n + 1;
            continue;
        }
        if (loaded_kind)
            fail(kind, "a line after the script's load", text, len, at);
        const char *eq = memchr(s, '=', n);
        if (lineno == 1) {
            if (!line_is(s, n, head))
                fail(kind, "the first line is not the header comment", text, len, at);
        } else if (line_is(s, n, out_line)) {
        } else if (line_is(s, n, load_common)) {
            loaded_common = true;
        } else if (line_is(s, n, load_kind)) {
            if (!loaded_common)
                fail(kind, "the script loaded before common.gp", text, len, at);
            loaded_kind = true;
        } else if (n > 7 && s[0] == '$' && memcmp(s + n - 7, " << EOD", 7) == 0 && is_ident(s + 1, n - 8)) {
            state = line_is(s, n, "$text << EOD") ? TEXT : BLOCK;
            if (state == TEXT) {
                if (text_seen)
                    fail(kind, "two $text blocks", text, len, at);
                text_seen = true;
            }
        } else if (line_is(s, n, "text_line(i) = $text[i][2:]")) {
        } else if (starts(s, n, "array ") && n > 8 && s[n - 1] == ']') {
            const char *br = memchr(s, '[', n);
            if (br == NULL || !is_ident(s + 6, (size_t)(br - s - 6)) ||
                !is_digits(br + 1, (size_t)(s + n - 1 - br - 1)))
                fail(kind, "a malformed array declaration", text, len, at);
        } else if (eq != NULL && eq > s + 1 && eq[-1] == ' ' && eq + 2 <= s + n && eq[1] == ' ') {
            /* name = number, name = text_line(k), name[i] = text_line(k) */
            const char *lhs_end = eq - 1, *rhs = eq + 2;
            size_t rn = (size_t)(s + n - rhs);
            const char *br = memchr(s, '[', (size_t)(lhs_end - s));
            bool lhs_ok = br == NULL ? is_ident(s, (size_t)(lhs_end - s))
                                     : is_ident(s, (size_t)(br - s)) && lhs_end[-1] == ']' &&
                                           is_digits(br + 1, (size_t)(lhs_end - 1 - br - 1));
            bool rhs_text = starts(rhs, rn, "text_line(") && rhs[rn - 1] == ')' &&
                            is_digits(rhs + 10, rn - 11);
            if (!lhs_ok || !(rhs_text || (br == NULL && is_number(rhs, rn))))
                fail(kind, "an assignment of something else than a number or a text line", text, len, at);
            if (rhs_text) {
                if (!text_seen || state != CMD)
                    fail(kind, "text_line() before the $text block", text, len, at);
                unsigned long k = strtoul(rhs + 10, NULL, 10);
                if (k < 1 || k > n_text)
                    fail(kind, "text_line() past the $text block", text, len, at);
            }
        } else {
            fail(kind, "a command line that is not one of ours", text, len, at);
        }
        at += n + 1;
    }
    if (state != CMD)
        fail(kind, "a data block without its end", text, len, len);
    if (!loaded_kind)
        fail(kind, "no load of the script", text, len, len);
}

static void run(enum plot_kind kind, const char *const *inputs, size_t n, const char *title, const char *metric)
{
    struct plot_opts o = {
        .kind = kind,
        .inputs = inputs,
        .n_inputs = n,
        .output = PNG,
        .title = title,
        .metric = metric,
        .script_dir = SCRIPTS,
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        abort();
    char msg[PLOT_MSG_MAX];
    enum plot_status st = plot_write_commands(f, &o, PNG, msg, sizeof msg);
    if (fclose(f) != 0)
        abort();
    if (st == PLOT_OK) {
        char *q_out = plot_gnuplot_quote("./" PNG);
        char *q_common = plot_gnuplot_quote(SCRIPTS "/common.gp");
        char script[600];
        snprintf(script, sizeof script, SCRIPTS "/%s.gp", plot_kind_name(kind));
        char *q_kind = plot_gnuplot_quote(script);
        if (q_out == NULL || q_common == NULL || q_kind == NULL)
            abort();
        check_commands(plot_kind_name(kind), buf, len, q_out, q_common, q_kind);
        free(q_out);
        free(q_common);
        free(q_kind);
    } else {
        if (st != PLOT_ERR_INPUT) {
            fprintf(stderr, "fuzz_plot: %s: status %d (only PLOT_ERR_INPUT expected): %s\n", plot_kind_name(kind),
                    (int)st, msg);
            abort();
        }
        fuzz_check_msg(plot_kind_name(kind), msg, sizeof msg);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    /* The file's name: from a first comment line, else "input". */
    char name[NAME_MAX_BYTES + 8] = "input";
    if (size > 1 && data[0] == '#') {
        size_t k = 0;
        for (size_t i = 1; i < size && data[i] != '\n' && k < NAME_MAX_BYTES; i++)
            name[k++] = data[i] == '/' || data[i] == '\0' ? '_' : (char)data[i];
        name[k] = '\0';
        if (k == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            snprintf(name, sizeof name, "input");
    }
    strcat(name, ".csv");
    char *path = strdup(fuzz_write(name, data, size));
    if (path == NULL)
        abort();
    char *title = strdup(name);
    if (title == NULL)
        abort();
    title[strlen(title) - 4] = '\0';

    const char *one[1] = { path };
    /* requests CSV */
    run(PLOT_CDF, one, 1, NULL, NULL);
    run(PLOT_CDF, one, 1, title, NULL);
    const char *req2[2] = { path, requests };
    run(PLOT_HISTOGRAM, req2, 2, NULL, NULL);
    const char *paper_req[2] = { paper, path };
    run(PLOT_PAPER, paper_req, 2, NULL, NULL);
    /* timeline CSV */
    run(PLOT_TIMELINE, one, 1, NULL, NULL);
    run(PLOT_QUEUE, one, 1, NULL, NULL);
    const char *tl2[2] = { path, timeline };
    run(PLOT_QUEUE, tl2, 2, NULL, NULL);
    /* sweep CSV */
    run(PLOT_HEATMAP, one, 1, NULL, NULL);
    run(PLOT_HEATMAP, one, 1, NULL, "cost_usd.total");
    run(PLOT_PARETO, one, 1, NULL, NULL);
    /* paper CSV, with one and two requests files */
    const char *p2[2] = { path, requests }, *p3[3] = { path, requests, requests };
    run(PLOT_PAPER, p2, 2, NULL, NULL);
    run(PLOT_PAPER, p3, 3, NULL, NULL);

    unlink(path);
    free(path);
    free(title);
    return 0;
}
