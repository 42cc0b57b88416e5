/* mime.c — a SendGrid v3 mail/send payload as an RFC 5322 / MIME message.
 *
 * Everything that comes from the payload is untrusted: header text is
 * cleaned of control characters before it is written (so a CR or LF in a
 * subject can never start a header of its own), addresses are checked
 * before they reach a header or an SMTP command, and header names are
 * checked against RFC 5322's field-name syntax.
 */
#include "redrive/mime.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/hash.h"
#include "redrive/limits.h"
#include "redrive/utf8.h"

/* RFC 5322 2.1.1: lines SHOULD stay within 78 characters, MUST within 998. */
#define LINE_SOFT 78
#define LINE_HARD 998
/* RFC 2047 2: an encoded-word is at most 75 characters. */
#define WORD_MAX 75
/* "=?UTF-8?B?" and "?=" around the base64 text. */
#define WORD_OVERHEAD 12
/* An ASCII display name longer than this becomes encoded-words (they fold). */
#define QUOTED_NAME_MAX 60

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- base64 --------------------------------------------------------------- */

static int b64_append(struct buf *out, const unsigned char *p, size_t n)
{
	int rc = buf_reserve(out, (n + 2) / 3 * 4);
	if (rc)
		return rc;
	char *w = out->p + out->len;
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*w++ = b64_alphabet[v >> 18];
		*w++ = b64_alphabet[(v >> 12) & 63];
		*w++ = b64_alphabet[(v >> 6) & 63];
		*w++ = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		*w++ = b64_alphabet[v >> 18];
		*w++ = b64_alphabet[(v >> 12) & 63];
		*w++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		*w++ = '=';
	}
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
	return RD_OK;
}

int mime_base64_lines(struct buf *out, const void *s, size_t n)
{
	const unsigned char *p = s;
	/* 57 bytes make one 76-character line */
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;
		int rc = b64_append(out, p + i, k);
		if (!rc)
			rc = buf_add(out, "\r\n", 2);
		if (rc)
			return rc;
	}
	return RD_OK;
}

/* ---- header text ---------------------------------------------------------- */

/* Header text with every control character (C0, DEL, C1) and every invalid
 * byte replaced: a space for controls, U+FFFD for bad bytes.  Appends to
 * clean; sets *ascii when the result is printable ASCII only. */
static int clean_text(struct buf *clean, const char *s, int *ascii)
{
	*ascii = 1;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		int rc;
		if (len < 0) {
			rc = buf_adds(clean, "\xEF\xBF\xBD");
			*ascii = 0;
			len = 1;
		} else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
			rc = buf_addc(clean, ' ');
		} else {
			rc = buf_add(clean, s + i, (size_t)len);
			if (cp >= 0x80)
				*ascii = 0;
		}
		if (rc)
			return rc;
		i += (size_t)len;
	}
	return RD_OK;
}

/* Appends s[0..n) (clean UTF-8) as encoded-words starting at column *col,
 * one word a line (CRLF SP between words: that white space is not part of
 * the text), so no line passes LINE_SOFT.  Each word holds whole characters
 * only. */
static int encode_words(struct buf *out, const char *s, size_t n, size_t *col)
{
	size_t i = 0;
	int fold = 0;
	while (i < n) {
		if (fold) {
			if (buf_add(out, "\r\n ", 3))
				return RD_E_NOMEM;
			*col = 1;
		}
		size_t room = *col >= LINE_SOFT ? 0 : LINE_SOFT - *col;
		if (room > WORD_MAX)
			room = WORD_MAX;
		size_t max_bytes = room > WORD_OVERHEAD ? (room - WORD_OVERHEAD) / 4 * 3 : 0;
		size_t take = 0;
		while (i + take < n) {
			int len = utf8_decode(s + i + take, n - i - take, NULL);
			if (len < 1)
				len = 1;
			if (take + (size_t)len > max_bytes)
				break;
			take += (size_t)len;
		}
		if (take == 0) {
			/* not one character fits after what is on this line: fold first */
			if (*col <= 1)
				return rd_error(RD_E_INPUT, "header text cannot be encoded");
			fold = 1;
			continue;
		}
		size_t before = out->len;
		int rc = buf_adds(out, "=?UTF-8?B?");
		if (!rc)
			rc = b64_append(out, (const unsigned char *)s + i, take);
		if (!rc)
			rc = buf_adds(out, "?=");
		if (rc)
			return rc;
		*col += out->len - before;
		i += take;
		fold = 1;
	}
	return RD_OK;
}

