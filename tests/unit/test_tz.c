/* Unit tests for tz: the TZif reader, footer rules, wall-clock conversion.
 *
 * System zones come from /usr/share/zoneinfo (Debian tzdata).  Zones with
 * made-up rules and broken files are written to a private $TZDIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "redrive/error.h"
#include "redrive/timefmt.h"
#include "redrive/tz.h"

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))
#define SYSTEM_ZONES "/usr/share/zoneinfo"

static char tmpdir[] = "/tmp/redrive-test-tz-XXXXXX";

/* --- helpers ---------------------------------------------------------------- */

static int64_t instant(const char *iso)
{
	int64_t t;
	if (timefmt_parse_instant(iso, strlen(iso), &t) != 0)
		fail_msg("test table: bad instant \"%s\"", iso);
	return t;
}

static int64_t wall(const char *text)
{
	struct timefmt_parts p;
	if (timefmt_parse_parts(text, strlen(text), &p) != 0 || !p.has_date || p.has_offset)
		fail_msg("test table: bad wall-clock time \"%s\"", text);
	return p.local;
}

static void use_system_zones(void)
{
	setenv("TZDIR", SYSTEM_ZONES, 1);
}

static void use_private_zones(void)
{
	setenv("TZDIR", tmpdir, 1);
}

