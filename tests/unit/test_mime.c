/* test_mime.c — payload to MIME: encoded-words, folding, addresses,
 * Message-IDs, the message structure and hostile input, as tables.
 *
 * The checks decode what mime.c wrote (unfold, RFC 2047, base64) and compare
 * with the input, and check the line rules on every line. */
#include "redrive/mime.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/utf8.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* 2018-09-12T04:31:05+09:00 */
#define T0 1536694265

/* ---- decoding helpers ----------------------------------------------------- */

static int b64_value(char c)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;
	return p ? (int)(p - a) : -1;
}

/* Decodes base64 s[0..n), skipping CR and LF; fails the test on bad input. */
static void b64_decode(const char *s, size_t n, struct buf *out)
{
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=')
			break;
		int v = b64_value(s[i]);
		if (v < 0)
			fail_msg("bad base64 character 0x%02X", (unsigned char)s[i]);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			assert_int_equal(buf_addc(out, (char)(acc >> bits & 0xFF)), RD_OK);
		}
	}
}

/* Every line ends in CRLF, no bare CR or LF, none longer than max. */
static void check_lines(const char *s, size_t max, const char *what)
{
	size_t col = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\r') {
			if (s[i + 1] != '\n')
				fail_msg("%s: bare CR at %zu", what, i);
			i++;
			col = 0;
			continue;
		}
		if (s[i] == '\n')
			fail_msg("%s: bare LF at %zu", what, i);
		if (++col > max)
			fail_msg("%s: line longer than %zu at byte %zu:\n%s", what, max, i, s);
	}
	if (*s && (strlen(s) < 2 || strcmp(s + strlen(s) - 2, "\r\n") != 0))
		fail_msg("%s: does not end in CRLF", what);
}

/* Unfolds a field value and decodes its encoded-words (white space between
 * two encoded-words dropped, RFC 2047 6.2).  Checks each word: at most 75
 * characters, whole UTF-8 characters only. */
static void decode_value(const char *v, struct buf *out)
{
	struct buf un = BUF_INIT;
	for (size_t i = 0; v[i]; i++) {
		if (v[i] == '\r' && v[i + 1] == '\n') {
			i++;
			continue;
		}
		assert_int_equal(buf_addc(&un, v[i]), RD_OK);
	}
	const char *s = buf_str(&un);
	int prev_word = 0;
	size_t pending_ws = 0;
	const char *ws_start = NULL;
	while (*s) {
		if (*s == ' ' || *s == '\t') {
			if (!pending_ws)
				ws_start = s;
			pending_ws++;
			s++;
			continue;
		}
		if (strncmp(s, "=?UTF-8?B?", 10) == 0) {
			const char *end = strstr(s + 10, "?=");
			assert_non_null(end);
			size_t wlen = (size_t)(end + 2 - s);
			if (wlen > 75)
				fail_msg("encoded-word of %zu characters: %.*s", wlen, (int)wlen, s);
			if (pending_ws && !prev_word)
				assert_int_equal(buf_add(out, ws_start, pending_ws), RD_OK);
			struct buf w = BUF_INIT;
			b64_decode(s + 10, (size_t)(end - s - 10), &w);
			if (!utf8_valid(w.p, w.len))
				fail_msg("encoded-word splits a character: %.*s", (int)wlen, s);
			assert_int_equal(buf_add(out, w.p ? w.p : "", w.len), RD_OK);
			buf_free(&w);
			s = end + 2;
			prev_word = 1;
		} else {
			if (pending_ws)
				assert_int_equal(buf_add(out, ws_start, pending_ws), RD_OK);
			assert_int_equal(buf_addc(out, *s), RD_OK);
			s++;
			prev_word = 0;
		}
		pending_ws = 0;
	}
	if (pending_ws)
		assert_int_equal(buf_add(out, ws_start, pending_ws), RD_OK);
	buf_free(&un);
}

/* The (unfolded, decoded) value of header name in a message, or NULL. */
static char *header_of(const char *msg, const char *name)
{
	size_t nl = strlen(name);
	const char *end = strstr(msg, "\r\n\r\n");
	for (const char *p = msg; p && p < end; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			const char *e = v;
			while (!(e[0] == '\r' && e[1] == '\n' && e[2] != ' ' && e[2] != '\t'))
				e++;
			char *raw = strndup(v, (size_t)(e - v));
			struct buf out = BUF_INIT;
			decode_value(raw, &out);
			free(raw);
			char *r = strdup(buf_str(&out));
			buf_free(&out);
			return r;
		}
	}
	return NULL;
}

