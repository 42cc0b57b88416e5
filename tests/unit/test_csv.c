/* test_csv.c — the CSV reader and writer, as tables.
 *
 * Reader cases compare a transcript, one line a result: "R <line> <n>: f1|f2"
 * for a record of n fields, "X <line> <raw>" for a bad one, with line breaks,
 * CRs, '|' and odd bytes escaped.  Every case runs again with read buffers of
 * 4..12 bytes, so records straddle refills at every offset, and must give
 * the same transcript. */
#include "redrive/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/limits.h"
#include "transcript.h"

static void add_escaped(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\r')
			buf_adds(out, "\\r");
		else if (c == '|')
			buf_adds(out, "\\|");
		else if (c == '\\')
			buf_adds(out, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(out, "\\x%02x", c);
		else
			buf_addc(out, (char)c);
	}
}

/* Reads in[0..n) with a read buffer of bufsize bytes (0: the default) and
 * returns the transcript (caller frees).  Checks what
 * holds for every input: no read errors, 0 stays 0, fields are NUL
 * terminated with the right lengths, raw is at most max_record bytes.  When
 * errs is not NULL, each bad record's error is appended to it. */
static char *read_all(const char *name, const char *in, size_t n, size_t max_record,
		      size_t bufsize, struct buf *errs)
{
	FILE *f = open_input(in, n);
	struct csv_reader *r = bufsize || max_record
			       ? csv_reader_new_bufsize(f, bufsize ? bufsize : 64u << 10, max_record)
			       : csv_reader_new(f);
	assert_non_null(r);
	size_t limit = max_record ? max_record : RD_MAX_CSV_RECORD;
	struct buf out = BUF_INIT;
	struct csv_record rec;
	int rc;
	buf_adds(&out, "");
	while ((rc = csv_read(r, &rec)) != 0) {
		if (rc == -2)
			fail_msg("%s (bufsize %zu): read error", name, bufsize);
		if (rec.raw_len > limit)
			fail_msg("%s: raw of %zu bytes", name, rec.raw_len);
		if (rc == 1) {
			buf_printf(&out, "R %llu %zu: ", (unsigned long long)rec.line, rec.nfields);
			for (size_t i = 0; i < rec.nfields; i++) {
				if (rec.field[i][rec.len[i]] != '\0')
					fail_msg("%s: field %zu not NUL terminated", name, i);
				if (i)
					buf_addc(&out, '|');
				add_escaped(&out, rec.field[i], rec.len[i]);
			}
		} else {
			buf_printf(&out, "X %llu ", (unsigned long long)rec.line);
			add_escaped(&out, rec.raw, rec.raw_len);
			if (errs) {
				buf_adds(errs, csv_reader_error(r));
				buf_addc(errs, '\n');
			}
		}
		buf_addc(&out, '\n');
	}
	assert_int_equal(csv_read(r, &rec), 0);
	csv_reader_free(r);
	fclose(f);
	return buf_take(&out);
}

/* Every case again with read buffers of 4..12 and 64 bytes. */
static const size_t csv_bufsizes[] = { 4, 5, 6, 7, 8, 9, 10, 11, 12, 64 };
static const struct transcript_reader csv = { read_all, csv_bufsizes, COUNT(csv_bufsizes) };

/* --- NULL and empty ------------------------------------------------------ */