static struct tz *must_load(const char *name)
{
	struct tz *z = tz_load(name);
	if (!z)
		fail_msg("tz_load(\"%s\"): %s", name, rd_error_message());
	return z;
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

struct ttype {
	int32_t utoff;
	int isdst;
	const char *abbr;
};

static unsigned char *put(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		*p++ = (unsigned char)(v >> (8 * i));
	return p;
}

static unsigned char *put_header(unsigned char *p, char version, uint32_t leapcnt, uint32_t timecnt,
                                 uint32_t typecnt, uint32_t charcnt)
{
	memcpy(p, "TZif", 4);
	p[4] = (unsigned char)version;
	memset(p + 5, 0, 15);
	p += 20;
	p = put(p, 0, 4); /* isutcnt */
	p = put(p, 0, 4); /* isstdcnt */
	p = put(p, leapcnt, 4);
	p = put(p, timecnt, 4);
	p = put(p, typecnt, 4);
	return put(p, charcnt, 4);
}

/* Builds a TZif file in buf (4096 bytes) and returns its length: version
 * '\0' (v1: 32-bit data, no footer) or '2'/'3' (a minimal v1 block as "slim"
 * files have, then 64-bit data and the footer). */
static size_t build_tzif(unsigned char *buf, char version, const int64_t *trans, const uint8_t *idx,
                         size_t ntrans, const struct ttype *types, size_t ntypes, const char *footer)
{
	unsigned char *p = buf;
	char chars[256];
	size_t nchars = 0, abbrind[16];
	int timesize = version ? 8 : 4;

	for (size_t i = 0; i < ntypes; i++) {
		abbrind[i] = nchars;
		memcpy(chars + nchars, types[i].abbr, strlen(types[i].abbr) + 1);
		nchars += strlen(types[i].abbr) + 1;
	}
	if (version) {
		p = put_header(p, version, 0, 0, 1, 1);
		p = put(p, 0, 4);
		*p++ = 0;
		*p++ = 0;
		*p++ = 0;
	}
	p = put_header(p, version, 0, (uint32_t)ntrans, (uint32_t)ntypes, (uint32_t)nchars);
	for (size_t i = 0; i < ntrans; i++)
		p = put(p, (uint64_t)trans[i], timesize);
	for (size_t i = 0; i < ntrans; i++)
		*p++ = idx[i];
	for (size_t i = 0; i < ntypes; i++) {
		p = put(p, (uint32_t)types[i].utoff, 4);
		*p++ = (unsigned char)types[i].isdst;
		*p++ = (unsigned char)abbrind[i];
	}
	memcpy(p, chars, nchars);
	p += nchars;
	if (version)
		p += snprintf((char *)p, (size_t)(buf + 4096 - p), "\n%s\n", footer);
	return (size_t)(p - buf);
}

static void write_tzif(const char *name, char version, const int64_t *trans, const uint8_t *idx,
                       size_t ntrans, const struct ttype *types, size_t ntypes, const char *footer)
{
	unsigned char buf[4096];
	size_t len = build_tzif(buf, version, trans, idx, ntrans, types, ntypes, footer);
	write_file(name, buf, len);
}

/* A zone with no transitions: the footer rule decides every instant. */
static void write_rule_zone(const char *name, const char *footer)
{
	static const struct ttype std = { 0, 0, "XXX" };
	write_tzif(name, '2', NULL, NULL, 0, &std, 1, footer);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[512];

	(void)state;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	return rmdir(tmpdir);
}

/* --- tests ------------------------------------------------------------------ */

static void test_null_and_empty(void **state)
{
	const char *abbr = NULL;
	int64_t utc, later;
	char out[32];

	(void)state;
	assert_null(tz_load(NULL));
	assert_non_null(strstr(rd_error_message(), "no time zone given"));
	assert_null(tz_load(""));
	assert_non_null(strstr(rd_error_message(), "no time zone given"));
	tz_free(NULL);
	/* A NULL zone answers for UTC. */
	assert_int_equal(tz_offset_at(NULL, 1536694200, &abbr), 0);
	assert_string_equal(abbr, "UTC");
	assert_string_equal(tz_name(NULL), "UTC");
	assert_int_equal(tz_is_utc(NULL), 1);
	assert_int_equal(tz_local_to_utc(NULL, 1536694200, &utc, &later), TZ_LOCAL_OK);
	assert_int_equal(utc, 1536694200);
	assert_int_equal(later, 1536694200);
	assert_int_equal(tz_local_to_utc(NULL, 0, NULL, NULL), TZ_LOCAL_OK);
	tz_format(NULL, 1536694200, 0, out, sizeof out);
	assert_string_equal(out, "2018-09-11 19:30+00:00");
	tz_format(NULL, 0, 0, NULL, 0);
	tz_format(NULL, 0, 0, out, 0);
}

/* UTC works without any zone files: $TZDIR points at an empty folder. */
static void test_builtin_utc(void **state)
{
	static const char *const names[] = { "UTC", "Etc/UTC", "Z" };

	(void)state;
	use_private_zones();
	for (size_t i = 0; i < ROWS(names); i++) {
		struct tz *z = must_load(names[i]);
		const char *abbr;
		assert_string_equal(tz_name(z), names[i]);
		assert_int_equal(tz_is_utc(z), 1);
		assert_int_equal(tz_offset_at(z, 1536694200, &abbr), 0);
		assert_string_equal(abbr, "UTC");
		assert_int_equal(tz_offset_at(z, INT64_MIN, NULL), 0);
		tz_free(z);
	}
	assert_null(tz_load("utc")); /* only the exact names are built in */
	assert_null(tz_load("Asia/Tokyo"));
	use_system_zones();
}

static void test_offsets(void **state)
{
	static const struct {
		const char *zone, *at;
		int32_t offset;
		const char *abbr;
	} rows[] = {
		{ "Asia/Tokyo", "2018-09-11T19:30:00Z", 32400, "JST" },
		{ "Asia/Tokyo", "1948-05-01T15:00:00Z", 36000, "JDT" },  /* post-war DST */
		{ "Asia/Tokyo", "1880-01-01T00:00:00Z", 33539, "LMT" },  /* before the first transition */
		{ "Asia/Tokyo", "2100-07-01T00:00:00Z", 32400, "JST" },  /* footer "JST-9" */
		/* New York 2024: the exact transition instants and the second before. */
		{ "America/New_York", "2024-03-10T06:59:59Z", -18000, "EST" },
		{ "America/New_York", "2024-03-10T07:00:00Z", -14400, "EDT" },
		{ "America/New_York", "2024-11-03T05:59:59Z", -14400, "EDT" },
		{ "America/New_York", "2024-11-03T06:00:00Z", -18000, "EST" },
		/* 2040: past the file's transitions, the footer "EST5EDT,M3.2.0,M11.1.0" rules. */
		{ "America/New_York", "2040-03-11T06:59:59Z", -18000, "EST" },
		{ "America/New_York", "2040-03-11T07:00:00Z", -14400, "EDT" },
		{ "America/New_York", "2040-11-04T05:59:59Z", -14400, "EDT" },
		{ "America/New_York", "2040-11-04T06:00:00Z", -18000, "EST" },
		{ "America/New_York", "2200-07-04T12:00:00Z", -14400, "EDT" },
		{ "Europe/Berlin", "2024-03-31T00:59:59Z", 3600, "CET" },
		{ "Europe/Berlin", "2024-03-31T01:00:00Z", 7200, "CEST" },
		{ "Europe/Berlin", "2024-10-27T00:59:59Z", 7200, "CEST" },
		{ "Europe/Berlin", "2024-10-27T01:00:00Z", 3600, "CET" },
		{ "Europe/Berlin", "2040-03-25T00:59:59Z", 3600, "CET" },
		{ "Europe/Berlin", "2040-03-25T01:00:00Z", 7200, "CEST" },
		{ "Europe/Berlin", "2040-10-28T00:59:59Z", 7200, "CEST" },
		{ "Europe/Berlin", "2040-10-28T01:00:00Z", 3600, "CET" },
		/* "IST-2IDT,M3.4.4/26,M10.5.0": a rule time past 24 h (Thursday 26:00). */
		{ "Asia/Jerusalem", "2040-03-22T23:59:59Z", 7200, "IST" },
		{ "Asia/Jerusalem", "2040-03-23T00:00:00Z", 10800, "IDT" },
		{ "Asia/Jerusalem", "2040-10-27T23:00:00Z", 7200, "IST" },
		/* "<+0330>-3:30": a quoted name and an offset with minutes. */
		{ "Asia/Tehran", "2040-06-01T00:00:00Z", 12600, "+0330" },
		/* "<-02>2<-01>,M3.5.0/-1,M10.5.0/0": a negative rule time. */
		{ "America/Nuuk", "2040-03-25T00:59:59Z", -7200, "-02" },
		{ "America/Nuuk", "2040-03-25T01:00:00Z", -3600, "-01" },
		{ "America/Nuuk", "2040-10-28T01:00:00Z", -7200, "-02" },
		/* Southern hemisphere: daylight saving across New Year. */
		{ "Pacific/Auckland", "2040-01-15T00:00:00Z", 46800, "NZDT" },
		{ "Pacific/Auckland", "2040-07-15T00:00:00Z", 43200, "NZST" },
	};

	(void)state;
	use_system_zones();
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct tz *z = must_load(rows[i].zone);
		const char *abbr = NULL;
		int32_t off = tz_offset_at(z, instant(rows[i].at), &abbr);
		if (off != rows[i].offset || strcmp(abbr, rows[i].abbr) != 0)
			fail_msg("%s at %s: %d %s, want %d %s", rows[i].zone, rows[i].at, (int)off, abbr,
			         (int)rows[i].offset, rows[i].abbr);
		tz_free(z);
	}
}

