/* requeue.h — the requeue engine (SPEC §3, §5): crash-safe, exactly-once
 * bulk resend to the outbox, SendGrid or an SMTP relay.
 *
 * A requeue is a batch.  requeue_create journals it in one transaction
 * before anything is sent: the frozen selection (one item per message, in
 * time order), the exclusions with their reasons, the target, the rate, the
 * operator and the time.  requeue_run then moves each item
 * planned -> sending -> sent | failed | skipped, committing as it goes, so a
 * crash at any moment never sends a message twice and never loses one: the
 * next run (--resume) turns items caught in `sending` into `unknown`, which
 * are resent only when the operator says so.
 *
 * The command line and the dashboard both use exactly these functions.
 */
#ifndef REDRIVE_REQUEUE_H
#define REDRIVE_REQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "redrive/store_requeue.h"

struct store;
struct rd_filter;

enum requeue_target_kind { RQ_OUTBOX, RQ_SENDGRID, RQ_SMTP };

struct requeue_target {
	enum requeue_target_kind kind;
	char spec[512];     /* as written: "outbox", "sendgrid", "smtp://127.0.0.1:2525" */
};

/* Parses --to: outbox, sendgrid, smtp://HOST:PORT, smtps://HOST:PORT.
 * RD_E_USAGE with the accepted forms otherwise. */
int requeue_target_parse(const char *s, struct requeue_target *out);

/* Checks that the target can be used (its settings, its key) without
 * sending anything, so a batch is never journaled for a target that cannot
 * run it.  RD_OK, or the target's error (RD_E_AUTH: no usable key). */
int requeue_target_check(const struct requeue_target *t);

/* Counts the plan without writing anything.  sel is a resolved filter; when
 * it has neither states nor --affected, the lost messages (queued, dead,
 * pending past the grace period) of the filter are selected.  visible may be
 * NULL; with the dashboard's tags, it is the filter on screen. */
int requeue_plan(struct store *s, const struct rd_filter *sel, const struct rd_filter *visible,
                 int force, struct requeue_counts *out);

struct requeue_opts {
	struct requeue_target target;
	double rate;        /* messages per second, 0: no cap */
	int force;          /* requeue messages requeued before */
	int64_t confirmed;  /* > 0: the count the operator confirmed; when the
	                       selection no longer gives exactly that many,
	                       requeue_create journals nothing (RD_E_FAIL) */
};

/* Journals a new batch as described above (status "planned") and returns
 * its id and counts; the counts equal requeue_plan's for the same store
 * state.  When nothing is to be sent, nothing is journaled and *batch is 0.
 * Runs on the caller's connection (the dashboard's tags live there). */
int requeue_create(struct store *s, const struct rd_filter *sel, const struct rd_filter *visible,
                   const struct requeue_opts *o, int64_t *batch, struct requeue_counts *counts);

struct requeue_progress {
	int64_t batch;
	int64_t total;
	int64_t sent, failed, skipped, unknown, planned;
	double rate;            /* messages per second, recent */
	double eta;             /* seconds, < 0 when unknown */
	int status;             /* enum requeue_status */
	char last_error[256];   /* sanitised, no secrets */
};

/* How a caller watches and steers a run.  The flags are read between
 * requests; progress is called from the running thread at most ~10 times a
 * second and once at the end. */
struct requeue_control {
	volatile int cancel;
	volatile int pause;
	void (*progress)(const struct requeue_progress *p, void *arg);
	void *arg;
};

/* Runs or resumes a batch to its end on its own connection to the store at
 * store_path (so it can run in a thread while the dashboard stays live).
 * Claims the batch first: a batch another live process is running is
 * refused.  Items left in "sending" by a run that died become "unknown";
 * with resend_unknown they go back to "planned" (the operator's explicit
 * word).  rate_override > 0 replaces the journaled rate for this run.
 * Returns RD_OK when the batch finished (even with failed items: see the
 * progress counts), RD_E_CANCELLED, RD_E_AUTH (401/403: the batch stopped),
 * or another error. */
int requeue_run(const char *store_path, int64_t batch, int resend_unknown, double rate_override,
                struct requeue_control *ctl);

#endif
