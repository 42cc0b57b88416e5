/* Unit tests for timefmt: civil dates, ISO 8601 parsing, instants, durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redrive/timefmt.h"

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))

static void test_null_and_empty(void **state)
{
	struct timefmt_parts p;
	int64_t v = 42;
	char out[16] = "unchanged";

	(void)state;
	assert_int_equal(timefmt_parse_parts(NULL, 0, &p), -1);
	assert_int_equal(timefmt_parse_parts("", 0, &p), -1);
	assert_int_equal(timefmt_parse_parts("04:30", 5, NULL), -1);
	assert_int_equal(timefmt_parse_instant(NULL, 0, &v), -1);
	assert_int_equal(timefmt_parse_instant("", 0, &v), -1);
	assert_int_equal(timefmt_parse_instant("0", 1, NULL), -1);
	assert_int_equal(timefmt_parse_duration(NULL, &v), -1);
	assert_int_equal(timefmt_parse_duration("", &v), -1);
	assert_int_equal(timefmt_parse_duration("10m", NULL), -1);
	assert_int_equal(v, 42);
	timefmt_duration(60, NULL, 10);
	timefmt_duration(60, out, 0);
	assert_string_equal(out, "unchanged");
}

static void test_civil_dates(void **state)
{
	static const struct {
		int64_t y;
		int m, d;
		int64_t days;
	} rows[] = {
		{ 1970, 1, 1, 0 },       { 1969, 12, 31, -1 },     { 2000, 2, 29, 11016 },
		{ 1600, 2, 29, -135081 }, { 1900, 3, 1, -25508 },   { 2038, 1, 19, 24855 },
		{ 1, 1, 1, -719162 },     { 9999, 12, 31, 2932896 },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		int64_t y;
		int m, d;
		if (timefmt_days_from_civil(rows[i].y, rows[i].m, rows[i].d) != rows[i].days)
			fail_msg("days_from_civil %lld-%d-%d", (long long)rows[i].y, rows[i].m, rows[i].d);
		timefmt_civil_from_days(rows[i].days, &y, &m, &d);
		if (y != rows[i].y || m != rows[i].m || d != rows[i].d)
			fail_msg("civil_from_days %lld", (long long)rows[i].days);
	}
	/* Every day of four 400-year cycles round-trips and is a valid date. */
	for (int64_t days = -800000; days <= 800000; days++) {
		int64_t y;
		int m, d;
		timefmt_civil_from_days(days, &y, &m, &d);
		if (!timefmt_valid_date(y, m, d) || timefmt_days_from_civil(y, m, d) != days)
			fail_msg("day %lld does not round-trip", (long long)days);
	}
}

static void test_valid_date(void **state)
{
	static const struct {
		int64_t y;
		int m, d, valid;
	} rows[] = {
		{ 2024, 2, 29, 1 }, { 2023, 2, 29, 0 }, { 1900, 2, 29, 0 }, { 2000, 2, 29, 1 },
		{ 2100, 2, 29, 0 }, { 2018, 2, 30, 0 }, { 2018, 4, 31, 0 }, { 2018, 4, 30, 1 },
		{ 2018, 13, 1, 0 }, { 2018, 0, 10, 0 }, { 2018, 1, 0, 0 },  { 2018, 12, 31, 1 },
		{ 2018, 1, 32, 0 }, { 0, 2, 29, 1 },    { -4, 2, 29, 1 },   { -1, 2, 29, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++)
		if (timefmt_valid_date(rows[i].y, rows[i].m, rows[i].d) != rows[i].valid)
			fail_msg("%lld-%02d-%02d should be %s", (long long)rows[i].y, rows[i].m, rows[i].d,
			         rows[i].valid ? "valid" : "invalid");
}

static void test_format_utc(void **state)
{
	static const struct {
		int64_t t;
		const char *want;
	} rows[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 1536694200, "2018-09-11T19:30:00Z" },
		{ 951782400, "2000-02-29T00:00:00Z" },
		{ 2147483648LL, "2038-01-19T03:14:08Z" },
		{ TIMEFMT_MAX_INSTANT, "9999-12-31T23:59:59Z" },
		{ TIMEFMT_MIN_INSTANT, "0000-01-01T00:00:00Z" },
		{ INT64_MAX, "9999-12-31T23:59:59Z" },
		{ INT64_MIN, "0000-01-01T00:00:00Z" },
	};
	char out[TIMEFMT_UTC_LEN];

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		timefmt_utc(rows[i].t, out);
		assert_string_equal(out, rows[i].want);
	}
}