/* Count of header lines (not continuations) that start with name: */
static int header_count(const char *msg, const char *name)
{
	int n = 0;
	size_t nl = strlen(name);
	const char *end = strstr(msg, "\r\n\r\n");
	if (strncasecmp(msg, name, nl) == 0 && msg[nl] == ':')
		n++;
	for (const char *p = strstr(msg, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':')
			n++;
	return n;
}

/* The decoded body of the part whose Content-Type starts with type. */
static char *part_body(const char *msg, const char *type)
{
	char needle[64];
	snprintf(needle, sizeof needle, "Content-Type: %s", type);
	const char *p = strstr(msg, needle);
	if (!p)
		return NULL;
	const char *b = strstr(p, "\r\n\r\n");
	assert_non_null(b);
	b += 4;
	const char *e = strstr(b, "\r\n--");
	if (!e)
		e = b + strlen(b);
	struct buf out = BUF_INIT;
	b64_decode(b, (size_t)(e - b), &out);
	char *r = strdup(buf_str(&out));
	buf_free(&out);
	return r;
}

/* ---- base64 --------------------------------------------------------------- */

static void test_base64_lines(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "f", "Zg==\r\n" },
		{ "fo", "Zm8=\r\n" },
		{ "foo", "Zm9v\r\n" },
		{ "foobar", "Zm9vYmFy\r\n" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct buf out = BUF_INIT;
		assert_int_equal(mime_base64_lines(&out, cases[i].in, strlen(cases[i].in)), RD_OK);
		assert_string_equal(buf_str(&out), cases[i].want);
		buf_free(&out);
	}
	char big[200];
	memset(big, 'a', sizeof big);
	for (size_t n = 56; n <= 115; n++) {
		struct buf out = BUF_INIT, back = BUF_INIT;
		assert_int_equal(mime_base64_lines(&out, big, n), RD_OK);
		check_lines(buf_str(&out), 76, "base64");
		size_t lines = 0;
		for (size_t k = 0; k < out.len; k++)
			lines += out.p[k] == '\n';
		assert_int_equal(lines, (n + 56) / 57);
		b64_decode(out.p, out.len, &back);
		assert_int_equal(back.len, n);
		assert_memory_equal(back.p, big, n);
		buf_free(&out);
		buf_free(&back);
	}
}

/* ---- unstructured header text --------------------------------------------- */