/* Appends printable ASCII s[0..n) from column *col, folding before a run of
 * spaces when the next word would pass LINE_SOFT (never leaving a line of
 * white space only). */
static int fold_ascii(struct buf *out, const char *s, size_t n, size_t *col, size_t min_col)
{
	size_t i = 0;
	while (i < n) {
		size_t sp = i;
		while (sp < n && s[sp] == ' ')
			sp++;
		size_t end = sp;
		while (end < n && s[end] != ' ')
			end++;
		size_t tok = end - i;
		if (sp > i && end > sp && *col + tok > LINE_SOFT && *col > min_col) {
			if (buf_add(out, "\r\n", 2))
				return RD_E_NOMEM;
			*col = 0;
		}
		if (buf_add(out, s + i, tok))
			return RD_E_NOMEM;
		*col += tok;
		i = end;
	}
	return RD_OK;
}

/* 1 if printable ASCII s can be written as is: no "=?" (it would look like
 * an encoded-word) and no token so long that a line would pass LINE_HARD. */
static int ascii_writable(const char *s, size_t n, size_t col)
{
	if (strstr(s, "=?"))
		return 0;
	size_t run = col;
	for (size_t i = 0; i < n; i++) {
		run = s[i] == ' ' ? 1 : run + 1;
		if (run > LINE_HARD - 100)
			return 0;
	}
	return 1;
}

static int name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 76)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 33 || (unsigned char)name[i] > 126 || name[i] == ':')
			return 0;
	return 1;
}

static int bad_name(const char *name)
{
	struct buf b;
	buf_init(&b, 256);
	utf8_sanitize(&b, name ? name : "", name ? strlen(name) : 0);
	int rc = rd_error(RD_E_INPUT, "header name \"%.80s\" is not a valid header field name "
			  "(printable ASCII without ':' or spaces, at most 76 characters)",
			  buf_str(&b));
	buf_free(&b);
	return rc;
}

int mime_header_text(struct buf *out, const char *name, const char *value)
{
	if (!name_ok(name))
		return bad_name(name);
	struct buf clean;
	buf_init(&clean, 0);
	int ascii;
	int rc = clean_text(&clean, value, &ascii);
	size_t col = strlen(name) + 2;
	if (!rc)
		rc = buf_printf(out, "%s: ", name);
	if (!rc) {
		if (ascii && ascii_writable(buf_str(&clean), clean.len, col))
			rc = fold_ascii(out, buf_str(&clean), clean.len, &col, strlen(name) + 2);
		else
			rc = encode_words(out, buf_str(&clean), clean.len, &col);
	}
	if (!rc)
		rc = buf_add(out, "\r\n", 2);
	buf_free(&clean);
	return rc;
}

/* ---- addresses ------------------------------------------------------------ */

int mime_address_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 3 || n > 320)
		return 0;
	const char *at = NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7F || strchr("()<>[]\\,;:\"", c))
			return 0;
		if (c == '@') {
			if (at)
				return 0;
			at = s + i;
		}
	}
	return at && at != s && at[1] != '\0';
}

