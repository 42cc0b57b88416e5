/* test_jsonstream.c — splitting streams into JSON records, as tables.
 *
 * Most cases compare a transcript of what the splitter returned, one line a
 * result: "R <line> <text>" for a record, "X <line> <text>" for a bad stretch
 * ("X~" when truncated), with line breaks, tabs and odd bytes escaped.  Every
 * case runs again with tiny read buffers, so records straddle refills at
 * every possible byte, and must give the same transcript. */
#include "redrive/jsonstream.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/limits.h"
#include "transcript.h"

/* Appends s[0..n) to out with \n \r \t \\ and odd bytes escaped. */
static void add_escaped(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\r')
			buf_adds(out, "\\r");
		else if (c == '\t')
			buf_adds(out, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(out, "\\x%02x", c);
		else
			buf_addc(out, (char)c);
	}
}

/* Splits in[0..n) and returns the transcript (caller frees).  Checks what
 * holds for every input: indexes run 1, 2, 3...; no read errors; 0 stays 0;
 * the offset ends at n; a record is never longer than max_record.  When errs
 * is not NULL, the error of each bad stretch is appended to it, one a line. */
static char *split(const char *name, const char *in, size_t n, size_t max_record,
		   size_t bufsize, struct buf *errs)
{
	FILE *f = open_input(in, n);
	struct jsonstream *s = bufsize ? jsonstream_new_bufsize(f, max_record, bufsize)
				       : jsonstream_new(f, max_record);
	assert_non_null(s);
	size_t limit = max_record ? max_record : RD_MAX_JSON_RECORD;
	struct buf out = BUF_INIT;
	struct js_record rec;
	uint64_t want_index = 1;
	int rc;
	buf_adds(&out, "");
	while ((rc = jsonstream_next(s, &rec)) != 0) {
		if (rc == -2)
			fail_msg("%s (bufsize %zu): read error: %s", name, bufsize,
				 jsonstream_error(s));
		if (rec.index != want_index)
			fail_msg("%s (bufsize %zu): index %llu, want %llu", name, bufsize,
				 (unsigned long long)rec.index, (unsigned long long)want_index);
		want_index++;
		if (rec.n > limit)
			fail_msg("%s: record of %zu bytes over max_record %zu", name, rec.n, limit);
		if (rc == 1 && rec.truncated)
			fail_msg("%s: a good record marked truncated", name);
		buf_printf(&out, "%s %llu ", rc == 1 ? "R" : rec.truncated ? "X~" : "X",
			   (unsigned long long)rec.line);
		add_escaped(&out, rec.p, rec.n);
		buf_addc(&out, '\n');
		if (rc == -1 && errs) {
			buf_adds(errs, jsonstream_error(s));
			buf_addc(errs, '\n');
		}
	}
	assert_int_equal(jsonstream_next(s, &rec), 0);
	if (jsonstream_offset(s) != n)
		fail_msg("%s (bufsize %zu): offset %llu at the end, want %zu", name, bufsize,
			 (unsigned long long)jsonstream_offset(s), n);
	jsonstream_free(s);
	fclose(f);
	return buf_take(&out);
}

/* Every case again with read buffers of 16..48 bytes and one of 4 KiB. */
static const size_t split_bufsizes[] = { 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
					 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
					 42, 43, 44, 45, 46, 47, 48, 4096 };
static const struct transcript_reader splitter = { split, split_bufsizes, COUNT(split_bufsizes) };

/* --- NULL and empty ------------------------------------------------------ */

static void test_null_and_empty(void **state)
{
	(void)state;
	struct js_record rec;
	assert_null(jsonstream_new(NULL, 0));
	assert_null(jsonstream_new_bufsize(NULL, 10, 10));
	jsonstream_free(NULL);
	errno = 0;
	assert_int_equal(jsonstream_next(NULL, &rec), -2);
	assert_int_equal(errno, EINVAL);
	assert_non_null(jsonstream_error(NULL));
	assert_int_equal(jsonstream_offset(NULL), 0);

	FILE *f = open_input("", 0);
	struct jsonstream *s = jsonstream_new(f, 0);
	assert_non_null(s);
	assert_int_equal(jsonstream_next(s, NULL), -2);
	assert_int_equal(jsonstream_next(s, &rec), 0);
	assert_int_equal(jsonstream_next(s, &rec), 0);
	assert_int_equal(jsonstream_offset(s), 0);
	assert_string_equal(jsonstream_error(s), "no error");
	jsonstream_free(s);
	fclose(f);

	static const struct read_case cases[] = {
		{ "empty", "", 0, "", NULL },
		{ "blanks", " \n\r\n\t  \n", 0, "", NULL },
		{ "BOM only", "\xEF\xBB\xBF", 0, "", NULL },
		{ "BOM and blanks", "\xEF\xBB\xBF\r\n", 0, "", NULL },
		{ "empty array", "[]", 0, "", NULL },
		{ "empty arrays", "[ ]\n[\n]\r\n[][]", 0, "", NULL },
	};
	run_cases(&splitter, cases, COUNT(cases), 0);
}

/* --- good input ---------------------------------------------------------- */