static void test_null_and_empty(void **state)
{
	(void)state;
	struct csv_record rec;
	assert_null(csv_reader_new(NULL));
	assert_null(csv_reader_new_bufsize(NULL, 10, 10));
	csv_reader_free(NULL);
	errno = 0;
	assert_int_equal(csv_read(NULL, &rec), -2);
	assert_int_equal(errno, EINVAL);
	assert_non_null(csv_reader_error(NULL));

	FILE *f = open_input("", 0);
	struct csv_reader *r = csv_reader_new(f);
	assert_non_null(r);
	assert_int_equal(csv_read(r, NULL), -2);
	assert_int_equal(csv_read(r, &rec), 0);
	assert_int_equal(csv_read(r, &rec), 0);
	assert_string_equal(csv_reader_error(r), "no error");
	csv_reader_free(r);
	fclose(f);

	static const struct read_case cases[] = {
		{ "empty", "", 0, "", NULL },
		{ "line breaks only", "\n\r\n\n", 0, "", NULL },
		{ "CR only", "\r", 0, "", NULL },
		{ "BOM only", "\xEF\xBB\xBF", 0, "", NULL },
		{ "BOM and a line break", "\xEF\xBB\xBF\r\n", 0, "", NULL },
	};
	run_cases(&csv, cases, COUNT(cases), 0);

	/* Writer: NULL output, NULL and empty fields. */
	assert_int_not_equal(csv_write_field(NULL, "a", 1, 0), RD_OK);
	assert_int_not_equal(csv_write_sep(NULL), RD_OK);
	assert_int_not_equal(csv_write_eol(NULL), RD_OK);
	struct buf out = BUF_INIT;
	assert_int_equal(csv_write_field(&out, NULL, 0, 1), RD_OK);
	assert_int_equal(csv_write_field(&out, "", 0, 1), RD_OK);
	assert_int_equal(out.len, 0);
	assert_int_not_equal(csv_write_field(&out, NULL, 3, 0), RD_OK);
	assert_int_equal(csv_write_eol(&out), RD_OK);
	assert_string_equal(buf_str(&out), "\"\"\r\n");
	buf_free(&out);
}

/* --- reading ------------------------------------------------------------- */

static void test_read(void **state)
{
	(void)state;
	static const struct read_case cases[] = {
		{ "simple", "a,b,c\n1,2,3\n", 0, "R 1 3: a|b|c\nR 2 3: 1|2|3\n", NULL },
		{ "missing final line break", "a,b\n1,2", 0, "R 1 2: a|b\nR 2 2: 1|2\n", NULL },
		{ "CRLF", "a,b\r\n1,2\r\n", 0, "R 1 2: a|b\nR 2 2: 1|2\n", NULL },
		{ "CRLF and LF mixed", "a\r\nb\nc\r\n", 0, "R 1 1: a\nR 2 1: b\nR 3 1: c\n", NULL },
		{ "empty lines", "\n\na\n\r\n\nb\n\n", 0, "R 3 1: a\nR 6 1: b\n", NULL },
		{ "empty fields", ",\na,,b\n,x\n", 0, "R 1 2: |\nR 2 3: a||b\nR 3 2: |x\n", NULL },
		{ "one empty quoted field is a record", "\"\"\n\"\"", 0, "R 1 1: \nR 2 1: \n", NULL },
		{ "quoted fields", "\"a\",\"b c\",\"\"\n", 0, "R 1 3: a|b c|\n", NULL },
		{ "doubled quotes", "\"say \"\"hi\"\"\",\"\"\"\"\n", 0, "R 1 2: say \"hi\"|\"\n", NULL },
		{ "commas in quoted fields", "\"a,b\",\"c,,d\",e\n", 0, "R 1 3: a,b|c,,d|e\n", NULL },
		{ "multi-line field", "id,note\n1,\"line one\nline two\"\n2,x\n", 0,
		  "R 1 2: id|note\nR 2 2: 1|line one\\nline two\nR 4 2: 2|x\n", NULL },
		{ "CRLF inside a quoted field is kept", "1,\"a\r\nb\"\r\n2,c\r\n", 0,
		  "R 1 2: 1|a\\r\\nb\nR 3 2: 2|c\n", NULL },
		{ "empty lines inside a quoted field are kept", "\"a\n\n\nb\"\nc\n", 0,
		  "R 1 1: a\\n\\n\\nb\nR 5 1: c\n", NULL },
		{ "BOM", "\xEF\xBB\xBF" "a,b\n", 0, "R 1 2: a|b\n", NULL },
		{ "BOM then a quoted field", "\xEF\xBB\xBF\"a\",b\n", 0, "R 1 2: a|b\n", NULL },
		{ "BOM only at the start", "a\n\xEF\xBB\xBF" "b\n", 0,
		  "R 1 1: a\nR 2 1: \\xef\\xbb\\xbfb\n", NULL },
		{ "spaces are kept", " a , b \n", 0, "R 1 2:  a | b \n", NULL },
		{ "lone CR is data", "a\rb,c\r,\rd\n", 0, "R 1 3: a\\rb|c\\r|\\rd\n", NULL },
		{ "CR at the end of input", "a,b\r", 0, "R 1 2: a|b\n", NULL },
		{ "quoted field at the end of input", "a,\"b\"", 0, "R 1 2: a|b\n", NULL },
		{ "quoted fields and CRLF", "\"a\"\r\n\"b\"\r\n", 0, "R 1 1: a\nR 2 1: b\n", NULL },
		{ "quoted field then CR at the end", "\"a\"\r", 0, "R 1 1: a\n", NULL },
		{ "quoted empty fields", "\"\",\"\"\n", 0, "R 1 2: |\n", NULL },
		{ "UTF-8 kept", "h\xC3\xA9,\xE2\x82\xAC\n", 0, "R 1 2: h\\xc3\\xa9|\\xe2\\x82\\xac\n",
		  NULL },
		{ "only commas", ",,\n", 0, "R 1 3: ||\n", NULL },
		{ "trailing comma", "a,\n", 0, "R 1 2: a|\n", NULL },
	};
	run_cases(&csv, cases, COUNT(cases), 0);
}

