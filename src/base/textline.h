/* textline: getline with a bound, for the readers of user text files
 * (traces, logs): a file without line breaks (/dev/zero, a binary file
 * given by mistake) ends with an error instead of taking all memory. Also
 * the strict number parser. ("Did you mean" is base/suggest.h.) */
#ifndef LAMBDASIM_TEXTLINE_H
#define LAMBDASIM_TEXTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "base/common.h"

/* Longest line accepted, newline included: far above any trace or log
 * line (CloudWatch events stop at 256 KB; test_trace reads 1 MB comments). */
#define TEXTLINE_MAX ((size_t)16 << 20)

/* What textline_read returns for a line longer than TEXTLINE_MAX. */
#define TEXTLINE_TOO_LONG ((ssize_t)-2)

/* Like getline(buf, cap, f): reads one line (with its '\n', if any) into
 * *buf (grown as needed; caller frees), NUL-terminates it and returns its
 * length, which may include NUL bytes. Returns -1 at the end of the file
 * or on a read error (ferror tells), and TEXTLINE_TOO_LONG when the line
 * goes on past TEXTLINE_MAX bytes (then nothing more should be read). */
ssize_t textline_read(char **buf, size_t *cap, FILE *f);

/* Trims blanks (spaces, tabs) off both ends of s[0..*len), and, when
 * `unquote`, then one pair of enclosing double quotes. */
void textline_trim(const char **s, size_t *len, bool unquote);

/* The one reader of comma-separated rows of user files (traces, logs):
 * the fields of s[0..len), one per call. *pos starts at 0 and *done at
 * false; each call stores the next field, trimmed and unquoted as
 * textline_trim does (commas inside double quotes do not split; a "" in a
 * quoted field stays as it is), and returns false after the last field. A
 * row ending in a comma has an empty last field. */
bool textline_csv_next(const char *s, size_t len, size_t *pos, bool *done, const char **field, size_t *field_len);

/* The one reader of the CSV files lambdasim writes itself (sweep results
 * and shards, requests, timelines; RFC 4180): a record from text at *pos,
 * cells split on commas, a quoted cell's quotes undone ("" is one quote)
 * and its commas and line breaks kept, the record ended by LF or CRLF
 * outside quotes. Returns the number of cells, or -1 at the end of the
 * text or on a quote left open (*bad set). The cells point into rec's
 * buffer, valid until the next call; textline_csv_record_fini frees it. */
struct textline_csv_record {
    char *buf;
    size_t cap;
    char **cells;
    size_t cells_cap;
    size_t n;
};
int textline_csv_record_next(const char *text, size_t len, size_t *pos, struct textline_csv_record *rec, bool *bad);
void textline_csv_record_fini(struct textline_csv_record *rec);

/* Longest token textline_parse_number reads as a number. */
#define TEXTLINE_NUM_MAX 64

/* Parses s[0..len) as a strict decimal number: digits, sign, point and
 * exponent only, all of it used ("inf", "nan", hex and trailing text are
 * not numbers, nor is anything longer than TEXTLINE_NUM_MAX). Returns true
 * and sets *out, or false. */
bool textline_parse_number(const char *s, size_t len, double *out);

/* Formats an error about a user's file into msg[len] (nothing when msg is
 * NULL) as one line: control characters the file held become '?'.
 * Returns -1, for `return textline_fail(...)`. */
int textline_fail(char *msg, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Length of the well-formed UTF-8 sequence at s[0..len) (1..4 bytes; 1 for
 * ASCII), or 0 when s[0] does not start one (a stray continuation byte, an
 * overlong form, a surrogate, a code point past U+10FFFF, a cut sequence).
 * *cp (may be NULL) receives the code point. */
size_t textline_utf8_seq(const char *s, size_t len, unsigned long *cp);

/* Offset of the first byte of s[0..len) that is not well-formed UTF-8, or
 * of the first control character (below 0x20, 0x7F, U+0080..U+009F, NUL
 * included) when `no_controls`; len when there is none. */
size_t textline_utf8_check(const char *s, size_t len, bool no_controls);

/* Longest excerpt textline_excerpt writes, in characters before escaping. */
#define TEXTLINE_EXCERPT_MAX 40

/* The one way a message quotes text from an input (a value, a key, a
 * line): writes into buf[cap] at most TEXTLINE_EXCERPT_MAX characters of
 * s[0..len) (fewer when cap is small), control characters and bytes that are
 * not UTF-8 as \xHH, a backslash as \\, and "..." when cut. The result is
 * always one line of valid UTF-8. Returns buf. */
const char *textline_excerpt(char *buf, size_t cap, const char *s, size_t len);

/* In place: every byte of a NUL-terminated message that is a control
 * character or not part of well-formed UTF-8 becomes '?', so that what is
 * printed is one line of valid UTF-8 whatever it quotes. */
void textline_sanitize(char *s);

#endif