static void test_split(void **state)
{
	(void)state;
	static const struct read_case cases[] = {
		{ "one array", "[{\"a\":1},{\"b\":2}]", 0,
		  "R 1 {\"a\":1}\nR 1 {\"b\":2}\n", NULL },
		{ "arrays back to back", "[{\"a\":1}][{\"b\":2}][{\"c\":3}]", 0,
		  "R 1 {\"a\":1}\nR 1 {\"b\":2}\nR 1 {\"c\":3}\n", NULL },
		{ "arrays with blanks between", "[{\"a\":1}]  \t [{\"b\":2}] ", 0,
		  "R 1 {\"a\":1}\nR 1 {\"b\":2}\n", NULL },
		{ "arrays on lines", "[{\"a\":1}]\n[{\"b\":2},{\"c\":3}]\n", 0,
		  "R 1 {\"a\":1}\nR 2 {\"b\":2}\nR 2 {\"c\":3}\n", NULL },
		{ "arrays on CRLF lines", "[{\"a\":1}]\r\n\r\n[{\"b\":2}]\r\n", 0,
		  "R 1 {\"a\":1}\nR 3 {\"b\":2}\n", NULL },
		{ "JSON Lines", "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", 0,
		  "R 1 {\"a\":1}\nR 2 {\"b\":2}\nR 3 {\"c\":3}\n", NULL },
		{ "JSON Lines without final line break", "{\"a\":1}\n{\"b\":2}", 0,
		  "R 1 {\"a\":1}\nR 2 {\"b\":2}\n", NULL },
		{ "JSON Lines with CRLF and empty lines", "{\"a\":1}\r\n\r\n  {\"b\":2}\r\n", 0,
		  "R 1 {\"a\":1}\nR 3 {\"b\":2}\n", NULL },
		{ "objects back to back", "{\"a\":1}{\"b\":2} {}", 0,
		  "R 1 {\"a\":1}\nR 1 {\"b\":2}\nR 1 {}\n", NULL },
		{ "mixed", "{\"a\":1}\n[{\"b\":2},{\"c\":3}]\n{\"d\":4}\n[]\n[ ]\n{\"e\":5}", 0,
		  "R 1 {\"a\":1}\nR 2 {\"b\":2}\nR 2 {\"c\":3}\nR 3 {\"d\":4}\nR 6 {\"e\":5}\n",
		  NULL },
		{ "pretty printed",
		  "[\n  {\n    \"a\": 1,\n    \"b\": [1, 2]\n  },\n  {\n    \"c\": {\"d\": null}\n"
		  "  }\n]\n{\n  \"e\": true\n}\n", 0,
		  "R 2 {\\n    \"a\": 1,\\n    \"b\": [1, 2]\\n  }\n"
		  "R 6 {\\n    \"c\": {\"d\": null}\\n  }\n"
		  "R 10 {\\n  \"e\": true\\n}\n", NULL },
		{ "pretty printed with CRLF and tabs",
		  "[\r\n\t{\r\n\t\t\"a\" : 1\r\n\t}\r\n]\r\n", 0,
		  "R 2 {\\r\\n\\t\\t\"a\" : 1\\r\\n\\t}\n", NULL },
		{ "nested values", "[{\"a\":[[1,[2]],{\"b\":{\"c\":[]}}]},[1,2],{},[[]]]", 0,
		  "R 1 {\"a\":[[1,[2]],{\"b\":{\"c\":[]}}]}\nR 1 [1,2]\nR 1 {}\nR 1 [[]]\n", NULL },
		{ "scalars in an array", "[1, -0.5e-3, \"s\", true, false, null, 1E+2, 0]", 0,
		  "R 1 1\nR 1 -0.5e-3\nR 1 \"s\"\nR 1 true\nR 1 false\nR 1 null\nR 1 1E+2\nR 1 0\n",
		  NULL },
		{ "numbers", "[0,-0,1.0,10,123e4,1e-7,-9.25E+10,0.0e0,5E05]", 0,
		  "R 1 0\nR 1 -0\nR 1 1.0\nR 1 10\nR 1 123e4\nR 1 1e-7\nR 1 -9.25E+10\n"
		  "R 1 0.0e0\nR 1 5E05\n", NULL },
		{ "numbers in objects", "{\"a\":0,\"b\":-12.5e+3,\"c\":7}", 0,
		  "R 1 {\"a\":0,\"b\":-12.5e+3,\"c\":7}\n", NULL },
		{ "strings holding brackets", "{\"a\":\"]}[{,:\"}\n[\"}]\",{\"b\":\"\\\"}\"}]", 0,
		  "R 1 {\"a\":\"]}[{,:\"}\nR 2 \"}]\"\nR 2 {\"b\":\"\\\"}\"}\n", NULL },
		{ "escapes", "{\"a\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00 \\uFFFF\"}",
		  0, "R 1 {\"a\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00 \\uFFFF\"}\n",
		  NULL },
		{ "escaped backslash before a quote", "{\"a\":\"x\\\\\"}\n{\"b\":\"\\\\\\\"\"}", 0,
		  "R 1 {\"a\":\"x\\\\\"}\nR 2 {\"b\":\"\\\\\\\"\"}\n", NULL },
		{ "UTF-8 is not checked", "{\"a\":\"h\xC3\xA9llo \xFF\"}", 0,
		  "R 1 {\"a\":\"h\\xc3\\xa9llo \\xff\"}\n", NULL },
		{ "BOM", "\xEF\xBB\xBF{\"a\":1}\n", 0, "R 1 {\"a\":1}\n", NULL },
		{ "BOM before an array", "\xEF\xBB\xBF[{\"a\":1}]", 0, "R 1 {\"a\":1}\n", NULL },
		{ "blanks inside arrays", "[ {\"a\" : 1} ,\n {\"b\":2}\n ]", 0,
		  "R 1 {\"a\" : 1}\nR 2 {\"b\":2}\n", NULL },
		{ "keys and values with every literal", "{\"t\":true,\"f\":false,\"n\":null}", 0,
		  "R 1 {\"t\":true,\"f\":false,\"n\":null}\n", NULL },
	};
	run_cases(&splitter, cases, COUNT(cases), 0);
}

