/* lineedit.c — a one-line UTF-8 text field. */
#include "lineedit.h"

#include <string.h>

#include "draw.h"
#include "keys.h"
#include "redrive/utf8.h"

void le_init(struct lineedit *le, const char *s, size_t max)
{
	buf_init(&le->text, max);
	le_set(le, s);
}

void le_free(struct lineedit *le)
{
	buf_free(&le->text);
}

void le_set(struct lineedit *le, const char *s)
{
	buf_reset(&le->text);
	buf_adds(&le->text, "");
	if (s && buf_adds(&le->text, s) != 0)
		buf_reset(&le->text);
	le->cur = le->text.len;
}

const char *le_text(const struct lineedit *le)
{
	return buf_str(&le->text);
}

static int is_cont(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

static size_t prev_char(const struct lineedit *le, size_t at)
{
	if (at == 0)
		return 0;
	at--;
	while (at > 0 && is_cont(le->text.p[at]))
		at--;
	return at;
}

static size_t next_char(const struct lineedit *le, size_t at)
{
	if (at >= le->text.len)
		return le->text.len;
	at++;
	while (at < le->text.len && is_cont(le->text.p[at]))
		at++;
	return at;
}

static void cut(struct lineedit *le, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(le->text.p + from, le->text.p + to, le->text.len - to + 1);
	le->text.len -= to - from;
	le->cur = from;
}

static size_t encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int insert(struct lineedit *le, uint32_t cp)
{
	char enc[4];
	size_t n = encode(cp, enc);
	if (buf_reserve(&le->text, n) != 0 || (le->text.max && le->text.len + n > le->text.max))
		return 1; /* full: the key is still an editing key */
	memmove(le->text.p + le->cur + n, le->text.p + le->cur, le->text.len - le->cur + 1);
	memcpy(le->text.p + le->cur, enc, n);
	le->text.len += n;
	le->cur += n;
	return 1;
}

int le_key(struct lineedit *le, int key)
{
	if (!le->text.p)
		le_set(le, "");
	switch (key) {
	case KEY_LEFT | UI_KEY_FN:
		le->cur = prev_char(le, le->cur);
		return 1;
	case KEY_RIGHT | UI_KEY_FN:
		le->cur = next_char(le, le->cur);
		return 1;
	case KEY_HOME | UI_KEY_FN:
	case 'a' & 0x1f:
		le->cur = 0;
		return 1;
	case KEY_END | UI_KEY_FN:
	case 'e' & 0x1f:
		le->cur = le->text.len;
		return 1;
	case KEY_BACKSPACE | UI_KEY_FN:
	case 127:
	case 8:
		cut(le, prev_char(le, le->cur), le->cur);
		return 1;
	case KEY_DC | UI_KEY_FN:
	case 'd' & 0x1f:
		cut(le, le->cur, next_char(le, le->cur));
		return 1;
	case 'u' & 0x1f:
		cut(le, 0, le->cur);
		return 1;
	case 'k' & 0x1f:
		cut(le, le->cur, le->text.len);
		return 1;
	case 'w' & 0x1f: {
		size_t at = le->cur;
		while (at > 0 && le->text.p[at - 1] == ' ')
			at--;
		while (at > 0 && le->text.p[at - 1] != ' ')
			at--;
		cut(le, at, le->cur);
		return 1;
	}
	default:
		break;
	}
	if (key & UI_KEY_FN)
		return 0;
	uint32_t cp = (uint32_t)key;
	/* printable characters only: no C0, DEL, C1, surrogates */
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF)
		return 0;
	return insert(le, cp);
}

int le_draw(const struct lineedit *le, int y, int x, int w, attr_t a)
{
	const char *s = le_text(le);
	size_t start = 0;
	int before = (int)utf8_width_n(s, le->cur);
	/* drop characters from the left until the cursor fits */
	while (w > 1 && before - (int)utf8_width_n(s, start) > w - 1 && start < le->cur)
		start = next_char(le, start);
	draw_text(y, x, w, s + start, UTF8_LEFT, a);
	return x + before - (int)utf8_width_n(s, start);
}