static void test_local_to_utc(void **state)
{
	static const struct {
		const char *zone, *local;
		enum tz_local_result result;
		const char *utc, *later;
	} rows[] = {
		{ "Asia/Tokyo", "2018-09-12 04:30", TZ_LOCAL_OK, "2018-09-11T19:30:00Z", "2018-09-11T19:30:00Z" },
		{ "UTC", "2024-03-31 02:30", TZ_LOCAL_OK, "2024-03-31T02:30:00Z", "2024-03-31T02:30:00Z" },
		/* New York spring 2024: 02:00-02:59 does not exist. */
		{ "America/New_York", "2024-03-10 01:59:59", TZ_LOCAL_OK, "2024-03-10T06:59:59Z", "2024-03-10T06:59:59Z" },
		{ "America/New_York", "2024-03-10 02:00", TZ_LOCAL_GAP, "2024-03-10T07:00:00Z", "2024-03-10T07:00:00Z" },
		{ "America/New_York", "2024-03-10 02:30", TZ_LOCAL_GAP, "2024-03-10T07:00:00Z", "2024-03-10T07:00:00Z" },
		{ "America/New_York", "2024-03-10 03:00", TZ_LOCAL_OK, "2024-03-10T07:00:00Z", "2024-03-10T07:00:00Z" },
		/* New York autumn 2024: 01:00-01:59 happens twice. */
		{ "America/New_York", "2024-11-03 00:59:59", TZ_LOCAL_OK, "2024-11-03T04:59:59Z", "2024-11-03T04:59:59Z" },
		{ "America/New_York", "2024-11-03 01:00", TZ_LOCAL_AMBIGUOUS, "2024-11-03T05:00:00Z", "2024-11-03T06:00:00Z" },
		{ "America/New_York", "2024-11-03 01:30", TZ_LOCAL_AMBIGUOUS, "2024-11-03T05:30:00Z", "2024-11-03T06:30:00Z" },
		{ "America/New_York", "2024-11-03 02:00", TZ_LOCAL_OK, "2024-11-03T07:00:00Z", "2024-11-03T07:00:00Z" },
		/* ... and by the footer rule in 2040. */
		{ "America/New_York", "2040-03-11 02:00", TZ_LOCAL_GAP, "2040-03-11T07:00:00Z", "2040-03-11T07:00:00Z" },
		{ "America/New_York", "2040-11-04 01:00", TZ_LOCAL_AMBIGUOUS, "2040-11-04T05:00:00Z", "2040-11-04T06:00:00Z" },
		{ "Europe/Berlin", "2024-03-31 01:59:59", TZ_LOCAL_OK, "2024-03-31T00:59:59Z", "2024-03-31T00:59:59Z" },
		{ "Europe/Berlin", "2024-03-31 02:00", TZ_LOCAL_GAP, "2024-03-31T01:00:00Z", "2024-03-31T01:00:00Z" },
		{ "Europe/Berlin", "2024-03-31 02:59:59", TZ_LOCAL_GAP, "2024-03-31T01:00:00Z", "2024-03-31T01:00:00Z" },
		{ "Europe/Berlin", "2024-03-31 03:00", TZ_LOCAL_OK, "2024-03-31T01:00:00Z", "2024-03-31T01:00:00Z" },
		{ "Europe/Berlin", "2024-10-27 01:59:59", TZ_LOCAL_OK, "2024-10-26T23:59:59Z", "2024-10-26T23:59:59Z" },
		{ "Europe/Berlin", "2024-10-27 02:00", TZ_LOCAL_AMBIGUOUS, "2024-10-27T00:00:00Z", "2024-10-27T01:00:00Z" },
		{ "Europe/Berlin", "2024-10-27 02:59:59", TZ_LOCAL_AMBIGUOUS, "2024-10-27T00:59:59Z", "2024-10-27T01:59:59Z" },
		{ "Europe/Berlin", "2024-10-27 03:00", TZ_LOCAL_OK, "2024-10-27T02:00:00Z", "2024-10-27T02:00:00Z" },
		{ "Europe/Berlin", "2040-03-25 02:30", TZ_LOCAL_GAP, "2040-03-25T01:00:00Z", "2040-03-25T01:00:00Z" },
		{ "Europe/Berlin", "2040-10-28 02:30", TZ_LOCAL_AMBIGUOUS, "2040-10-28T00:30:00Z", "2040-10-28T01:30:00Z" },
		{ "Asia/Jerusalem", "2040-03-23 02:30", TZ_LOCAL_GAP, "2040-03-23T00:00:00Z", "2040-03-23T00:00:00Z" },
		{ "Asia/Tehran", "2040-06-01 12:00", TZ_LOCAL_OK, "2040-06-01T08:30:00Z", "2040-06-01T08:30:00Z" },
		{ "America/Nuuk", "2040-03-24 23:30", TZ_LOCAL_GAP, "2040-03-25T01:00:00Z", "2040-03-25T01:00:00Z" },
		{ "America/Nuuk", "2040-10-27 23:30", TZ_LOCAL_AMBIGUOUS, "2040-10-28T00:30:00Z", "2040-10-28T01:30:00Z" },
	};

	(void)state;
	use_system_zones();
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct tz *z = must_load(rows[i].zone);
		int64_t utc = 0, later = 0;
		enum tz_local_result r = tz_local_to_utc(z, wall(rows[i].local), &utc, &later);
		char got[TIMEFMT_UTC_LEN], got_later[TIMEFMT_UTC_LEN];
		timefmt_utc(utc, got);
		timefmt_utc(later, got_later);
		if (r != rows[i].result || strcmp(got, rows[i].utc) != 0 || strcmp(got_later, rows[i].later) != 0)
			fail_msg("%s %s: result %d %s %s, want %d %s %s", rows[i].zone, rows[i].local, (int)r, got,
			         got_later, (int)rows[i].result, rows[i].utc, rows[i].later);
		tz_free(z);
	}
}

