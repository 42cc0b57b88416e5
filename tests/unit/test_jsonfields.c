/* test_jsonfields.c — the top-level field reader, as tables and against
 * jansson on generated objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "redrive/jsonfields.h"

static const char *const names[] = { "a", "b", "c" };
#define NNAMES 3

/* Reads json (NULL: a NULL record) with scratch of exactly its length. */
static enum jf_status read_fields(const char *json, struct jf_value *v, unsigned flags, char **scratch)
{
	size_t n = json ? strlen(json) : 0;
	*scratch = malloc(n + 1);
	assert_non_null(*scratch);
	return jsonfields_read(json, n, names, NNAMES, *scratch, v, flags);
}

struct field_case {
	const char *json;
	enum jf_status status;
	enum jf_type type[NNAMES];
	const char *text[NNAMES]; /* the value's bytes; NULL: not checked */
	size_t len[NNAMES];       /* 0: strlen(text) */
	int nul[NNAMES];
};

static const struct field_case cases[] = {
	{ NULL, JF_NOT_OBJECT, { 0 }, { 0 }, { 0 }, { 0 } },
	{ "", JF_NOT_OBJECT, { 0 }, { 0 }, { 0 }, { 0 } },
	{ "   ", JF_NOT_OBJECT, { 0 }, { 0 }, { 0 }, { 0 } },
	{ "[]", JF_NOT_OBJECT, { 0 }, { 0 }, { 0 }, { 0 } },
	{ "\"a\"", JF_NOT_OBJECT, { 0 }, { 0 }, { 0 }, { 0 } },
	{ "5", JF_NOT_OBJECT, { 0 }, { 0 }, { 0 }, { 0 } },
	{ "{}", JF_OK, { JF_ABSENT, JF_ABSENT, JF_ABSENT }, { 0 }, { 0 }, { 0 } },
	{ " \t\r\n{ } ", JF_OK, { JF_ABSENT, JF_ABSENT, JF_ABSENT }, { 0 }, { 0 }, { 0 } },
	/* strings: in place, empty, with escapes */
	{ "{\"a\":\"plain\",\"b\":\"\",\"c\":\"予約 ok\"}", JF_OK, { JF_STRING, JF_STRING, JF_STRING },
	  { "plain", "", "予約 ok" }, { 0 }, { 0 } },
	{ "{\"a\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f\"}", JF_OK, { JF_STRING, JF_ABSENT, JF_ABSENT },
	  { "q\"b\\s/n\nt\tr\rb\bf\f" }, { 0 }, { 0 } },
	{ "{\"a\":\"\\u00e9\\u4e88\\u0041\",\"b\":\"\\ud83d\\ude00!\",\"c\":\"x\\uD834\\uDD1Ey\"}", JF_OK,
	  { JF_STRING, JF_STRING, JF_STRING }, { "\xc3\xa9\xe4\xba\x88" "A", "\xf0\x9f\x98\x80!", "x\xf0\x9d\x84\x9ey" },
	  { 0 }, { 0 } },
	{ "{\"a\":\"x\\u0000y\"}", JF_OK, { JF_STRING, JF_ABSENT, JF_ABSENT }, { "x\0y" }, { 3 }, { 1 } },
	/* numbers as tokens */
	{ "{\"a\":-0,\"b\":1.50e+3,\"c\":9223372036854775808}", JF_OK, { JF_NUMBER, JF_NUMBER, JF_NUMBER },
	  { "-0", "1.50e+3", "9223372036854775808" }, { 0 }, { 0 } },
	/* literals */
	{ "{\"a\":true,\"b\":false,\"c\":null}", JF_OK, { JF_TRUE, JF_FALSE, JF_NULL }, { "true", "false", "null" },
	  { 0 }, { 0 } },
	/* objects and arrays: the raw text, exactly as written */
	{ "{\"a\" : { \"x\" : [1, {\"}\":\"]\"}], \"y\":\"\\\"}\" } , \"b\":[ ],\"c\":[[\"{\"],{}]}", JF_OK,
	  { JF_OBJECT, JF_ARRAY, JF_ARRAY },
	  { "{ \"x\" : [1, {\"}\":\"]\"}], \"y\":\"\\\"}\" }", "[ ]", "[[\"{\"],{}]" }, { 0 }, { 0 } },
	/* keys nested deeper are not top-level fields */
	{ "{\"x\":{\"a\":1,\"b\":[{\"c\":2}]},\"c\":3}", JF_OK, { JF_ABSENT, JF_ABSENT, JF_NUMBER }, { NULL, NULL, "3" },
	  { 0 }, { 0 } },
	/* a repeated key: the last one wins, whatever its type */
	{ "{\"a\":\"one\",\"b\":1,\"a\":\"t\\u0077o\",\"b\":{\"k\":1}}", JF_OK, { JF_STRING, JF_OBJECT, JF_ABSENT },
	  { "two", "{\"k\":1}" }, { 0 }, { 0 } },
	/* keys are compared decoded, and only whole */
	{ "{\"\\u0061\":1,\"bb\":2,\"\":3,\"c\\u0000\":4}", JF_OK, { JF_NUMBER, JF_ABSENT, JF_ABSENT }, { "1" }, { 0 },
	  { 0 } },
	/* invalid UTF-8 anywhere, even in a value nobody asked for */
	{ "{\"a\":1,\"z\":\"\xff\"}", JF_BAD_UTF8, { 0 }, { 0 }, { 0 }, { 0 } },
	{ "{\"a\":\"\xe3\x81\"}", JF_BAD_UTF8, { 0 }, { 0 }, { 0 }, { 0 } },
	{ "{\"a\":\"\xc0\x80\"}", JF_BAD_UTF8, { 0 }, { 0 }, { 0 }, { 0 } },           /* overlong */
	{ "{\"a\":\"\xed\xa0\x80\"}", JF_BAD_UTF8, { 0 }, { 0 }, { 0 }, { 0 } },       /* a surrogate */
	{ "{\"a\":\"\xf4\x90\x80\x80\"}", JF_BAD_UTF8, { 0 }, { 0 }, { 0 }, { 0 } },   /* past U+10FFFF */
	{ "{\"a\":\"\xf0\x9f\x98\x80\xe4\xba\x88\"}", JF_OK, { JF_STRING, JF_ABSENT, JF_ABSENT },
	  { "\xf0\x9f\x98\x80\xe4\xba\x88" }, { 0 }, { 0 } },
};