static int bad_address(const char *what, const char *email)
{
	struct buf b;
	buf_init(&b, 512);
	utf8_sanitize(&b, email ? email : "", email ? strlen(email) : 0);
	int rc = rd_error(RD_E_INPUT, "%s \"%.320s\" cannot be used over SMTP: an address "
			  "must be plain ASCII with one @ and no spaces, brackets or quotes "
			  "(internationalised addresses need SMTPUTF8, which this target does not "
			  "use)", what, buf_str(&b));
	buf_free(&b);
	return rc;
}

/* Appends one mailbox at *col, folding before it when it would pass the line. */
static int add_mailbox(struct buf *out, const struct mime_addr *a, size_t *col, size_t min_col)
{
	struct buf clean;
	buf_init(&clean, 0);
	int ascii;
	int rc = clean_text(&clean, a->name, &ascii);
	/* a name of spaces only says nothing */
	int has_name = 0;
	for (size_t i = 0; i < clean.len && !has_name; i++)
		has_name = clean.p[i] != ' ';
	size_t addr_len = strlen(a->email) + 2;
	if (!rc && has_name) {
		if (ascii && clean.len <= QUOTED_NAME_MAX && !strstr(clean.p, "=?")) {
			size_t need = clean.len + 3; /* quotes and the space after */
			for (size_t i = 0; i < clean.len; i++)
				need += clean.p[i] == '"' || clean.p[i] == '\\';
			if (*col > min_col && *col + need > LINE_SOFT) {
				rc = buf_add(out, "\r\n ", 3);
				*col = 1;
			}
			if (!rc)
				rc = buf_addc(out, '"');
			for (size_t i = 0; !rc && i < clean.len; i++) {
				if (clean.p[i] == '"' || clean.p[i] == '\\')
					rc = buf_addc(out, '\\');
				if (!rc)
					rc = buf_addc(out, clean.p[i]);
			}
			if (!rc)
				rc = buf_addc(out, '"');
			*col += need - 1;
		} else {
			rc = encode_words(out, clean.p, clean.len, col);
		}
		if (!rc) {
			if (*col + 1 + addr_len > LINE_SOFT) {
				rc = buf_add(out, "\r\n ", 3);
				*col = 1;
			} else {
				rc = buf_addc(out, ' ');
				(*col)++;
			}
		}
	} else if (!rc && *col > min_col && *col + addr_len > LINE_SOFT) {
		rc = buf_add(out, "\r\n ", 3);
		*col = 1;
	}
	if (!rc)
		rc = buf_printf(out, "<%s>", a->email);
	*col += addr_len;
	buf_free(&clean);
	return rc;
}

int mime_header_addresses(struct buf *out, const char *name, const struct mime_addr *a, size_t n)
{
	if (!name_ok(name))
		return bad_name(name);
	if (n == 0)
		return rd_error(RD_E_INPUT, "%s: no address", name);
	for (size_t i = 0; i < n; i++)
		if (!mime_address_ok(a[i].email))
			return bad_address(name, a[i].email);
	size_t col = strlen(name) + 2;
	int rc = buf_printf(out, "%s: ", name);
	for (size_t i = 0; !rc && i < n; i++) {
		if (i > 0) {
			rc = buf_addc(out, ',');
			col++;
			if (!rc && col + 1 < LINE_SOFT) {
				rc = buf_addc(out, ' ');
				col++;
			}
		}
		if (!rc)
			rc = add_mailbox(out, &a[i], &col, strlen(name) + 2);
	}
	if (!rc)
		rc = buf_add(out, "\r\n", 2);
	return rc;
}

/* ---- Message-ID ----------------------------------------------------------- */

static int is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int dot_atom_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* The domain of a from address when it is a plain host name, else NULL. */
static const char *host_of(const char *email, size_t *len)
{
	const char *at = email ? strrchr(email, '@') : NULL;
	if (!at)
		return NULL;
	const char *d = at + 1;
	size_t n = strlen(d);
	if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.' || d[0] == '-')
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '-' || (c == '.' && d[i + 1] != '.');
		if (!ok)
			return NULL;
	}
	*len = n;
	return d;
}