/* Lord Howe Island moves its clocks by 30 minutes. */
static void test_lord_howe(void **state)
{
	struct tz *z;
	int64_t utc, later;

	(void)state;
	use_system_zones();
	if (access(SYSTEM_ZONES "/Australia/Lord_Howe", R_OK) != 0)
		skip();
	z = must_load("Australia/Lord_Howe");
	assert_int_equal(tz_offset_at(z, instant("2024-04-06T14:59:59Z"), NULL), 39600);
	assert_int_equal(tz_offset_at(z, instant("2024-04-06T15:00:00Z"), NULL), 37800);
	assert_int_equal(tz_offset_at(z, instant("2024-10-05T15:29:59Z"), NULL), 37800);
	assert_int_equal(tz_offset_at(z, instant("2024-10-05T15:30:00Z"), NULL), 39600);
	assert_int_equal(tz_offset_at(z, instant("2040-10-06T15:30:00Z"), NULL), 39600);
	assert_int_equal(tz_local_to_utc(z, wall("2024-10-06 02:15"), &utc, NULL), TZ_LOCAL_GAP);
	assert_int_equal(utc, instant("2024-10-05T15:30:00Z"));
	assert_int_equal(tz_local_to_utc(z, wall("2024-04-07 01:45"), &utc, &later), TZ_LOCAL_AMBIGUOUS);
	assert_int_equal(utc, instant("2024-04-06T14:45:00Z"));
	assert_int_equal(later, instant("2024-04-06T15:15:00Z"));
	tz_free(z);
}

