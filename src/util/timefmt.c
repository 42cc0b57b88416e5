#include "redrive/timefmt.h"

#include <stdio.h>

#define SECS_PER_DAY 86400

/* Seconds and days before 1970 must round towards the past, not towards zero. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Howard Hinnant's algorithms: the year is counted from March so that the
 * leap day is the last day of the year and month lengths follow a pattern. */
int64_t timefmt_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void timefmt_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int timefmt_valid_date(int64_t y, int m, int d)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && is_leap(y));
}

/* Writes v as exactly `width` digits (v fits: callers clamp). */
static char *put_digits(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void timefmt_utc(int64_t t, char out[TIMEFMT_UTC_LEN])
{
	int64_t y;
	int m, d;

	if (t < TIMEFMT_MIN_INSTANT)
		t = TIMEFMT_MIN_INSTANT;
	if (t > TIMEFMT_MAX_INSTANT)
		t = TIMEFMT_MAX_INSTANT;
	int64_t days = floor_div(t, SECS_PER_DAY);
	int secs = (int)(t - days * SECS_PER_DAY);
	timefmt_civil_from_days(days, &y, &m, &d);
	/* Built by hand: the clamp bounds every field, which snprintf's
	 * truncation warning cannot see. */
	char *p = put_digits(out, (unsigned)y, 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)m, 2);
	*p++ = '-';
	p = put_digits(p, (unsigned)d, 2);
	*p++ = 'T';
	p = put_digits(p, (unsigned)secs / 3600, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)secs / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)secs % 60, 2);
	*p++ = 'Z';
	*p = '\0';
}

/* --- ISO 8601 date-times ---------------------------------------------------- */

/* A cursor over n bytes that need not be NUL terminated. */
struct cursor {
	const char *s;
	size_t n;
	size_t i;
};

static int at_end(const struct cursor *c)
{
	return c->i >= c->n;
}