static void test_parse_parts_good(void **state)
{
	static const struct {
		const char *text;
		int has_date, has_offset;
		int64_t local;
		int32_t offset;
	} rows[] = {
		{ "2018-09-12T04:30", 1, 0, 1536726600, 0 },
		{ "2018-09-12 04:30", 1, 0, 1536726600, 0 },
		{ "2018-09-12T04:30:15", 1, 0, 1536726615, 0 },
		{ "2018-09-12T04:30:15.999", 1, 0, 1536726615, 0 },
		{ "2018-09-12T04:30Z", 1, 1, 1536726600, 0 },
		{ "2018-09-12T04:30+09:00", 1, 1, 1536726600, 32400 },
		{ "2018-09-12 04:30+0900", 1, 1, 1536726600, 32400 },
		{ "2018-09-12T04:30+09", 1, 1, 1536726600, 32400 },
		{ "2018-09-12T04:30:00.5-03:30", 1, 1, 1536726600, -12600 },
		{ "2018-09-12T04:30-00:00", 1, 1, 1536726600, 0 },
		{ "2024-02-29T23:59:59Z", 1, 1, 1709251199, 0 },
		{ "1969-12-31T23:59:59Z", 1, 1, -1, 0 },
		{ "05:00", 0, 0, 18000, 0 },
		{ "00:00", 0, 0, 0, 0 },
		{ "23:59:59", 0, 0, 86399, 0 },
		{ "05:00+09:00", 0, 1, 18000, 32400 },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct timefmt_parts p;
		if (timefmt_parse_parts(rows[i].text, strlen(rows[i].text), &p) != 0)
			fail_msg("\"%s\" did not parse", rows[i].text);
		if (p.has_date != rows[i].has_date || p.has_offset != rows[i].has_offset ||
		    p.local != rows[i].local || p.offset != rows[i].offset)
			fail_msg("\"%s\": date %d offset %d local %lld offset %d", rows[i].text, p.has_date,
			         p.has_offset, (long long)p.local, (int)p.offset);
		if (p.has_offset && p.utc != p.local - p.offset)
			fail_msg("\"%s\": utc %lld", rows[i].text, (long long)p.utc);
	}
}

static void test_parse_parts_bad(void **state)
{
	static const char *const rows[] = {
		"2018-02-30 04:30",        /* no such day */
		"2023-02-29 04:30",        /* not a leap year */
		"1900-02-29T00:00Z",       /* century, not a leap year */
		"2018-13-01 04:30",        /* no month 13 */
		"2018-00-01 04:30",
		"2018-09-00 04:30",
		"2018-09-12T24:00",        /* hour 24 refused */
		"24:00",
		"2018-09-12T23:60",
		"2018-09-12T23:59:60Z",    /* no leap seconds */
		"2018-09-12",              /* a date alone */
		"2018-09-12T",
		"2018-09-12  04:30",       /* two spaces */
		"2018-09-12t04:30",
		"2018-9-12 04:30",
		"18-09-12 04:30",
		"2018-09-12 4:30",
		"4:30",
		"04:3",
		"0430",
		"04:30:",
		"04:30:00.",
		"04:30.5",                 /* fraction without seconds */
		"2018-09-12T04:30+9",
		"2018-09-12T04:30+09:0",
		"2018-09-12T04:30+0900Z",
		"2018-09-12T04:30+24:00",
		"2018-09-12T04:30+09:60",
		"2018-09-12T04:30 +09:00",
		"2018-09-12T04:30z",
		"2018-09-12T04:30Z ",
		" 2018-09-12T04:30Z",
		"2018-09-12T04:30JST",
		"garbage",
		":",
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct timefmt_parts p;
		if (timefmt_parse_parts(rows[i], strlen(rows[i]), &p) != -1)
			fail_msg("\"%s\" should not parse", rows[i]);
	}
}

/* n bounds the text: no NUL terminator is needed and bytes after n are ignored. */
static void test_parse_parts_length(void **state)
{
	static const char text[] = "2018-09-12T04:30Zjunk";
	struct timefmt_parts p;

	(void)state;
	assert_int_equal(timefmt_parse_parts(text, 17, &p), 0);
	assert_int_equal(p.utc, 1536726600);
	assert_int_equal(timefmt_parse_parts(text, 16, &p), 0);
	assert_int_equal(p.has_offset, 0);
	assert_int_equal(timefmt_parse_parts(text, 15, &p), -1);
	assert_int_equal(timefmt_parse_parts(text, sizeof text - 1, &p), -1);
	assert_int_equal(timefmt_parse_parts("04:30\0:00", 9, &p), -1);
}