static void test_format(void **state)
{
	static const struct {
		const char *zone, *at;
		int with_seconds;
		const char *want;
	} rows[] = {
		{ "Asia/Tokyo", "2018-09-11T19:30:00Z", 0, "2018-09-12 04:30+09:00" },
		{ "Asia/Tokyo", "2018-09-11T19:30:07Z", 1, "2018-09-12 04:30:07+09:00" },
		{ "America/New_York", "2024-11-03T05:30:00Z", 1, "2024-11-03 01:30:00-04:00" },
		{ "America/New_York", "2024-11-03T06:30:00Z", 1, "2024-11-03 01:30:00-05:00" },
		{ "Asia/Tehran", "2040-06-01T08:30:00Z", 0, "2040-06-01 12:00+03:30" },
		{ "America/St_Johns", "2024-01-01T12:00:00Z", 0, "2024-01-01 08:30-03:30" },
		{ "UTC", "1969-12-31T23:59:59Z", 1, "1969-12-31 23:59:59+00:00" },
		{ "Asia/Tokyo", "1880-01-01T00:00:00Z", 1, "1880-01-01 09:18:59+09:18:59" },
	};
	char out[32];

	(void)state;
	use_system_zones();
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct tz *z = must_load(rows[i].zone);
		tz_format(z, instant(rows[i].at), rows[i].with_seconds, out, sizeof out);
		assert_string_equal(out, rows[i].want);
		tz_free(z);
	}
	tz_format(NULL, 1536694200, 0, out, 5); /* truncated, still terminated */
	assert_string_equal(out, "2018");
}

