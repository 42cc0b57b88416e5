#include "redrive/tz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redrive/error.h"
#include "redrive/limits.h"
#include "redrive/timefmt.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
/* Real TZif files are a few KiB; a larger file is not a zone and is not read. */
#define TZ_MAX_NAME 255
/* Abbreviations are 3-6 characters in practice (POSIX: at least 3). */
#define TZ_ABBR_MAX 16
/* A footer rule is under 60 characters in practice. */
#define TZ_MAX_FOOTER 255
/* UTC offsets are within ±26 h (RFC 8536 recommends -24:59:59..+25:59:59);
 * the bound lets tz_local_to_utc search a fixed span around a wall-clock time. */
#define TZ_MAX_OFFSET (26 * 3600)
#define TZ_SEARCH_SPAN (2 * SECS_PER_DAY)
/* Offset changes within the search span: real zones have at most two; a
 * file with more gets approximate answers, never an overrun. */
#define TZ_MAX_CHANGES 32
/* Instants are clamped to ±2^40 s (±34,000 years) so calendar arithmetic
 * cannot overflow; no caller asks about times that far away. */
#define TZ_LIMIT (INT64_C(1) << 40)
#define SECS_PER_DAY 86400

struct tz_type {
	int32_t utoff; /* seconds east of UTC */
	int isdst;
	char abbr[TZ_ABBR_MAX];
};

/* One end of a POSIX TZ rule: Jn, n or Mm.w.d and a local time of day, which
 * may be negative or past 24 h (TZif v3). */
struct rule_date {
	char kind;      /* 'J': day 1..365 without Feb 29; 'N': day 0..365; 'M': month rule */
	int day;        /* J and N: the day; M: the weekday, Sunday 0 */
	int month;      /* M only */
	int week;       /* M only: 1..5, 5 the last */
	int32_t secs;   /* local time the change happens, in the time before it */
};

/* The POSIX TZ rule in a TZif v2+ footer, for instants past the last transition. */
struct rule {
	int present;
	int has_dst;
	struct tz_type std, dst;
	struct rule_date start, end; /* dst begins, dst ends */
};

struct tz {
	char *name;
	int utc;
	size_t ntrans;
	int64_t *trans;       /* ascending */
	uint8_t *trans_type;  /* index into types for each transition */
	size_t ntypes;
	struct tz_type *types;
	struct rule rule;
};

