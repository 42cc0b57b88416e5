/* store_query.h — reading the store through a filter: the one query path
 * that the command line (report, messages, export, requeue) and the
 * dashboard share.  The filter becomes SQL only here.
 */
#ifndef REDRIVE_STORE_QUERY_H
#define REDRIVE_STORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "redrive/buf.h"
#include "redrive/campaign.h"
#include "redrive/message.h"

struct store;
struct rd_filter;
struct tz;

/* Makes a filter ready to run: --incident NAME becomes that incident's
 * windows (and its zone), --window specs are parsed in --tz, the clock is
 * fixed (--now, else `now`).  --incident together with --window is a usage
 * error.  Campaign names are checked (an unknown name is RD_E_NOT_FOUND).
 * *zone (may be NULL) receives the zone to show times in: --tz, else the
 * incident's, else UTC; the caller frees it with tz_free. */
int store_filter_resolve(struct store *s, struct rd_filter *f, int64_t now, struct tz **zone);

/* ---- report ---------------------------------------------------------- */

struct rd_campaign_row {
	int64_t id;
	char *name, *kind, *schedule, *status;
	struct rd_counts counts;
	int verdict;
};

struct rd_report {
	struct rd_campaign_row *rows;  /* most severe verdict first, then most affected, then name */
	size_t n;
	struct rd_counts totals;
};

/* Per-campaign counts and verdicts over the filter (SPEC §1). */
int store_report(struct store *s, const struct rd_filter *f, struct rd_report *out);
void store_report_free(struct rd_report *r);

/* ---- messages, by keyset pages ----------------------------------------- */

/* A position between rows in (t_at, id) order. */
struct rd_cursor {
	int64_t t_at;
	int64_t id;
};

#define RD_CURSOR_START ((struct rd_cursor){ INT64_MIN, INT64_MIN })
#define RD_CURSOR_END   ((struct rd_cursor){ INT64_MAX, INT64_MAX })

struct rd_page {
	struct rd_message *rows; /* ascending (t_at, id) */
	size_t n;
	size_t cap;
	struct buf text;         /* the rows' strings */
};

/* Up to `limit` (<= RD_PAGE_MAX) rows of the filter strictly after `from`
 * (backward: strictly before it, still returned in ascending order).
 * Never uses OFFSET: the cost does not depend on the position. */
int store_messages_page(struct store *s, const struct rd_filter *f, struct rd_cursor from,
                        int backward, size_t limit, struct rd_page *out);
void store_page_free(struct rd_page *p);
/* The cursor just after row i of a page (for the next page forward). */
struct rd_cursor store_page_cursor(const struct rd_page *p, size_t i);

/* Rows matching the filter (a counting scan over the filter's index range). */
int store_messages_count(struct store *s, const struct rd_filter *f, int64_t *out);

/* ---- one message ---------------------------------------------------------- */

struct rd_event_row {
	int64_t id;
	int64_t ts;
	int64_t batch;
	int kind;
	int btype;
	int how;                /* 0 orphan, 1 msg_key, 2 sg_message_id, 3 recipient */
	const char *name;       /* the event name as sent ("delivered", or an unknown type) */
	const char *reason;     /* "" if none */
	const char *raw;        /* the whole event as it came */
};

struct rd_message_detail {
	struct rd_message m;
	const char *payload;        /* "" if none */
	const char *provider;
	const char *dead_reason;
	const char *suppression;    /* "bounce, unsubscribe" or "" */
	struct rd_event_row *events;/* oldest first */
	size_t nevents;
	struct buf text;
};

/* Everything about the message with this msg_key; RD_E_NOT_FOUND if none.
 * now/grace decide the derived flags. */
int store_message_detail(struct store *s, const char *msg_key, int64_t now, int64_t grace,
                         struct rd_message_detail *out);
void store_message_detail_free(struct rd_message_detail *d);

#endif