static void test_is_utc(void **state)
{
	static const struct {
		const char *zone;
		int utc;
	} rows[] = {
		{ "UTC", 1 }, { "Z", 1 }, { "Etc/GMT", 1 }, { "Etc/Zulu", 1 },
		{ "Asia/Tokyo", 0 }, { "Europe/London", 0 }, { "Etc/GMT-9", 0 },
	};

	(void)state;
	use_system_zones();
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct tz *z = must_load(rows[i].zone);
		if (tz_is_utc(z) != rows[i].utc)
			fail_msg("%s: tz_is_utc %d", rows[i].zone, tz_is_utc(z));
		tz_free(z);
	}
}

static void test_unknown_zone(void **state)
{
	(void)state;
	use_system_zones();
	assert_null(tz_load("Asia/Tokio"));
	assert_string_equal(rd_error_message(),
	                    "unknown time zone \"Asia/Tokio\": use an IANA name such as Asia/Tokyo, "
	                    "Europe/Berlin or UTC (see /usr/share/zoneinfo)");
	assert_null(tz_load("Mars/Olympus_Mons"));
	assert_non_null(strstr(rd_error_message(), "unknown time zone \"Mars/Olympus_Mons\""));
	assert_null(tz_load("asia/tokyo"));
	assert_non_null(strstr(rd_error_message(), "did you mean Asia/Tokyo?"));
	assert_null(tz_load("America"));
	assert_non_null(strstr(rd_error_message(), "is a region, not a zone"));
	assert_null(tz_load("Asia/Tokyo/Shibuya"));
	assert_non_null(strstr(rd_error_message(), "unknown time zone"));
	/* The message names the folder actually searched. */
	use_private_zones();
	assert_null(tz_load("Asia/Tokyo"));
	assert_non_null(strstr(rd_error_message(), tmpdir));
	use_system_zones();
}

static void test_hostile_names(void **state)
{
	static const char *const rows[] = {
		"../etc/passwd", "/etc/passwd", "Asia/../../etc/passwd", "..", ".", "Asia/./Tokyo",
		"Asia//Tokyo", "Asia/", "Asia/Tokyo\n", "Asia Tokyo", "Asia/Tokyo;id", "zone.tab",
		"Asia/Tokyo\x1b[31m", "$HOME", "*", "Asia/Tok?o",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};

	(void)state;
	use_system_zones();
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct tz *z = tz_load(rows[i]);
		if (z) {
			tz_free(z);
			fail_msg("\"%s\" was loaded", rows[i]);
		}
		const char *msg = rd_error_message();
		assert_non_null(strstr(msg, "invalid time zone name"));
		for (const char *p = msg; *p; p++) /* safe to print */
			if ((unsigned char)*p < 0x20)
				fail_msg("control byte in the message for row %zu", i);
	}
}