static int peek(const struct cursor *c)
{
	return at_end(c) ? -1 : (unsigned char)c->s[c->i];
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int accept(struct cursor *c, char ch)
{
	if (peek(c) != (unsigned char)ch)
		return 0;
	c->i++;
	return 1;
}

/* Exactly `count` digits (count <= 4, so no overflow). */
static int fixed_digits(struct cursor *c, int count, int *out)
{
	int v = 0;
	for (int k = 0; k < count; k++) {
		if (!is_digit(peek(c)))
			return -1;
		v = v * 10 + (c->s[c->i++] - '0');
	}
	*out = v;
	return 0;
}

static int parse_date(struct cursor *c, int64_t *days)
{
	int y, m, d;

	if (fixed_digits(c, 4, &y) || !accept(c, '-') || fixed_digits(c, 2, &m) ||
	    !accept(c, '-') || fixed_digits(c, 2, &d) || !timefmt_valid_date(y, m, d))
		return -1;
	*days = timefmt_days_from_civil(y, m, d);
	return 0;
}

/* HH:MM[:SS[.fff]] as seconds after midnight; the fraction is dropped. */
static int parse_time(struct cursor *c, int32_t *secs)
{
	int h, m, s = 0;

	if (fixed_digits(c, 2, &h) || !accept(c, ':') || fixed_digits(c, 2, &m))
		return -1;
	if (accept(c, ':')) {
		if (fixed_digits(c, 2, &s))
			return -1;
		if (accept(c, '.')) {
			if (!is_digit(peek(c)))
				return -1;
			while (is_digit(peek(c)))
				c->i++;
		}
	}
	if (h > 23 || m > 59 || s > 59)
		return -1;
	*secs = h * 3600 + m * 60 + s;
	return 0;
}

/* Z, ±HH:MM, ±HHMM or ±HH, as seconds east of UTC. */
static int parse_offset(struct cursor *c, int32_t *off)
{
	int h, m = 0, sign;

	if (accept(c, 'Z')) {
		*off = 0;
		return 0;
	}
	if (accept(c, '+'))
		sign = 1;
	else if (accept(c, '-'))
		sign = -1;
	else
		return -1;
	if (fixed_digits(c, 2, &h))
		return -1;
	/* minutes after a ':' or straight after the hours */
	if ((accept(c, ':') || is_digit(peek(c))) && fixed_digits(c, 2, &m))
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

int timefmt_parse_parts(const char *s, size_t n, struct timefmt_parts *out)
{
	struct cursor c = { s, n, 0 };
	struct timefmt_parts p = { 0 };
	int64_t days = 0;
	int32_t secs;

	if (!s || !out)
		return -1;
	/* A time of day has its ':' where a date has the third year digit. */
	if (n > 2 && s[2] != ':') {
		if (parse_date(&c, &days) || !(accept(&c, 'T') || accept(&c, ' ')))
			return -1;
		p.has_date = 1;
	}
	if (parse_time(&c, &secs))
		return -1;
	p.local = days * SECS_PER_DAY + secs;
	if (!at_end(&c)) {
		if (parse_offset(&c, &p.offset) || !at_end(&c))
			return -1;
		p.has_offset = 1;
		p.utc = p.local - p.offset;
	}
	*out = p;
	return 0;
}

/* --- instants --------------------------------------------------------------- */

static int looks_like_unix(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/* -?digits(.digits)?  Fifteen digits are far past year 9999, so the value
 * cannot overflow before the range check. */
static int parse_unix(const char *s, size_t n, int64_t *out)
{
	struct cursor c = { s, n, 0 };
	int negative = accept(&c, '-');
	int64_t v = 0;
	size_t ndigits = 0;

	while (is_digit(peek(&c))) {
		if (++ndigits > 15)
			return -1;
		v = v * 10 + (c.s[c.i++] - '0');
	}
	if (ndigits == 0)
		return -1;
	int fraction = 0;
	if (accept(&c, '.')) {
		if (!is_digit(peek(&c)))
			return -1;
		while (is_digit(peek(&c)))
			fraction |= c.s[c.i++] != '0';
	}
	if (!at_end(&c))
		return -1;
	v = negative ? -v - fraction : v;
	if (v < TIMEFMT_MIN_INSTANT || v > TIMEFMT_MAX_INSTANT)
		return -1;
	*out = v;
	return 0;
}

int timefmt_parse_instant(const char *s, size_t n, int64_t *out)
{
	struct timefmt_parts p;

	if (!s || !out || n == 0)
		return -1;
	if (looks_like_unix(s, n))
		return parse_unix(s, n, out);
	if (timefmt_parse_parts(s, n, &p) || !p.has_date || !p.has_offset)
		return -1;
	if (p.utc < TIMEFMT_MIN_INSTANT || p.utc > TIMEFMT_MAX_INSTANT)
		return -1;
	*out = p.utc;
	return 0;
}

/* --- durations -------------------------------------------------------------- */

struct unit {
	char name;
	int64_t secs;
};

static const struct unit compact_units[] = {
	{ 'w', 7 * SECS_PER_DAY }, { 'd', SECS_PER_DAY }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};
static const struct unit iso_date_units[] = { { 'W', 7 * SECS_PER_DAY }, { 'D', SECS_PER_DAY } };
static const struct unit iso_time_units[] = { { 'H', 3600 }, { 'M', 60 }, { 'S', 1 } };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int add_checked(int64_t *total, int64_t v, int64_t mult)
{
	if (v > INT64_MAX / mult || *total > INT64_MAX - v * mult)
		return -1;
	*total += v * mult;
	return 0;
}

static int read_number(const char **p, int64_t *out)
{
	int64_t v = 0;

	if (!is_digit((unsigned char)**p))
		return -1;
	for (; is_digit((unsigned char)**p); (*p)++) {
		int digit = **p - '0';
		if (v > (INT64_MAX - digit) / 10)
			return -1;
		v = v * 10 + digit;
	}
	*out = v;
	return 0;
}

static int find_unit(const struct unit *units, size_t nunits, char name)
{
	for (size_t i = 0; i < nunits; i++)
		if (units[i].name == name)
			return (int)i;
	return -1;
}

/* Components "<digits><unit>", units largest first and each once; with
 * allow_space, spaces may separate components (never lead or trail).
 * Adds to *total and *count; stops at the first character that does not
 * start a component. */
static int parse_components(const char **p, const struct unit *units, size_t nunits,
                            int allow_space, int64_t *total, int *count)
{
	int last = -1;

	while (is_digit((unsigned char)**p)) {
		int64_t v;
		if (read_number(p, &v))
			return -1;
		int u = find_unit(units, nunits, **p);
		if (u < 0 || u <= last || add_checked(total, v, units[u].secs))
			return -1;
		last = u;
		(*p)++;
		(*count)++;
		if (allow_space && **p == ' ') {
			while (**p == ' ')
				(*p)++;
			if (!is_digit((unsigned char)**p))
				return -1;
		}
	}
	return 0;
}

static int parse_iso_duration(const char *p, int64_t *out)
{
	int64_t total = 0;
	int count = 0;

	p++; /* 'P' */
	if (parse_components(&p, iso_date_units, COUNT(iso_date_units), 0, &total, &count))
		return -1;
	if (*p == 'T') {
		int time_count = 0;
		p++;
		if (parse_components(&p, iso_time_units, COUNT(iso_time_units), 0, &total, &time_count) ||
		    time_count == 0)
			return -1;
		count += time_count;
	}
	if (*p != '\0' || count == 0)
		return -1;
	*out = total;
	return 0;
}

int timefmt_parse_duration(const char *s, int64_t *out)
{
	const char *p = s;
	int64_t total = 0;
	int count = 0;

	if (!s || !out || !*s)
		return -1;
	if (*s == 'P')
		return parse_iso_duration(s, out);
	if (read_number(&p, &total) == 0 && *p == '\0') {
		*out = total; /* bare seconds */
		return 0;
	}
	p = s;
	total = 0;
	if (parse_components(&p, compact_units, COUNT(compact_units), 1, &total, &count) ||
	    *p != '\0' || count == 0)
		return -1;
	*out = total;
	return 0;
}

void timefmt_duration(int64_t secs, char *out, size_t outlen)
{
	static const struct unit units[] = { { 'd', SECS_PER_DAY }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	/* The magnitude of INT64_MIN does not fit in int64_t. */
	uint64_t v = secs < 0 ? (uint64_t)(-(secs + 1)) + 1 : (uint64_t)secs;
	const char *sign = secs < 0 ? "-" : "";
	size_t i = 0;

	if (!out || outlen == 0)
		return;
	if (v == 0) {
		snprintf(out, outlen, "0s");
		return;
	}
	while (v < (uint64_t)units[i].secs)
		i++;
	uint64_t major = v / (uint64_t)units[i].secs;
	uint64_t minor = i + 1 < COUNT(units) ? v % (uint64_t)units[i].secs / (uint64_t)units[i + 1].secs : 0;
	if (minor)
		snprintf(out, outlen, "%s%llu%c%llu%c", sign, (unsigned long long)major, units[i].name,
		         (unsigned long long)minor, units[i + 1].name);
	else
		snprintf(out, outlen, "%s%llu%c", sign, (unsigned long long)major, units[i].name);
}
