/* requeue.c — the requeue engine: plan, journal, run (SPEC §5). */
#include "redrive/requeue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/store.h"
#include "redrive/store_requeue.h"
#include "redrive/target.h"
#include "redrive/utf8.h"

/* Items handed to the outbox per transaction: few commits, while what one
 * statement must be able to undo (kept in memory) stays a few MB. */
#define OUTBOX_CHUNK 25000
/* Items read ahead for a network target. */
#define NET_READ_AHEAD 1000
/* Tries of one request before its items fail: connection failures and 5xx. */
#define MAX_TRIES 5
/* Waits for a provider's rate limit (429) before the items fail. */
#define MAX_RATE_LIMITED 30
/* The longest back-off between tries, seconds. */
#define MAX_BACKOFF 30.0

int requeue_target_parse(const char *s, struct requeue_target *out)
{
	memset(out, 0, sizeof *out);
	if (!s || !*s || strlen(s) >= sizeof out->spec)
		goto bad;
	snprintf(out->spec, sizeof out->spec, "%s", s);
	if (strcmp(s, "outbox") == 0) {
		out->kind = RQ_OUTBOX;
		return RD_OK;
	}
	if (strcmp(s, "sendgrid") == 0) {
		out->kind = RQ_SENDGRID;
		return RD_OK;
	}
	if (strncmp(s, "smtp://", 7) == 0 || strncmp(s, "smtps://", 8) == 0) {
		const char *host = strstr(s, "://") + 3;
		const char *colon = strrchr(host, ':');
		if (*host && colon && colon > host && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
		    !strpbrk(host, "/@ ")) {
			out->kind = RQ_SMTP;
			return RD_OK;
		}
		/* the relay's own check says what is wrong (and never repeats a
		 * login); what it would take but we do not (no port) is below */
		int rc = target_smtp_url_check(s);
		if (rc)
			return rc;
	}
bad:
	return rd_error(RD_E_USAGE,
	                "\"%s\" is not a target: use outbox, sendgrid, smtp://HOST:PORT or smtps://HOST:PORT",
	                s ? s : "");
}

/* What a requeue selects: the filter as given, with --affected (or no state
 * filter at all) read as "lost" so that suppressed recipients are counted as
 * an exclusion rather than silently left out; tags are taken as they are. */
static int requeue_selection(const struct rd_filter *f, struct rd_filter *sel)
{
	filter_init(sel);
	int rc = filter_copy(sel, f);
	if (rc)
		return rc;
	if (sel->affected || (!sel->states && !sel->tagged)) {
		sel->affected = 0;
		sel->lost = 1;
	}
	return RD_OK;
}

int requeue_plan(struct store *s, const struct rd_filter *f, const struct rd_filter *visible, int force,
                 struct requeue_counts *out)
{
	struct rd_filter sel;
	int rc = requeue_selection(f, &sel);
	if (!rc)
		rc = store_requeue_plan(s, &sel, visible, force, out);
	filter_free(&sel);
	return rc;
}

int requeue_create(struct store *s, const struct rd_filter *f, const struct rd_filter *visible,
                   const struct requeue_opts *o, int64_t *batch, struct requeue_counts *counts)
{
	struct rd_filter sel;
	struct buf line = BUF_INIT;
	if (store_is_read_only(s))
		return rd_error(RD_E_READ_ONLY, "the store is open read-only: a requeue writes its journal first");
	int rc = requeue_selection(f, &sel);
	if (!rc)
		rc = filter_to_line(f, &line);
	if (!rc)
		rc = store_requeue_create(s, &sel, visible, o->target.spec, o->rate, o->force, buf_str(&line),
		                          o->confirmed, batch, counts);
	filter_free(&sel);
	buf_free(&line);
	return rc;
}

/* ---- running ----------------------------------------------------------------- */

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run {
	struct store *s;
	struct rd_batch b;
	char runner[256];     /* host:pid, the claim on the batch */
	int lost;             /* another process took the batch over */
	double beat;          /* when the heartbeat was last written */
	struct requeue_control *ctl;
	struct requeue_progress p;
	double rate;          /* messages per second, 0 = no cap */
	double t0;            /* when this run started sending */
	int64_t done_here;    /* messages handed over by this run (for the rate) */
	double shown;         /* when progress was last reported */
	double recent_t[8];   /* (time, count) samples for the recent rate */
	int64_t recent_n[8];
	int nrecent;
};