static void test_bad_files(void **state)
{
	static const unsigned char leap[] = "TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	                                    "\0\0\0\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\1\0\0\0\4";
	static const struct ttype types[] = { { 3600, 0, "AAA" }, { 7200, 1, "BBB" } };
	static const int64_t backwards[] = { 1000, 500 };
	static const uint8_t idx[] = { 0, 1 };
	static const uint8_t bad_idx[] = { 0, 7 };
	static const struct ttype far_off[] = { { 30 * 3600, 0, "FAR" } };
	static const struct {
		const char *name, *why;
	} rows[] = {
		{ "Junk", "no TZif header" },
		{ "Empty", "no TZif header" },
		{ "Truncated", "truncated" },
		{ "Leap", "leap seconds" },
		{ "Backwards", "out of order" },
		{ "BadIndex", "bad transition type" },
		{ "FarOffset", "bad local time type" },
		{ "BadFooter", "footer rule not understood" },
		{ "NoFooter", "missing footer" },
		{ "OpenFooter", "unterminated footer" },
	};
	unsigned char tokyo[4096];

	(void)state;
	write_file("Junk", "hello, world\n", 13);
	write_file("Empty", "", 0);
	FILE *f = fopen(SYSTEM_ZONES "/Asia/Tokyo", "rb");
	assert_non_null(f);
	size_t n = fread(tokyo, 1, sizeof tokyo, f);
	fclose(f);
	assert_true(n > 100);
	write_file("Truncated", tokyo, 60);
	write_file("Leap", leap, sizeof leap - 1);
	write_tzif("Backwards", '2', backwards, idx, 2, types, 2, "AAA-1");
	write_tzif("BadIndex", '2', backwards + 1, bad_idx + 1, 1, types, 2, "AAA-1");
	write_tzif("FarOffset", '\0', NULL, NULL, 0, far_off, 1, "");
	write_rule_zone("BadFooter", "EST5EDT,M13.1.0,M11.1.0");
	/* An empty footer is "\n\n": cut both, or the closing one. */
	n = build_tzif(tokyo, '2', NULL, NULL, 0, types, 1, "");
	write_file("NoFooter", tokyo, n - 2);
	write_file("OpenFooter", tokyo, n - 1);
	use_private_zones();
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct tz *z = tz_load(rows[i].name);
		if (z) {
			tz_free(z);
			fail_msg("%s was loaded", rows[i].name);
		}
		const char *msg = rd_error_message();
		if (!strstr(msg, rows[i].why) || !strstr(msg, "is not a usable TZif file") ||
		    !strstr(msg, rows[i].name))
			fail_msg("%s: %s", rows[i].name, msg);
	}
	use_system_zones();
}

/* Footer rules, each in a zone of its own with no transitions. */
static void test_footer_rules(void **state)
{
	static const struct {
		const char *footer, *at;
		int32_t offset;
		const char *abbr;
	} rows[] = {
		{ "EST5EDT,M3.2.0,M11.1.0", "2024-03-10T06:59:59Z", -18000, "EST" },
		{ "EST5EDT,M3.2.0,M11.1.0", "2024-03-10T07:00:00Z", -14400, "EDT" },
		{ "EST5EDT,M3.2.0,M11.1.0", "1990-07-01T00:00:00Z", -14400, "EDT" },
		{ "EST5EDT", "2024-03-10T07:00:00Z", -14400, "EDT" },        /* POSIX default rule: US */
		{ "<+0330>-3:30", "2030-01-01T00:00:00Z", 12600, "+0330" },
		{ "<-03>3", "2030-01-01T00:00:00Z", -10800, "-03" },
		{ "IST-2IDT,M3.4.4/26,M10.5.0", "2040-03-23T00:00:00Z", 10800, "IDT" },
		{ "IST-2IDT,M3.4.4/26,M10.5.0", "2040-03-22T23:59:59Z", 7200, "IST" },
		/* Daylight saving all year: it ends at the instant it starts again. */
		{ "EST5EDT,0/0,J365/25", "2030-01-01T04:30:00Z", -14400, "EDT" },
		{ "EST5EDT,0/0,J365/25", "2030-07-01T00:00:00Z", -14400, "EDT" },
		{ "EST5EDT,0/0,J365/25", "2030-12-31T23:59:59Z", -14400, "EDT" },
		/* Julian days: J60 is 1 March even in leap years; 59 (zero-based) is 29 February. */
		{ "AAA0BBB,J60/0,J300/0", "2028-02-29T12:00:00Z", 0, "AAA" },
		{ "AAA0BBB,J60/0,J300/0", "2028-03-01T00:00:00Z", 3600, "BBB" },
		{ "AAA0BBB,59/0,300/0", "2028-02-29T00:00:00Z", 3600, "BBB" },
		{ "AAA0BBB,59/0,300/0", "2028-02-28T23:59:59Z", 0, "AAA" },
		/* An explicit DST offset and times with minutes and seconds. */
		{ "AAA-10BBB-10:30,M10.1.0/2:15:30,M4.1.0/3", "2030-01-15T00:00:00Z", 37800, "BBB" },
		{ "AAA-10BBB-10:30,M10.1.0/2:15:30,M4.1.0/3", "2030-06-15T00:00:00Z", 36000, "AAA" },
		{ "AAA-10BBB-10:30,M10.1.0/2:15:30,M4.1.0/3", "2030-10-05T16:15:29Z", 36000, "AAA" },
		{ "AAA-10BBB-10:30,M10.1.0/2:15:30,M4.1.0/3", "2030-10-05T16:15:30Z", 37800, "BBB" },
		/* Week 5 is the last such weekday: May 2030 has four Fridays after the 3rd. */
		{ "AAA0BBB,M5.5.5/0,M6.1.0/0", "2030-05-30T23:59:59Z", 0, "AAA" },
		{ "AAA0BBB,M5.5.5/0,M6.1.0/0", "2030-05-31T00:00:00Z", 3600, "BBB" },
	};

	(void)state;
	use_private_zones();
	for (size_t i = 0; i < ROWS(rows); i++) {
		write_rule_zone("Rule", rows[i].footer);
		struct tz *z = must_load("Rule");
		const char *abbr = NULL;
		int32_t off = tz_offset_at(z, instant(rows[i].at), &abbr);
		if (off != rows[i].offset || strcmp(abbr, rows[i].abbr) != 0)
			fail_msg("\"%s\" at %s: %d %s, want %d %s", rows[i].footer, rows[i].at, (int)off, abbr,
			         (int)rows[i].offset, rows[i].abbr);
		tz_free(z);
	}
	use_system_zones();
}