/* --- bad input ----------------------------------------------------------- */

static void test_bad_stretches(void **state)
{
	(void)state;
	static const struct read_case cases[] = {
		{ "bad line in JSON Lines", "{\"a\":1}\n{\"b\":x}\n{\"c\":3}\n", 0,
		  "R 1 {\"a\":1}\nX 2 {\"b\":x}\nR 3 {\"c\":3}\n",
		  "expected a value, found 'x' at line 2 byte 13" },
		{ "two bad lines in a row", "{\"a\":x}\n{\"b\":y}\n{\"c\":1}", 0,
		  "X 1 {\"a\":x}\nX 2 {\"b\":y}\nR 3 {\"c\":1}\n", "found 'x'" },
		{ "bad last line without line break", "{\"a\":1}\n{\"b\":x}", 0,
		  "R 1 {\"a\":1}\nX 2 {\"b\":x}\n", "found 'x'" },
		{ "bad line with CRLF", "{\"a\":1}\r\n{\"b\":}\r\n{\"c\":3}\r\n", 0,
		  "R 1 {\"a\":1}\nX 2 {\"b\":}\nR 3 {\"c\":3}\n", "expected a value, found '}'" },
		{ "broken element, then an array on the next line",
		  "[{\"a\":1},{\"b\":x},{\"c\":3}]\n[{\"d\":4}]\n", 0,
		  "R 1 {\"a\":1}\nX 1 {\"b\":x},{\"c\":3}]\nR 2 {\"d\":4}\n", "found 'x'" },
		{ "record cut by a line start", "{\"a\":1\n{\"b\":2}\n", 0,
		  "X 1 {\"a\":1\nR 2 {\"b\":2}\n",
		  "expected ',' or '}' after a value, found '{' at line 2 byte 7" },
		{ "record cut by an indented array", "{\"a\":[1 \n  [{\"b\":2}]\n", 0,
		  "X 1 {\"a\":[1\nR 2 {\"b\":2}\n",
		  "expected ',' or ']' after a value, found '[' at line 2 byte 11" },
		{ "unterminated string", "{\"a\":\"abc\n{\"b\":1}\n", 0,
		  "X 1 {\"a\":\"abc\nR 2 {\"b\":1}\n",
		  "unterminated string starting at line 1 byte 5" },
		{ "raw tab in a string", "{\"a\":\"x\ty\"}\n{\"b\":1}", 0,
		  "X 1 {\"a\":\"x\\ty\"}\nR 2 {\"b\":1}\n",
		  "raw control character 0x09 inside a string at line 1 byte 7" },
		{ "raw NUL in a string", "{\"a\":\"x\0y\"}\n{\"b\":1}", 19,
		  "X 1 {\"a\":\"x\\x00y\"}\nR 2 {\"b\":1}\n", "raw control character 0x00" },
		{ "bad escape", "{\"a\":\"\\x\"}\n{\"b\":1}", 0,
		  "X 1 {\"a\":\"\\x\"}\nR 2 {\"b\":1}\n", "bad escape in a string" },
		{ "bad \\u escape", "{\"a\":\"\\u12G4\"}", 0, "X 1 {\"a\":\"\\u12G4\"}\n",
		  "bad \\u escape: expected 4 hex digits, found 'G'" },
		{ "short \\u escape", "{\"a\":\"\\u12\"}", 0, "X 1 {\"a\":\"\\u12\"}\n",
		  "found '\"'" },
		{ "lone high surrogate", "{\"a\":\"\\uD800x\"}", 0, "X 1 {\"a\":\"\\uD800x\"}\n",
		  "a high surrogate \\u escape must be followed by a low surrogate" },
		{ "high surrogate and a non-surrogate", "{\"a\":\"\\uD800\\u0041\"}", 0,
		  "X 1 {\"a\":\"\\uD800\\u0041\"}\n", "is not a low surrogate" },
		{ "lone low surrogate", "{\"a\":\"\\uDC00\"}", 0, "X 1 {\"a\":\"\\uDC00\"}\n",
		  "lone low surrogate \\uDC00" },
		{ "leading zero", "{\"a\":01}", 0, "X 1 {\"a\":01}\n",
		  "a number starts with 0 followed by a digit" },
		{ "no digit after the point", "{\"a\":1.}", 0, "X 1 {\"a\":1.}\n",
		  "expected a digit after '.'" },
		{ "minus alone", "{\"a\":-}", 0, "X 1 {\"a\":-}\n", "expected a digit after '-'" },
		{ "empty exponent", "{\"a\":1e}", 0, "X 1 {\"a\":1e}\n",
		  "expected a digit in the exponent" },
		{ "exponent sign alone", "[1e+]", 0, "X 1 1e+]\n", "expected a digit in the exponent" },
		{ "point first", "{\"a\":.5}", 0, "X 1 {\"a\":.5}\n", "expected a value, found '.'" },
		{ "plus sign", "{\"a\":+1}", 0, "X 1 {\"a\":+1}\n", "expected a value, found '+'" },
		{ "hex number", "{\"a\":0x1}", 0, "X 1 {\"a\":0x1}\n",
		  "expected ',' or '}' after a value, found 'x'" },
		{ "bad literal", "{\"a\":tru}\n{\"b\":nul}", 0, "X 1 {\"a\":tru}\nX 2 {\"b\":nul}\n",
		  "bad literal: expected 'true', found '}'" },
		{ "capital literal", "{\"a\":True}", 0, "X 1 {\"a\":True}\n",
		  "expected a value, found 'T'" },
		{ "missing colon", "{\"a\" 1}", 0, "X 1 {\"a\" 1}\n",
		  "expected ':' after an object key, found '1'" },
		{ "key not a string", "{a:1}", 0, "X 1 {a:1}\n",
		  "expected a string key or '}' after '{', found 'a'" },
		{ "trailing comma in an object", "{\"a\":1,}", 0, "X 1 {\"a\":1,}\n",
		  "expected a string key after ',', found '}'" },
		{ "trailing comma in a top-level array", "[{\"a\":1},]\n{\"b\":2}", 0,
		  "R 1 {\"a\":1}\nX 1 ]\nR 2 {\"b\":2}\n", "expected a value after ',', found ']'" },
		{ "missing comma in a top-level array", "[{\"a\":1} {\"b\":2}]\n{\"c\":3}", 0,
		  "R 1 {\"a\":1}\nX 1 {\"b\":2}]\nR 2 {\"c\":3}\n",
		  "expected ',' or ']' after a value, found '{'" },
		{ "mismatched closer", "{\"a\":[1}]", 0, "X 1 {\"a\":[1}]\n",
		  "expected ',' or ']' after a value, found '}'" },
		{ "top-level number", "42\n{\"a\":1}", 0, "X 1 42\nR 2 {\"a\":1}\n",
		  "top-level value is a number; expected an object or an array of objects" },
		{ "top-level string", "\"s\"\n{\"a\":1}", 0, "X 1 \"s\"\nR 2 {\"a\":1}\n",
		  "top-level value is a string" },
		{ "top-level null", "null\n", 0, "X 1 null\n", "top-level value is null" },
		{ "top-level garbage", "hello\n{\"a\":1}", 0, "X 1 hello\nR 2 {\"a\":1}\n",
		  "expected '{' or '[' to start a record, found 'h' at line 1 byte 0" },
		{ "comma between top-level objects", "{\"a\":1},{\"b\":2}\n{\"c\":3}", 0,
		  "R 1 {\"a\":1}\nX 1 ,{\"b\":2}\nR 2 {\"c\":3}\n",
		  "unexpected ',' between top-level values" },
		{ "stray closer", "]\n{\"a\":1}", 0, "X 1 ]\nR 2 {\"a\":1}\n",
		  "expected '{' or '[' to start a record, found ']'" },
		{ "garbage after a record on its line", "{\"a\":1} x {\"b\":2}\n{\"c\":3}", 0,
		  "R 1 {\"a\":1}\nX 1 x {\"b\":2}\nR 2 {\"c\":3}\n", "found 'x'" },
		{ "BOM in the middle", "{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n{\"c\":3}", 0,
		  "R 1 {\"a\":1}\nX 2 \\xef\\xbb\\xbf{\"b\":2}\nR 3 {\"c\":3}\n", "byte 0xef" },
		{ "input ends inside a record", "{\"a\":1}\n{\"b\":[1,2", 0,
		  "R 1 {\"a\":1}\nX 2 {\"b\":[1,2\n",
		  "input ends inside a record that started at line 2 byte 8" },
		{ "input ends inside a string", "{\"a\":1}\n{\"b\":\"ab", 0,
		  "R 1 {\"a\":1}\nX 2 {\"b\":\"ab\n",
		  "input ends inside a record that started at line 2 (in the string starting"
		  " at line 2 byte 13)" },
		{ "input ends inside an escape", "{\"b\":\"ab\\u12", 0, "X 1 {\"b\":\"ab\\u12\n",
		  "in the string starting at line 1 byte 5" },
		{ "input ends inside an array, after a comma", "[{\"a\":1},", 0,
		  "R 1 {\"a\":1}\nX 1 \n", "input ends inside the array that started at line 1"
		  " byte 0; ']' is missing" },
		{ "input ends inside an array", "\n[{\"a\":1}\n", 0, "R 2 {\"a\":1}\nX 3 \n",
		  "array that started at line 2 byte 1" },
		{ "pretty-printed array with a broken element",
		  "[\n  {\"a\": 1},\n  {\"b\": x},\n  {\"c\": 3}\n]\n", 0,
		  "R 2 {\"a\": 1}\nX 3 {\"b\": x},\nR 4 {\"c\": 3}\n", "found 'x'" },
		{ "pretty-printed multi-line elements with a broken one",
		  "[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": x\n  },\n  {\n    \"c\": 3\n  }\n]\n"
		  "[{\"d\":4}]\n", 0,
		  "R 2 {\\n    \"a\": 1\\n  }\nX 5 {\\n    \"b\": x\\n  },\n"
		  "R 8 {\\n    \"c\": 3\\n  }\nR 12 {\"d\":4}\n", "found 'x' at line 6" },
		{ "broken array followed by JSON Lines",
		  "[{\"a\":1},{\"b\":x}\n{\"c\":3}\n{\"d\":4}\n", 0,
		  "R 1 {\"a\":1}\nX 1 {\"b\":x}\nR 2 {\"c\":3}\nR 3 {\"d\":4}\n", "found 'x'" },
		{ "broken element, resync, then a missing comma",
		  "[{\"a\":x},\n{\"b\":2} {\"c\":3}]\n", 0,
		  "X 1 {\"a\":x},\nR 2 {\"b\":2}\nR 2 {\"c\":3}\nX 2 ]\n",
		  "found 'x'" },
		{ "resync skips lines not starting a record",
		  "{\"a\":x,\n\"b\": {\n\"c\":1}}\n  {\"d\":1}", 0,
		  "X 1 {\"a\":x,\\n\"b\": {\\n\"c\":1}}\nR 4 {\"d\":1}\n", "found 'x'" },
	};
	run_cases(&splitter, cases, COUNT(cases), 0);
}

