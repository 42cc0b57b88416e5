/* store_requeue.h — the requeue journal as the store keeps it: batches, their
 * items, exclusions, and the outbox table (docs/requeue.md has the schema).
 * The engine (requeue.h) drives these; `redrive batches` and the dashboard's
 * Batches screen read them.
 */
#ifndef REDRIVE_STORE_REQUEUE_H
#define REDRIVE_STORE_REQUEUE_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct rd_filter;

/* What a requeue of a selection does (SPEC §3 --dry-run --format json):
 * selected = the messages the selection names; the exclusions (each message
 * counted once, in this order): suppressed recipients, delivered (late
 * bounces included), already requeued (unless forced), hidden (dashboard
 * only: tagged rows the current filter hides); to_send = the rest. */
struct requeue_counts {
	int64_t selected;
	int64_t suppressed;
	int64_t delivered;
	int64_t already_requeued;
	int64_t hidden;
	int64_t to_send;
};


/* Batch states, as stored (batches.status; "interrupted" is only ever
 * derived: running, with no live process).  Never renumber. */
enum requeue_status {
	RQS_PLANNED, RQS_RUNNING, RQS_PAUSED, RQS_DONE, RQS_CANCELLED, RQS_STOPPED, RQS_INTERRUPTED
};

const char *store_batch_status_name(int status);

/* Item states, as stored (batch_items.status).  Never renumber. */
enum rd_item_status {
	RQI_PLANNED = 0, RQI_SENDING = 1, RQI_SENT = 2, RQI_FAILED = 3, RQI_SKIPPED = 4, RQI_UNKNOWN = 5
};
const char *store_item_status_name(int status);

/* One batch with its item counts. */
struct rd_batch {
	int64_t id;
	char target[512];
	int status;                 /* enum requeue_status */
	double rate;                /* messages per second, 0 = no cap */
	int force;
	char operator_name[256];
	char filter[1024];          /* the selection, in the filter language */
	int64_t created_at, started_at, finished_at;   /* RD_NO_TIME when not yet */
	int64_t total;              /* items journaled */
	int64_t planned;            /* not sent yet (planned, or sending in a live run) */
	int64_t sent, failed, skipped, unknown;
	int64_t selected, ex_suppressed, ex_delivered, ex_requeued, ex_hidden;
	char last_error[256];
};

/* Counts the exclusions of a selection (see requeue_plan in requeue.h; sel
 * already turned into the requeue selection by the engine). */
int store_requeue_plan(struct store *s, const struct rd_filter *sel, const struct rd_filter *visible,
                       int force, struct requeue_counts *out);

/* Journals a batch in one transaction: the batches row, one item per
 * message to send (in (t_at, id) order), one exclusion row per excluded
 * message with its reason, and an audit entry.  confirmed > 0: refuse
 * (journal nothing) unless exactly that many are to be sent.  Nothing to
 * send: nothing is journaled and *batch is 0. */
int store_requeue_create(struct store *s, const struct rd_filter *sel, const struct rd_filter *visible,
                         const char *target, double rate, int force, const char *filter_line,
                         int64_t confirmed, int64_t *batch, struct requeue_counts *out);

/* Claims a batch for this process (runner "host:pid"): refused with
 * RD_E_BUSY while another live process runs it.  Items left "sending" become
 * "unknown"; with resend_unknown, "unknown" items go back to "planned". */
int store_batch_claim(struct store *s, int64_t batch, const char *runner, int resend_unknown,
                      int64_t now, struct rd_batch *out);
/* Gives up a batch that is not running: its planned items become skipped
 * ("abandoned by the operator"), so their messages can be planned in a new
 * batch; sent, failed and unknown items stay as they are.  *n receives the
 * number abandoned. */
int store_batch_abandon(struct store *s, int64_t batch, int64_t now, int64_t *n);

/* Records the batch's status (and error, may be NULL), releasing the claim
 * when the status is neither running nor paused — only while runner holds the batch (a
 * run that lost its claim leaves the batch to the process that took it). */
int store_batch_set_status(struct store *s, int64_t batch, const char *runner, int status, const char *error,
                           int64_t now);

/* Shows that runner still holds the batch (a sign of life every few
 * seconds keeps other processes from taking it over); RD_E_BUSY when
 * another process has taken it. */
int store_batch_heartbeat(struct store *s, int64_t batch, const char *runner, int64_t now);

/* The outbox target: hands items (lo, hi] over in one transaction — rows in
 * the outbox, the messages marked requeued, the items sent — skipping items
 * whose message was delivered or whose recipient was suppressed since the
 * batch was planned; refused (RD_E_BUSY) unless runner holds the batch.
 * Adds to *sent and *skipped. */
int store_batch_outbox(struct store *s, int64_t batch, const char *runner, int64_t lo, int64_t hi,
                       int64_t now, int64_t *sent, int64_t *skipped);

/* An item on its way to a network target. */
struct rd_batch_item {
	int64_t seq;
	int64_t msg_id;
	int tries;
	char *msg_key, *recipient, *payload;  /* heap; payload "" when none */
};

/* Up to n planned items after seq `after`, in order; items whose message was
 * delivered or whose recipient was suppressed since planning are marked
 * skipped on the way (in their own commit) and not returned. */
int store_batch_next(struct store *s, int64_t batch, int64_t after, size_t n, struct rd_batch_item *out,
                     size_t *got, int64_t *skipped, int64_t now);
void store_batch_items_free(struct rd_batch_item *items, size_t n);

/* Moves items to a new state in one commit.  RQI_SENDING counts a try and
 * is refused (RD_E_BUSY, nothing changed) unless runner still holds the
 * batch, so two processes can never both send an item; RQI_SENT also marks
 * the messages requeued by this batch and records provider_id; error (may
 * be NULL) is kept for failed/unknown/skipped. */
int store_batch_mark(struct store *s, int64_t batch, const char *runner, const struct rd_batch_item *items,
                     size_t n, int status, const char *provider_id, const char *error, int64_t now);

/* All batches, newest first; free with free(). */
int store_batches_list(struct store *s, struct rd_batch **out, size_t *n);
/* One batch; RD_E_NOT_FOUND if there is none with that id.  *out is all
 * zero after any failure. */
int store_batch_get(struct store *s, int64_t id, struct rd_batch *out);

#endif
