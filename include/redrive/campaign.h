/* campaign.h — campaign vocabulary, per-campaign counts over an incident, and
 * the verdict (SPEC §1).  Pure.
 */
#ifndef REDRIVE_CAMPAIGN_H
#define REDRIVE_CAMPAIGN_H

#include <stdint.h>

#define RD_CAMPAIGN_KINDS     "trigger", "batch", "transactional"
#define RD_CAMPAIGN_SCHEDULES "once", "recurring"
#define RD_CAMPAIGN_STATUSES  "draft", "scheduled", "running", "stopped", "done"

/* 1 if s is one of the allowed values of that attribute. */
int campaign_valid_kind(const char *s);
int campaign_valid_schedule(const char *s);
int campaign_valid_status(const char *s);

/* The counts of SPEC §1 in output order: _(field) */
#define RD_COUNT_LIST(_) \
	_(sent) _(delivered) _(pending) _(deferred) _(bounced) _(blocked) \
	_(dropped) _(dead) _(queued) _(requeued) _(affected)

struct rd_counts {
#define RD_COUNT_FIELD(f) int64_t f;
	RD_COUNT_LIST(RD_COUNT_FIELD)
#undef RD_COUNT_FIELD
};

/* Adds n in-incident messages of one class to c.  This is where SPEC §1's
 * count definitions live (sent = handed to the provider whatever the state;
 * deferred = pending and flagged deferred; affected per state_is_affected). */
void counts_add(struct rd_counts *c, int state, int flags, int has_sent, int stale,
                int suppressed, int64_t n);
void counts_sum(struct rd_counts *total, const struct rd_counts *c);

/* _(NAME, output name), in order of severity (most severe first). */
#define RD_VERDICT_LIST(_)                  \
	_(NOT_EXECUTED, "not_executed")     \
	_(ALL_PENDING,  "all_pending")      \
	_(PARTIAL,      "partial")          \
	_(OK,           "ok")

enum rd_verdict {
#define RD_VERDICT_ENUM(name, text) RD_VERDICT_##name,
	RD_VERDICT_LIST(RD_VERDICT_ENUM)
#undef RD_VERDICT_ENUM
	RD_VERDICT_COUNT
};

/* The first verdict that holds (SPEC §1):
 *   not_executed  status "stopped", nothing sent in the windows, messages queued
 *   all_pending   sent > 0, delivered = 0, bounced + blocked + dropped = 0
 *   partial       affected > 0
 *   ok            otherwise */
int campaign_verdict(const char *status, const struct rd_counts *c);
const char *campaign_verdict_name(int verdict);
/* A short explanation for people ("the whole campaign was lost"). */
const char *campaign_verdict_help(int verdict);

#endif
