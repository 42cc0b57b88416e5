/* gen.h — realistic synthetic incident data, deterministic for a seed.
 *
 * Streams campaigns, a send log and webhook events that end at `now`, with
 * the incidents of the source documents (../shared/seeds) replayed in them,
 * in memory that does not grow with the number of messages.  Used by
 * `redrive gen`, `redrive demo`, the tests and the benchmarks.
 */
#ifndef REDRIVE_GEN_H
#define REDRIVE_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "redrive/window.h"

#define GEN_MAX_INCIDENTS 8
#define GEN_MAX_WINDOWS 8

/* The accepted ranges of gen_opts (anything else is RD_E_USAGE). */
#define GEN_MIN_MESSAGES 100ull
#define GEN_MAX_MESSAGES 100000000ull
#define GEN_MIN_DAYS 1
#define GEN_MAX_DAYS 365

struct gen_opts {
	uint64_t messages;  /* send-log rows to write, 100 .. 100,000,000 */
	uint64_t seed;      /* same seed + same options = same bytes */
	int days;           /* the data covers [now - days, now], 1 .. 365 */
	int64_t now;        /* Unix seconds: no event or send is later than this */
};

/* An incident the data simulates (recorded by `redrive gen`). */
struct gen_incident {
	char name[128];
	char tz[64];        /* IANA zone the windows were written in */
	struct rd_window windows[GEN_MAX_WINDOWS];
	size_t nwindows;
};

/* What gen_run wrote (optional). */
struct gen_stats {
	uint64_t campaigns;  /* campaign rows */
	uint64_t messages;   /* send-log rows (= gen_opts.messages) */
	uint64_t events;     /* event objects, re-posted duplicates and orphans included */
	uint64_t bodies;     /* webhook bodies (lines of the events output) */
};

struct gen_sinks {
	FILE *campaigns;    /* JSON Lines: name kind schedule status */
	FILE *sendlog;      /* JSON Lines: SPEC §1 message fields, payload an object */
	FILE *events;       /* SendGrid webhook bodies: JSON arrays, one per line */
	FILE *truth;        /* may be NULL: the expected report per incident, below */
	struct gen_stats *stats; /* may be NULL: receives the counts */
};

/* Writes the data set, streaming: memory stays a few MB whatever the number
 * of messages.  The streams are written with fwrite and fflush()ed at the
 * end, never closed.
 *
 * The send log is in queued_at order (msg_key "m" + 10 digits counts up in
 * the same order); event bodies are in posting order, roughly time order.
 * No time in the data is after o->now.  All four incidents of the seeds are
 * simulated when they fit (seed 002 needs days >= 7; windows start at least
 * an hour after the data begins and end at least an hour before now), in
 * this order: "AMQ再起動 (seed 000)", "DB過負荷 (seed 001)",
 * "SendGrid APIエラー (seed 003)", "メールシステム障害 (seed 002)".
 *
 * truth gets one JSON object per line, per incident, in that order: the
 * report SPEC §1 defines for it with the default grace (600 s) at o->now,
 * counted from what was generated:
 *   {"incident":NAME,"tz":"Asia/Tokyo","windows":[{"start":Z,"end":Z}…],
 *    "now":Z,"grace":600,
 *    "campaigns":{NAME:{"sent","delivered","pending","deferred","bounced",
 *                       "blocked","dropped","dead","queued","requeued",
 *                       "affected","verdict"}…},
 *    "totals":{the same counts, no verdict}}
 * (Z: "YYYY-MM-DDTHH:MM:SSZ"; campaigns in the campaigns file's order, only
 * those with an in-incident message.)
 *
 * incidents (may be NULL) receives up to GEN_MAX_INCIDENTS entries
 * (*nincidents set when not NULL).  Returns RD_OK, RD_E_USAGE for options
 * out of range (with a message), RD_E_FAIL when the Asia/Tokyo zone cannot
 * be loaded, RD_E_NOMEM, or RD_E_IO when a sink could not be written. */
int gen_run(const struct gen_opts *o, const struct gen_sinks *out,
            struct gen_incident *incidents, size_t *nincidents);

#endif