static void sample_rate(struct run *r, double now)
{
	int64_t done = r->p.sent + r->p.failed + r->p.skipped + r->p.unknown;
	if (r->nrecent == 8) {
		memmove(r->recent_t, r->recent_t + 1, 7 * sizeof r->recent_t[0]);
		memmove(r->recent_n, r->recent_n + 1, 7 * sizeof r->recent_n[0]);
		r->nrecent--;
	}
	r->recent_t[r->nrecent] = now;
	r->recent_n[r->nrecent++] = done;
	double dt = now - r->recent_t[0];
	r->p.rate = dt > 0.2 ? (double)(done - r->recent_n[0]) / dt : r->p.rate;
	int64_t left = r->p.total - done;
	r->p.eta = r->p.rate > 0 ? (double)left / r->p.rate : -1;
}

static void report(struct run *r, int final)
{
	double now = mono();
	if (!final && now - r->shown < 0.1)
		return;
	r->shown = now;
	sample_rate(r, now);
	r->p.planned = r->p.total - r->p.sent - r->p.failed - r->p.skipped - r->p.unknown;
	if (r->ctl && r->ctl->progress)
		r->ctl->progress(&r->p, r->ctl->arg);
}

static void set_error(struct run *r, const char *msg)
{
	struct buf safe = BUF_INIT;
	utf8_sanitize(&safe, msg, strlen(msg));
	snprintf(r->p.last_error, sizeof r->p.last_error, "%s", buf_str(&safe));
	buf_free(&safe);
}

/* Sleeps up to secs, waking for cancel and showing signs of life; returns 1
 * when cancelled (or when the claim was lost: stop at once). */
static int nap(struct run *r, double secs)
{
	double until = mono() + secs;
	while (mono() < until) {
		if (r->ctl && r->ctl->cancel)
			return 1;
		if (mono() - r->beat > 5) {
			r->beat = mono();
			if (store_batch_heartbeat(r->s, r->b.id, r->runner, (int64_t)time(NULL)) != RD_OK) {
				r->lost = 1;
				return 1;
			}
		}
		double left = until - mono();
		struct timespec ts = { 0, (long)(fmin(left, 0.05) * 1e9) };
		if (left > 0)
			nanosleep(&ts, NULL);
	}
	return r->ctl && r->ctl->cancel;
}

/* Holds while paused; returns 1 when cancelled or when the claim was lost
 * during the pause. */
static int steer(struct run *r)
{
	if (!r->ctl)
		return 0;
	if (r->ctl->pause && !r->ctl->cancel) {
		store_batch_set_status(r->s, r->b.id, r->runner, RQS_PAUSED, NULL, (int64_t)time(NULL));
		r->p.status = RQS_PAUSED;
		report(r, 1);
		while (r->ctl->pause && !nap(r, 0.1))
			;
		if (r->lost)
			return 1;
		store_batch_set_status(r->s, r->b.id, r->runner, RQS_RUNNING, NULL, (int64_t)time(NULL));
		r->p.status = RQS_RUNNING;
		/* the rate schedule restarts after a pause */
		r->t0 = mono();
		r->done_here = 0;
	}
	return r->ctl->cancel;
}

/* Waits until n more messages fit under the rate cap; returns 1 when cancelled. */
static int pace(struct run *r, int64_t n)
{
	if (r->rate <= 0)
		return 0;
	double due = r->t0 + (double)(r->done_here + n) / r->rate;
	double wait = due - mono();
	return wait > 0 ? nap(r, wait) : 0;
}

static int run_outbox(struct run *r)
{
	int64_t lo = 0, total = r->b.total;
	int rc = RD_OK;
	while (!rc && lo < total) {
		if (steer(r))
			return RD_E_CANCELLED;
		int64_t step = OUTBOX_CHUNK;
		if (r->rate > 0 && step > (int64_t)ceil(r->rate))
			step = (int64_t)ceil(r->rate);
		if (pace(r, step))
			return RD_E_CANCELLED;
		int64_t sent = 0, skipped = 0;
		rc = store_batch_outbox(r->s, r->b.id, r->runner, lo, lo + step, (int64_t)time(NULL), &sent, &skipped);
		r->p.sent += sent;
		r->p.skipped += skipped;
		r->done_here += step;
		lo += step;
		report(r, 0);
	}
	return rc;
}