/* What a failed load reports: the name as given and the file it came from. */
struct load {
	const char *name;
	const char *path;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t clamp_instant(int64_t t)
{
	return t < -TZ_LIMIT ? -TZ_LIMIT : t > TZ_LIMIT ? TZ_LIMIT : t;
}

static int is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* --- the POSIX TZ rule of the footer ---------------------------------------- */

/* "EST" or "<+0330>"; POSIX wants at least three characters. */
static int parse_abbr(const char **p, char out[TZ_ABBR_MAX])
{
	const char *s = *p;
	size_t len = 0;
	int quoted = *s == '<';

	if (quoted) {
		s++;
		while (is_alpha(s[len]) || is_digit(s[len]) || s[len] == '+' || s[len] == '-')
			len++;
		if (s[len] != '>')
			return -1;
	} else {
		while (is_alpha(s[len]))
			len++;
	}
	if (len < 3 || len >= TZ_ABBR_MAX)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	*p = s + len + (quoted ? 1 : 0);
	return 0;
}

/* Up to three digits (the hours of a v3 rule time reach 167). */
static int parse_number(const char **p, int max_digits, int *out)
{
	int v = 0, n = 0;

	while (is_digit(**p) && n < max_digits) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n > 0 && !is_digit(**p) ? 0 : -1;
}

/* [+-]hh[:mm[:ss]] with hours up to max_hours. */
static int parse_hms(const char **p, int max_hours, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;

	if (**p == '+' || **p == '-')
		sign = *(*p)++ == '-' ? -1 : 1;
	if (parse_number(p, 3, &h) || h > max_hours)
		return -1;
	if (**p == ':') {
		(*p)++;
		if (parse_number(p, 2, &m) || m > 59)
			return -1;
		if (**p == ':') {
			(*p)++;
			if (parse_number(p, 2, &s) || s > 59)
				return -1;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return 0;
}

static int parse_rule_date(const char **p, struct rule_date *d)
{
	memset(d, 0, sizeof *d);
	if (**p == 'M') {
		(*p)++;
		d->kind = 'M';
		if (parse_number(p, 2, &d->month) || d->month < 1 || d->month > 12 || *(*p)++ != '.' ||
		    parse_number(p, 1, &d->week) || d->week < 1 || d->week > 5 || *(*p)++ != '.' ||
		    parse_number(p, 1, &d->day) || d->day > 6)
			return -1;
	} else if (**p == 'J') {
		(*p)++;
		d->kind = 'J';
		if (parse_number(p, 3, &d->day) || d->day < 1 || d->day > 365)
			return -1;
	} else {
		d->kind = 'N';
		if (parse_number(p, 3, &d->day) || d->day > 365)
			return -1;
	}
	d->secs = 2 * 3600; /* POSIX default */
	if (**p != '/')
		return 0;
	(*p)++;
	return parse_hms(p, 167, &d->secs);
}

/* Parses a footer such as "EST5EDT,M3.2.0,M11.1.0", "<+0330>-3:30" or
 * "IST-2IDT,M3.4.4/26,M10.5.0".  POSIX offsets count hours west of UTC. */
static int parse_rule(const char *s, struct rule *r)
{
	const char *p = s;
	int32_t off;

	memset(r, 0, sizeof *r);
	if (!*p)
		return 0; /* an empty footer: no rule, the last transition holds */
	if (parse_abbr(&p, r->std.abbr) || parse_hms(&p, 24, &off))
		return -1;
	r->present = 1;
	r->std.utoff = -off;
	if (!*p)
		return 0;
	if (parse_abbr(&p, r->dst.abbr))
		return -1;
	r->has_dst = 1;
	r->dst.isdst = 1;
	r->dst.utoff = r->std.utoff + 3600;
	if (*p && *p != ',') {
		if (parse_hms(&p, 24, &off))
			return -1;
		r->dst.utoff = -off;
	}
	/* POSIX leaves a missing rule to the implementation; tzcode uses the US one. */
	if (!*p)
		p = ",M3.2.0,M11.1.0";
	if (*p++ != ',' || parse_rule_date(&p, &r->start) || *p++ != ',' ||
	    parse_rule_date(&p, &r->end))
		return -1;
	return *p ? -1 : 0;
}

static int64_t year_of(int64_t t)
{
	int64_t y;
	int m, d;
	timefmt_civil_from_days(floor_div(t, SECS_PER_DAY), &y, &m, &d);
	return y;
}

/* The day (since the epoch) a rule date falls on in `year`. */
static int64_t rule_day(const struct rule_date *d, int64_t year)
{
	int64_t jan1 = timefmt_days_from_civil(year, 1, 1);

	if (d->kind == 'J')
		return jan1 + d->day - 1 + (d->day >= 60 && timefmt_valid_date(year, 2, 29));
	if (d->kind == 'N')
		return jan1 + d->day;
	int64_t first = timefmt_days_from_civil(year, d->month, 1);
	int64_t next = d->month == 12 ? timefmt_days_from_civil(year + 1, 1, 1)
	                              : timefmt_days_from_civil(year, d->month + 1, 1);
	int weekday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	int64_t day = first + (d->day - weekday + 7) % 7 + 7 * (d->week - 1);
	while (day >= next) /* week 5 means the last such weekday */
		day -= 7;
	return day;
}

struct rule_event {
	int64_t at;      /* UTC */
	int starts_dst;
};

/* The two changes of `year` in UTC: each rule time is in the local time in
 * effect before the change. */
static void rule_events(const struct rule *r, int64_t year, struct rule_event ev[2])
{
	ev[0].at = rule_day(&r->start, year) * SECS_PER_DAY + r->start.secs - r->std.utoff;
	ev[0].starts_dst = 1;
	ev[1].at = rule_day(&r->end, year) * SECS_PER_DAY + r->end.secs - r->dst.utoff;
	ev[1].starts_dst = 0;
}

/* The latest change at or before t decides.  Looking at the neighbouring
 * years covers southern-hemisphere rules (DST across New Year) and rule times
 * past 24 h.  On a tie the start of DST wins: "0/0,J365/25" (DST all year)
 * ends one year's DST at the instant the next year's begins. */
static const struct tz_type *rule_type_at(const struct rule *r, int64_t t)
{
	int64_t best = 0;
	int found = 0, dst = 0;

	if (!r->has_dst)
		return &r->std;
	int64_t y = year_of(t);
	for (int64_t year = y - 1; year <= y + 1; year++) {
		struct rule_event ev[2];
		rule_events(r, year, ev);
		for (int k = 0; k < 2; k++) {
			if (ev[k].at > t)
				continue;
			if (!found || ev[k].at > best || (ev[k].at == best && ev[k].starts_dst)) {
				best = ev[k].at;
				dst = ev[k].starts_dst;
				found = 1;
			}
		}
	}
	return dst ? &r->dst : &r->std;
}

/* --- lookups ---------------------------------------------------------------- */

/* Index of the first transition after t (ntrans when none). */
static size_t first_after(const struct tz *z, int64_t t)
{
	size_t lo = 0, hi = z->ntrans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* RFC 8536: type 0 before the first transition; the footer rule (when there
 * is one) from the last transition on. */
static const struct tz_type *type_at(const struct tz *z, int64_t t)
{
	size_t i = first_after(z, t);

	if (i == z->ntrans && z->rule.present)
		return rule_type_at(&z->rule, t);
	if (i == 0)
		return &z->types[0];
	return &z->types[z->trans_type[i - 1]];
}

static const struct tz_type utc_type = { 0, 0, "UTC" };

static const struct tz_type *type_at_clamped(const struct tz *z, int64_t t)
{
	return z ? type_at(z, clamp_instant(t)) : &utc_type;
}

int32_t tz_offset_at(const struct tz *z, int64_t t, const char **abbr)
{
	const struct tz_type *type = type_at_clamped(z, t);

	if (abbr)
		*abbr = type->abbr;
	return type->utoff;
}

static void sort_instants(int64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int64_t tmp = v[j];
			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
}

/* Instants in (lo, hi] where the offset may change, ascending; at most max. */
static size_t changes_between(const struct tz *z, int64_t lo, int64_t hi, int64_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = first_after(z, lo); i < z->ntrans && z->trans[i] <= hi && n < max; i++)
		out[n++] = z->trans[i];
	if (!z->rule.present || !z->rule.has_dst)
		return n;
	int64_t from = lo;
	if (z->ntrans && z->trans[z->ntrans - 1] > from)
		from = z->trans[z->ntrans - 1];
	for (int64_t year = year_of(lo) - 1; year <= year_of(hi) + 1; year++) {
		struct rule_event ev[2];
		rule_events(&z->rule, year, ev);
		for (int k = 0; k < 2; k++)
			if (ev[k].at > from && ev[k].at <= hi && n < max)
				out[n++] = ev[k].at;
	}
	sort_instants(out, n);
	return n;
}

/* Between consecutive changes the offset o is constant, so the wall-clock
 * time `local` occurs in a stretch [a, b) exactly when a <= local - o < b.
 * Checking every stretch near `local` finds zero (a gap), one or two
 * (a repeated hour) instants. */
enum tz_local_result tz_local_to_utc(const struct tz *z, int64_t local, int64_t *utc, int64_t *later)
{
	int64_t changes[TZ_MAX_CHANGES];
	int64_t first = 0, last = 0, unused = 0;
	size_t found = 0, n = 0;

	utc = utc ? utc : &unused;
	later = later ? later : &unused;
	local = clamp_instant(local);
	if (z)
		n = changes_between(z, local - TZ_SEARCH_SPAN, local + TZ_SEARCH_SPAN, changes,
		                    TZ_MAX_CHANGES);
	int64_t from = local - TZ_SEARCH_SPAN;
	for (size_t i = 0; i <= n; i++) {
		int64_t to = i < n ? changes[i] : local + TZ_SEARCH_SPAN + 1;
		int64_t t = local - tz_offset_at(z, from, NULL);
		if (t >= from && t < to) {
			if (!found++)
				first = t;
			last = t;
		}
		from = to;
	}
	if (found) {
		*utc = first;
		*later = last;
		return found > 1 ? TZ_LOCAL_AMBIGUOUS : TZ_LOCAL_OK;
	}
	/* In a gap: the first change whose new wall-clock time is past `local`. */
	*utc = local - tz_offset_at(z, local, NULL);
	for (size_t i = 0; i < n; i++)
		if (changes[i] + tz_offset_at(z, changes[i], NULL) > local) {
			*utc = changes[i];
			break;
		}
	*later = *utc;
	return TZ_LOCAL_GAP;
}

void tz_format(const struct tz *z, int64_t t, int with_seconds, char *out, size_t outlen)
{
	int32_t off = tz_offset_at(z, t, NULL);
	int64_t local = clamp_instant(t) + off;
	int64_t days = floor_div(local, SECS_PER_DAY);
	int secs = (int)(local - days * SECS_PER_DAY);
	int aoff = off < 0 ? -off : off;
	int64_t y;
	int m, d, len;

	if (!out || outlen == 0)
		return;
	timefmt_civil_from_days(days, &y, &m, &d);
	len = snprintf(out, outlen, "%04lld-%02d-%02d %02d:%02d", (long long)y, m, d, secs / 3600,
	               secs / 60 % 60);
	if (with_seconds && len > 0 && (size_t)len < outlen)
		len += snprintf(out + len, outlen - (size_t)len, ":%02d", secs % 60);
	if (len > 0 && (size_t)len < outlen)
		len += snprintf(out + len, outlen - (size_t)len, "%c%02d:%02d", off < 0 ? '-' : '+',
		                aoff / 3600, aoff / 60 % 60);
	/* Only local mean time before standard time has odd seconds. */
	if (aoff % 60 && len > 0 && (size_t)len < outlen)
		snprintf(out + len, outlen - (size_t)len, ":%02d", aoff % 60);
}

const char *tz_name(const struct tz *z)
{
	return z ? z->name : "UTC";
}

int tz_is_utc(const struct tz *z)
{
	return !z || z->utc;
}

/* --- reading TZif files (RFC 8536) ------------------------------------------ */

struct reader {
	const unsigned char *p;
	size_t len;
	size_t pos;
};

static int take(struct reader *r, size_t n, const unsigned char **out)
{
	if (n > r->len - r->pos)
		return -1;
	*out = r->p + r->pos;
	r->pos += n;
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct header {
	int version; /* 1, 2, 3, ... */
	size_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

/* The pieces of one data block, located but not yet checked. */
struct block {
	const unsigned char *times, *idx, *types, *chars;
	size_t timesize;
};

static int corrupt(const struct load *l, const char *why)
{
	rd_error(RD_E_INPUT,
	         "time zone \"%s\": %s is not a usable TZif file (%s); reinstall the tzdata "
	         "package or point $TZDIR at a zoneinfo folder",
	         l->name, l->path, why);
	return RD_E_INPUT; /* visibly non-zero, for readers and static analysers */
}

static int out_of_memory(const struct load *l)
{
	rd_error(RD_E_NOMEM, "out of memory loading time zone \"%s\"", l->name);
	return RD_E_NOMEM;
}

static int read_header(const struct load *l, struct reader *r, struct header *h)
{
	const unsigned char *p;

	if (take(r, 44, &p) || memcmp(p, "TZif", 4) != 0)
		return corrupt(l, "no TZif header");
	h->version = p[4] == '\0' ? 1 : p[4] >= '2' ? p[4] - '0' : 0;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->version == 0)
		return corrupt(l, "unknown version");
	if (h->leapcnt)
		return corrupt(l, "it counts leap seconds, as the \"right/\" zones do; use the zone "
		                  "without \"right/\"");
	/* typecnt <= 256: a transition names its type in one byte. */
	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 ||
	    (h->isstdcnt && h->isstdcnt != h->typecnt) || (h->isutcnt && h->isutcnt != h->typecnt))
		return corrupt(l, "inconsistent counts");
	return RD_OK;
}

/* Locates the parts of a data block; counts are bounded by the file size
 * (at most RD_MAX_TZ_FILE), so the products cannot overflow. */
static int locate_block(const struct load *l, struct reader *r, const struct header *h,
                        size_t timesize, struct block *b)
{
	const unsigned char *skip;

	b->timesize = timesize;
	if (h->timecnt > r->len || take(r, h->timecnt * timesize, &b->times) ||
	    take(r, h->timecnt, &b->idx) || take(r, h->typecnt * 6, &b->types) ||
	    take(r, h->charcnt, &b->chars) ||
	    take(r, h->leapcnt * (timesize + 4) + h->isstdcnt + h->isutcnt, &skip))
		return corrupt(l, "truncated");
	return RD_OK;
}

static void copy_abbr(char out[TZ_ABBR_MAX], const unsigned char *chars, size_t charcnt, size_t at)
{
	size_t len = 0;

	while (at + len < charcnt && chars[at + len] && len < TZ_ABBR_MAX - 1)
		len++;
	memcpy(out, chars + at, len);
	out[len] = '\0';
}

static int load_types(const struct load *l, struct tz *z, const struct header *h, const struct block *b)
{
	z->types = calloc(h->typecnt, sizeof *z->types);
	if (!z->types)
		return out_of_memory(l);
	z->ntypes = h->typecnt;
	for (size_t i = 0; i < h->typecnt; i++) {
		const unsigned char *t = b->types + 6 * i;
		int32_t utoff = (int32_t)be32(t);
		if (utoff < -TZ_MAX_OFFSET || utoff > TZ_MAX_OFFSET || t[4] > 1 || t[5] >= h->charcnt)
			return corrupt(l, "bad local time type");
		z->types[i].utoff = utoff;
		z->types[i].isdst = t[4];
		copy_abbr(z->types[i].abbr, b->chars, h->charcnt, t[5]);
	}
	return RD_OK;
}

static int load_transitions(const struct load *l, struct tz *z, const struct header *h,
                            const struct block *b)
{
	if (h->timecnt == 0)
		return RD_OK;
	z->trans = malloc(h->timecnt * sizeof *z->trans);
	z->trans_type = malloc(h->timecnt);
	if (!z->trans || !z->trans_type)
		return out_of_memory(l);
	z->ntrans = h->timecnt;
	for (size_t i = 0; i < h->timecnt; i++) {
		const unsigned char *p = b->times + b->timesize * i;
		z->trans[i] = b->timesize == 4 ? (int32_t)be32(p) : be64(p);
		z->trans_type[i] = b->idx[i];
		if (b->idx[i] >= h->typecnt)
			return corrupt(l, "bad transition type");
		if (i > 0 && z->trans[i] <= z->trans[i - 1])
			return corrupt(l, "transitions out of order");
	}
	return RD_OK;
}

/* "\n<rule>\n" after the v2+ data block. */
static int load_footer(const struct load *l, struct tz *z, struct reader *r)
{
	const unsigned char *nl;
	char text[TZ_MAX_FOOTER + 1];
	size_t len = 0;

	if (take(r, 1, &nl) || *nl != '\n')
		return corrupt(l, "missing footer");
	while (r->pos + len < r->len && r->p[r->pos + len] != '\n')
		len++;
	if (r->pos + len == r->len || len > TZ_MAX_FOOTER)
		return corrupt(l, "unterminated footer");
	memcpy(text, r->p + r->pos, len);
	text[len] = '\0';
	if (memchr(text, '\0', len) || parse_rule(text, &z->rule))
		return corrupt(l, "footer rule not understood");
	return RD_OK;
}

static int parse_tzif(const struct load *l, struct tz *z, const unsigned char *data, size_t len)
{
	struct reader r = { data, len, 0 };
	struct header h;
	struct block b;
	int rc;

	if ((rc = read_header(l, &r, &h)) || (rc = locate_block(l, &r, &h, 4, &b)))
		return rc;
	/* v2+ repeats the data with 64-bit times and adds the footer; the v1
	 * block is only skipped. */
	if (h.version >= 2 &&
	    ((rc = read_header(l, &r, &h)) || (rc = locate_block(l, &r, &h, 8, &b))))
		return rc;
	if ((rc = load_types(l, z, &h, &b)) || (rc = load_transitions(l, z, &h, &b)))
		return rc;
	return h.version >= 2 ? load_footer(l, z, &r) : RD_OK;
}

/* A zone whose every offset is 0 and that has no daylight saving ("Etc/GMT",
 * "Etc/Zulu") is UTC under another name. */
static int all_utc(const struct tz *z)
{
	for (size_t i = 0; i < z->ntypes; i++)
		if (z->types[i].utoff != 0)
			return 0;
	return !z->rule.present || (!z->rule.has_dst && z->rule.std.utoff == 0);
}

/* --- names and files -------------------------------------------------------- */

static const char *zone_dir(void)
{
	const char *dir = getenv("TZDIR");
	return dir && *dir ? dir : TZ_DEFAULT_DIR;
}

/* A copy of a user-given name that is safe to print (no control bytes). */
static void printable(const char *s, char *out, size_t outlen)
{
	size_t i = 0;

	for (; s[i] && i + 1 < outlen; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
}

/* Names are relative paths below the zone folder: no "..", no leading or
 * doubled '/', only the characters IANA names use.  ('.' is not among them,
 * so ".." cannot occur; it is checked anyway to say so plainly.) */
static int valid_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > TZ_MAX_NAME || name[0] == '/' || name[len - 1] == '/' ||
	    strstr(name, "..") || strstr(name, "//"))
		return 0;
	for (const char *p = name; *p; p++)
		if (!is_alpha(*p) && !is_digit(*p) && !strchr("/_+-", *p))
			return 0;
	return 1;
}

/* 0 when fd is a regular file small enough to be a zone, else an errno value
 * (EISDIR for a region folder such as "America"). */
static int check_file(int fd, size_t *size)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (!S_ISREG(st.st_mode))
		return ENOENT; /* a device or a pipe is not a zone */
	if (st.st_size > (off_t)RD_MAX_TZ_FILE)
		return EFBIG;
	*size = (size_t)st.st_size;
	return 0;
}

/* Reads a whole regular file of at most RD_MAX_TZ_FILE bytes; -1 with errno.
 * O_NONBLOCK keeps a FIFO planted in $TZDIR from hanging the open. */
static int read_file(const char *path, unsigned char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	size_t size = 0, got = 0;
	unsigned char *p = NULL;
	ssize_t k = 0;

	if (fd < 0)
		return -1;
	int err = check_file(fd, &size);
	if (!err && !(p = malloc(size + 1)))
		err = ENOMEM;
	/* Reading one byte more than expected tells a file that grew. */
	while (!err && got <= size && (k = read(fd, p + got, size + 1 - got)) > 0)
		got += (size_t)k;
	if (!err && k < 0)
		err = errno;
	if (!err && got > size)
		err = EFBIG;
	close(fd);
	if (err) {
		free(p);
		errno = err;
		return -1;
	}
	*data = p;
	*len = got;
	return 0;
}

/* Finds the zone whose name differs from `name` only in letter case
 * ("asia/tokyo" is "Asia/Tokyo"), for the error message. */
static int suggest_case(const char *dir, const char *name, char *out, size_t outlen)
{
	char path[4096];
	const char *p = name;
	size_t olen = 0;

	snprintf(path, sizeof path, "%s", dir);
	out[0] = '\0';
	while (*p) {
		size_t len = strcspn(p, "/");
		DIR *d = opendir(path);
		struct dirent *e = NULL;
		if (!d)
			return 0;
		while ((e = readdir(d)) && !(strlen(e->d_name) == len && strncasecmp(e->d_name, p, len) == 0))
			;
		int ok = e && strlen(path) + len + 2 < sizeof path && olen + len + 2 < outlen;
		if (ok) {
			size_t plen = strlen(path);
			snprintf(path + plen, sizeof path - plen, "/%s", e->d_name);
			olen += (size_t)snprintf(out + olen, outlen - olen, "%s%s", olen ? "/" : "", e->d_name);
		}
		closedir(d);
		if (!ok)
			return 0;
		p += len + (p[len] == '/');
	}
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void unknown_zone(const char *name, const char *dir, int err)
{
	char shown[80], guess[TZ_MAX_NAME + 1];

	printable(name, shown, sizeof shown);
	if (err == EISDIR)
		rd_error(RD_E_USAGE, "unknown time zone \"%s\": it is a region, not a zone; name a zone "
		                     "in it (see %s/%s)", shown, dir, shown);
	else if (err == ENOENT && suggest_case(dir, name, guess, sizeof guess))
		rd_error(RD_E_USAGE, "unknown time zone \"%s\": names are case-sensitive; did you mean "
		                     "%s? (see %s)", shown, guess, dir);
	else if (err == ENOENT || err == ENOTDIR)
		rd_error(RD_E_USAGE, "unknown time zone \"%s\": use an IANA name such as Asia/Tokyo, "
		                     "Europe/Berlin or UTC (see %s)", shown, dir);
	else
		rd_error(RD_E_IO, "cannot read time zone \"%s\" from %s: %s; check $TZDIR and the "
		                  "tzdata package", shown, dir, strerror(err));
}

static int is_builtin_utc(const char *name)
{
	return !strcmp(name, "UTC") || !strcmp(name, "Etc/UTC") || !strcmp(name, "Z");
}

static struct tz *new_zone(const char *name)
{
	struct tz *z = calloc(1, sizeof *z);

	if (!z || !(z->name = strdup(name))) {
		free(z);
		rd_error(RD_E_NOMEM, "out of memory loading time zone");
		return NULL;
	}
	return z;
}

static struct tz *builtin_utc(const char *name)
{
	struct tz *z = new_zone(name);

	if (!z)
		return NULL;
	z->types = malloc(sizeof *z->types);
	if (!z->types) {
		tz_free(z);
		rd_error(RD_E_NOMEM, "out of memory loading time zone");
		return NULL;
	}
	z->types[0] = utc_type;
	z->ntypes = 1;
	z->utc = 1;
	return z;
}

static struct tz *load_file(const char *name)
{
	const char *dir = zone_dir();
	char path[4096];
	unsigned char *data;
	size_t len;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    read_file(path, &data, &len) != 0) {
		unknown_zone(name, dir, errno);
		return NULL;
	}
	struct tz *z = new_zone(name);
	struct load l = { z ? z->name : name, path };
	if (z && parse_tzif(&l, z, data, len) != RD_OK) {
		tz_free(z);
		z = NULL;
	}
	free(data);
	if (z)
		z->utc = all_utc(z);
	return z;
}

struct tz *tz_load(const char *name)
{
	if (!name || !*name) {
		rd_error(RD_E_USAGE, "no time zone given: use an IANA name such as Asia/Tokyo, "
		                     "Europe/Berlin or UTC");
		return NULL;
	}
	if (is_builtin_utc(name))
		return builtin_utc(name);
	if (!valid_name(name)) {
		char shown[80];
		printable(name, shown, sizeof shown);
		rd_error(RD_E_USAGE, "invalid time zone name \"%s\": use an IANA name such as Asia/Tokyo, "
		                     "Europe/Berlin or UTC (letters, digits, '/', '_', '+', '-'; no "
		                     "\"..\" and no leading '/')", shown);
		return NULL;
	}
	return load_file(name);
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->name);
	free(z->trans);
	free(z->trans_type);
	free(z->types);
	free(z);
}
