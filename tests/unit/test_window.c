/* Unit tests for window: parsing incident window specs, normalising, containment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redrive/error.h"
#include "redrive/timefmt.h"
#include "redrive/tz.h"
#include "redrive/window.h"

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))

static int64_t instant(const char *iso)
{
	int64_t t;
	if (timefmt_parse_instant(iso, strlen(iso), &t) != 0)
		fail_msg("test table: bad instant \"%s\"", iso);
	return t;
}

/* NULL zone name: no --tz. */
static struct tz *zone(const char *name)
{
	struct tz *z;
	if (!name)
		return NULL;
	z = tz_load(name);
	if (!z)
		fail_msg("tz_load(\"%s\"): %s", name, rd_error_message());
	return z;
}

static int setup(void **state)
{
	(void)state;
	return setenv("TZDIR", "/usr/share/zoneinfo", 1);
}

static void test_null_and_empty(void **state)
{
	static const char *const rows[] = { "", "   ", "\t" };
	struct rd_window w = { 1, 2 };

	(void)state;
	assert_int_equal(window_parse(NULL, NULL, &w), RD_E_USAGE);
	assert_non_null(strstr(rd_error_message(), "no window was given"));
	for (size_t i = 0; i < ROWS(rows); i++) {
		assert_int_equal(window_parse(rows[i], NULL, &w), RD_E_USAGE);
		assert_non_null(strstr(rd_error_message(), "the window is empty"));
	}
	assert_int_equal(w.start, 1); /* untouched on failure */
	assert_int_equal(w.end, 2);
	assert_int_equal(window_normalize(NULL, 0), 0);
	assert_int_equal(window_normalize(&w, 0), 0);
	assert_int_equal(window_contains(NULL, 3, 0), 0);
	assert_int_equal(window_contains(&w, 0, 1), 0);
	/* out may be NULL: the spec is only checked. */
	assert_int_equal(window_parse("2018-09-12T04:30Z/PT30M", NULL, NULL), RD_OK);
}

static void test_parse_good(void **state)
{
	static const struct {
		const char *spec, *zone, *start, *end;
	} rows[] = {
		/* SPEC §1 and seed 000: the queue restart, in JST. */
		{ "2018-09-12T04:30+09:00/2018-09-12T05:00+09:00", NULL, "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-12 04:30/05:00", "Asia/Tokyo", "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-13 01:15/01:50", "Asia/Tokyo", "2018-09-12T16:15:00Z", "2018-09-12T16:50:00Z" },
		{ "2018-09-12 23:40/00:20", "Asia/Tokyo", "2018-09-12T14:40:00Z", "2018-09-12T15:20:00Z" },
		/* An offset wins over --tz. */
		{ "2018-09-12T04:30+09:00/2018-09-12T05:00+09:00", "Europe/Berlin", "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-12T04:30+09:00/05:00", NULL, "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-12T04:30+09:00/05:00+09:00", NULL, "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-12T04:30+09:00/2018-09-12T05:00", "Europe/Berlin", "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-12T04:30+09:00/PT30M", NULL, "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-11T19:30Z/2018-09-11T20:00Z", NULL, "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-11 19:30Z/20:00", NULL, "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-12T04:30Z/2018-09-12 05:00", NULL, "2018-09-12T04:30:00Z", "2018-09-12T05:00:00Z" },
		{ "2018-09-12 04:30/2018-09-12 05:00", "Asia/Tokyo", "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-12 04:30/2018-09-12T05:00+09:00", "Asia/Tokyo", "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "  2018-09-12 04:30 / 05:00  ", "Asia/Tokyo", "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "\t2018-09-12 04:30/05:00\t", "Asia/Tokyo", "2018-09-11T19:30:00Z", "2018-09-11T20:00:00Z" },
		{ "2018-09-12T23:40+09:00/00:20", NULL, "2018-09-12T14:40:00Z", "2018-09-12T15:20:00Z" },
		/* An earlier end time is on the next day: 23 hours. */
		{ "2018-09-12 05:00/04:00", "Asia/Tokyo", "2018-09-11T20:00:00Z", "2018-09-12T19:00:00Z" },
		{ "2018-09-12 04:30/PT1H30M", "Asia/Tokyo", "2018-09-11T19:30:00Z", "2018-09-11T21:00:00Z" },
		{ "2018-09-12 04:30/P1D", "Asia/Tokyo", "2018-09-11T19:30:00Z", "2018-09-12T19:30:00Z" },
		{ "2018-09-12T04:30:15.5+09:00/04:31", NULL, "2018-09-11T19:30:15Z", "2018-09-11T19:31:00Z" },
		/* Berlin, autumn 2024: 01:00 CEST to 04:00 CET is four hours. */
		{ "2024-10-27 01:00/04:00", "Europe/Berlin", "2024-10-26T23:00:00Z", "2024-10-27T03:00:00Z" },
		/* A repeated hour takes its first occurrence (CEST). */
		{ "2024-10-27 02:30/03:30", "Europe/Berlin", "2024-10-27T00:30:00Z", "2024-10-27T02:30:00Z" },
		/* Berlin, spring 2024: 01:00 CET to 04:00 CEST is two hours. */
		{ "2024-03-31 01:00/04:00", "Europe/Berlin", "2024-03-31T00:00:00Z", "2024-03-31T02:00:00Z" },
		/* A duration is exact: P1D over the autumn change ends an hour earlier by the clock. */
		{ "2024-10-26 12:00/P1D", "Europe/Berlin", "2024-10-26T10:00:00Z", "2024-10-27T10:00:00Z" },
		/* New York 2040, past the file's transitions (footer rule). */
		{ "2040-11-04 00:00/03:00", "America/New_York", "2040-11-04T04:00:00Z", "2040-11-04T08:00:00Z" },
		/* No cap on the length. */
		{ "2018-01-01T00:00Z/2020-01-01T00:00Z", NULL, "2018-01-01T00:00:00Z", "2020-01-01T00:00:00Z" },
		{ "2018-09-12T04:30+09:00/P400D", NULL, "2018-09-11T19:30:00Z", "2019-10-16T19:30:00Z" },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct tz *z = zone(rows[i].zone);
		struct rd_window w = { 0, 0 };
		int rc = window_parse(rows[i].spec, z, &w);
		tz_free(z);
		if (rc != RD_OK)
			fail_msg("\"%s\": %s", rows[i].spec, rd_error_message());
		if (w.start != instant(rows[i].start) || w.end != instant(rows[i].end)) {
			char a[TIMEFMT_UTC_LEN], b[TIMEFMT_UTC_LEN];
			timefmt_utc(w.start, a);
			timefmt_utc(w.end, b);
			fail_msg("\"%s\": %s/%s, want %s/%s", rows[i].spec, a, b, rows[i].start, rows[i].end);
		}
	}
}

