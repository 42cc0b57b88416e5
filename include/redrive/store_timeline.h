/* store_timeline.h — what happened minute by minute (the dashboard's
 * Timeline, SPEC §4): messages handed to the provider, and the delivered and
 * bounced events the provider reported, so that a lost stretch of mail shows
 * as a gap.  Counts cover the whole store (every campaign).
 */
#ifndef REDRIVE_STORE_TIMELINE_H
#define REDRIVE_STORE_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct rd_timeline_bin {
	int64_t start;      /* the bin covers [start, start + step) */
	int64_t sent;       /* messages whose sent_at falls in the bin */
	int64_t delivered;  /* delivered events in the bin */
	int64_t bounced;    /* bounce (hard or blocked) and dropped events in the bin */
};

/* Fills n bins of `step` seconds from lo (bins[i].start = lo + i * step).
 * Sent counts come from the per-minute rollup of the messages, so lo and
 * step should be whole minutes (a minute counts in the bin it starts in);
 * events are read by their time-ordered de-duplication index.  The cost is
 * the minutes and events in [lo, lo + n * step), not the store.  RD_E_USAGE
 * for step <= 0. */
int store_timeline(struct store *s, int64_t lo, int64_t step, size_t n,
                   struct rd_timeline_bin *bins);

#endif
