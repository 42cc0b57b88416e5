/* test_filter.c — the filter language shared by the CLI and the dashboard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/state.h"
#include "redrive/tz.h"

static void test_empty(void **unused)
{
	(void)unused;
	struct rd_filter f;
	struct buf b = BUF_INIT;
	filter_init(&f);
	assert_int_equal(filter_parse_line(&f, NULL), RD_OK);
	assert_int_equal(filter_parse_line(&f, ""), RD_OK);
	assert_int_equal(filter_parse_line(&f, "   "), RD_OK);
	assert_int_equal(f.states, 0);
	assert_int_equal(f.grace, RD_GRACE_DEFAULT);
	filter_to_line(&f, &b);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
	filter_free(&f);
}

struct bad_case {
	const char *name, *value, *says;
};

static const struct bad_case bad[] = {
	{ "state", "lost", "unknown state \"lost\"" },
	{ "state", "", "needs a value" },
	{ "state", NULL, "needs a value" },
	{ "nonsense", "x", "unknown filter" },
	{ "grace", "ten minutes", "not a duration" },
	{ "grace", "-5m", "not a duration" },
	{ "now", "yesterday", "not a time" },
	{ "now", "2018-09-12 04:30", "not a time" },
};

static void test_bad_options(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct rd_filter f;
		filter_init(&f);
		assert_int_equal(filter_option(&f, bad[i].name, bad[i].value), RD_E_USAGE);
		if (!strstr(rd_error_message(), bad[i].says))
			fail_msg("--%s %s: \"%s\" does not say \"%s\"", bad[i].name,
			         bad[i].value ? bad[i].value : "(null)", rd_error_message(), bad[i].says);
		filter_free(&f);
	}
}

static void test_widening(void **unused)
{
	(void)unused;
	struct rd_filter f;
	filter_init(&f);
	assert_int_equal(filter_option(&f, "state", "pending"), RD_OK);
	assert_int_equal(filter_option(&f, "state", "dead"), RD_OK);
	assert_int_equal(f.states, (1u << RD_STATE_PENDING) | (1u << RD_STATE_DEAD));
	assert_int_equal(filter_option(&f, "campaign", "A"), RD_OK);
	assert_int_equal(filter_option(&f, "campaign", "B"), RD_OK);
	assert_int_equal(filter_option(&f, "campaign", "A"), RD_OK); /* a repeat adds nothing */
	assert_int_equal(f.ncampaigns, 2);
	assert_int_equal(filter_option(&f, "grace", "1h30m"), RD_OK);
	assert_int_equal(f.grace, 5400);
	assert_int_equal(filter_option(&f, "now", "2018-09-13T03:00+09:00"), RD_OK);
	assert_int_equal(f.now, 1536775200);
	assert_true(f.has_now);
	filter_free(&f);
	assert_int_equal(f.ncampaigns, 0);
}

struct line_case {
	const char *line;
	const char *canonical;
};

static const struct line_case lines[] = {
	{ "state:pending", "state:pending" },
	{ "--state pending --state dead", "state:pending state:dead" },
	{ "state=dead affected", "state:dead affected" },
	{ "campaign:\"予約完了のお知らせ\" affected", "campaign:予約完了のお知らせ affected" },
	{ "campaign:'秋の 特別セール'", "campaign:\"秋の 特別セール\"" },
	{ "campaign:'say \"hi\"'", "campaign:'say \"hi\"'" },
	{ "recipient:*@docomo.ne.jp --affected", "recipient:*@docomo.ne.jp affected" },
	{ "incident:AMQ再起動 state:queued", "incident:AMQ再起動 state:queued" },
	{ "window:2018-09-12T04:30+09:00/05:00", "window:2018-09-12T04:30+09:00/05:00" },
	{ "tagged", "tagged" },
};

static void test_lines_round_trip(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		struct rd_filter f, g;
		struct buf b = BUF_INIT, c = BUF_INIT;
		filter_init(&f);
		filter_init(&g);
		if (filter_parse_line(&f, lines[i].line) != RD_OK)
			fail_msg("%s: %s", lines[i].line, rd_error_message());
		filter_to_line(&f, &b);
		assert_string_equal(buf_str(&b), lines[i].canonical);
		assert_int_equal(filter_parse_line(&g, buf_str(&b)), RD_OK);
		filter_to_line(&g, &c);
		assert_string_equal(buf_str(&c), buf_str(&b));
		buf_free(&b);
		buf_free(&c);
		filter_free(&f);
		filter_free(&g);
	}
}

static void test_bad_lines(void **unused)
{
	(void)unused;
	const char *bad_lines[] = { "state:nope", "campaign:\"unterminated", "--state", "colour:red" };
	for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		struct rd_filter f;
		filter_init(&f);
		assert_int_equal(filter_parse_line(&f, bad_lines[i]), RD_E_USAGE);
		filter_free(&f);
	}
}

static void test_copy(void **unused)
{
	(void)unused;
	struct rd_filter f, g;
	filter_init(&f);
	filter_init(&g);
	assert_int_equal(filter_parse_line(&f, "campaign:A recipient:x@y incident:I state:dead"), RD_OK);
	assert_int_equal(filter_copy(&g, &f), RD_OK);
	filter_free(&f);
	assert_string_equal(g.campaigns[0], "A");
	assert_string_equal(g.recipients[0], "x@y");
	assert_string_equal(g.incident, "I");
	assert_int_equal(g.states, 1u << RD_STATE_DEAD);
	filter_free(&g);
}

static void test_resolve_windows(void **unused)
{
	(void)unused;
	struct rd_filter f;
	struct tz *tokyo = tz_load("Asia/Tokyo");
	assert_non_null(tokyo);
	filter_init(&f);
	filter_option(&f, "window", "2018-09-13 01:15/01:50");
	filter_option(&f, "window", "2018-09-12 04:30/05:00");
	filter_option(&f, "window", "2018-09-12 04:45/05:10");
	assert_int_equal(filter_resolve_windows(&f, tokyo), RD_OK);
	assert_int_equal(f.nwindows, 2); /* sorted, overlaps merged */
	assert_int_equal(f.windows[0].start, 1536694200);
	assert_int_equal(f.windows[0].end, 1536696600);
	assert_int_equal(f.windows[1].start, 1536768900);
	filter_free(&f);

	filter_init(&f);
	filter_option(&f, "window", "2018-09-12 04:30/05:00");
	assert_int_equal(filter_resolve_windows(&f, NULL), RD_E_USAGE); /* local time needs a zone */
	filter_free(&f);
	tz_free(tokyo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_widening),
		cmocka_unit_test(test_lines_round_trip),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_resolve_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