void mime_message_id(const char *msg_key, int64_t batch, const char *from_email,
		     char out[MIME_MESSAGE_ID_MAX])
{
	const char *key = msg_key ? msg_key : "";
	size_t dlen = 0;
	const char *dom = host_of(from_email, &dlen);
	if (!dom) {
		dom = "redrive.invalid";
		dlen = strlen(dom);
	}
	char head[64];
	snprintf(head, sizeof head, "<redrive.%lld.", (long long)batch);
	size_t klen = strlen(key);
	int literal = dot_atom_ok(key) && strncmp(key, "x-", 2) != 0 && strncmp(key, "h-", 2) != 0;
	size_t key_out = literal ? klen : 2 + 2 * klen;
	size_t fixed = strlen(head) + 1 + 1 + 1; /* '@', '>', NUL */
	if (fixed + 18 + dlen > MIME_MESSAGE_ID_MAX) {
		dom = "redrive.invalid";
		dlen = strlen(dom);
	}
	if (fixed + key_out + dlen > MIME_MESSAGE_ID_MAX) {
		snprintf(out, MIME_MESSAGE_ID_MAX, "%sh-%016llx@%.*s>", head,
			 (unsigned long long)hash64(key, klen, 0x6D7367696Bull), (int)dlen, dom);
		return;
	}
	size_t o = (size_t)snprintf(out, MIME_MESSAGE_ID_MAX, "%s", head);
	if (literal) {
		o += (size_t)snprintf(out + o, MIME_MESSAGE_ID_MAX - o, "%s", key);
	} else {
		static const char hex[] = "0123456789abcdef";
		out[o++] = 'x';
		out[o++] = '-';
		for (size_t i = 0; i < klen; i++) {
			out[o++] = hex[(unsigned char)key[i] >> 4];
			out[o++] = hex[(unsigned char)key[i] & 15];
		}
	}
	snprintf(out + o, MIME_MESSAGE_ID_MAX - o, "@%.*s>", (int)dlen, dom);
}

/* ---- the payload ---------------------------------------------------------- */

/* Headers we write ourselves; the payload's own of these names are ignored,
 * as SendGrid ignores them (its list, plus the MIME structure and ours). */
static const char *const reserved_headers[] = {
	"Date", "From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Message-ID", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", "X-SMTPAPI", "x-sg-id", "x-sg-eid",
	"Received", "DKIM-Signature", "Sender", "Return-Path",
};

static int reserved(const char *name)
{
	for (size_t i = 0; i < sizeof reserved_headers / sizeof reserved_headers[0]; i++)
		if (strcasecmp(name, reserved_headers[i]) == 0)
			return 1;
	return 0;
}

