/* draw.h — private to src/ui: the only way text reaches the terminal.
 *
 * Every string is sanitised (utf8_sanitize: control and escape characters
 * become visible text such as "\e") and fitted to its columns (utf8_fit:
 * wide characters count two, a cut ends in "…") before curses sees it, so
 * untrusted text from mail can neither move the cursor nor break a column.
 * Coordinates outside the screen are clipped.  UI thread only.
 */
#ifndef REDRIVE_UI_DRAW_H
#define REDRIVE_UI_DRAW_H

#include <curses.h>
#include <stddef.h>

#include "redrive/utf8.h"

struct ui_rect {
	int y, x, h, w;
};

/* Draws s at (y, x) in exactly w columns with attribute a. */
void draw_text(int y, int x, int w, const char *s, enum utf8_align al, attr_t a);
/* The same for a formatted string (the result is sanitised as well). */
void draw_textf(int y, int x, int w, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Draws s at (y, x) in its own width, at most max columns; returns the
 * columns used. */
int draw_str(int y, int x, int max, const char *s, attr_t a);
/* Blank cells. */
void draw_fill(int y, int x, int w, attr_t a);
void draw_clear(const struct ui_rect *r, attr_t a);
/* A frame around r with a title in its top line. */
void draw_box(const struct ui_rect *r, const char *title, attr_t frame, attr_t title_attr);
/* A progress bar of w columns, fraction 0..1. */
void draw_progress(int y, int x, int w, double fraction, attr_t done, attr_t left);
/* Display width of s once sanitised. */
int draw_width(const char *s);

/* Calls fn for each screen line of s wrapped at width columns: s is split
 * at its newlines, each line sanitised, then cut at character boundaries.
 * The pieces are safe to draw as they are (valid only during the call). */
void draw_wrap(const char *s, int width, void (*fn)(const char *piece, size_t n, void *arg),
               void *arg);

/* Draws s word-wrapped in w columns from (y, x), on at most max_lines
 * lines (the last one ends in "…" when s goes on); returns the lines used. */
int draw_para(int y, int x, int w, int max_lines, const char *s, attr_t a);

/* Frees the scratch space (at exit). */
void draw_done(void);

/* 1 when the terminal can show the box-drawing and block characters
 * (a UTF-8 locale); else plain ASCII is used. */
int draw_unicode(void);

#endif
