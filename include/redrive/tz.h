/* tz.h — IANA time zones from the system's TZif files.
 *
 * A struct tz is loaded once (tz_load does file I/O) and then answers pure
 * questions.  Zones are read from $TZDIR or /usr/share/zoneinfo (Debian's
 * tzdata package).  "UTC", "Etc/UTC" and "Z" work without any files.
 * Times past the last transition in the file follow the POSIX TZ rule in the
 * file's footer (TZif v2+), so daylight-saving rules hold in any year.
 */
#ifndef REDRIVE_TZ_H
#define REDRIVE_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* Loads zone `name` (e.g. "Asia/Tokyo").  Returns NULL and records an error
 * (RD_E_USAGE: unknown zone, with what to do) when the name is not a zone.
 * Names with "..", a leading, trailing or doubled '/', or characters outside
 * [A-Za-z0-9/_+-] are refused; a name that differs from a zone only in case
 * is refused with a "did you mean" hint.  A file that is not TZif, or counts
 * leap seconds (the "right/" zones), is refused too (message recorded as
 * RD_E_INPUT; RD_E_IO or RD_E_NOMEM for read and memory failures); callers
 * treat any NULL as a usage error.  The caller frees the result with tz_free.
 *
 * All the functions below accept z == NULL and then answer for UTC.  Instants
 * are clamped to ±2^40 s (about ±34,000 years) before any lookup. */
struct tz *tz_load(const char *name);
void tz_free(struct tz *z);
/* The name it was loaded with; valid while z lives. */
const char *tz_name(const struct tz *z);
/* 1 for UTC (and aliases, including file zones that never leave offset 0,
 * such as "Etc/GMT"): callers may skip showing a second column. */
int tz_is_utc(const struct tz *z);

/* Offset from UTC in seconds at instant t; *abbr (may be NULL) receives the
 * zone abbreviation ("JST", "CEST"), valid while z lives. */
int32_t tz_offset_at(const struct tz *z, int64_t t, const char **abbr);

enum tz_local_result {
	TZ_LOCAL_OK = 0,         /* exactly one instant has this wall-clock time */
	TZ_LOCAL_AMBIGUOUS = 1,  /* repeated hour (clocks set back): earlier instant returned, *later set */
	TZ_LOCAL_GAP = 2         /* skipped hour (clocks set forward): no such time; *utc is the
	                            instant the gap ends (the first valid time after it) */
};

/* Converts a wall-clock time (seconds since 1970-01-01 as if UTC) in zone z to UTC.
 * `later` may be NULL; when the result is not TZ_LOCAL_AMBIGUOUS it is set to
 * *utc. */
enum tz_local_result tz_local_to_utc(const struct tz *z, int64_t local, int64_t *utc, int64_t *later);

/* Formats instant t in zone z as "YYYY-MM-DD HH:MM" (with_seconds: ":SS") and
 * an offset "+09:00" with no space between: "2018-09-12 04:30+09:00", which
 * timefmt_parse_parts and window_parse read back.  Offsets with seconds (local
 * mean time before 1900) get ":SS" too.  out needs 32 bytes. */
void tz_format(const struct tz *z, int64_t t, int with_seconds, char *out, size_t outlen);

#endif