/* One request for items[0..n): planned -> sending (committed) -> the outcome
 * (committed).  Retries stay inside, bounded. */
static int deliver(struct run *r, struct target *t, struct rd_batch_item *items, size_t n)
{
	struct target_msg msgs[NET_READ_AHEAD];
	for (size_t i = 0; i < n; i++)
		msgs[i] = (struct target_msg){ items[i].msg_key, items[i].recipient, items[i].payload, r->b.id };

	int tries = 0, limited = 0;
	for (;;) {
		if (pace(r, (int64_t)n))
			return RD_E_CANCELLED;
		int rc = store_batch_mark(r->s, r->b.id, r->runner, items, n, RQI_SENDING, NULL, NULL, (int64_t)time(NULL));
		if (rc)
			return rc;
		struct target_result res;
		memset(&res, 0, sizeof res);
		rc = target_send(t, msgs, n, &res);
		if (rc) {
			/* target.h: a failing call sent nothing (out of memory, bad
			 * arguments), so the items are planned again */
			int mrc = store_batch_mark(r->s, r->b.id, r->runner, items, n, RQI_PLANNED, NULL, NULL, (int64_t)time(NULL));
			return mrc ? mrc : rc;
		}
		int64_t now = (int64_t)time(NULL);
		switch (res.outcome) {
		case TO_SENT:
			r->done_here += (int64_t)n;
			r->p.sent += (int64_t)n;
			return store_batch_mark(r->s, r->b.id, r->runner, items, n, RQI_SENT, res.provider_id, NULL, now);
		case TO_FAILED:
			set_error(r, res.error);
			r->done_here += (int64_t)n;
			r->p.failed += (int64_t)n;
			return store_batch_mark(r->s, r->b.id, r->runner, items, n, RQI_FAILED, NULL, res.error, now);
		case TO_UNKNOWN:
			set_error(r, res.error);
			r->done_here += (int64_t)n;
			r->p.unknown += (int64_t)n;
			return store_batch_mark(r->s, r->b.id, r->runner, items, n, RQI_UNKNOWN, NULL, res.error, now);
		case TO_STOP:
			set_error(r, res.error);
			/* nothing was accepted: the items wait for a fixed configuration */
			rc = store_batch_mark(r->s, r->b.id, r->runner, items, n, RQI_PLANNED, NULL, res.error, now);
			return rc ? rc : rd_error(RD_E_AUTH, "the target refused us: %s", r->p.last_error);
		case TO_RETRY:
			break;
		}
		/* the request did not get through: planned again, then a later try */
		set_error(r, res.error);
		int rate_limited = res.retry_after > 0;
		if ((rate_limited && ++limited > MAX_RATE_LIMITED) || (!rate_limited && ++tries >= MAX_TRIES)) {
			char why[700];
			snprintf(why, sizeof why, "gave up after %d tries: %s", tries + limited, r->p.last_error);
			r->done_here += (int64_t)n;
			r->p.failed += (int64_t)n;
			return store_batch_mark(r->s, r->b.id, r->runner, items, n, RQI_FAILED, NULL, why, now);
		}
		rc = store_batch_mark(r->s, r->b.id, r->runner, items, n, RQI_PLANNED, NULL, res.error, now);
		if (rc)
			return rc;
		double wait = rate_limited ? res.retry_after : fmin(MAX_BACKOFF, 0.25 * pow(2, tries));
		report(r, 0);
		if (nap(r, wait))
			return RD_E_CANCELLED;
	}
}