static void test_bad_records(void **state)
{
	(void)state;
	static const struct read_case cases[] = {
		{ "stray quote", "a,b\"c,d\nx,y\n", 0, "X 1 a,b\"c,d\nR 2 2: x|y\n",
		  "a quote inside an unquoted field (field 2) at line 1 byte 3" },
		{ "text after a closing quote", "\"abc\"d,e\nx\n", 0, "X 1 \"abc\"d,e\nR 2 1: x\n",
		  "text after the closing quote of field 1 at line 1 byte 5" },
		{ "CR and text after a closing quote", "\"a\"\rb\nx\n", 0,
		  "X 1 \"a\"\\rb\nR 2 1: x\n", "(a CR not followed by a line feed)" },
		{ "bad record followed by its quoted multi-line field",
		  "a,b\"c,\"multi\nline\"\nx,y\n", 0,
		  "X 1 a,b\"c,\"multi\\nline\"\nR 3 2: x|y\n", "quote inside an unquoted field" },
		{ "unterminated quote at the end of input", "a,b\n1,\"open\n2,x\n3,y\n", 0,
		  "R 1 2: a|b\nX 2 1,\"open\nR 3 2: 2|x\nR 4 2: 3|y\n",
		  "unterminated quoted field starting at line 2 byte 6 (field 2)" },
		{ "unterminated quote with CRLF", "1,\"open\r\n2,x\r\n", 0,
		  "X 1 1,\"open\nR 2 2: 2|x\n", "unterminated quoted field" },
		{ "unterminated quote on the last line", "a\n\"open", 0, "R 1 1: a\nX 2 \"open\n",
		  "unterminated quoted field starting at line 2 byte 2" },
		{ "unterminated quote on a later line of a record", "1,\"a\nb\",\"c\nd\ne\n", 0,
		  "X 1 1,\"a\\nb\",\"c\nR 3 1: d\nR 4 1: e\n",
		  "unterminated quoted field starting at line 2 byte 8 (field 3)" },
		{ "unterminated quote after another error", "a\"b,\"c\nd\n", 0,
		  "X 1 a\"b,\"c\nR 2 1: d\n", "a quote inside an unquoted field (field 1)" },
		{ "unterminated quote swallowing stray quotes", "1,\"a\n2,\"\"\n3,x\n", 0,
		  "X 1 1,\"a\nR 2 2: 2|\nR 3 2: 3|x\n", "unterminated quoted field" },
		{ "NUL in an unquoted field", "a,b\0c\nx\n", 8, "X 1 a,b\\x00c\nR 2 1: x\n",
		  "a NUL byte in field 2 at line 1 byte 3" },
		{ "NUL in a quoted field", "\"a\0\",b\nx\n", 9, "X 1 \"a\\x00\",b\nR 2 1: x\n",
		  "a NUL byte in field 1 at line 1 byte 2" },
		{ "several bad records, then good ones", "a\"\n\"b\"c\nd,e\n", 0,
		  "X 1 a\"\nX 2 \"b\"c\nR 3 2: d|e\n", "quote inside an unquoted field" },
		{ "bad record with CRLF", "a\"b\r\nc\r\n", 0, "X 1 a\"b\nR 2 1: c\n",
		  "quote inside an unquoted field" },
		{ "field values with commas around a bad record",
		  "\"a,b\",c\n\"x\"y,\"z,w\"\n\"1,2\",3\n", 0,
		  "R 1 2: a,b|c\nX 2 \"x\"y,\"z,w\"\nR 3 2: 1,2|3\n", "text after the closing quote" },
	};
	run_cases(&csv, cases, COUNT(cases), 0);
}