static void test_bad_footers(void **state)
{
	static const char *const rows[] = {
		"EST", "ES5", "EST5EDT,M3.2.0", "EST5EDT,M3.2.0,M11.1.0,", "EST5EDT,M0.2.0,M11.1.0",
		"EST5EDT,M3.6.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,J0,J100", "EST5EDT,366,100",
		"EST25", "<+03", "<+03>", "EST5EDT,M3.2.0/168,M11.1.0", "EST5:60", "EST5EDT;M3.2.0,M11.1.0",
		"EST5EDT,M3.2.0,M11.1.0 ",
	};

	(void)state;
	use_private_zones();
	for (size_t i = 0; i < ROWS(rows); i++) {
		write_rule_zone("Rule", rows[i]);
		struct tz *z = tz_load("Rule");
		if (z) {
			tz_free(z);
			fail_msg("footer \"%s\" was accepted", rows[i]);
		}
		assert_non_null(strstr(rd_error_message(), "footer rule not understood"));
	}
	use_system_zones();
}

/* Transitions: type 0 before the first, then as listed; a v1 file (no
 * footer) keeps the last type for ever; an empty footer does the same. */
static void test_transitions(void **state)
{
	static const struct ttype types[] = { { 1800, 0, "LMT" }, { 3600, 0, "AAA" }, { 7200, 1, "BBB" } };
	static const int64_t trans[] = { 0, 1000000, 2000000 };
	static const uint8_t idx[] = { 1, 2, 1 };
	static const struct {
		int64_t at;
		int32_t offset;
	} rows[] = {
		{ -1, 1800 },     { 0, 3600 },       { 999999, 3600 }, { 1000000, 7200 },
		{ 1999999, 7200 }, { 2000000, 3600 }, { INT64_MAX, 3600 }, { INT64_MIN, 1800 },
	};
	static const char version[] = { '\0', '2', '3' };

	(void)state;
	use_private_zones();
	for (size_t v = 0; v < ROWS(version); v++) {
		write_tzif("Steps", version[v], trans, idx, 3, types, 3, "");
		struct tz *z = must_load("Steps");
		for (size_t i = 0; i < ROWS(rows); i++)
			if (tz_offset_at(z, rows[i].at, NULL) != rows[i].offset)
				fail_msg("version %d at %lld: %d", version[v], (long long)rows[i].at,
				         (int)tz_offset_at(z, rows[i].at, NULL));
		assert_int_equal(tz_is_utc(z), 0);
		tz_free(z);
	}
	use_system_zones();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_builtin_utc),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_lord_howe),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_is_utc),
		cmocka_unit_test(test_unknown_zone),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_footer_rules),
		cmocka_unit_test(test_bad_footers),
		cmocka_unit_test(test_transitions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
