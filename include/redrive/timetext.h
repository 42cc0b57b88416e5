/* timetext.h — instants and windows as people read them, in a zone and in
 * UTC (the CLI's tables and the dashboard). */
#ifndef REDRIVE_TIMETEXT_H
#define REDRIVE_TIMETEXT_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct tz;
struct rd_window;

/* "2018-09-12 04:30:00 JST" (the zone's abbreviation, or its offset when the
 * abbreviation is numeric); "-" for RD_NO_TIME. */
int timetext_instant(const struct tz *z, int64_t t, struct buf *out);

/* "2018-09-12 04:30–05:00 JST (2018-09-11 19:30–20:00 UTC)"; the end shows
 * its date when it differs from the start's; no UTC part when z is UTC. */
int timetext_window(const struct tz *z, const struct rd_window *w, struct buf *out);

#endif