/* Exact messages, so their form (what, found what, where) stays put. */
static void test_error_messages(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t max_record;
		const char *msg;
	} cases[] = {
		{ "{\"a\":1}\n\n{\"s\":\"abc\n", 0,
		  "unterminated string starting at line 3 byte 14 (a line break inside a string"
		  " must be written \\n)" },
		{ "{\"a\":1 x}", 0,
		  "expected ',' or '}' after a value, found 'x' at line 1 byte 7" },
		{ "[1 2]", 0, "expected ',' or ']' after a value, found '2' at line 1 byte 3" },
		{ "{\"a\":\"0123456789abcdef\"}", 16, "record larger than 16 bytes" },
		{ "-1", 0, "top-level value is a number; expected an object or an array of objects"
		  " (line 1 byte 0)" },
		{ "\n\n{\"a\":[1,\n", 0, "input ends inside a record that started at line 3 byte 2" },
		{ "{\"a\":\"\x01\"}", 0, "raw control character 0x01 inside a string at line 1"
		  " byte 6 (must be escaped as \\u0001)" },
		{ "{\"a\" :\n x}", 0, "expected a value, found 'x' at line 2 byte 8" },
		{ "{\"a\":1, }", 0, "expected a string key after ',', found '}' at line 1 byte 8" },
		{ "{\"a\":\n\n}", 0, "expected a value, found '}' at line 3 byte 7" },
		{ "{\"a\":1\x7f}", 0,
		  "expected ',' or '}' after a value, found byte 0x7f at line 1 byte 6" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		FILE *f = open_input(cases[i].in, strlen(cases[i].in));
		struct jsonstream *s = jsonstream_new(f, cases[i].max_record);
		struct js_record rec;
		int rc = jsonstream_next(s, &rec);
		while (rc == 1)
			rc = jsonstream_next(s, &rec);
		if (rc != -1)
			fail_msg("case %zu: got %d, want a bad stretch", i, rc);
		if (strcmp(jsonstream_error(s), cases[i].msg) != 0)
			fail_msg("case %zu: message\n  %s\nwant\n  %s", i, jsonstream_error(s),
				 cases[i].msg);
		jsonstream_free(s);
		fclose(f);
	}
}