/* max_record 16: records of 16 bytes pass, longer ones are bad records
 * whose raw holds their first 16 bytes; reading goes on after them. */
static void test_record_cap(void **state)
{
	(void)state;
	static const struct read_case cases[] = {
		{ "exactly the cap", "0123456789,abcde\nx\n", 0, "R 1 2: 0123456789|abcde\nR 2 1: x\n",
		  NULL },
		{ "exactly the cap with CRLF", "0123456789,abcde\r\nx\r\n", 0,
		  "R 1 2: 0123456789|abcde\nR 2 1: x\n", NULL },
		{ "one byte over", "0123456789,abcdef\nx\n", 0, "X 1 0123456789,abcde\nR 2 1: x\n",
		  "record larger than 16 bytes" },
		{ "far over", "0123456789,abcdefghijklmnopqrstuvwxyz,0123456789\nx\n", 0,
		  "X 1 0123456789,abcde\nR 2 1: x\n", "record larger than 16 bytes" },
		{ "long multi-line quoted field", "\"0123456789\nabcdefghij\"\nx\n", 0,
		  "X 1 \"0123456789\\nabcd\nR 3 1: x\n", "record larger than 16 bytes" },
		{ "short unterminated quote is read again", "\"0123456\nabc\n", 0,
		  "X 1 \"0123456\nR 2 1: abc\n", "unterminated quoted field" },
		{ "long unterminated quote cannot be read again",
		  "a\n\"0123456789\nabcdefghij\nklm\n", 0, "R 1 1: a\nX 2 \"0123456789\\nabcd\n",
		  "are all part of this bad record" },
	};
	run_cases(&csv, cases, COUNT(cases), 16);
}

/* The default cap, RD_MAX_CSV_RECORD. */
static void test_record_cap_default(void **state)
{
	(void)state;
	for (size_t extra = 0; extra <= 1; extra++) {
		struct buf in = BUF_INIT;
		size_t len = RD_MAX_CSV_RECORD + extra;
		buf_adds(&in, "h\n");
		assert_int_equal(buf_reserve(&in, len), RD_OK);
		memset(in.p + in.len, 'x', len);
		in.p[in.len + 5] = ',';
		in.len += len;
		buf_adds(&in, "\r\nnext\r\n");
		FILE *f = open_input(in.p, in.len);
		struct csv_reader *r = csv_reader_new(f);
		struct csv_record rec;
		assert_int_equal(csv_read(r, &rec), 1);
		assert_int_equal(csv_read(r, &rec), extra ? -1 : 1);
		assert_int_equal(rec.line, 2);
		assert_int_equal(rec.byte, 2);
		assert_int_equal(rec.raw_len, RD_MAX_CSV_RECORD);
		assert_memory_equal(rec.raw, in.p + 2, RD_MAX_CSV_RECORD);
		if (extra) {
			assert_string_equal(csv_reader_error(r), "record larger than 1048576 bytes");
		} else {
			assert_int_equal(rec.nfields, 2);
			assert_int_equal(rec.len[0], 5);
			assert_int_equal(rec.len[1], RD_MAX_CSV_RECORD - 6);
		}
		assert_int_equal(csv_read(r, &rec), 1);
		assert_string_equal(rec.field[0], "next");
		assert_int_equal(csv_read(r, &rec), 0);
		csv_reader_free(r);
		fclose(f);
		buf_free(&in);
	}
}