static void test_autumn_length(void **state)
{
	struct tz *berlin = zone("Europe/Berlin");
	struct rd_window w;

	(void)state;
	assert_int_equal(window_parse("2024-10-27 00:00/06:00", berlin, &w), RD_OK);
	assert_int_equal(w.end - w.start, 7 * 3600); /* six wall-clock hours, seven real ones */
	assert_int_equal(window_parse("2024-03-31 00:00/06:00", berlin, &w), RD_OK);
	assert_int_equal(w.end - w.start, 5 * 3600);
	assert_int_equal(window_parse("2040-10-28 00:00/06:00", berlin, &w), RD_OK);
	assert_int_equal(w.end - w.start, 7 * 3600);
	tz_free(berlin);
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *spec, *zone, *why;
	} rows[] = {
		{ "2018-09-12 04:30", "Asia/Tokyo", "there is no '/' between the start and the end" },
		{ "2018-09-12 04:30/05:00/06:00", "Asia/Tokyo", "there is more than one '/'" },
		{ "/05:00", "Asia/Tokyo", "the start is missing" },
		{ " / ", "Asia/Tokyo", "the start is missing" },
		{ "2018-09-12 04:30/", "Asia/Tokyo", "the end is missing" },
		{ "2018-09-12 04:30/05:00", NULL,
		  "the start 2018-09-12 04:30 has no UTC offset and no time zone is set; give --tz ZONE" },
		{ "2018-02-30 04:30/05:00", "Asia/Tokyo", "2018-02-30 is not a date: February 2018 has 28 days" },
		{ "2023-02-29 04:30/05:00", "Asia/Tokyo", "2023-02-29 is not a date: February 2023 has 28 days" },
		{ "2018-04-31T04:30Z/05:00", NULL, "2018-04-31 is not a date: April 2018 has 30 days" },
		{ "2018-13-01 04:30/05:00", "Asia/Tokyo", "2018-13-01 is not a date: there is no month 13" },
		{ "2018-09-12 04:30/2018-02-30 05:00", "Asia/Tokyo", "2018-02-30 is not a date" },
		{ "2018-09-12 24:00/05:00", "Asia/Tokyo", "there is no hour 24" },
		{ "2018-09-12 04:30/24:00", "Asia/Tokyo", "there is no hour 24" },
		{ "2018-09-12 04:30/04:75", "Asia/Tokyo", "there is no minute 75" },
		{ "2018-09-12 04:30/soon", "Asia/Tokyo", "the end \"soon\" is not a date-time" },
		{ "yesterday/today", "Asia/Tokyo", "the start \"yesterday\" is not a date-time" },
		{ "2018-09-12T04:30+0900/0500", NULL, "the end \"0500\" is not a date-time" },
		{ "04:30/05:00", "Asia/Tokyo", "the start 04:30 has no date" },
		{ "2018-09-12T05:00+09:00/2018-09-12T04:00+09:00", NULL,
		  "the end 2018-09-12T04:00+09:00 is not after the start 2018-09-12T05:00+09:00" },
		{ "2018-09-12 05:00/05:00", "Asia/Tokyo", "the end 05:00 is not after the start" },
		{ "2018-09-12T05:00Z/2018-09-12T05:00Z", NULL, "is not after the start" },
		{ "2018-09-12T04:30+09:00/PT0M", NULL, "is not after the start" },
		{ "2018-09-12T04:30+09:00/P1M", NULL, "the end \"P1M\" is not an ISO 8601 duration" },
		{ "2018-09-12T04:30+09:00/PT", NULL, "is not an ISO 8601 duration" },
		{ "2018-09-12T04:30+09:00/P-1D", NULL, "is not an ISO 8601 duration" },
		{ "2018-09-12T04:30+09:00/05:00Z", NULL, "the end 05:00Z has another offset than the start" },
		{ "2024-03-31 02:30/03:30", "Europe/Berlin",
		  "the start 2024-03-31 02:30 does not exist in Europe/Berlin: the clocks went forward from "
		  "02:00 to 03:00 that day; use 03:00" },
		{ "2024-03-31 01:30/02:30", "Europe/Berlin", "the end 02:30 does not exist in Europe/Berlin" },
		{ "2024-03-10 02:15/03:00", "America/New_York", "does not exist in America/New_York" },
		{ "2040-03-25 02:30/03:30", "Europe/Berlin", "does not exist in Europe/Berlin" },
		{ "9999-12-31T23:00Z/P1D", NULL, "the duration P1D ends after the year 9999" },
		{ "2018-09-12T04:30Z/PT9223372036854775807S", NULL, "ends after the year 9999" },
		{ "2018-09-12T04:30Z/PT9223372036854775808S", NULL, "is not an ISO 8601 duration" },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct tz *z = zone(rows[i].zone);
		struct rd_window w;
		int rc = window_parse(rows[i].spec, z, &w);
		tz_free(z);
		if (rc != RD_E_USAGE)
			fail_msg("\"%s\" should be a usage error, got %d", rows[i].spec, rc);
		if (!strstr(rd_error_message(), rows[i].why))
			fail_msg("\"%s\": message lacks \"%s\":\n%s", rows[i].spec, rows[i].why, rd_error_message());
	}
}