/* Nesting: 512 levels pass, 513 are a bad stretch. */
static void test_nesting_limit(void **state)
{
	(void)state;
	for (int levels = 510; levels <= 514; levels++) {
		struct buf in = BUF_INIT;
		/* One record of an array: the top-level array is level 1. */
		for (int i = 0; i < levels; i++)
			buf_addc(&in, '[');
		for (int i = 0; i < levels; i++)
			buf_addc(&in, ']');
		buf_adds(&in, "\n{\"next\":1}\n");
		struct buf errs = BUF_INIT;
		char *got = transcript_all_sizes(&splitter, "nesting", in.p, in.len, 0, &errs);
		if (levels <= 512) {
			assert_int_equal(strncmp(got, "R 1 [", 5), 0);
			assert_int_equal(errs.len, 0);
		} else {
			assert_int_equal(strncmp(got, "X~ 1 [", 6) == 0 || strncmp(got, "X 1 [", 5) == 0,
					 1);
			assert_non_null(strstr(buf_str(&errs), "nesting deeper than 512 levels"));
		}
		assert_non_null(strstr(got, "R 2 {\"next\":1}\n"));
		free(got);
		buf_free(&errs);
		buf_free(&in);
	}
}

/* --- positions ----------------------------------------------------------- */

static void test_positions(void **state)
{
	(void)state;
	static const char in[] = "\xEF\xBB\xBF[{\"a\":1},\n {\"b\":2}]\n{\"c\":\n3}\n{\"bad\":x}\n"
				 "{\"d\":4}";
	static const struct {
		int rc;
		uint64_t line, byte, index;
		size_t n;
	} want[] = {
		{ 1, 1, 4, 1, 7 },
		{ 1, 2, 14, 2, 7 },
		{ 1, 3, 23, 3, 8 },
		{ -1, 5, 32, 4, 9 },
		{ 1, 6, 42, 5, 7 },
	};
	for (size_t bs = 0; bs < 40; bs = bs ? bs + 1 : 16) {
		FILE *f = open_input(in, sizeof in - 1);
		struct jsonstream *s = bs ? jsonstream_new_bufsize(f, 0, bs) : jsonstream_new(f, 0);
		struct js_record rec;
		for (size_t i = 0; i < COUNT(want); i++) {
			int rc = jsonstream_next(s, &rec);
			if (rc != want[i].rc || rec.line != want[i].line || rec.byte != want[i].byte ||
			    rec.index != want[i].index || rec.n != want[i].n)
				fail_msg("bufsize %zu result %zu: rc %d line %llu byte %llu index %llu"
					 " n %zu", bs, i, rc, (unsigned long long)rec.line,
					 (unsigned long long)rec.byte, (unsigned long long)rec.index,
					 rec.n);
			assert_memory_equal(rec.p, in + rec.byte, rec.n);
		}
		assert_int_equal(jsonstream_next(s, &rec), 0);
		assert_int_equal(jsonstream_offset(s), sizeof in - 1);
		jsonstream_free(s);
		fclose(f);
	}
}