/* RD_MAX_CSV_FIELDS fields pass; one more is a bad record. */
static void test_field_count(void **state)
{
	(void)state;
	for (int extra = 0; extra <= 2; extra++) {
		struct buf in = BUF_INIT;
		for (int i = 0; i < RD_MAX_CSV_FIELDS + extra; i++)
			buf_printf(&in, "%s%d", i ? "," : "", i);
		buf_adds(&in, "\nok\n");
		struct buf errs = BUF_INIT;
		char *got = transcript_all_sizes(&csv, "fields", in.p, in.len, 0, &errs);
		if (extra == 0) {
			assert_int_equal(strncmp(got, "R 1 256: 0|1|2|", 15), 0);
		} else {
			assert_int_equal(strncmp(got, "X 1 0,1,2,", 10), 0);
			assert_non_null(strstr(buf_str(&errs), "more than 256 fields in a record"));
		}
		assert_non_null(strstr(got, "\nR 2 1: ok\n"));
		free(got);
		buf_free(&errs);
		buf_free(&in);
	}
}

/* Exact messages, so their form stays put. */
static void test_error_messages(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *msg;
	} cases[] = {
		{ "a,b\n\"x\"y\n",
		  "text after the closing quote of field 1 at line 2 byte 7 (a quote inside a"
		  " quoted field must be doubled)" },
		{ "a,b\"c\n",
		  "a quote inside an unquoted field (field 2) at line 1 byte 3; a field holding"
		  " quotes must be quoted and its quotes doubled" },
		{ "a\nb,\"c\nd\n", "unterminated quoted field starting at line 2 byte 4 (field 2)" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		FILE *f = open_input(cases[i].in, strlen(cases[i].in));
		struct csv_reader *r = csv_reader_new(f);
		struct csv_record rec;
		int rc;
		while ((rc = csv_read(r, &rec)) == 1)
			;
		assert_int_equal(rc, -1);
		if (strcmp(csv_reader_error(r), cases[i].msg) != 0)
			fail_msg("case %zu: message\n  %s\nwant\n  %s", i, csv_reader_error(r),
				 cases[i].msg);
		csv_reader_free(r);
		fclose(f);
	}
}

/* line, byte and raw of good and bad records. */
static void test_positions(void **state)
{
	(void)state;
	static const char in[] = "\xEF\xBB\xBF" "a,b\r\n\r\n1,\"x\r\ny\"\r\nbad\"\n\"open\nz";
	static const struct {
		int rc;
		uint64_t line, byte;
		const char *raw;
	} want[] = {
		{ 1, 1, 3, "a,b" },
		{ 1, 3, 10, "1,\"x\r\ny\"" },
		{ -1, 5, 20, "bad\"" },
		{ -1, 6, 25, "\"open" },
		{ 1, 7, 31, "z" },
	};
	for (size_t bs = 0; bs < 16; bs = bs ? bs + 1 : 4) {
		FILE *f = open_input(in, sizeof in - 1);
		struct csv_reader *r = bs ? csv_reader_new_bufsize(f, bs, 0) : csv_reader_new(f);
		struct csv_record rec;
		for (size_t i = 0; i < COUNT(want); i++) {
			int rc = csv_read(r, &rec);
			if (rc != want[i].rc || rec.line != want[i].line || rec.byte != want[i].byte ||
			    rec.raw_len != strlen(want[i].raw) ||
			    memcmp(rec.raw, want[i].raw, rec.raw_len) != 0)
				fail_msg("bufsize %zu result %zu: rc %d line %llu byte %llu raw %.*s",
					 bs, i, rc, (unsigned long long)rec.line,
					 (unsigned long long)rec.byte, (int)rec.raw_len, rec.raw);
			assert_memory_equal(rec.raw, in + rec.byte, rec.raw_len);
		}
		assert_int_equal(csv_read(r, &rec), 0);
		csv_reader_free(r);
		fclose(f);
	}
}

static void test_read_error(void **state)
{
	(void)state;
	FILE *f = fopen("/", "r");	/* reading a directory fails with EISDIR */
	assert_non_null(f);
	struct csv_reader *r = csv_reader_new(f);
	struct csv_record rec;
	errno = 0;
	assert_int_equal(csv_read(r, &rec), -2);
	assert_int_equal(errno, EISDIR);
	csv_reader_free(r);
	fclose(f);
}

/* --- writing ------------------------------------------------------------- */

