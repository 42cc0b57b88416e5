/* draw.c — sanitised drawing over utf8_fit. */
#include "draw.h"

#include <langinfo.h>
#include <stdarg.h>
#include <string.h>

#include "redrive/buf.h"

/* Scratch space for one string at a time (the UI runs on one thread). */
static struct buf scratch = BUF_INIT;

void draw_done(void)
{
	buf_free(&scratch);
}

static int clip(int y, int x, int *w)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || *w <= 0)
		return 0;
	if (x + *w > COLS)
		*w = COLS - x;
	return 1;
}

void draw_text(int y, int x, int w, const char *s, enum utf8_align al, attr_t a)
{
	if (!clip(y, x, &w))
		return;
	buf_reset(&scratch);
	if (utf8_fit(&scratch, s ? s : "", (size_t)w, al) != 0) {
		draw_fill(y, x, w, a);
		return;
	}
	attrset(a);
	mvaddnstr(y, x, buf_str(&scratch), (int)scratch.len);
	attrset(A_NORMAL);
}

void draw_textf(int y, int x, int w, attr_t a, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	draw_text(y, x, w, tmp, UTF8_LEFT, a);
}

int draw_width(const char *s)
{
	return (int)utf8_width(s ? s : "");
}

int draw_str(int y, int x, int max, const char *s, attr_t a)
{
	int w = draw_width(s);
	if (w > max)
		w = max;
	draw_text(y, x, w, s, UTF8_LEFT, a);
	return w < 0 ? 0 : w;
}

void draw_fill(int y, int x, int w, attr_t a)
{
	if (!clip(y, x, &w))
		return;
	attrset(a);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

void draw_clear(const struct ui_rect *r, attr_t a)
{
	for (int i = 0; i < r->h; i++)
		draw_fill(r->y + i, r->x, r->w, a);
}

int draw_unicode(void)
{
	static int known = -1;
	if (known < 0) {
		const char *cs = nl_langinfo(CODESET);
		known = cs && strcmp(cs, "UTF-8") == 0;
	}
	return known;
}

void draw_box(const struct ui_rect *r, const char *title, attr_t frame, attr_t title_attr)
{
	if (r->h < 2 || r->w < 2)
		return;
	draw_clear(r, frame);
	attrset(frame);
	mvaddch(r->y, r->x, ACS_ULCORNER);
	mvaddch(r->y, r->x + r->w - 1, ACS_URCORNER);
	mvaddch(r->y + r->h - 1, r->x, ACS_LLCORNER);
	mvaddch(r->y + r->h - 1, r->x + r->w - 1, ACS_LRCORNER);
	mvhline(r->y, r->x + 1, ACS_HLINE, r->w - 2);
	mvhline(r->y + r->h - 1, r->x + 1, ACS_HLINE, r->w - 2);
	mvvline(r->y + 1, r->x, ACS_VLINE, r->h - 2);
	mvvline(r->y + 1, r->x + r->w - 1, ACS_VLINE, r->h - 2);
	attrset(A_NORMAL);
	if (title && *title) {
		int tw = draw_width(title) + 2;
		if (tw > r->w - 4)
			tw = r->w - 4;
		draw_fill(r->y, r->x + 2, 1, title_attr);
		draw_text(r->y, r->x + 3, tw - 2, title, UTF8_LEFT, title_attr);
		draw_fill(r->y, r->x + 1 + tw, 1, title_attr);
	}
}

void draw_progress(int y, int x, int w, double fraction, attr_t done, attr_t left)
{
	if (fraction < 0)
		fraction = 0;
	if (fraction > 1)
		fraction = 1;
	int d = (int)(fraction * w + 0.5);
	/* the characters carry the meaning too, for terminals without colour */
	attrset(done);
	for (int i = 0; i < d && x + i < COLS; i++)
		mvaddch(y, x + i, '#');
	attrset(left);
	for (int i = d; i < w && x + i < COLS; i++)
		mvaddch(y, x + i, '.');
	attrset(A_NORMAL);
}

/* The end of the longest run of whole characters of p..end that fits in w
 * columns (at least one character); *space, when not NULL, gets the run's
 * last space (NULL if none). */
static const char *fit_run(const char *p, const char *end, int w, const char **space)
{
	const char *q = p;
	int cols = 0;
	if (space)
		*space = NULL;
	while (q < end) {
		uint32_t cp;
		int len = utf8_decode(q, (size_t)(end - q), &cp);
		int cw = utf8_cpwidth(cp);
		if (len <= 0)
			len = 1;
		if (cw < 0)
			cw = 1;
		if (cols + cw > w && q > p)
			break;
		if (space && *q == ' ')
			*space = q;
		cols += cw;
		q += len;
	}
	return q;
}

/* fit_run moved back to its last space when the text goes on after it. */
static const char *line_end(const char *p, const char *end, int w)
{
	const char *space;
	const char *q = fit_run(p, end, w, &space);
	return q < end && space && space > p ? space : q;
}

int draw_para(int y, int x, int w, int max_lines, const char *s, attr_t a)
{
	struct buf text = BUF_INIT, line = BUF_INIT;
	int lines = 0;
	if (s)
		utf8_sanitize(&text, s, strlen(s));
	const char *p = buf_str(&text), *end = p + text.len;
	while (p < end && lines < max_lines && w > 0) {
		const char *q = lines == max_lines - 1 ? end : line_end(p, end, w);
		buf_reset(&line);
		buf_add(&line, p, (size_t)(q - p));
		draw_text(y + lines++, x, w, buf_str(&line), UTF8_LEFT, a);
		for (p = q; p < end && *p == ' '; p++)
			;
	}
	buf_free(&text);
	buf_free(&line);
	return lines;
}

void draw_wrap(const char *s, int width, void (*fn)(const char *piece, size_t n, void *arg),
               void *arg)
{
	struct buf line = BUF_INIT;
	const char *p = s ? s : "";
	if (width < 1)
		width = 1;
	for (;;) {
		size_t n = strcspn(p, "\n");
		buf_reset(&line);
		utf8_sanitize(&line, p, n);
		const char *q = buf_str(&line), *end = q + line.len;
		if (q == end)
			fn("", 0, arg);
		while (q < end) {
			const char *start = q;
			q = fit_run(start, end, width, NULL);
			fn(start, (size_t)(q - start), arg);
		}
		p += n;
		if (!*p)
			break;
		p++;
	}
	buf_free(&line);
}
