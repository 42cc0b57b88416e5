#include "redrive/jsonfields.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The syntax was validated before (jsonstream): a cursor never runs past
 * the end of a well-formed value, but every loop still checks the bound so
 * that text which is not well-formed cannot make us read outside it. */
struct cur {
	const char *p, *end;
	char *scratch;          /* where the next decoded string goes */
	unsigned flags;
	enum jf_status status;  /* the first JF_AS_JANSSON refusal met, or JF_OK */
};

static void refuse(struct cur *c, enum jf_status why)
{
	if (c->status == JF_OK)
		c->status = why;
}

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/* The rules of utf8_decode (and of jansson): no overlong forms, no
 * surrogates, nothing past U+10FFFF.  Eight ASCII bytes at a time, since
 * most of a record is ASCII. */
static int valid_utf8(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < n) {
		if (n - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		unsigned char ch = s[i];
		if (ch < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned char lo = 0x80, hi = 0xBF;
		if (ch >= 0xC2 && ch <= 0xDF) {
			len = 2;
		} else if (ch >= 0xE0 && ch <= 0xEF) {
			len = 3;
			if (ch == 0xE0)
				lo = 0xA0;
			else if (ch == 0xED)
				hi = 0x9F;
		} else if (ch >= 0xF0 && ch <= 0xF4) {
			len = 4;
			if (ch == 0xF0)
				lo = 0x90;
			else if (ch == 0xF4)
				hi = 0x8F;
		} else {
			return 0;
		}
		if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* ---- strings --------------------------------------------------------------- */

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char h = p[i];
		unsigned d = h >= '0' && h <= '9' ? (unsigned)(h - '0')
		             : h >= 'a' && h <= 'f' ? (unsigned)(h - 'a' + 10)
		             : h >= 'A' && h <= 'F' ? (unsigned)(h - 'A' + 10) : 0;
		v = v << 4 | d;
	}
	return v;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (cp >> 18 & 0x07));
		*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* The string at c->p (its opening quote) into v, and c->p past it.  Without
 * escapes v points into the record; with them the text is decoded into the
 * scratch buffer, which keep advances past it (a value) or leaves for the
 * next string to reuse (a key, needed only until it is looked up).  Every
 * escape is at least as long as what it decodes to (\uXXXX: 6 bytes for at
 * most 3, a surrogate pair: 12 for 4), so the strings of one record never
 * need more scratch than the record's length. */
static void string(struct cur *c, struct jf_value *v, int keep)
{
	const char *s = ++c->p, *p = s;
	while (p < c->end && *p != '"' && *p != '\\')
		p++;
	v->type = JF_STRING;
	v->nul = 0;
	if (p >= c->end || *p == '"') {
		v->p = s;
		v->n = (size_t)(p - s);
		c->p = p < c->end ? p + 1 : p;
		return;
	}
	char *o = c->scratch, *start = o;
	memcpy(o, s, (size_t)(p - s));
	o += p - s;
	while (p < c->end && *p != '"') {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (c->end - p < 2)
			break;
		char e = p[1];
		p += 2;
		switch (e) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			if (c->end - p < 4) {
				p = c->end;
				break;
			}
			unsigned cp = hex4(p);
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && c->end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				unsigned lo = hex4(p + 2);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			if (cp == 0)
				v->nul = 1;
			o = put_utf8(o, cp);
			break;
		}
		default: *o++ = e; break; /* \" \\ \/ */
		}
	}
	c->p = p < c->end ? p + 1 : c->end;
	v->p = start;
	v->n = (size_t)(o - start);
	if (keep)
		c->scratch = o;
	if (v->nul && (c->flags & JF_AS_JANSSON))
		refuse(c, JF_NUL_CHAR);
}

/* Passes over the string at c->p without decoding it. */
static void skip_string(struct cur *c)
{
	const char *p = c->p + 1;
	for (;;) {
		while (p < c->end && *p != '"' && *p != '\\')
			p++;
		if (p >= c->end)
			break;
		if (*p == '"') {
			p++;
			break;
		}
		if ((c->flags & JF_AS_JANSSON) && c->end - p >= 6 && memcmp(p, "\\u0000", 6) == 0)
			refuse(c, JF_NUL_CHAR);
		p += 2;
	}
	c->p = p < c->end ? p : c->end;
}

/* ---- numbers ------------------------------------------------------------------ */