static void test_write_field(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t n;        /* 0: strlen(in) */
		int neutralize;
		const char *want;
	} cases[] = {
		{ "", 0, 0, "" },
		{ "abc", 0, 0, "abc" },
		{ "mid dle", 0, 0, "mid dle" },
		{ "a,b", 0, 0, "\"a,b\"" },
		{ "say \"hi\"", 0, 0, "\"say \"\"hi\"\"\"" },
		{ "\"", 0, 0, "\"\"\"\"" },
		{ "line\nbreak", 0, 0, "\"line\nbreak\"" },
		{ "cr\r", 0, 0, "\"cr\r\"" },
		{ " lead", 0, 0, "\" lead\"" },
		{ "trail ", 0, 0, "\"trail \"" },
		{ " ", 0, 0, "\" \"" },
		{ "tab\tinside", 0, 0, "tab\tinside" },
		{ "h\xC3\xA9", 0, 0, "h\xC3\xA9" },
		{ "=1+2", 0, 0, "=1+2" },
		{ "=1+2", 0, 1, "'=1+2" },
		{ "+1", 0, 1, "'+1" },
		{ "-1", 0, 1, "'-1" },
		{ "@SUM(A1)", 0, 1, "'@SUM(A1)" },
		{ "\tx", 0, 1, "'\tx" },
		{ "\rx", 0, 1, "\"'\rx\"" },
		{ "=HYPERLINK(\"x\",\"y\")", 0, 1, "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"" },
		{ "=a ", 0, 1, "\"'=a \"" },
		{ " =1", 0, 1, "\" =1\"" },
		{ "'quoted", 0, 1, "'quoted" },
		{ "a=b", 0, 1, "a=b" },
		{ "", 0, 1, "" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct buf out = BUF_INIT;
		size_t n = cases[i].n ? cases[i].n : strlen(cases[i].in);
		assert_int_equal(csv_write_field(&out, cases[i].in, n, cases[i].neutralize), RD_OK);
		if (strcmp(buf_str(&out), cases[i].want) != 0)
			fail_msg("case %zu: got [%s], want [%s]", i, buf_str(&out), cases[i].want);
		buf_free(&out);
	}

	/* A NUL byte, or passing the cap: an error and out unchanged. */
	struct buf out = BUF_INIT;
	buf_init(&out, 8);
	assert_int_equal(csv_write_field(&out, "ab", 2, 0), RD_OK);
	assert_int_equal(csv_write_field(&out, "a\0b", 3, 0), RD_E_INPUT);
	assert_string_equal(buf_str(&out), "ab");
	assert_int_equal(csv_write_field(&out, "x,yzw", 5, 0), RD_E_INPUT);
	assert_string_equal(buf_str(&out), "ab");
	assert_int_equal(out.len, 2);
	buf_free(&out);
}

static void test_write_rows(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	assert_int_equal(csv_write_field(&out, "a", 1, 0), RD_OK);
	assert_int_equal(csv_write_sep(&out), RD_OK);
	assert_int_equal(csv_write_field(&out, "b,c", 3, 0), RD_OK);
	assert_int_equal(csv_write_eol(&out), RD_OK);
	/* A row of one empty field. */
	assert_int_equal(csv_write_field(&out, "", 0, 0), RD_OK);
	assert_int_equal(csv_write_eol(&out), RD_OK);
	/* A row of two empty fields needs no quotes. */
	assert_int_equal(csv_write_sep(&out), RD_OK);
	assert_int_equal(csv_write_eol(&out), RD_OK);
	assert_string_equal(buf_str(&out), "a,\"b,c\"\r\n\"\"\r\n,\r\n");
	buf_free(&out);
}

/* reader(writer(rows)) == rows, for tricky values and for random ones. */
static uint32_t rnd_state = 2463534242u;

static uint32_t rnd(void)
{
	uint32_t x = rnd_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rnd_state = x;
}

#define MAX_ROW 8

struct row {
	size_t n;
	char *field[MAX_ROW];
	size_t len[MAX_ROW];
};

static void check_roundtrip(const char *name, const struct row *rows, size_t nrows)
{
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < nrows; i++) {
		for (size_t j = 0; j < rows[i].n; j++) {
			if (j)
				assert_int_equal(csv_write_sep(&out), RD_OK);
			assert_int_equal(csv_write_field(&out, rows[i].field[j], rows[i].len[j], 0),
					 RD_OK);
		}
		assert_int_equal(csv_write_eol(&out), RD_OK);
	}
	static const size_t sizes[] = { 0, 4, 5, 7, 13, 64 };
	for (size_t k = 0; k < COUNT(sizes); k++) {
		FILE *f = open_input(out.p, out.len);
		struct csv_reader *r = sizes[k] ? csv_reader_new_bufsize(f, sizes[k], 0)
						: csv_reader_new(f);
		struct csv_record rec;
		for (size_t i = 0; i < nrows; i++) {
			int rc = csv_read(r, &rec);
			if (rc != 1)
				fail_msg("%s bufsize %zu row %zu: got %d (%s)", name, sizes[k], i, rc,
					 csv_reader_error(r));
			size_t want_n = rows[i].n ? rows[i].n : 1;
			if (rec.nfields != want_n)
				fail_msg("%s row %zu: %zu fields, want %zu", name, i, rec.nfields,
					 want_n);
			for (size_t j = 0; j < rows[i].n; j++) {
				if (rec.len[j] != rows[i].len[j] ||
				    memcmp(rec.field[j], rows[i].field[j], rec.len[j]) != 0)
					fail_msg("%s row %zu field %zu differs", name, i, j);
			}
		}
		assert_int_equal(csv_read(r, &rec), 0);
		csv_reader_free(r);
		fclose(f);
	}
	buf_free(&out);
}