static void test_parse_instant(void **state)
{
	static const struct {
		const char *text;
		int rc;
		int64_t want;
	} rows[] = {
		{ "2018-09-12T04:30+09:00", 0, 1536694200 },
		{ "2018-09-11T19:30:00Z", 0, 1536694200 },
		{ "2018-09-11 19:30:00.123456Z", 0, 1536694200 },
		{ "2018-09-11T14:30-0500", 0, 1536694200 },
		{ "1536694200", 0, 1536694200 },
		{ "1536694200.5", 0, 1536694200 },
		{ "1536694200.999999", 0, 1536694200 },
		{ "0", 0, 0 },
		{ "-1", 0, -1 },
		{ "-1.5", 0, -2 },
		{ "-1.0", 0, -1 },
		{ "253402300799", 0, TIMEFMT_MAX_INSTANT },
		{ "253402300800", -1, 0 },          /* after 9999 */
		{ "-62167219201", -1, 0 },          /* before 0000 */
		{ "99999999999999999999999", -1, 0 }, /* overflow */
		{ "2018-09-12T04:30", -1, 0 },      /* no offset: ambiguous */
		{ "2018-09-12 04:30:00", -1, 0 },
		{ "04:30Z", -1, 0 },                /* no date */
		{ "2018-09-12", -1, 0 },
		{ "1536694200.", -1, 0 },
		{ ".5", -1, 0 },
		{ "-", -1, 0 },
		{ "--1", -1, 0 },
		{ "+1536694200", -1, 0 },
		{ "1536694200s", -1, 0 },
		{ "1.5.5", -1, 0 },
		{ " 1536694200", -1, 0 },
		{ "1e9", -1, 0 },
		{ "2018-02-30T04:30Z", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		int64_t got = 0;
		int rc = timefmt_parse_instant(rows[i].text, strlen(rows[i].text), &got);
		if (rc != rows[i].rc || (rc == 0 && got != rows[i].want))
			fail_msg("\"%s\": rc %d value %lld, want rc %d value %lld", rows[i].text, rc,
			         (long long)got, rows[i].rc, (long long)rows[i].want);
	}
}

static void test_parse_duration(void **state)
{
	static const struct {
		const char *text;
		int rc;
		int64_t want;
	} rows[] = {
		{ "600", 0, 600 },
		{ "0", 0, 0 },
		{ "600s", 0, 600 },
		{ "10m", 0, 600 },
		{ "1h30m", 0, 5400 },
		{ "1h 30m", 0, 5400 },
		{ "1h  30m 5s", 0, 5405 },
		{ "2d", 0, 172800 },
		{ "1w2d", 0, 777600 },
		{ "90m", 0, 5400 },
		{ "PT10M", 0, 600 },
		{ "PT30M", 0, 1800 },
		{ "PT1H30M", 0, 5400 },
		{ "P1D", 0, 86400 },
		{ "P1DT2H", 0, 93600 },
		{ "P1W", 0, 604800 },
		{ "PT0S", 0, 0 },
		{ "PT45S", 0, 45 },
		{ "-5", -1, 0 },
		{ "-5m", -1, 0 },
		{ "m", -1, 0 },
		{ "10", 0, 10 },
		{ "10x", -1, 0 },
		{ "10 m", -1, 0 },
		{ "30m1h", -1, 0 },        /* largest unit first */
		{ "1h1h", -1, 0 },
		{ " 10m", -1, 0 },
		{ "10m ", -1, 0 },
		{ "1.5h", -1, 0 },
		{ "10M", -1, 0 },          /* months? minutes? refused */
		{ "P", -1, 0 },
		{ "PT", -1, 0 },
		{ "P1DT", -1, 0 },
		{ "P1Y", -1, 0 },          /* years and months vary in length */
		{ "P1M", -1, 0 },
		{ "PT1H30", -1, 0 },
		{ "PT30M1H", -1, 0 },
		{ "pt30m", -1, 0 },
		{ "PT1.5H", -1, 0 },
		{ "P1D2H", -1, 0 },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "9223372036854775808", -1, 0 },
		{ "106751991167301d", -1, 0 }, /* overflow in the multiplication */
		{ "106751991167300d 100000h", -1, 0 }, /* overflow in the sum */
		{ "PT9223372036854775807S", 0, INT64_MAX },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		int64_t got = 0;
		int rc = timefmt_parse_duration(rows[i].text, &got);
		if (rc != rows[i].rc || (rc == 0 && got != rows[i].want))
			fail_msg("\"%s\": rc %d value %lld, want rc %d value %lld", rows[i].text, rc,
			         (long long)got, rows[i].rc, (long long)rows[i].want);
	}
}

static void test_format_duration(void **state)
{
	static const struct {
		int64_t secs;
		const char *want;
	} rows[] = {
		{ 0, "0s" },          { 45, "45s" },          { 60, "1m" },
		{ 90, "1m30s" },      { 600, "10m" },         { 3600, "1h" },
		{ 5400, "1h30m" },    { 5415, "1h30m" },      { 86400, "1d" },
		{ 183600, "2d3h" },   { 172860, "2d" },       { -90, "-1m30s" },
		{ INT64_MAX, "106751991167300d15h" },         { INT64_MIN, "-106751991167300d15h" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		timefmt_duration(rows[i].secs, out, sizeof out);
		assert_string_equal(out, rows[i].want);
	}
	timefmt_duration(5400, out, 4); /* truncated, still terminated */
	assert_string_equal(out, "1h3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_civil_dates),
		cmocka_unit_test(test_valid_date),
		cmocka_unit_test(test_format_utc),
		cmocka_unit_test(test_parse_parts_good),
		cmocka_unit_test(test_parse_parts_bad),
		cmocka_unit_test(test_parse_parts_length),
		cmocka_unit_test(test_parse_instant),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_format_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
