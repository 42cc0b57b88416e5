/* timefmt.h — instants, civil dates and durations (pure; no time zones here,
 * see tz.h for zone rules).
 *
 * All instants are int64 seconds since 1970-01-01T00:00:00Z (Unix time,
 * proleptic Gregorian calendar, no leap seconds).
 */
#ifndef REDRIVE_TIMEFMT_H
#define REDRIVE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SSZ" plus NUL */
#define TIMEFMT_UTC_LEN 21

/* The instants we store and print: 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z,
 * the years a four-digit ISO 8601 date can name. */
#define TIMEFMT_MIN_INSTANT (-62167219200LL)
#define TIMEFMT_MAX_INSTANT 253402300799LL

/* Days since 1970-01-01 for a civil date (month 1..12, day 1..31); no validation. */
int64_t timefmt_days_from_civil(int64_t y, int m, int d);
/* The civil date of a day number. */
void timefmt_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* 1 if y-m-d is a real calendar date (1 <= m <= 12, 1 <= d <= days in month). */
int timefmt_valid_date(int64_t y, int m, int d);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into out (TIMEFMT_UTC_LEN bytes).
 * t outside TIMEFMT_MIN_INSTANT..TIMEFMT_MAX_INSTANT is clamped to that range. */
void timefmt_utc(int64_t t, char out[TIMEFMT_UTC_LEN]);

/* A parsed wall-clock or absolute time.
 * has_date: a date was written; has_offset: Z or ±HH:MM was written.
 * local: seconds since the epoch of the written date-time as if it were UTC
 * (that is, before the offset is applied); utc = local - offset when has_offset. */
struct timefmt_parts {
	int has_date;
	int has_offset;
	int64_t local;     /* date part is 1970-01-01 when !has_date */
	int32_t offset;    /* seconds east of UTC */
	int64_t utc;       /* valid only when has_offset */
};

/* Parses one ISO 8601 date-time or time of day, n bytes of s (no NUL needed):
 *   2018-09-12T04:30[:SS[.fff]][Z|±HH[:MM]]   ('T' or one space between date and time)
 *   04:30[:SS]                                (a time without a date)
 * Fractional seconds are accepted and truncated.  Hours are 00-23 (no 24:00),
 * seconds 00-59 (no leap seconds); an offset is Z, ±HH:MM, ±HHMM or ±HH up to
 * 23:59, and may follow a time without a date ("05:00+09:00").  Nothing else
 * may surround the text (callers trim).  Returns 0, or -1 when the text is
 * not one of these forms or names an impossible date or time. */
int timefmt_parse_parts(const char *s, size_t n, struct timefmt_parts *out);

/* An absolute instant for stored data (SPEC §2): ISO 8601 with Z or an offset,
 * or Unix seconds (an optional '-' and digits, optionally ".fraction").  A
 * date-time without an offset is refused (-1): it is ambiguous.  Fractions
 * are dropped towards the past ("-1.5" is -2, as 23:59:58.5 is 23:59:58), and
 * instants outside TIMEFMT_MIN_INSTANT..TIMEFMT_MAX_INSTANT are refused. */
int timefmt_parse_instant(const char *s, size_t n, int64_t *out);

/* A duration: "600", "600s", "10m", "1h30m", "2d", "1h 30m" or ISO 8601
 * "PT10M", "P1DT2H".  Result in seconds, >= 0.  Returns 0 or -1.
 * Units (w d h m s; ISO W D H M S) are exact: a day is 86400 s.  Each unit may
 * appear once, largest first; years and months are refused (their length
 * varies), as are fractions, signs, spaces around the text and overflow. */
int timefmt_parse_duration(const char *s, int64_t *out);

/* Formats a duration compactly: "45s", "10m", "1h30m", "2d3h": the largest
 * non-zero unit and the next one when it is not zero, so the text is
 * truncated (1h30m15s is "1h30m").  0 is "0s"; negative values get a '-'.
 * out is always NUL terminated when outlen > 0; 16 bytes hold any value. */
void timefmt_duration(int64_t secs, char *out, size_t outlen);

#endif