/* The whole message: the spec, what is wrong, then the accepted forms. */
static void test_message_shape(void **state)
{
	struct tz *tokyo = zone("Asia/Tokyo");
	struct rd_window w;
	const char *msg;
	const char *head = "bad window \"2018-02-30 04:30/05:00\": 2018-02-30 is not a date: "
	                   "February 2018 has 28 days\n";

	(void)state;
	assert_int_equal(window_parse("2018-02-30 04:30/05:00", tokyo, &w), RD_E_USAGE);
	msg = rd_error_message();
	assert_int_equal(strncmp(msg, head, strlen(head)), 0);
	assert_string_equal(msg + strlen(head), WINDOW_FORMS_HELP);
	assert_non_null(strstr(WINDOW_FORMS_HELP, "2018-09-12T04:30+09:00/2018-09-12T05:00+09:00"));
	assert_non_null(strstr(WINDOW_FORMS_HELP, "2018-09-12 23:40/00:20"));
	assert_non_null(strstr(WINDOW_FORMS_HELP, "PT30M"));
	/* Control bytes in a spec are not echoed to the terminal. */
	assert_int_equal(window_parse("\x1b[2J2018/x", tokyo, &w), RD_E_USAGE);
	assert_non_null(strstr(rd_error_message(), "bad window \"?[2J2018/x\""));
	tz_free(tokyo);
}

