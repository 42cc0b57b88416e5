#include "redrive/window.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/error.h"
#include "redrive/timefmt.h"
#include "redrive/tz.h"

#define SECS_PER_DAY 86400
/* How much of a spec or a part of it an error message repeats. */
#define SHOWN_MAX 120

const char WINDOW_FORMS_HELP[] =
	"accepted window forms ([start, end): the end itself is not included):\n"
	"  2018-09-12T04:30+09:00/2018-09-12T05:00+09:00   ISO 8601 with offsets (or Z)\n"
	"  2018-09-12T04:30+09:00/05:00                    end time on the start's date, same offset\n"
	"  2018-09-12T04:30+09:00/PT30M                    start and a duration (PT1H30M, P1D)\n"
	"  2018-09-12 04:30/05:00                          local times in the --tz zone\n"
	"  2018-09-12 23:40/00:20                          an earlier end time is on the next day\n"
	"  2018-09-12 23:40/2018-09-13 00:20               local start and end with dates";

/* One side of the '/', as written (not NUL terminated). */
struct text {
	const char *s;
	size_t n;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static struct text trim(const char *s, size_t n)
{
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	return (struct text){ s, n };
}

/* A copy safe to print: no control bytes, at most SHOWN_MAX bytes. */
static void shown(struct text t, char out[SHOWN_MAX + 1])
{
	size_t n = 0;

	for (; n < t.n && n < SHOWN_MAX; n++)
		out[n] = (unsigned char)t.s[n] < 0x20 || t.s[n] == 0x7f ? '?' : t.s[n];
	out[n] = '\0';
}

/* Records "bad window "<spec>": <reason>" followed by the accepted forms. */
__attribute__((format(printf, 2, 3)))
static int fail(const char *spec, const char *fmt, ...)
{
	char reason[512], spec_shown[SHOWN_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	shown((struct text){ spec, strlen(spec) }, spec_shown);
	rd_error(RD_E_USAGE, "bad window \"%s\": %s\n%s", spec_shown, reason, WINDOW_FORMS_HELP);
	return RD_E_USAGE; /* visibly non-zero, for readers and static analysers */
}

/* --- explaining a date-time that does not parse ----------------------------- */

static int digits_at(struct text t, size_t at, size_t count, int *out)
{
	int v = 0;

	if (at + count > t.n)
		return 0;
	for (size_t i = at; i < at + count; i++) {
		if (t.s[i] < '0' || t.s[i] > '9')
			return 0;
		v = v * 10 + (t.s[i] - '0');
	}
	*out = v;
	return 1;
}

static int days_in_month(int y, int m)
{
	int64_t next = m == 12 ? timefmt_days_from_civil(y + 1, 1, 1) : timefmt_days_from_civil(y, m + 1, 1);
	return (int)(next - timefmt_days_from_civil(y, m, 1));
}

/* "2018-02-30": says which part of a well-formed date is impossible. */
static int explain_date(struct text t, char *why, size_t len)
{
	static const char *const months[] = { "January", "February", "March", "April", "May", "June", "July",
		                              "August", "September", "October", "November", "December" };
	int y, m, d;

	if (!digits_at(t, 0, 4, &y) || t.n < 10 || t.s[4] != '-' || !digits_at(t, 5, 2, &m) ||
	    t.s[7] != '-' || !digits_at(t, 8, 2, &d) || timefmt_valid_date(y, m, d))
		return 0;
	if (m < 1 || m > 12)
		snprintf(why, len, "%.10s is not a date: there is no month %02d", t.s, m);
	else
		snprintf(why, len, "%.10s is not a date: %s %04d has %d days", t.s, months[m - 1], y,
		         days_in_month(y, m));
	return 1;
}

/* "25:00", "04:75": says which field of a well-formed time is out of range. */
static int explain_time(struct text t, char *why, size_t len)
{
	size_t at = t.n > 2 && t.s[2] != ':' ? 11 : 0;
	int h, m;

	if (!digits_at(t, at, 2, &h) || at + 2 >= t.n || t.s[at + 2] != ':' || !digits_at(t, at + 3, 2, &m))
		return 0;
	if (h > 23)
		snprintf(why, len, "there is no hour %02d (hours are 00-23; write 00:00 of the next day)", h);
	else if (m > 59)
		snprintf(why, len, "there is no minute %02d (minutes are 00-59)", m);
	else
		return 0;
	return 1;
}

static int bad_point(const char *spec, const char *which, struct text t)
{
	char why[256];

	if (explain_date(t, why, sizeof why) || explain_time(t, why, sizeof why))
		return fail(spec, "%s", why);
	char text_shown[SHOWN_MAX + 1];
	shown(t, text_shown);
	return fail(spec, "the %s \"%s\" is not a date-time like 2018-09-12 04:30 (or "
	                  "2018-09-12T04:30+09:00) or a time like 05:00", which, text_shown);
}

/* --- the two ends ----------------------------------------------------------- */

static int64_t floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;
	return r < 0 ? r + b : r;
}

#define HHMM_LEN 16 /* "HH:MM" with room for any int, to keep snprintf checks quiet */

static void hhmm(int64_t local, char out[HHMM_LEN])
{
	int64_t s = floor_mod(local, SECS_PER_DAY);
	snprintf(out, HHMM_LEN, "%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60));
}

/* A clock change skipped the wall-clock time: name the zone and the jump. */
static int in_gap(const char *spec, const char *which, struct text t, const struct tz *tz, int64_t gap_end)
{
	char text_shown[SHOWN_MAX + 1], from[HHMM_LEN], to[HHMM_LEN];

	shown(t, text_shown);
	hhmm(gap_end + tz_offset_at(tz, gap_end - 1, NULL), from);
	hhmm(gap_end + tz_offset_at(tz, gap_end, NULL), to);
	return fail(spec, "the %s %s does not exist in %s: the clocks went forward from %s to %s "
	                  "that day; use %s or a time with an offset", which, text_shown, tz_name(tz),
	            from, to, to);
}

/* The instant a parsed end point names: its offset, else the zone. */
static int resolve(const char *spec, const char *which, struct text t, const struct timefmt_parts *p,
                   const struct tz *tz, int64_t *out)
{
	int64_t later;

	if (p->has_offset) {
		*out = p->utc;
		return RD_OK;
	}
	if (!tz) {
		char text_shown[SHOWN_MAX + 1];
		shown(t, text_shown);
		return fail(spec, "the %s %s has no UTC offset and no time zone is set; give --tz ZONE "
		                  "(e.g. --tz Asia/Tokyo) or write the offset (2018-09-12T04:30+09:00)",
		            which, text_shown);
	}
	/* A repeated hour takes its first occurrence (the earlier instant). */
	if (tz_local_to_utc(tz, p->local, out, &later) == TZ_LOCAL_GAP)
		return in_gap(spec, which, t, tz, *out);
	return RD_OK;
}

/* An end without a date falls on the start's (written) date, or the next day
 * when its time of day is earlier; an end without an offset takes the
 * start's, so "…T04:30+09:00/05:00" stays in +09:00. */
static int complete_end(const char *spec, struct text t, const struct timefmt_parts *start,
                        struct timefmt_parts *end)
{
	if (!end->has_date) {
		if (end->has_offset && start->has_offset && end->offset != start->offset) {
			char text_shown[SHOWN_MAX + 1];
			shown(t, text_shown);
			return fail(spec, "the end %s has another offset than the start; write the end's "
			                  "date too", text_shown);
		}
		int64_t start_tod = floor_mod(start->local, SECS_PER_DAY);
		end->local += start->local - start_tod + (end->local < start_tod ? SECS_PER_DAY : 0);
		end->has_date = 1;
	}
	if (!end->has_offset && start->has_offset) {
		end->has_offset = 1;
		end->offset = start->offset;
	}
	if (end->has_offset)
		end->utc = end->local - end->offset;
	return RD_OK;
}

static int parse_duration_end(const char *spec, struct text t, int64_t start, int64_t *end)
{
	char text_shown[SHOWN_MAX + 1], copy[64];
	int64_t secs;

	shown(t, text_shown);
	if (t.n >= sizeof copy)
		return fail(spec, "the end \"%s\" is too long for a duration", text_shown);
	memcpy(copy, t.s, t.n);
	copy[t.n] = '\0';
	if (timefmt_parse_duration(copy, &secs))
		return fail(spec, "the end \"%s\" is not an ISO 8601 duration like PT30M, PT1H30M or P1D "
		                  "(weeks, days, hours, minutes and seconds; no years or months)", text_shown);
	if (secs > TIMEFMT_MAX_INSTANT - start)
		return fail(spec, "the duration %s ends after the year 9999", text_shown);
	*end = start + secs;
	return RD_OK;
}

static int parse_end(const char *spec, struct text t, const struct timefmt_parts *start_parts,
                     int64_t start, const struct tz *tz, int64_t *end)
{
	struct timefmt_parts p;
	int rc;

	if (t.s[0] == 'P')
		return parse_duration_end(spec, t, start, end);
	if (timefmt_parse_parts(t.s, t.n, &p))
		return bad_point(spec, "end", t);
	if ((rc = complete_end(spec, t, start_parts, &p)))
		return rc;
	return resolve(spec, "end", t, &p, tz, end);
}

/* Splits "start/end" into its trimmed sides. */
static int split(const char *spec, struct text *start, struct text *end)
{
	struct text all = trim(spec, strlen(spec));
	const char *slash = all.n ? memchr(all.s, '/', all.n) : NULL;

	if (all.n == 0)
		return fail(spec, "the window is empty");
	if (!slash)
		return fail(spec, "there is no '/' between the start and the end");
	if (memchr(slash + 1, '/', all.n - (size_t)(slash + 1 - all.s)))
		return fail(spec, "there is more than one '/'");
	*start = trim(all.s, (size_t)(slash - all.s));
	*end = trim(slash + 1, all.n - (size_t)(slash + 1 - all.s));
	if (start->n == 0)
		return fail(spec, "the start is missing before the '/'");
	if (end->n == 0)
		return fail(spec, "the end is missing after the '/'");
	return RD_OK;
}

int window_parse(const char *spec, const struct tz *tz, struct rd_window *out)
{
	/* Initialised although every failure returns early: the static
	 * analyser cannot see that fail() never returns 0. */
	struct text st = { "", 0 }, et = { "", 0 };
	struct timefmt_parts sp;
	char a[SHOWN_MAX + 1];
	int64_t start = 0, end = 0;
	int rc;

	if (!spec)
		return rd_error(RD_E_USAGE, "no window was given\n%s", WINDOW_FORMS_HELP);
	if ((rc = split(spec, &st, &et)))
		return rc;
	if (timefmt_parse_parts(st.s, st.n, &sp))
		return bad_point(spec, "start", st);
	if (!sp.has_date) {
		shown(st, a);
		return fail(spec, "the start %s has no date; write it as 2018-09-12 %.5s", a, a);
	}
	if ((rc = resolve(spec, "start", st, &sp, tz, &start)) ||
	    (rc = parse_end(spec, et, &sp, start, tz, &end)))
		return rc;
	if (end <= start) {
		char b[SHOWN_MAX + 1];
		shown(st, a);
		shown(et, b);
		return fail(spec, "the end %s is not after the start %s; a window needs a positive length",
		            b, a);
	}
	if (out) {
		out->start = start;
		out->end = end;
	}
	return RD_OK;
}

/* --- sets of windows -------------------------------------------------------- */

static int by_start(const void *pa, const void *pb)
{
	const struct rd_window *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (a->end > b->end) - (a->end < b->end);
}

size_t window_normalize(struct rd_window *w, size_t n)
{
	size_t kept = 0;

	if (!w || n == 0)
		return 0;
	qsort(w, n, sizeof *w, by_start);
	for (size_t i = 0; i < n; i++) {
		if (w[i].end <= w[i].start)
			continue; /* empty: contains nothing */
		if (kept > 0 && w[i].start <= w[kept - 1].end) {
			if (w[i].end > w[kept - 1].end)
				w[kept - 1].end = w[i].end;
		} else {
			w[kept++] = w[i];
		}
	}
	return kept;
}

int window_contains(const struct rd_window *w, size_t n, int64_t t)
{
	if (!w)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (t >= w[i].start && t < w[i].end)
			return 1;
	return 0;
}