static void check_case(size_t i, const struct field_case *c, unsigned flags)
{
	struct jf_value v[NNAMES];
	char *scratch;
	enum jf_status st = read_fields(c->json, v, flags, &scratch);
	if (st != c->status)
		fail_msg("case %zu: status %d, wanted %d", i, st, c->status);
	if (st == JF_OK) {
		for (int k = 0; k < NNAMES; k++) {
			if (v[k].type != c->type[k])
				fail_msg("case %zu field %s: type %d, wanted %d", i, names[k], v[k].type, c->type[k]);
			if (v[k].type == JF_ABSENT) {
				assert_null(v[k].p);
				continue;
			}
			assert_non_null(v[k].p);
			if (c->text[k]) {
				size_t len = c->len[k] ? c->len[k] : strlen(c->text[k]);
				if (v[k].n != len || memcmp(v[k].p, c->text[k], len) != 0)
					fail_msg("case %zu field %s: got \"%.*s\"", i, names[k], (int)v[k].n, v[k].p);
			}
			assert_int_equal(v[k].nul, c->nul[k]);
		}
	}
	free(scratch);
}

static void test_table(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(i, &cases[i], 0);
}

/* The same table with JF_AS_JANSSON: only the \u0000 and the number out of
 * range become refusals. */
static void test_table_as_jansson(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct field_case c = cases[i];
		if (c.json && strstr(c.json, "\\u0000"))
			c.status = JF_NUL_CHAR;
		if (c.json && strstr(c.json, "9223372036854775808"))
			c.status = JF_NUMBER_RANGE;
		check_case(i, &c, JF_AS_JANSSON);
	}
}