/* A string member of o (the personalization first, then the top level). */
static const char *str_of(json_t *p0, json_t *top, const char *key)
{
	json_t *v = p0 ? json_object_get(p0, key) : NULL;
	if (!json_is_string(v))
		v = json_object_get(top, key);
	return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

/* Replaces each substitution tag in s by its value, left to right, the
 * longest tag first at each place; values are not searched again. */
static int substitute(struct buf *out, const char *s, json_t *subs)
{
	size_t n = strlen(s);
	if (!json_is_object(subs) || json_object_size(subs) == 0)
		return buf_add(out, s, n);
	for (size_t i = 0; i < n;) {
		const char *best = NULL, *tag;
		size_t best_len = 0;
		json_t *v;
		json_object_foreach(subs, tag, v) {
			size_t tl = strlen(tag);
			if (json_is_string(v) && tl > best_len && tl <= n - i &&
			    memcmp(s + i, tag, tl) == 0) {
				best = json_string_value(v);
				best_len = tl;
			}
		}
		int rc;
		if (best) {
			rc = buf_adds(out, best);
			i += best_len;
		} else {
			rc = buf_addc(out, s[i]);
			i++;
		}
		if (rc)
			return rc;
	}
	return RD_OK;
}

/* The mailboxes of a MailTo array (or one object) into a[], at most max. */
static int mailboxes(json_t *v, const char *field, struct mime_addr *a, size_t max, size_t *n)
{
	*n = 0;
	json_t *one = json_is_object(v) ? v : NULL;
	size_t count = one ? 1 : json_is_array(v) ? json_array_size(v) : 0;
	if (count > max)
		return rd_error(RD_E_INPUT, "%s has %zu addresses; at most %zu can be "
				"rendered", field, count, max);
	for (size_t i = 0; i < count; i++) {
		json_t *o = one ? one : json_array_get(v, i);
		json_t *e = json_object_get(o, "email");
		json_t *nm = json_object_get(o, "name");
		/* read first, check next: a[] is written however the checks end */
		a[*n].email = json_string_value(e);
		a[*n].name = json_is_string(nm) ? json_string_value(nm) : NULL;
		if (!json_is_string(e) && one)
			return rd_error(RD_E_INPUT, "%s has no email", field);
		if (!json_is_string(e))
			return rd_error(RD_E_INPUT, "%s[%zu] has no email", field, i);
		if (!mime_address_ok(a[*n].email))
			return bad_address(field, a[*n].email);
		(*n)++;
	}
	return RD_OK;
}

#define MAX_RENDERED_ADDRESSES 100

/* The payload's custom_args (top level, then the personalization's) and
 * ours, as the X-SMTPAPI header. */
static int smtpapi_header(struct buf *out, json_t *top, json_t *p0, const struct mime_msg *m)
{
	json_t *args = json_object();
	json_t *sources[2] = { json_object_get(top, "custom_args"),
			       p0 ? json_object_get(p0, "custom_args") : NULL };
	for (int s = 0; s < 2; s++) {
		const char *k;
		json_t *v;
		if (!json_is_object(sources[s]))
			continue;
		json_object_foreach(sources[s], k, v)
			if (json_is_string(v))
				json_object_set(args, k, v);
	}
	char batch[32];
	snprintf(batch, sizeof batch, "%lld", (long long)m->batch);
	json_object_set_new(args, "msg_key", json_string(m->msg_key ? m->msg_key : ""));
	json_object_set_new(args, "redrive_batch", json_string(batch));
	json_t *root = json_pack("{s:o}", "unique_args", args);
	char *text = root ? json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(root);
	if (!text)
		return rd_error(RD_E_NOMEM, "out of memory building the X-SMTPAPI header");
	int rc;
	if (strlen(text) + 11 > LINE_HARD)
		rc = rd_error(RD_E_INPUT, "the X-SMTPAPI header (msg_key and custom_args) would be "
			      "%zu characters; SMTP allows %d on a line", strlen(text) + 11,
			      LINE_HARD);
	else
		rc = buf_printf(out, "X-SMTPAPI: %s\r\n", text);
	free(text);
	return rc;
}

/* The payload's headers (top level, overridden by the personalization's). */
static int pass_headers(struct buf *out, json_t *top, json_t *p0)
{
	json_t *th = json_object_get(top, "headers");
	json_t *ph = p0 ? json_object_get(p0, "headers") : NULL;
	json_t *lists[2] = { th, ph };
	for (int s = 0; s < 2; s++) {
		const char *k;
		json_t *v;
		if (!lists[s])
			continue;
		if (!json_is_object(lists[s]))
			return rd_error(RD_E_INPUT, "payload %sheaders must be an object",
					s ? "personalizations[0]." : "");
		json_object_foreach(lists[s], k, v) {
			if (!name_ok(k))
				return bad_name(k);
			if (reserved(k))
				continue;
			/* the personalization's value wins: skip a top-level one it repeats */
			if (s == 0 && json_is_object(ph)) {
				const char *k2;
				json_t *v2;
				int shadowed = 0;
				json_object_foreach(ph, k2, v2)
					shadowed |= strcasecmp(k, k2) == 0;
				if (shadowed)
					continue;
			}
			if (!json_is_string(v))
				return rd_error(RD_E_INPUT, "payload header %s must be text", k);
			int rc = mime_header_text(out, k, json_string_value(v));
			if (rc)
				return rc;
		}
	}
	return RD_OK;
}

/* The first content of a type (parameters after ';' ignored). */
static const char *content_of(json_t *content, const char *type)
{
	size_t i;
	json_t *c;
	size_t tl = strlen(type);
	json_array_foreach(content, i, c) {
		json_t *t = json_object_get(c, "type");
		json_t *v = json_object_get(c, "value");
		if (!json_is_string(t) || !json_is_string(v))
			continue;
		const char *ts = json_string_value(t);
		if (strncasecmp(ts, type, tl) == 0 && (ts[tl] == '\0' || ts[tl] == ';' || ts[tl] == ' '))
			return json_string_value(v);
	}
	return NULL;
}

static int body_part(struct buf *out, const char *type, const char *text, json_t *subs)
{
	struct buf body;
	buf_init(&body, 0);
	int rc = substitute(&body, text, subs);
	if (!rc)
		rc = buf_printf(out, "Content-Type: %s; charset=UTF-8\r\n"
				"Content-Transfer-Encoding: base64\r\n\r\n", type);
	if (!rc)
		rc = mime_base64_lines(out, body.p ? body.p : "", body.len);
	buf_free(&body);
	return rc;
}

static const char *const day_names[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int date_header(struct buf *out, int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return rd_error(RD_E_INPUT, "date %lld cannot be written", (long long)when);
	return buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
			  day_names[tm.tm_wday], tm.tm_mday, month_names[tm.tm_mon],
			  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int render(const struct mime_msg *m, json_t *top, struct buf *out,
		  struct mime_envelope *env)
{
	json_t *ps = json_object_get(top, "personalizations");
	json_t *p0 = json_is_array(ps) ? json_array_get(ps, 0) : NULL;
	if (p0 && !json_is_object(p0))
		return rd_error(RD_E_INPUT, "payload personalizations[0] must be an object");

	/* sender */
	json_t *from = p0 ? json_object_get(p0, "from") : NULL;
	if (!json_is_object(from))
		from = json_object_get(top, "from");
	struct mime_addr from_a;
	size_t nfrom = 0;
	if (!json_is_object(from))
		return rd_error(RD_E_INPUT, "payload has no from address");
	int rc = mailboxes(from, "payload from", &from_a, 1, &nfrom);
	if (rc)
		return rc;

	/* recipients shown in To (the envelope has the one recipient) */
	struct mime_addr to[MAX_RENDERED_ADDRESSES];
	size_t nto = 0;
	json_t *tov = p0 ? json_object_get(p0, "to") : NULL;
	if (json_is_array(tov) && json_array_size(tov) > 0)
		rc = mailboxes(tov, "payload personalizations[0].to", to, MAX_RENDERED_ADDRESSES, &nto);
	if (rc)
		return rc;
	if (nto == 0) {
		if (!mime_address_ok(m->recipient))
			return bad_address("recipient", m->recipient);
		to[0].email = m->recipient;
		to[0].name = NULL;
		nto = 1;
	}

	/* body: refuse what SMTP cannot carry rather than send something else */
	json_t *att = json_object_get(top, "attachments");
	if (json_is_array(att) && json_array_size(att) > 0)
		return rd_error(RD_E_INPUT, "payload has attachments, which the SMTP target does "
				"not send; requeue it --to sendgrid");
	json_t *content = json_object_get(top, "content");
	const char *plain = json_is_array(content) ? content_of(content, "text/plain") : NULL;
	const char *html = json_is_array(content) ? content_of(content, "text/html") : NULL;
	if (!plain && !html) {
		if (json_is_string(json_object_get(top, "template_id")))
			return rd_error(RD_E_INPUT, "payload uses a SendGrid template (template_id) "
					"and has no content: the SMTP target cannot render "
					"templates; requeue it --to sendgrid");
		return rd_error(RD_E_INPUT, "payload has no text/plain or text/html content");
	}
	json_t *subs = p0 ? json_object_get(p0, "substitutions") : NULL;

	mime_message_id(m->msg_key, m->batch, from_a.email, env->message_id);
	snprintf(env->from, sizeof env->from, "%s", from_a.email);

	rc = date_header(out, m->date);
	if (!rc)
		rc = mime_header_addresses(out, "From", &from_a, 1);
	if (!rc)
		rc = mime_header_addresses(out, "To", to, nto);
	if (!rc) {
		struct mime_addr rt[MAX_RENDERED_ADDRESSES];
		size_t nrt = 0;
		json_t *r1 = json_object_get(top, "reply_to");
		json_t *rl = json_object_get(top, "reply_to_list");
		if (json_is_object(r1))
			rc = mailboxes(r1, "payload reply_to", rt, 1, &nrt);
		else if (json_is_array(rl))
			rc = mailboxes(rl, "payload reply_to_list", rt, MAX_RENDERED_ADDRESSES, &nrt);
		if (!rc && nrt > 0)
			rc = mime_header_addresses(out, "Reply-To", rt, nrt);
	}
	const char *subject = str_of(p0, top, "subject");
	if (!rc && subject) {
		struct buf s;
		buf_init(&s, RD_MAX_TEXT_FIELD);
		rc = substitute(&s, subject, subs);
		if (!rc)
			rc = mime_header_text(out, "Subject", buf_str(&s));
		buf_free(&s);
	}
	if (!rc)
		/* an id too long for the line goes on a continuation line of its own */
		rc = buf_printf(out, "Message-ID:%s%s\r\nMIME-Version: 1.0\r\n",
				strlen(env->message_id) + 12 > LINE_SOFT ? "\r\n " : " ",
				env->message_id);
	if (!rc)
		rc = smtpapi_header(out, top, p0, m);
	if (!rc)
		rc = pass_headers(out, top, p0);
	if (rc)
		return rc;

	if (plain && html) {
		struct hash64_state h;
		hash64_init(&h, 0x626F756E64ull);
		hash64_field(&h, m->msg_key, m->msg_key ? strlen(m->msg_key) : 0);
		hash64_u64(&h, (uint64_t)m->batch);
		char boundary[48];
		/* "=_" never occurs in base64, so the parts cannot contain it */
		snprintf(boundary, sizeof boundary, "=_redrive_%016llx",
			 (unsigned long long)hash64_final(&h));
		rc = buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
				"--%s\r\n", boundary, boundary);
		if (!rc)
			rc = body_part(out, "text/plain", plain, subs);
		if (!rc)
			rc = buf_printf(out, "--%s\r\n", boundary);
		if (!rc)
			rc = body_part(out, "text/html", html, subs);
		if (!rc)
			rc = buf_printf(out, "--%s--\r\n", boundary);
		return rc;
	}
	return body_part(out, plain ? "text/plain" : "text/html", plain ? plain : html, subs);
}

int mime_render(const struct mime_msg *m, struct buf *out, struct mime_envelope *env)
{
	env->from[0] = '\0';
	env->message_id[0] = '\0';
	if (!m || !m->payload || !*m->payload)
		return rd_error(RD_E_INPUT, "no stored payload for this message");
	json_error_t je;
	json_t *top = json_loads(m->payload, 0, &je);
	if (!top)
		return rd_error(RD_E_INPUT, "the stored payload is not JSON (%s)", je.text);
	int rc;
	if (!json_is_object(top))
		rc = rd_error(RD_E_INPUT, "the stored payload is not a JSON object");
	else
		rc = render(m, top, out, env);
	json_decref(top);
	return rc;
}