static void test_roundtrip(void **state)
{
	(void)state;
	static const char *const tricky[] = {
		"", " ", "a,b", "\"", "\"\"", "\n", "\r\n", "\r", "x\r", "\rx", "multi\nline\r\ntext",
		"=formula", "h\xC3\xA9", "a\"b,c\nd", " x ", "\t", ",", ",,", "\"a\"", "a\"", "\xEF\xBB\xBF",
		"\n\n", "'", "|",
	};
	struct row rows[64];
	size_t nrows = 0;
	/* Each tricky value alone, first, and last in a row. */
	for (size_t i = 0; i < COUNT(tricky); i++) {
		for (int pos = 0; pos < 3 && nrows < COUNT(rows); pos++) {
			struct row *r = &rows[nrows++];
			r->n = pos == 0 ? 1 : 2;
			for (size_t j = 0; j < r->n; j++) {
				int mine = pos == 0 || (pos == 1 && j == 0) || (pos == 2 && j == 1);
				r->field[j] = (char *)(uintptr_t)(mine ? tricky[i] : "v");
				r->len[j] = strlen(r->field[j]);
			}
		}
		if (nrows >= COUNT(rows) - 3) {
			check_roundtrip("tricky", rows, nrows);
			nrows = 0;
		}
	}
	check_roundtrip("tricky", rows, nrows);

	/* Random rows of bytes 1..255, biased to the ones that matter. */
	static const char special[] = ",\"\r\n '=+-@\t";
	struct row *rnd_rows = calloc(2000, sizeof *rnd_rows);
	assert_non_null(rnd_rows);
	rnd_state = 424242u;
	for (size_t i = 0; i < 2000; i++) {
		struct row *r = &rnd_rows[i];
		r->n = 1 + rnd() % MAX_ROW;
		for (size_t j = 0; j < r->n; j++) {
			size_t len = rnd() % 12;
			r->field[j] = malloc(len + 1);
			assert_non_null(r->field[j]);
			for (size_t k = 0; k < len; k++) {
				uint32_t x = rnd();
				r->field[j][k] = x % 2 ? special[(x >> 8) % (sizeof special - 1)]
						       : (char)(1 + (x >> 8) % 255);
			}
			r->field[j][len] = '\0';
			r->len[j] = len;
		}
	}
	check_roundtrip("random", rnd_rows, 2000);
	for (size_t i = 0; i < 2000; i++)
		for (size_t j = 0; j < rnd_rows[i].n; j++)
			free(rnd_rows[i].field[j]);
	free(rnd_rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_record_cap),
		cmocka_unit_test(test_record_cap_default),
		cmocka_unit_test(test_field_count),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_write_field),
		cmocka_unit_test(test_write_rows),
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