int jsonfields_int64(const char *p, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t acc = 0;
	if (!p)
		return -1;
	if (i < n && p[i] == '-') {
		neg = 1;
		i++;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		unsigned d = (unsigned)(p[i] - '0');
		if (acc > (UINT64_MAX - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (acc > limit)
		return -1;
	*out = !neg ? (int64_t)acc : acc == limit ? INT64_MIN : -(int64_t)acc;
	return 0;
}

/* 1 if the real number token s[0..n) overflows a double, as jansson's
 * strtod check finds.  Only a value of 1e308 or more can, so the token's
 * order of magnitude settles nearly every case; between 1e308 and 1e309
 * strtod decides, given the digits without a decimal point so that the
 * locale's decimal separator does not matter. */
static int real_overflows(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	size_t int_start = i;
	while (i < n && is_digit(s[i]))
		i++;
	size_t int_end = i, frac_start = i, frac_end = i;
	if (i < n && s[i] == '.') {
		frac_start = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		frac_end = i;
	}
	int64_t exp = 0;
	int exp_neg = 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			exp_neg = s[i++] == '-';
		for (; i < n && is_digit(s[i]); i++)
			if (exp < 1000000000)
				exp = exp * 10 + (s[i] - '0');
	}
	if (exp_neg)
		exp = -exp;

	/* e10: the power of ten of the first significant digit */
	size_t k = int_start;
	int64_t e10;
	while (k < int_end && s[k] == '0')
		k++;
	if (k < int_end) {
		e10 = (int64_t)(int_end - k) - 1 + exp;
	} else {
		k = frac_start;
		while (k < frac_end && s[k] == '0')
			k++;
		if (k == frac_end)
			return 0; /* zero */
		e10 = -(int64_t)(k - frac_start) - 1 + exp;
	}
	if (e10 < 308)
		return 0;
	if (e10 > 308)
		return 1;

	char *digits = malloc(n + 32);
	if (!digits)
		return 1; /* cannot tell: refuse rather than keep a number jansson may not read */
	size_t d = 0;
	for (size_t j = k; j < int_end; j++)
		digits[d++] = s[j];
	for (size_t j = k < int_end ? frac_start : k; j < frac_end; j++)
		digits[d++] = s[j];
	int64_t scale = e10 + 1 - (int64_t)d;
	int len = snprintf(digits + d, 32, "e%lld", (long long)scale);
	int over = 0;
	if (len > 0 && len < 32) {
		errno = 0;
		double v = strtod(digits, NULL);
		over = v == HUGE_VAL && errno == ERANGE;
	}
	free(digits);
	return over;
}

/* The number token at c->p into v (NULL: only passed over). */
static void number(struct cur *c, struct jf_value *v)
{
	const char *s = c->p, *p = s;
	int real = 0;
	for (; p < c->end; p++) {
		char ch = *p;
		if (ch == '.' || ch == 'e' || ch == 'E')
			real = 1;
		else if (!is_digit(ch) && ch != '-' && ch != '+')
			break;
	}
	c->p = p;
	if (v) {
		v->type = JF_NUMBER;
		v->p = s;
		v->n = (size_t)(p - s);
		v->nul = 0;
	}
	if (c->flags & JF_AS_JANSSON) {
		int64_t ignored;
		if (real ? real_overflows(s, (size_t)(p - s)) : jsonfields_int64(s, (size_t)(p - s), &ignored) != 0)
			refuse(c, JF_NUMBER_RANGE);
	}
}

/* ---- values -------------------------------------------------------------------- */

static void literal(struct cur *c)
{
	while (c->p < c->end && *c->p >= 'a' && *c->p <= 'z')
		c->p++;
}

/* Passes over any value at c->p. */
static void skip(struct cur *c)
{
	int depth = 0;
	do {
		if (c->p >= c->end)
			return;
		switch (*c->p) {
		case '"': skip_string(c); break;
		case '{':
		case '[': depth++; c->p++; break;
		case '}':
		case ']': depth--; c->p++; break;
		case 't':
		case 'f':
		case 'n': literal(c); break;
		case '-':
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9': number(c, NULL); break;
		default: c->p++; break; /* , : and blanks */
		}
	} while (depth > 0);
}

/* A wanted field's value at c->p into v. */
static void value(struct cur *c, struct jf_value *v)
{
	const char *s = c->p;
	switch (*s) {
	case '"': string(c, v, 1); return;
	case '{': v->type = JF_OBJECT; skip(c); break;
	case '[': v->type = JF_ARRAY; skip(c); break;
	case 't': v->type = JF_TRUE; literal(c); break;
	case 'f': v->type = JF_FALSE; literal(c); break;
	case 'n': v->type = JF_NULL; literal(c); break;
	default: number(c, v); return;
	}
	v->p = s;
	v->n = (size_t)(c->p - s);
	v->nul = 0;
}

/* The index of the name equal to k[0..n), or count. */
static size_t find(const char *const *names, size_t count, const char *k, size_t n)
{
	for (size_t i = 0; i < count; i++) {
		const char *name = names[i];
		size_t j = 0;
		while (j < n && name[j] && name[j] == k[j])
			j++;
		if (j == n && !name[n])
			return i;
	}
	return count;
}

enum jf_status jsonfields_read(const char *rec, size_t n, const char *const *names, size_t count,
                               char *scratch, struct jf_value *out, unsigned flags)
{
	for (size_t i = 0; i < count; i++)
		out[i] = (struct jf_value){ .type = JF_ABSENT };
	if (!rec)
		return JF_NOT_OBJECT;
	struct cur c = { rec, rec + n, scratch, flags, JF_OK };
	ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return JF_NOT_OBJECT;
	if (!valid_utf8(rec, n))
		return JF_BAD_UTF8;
	c.p++;
	while (c.status == JF_OK) {
		ws(&c);
		if (c.p >= c.end || *c.p != '"')
			break; /* the closing brace */
		struct jf_value key;
		string(&c, &key, 0);
		ws(&c);
		if (c.p < c.end && *c.p == ':')
			c.p++;
		ws(&c);
		if (c.p >= c.end)
			break;
		size_t i = find(names, count, key.p, key.n);
		if (i < count)
			value(&c, &out[i]);
		else
			skip(&c);
		ws(&c);
		if (c.p < c.end && *c.p == ',')
			c.p++;
	}
	return c.status;
}