static void test_normalize(void **state)
{
	static const struct {
		const char *what;
		size_t n;
		struct rd_window in[6];
		size_t m;
		struct rd_window out[6];
	} rows[] = {
		{ "one", 1, { { 10, 20 } }, 1, { { 10, 20 } } },
		{ "sorted", 3, { { 50, 60 }, { 10, 20 }, { 30, 40 } }, 3, { { 10, 20 }, { 30, 40 }, { 50, 60 } } },
		{ "overlap", 2, { { 15, 30 }, { 10, 20 } }, 1, { { 10, 30 } } },
		{ "touching", 2, { { 20, 30 }, { 10, 20 } }, 1, { { 10, 30 } } },
		{ "one second apart", 2, { { 21, 30 }, { 10, 20 } }, 2, { { 10, 20 }, { 21, 30 } } },
		{ "contained", 2, { { 12, 14 }, { 10, 20 } }, 1, { { 10, 20 } } },
		{ "duplicates", 3, { { 10, 20 }, { 10, 20 }, { 10, 20 } }, 1, { { 10, 20 } } },
		{ "same start", 2, { { 10, 40 }, { 10, 20 } }, 1, { { 10, 40 } } },
		{ "chain", 4, { { 30, 45 }, { 10, 20 }, { 40, 50 }, { 19, 31 } }, 1, { { 10, 50 } } },
		{ "empty dropped", 3, { { 5, 5 }, { 10, 20 }, { 9, 3 } }, 1, { { 10, 20 } } },
		{ "all empty", 2, { { 5, 5 }, { 9, 3 } }, 0, { { 0, 0 } } },
		{ "extremes", 2, { { INT64_MIN, 0 }, { 0, INT64_MAX } }, 1, { { INT64_MIN, INT64_MAX } } },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct rd_window w[6];
		memcpy(w, rows[i].in, sizeof w);
		size_t m = window_normalize(w, rows[i].n);
		if (m != rows[i].m)
			fail_msg("%s: %zu windows, want %zu", rows[i].what, m, rows[i].m);
		for (size_t k = 0; k < m; k++)
			if (w[k].start != rows[i].out[k].start || w[k].end != rows[i].out[k].end)
				fail_msg("%s: window %zu is [%lld, %lld)", rows[i].what, k, (long long)w[k].start,
				         (long long)w[k].end);
	}
}

static void test_contains(void **state)
{
	static const struct rd_window w[] = { { 10, 20 }, { 30, 40 } };
	static const struct {
		int64_t t;
		int in;
	} rows[] = {
		{ 9, 0 }, { 10, 1 }, { 19, 1 }, { 20, 0 }, { 29, 0 }, { 30, 1 }, { 39, 1 }, { 40, 0 },
		{ INT64_MIN, 0 }, { INT64_MAX, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++)
		if (window_contains(w, ROWS(w), rows[i].t) != rows[i].in)
			fail_msg("t = %lld", (long long)rows[i].t);
}

/* Seed 000: two windows in JST; a message is in the incident when its time
 * falls in either, the end being exclusive. */
static void test_seed_incident(void **state)
{
	static const char *const specs[] = { "2018-09-13 01:15/01:50", "2018-09-12 04:30/05:00" };
	static const struct {
		const char *at;
		int in;
	} rows[] = {
		{ "2018-09-12T04:29:59+09:00", 0 }, { "2018-09-12T04:30+09:00", 1 },
		{ "2018-09-11T19:45:00Z", 1 },      { "2018-09-12T04:59:59+09:00", 1 },
		{ "2018-09-12T05:00+09:00", 0 },    { "2018-09-13T01:15+09:00", 1 },
		{ "2018-09-13T01:49:59+09:00", 1 }, { "2018-09-13T01:50+09:00", 0 },
		{ "1536694200", 1 },
	};
	struct tz *tokyo = zone("Asia/Tokyo");
	struct rd_window w[2];

	(void)state;
	for (size_t i = 0; i < ROWS(specs); i++)
		assert_int_equal(window_parse(specs[i], tokyo, &w[i]), RD_OK);
	assert_int_equal(window_normalize(w, 2), 2);
	assert_int_equal(w[0].start, instant("2018-09-11T19:30:00Z"));
	for (size_t i = 0; i < ROWS(rows); i++)
		if (window_contains(w, 2, instant(rows[i].at)) != rows[i].in)
			fail_msg("%s should be %s", rows[i].at, rows[i].in ? "in" : "out");
	tz_free(tokyo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_autumn_length),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_message_shape),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_seed_incident),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