static int run_network(struct run *r, struct target *t)
{
	struct rd_batch_item items[NET_READ_AHEAD];
	size_t max = target_max_batch(t);
	if (max > NET_READ_AHEAD)
		max = NET_READ_AHEAD;
	if (r->rate > 0 && (double)max > r->rate)
		max = r->rate >= 1 ? (size_t)r->rate : 1;
	int64_t after = 0;
	int rc = RD_OK;
	for (;;) {
		size_t got = 0;
		int64_t skipped = 0;
		rc = store_batch_next(r->s, r->b.id, after, NET_READ_AHEAD, items, &got, &skipped,
		                      (int64_t)time(NULL));
		r->p.skipped += skipped;
		if (rc || !got)
			break;
		after = items[got - 1].seq;
		/* consecutive items that may share a request, up to max */
		for (size_t i = 0; !rc && i < got;) {
			if (steer(r)) {
				rc = RD_E_CANCELLED;
				break;
			}
			size_t n = 1;
			uint64_t key = target_group_key(t, &(struct target_msg){ items[i].msg_key, items[i].recipient,
			                                                         items[i].payload, r->b.id });
			while (i + n < got && n < max &&
			       target_group_key(t, &(struct target_msg){ items[i + n].msg_key, items[i + n].recipient,
			                                                 items[i + n].payload, r->b.id }) == key)
				n++;
			rc = deliver(r, t, &items[i], n);
			i += n;
			report(r, 0);
		}
		store_batch_items_free(items, got);
		if (rc)
			break;
	}
	return rc;
}

static int open_target(const struct requeue_target *spec, struct target **t)
{
	*t = NULL;
	if (spec->kind == RQ_SENDGRID)
		return target_open_sendgrid(t);
	if (spec->kind == RQ_SMTP)
		return target_open_smtp(spec->spec, t);
	return RD_OK;
}

int requeue_target_check(const struct requeue_target *spec)
{
	struct target *t;
	int rc = open_target(spec, &t);
	if (t)
		target_close(t);
	return rc;
}

static void runner_id(char *out, size_t n)
{
	char host[200];
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(out, n, "%s:%ld", host, (long)getpid());
}

int requeue_run(const char *store_path, int64_t batch, int resend_unknown, double rate_override,
                struct requeue_control *ctl)
{
	struct run r;
	struct target *t = NULL;
	memset(&r, 0, sizeof r);
	r.ctl = ctl;
	runner_id(r.runner, sizeof r.runner);

	int rc = store_open(store_path, STORE_READ_WRITE, &r.s);
	if (!rc)
		rc = store_bulk(r.s);
	if (rc) {
		store_close(r.s);
		return rc;
	}
	rc = store_batch_claim(r.s, batch, r.runner, resend_unknown, (int64_t)time(NULL), &r.b);
	struct requeue_target spec;
	if (!rc)
		rc = requeue_target_parse(r.b.target, &spec);
	if (!rc) {
		rc = open_target(&spec, &t);
		if (rc) /* nothing sent: give the batch back as it was */
			store_batch_set_status(r.s, batch, r.runner, RQS_STOPPED, rd_error_message(), (int64_t)time(NULL));
	}
	if (rc) {
		store_close(r.s);
		return rc;
	}
	r.rate = rate_override > 0 ? rate_override : r.b.rate;
	r.p.batch = batch;
	r.p.total = r.b.total;
	r.p.sent = r.b.sent;
	r.p.failed = r.b.failed;
	r.p.skipped = r.b.skipped;
	r.p.unknown = r.b.unknown;
	r.p.status = RQS_RUNNING;
	r.p.eta = -1;
	r.t0 = r.beat = mono();
	report(&r, 1);

	rc = t ? run_network(&r, t) : run_outbox(&r);
	if (r.lost)
		rc = rd_error(RD_E_BUSY, "another process took over batch %lld; this run stopped without sending more",
		              (long long)batch);
	if (t)
		target_close(t);

	int status = rc == RD_OK ? RQS_DONE : rc == RD_E_CANCELLED ? RQS_CANCELLED
	           : rc == RD_E_AUTH ? RQS_STOPPED : RQS_INTERRUPTED;
	char err[1024];
	snprintf(err, sizeof err, "%s", rc ? rd_error_message() : r.p.last_error);
	int src = store_batch_set_status(r.s, batch, r.runner, status, err[0] ? err : NULL, (int64_t)time(NULL));
	r.p.status = status;
	report(&r, 1);
	store_close(r.s);
	if (rc == RD_E_CANCELLED)
		rd_error(RD_E_CANCELLED, "batch %lld cancelled: %lld sent; `redrive requeue --resume %lld` "
		                         "sends the rest",
		         (long long)batch, (long long)r.p.sent, (long long)batch);
	else if (rc)
		rd_error_set_message(err);
	return rc ? rc : src;
}
