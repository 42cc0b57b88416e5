#include "redrive/event_parse.h"

#include <string.h>

#include "redrive/utf8.h"

/* The syntax was validated by jsonstream: a cursor never runs past the end
 * of a well-formed value, but every loop still checks the bound. */
struct cur {
	const char *p, *end;
	char *scratch;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int hexval(char h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 4 | (unsigned)hexval(p[i]);
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
		*o++ = (char)(0xF0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* Reads a string at c->p (the opening quote).  Without escapes the text is
 * pointed at in place; with them it is decoded into the scratch buffer.
 * *nul is set when it holds \u0000. */
static void string(struct cur *c, struct rd_span *t, int *nul)
{
	const char *s = ++c->p;
	while (c->p < c->end && *c->p != '"' && *c->p != '\\')
		c->p++;
	if (c->p < c->end && *c->p == '"') {
		t->p = s;
		t->n = (size_t)(c->p - s);
		c->p++;
		return;
	}
	char *o = c->scratch, *start = o;
	memcpy(o, s, (size_t)(c->p - s));
	o += c->p - s;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p != '\\') {
			*o++ = *c->p++;
			continue;
		}
		char e = c->p[1];
		c->p += 2;
		switch (e) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp = hex4(c->p);
			c->p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && c->p + 6 <= c->end && c->p[0] == '\\' && c->p[1] == 'u') {
				unsigned lo = hex4(c->p + 2);
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				c->p += 6;
			}
			if (cp == 0)
				*nul = 1;
			o = put_utf8(o, cp);
			break;
		}
		default: *o++ = e; break; /* \" \\ \/ */
		}
	}
	c->p++;
	t->p = start;
	t->n = (size_t)(o - start);
	c->scratch = o;
}

/* Skips any value at c->p. */
static void skip(struct cur *c)
{
	int depth = 0;
	do {
		if (c->p >= c->end)
			return;
		char ch = *c->p;
		if (ch == '"') {
			c->p++;
			while (c->p < c->end && *c->p != '"')
				c->p += *c->p == '\\' ? 2 : 1;
			c->p++;
		} else if (ch == '{' || ch == '[') {
			depth++;
			c->p++;
		} else if (ch == '}' || ch == ']') {
			depth--;
			c->p++;
		} else if (depth == 0) {
			/* a number or a literal ends at a delimiter */
			while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ']' && *c->p != ' ' &&
			       *c->p != '\t' && *c->p != '\n' && *c->p != '\r')
				c->p++;
		} else {
			c->p++;
		}
	} while (depth > 0);
}

/* A number token at c->p: its text, and whether it is a whole number. */
static int number(struct cur *c, struct rd_span *t, int64_t *v)
{
	const char *s = c->p;
	int whole = 1, neg = 0, digits = 0;
	uint64_t acc = 0;
	if (c->p < c->end && *c->p == '-') {
		neg = 1;
		c->p++;
	}
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (acc > (UINT64_MAX - 9) / 10)
			whole = 0;
		acc = acc * 10 + (uint64_t)(*c->p++ - '0');
		digits++;
	}
	while (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E' || *c->p == '+' || *c->p == '-' ||
	                         (*c->p >= '0' && *c->p <= '9'))) {
		whole = 0;
		c->p++;
	}
	t->p = s;
	t->n = (size_t)(c->p - s);
	if (!digits || acc > (uint64_t)INT64_MAX)
		whole = 0;
	*v = whole ? (neg ? -(int64_t)acc : (int64_t)acc) : 0;
	return whole;
}

enum field { F_EVENT, F_EMAIL, F_EID, F_SID, F_KEY, F_TYPE, F_ATTEMPT, F_URL, F_REASON, F_RESPONSE,
             F_TIMESTAMP, F_BATCH, F_NONE };

static const char *const names[] = { "event", "email", "sg_event_id", "sg_message_id", "msg_key", "type",
                                     "attempt", "url", "reason", "response", "timestamp", "redrive_batch" };

static enum field which(const char *k, size_t n)
{
	for (int i = 0; i < F_NONE; i++)
		if (strlen(names[i]) == n && memcmp(names[i], k, n) == 0)
			return (enum field)i;
	return F_NONE;
}

static struct rd_span *text_slot(struct ev_fields *f, enum field w)
{
	struct rd_span *slots[] = { &f->event, &f->email, &f->sg_event_id, &f->sg_message_id, &f->msg_key,
	                            &f->type, &f->attempt, &f->url, &f->reason, &f->response };
	return w < F_TIMESTAMP ? slots[w] : NULL;
}

/* One field's value at c->p. */
static const char *value(struct cur *c, enum field w, struct ev_fields *f, int *ts_seen)
{
	struct rd_span t = { 0 };
	int nul = 0;
	int64_t v;
	char ch = c->p < c->end ? *c->p : 0;

	if (w == F_TIMESTAMP) {
		*ts_seen = 1;
		if (!((ch >= '0' && ch <= '9') || ch == '-') || !number(c, &t, &v))
			return "timestamp must be an integer (Unix seconds)";
		f->timestamp = v;
		return NULL;
	}
	if (w == F_BATCH) {
		if (ch == '"') {
			string(c, &t, &nul);
			int64_t n = 0;
			size_t i = 0;
			while (i < t.n && t.p[i] >= '0' && t.p[i] <= '9' && n < INT64_MAX / 10)
				n = n * 10 + (t.p[i++] - '0');
			f->redrive_batch = i == t.n && t.n ? n : 0;
		} else if ((ch >= '0' && ch <= '9') && number(c, &t, &v)) {
			f->redrive_batch = v;
		} else {
			skip(c);
		}
		return NULL;
	}
	struct rd_span *slot = text_slot(f, w);
	if (ch == '"') {
		string(c, &t, &nul);
		if (nul)
			return "a field contains a NUL character (\\u0000)";
		*slot = t;
	} else if ((w == F_KEY || w == F_ATTEMPT) && ((ch >= '0' && ch <= '9') || ch == '-')) {
		number(c, &t, &v);
		*slot = t;
	} else {
		skip(c);
		slot->p = NULL; /* present but not text: as if absent */
		slot->n = 0;
	}
	return NULL;
}

const char *event_parse(const char *rec, size_t n, char *scratch, struct ev_fields *out)
{
	struct cur c = { rec, rec + n, scratch };
	int ts_seen = 0;
	memset(out, 0, sizeof *out);
	ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return "an event must be a JSON object";
	if (!utf8_valid(rec, n))
		return "the event is not valid UTF-8";
	c.p++;
	for (;;) {
		ws(&c);
		if (c.p >= c.end || *c.p == '}')
			break;
		struct rd_span key;
		int nul = 0;
		string(&c, &key, &nul);
		ws(&c);
		c.p++; /* ':' */
		ws(&c);
		enum field w = which(key.p, key.n);
		const char *why = w == F_NONE ? (skip(&c), NULL) : value(&c, w, out, &ts_seen);
		if (why)
			return why;
		ws(&c);
		if (c.p < c.end && *c.p == ',')
			c.p++;
	}
	if (!out->event.p)
		return "event must be a string (delivered, bounce, …)";
	if (!ts_seen)
		return "timestamp must be an integer (Unix seconds)";
	if (!out->email.p || !out->email.n)
		return "email must be a non-empty string";
	if (out->email.n > 1024)
		return "email is longer than 1024 bytes";
	return NULL;
}