/* --- max_record ---------------------------------------------------------- */

static void test_max_record(void **state)
{
	(void)state;
	/* max_record 16: {"a":"01234567"} is 16 bytes, {"a":"012345678"} 17. */
	static const struct read_case cases[] = {
		{ "exactly max_record", "{\"a\":\"01234567\"}\n{\"b\":2}", 0,
		  "R 1 {\"a\":\"01234567\"}\nR 2 {\"b\":2}\n", NULL },
		{ "one byte over", "{\"a\":\"012345678\"}\n{\"b\":2}", 0,
		  "X~ 1 {\"a\":\"012345678\"\nR 2 {\"b\":2}\n", "record larger than 16 bytes" },
		{ "long line in JSON Lines", "{\"a\":1}\n{\"a\":\"0123456789abcdefghij\"}\n{\"b\":2}",
		  0, "R 1 {\"a\":1}\nX~ 2 {\"a\":\"0123456789\nR 3 {\"b\":2}\n",
		  "record larger than 16 bytes" },
		{ "long element: the array goes on after it",
		  "[{\"a\":1},{\"a\":\"0123456789abcdefghij\",\"x\":[1,2,3]},{\"b\":2}]", 0,
		  "R 1 {\"a\":1}\nX~ 1 {\"a\":\"0123456789\nR 1 {\"b\":2}\n",
		  "record larger than 16 bytes" },
		{ "long pretty-printed element",
		  "[\n {\n  \"a\": \"0123456789abcdefghij\"\n },\n {\"b\":2}\n]", 0,
		  "X~ 2 {\\n  \"a\": \"012345\nR 5 {\"b\":2}\n", "record larger than 16 bytes" },
		{ "long record with a syntax error", "{\"a\":\"0123456789abcdef\", x}\n{\"b\":2}", 0,
		  "X~ 1 {\"a\":\"0123456789\nR 2 {\"b\":2}\n", "expected a string key after ','" },
		{ "long bad stretch", "garbage garbage garbage garbage\n{\"b\":2}", 0,
		  "X~ 1 garbage garbage \nR 2 {\"b\":2}\n", "found 'g'" },
		{ "long record cut by the end of input", "{\"b\":2}\n{\"a\":\"0123456789abcdefghij",
		  0, "R 1 {\"b\":2}\nX~ 2 {\"a\":\"0123456789\n",
		  "input ends inside a record that started at line 2" },
		{ "long nested scalar arrays", "[[1,2,3,4,5,6,7,8,9,10],[1]]", 0,
		  "X~ 1 [1,2,3,4,5,6,7,8\nR 1 [1]\n", "record larger than 16 bytes" },
	};
	run_cases(&splitter, cases, COUNT(cases), 16);
}

/* The default cap: a record of exactly RD_MAX_JSON_RECORD bytes passes (the
 * read buffer grows past 256 KiB for it), one byte more does not. */
static void test_max_record_default(void **state)
{
	(void)state;
	for (size_t extra = 0; extra <= 1; extra++) {
		size_t rec_len = RD_MAX_JSON_RECORD + extra;
		struct buf in = BUF_INIT;
		buf_adds(&in, "{\"a\":1}\n{\"big\":\"");
		size_t fill = rec_len - strlen("{\"big\":\"\"}");
		assert_int_equal(buf_reserve(&in, fill), RD_OK);
		memset(in.p + in.len, 'x', fill);
		in.len += fill;
		buf_adds(&in, "\"}\n{\"b\":2}\n");

		FILE *f = open_input(in.p, in.len);
		struct jsonstream *s = jsonstream_new(f, RD_MAX_JSON_RECORD);
		struct js_record rec;
		assert_int_equal(jsonstream_next(s, &rec), 1);
		assert_int_equal(jsonstream_next(s, &rec), extra ? -1 : 1);
		assert_int_equal(rec.line, 2);
		assert_int_equal(rec.byte, 8);
		assert_int_equal(rec.n, RD_MAX_JSON_RECORD);
		assert_int_equal(rec.truncated, (int)extra);
		assert_memory_equal(rec.p, in.p + 8, RD_MAX_JSON_RECORD);
		if (extra)
			assert_string_equal(jsonstream_error(s), "record larger than 1048576 bytes");
		assert_int_equal(jsonstream_next(s, &rec), 1);
		assert_int_equal(rec.n, 7);
		assert_memory_equal(rec.p, "{\"b\":2}", 7);
		assert_int_equal(jsonstream_next(s, &rec), 0);
		jsonstream_free(s);
		fclose(f);
		buf_free(&in);
	}
}

/* --- generated streams --------------------------------------------------- */

static uint32_t rnd_state = 2463534242u;

static uint32_t rnd(void)
{
	uint32_t x = rnd_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rnd_state = x;
}

static uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

/* Blanks between tokens: none most of the time. */
static void gen_ws(struct buf *b, int blanks)
{
	static const char *const ws[] = { " ", "\n", "\r\n", "\t", "  \n    ", " \r\n\t" };
	if (blanks && rnd_below(4) == 0)
		buf_adds(b, ws[rnd_below(COUNT(ws))]);
}