/* What jansson refuses in well-formed JSON, at any depth, and what it does not. */
static void test_as_jansson(void **unused)
{
	(void)unused;
	static const struct {
		const char *json;
		enum jf_status status;
	} refusals[] = {
		{ "{\"z\":[{\"y\":\"\\u0000\"}]}", JF_NUL_CHAR },
		{ "{\"z\":{\"\\u0000\":1}}", JF_NUL_CHAR },
		{ "{\"\\u0000\":1}", JF_NUL_CHAR },
		{ "{\"z\":\"\\\\u0000\"}", JF_OK }, /* an escaped backslash, then text */
		{ "{\"z\":\"\\u00000\"}", JF_NUL_CHAR },
		{ "{\"z\":[9223372036854775807,-9223372036854775808]}", JF_OK },
		{ "{\"z\":[1,{\"y\":9223372036854775808}]}", JF_NUMBER_RANGE },
		{ "{\"z\":-9223372036854775809}", JF_NUMBER_RANGE },
		{ "{\"z\":99999999999999999999999}", JF_NUMBER_RANGE },
		{ "{\"z\":1e308,\"y\":1.7976931348623157e308,\"x\":-1.7976931348623157E+308}", JF_OK },
		{ "{\"z\":1.7976931348623158e308}", JF_OK },  /* rounds down to DBL_MAX */
		{ "{\"z\":1.7976931348623159e308}", JF_NUMBER_RANGE },
		{ "{\"z\":17976931348623159e292}", JF_NUMBER_RANGE },
		{ "{\"z\":0.00017976931348623157e312}", JF_OK },
		{ "{\"z\":[1e309]}", JF_NUMBER_RANGE },
		{ "{\"z\":-1e400}", JF_NUMBER_RANGE },
		{ "{\"z\":1e-400,\"y\":0e99999,\"x\":0.0e400}", JF_OK }, /* underflow and zero are fine */
		{ "{\"z\":1e99999999999999999999}", JF_NUMBER_RANGE },
		{ "{\"z\":1e-99999999999999999999}", JF_OK },
	};
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		struct jf_value v[NNAMES];
		char *scratch;
		enum jf_status st = read_fields(refusals[i].json, v, JF_AS_JANSSON, &scratch);
		if (st != refusals[i].status)
			fail_msg("case %zu (%s): status %d, wanted %d", i, refusals[i].json, st, refusals[i].status);
		/* jansson agrees */
		json_error_t je;
		json_t *o = json_loads(refusals[i].json, 0, &je);
		if ((o != NULL) != (refusals[i].status == JF_OK))
			fail_msg("case %zu: jansson %s it (%s)", i, o ? "accepts" : "refuses", o ? "" : je.text);
		json_decref(o);
		free(scratch);
		/* without the flag only the syntax and UTF-8 matter */
		assert_int_equal(read_fields(refusals[i].json, v, 0, &scratch), JF_OK);
		free(scratch);
	}
}

static void test_int64(void **unused)
{
	(void)unused;
	static const struct {
		const char *token;
		int ok;
		int64_t value;
	} whole[] = {
		{ NULL, 0, 0 },
		{ "", 0, 0 },
		{ "-", 0, 0 },
		{ "0", 1, 0 },
		{ "-0", 1, 0 },
		{ "7", 1, 7 },
		{ "-42", 1, -42 },
		{ "1536694275", 1, 1536694275 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "-9223372036854775809", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "99999999999999999999", 0, 0 },
		{ "1e3", 0, 0 },
		{ "1.0", 0, 0 },
		{ "1E3", 0, 0 },
		{ "+1", 0, 0 },
		{ "12a", 0, 0 },
		{ " 1", 0, 0 },
	};
	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
		int64_t v = 12345;
		int rc = jsonfields_int64(whole[i].token, whole[i].token ? strlen(whole[i].token) : 0, &v);
		if ((rc == 0) != whole[i].ok)
			fail_msg("case %zu (%s): rc %d", i, whole[i].token ? whole[i].token : "NULL", rc);
		assert_true(rc == 0 ? v == whole[i].value : v == 12345);
	}
	/* only n bytes are read */
	int64_t v;
	assert_int_equal(jsonfields_int64("123,", 3, &v), 0);
	assert_int_equal(v, 123);
}