static void test_header_text_exact(void **state)
{
	(void)state;
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
		{ "Subject", NULL, "Subject: \r\n" },
		{ "Subject", "", "Subject: \r\n" },
		{ "Subject", "Hello", "Subject: Hello\r\n" },
		{ "X-Note", "a  b", "X-Note: a  b\r\n" },
		/* control characters become spaces: no header of their own */
		{ "Subject", "Hi\r\nBcc: evil@example.com", "Subject: Hi  Bcc: evil@example.com\r\n" },
		{ "Subject", "tab\there", "Subject: tab here\r\n" },
		{ "Subject", "\x1B[31mred", "Subject:  [31mred\r\n" },
		/* 予約 */
		{ "Subject", "\xE4\xBA\x88\xE7\xB4\x84", "Subject: =?UTF-8?B?5LqI57SE?=\r\n" },
		/* "=?" in ASCII would be read as an encoded-word: encode it */
		{ "Subject", "=?x?=", "Subject: =?UTF-8?B?PT94Pz0=?=\r\n" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct buf out = BUF_INIT;
		assert_int_equal(mime_header_text(&out, cases[i].name, cases[i].value), RD_OK);
		if (strcmp(buf_str(&out), cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\" want \"%s\"", i, buf_str(&out), cases[i].want);
		buf_free(&out);
	}
}

static void test_header_text_bad_names(void **state)
{
	(void)state;
	static const char *const names[] = {
		NULL, "", "Bad Name", "X:y", "X-\xE4\xBA\x88", "X-\r\nBcc",
		"X-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	for (size_t i = 0; i < COUNT(names); i++) {
		struct buf out = BUF_INIT;
		assert_int_equal(mime_header_text(&out, names[i], "v"), RD_E_INPUT);
		assert_int_equal(out.len, 0);
		assert_non_null(strstr(rd_error_message(), "header"));
		buf_free(&out);
	}
}

/* Round trips: whatever goes in comes out after unfolding and decoding
 * (control characters as spaces), every line within 78, every word within 75. */
static void test_header_text_round_trip(void **state)
{
	(void)state;
	struct buf long_ja = BUF_INIT, long_ascii = BUF_INIT, emoji = BUF_INIT, mixed = BUF_INIT;
	for (int i = 0; i < 40; i++)
		buf_adds(&long_ja, "\xE4\xBA\x88\xE7\xB4\x84\xE5\xAE\x8C\xE4\xBA\x86"); /* 予約完了 */
	for (int i = 0; i < 30; i++)
		buf_adds(&long_ascii, "word ");
	buf_adds(&long_ascii, "end");
	for (int i = 0; i < 30; i++)
		buf_adds(&emoji, "\xF0\x9F\x93\xA7"); /* 📧 */
	for (int i = 0; i < 20; i++)
		buf_adds(&mixed, "ab\xC3\xA9\xE4\xBA\x88 ");
	const char *values[] = {
		"\xE3\x80\x90\xE9\x87\x8D\xE8\xA6\x81\xE3\x80\x91\xE3\x81\x94\xE4\xBA\x88\xE7\xB4\x84"
		"\xE3\x81\x82\xE3\x82\x8A\xE3\x81\x8C\xE3\x81\xA8\xE3\x81\x86\xE3\x81\x94\xE3\x81\x96"
		"\xE3\x81\x84\xE3\x81\xBE\xE3\x81\x99",   /* 【重要】ご予約ありがとうございます */
		buf_str(&long_ja), buf_str(&long_ascii), buf_str(&emoji), buf_str(&mixed),
		"caf\xC3\xA9 \xE4\xBA\x88\r\nBcc: x@example.com",
		"  leading and trailing  ",
	};
	for (size_t i = 0; i < COUNT(values); i++) {
		struct buf out = BUF_INIT, dec = BUF_INIT, want = BUF_INIT;
		assert_int_equal(mime_header_text(&out, "Subject", values[i]), RD_OK);
		check_lines(buf_str(&out), 78, values[i]);
		assert_int_equal(strncmp(out.p, "Subject: ", 9), 0);
		/* one field: no line but the first starts without white space */
		for (const char *p = strstr(out.p, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n"))
			if (p[2] != ' ')
				fail_msg("case %zu: a line of its own: %s", i, out.p);
		out.p[out.len - 2] = '\0';
		decode_value(out.p + 9, &dec);
		for (const char *s = values[i]; *s; s++)
			buf_addc(&want, (*s == '\r' || *s == '\n') ? ' ' : *s);
		if (strcmp(buf_str(&dec), buf_str(&want)) != 0)
			fail_msg("case %zu: decoded \"%s\" want \"%s\"", i, buf_str(&dec), buf_str(&want));
		buf_free(&out);
		buf_free(&dec);
		buf_free(&want);
	}
	buf_free(&long_ja);
	buf_free(&long_ascii);
	buf_free(&emoji);
	buf_free(&mixed);
}

/* A long Japanese subject: words of 15 characters (45 bytes, 75 columns),
 * the first shorter to fit after "Subject: ". */
static void test_header_text_japanese_words(void **state)
{
	(void)state;
	struct buf v = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 20; i++)
		buf_adds(&v, "\xE3\x81\x82"); /* あ */
	assert_int_equal(mime_header_text(&out, "Subject", buf_str(&v)), RD_OK);
	/* line 1: "Subject: " + a word of 14 characters (42 bytes, 56 base64) = 77 */
	const char *e1 = strstr(out.p, "\r\n");
	assert_int_equal(e1 - out.p, 9 + 10 + 56 + 2);
	/* line 2: " " + a word of the 6 left (18 bytes, 24 base64) */
	assert_string_equal(e1 + 2, " =?UTF-8?B?44GC44GC44GC44GC44GC44GC?=\r\n");
	buf_free(&v);
	buf_free(&out);
}

/* ---- addresses ------------------------------------------------------------ */

static void test_addresses(void **state)
{
	(void)state;
	static const struct {
		const char *name, *email, *want;
	} cases[] = {
		{ NULL, "a@example.jp", "To: <a@example.jp>\r\n" },
		{ "", "a@example.jp", "To: <a@example.jp>\r\n" },
		{ "   ", "a@example.jp", "To: <a@example.jp>\r\n" },
		{ "Alice", "a@example.jp", "To: \"Alice\" <a@example.jp>\r\n" },
		{ "A \"B\" \\C", "a@example.jp", "To: \"A \\\"B\\\" \\\\C\" <a@example.jp>\r\n" },
		{ "Eve\r\nBcc: x@y.z", "a@example.jp", "To: \"Eve  Bcc: x@y.z\" <a@example.jp>\r\n" },
		{ "\xE5\xB1\xB1\xE7\x94\xB0", "a@example.jp", "To: =?UTF-8?B?5bGx55Sw?= <a@example.jp>\r\n" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct buf out = BUF_INIT;
		struct mime_addr a = { cases[i].name, cases[i].email };
		assert_int_equal(mime_header_addresses(&out, "To", &a, 1), RD_OK);
		if (strcmp(buf_str(&out), cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\" want \"%s\"", i, buf_str(&out), cases[i].want);
		buf_free(&out);
	}
	struct mime_addr two[] = { { "One", "one@example.jp" }, { NULL, "two@example.jp" } };
	struct buf out = BUF_INIT;
	assert_int_equal(mime_header_addresses(&out, "Reply-To", two, 2), RD_OK);
	assert_string_equal(buf_str(&out), "Reply-To: \"One\" <one@example.jp>, <two@example.jp>\r\n");
	buf_reset(&out);
	assert_int_equal(mime_header_addresses(&out, "To", two, 0), RD_E_INPUT);

	/* a long Japanese display name folds and still decodes */
	struct buf name = BUF_INIT;
	for (int i = 0; i < 30; i++)
		buf_adds(&name, "\xE5\xB1\xB1");
	struct mime_addr ja = { buf_str(&name), "yamada@example.jp" };
	buf_reset(&out);
	assert_int_equal(mime_header_addresses(&out, "From", &ja, 1), RD_OK);
	check_lines(buf_str(&out), 78, "long name");
	char *v = header_of(buf_str(&out), "From");
	/* header_of needs the blank line; add it */
	free(v);
	assert_int_equal(buf_adds(&out, "\r\n"), RD_OK);
	v = header_of(buf_str(&out), "From");
	assert_non_null(v);
	struct buf want = BUF_INIT;
	buf_printf(&want, "%s <yamada@example.jp>", buf_str(&name));
	assert_string_equal(v, buf_str(&want));
	free(v);
	buf_free(&want);
	buf_free(&name);
	buf_free(&out);
}

static void test_address_ok(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
		{ NULL, 0 }, { "", 0 }, { "a@b", 1 }, { "first.last+tag@example.co.jp", 1 },
		{ "@example.jp", 0 }, { "a@", 0 }, { "a@b@c", 0 }, { "a b@c.d", 0 },
		{ "<a@b.c>", 0 }, { "a@b.c>\r\nRCPT TO:<x@y.z", 0 }, { "a@b.c\r\n", 0 },
		{ "\xE5\xB1\xB1@example.jp", 0 }, { "a@\xE4\xBE\x8B.jp", 0 }, { "a,b@c.d", 0 },
		{ "\"a\"@b.c", 0 }, { "a@[127.0.0.1]", 0 }, { "a\x7F@b.c", 0 },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		if (mime_address_ok(cases[i].s) != cases[i].ok)
			fail_msg("case %zu (%s): want %d", i, cases[i].s ? cases[i].s : "NULL",
				 cases[i].ok);
	char big[400];
	memset(big, 'a', sizeof big);
	memcpy(big + 300, "@example.jp", 12);
	assert_int_equal(mime_address_ok(big), 1);
	big[300] = 'a';
	memcpy(big + 330, "@example.jp", 12);
	assert_int_equal(mime_address_ok(big), 0);

	struct buf out = BUF_INIT;
	struct mime_addr bad = { "x", "a@b.c>\r\nBcc: <z@y.x" };
	assert_int_equal(mime_header_addresses(&out, "To", &bad, 1), RD_E_INPUT);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

/* ---- Message-ID ----------------------------------------------------------- */

static void test_message_id(void **state)
{
	(void)state;
	static const struct {
		const char *key;
		int64_t batch;
		const char *from, *want;
	} cases[] = {
		{ "m1", 7, "noreply@example.jp", "<redrive.7.m1@example.jp>" },
		{ "order-42.mail", 12, "a@mail.Example.JP", "<redrive.12.order-42.mail@mail.Example.JP>" },
		{ "a b", 7, "noreply@example.jp", "<redrive.7.x-612062@example.jp>" },
		{ "x-1", 7, "noreply@example.jp", "<redrive.7.x-782d31@example.jp>" },
		{ "h-1", 7, "noreply@example.jp", "<redrive.7.x-682d31@example.jp>" },
		{ ".a", 7, "noreply@example.jp", "<redrive.7.x-2e61@example.jp>" },
		{ "a..b", 7, "noreply@example.jp", "<redrive.7.x-612e2e62@example.jp>" },
		{ "a.", 7, "noreply@example.jp", "<redrive.7.x-612e@example.jp>" },
		{ "\xE4\xBA\x88", 7, "noreply@example.jp", "<redrive.7.x-e4ba88@example.jp>" },
		{ "<m1>", 7, "noreply@example.jp", "<redrive.7.x-3c6d313e@example.jp>" },
		{ "", 7, "noreply@example.jp", "<redrive.7.x-@example.jp>" },
		{ NULL, 7, "noreply@example.jp", "<redrive.7.x-@example.jp>" },
		{ "m1", 7, NULL, "<redrive.7.m1@redrive.invalid>" },
		{ "m1", 7, "noreply", "<redrive.7.m1@redrive.invalid>" },
		{ "m1", 7, "a@[127.0.0.1]", "<redrive.7.m1@redrive.invalid>" },
		{ "m1", 7, "a@.example.jp", "<redrive.7.m1@redrive.invalid>" },
		{ "m1", 7, "a@example..jp", "<redrive.7.m1@redrive.invalid>" },
		{ "m1", 7, "a@ex>ample.jp", "<redrive.7.m1@redrive.invalid>" },
		{ "m1", 0, "a@example.jp", "<redrive.0.m1@example.jp>" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		char id[MIME_MESSAGE_ID_MAX];
		mime_message_id(cases[i].key, cases[i].batch, cases[i].from, id);
		if (strcmp(id, cases[i].want) != 0)
			fail_msg("case %zu: got %s want %s", i, id, cases[i].want);
	}
	/* a key too long for the id is hashed; the same key the same hash */
	char key[300], id1[MIME_MESSAGE_ID_MAX], id2[MIME_MESSAGE_ID_MAX];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	mime_message_id(key, 7, "a@example.jp", id1);
	mime_message_id(key, 7, "a@example.jp", id2);
	assert_string_equal(id1, id2);
	assert_int_equal(strncmp(id1, "<redrive.7.h-", 13), 0);
	assert_int_equal(strlen(id1), 13 + 16 + strlen("@example.jp>"));
	key[0] = 'j';
	mime_message_id(key, 7, "a@example.jp", id2);
	assert_string_not_equal(id1, id2);
	/* the longest batch number and a long domain still fit */
	char dom[300] = "a@";
	memset(dom + 2, 'd', 250);
	dom[252] = '\0';
	mime_message_id("m1", INT64_MAX, dom, id1);
	assert_true(strlen(id1) < MIME_MESSAGE_ID_MAX);
	assert_int_equal(id1[0], '<');
	assert_int_equal(id1[strlen(id1) - 1], '>');
}

/* ---- whole messages ------------------------------------------------------- */

#define JA_SUBJECT "\xE3\x81\x94\xE4\xBA\x88\xE7\xB4\x84\xE3\x81\x82\xE3\x82\x8A\xE3\x81\x8C" \
	"\xE3\x81\xA8\xE3\x81\x86\xE3\x81\x94\xE3\x81\x96\xE3\x81\x84\xE3\x81\xBE\xE3\x81\x99"

static char *render_ok(const char *payload, const char *key, struct mime_envelope *env)
{
	struct mime_msg m = { payload, key, "a@example.jp", 7, T0 };
	struct buf out = BUF_INIT;
	int rc = mime_render(&m, &out, env);
	if (rc)
		fail_msg("render failed: %s\npayload: %s", rd_error_message(), payload);
	check_lines(buf_str(&out), 998, "message");
	/* the header section keeps to 78 columns but for X-SMTPAPI */
	const char *end = strstr(out.p, "\r\n\r\n");
	assert_non_null(end);
	for (const char *p = out.p; p < end;) {
		const char *e = strstr(p, "\r\n");
		if (strncmp(p, "X-SMTPAPI:", 10) != 0 && e - p > 78)
			fail_msg("header line of %d columns: %.*s", (int)(e - p), (int)(e - p), p);
		p = e + 2;
	}
	return buf_take(&out);
}

static void test_render_both_parts(void **state)
{
	(void)state;
	const char *payload =
		"{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\",\"name\":\"\xE5\xB1\xB1\xE7\x94\xB0\"}],"
		"\"custom_args\":{\"campaign\":\"c1\"}}],"
		"\"from\":{\"email\":\"noreply@example.jp\",\"name\":\"Example Shop\"},"
		"\"reply_to\":{\"email\":\"help@example.jp\"},"
		"\"subject\":\"" JA_SUBJECT "\","
		"\"content\":[{\"type\":\"text/plain\",\"value\":\"plain \xE6\x9C\xAC\xE6\x96\x87\\nline 2\"},"
		"{\"type\":\"text/html\",\"value\":\"<p>html \xE6\x9C\xAC\xE6\x96\x87</p>\"}],"
		"\"headers\":{\"X-Campaign\":\"autumn\",\"Subject\":\"spoof\",\"to\":\"x@y.z\"}}";
	struct mime_envelope env;
	char *msg = render_ok(payload, "m1", &env);
	assert_string_equal(env.from, "noreply@example.jp");
	assert_string_equal(env.message_id, "<redrive.7.m1@example.jp>");

	char *v;
	assert_string_equal(v = header_of(msg, "Date"), "Tue, 11 Sep 2018 19:31:05 +0000");
	free(v);
	assert_string_equal(v = header_of(msg, "From"), "\"Example Shop\" <noreply@example.jp>");
	free(v);
	assert_string_equal(v = header_of(msg, "To"), "\xE5\xB1\xB1\xE7\x94\xB0 <a@example.jp>");
	free(v);
	assert_string_equal(v = header_of(msg, "Reply-To"), "<help@example.jp>");
	free(v);
	assert_string_equal(v = header_of(msg, "Subject"), JA_SUBJECT);
	free(v);
	assert_string_equal(v = header_of(msg, "Message-ID"), "<redrive.7.m1@example.jp>");
	free(v);
	assert_string_equal(v = header_of(msg, "MIME-Version"), "1.0");
	free(v);
	assert_string_equal(v = header_of(msg, "X-SMTPAPI"),
			    "{\"unique_args\":{\"campaign\":\"c1\",\"msg_key\":\"m1\",\"redrive_batch\":\"7\"}}");
	free(v);
	assert_string_equal(v = header_of(msg, "X-Campaign"), "autumn");
	free(v);
	assert_int_equal(header_count(msg, "Subject"), 1);
	assert_int_equal(header_count(msg, "To"), 1);
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative; boundary=\"=_redrive_"));
	assert_string_equal(v = part_body(msg, "text/plain"), "plain \xE6\x9C\xAC\xE6\x96\x87\nline 2");
	free(v);
	assert_string_equal(v = part_body(msg, "text/html"), "<p>html \xE6\x9C\xAC\xE6\x96\x87</p>");
	free(v);
	/* plain first (the least preferred), the closing boundary last */
	assert_true(strstr(msg, "text/plain") < strstr(msg, "text/html"));
	assert_non_null(strstr(msg, "--\r\n"));
	assert_string_equal(msg + strlen(msg) - 2, "\r\n");

	/* the same input gives the same bytes */
	char *again = render_ok(payload, "m1", &env);
	assert_string_equal(msg, again);
	free(again);
	free(msg);
}

static void test_render_single_parts(void **state)
{
	(void)state;
	static const struct {
		const char *content, *type, *body;
	} cases[] = {
		{ "[{\"type\":\"text/plain\",\"value\":\"ok\"}]", "text/plain", "ok" },
		{ "[{\"type\":\"text/html\",\"value\":\"<b>ok</b>\"}]", "text/html", "<b>ok</b>" },
		{ "[{\"type\":\"text/plain; charset=utf-8\",\"value\":\"p\"},{\"type\":\"text/x-amp-html\",\"value\":\"a\"}]",
		  "text/plain", "p" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		char payload[512];
		snprintf(payload, sizeof payload,
			 "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}]}],"
			 "\"from\":{\"email\":\"noreply@example.jp\"},\"subject\":\"Hi\",\"content\":%s}",
			 cases[i].content);
		struct mime_envelope env;
		char *msg = render_ok(payload, "m1", &env);
		assert_null(strstr(msg, "multipart"));
		char want[64];
		snprintf(want, sizeof want, "%s; charset=UTF-8", cases[i].type);
		char *v = header_of(msg, "Content-Type");
		assert_string_equal(v, want);
		free(v);
		assert_string_equal(v = header_of(msg, "Content-Transfer-Encoding"), "base64");
		free(v);
		assert_string_equal(v = part_body(msg, cases[i].type), cases[i].body);
		free(v);
		free(msg);
	}
}

static void test_render_personalization_wins(void **state)
{
	(void)state;
	const char *payload =
		"{\"personalizations\":[{\"to\":[{\"email\":\"b@example.jp\"}],\"subject\":\"Hello -name-\","
		"\"from\":{\"email\":\"p@shop.example\"},\"headers\":{\"X-A\":\"personal\"},"
		"\"substitutions\":{\"-name-\":\"\xE5\xB1\xB1\xE7\x94\xB0\",\"-n\":\"no\"},"
		"\"custom_args\":{\"k\":\"personal\",\"msg_key\":\"stored\"}}],"
		"\"from\":{\"email\":\"top@example.jp\"},\"subject\":\"Top\","
		"\"headers\":{\"x-a\":\"top\",\"X-B\":\"top\"},\"custom_args\":{\"k\":\"top\",\"t\":\"1\"},"
		"\"content\":[{\"type\":\"text/plain\",\"value\":\"Dear -name-, -name-.\"}]}";
	struct mime_envelope env;
	char *msg = render_ok(payload, "m9", &env);
	char *v;
	assert_string_equal(env.from, "p@shop.example");
	assert_string_equal(env.message_id, "<redrive.7.m9@shop.example>");
	assert_string_equal(v = header_of(msg, "Subject"), "Hello \xE5\xB1\xB1\xE7\x94\xB0");
	free(v);
	assert_string_equal(v = header_of(msg, "To"), "<b@example.jp>");
	free(v);
	assert_string_equal(v = header_of(msg, "X-A"), "personal");
	free(v);
	assert_int_equal(header_count(msg, "X-A"), 1);
	assert_string_equal(v = header_of(msg, "X-B"), "top");
	free(v);
	assert_string_equal(v = header_of(msg, "X-SMTPAPI"),
			    "{\"unique_args\":{\"k\":\"personal\",\"t\":\"1\",\"msg_key\":\"m9\",\"redrive_batch\":\"7\"}}");
	free(v);
	assert_string_equal(v = part_body(msg, "text/plain"),
			    "Dear \xE5\xB1\xB1\xE7\x94\xB0, \xE5\xB1\xB1\xE7\x94\xB0.");
	free(v);
	free(msg);

	/* no personalizations: To is the recipient */
	msg = render_ok("{\"from\":{\"email\":\"n@example.jp\"},\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}]}",
			"m2", &env);
	assert_string_equal(v = header_of(msg, "To"), "<a@example.jp>");
	free(v);
	assert_int_equal(header_count(msg, "Subject"), 0);
	free(msg);
}

static void test_render_hostile(void **state)
{
	(void)state;
	/* CR/LF in the subject, a name, a header value and the msg_key never
	 * start a header; the X-SMTPAPI JSON escapes them */
	const char *payload =
		"{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\",\"name\":\"A\\r\\nBcc: x@evil.example\"}]}],"
		"\"from\":{\"email\":\"n@example.jp\",\"name\":\"\xE5\xB1\xB1\\r\\nBcc: y@evil.example\"},"
		"\"subject\":\"Hi\\r\\nBcc: z@evil.example\\r\\n\\r\\nbody\","
		"\"headers\":{\"X-Trace\":\"t\\nBcc: w@evil.example\",\"X-Ja\":\"\xE4\xBA\x88\\r\\nBcc: v@evil.example\"},"
		"\"content\":[{\"type\":\"text/plain\",\"value\":\"\\r\\n.\\r\\nQUIT\\r\\n\"}]}";
	struct mime_envelope env;
	char *msg = render_ok(payload, "k\r\nBcc: u@evil.example", &env);
	assert_int_equal(header_count(msg, "Bcc"), 0);
	assert_null(strstr(msg, "\r\nBcc"));
	char *v;
	assert_string_equal(v = header_of(msg, "Subject"), "Hi  Bcc: z@evil.example    body");
	free(v);
	assert_string_equal(env.message_id, "<redrive.7.x-6b0d0a4263633a2075406576696c2e6578616d706c65@example.jp>");
	assert_non_null(strstr(msg, "\"msg_key\":\"k\\r\\nBcc: u@evil.example\""));
	/* the body is base64: its dots and CRLFs cannot end the DATA */
	assert_null(strstr(msg, "\r\n.\r\n"));
	assert_string_equal(v = part_body(msg, "text/plain"), "\r\n.\r\nQUIT\r\n");
	free(v);
	free(msg);
}

static void test_render_errors(void **state)
{
	(void)state;
	static const struct {
		const char *payload, *recipient, *says;
	} cases[] = {
		{ NULL, "a@example.jp", "no stored payload" },
		{ "", "a@example.jp", "no stored payload" },
		{ "{", "a@example.jp", "not JSON" },
		{ "[]", "a@example.jp", "not a JSON object" },
		{ "{\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}]}", "a@example.jp", "no from" },
		{ "{\"from\":{\"name\":\"x\"},\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}]}",
		  "a@example.jp", "from has no email" },
		{ "{\"from\":{\"email\":\"\xE5\xB1\xB1@example.jp\"},\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}]}",
		  "a@example.jp", "cannot be used over SMTP" },
		{ "{\"from\":{\"email\":\"n@example.jp\"},\"template_id\":\"d-123\"}", "a@example.jp",
		  "template" },
		{ "{\"from\":{\"email\":\"n@example.jp\"}}", "a@example.jp", "no text/plain or text/html" },
		{ "{\"from\":{\"email\":\"n@example.jp\"},\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}],"
		  "\"attachments\":[{\"content\":\"eA==\",\"filename\":\"a.txt\"}]}", "a@example.jp", "attachments" },
		{ "{\"from\":{\"email\":\"n@example.jp\"},\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}],"
		  "\"headers\":{\"Bad Name\":\"x\"}}", "a@example.jp", "header name" },
		{ "{\"from\":{\"email\":\"n@example.jp\"},\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}],"
		  "\"headers\":{\"X-N\":5}}", "a@example.jp", "must be text" },
		{ "{\"from\":{\"email\":\"n@example.jp\"},\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}]}",
		  "a@b.c>\r\nRCPT TO:<x@y.z", "recipient" },
		{ "{\"personalizations\":[{\"to\":[{\"email\":\"a b@c.d\"}]}],\"from\":{\"email\":\"n@example.jp\"},"
		  "\"content\":[{\"type\":\"text/plain\",\"value\":\"x\"}]}", "a@example.jp", "personalizations[0].to" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct mime_msg m = { cases[i].payload, "m1", cases[i].recipient, 7, T0 };
		struct buf out = BUF_INIT;
		struct mime_envelope env;
		int rc = mime_render(&m, &out, &env);
		if (rc != RD_E_INPUT)
			fail_msg("case %zu: rc %d, want RD_E_INPUT", i, rc);
		if (!strstr(rd_error_message(), cases[i].says))
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, rd_error_message(),
				 cases[i].says);
		buf_free(&out);
	}
	struct buf out = BUF_INIT;
	struct mime_envelope env;
	assert_int_equal(mime_render(NULL, &out, &env), RD_E_INPUT);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_lines),
		cmocka_unit_test(test_header_text_exact),
		cmocka_unit_test(test_header_text_bad_names),
		cmocka_unit_test(test_header_text_round_trip),
		cmocka_unit_test(test_header_text_japanese_words),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_address_ok),
		cmocka_unit_test(test_message_id),
		cmocka_unit_test(test_render_both_parts),
		cmocka_unit_test(test_render_single_parts),
		cmocka_unit_test(test_render_personalization_wins),
		cmocka_unit_test(test_render_hostile),
		cmocka_unit_test(test_render_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