/* key: no \u0000, which jansson refuses in keys. */
static void gen_string(struct buf *b, int ascii_only, int key)
{
	static const char *const pieces[] = {
		"abc", "x", "user@example.com", "[", "]", "{", "}", ",", ":", " ", "\\\"",
		"\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u00e9",
		"\\u001F", "\\uD83D\\uDE00", "\\uDBFF\\uDFFF", "\\uFFFD", "\\\\\\\"",
		"\\u0000",	/* last: left out of keys */
	};
	static const char *const utf8[] = { "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80" };
	buf_addc(b, '"');
	uint32_t n = rnd_below(6);
	for (uint32_t i = 0; i < n; i++) {
		if (!ascii_only && rnd_below(8) == 0)
			buf_adds(b, utf8[rnd_below(COUNT(utf8))]);
		else
			buf_adds(b, pieces[rnd_below(COUNT(pieces) - (key ? 1 : 0))]);
	}
	buf_addc(b, '"');
}

static void gen_number(struct buf *b)
{
	if (rnd_below(3) == 0)
		buf_addc(b, '-');
	if (rnd_below(5) == 0)
		buf_addc(b, '0');
	else
		buf_printf(b, "%u", 1 + rnd_below(999999));
	if (rnd_below(3) == 0)
		buf_printf(b, ".%u", rnd_below(1000));
	if (rnd_below(4) == 0)
		buf_printf(b, "%s%s%u", rnd_below(2) ? "e" : "E",
			   (const char *const[]){ "", "+", "-" }[rnd_below(3)], rnd_below(10));
}

static void gen_value(struct buf *b, int depth, int blanks, int ascii_only, int object)
{
	uint32_t kind = object ? 0 : rnd_below(depth > 3 ? 4 : 6);
	switch (kind) {
	case 0:
	case 4: {
		uint32_t n = rnd_below(5);
		buf_addc(b, '{');
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				buf_addc(b, ',');
			gen_ws(b, blanks);
			gen_string(b, ascii_only, 1);
			gen_ws(b, blanks);
			buf_addc(b, ':');
			gen_ws(b, blanks);
			gen_value(b, depth + 1, blanks, ascii_only, 0);
			gen_ws(b, blanks);
		}
		buf_addc(b, '}');
		break;
	}
	case 5: {
		uint32_t n = rnd_below(4);
		buf_addc(b, '[');
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				buf_addc(b, ',');
			gen_ws(b, blanks);
			gen_value(b, depth + 1, blanks, ascii_only, 0);
			gen_ws(b, blanks);
		}
		buf_addc(b, ']');
		break;
	}
	case 1:
		gen_string(b, ascii_only, 0);
		break;
	case 2:
		gen_number(b);
		break;
	default:
		buf_adds(b, (const char *const[]){ "true", "false", "null" }[rnd_below(3)]);
		break;
	}
}

/* Writes nrec generated records into in (empty at first), in a random mix
 * of layouts (JSON Lines, one-line arrays, pretty arrays; top-level arrays
 * may hold non-objects), and their expected transcript into want. */
static void gen_stream(struct buf *in, struct buf *want, size_t nrec, int ascii_only)
{
	struct buf rec = BUF_INIT;
	size_t done = 0, counted = in->len;
	uint64_t line = 1;
	while (done < nrec) {
		uint32_t layout = rnd_below(3);
		size_t k = layout == 0 ? 1 : 1 + rnd_below(6);
		if (k > nrec - done)
			k = nrec - done;
		if (layout)
			buf_addc(in, '[');
		for (size_t i = 0; i < k; i++) {
			if (layout && i)
				buf_addc(in, ',');
			if (layout == 2)
				buf_adds(in, "\n  ");
			buf_reset(&rec);
			buf_adds(&rec, "");
			gen_value(&rec, 0, layout != 1 || rnd_below(2), ascii_only,
				  layout == 0 || rnd_below(4) != 0);
			/* the record's line: line breaks written so far, plus one */
			for (; counted < in->len; counted++)
				line += in->p[counted] == '\n';
			buf_printf(want, "R %llu ", (unsigned long long)line);
			add_escaped(want, rec.p, rec.len);
			buf_addc(want, '\n');
			buf_add(in, rec.p, rec.len);
		}
		if (layout == 2)
			buf_addc(in, '\n');
		if (layout)
			buf_addc(in, ']');
		buf_adds(in, (const char *const[]){ "\n", "\r\n", "", " ", "\n\n" }[rnd_below(5)]);
		done += k;
	}
	buf_free(&rec);
}

/* Generated streams split into exactly the generated records, whatever the
 * read buffer size (records straddle refills at every offset). */
static void test_generated_streams(void **state)
{
	(void)state;
	rnd_state = 88172645u;
	for (int round = 0; round < 6; round++) {
		struct buf in = BUF_INIT, want = BUF_INIT;
		buf_adds(&want, "");
		gen_stream(&in, &want, 300, round & 1);
		static const size_t sizes[] = { 0, 16, 17, 23, 64, 100, 257, 1024 };
		for (size_t i = 0; i < COUNT(sizes); i++) {
			char *got = split("generated", in.p, in.len, 0, sizes[i], NULL);
			if (strcmp(got, buf_str(&want)) != 0) {
				const char *a = got, *b = buf_str(&want);
				while (*a && *a == *b)
					a++, b++;
				fail_msg("round %d bufsize %zu: transcripts differ at\n got: %.120s\nwant: %.120s",
					 round, sizes[i], a, b);
			}
			free(got);
		}
		buf_free(&in);
		buf_free(&want);
	}
}

/* --- against jansson ----------------------------------------------------- */

/* jansson refuses numbers it cannot hold and NUL bytes in keys: its own
 * limits, not JSON syntax, which is all the splitter checks. */
