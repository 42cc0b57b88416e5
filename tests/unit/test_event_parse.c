/* test_event_parse.c — the webhook field extractor, as a table and against
 * jansson on generated events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "redrive/event_parse.h"

static int span_is(struct rd_span s, const char *want)
{
	if (!want)
		return s.p == NULL;
	return s.p && s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

struct parse_case {
	const char *json;
	const char *why;       /* substring of the reject reason, NULL: accepted */
	const char *event, *email, *msg_key, *sid, *type, *attempt, *reason;
	int64_t ts, batch;
};

static const struct parse_case cases[] = {
	{ "{\"event\":\"delivered\",\"timestamp\":1536694275,\"email\":\"a@x.jp\"}", NULL, "delivered", "a@x.jp",
	  NULL, NULL, NULL, NULL, NULL, 1536694275, 0 },
	{ " { \"email\" : \"A@X.jp\" , \"timestamp\" : 5 , \"event\" : \"bounce\", \"type\":\"blocked\","
	  "\"reason\":\"552 full\", \"msg_key\":\"m1\", \"sg_message_id\":\"P.f1\", \"redrive_batch\":\"12\" } ",
	  NULL, "bounce", "A@X.jp", "m1", "P.f1", "blocked", NULL, "552 full", 5, 12 },
	{ "{\"event\":\"deferred\",\"timestamp\":1,\"email\":\"a@x\",\"attempt\":3,\"msg_key\":42,\"redrive_batch\":7}",
	  NULL, "deferred", "a@x", "42", NULL, NULL, "3", NULL, 1, 7 },
	{ "{\"event\":\"d\\u00e9liv\\\"er\\\\ed\\n\",\"timestamp\":1,\"email\":\"\\u0061@x\"}", NULL,
	  "d\xc3\xa9liv\"er\\ed\n", "a@x", NULL, NULL, NULL, NULL, NULL, 1, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1,\"email\":\"a@x\",\"reason\":\"\\ud83d\\ude00\"}", NULL, "x", "a@x", NULL,
	  NULL, NULL, NULL, "\xf0\x9f\x98\x80", 1, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1,\"email\":\"a@x\",\"nested\":{\"event\":\"no\",\"a\":[1,{\"b\":\"}\"}]},"
	  "\"category\":[\"c1\",\"c2\"],\"tls\":true,\"n\":null,\"f\":-1.5e3}", NULL, "x", "a@x", NULL, NULL, NULL,
	  NULL, NULL, 1, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1,\"email\":\"a@x\",\"event\":\"y\"}", NULL, "y", "a@x", NULL, NULL, NULL,
	  NULL, NULL, 1, 0 }, /* a repeated key: the last one, as jansson */
	{ "{\"event\":\"x\",\"timestamp\":-5,\"email\":\"a@x\",\"redrive_batch\":\"12a\"}", NULL, "x", "a@x", NULL,
	  NULL, NULL, NULL, NULL, -5, 0 },
	{ "[]", "JSON object", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "\"text\"", "JSON object", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "{}", "event must be a string", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "{\"event\":5,\"timestamp\":1,\"email\":\"a@x\"}", "event must be a string", NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, 0 },
	{ "{\"event\":\"x\",\"email\":\"a@x\"}", "timestamp must be an integer", NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL, 0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":\"1\",\"email\":\"a@x\"}", "timestamp must be an integer", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1.5,\"email\":\"a@x\"}", "timestamp must be an integer", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1e9,\"email\":\"a@x\"}", "timestamp must be an integer", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":99999999999999999999,\"email\":\"a@x\"}", "timestamp must be an integer",
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":null,\"email\":\"a@x\"}", "timestamp must be an integer", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1,\"email\":\"\"}", "email must be", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1,\"email\":[\"a@x\"]}", "email must be", NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL, 0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1,\"email\":\"a\\u0000@x\"}", "NUL", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  0, 0 },
	{ "{\"event\":\"x\",\"timestamp\":1,\"email\":\"a@x\",\"s\":\"\xff\"}", "UTF-8", NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, 0 },
};

static void test_table(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct parse_case *c = &cases[i];
		size_t n = strlen(c->json);
		char *scratch = malloc(n + 1);
		struct ev_fields f;
		const char *why = event_parse(c->json, n, scratch, &f);
		if (c->why) {
			if (!why || !strstr(why, c->why))
				fail_msg("case %zu: got %s, wanted a reject saying %s", i, why ? why : "accepted", c->why);
		} else {
			if (why)
				fail_msg("case %zu rejected: %s", i, why);
			if (!span_is(f.event, c->event) || !span_is(f.email, c->email) || !span_is(f.msg_key, c->msg_key) ||
			    !span_is(f.sg_message_id, c->sid) || !span_is(f.type, c->type) ||
			    !span_is(f.attempt, c->attempt) || !span_is(f.reason, c->reason))
				fail_msg("case %zu: a text field differs", i);
			assert_int_equal(f.timestamp, c->ts);
			assert_int_equal(f.redrive_batch, c->batch);
		}
		free(scratch);
	}
}

static unsigned next(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Random but well-formed events: every string field must equal jansson's. */
static void test_against_jansson(void **unused)
{
	(void)unused;
	static const char *const pieces[] = { "abc", "\\u00e9", "\\\"", "\\\\", "\\n", "予約", "\\ud83d\\ude00",
	                                      "x y", "\\/", "\\t" };
	static const char *const keys[] = { "event", "email", "msg_key", "sg_message_id", "type", "url", "reason",
	                                    "other", "category" };
	unsigned seed = 7;
	char json[2048], scratch[2048];
	for (int round = 0; round < 3000; round++) {
		int len = snprintf(json, sizeof json, "{\"timestamp\":%u", next(&seed) % 2000000000u);
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			if (k > 1 && next(&seed) % 3 == 0)
				continue;
			len += snprintf(json + len, sizeof json - (size_t)len, ",\"%s\":\"", keys[k]);
			int parts = 1 + (int)(next(&seed) % 4);
			for (int p = 0; p < parts; p++)
				len += snprintf(json + len, sizeof json - (size_t)len, "%s",
				                pieces[next(&seed) % (sizeof pieces / sizeof pieces[0])]);
			len += snprintf(json + len, sizeof json - (size_t)len, "\"");
			if (next(&seed) % 5 == 0)
				len += snprintf(json + len, sizeof json - (size_t)len, ",\"deep\":{\"a\":[1,2,{\"b\":\"]\"}]}");
		}
		len += snprintf(json + len, sizeof json - (size_t)len, "}");

		json_error_t je;
		json_t *o = json_loadb(json, (size_t)len, 0, &je);
		assert_non_null(o);
		struct ev_fields f;
		assert_null(event_parse(json, (size_t)len, scratch, &f));
		struct rd_span *mine[] = { &f.event, &f.email, &f.msg_key, &f.sg_message_id, &f.type, &f.url, &f.reason };
		for (size_t k = 0; k < 7; k++) {
			json_t *v = json_object_get(o, keys[k]);
			if (!v) {
				assert_null(mine[k]->p);
				continue;
			}
			assert_int_equal(mine[k]->n, json_string_length(v));
			assert_memory_equal(mine[k]->p, json_string_value(v), mine[k]->n);
		}
		assert_int_equal(f.timestamp, json_integer_value(json_object_get(o, "timestamp")));
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_against_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