/* Leaves room exactly: every decoded string of the record fits in n bytes of scratch. */
static void test_scratch_bound(void **unused)
{
	(void)unused;
	const char *json = "{\"a\":\"\\u00e9\\u00e9\",\"b\":\"\\ud83d\\ude00\\ud83d\\ude00\",\"c\":\"\\n\\n\","
	                   "\"\\u0061\":\"\\u4e88\\u4e88\\u4e88\"}";
	size_t n = strlen(json);
	char *scratch = malloc(n); /* ASan finds any write past it */
	struct jf_value v[NNAMES];
	assert_int_equal(jsonfields_read(json, n, names, NNAMES, scratch, v, 0), JF_OK);
	assert_int_equal(v[0].n, 9);
	assert_memory_equal(v[0].p, "\xe4\xba\x88\xe4\xba\x88\xe4\xba\x88", 9);
	assert_int_equal(v[1].n, 8);
	assert_int_equal(v[2].n, 2);
	free(scratch);
}

static unsigned next(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void put(char *json, size_t cap, int *len, const char *s)
{
	*len += snprintf(json + *len, cap - (size_t)*len, "%s", s);
}

/* A random well-formed value into json; depth bounds nesting. */
static void gen_value(char *json, size_t cap, int *len, unsigned *seed, int depth)
{
	static const char *const pieces[] = { "abc", "\\u00e9", "\\\"", "\\\\", "\\n", "予約", "\\ud83d\\ude00",
	                                      "x y", "\\/", "\\t", "}", "]", ",", ":", "\\u0041", "" };
	static const char *const numbers[] = { "0", "-0", "7", "-12", "1.5", "-0.25e-3", "1e3", "1E+2", "2.50",
	                                       "1536694275", "9223372036854775807", "-9223372036854775808",
	                                       "123456789012", "0.1" };
	static const char *const literals[] = { "true", "false", "null" };
	unsigned t = next(seed) % (depth > 2 ? 3 : 5);
	if (t == 0) {
		put(json, cap, len, "\"");
		for (unsigned p = next(seed) % 4; p > 0; p--)
			put(json, cap, len, pieces[next(seed) % (sizeof pieces / sizeof pieces[0])]);
		put(json, cap, len, "\"");
	} else if (t == 1) {
		put(json, cap, len, numbers[next(seed) % (sizeof numbers / sizeof numbers[0])]);
	} else if (t == 2) {
		put(json, cap, len, literals[next(seed) % 3]);
	} else {
		int obj = t == 3;
		put(json, cap, len, obj ? "{" : "[ ");
		for (unsigned k = next(seed) % 4, first = 1; k > 0; k--, first = 0) {
			if (!first)
				put(json, cap, len, next(seed) % 2 ? "," : " , ");
			if (obj)
				put(json, cap, len, next(seed) % 2 ? "\"a\":" : "\"k\\u0031\" : ");
			gen_value(json, cap, len, seed, depth + 1);
		}
		put(json, cap, len, obj ? "}" : "]");
	}
}

/* Random objects: every field's value must be what jansson finds there. */
static void test_against_jansson(void **unused)
{
	(void)unused;
	static const char *const keys[] = { "a", "b", "c", "other", "\\u0062", "aa" };
	unsigned seed = 11;
	char json[8192], scratch[8192];
	for (int round = 0; round < 5000; round++) {
		int len = 0;
		put(json, sizeof json, &len, next(&seed) % 2 ? "{" : " { ");
		for (unsigned k = next(&seed) % 7, first = 1; k > 0; k--, first = 0) {
			if (!first)
				put(json, sizeof json, &len, ",");
			put(json, sizeof json, &len, "\"");
			put(json, sizeof json, &len, keys[next(&seed) % (sizeof keys / sizeof keys[0])]);
			put(json, sizeof json, &len, "\":");
			gen_value(json, sizeof json, &len, &seed, 0);
		}
		put(json, sizeof json, &len, "}");
		assert_true((size_t)len < sizeof json);

		json_error_t je;
		json_t *o = json_loadb(json, (size_t)len, 0, &je);
		if (!o)
			fail_msg("generated bad JSON: %s: %s", json, je.text);
		struct jf_value v[NNAMES];
		assert_int_equal(jsonfields_read(json, (size_t)len, names, NNAMES, scratch, v, JF_AS_JANSSON), JF_OK);
		for (int k = 0; k < NNAMES; k++) {
			json_t *want = json_object_get(o, names[k]);
			if (!want) {
				assert_int_equal(v[k].type, JF_ABSENT);
				continue;
			}
			switch (json_typeof(want)) {
			case JSON_STRING:
				assert_int_equal(v[k].type, JF_STRING);
				assert_int_equal(v[k].n, json_string_length(want));
				assert_memory_equal(v[k].p, json_string_value(want), v[k].n);
				break;
			case JSON_INTEGER: {
				int64_t got;
				assert_int_equal(v[k].type, JF_NUMBER);
				assert_int_equal(jsonfields_int64(v[k].p, v[k].n, &got), 0);
				assert_true(got == json_integer_value(want));
				break;
			}
			case JSON_REAL: {
				int64_t ignored;
				assert_int_equal(v[k].type, JF_NUMBER);
				assert_int_equal(jsonfields_int64(v[k].p, v[k].n, &ignored), -1);
				json_t *tok = json_loadb(v[k].p, v[k].n, JSON_DECODE_ANY, &je);
				assert_true(json_equal(tok, want));
				json_decref(tok);
				break;
			}
			case JSON_OBJECT:
			case JSON_ARRAY: {
				assert_int_equal(v[k].type, json_is_object(want) ? JF_OBJECT : JF_ARRAY);
				json_t *raw = json_loadb(v[k].p, v[k].n, 0, &je);
				if (!raw || !json_equal(raw, want))
					fail_msg("raw span \"%.*s\" of %s", (int)v[k].n, v[k].p, json);
				json_decref(raw);
				break;
			}
			case JSON_TRUE: assert_int_equal(v[k].type, JF_TRUE); break;
			case JSON_FALSE: assert_int_equal(v[k].type, JF_FALSE); break;
			case JSON_NULL: assert_int_equal(v[k].type, JF_NULL); break;
			}
		}
		json_decref(o);
	}
}

/* Random objects spiced with what jansson refuses: JF_AS_JANSSON refuses
 * exactly when jansson does. */
static void test_refusals_against_jansson(void **unused)
{
	(void)unused;
	static const char *const spice[] = { "\"\\u0000\"", "\"a\\u0000\"", "9223372036854775808", "-9223372036854775809",
	                                     "1e309", "1.7976931348623159e308", "\"\xff\"", "\"\xe3\x81\"", "1e308",
	                                     "\"\\\\u0000\"", "-9223372036854775808", "\"\xe4\xba\x88\"" };
	unsigned seed = 5;
	char json[8192], scratch[8192];
	for (int round = 0; round < 3000; round++) {
		int len = 0;
		put(json, sizeof json, &len, "{\"a\":");
		gen_value(json, sizeof json, &len, &seed, 1);
		put(json, sizeof json, &len, ",\"x\":[");
		put(json, sizeof json, &len, spice[next(&seed) % (sizeof spice / sizeof spice[0])]);
		put(json, sizeof json, &len, "],\"b\":");
		gen_value(json, sizeof json, &len, &seed, 1);
		put(json, sizeof json, &len, "}");

		json_error_t je;
		json_t *o = json_loadb(json, (size_t)len, 0, &je);
		struct jf_value v[NNAMES];
		enum jf_status st = jsonfields_read(json, (size_t)len, names, NNAMES, scratch, v, JF_AS_JANSSON);
		if ((st == JF_OK) != (o != NULL))
			fail_msg("%s: status %d, jansson %s", json, st, o ? "accepts" : je.text);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_as_jansson),
		cmocka_unit_test(test_as_jansson),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_scratch_bound),
		cmocka_unit_test(test_against_jansson),
		cmocka_unit_test(test_refusals_against_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