static int jansson_policy_error(const json_error_t *e)
{
	return strstr(e->text, "overflow") || strstr(e->text, "too big") ||
	       strstr(e->text, "NUL byte in object key");
}

/* Every record the splitter returns loads in jansson and is byte-equal to
 * the generated text. */
static void test_jansson_accepts_records(void **state)
{
	(void)state;
	rnd_state = 1234567u;
	struct buf in = BUF_INIT, want = BUF_INIT;
	gen_stream(&in, &want, 4000, 0);
	FILE *f = open_input(in.p, in.len);
	struct jsonstream *s = jsonstream_new_bufsize(f, 0, 4096);
	struct js_record rec;
	int rc;
	size_t n = 0;
	while ((rc = jsonstream_next(s, &rec)) == 1) {
		json_error_t err;
		json_t *j = json_loadb(rec.p, rec.n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		if (!j)
			fail_msg("record %zu at line %llu: jansson says %s: %.*s", n,
				 (unsigned long long)rec.line, err.text, (int)rec.n, rec.p);
		json_decref(j);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 4000);
	jsonstream_free(s);
	fclose(f);
	buf_free(&in);
	buf_free(&want);
}

/* Mutated lines: the splitter returns one good record for a line exactly
 * when jansson accepts the line, and every good record it returns from a
 * mutated stream loads in jansson. */
static void test_jansson_mutations(void **state)
{
	(void)state;
	static const char alphabet[] = "{}[],:\"\\ 0123456789eE.-+tfnulx\n\t\r\x01";
	rnd_state = 97531u;
	struct buf line = BUF_INIT, stream = BUF_INIT;
	size_t agreed_good = 0, agreed_bad = 0;
	for (int i = 0; i < 3000; i++) {
		buf_reset(&line);
		buf_adds(&line, "");
		gen_value(&line, 0, 1, 1, 1);
		for (uint32_t m = 1 + rnd_below(3); m > 0; m--)
			line.p[rnd_below((uint32_t)line.len)] = alphabet[rnd_below(sizeof alphabet - 1)];

		json_error_t err;
		json_t *j = json_loadb(line.p, line.len, JSON_ALLOW_NUL, &err);
		int jansson_ok = j != NULL;
		json_decref(j);

		FILE *f = open_input(line.p, line.len);
		struct jsonstream *s = jsonstream_new_bufsize(f, 0, 16 + (size_t)(i % 32));
		struct js_record rec;
		int rc, results = 0, good = 0;
		size_t good_n = 0;
		while ((rc = jsonstream_next(s, &rec)) != 0) {
			assert_int_not_equal(rc, -2);
			results++;
			if (rc == 1) {
				good++;
				good_n = rec.n;
				json_t *r = json_loadb(rec.p, rec.n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
				if (!r && !jansson_policy_error(&err))
					fail_msg("mutation %d: jansson refuses record %.*s: %s", i,
						 (int)rec.n, rec.p, err.text);
				json_decref(r);
			}
		}
		jsonstream_free(s);
		fclose(f);

		size_t trimmed = line.len;
		while (trimmed && strchr(" \t\r\n", line.p[trimmed - 1]))
			trimmed--;
		int splitter_ok = results == 1 && good == 1 && good_n == trimmed;
		if (line.p[0] == '{' && !(jansson_ok == 0 && jansson_policy_error(&err))) {
			if (jansson_ok != splitter_ok)
				fail_msg("mutation %d: jansson %s, splitter %s: %s", i,
					 jansson_ok ? "accepts" : "refuses",
					 splitter_ok ? "accepts" : "refuses", line.p);
			if (jansson_ok)
				agreed_good++;
			else
				agreed_bad++;
		}
		buf_add(&stream, line.p, line.len);
		buf_addc(&stream, '\n');
	}
	/* Both kinds were seen, so the comparison meant something. */
	assert_true(agreed_good > 100);
	assert_true(agreed_bad > 100);

	/* All mutated lines as one stream. */
	FILE *f = open_input(stream.p, stream.len);
	struct jsonstream *s = jsonstream_new_bufsize(f, 0, 64);
	struct js_record rec;
	int rc;
	uint64_t index = 0;
	while ((rc = jsonstream_next(s, &rec)) != 0) {
		assert_int_not_equal(rc, -2);
		assert_int_equal(rec.index, ++index);
		if (rc == 1) {
			json_error_t err;
			json_t *r = json_loadb(rec.p, rec.n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
			if (!r && !jansson_policy_error(&err))
				fail_msg("stream: jansson refuses record %.*s: %s", (int)rec.n, rec.p,
					 err.text);
			json_decref(r);
		}
	}
	assert_int_equal(jsonstream_offset(s), stream.len);
	jsonstream_free(s);
	fclose(f);
	buf_free(&line);
	buf_free(&stream);
}

/* --- read errors --------------------------------------------------------- */

static void test_read_error(void **state)
{
	(void)state;
	FILE *f = fopen("/", "r");	/* reading a directory fails with EISDIR */
	assert_non_null(f);
	struct jsonstream *s = jsonstream_new(f, 0);
	struct js_record rec;
	errno = 0;
	assert_int_equal(jsonstream_next(s, &rec), -2);
	assert_int_equal(errno, EISDIR);
	assert_non_null(strstr(jsonstream_error(s), "read error"));
	jsonstream_free(s);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_bad_stretches),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_max_record),
		cmocka_unit_test(test_max_record_default),
		cmocka_unit_test(test_generated_streams),
		cmocka_unit_test(test_jansson_accepts_records),
		cmocka_unit_test(test_jansson_mutations),
		cmocka_unit_test(test_read_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
