/* window.h — incident windows: parsing and normalising [start, end) intervals.
 *
 * Pure: the time zone is given already loaded (tz.h).
 */
#ifndef REDRIVE_WINDOW_H
#define REDRIVE_WINDOW_H

#include <stddef.h>
#include <stdint.h>

struct tz;

struct rd_window {
	int64_t start; /* UTC seconds, inclusive */
	int64_t end;   /* UTC seconds, exclusive */
};

/* The accepted forms, for usage errors and --help. */
extern const char WINDOW_FORMS_HELP[];

/* Parses one window spec (SPEC §1); spaces around the spec and the '/' are ignored:
 *   2018-09-12T04:30+09:00/2018-09-12T05:00+09:00   ISO 8601 with offsets (or Z)
 *   2018-09-12T04:30+09:00/05:00                     end without a date: start's date and offset
 *   2018-09-12T04:30+09:00/PT30M                     start and an ISO 8601 duration
 *   2018-09-12 04:30/05:00          local wall-clock in zone `tz` (--tz); an end
 *   2018-09-12 23:40/00:20          earlier than the start is on the next day
 *   2018-09-12 04:30/2018-09-12 05:00
 * Returns 0, or RD_E_USAGE with a message naming the spec, what is wrong and
 * the accepted forms (rd_error_message()).  A local time without `tz` is a
 * usage error; a local time in a skipped daylight-saving hour is an error;
 * a repeated hour takes its first occurrence.  end <= start is an error.
 * An end without an offset takes the start's when the start has one (with or
 * without a date; `tz` is then unused); an end time without a date but with
 * an offset other than the start's is an error.  A duration is exact seconds
 * (P1D is 24 h even across a daylight-saving change; no years or months).
 * Windows may be any length.  out may be NULL to only validate. */
int window_parse(const char *spec, const struct tz *tz, struct rd_window *out);

/* Sorts windows by start and merges overlapping or touching ones
 * (end == next start) in place, dropping empty ones (end <= start); returns
 * the new count.  After this, windows are disjoint and ordered, so a
 * message is counted once however the windows were written. */
size_t window_normalize(struct rd_window *w, size_t n);

/* 1 if t lies in any of the n windows. */
int window_contains(const struct rd_window *w, size_t n, int64_t t);

#endif
