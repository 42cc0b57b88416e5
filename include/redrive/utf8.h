/* utf8.h — UTF-8 decoding, display width, and making untrusted text safe for
 * a terminal.
 *
 * Width rules are our own table (East Asian Wide/Fullwidth = 2, combining
 * marks and zero-width = 0), so table output lines up the same whatever the
 * locale of the ops box.  Untrusted text (subjects, reasons, names, anything
 * from mail or webhooks) must pass through utf8_sanitize or utf8_fit before
 * it reaches a terminal.
 *
 * East Asian Ambiguous characters (○, ※, Greek, Cyrillic) count 1, as in
 * a terminal's default setting.  Combining marks are known for Latin, Greek,
 * Cyrillic, Hebrew, Arabic, Devanagari, Thai and the generic combining
 * blocks; a mark of another script counts 1, so a cell can come out a column
 * short but never overflows.
 *
 * A NULL string is treated as empty everywhere, whatever n says.  The
 * struct buf *out arguments must not be NULL: these functions append to the
 * caller's buffer (the caller frees it with buf_free) and keep no pointer to
 * it or to the input.
 */
#ifndef REDRIVE_UTF8_H
#define REDRIVE_UTF8_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Decodes one code point from s[0..n).  Returns its length (1..4) and sets
 * *cp, or -1 for an invalid, overlong, surrogate or truncated sequence
 * (then *cp = 0xFFFD and one byte should be skipped).  With nothing to
 * decode (s NULL or n 0) returns 0 and sets *cp = 0.  cp may be NULL.
 * A NUL byte decodes as U+0000 (length 1). */
int utf8_decode(const char *s, size_t n, uint32_t *cp);

/* 1 if s[0..n) is valid UTF-8 (an empty or NULL string is). */
int utf8_valid(const char *s, size_t n);

/* Columns a code point takes: 0, 1 or 2.  Control characters (C0, DEL, C1)
 * return -1: they must never be printed raw.  Surrogates and values above
 * U+10FFFF are not characters and return -1 too.  Other unsafe code points
 * (see utf8_is_unsafe) report their raw width; sanitising replaces them. */
int utf8_cpwidth(uint32_t cp);

/* 1 if cp must be shown escaped: C0 and C1 controls, DEL, bidirectional
 * overrides and isolates (U+202A..U+202E, U+2066..U+2069, U+061C),
 * U+2028/U+2029, zero width and invisible format characters that can spoof
 * a display (U+180E, U+200B..U+200F, U+2060..U+2064, U+206A..U+206F, U+FEFF,
 * U+FFF9..U+FFFB, tags U+E0000..U+E007F), non-characters (U+FDD0..U+FDEF and
 * U+xxFFFE/U+xxFFFF), surrogates and values above U+10FFFF. */
int utf8_is_unsafe(uint32_t cp);

/* Appends s[0..n) to out with every unsafe code point and every invalid
 * byte made visible: "\n" "\t" "\r" "\e" as such, other C0/C1/DEL as \xHH
 * (U+009B is "\x9B"), invalid bytes as \xHH one byte at a time (C0 80 is
 * "\xC0\x80"), other unsafe code points as \u{HHHH} (at least four digits,
 * U+202E is "\u{202E}").  Hex digits are upper case.  Backslash itself is
 * kept (it is not a control character), so the output is for eyes, not for
 * parsing back.  Returns RD_OK, or the buf error (RD_E_INPUT past the cap,
 * RD_E_NOMEM) with out left as it was. */
int utf8_sanitize(struct buf *out, const char *s, size_t n);

/* Display width of s (NUL terminated) after sanitising: an escape counts
 * its characters ("\e" = 2, "\x07" = 4, "\u{202E}" = 8). */
size_t utf8_width(const char *s);

/* utf8_width for s[0..n), which may hold NUL bytes (shown as "\x00"). */
size_t utf8_width_n(const char *s, size_t n);

enum utf8_align { UTF8_LEFT, UTF8_RIGHT };

/* Appends s sanitised and fitted to exactly `width` columns: padded with
 * spaces, or cut with "…" (U+2026, one column) when too wide (a wide
 * character is never split: a pad space takes its place).  width 0 appends
 * nothing.
 *
 * Precisely: when the sanitised text is at most `width` columns it is padded
 * with spaces on the right (UTF8_LEFT) or on the left (UTF8_RIGHT).  When it
 * is wider, the longest prefix of whole characters and whole escapes that
 * fits in width - 1 columns is kept (zero-width marks after its last
 * character stay with it), then "…"; a column that a wide character or an
 * escape could not fill becomes a pad space on the padding side:
 * "予約… " (UTF8_LEFT) and " 予約…" (UTF8_RIGHT) at width 6.  The result
 * holds only safe characters, so utf8_width of it is exactly `width`.
 * Returns RD_OK, or the buf error with out left as it was. */
int utf8_fit(struct buf *out, const char *s, size_t width, enum utf8_align align);

/* utf8_fit for s[0..n), which may hold NUL bytes. */
int utf8_fit_n(struct buf *out, const char *s, size_t n, size_t width,
	       enum utf8_align align);

#endif
