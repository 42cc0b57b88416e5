#include "redrive/state.h"

#include <stdio.h>
#include <string.h>

#include "redrive/event.h"

static const char *const names[RD_STATE_COUNT] = {
#define RD_STATE_NAME(name, code, text) [code] = (text),
	RD_STATE_LIST(RD_STATE_NAME)
#undef RD_STATE_NAME
};

/* Output order of flags: stored ones first, then derived ones. */
static const struct {
	int bit;
	const char *name;
} flag_names[] = {
	{ RD_FLAG_LATE_BOUNCE, "late_bounce" },
	{ RD_FLAG_DEFERRED, "deferred" },
	{ RD_FLAG_STALE, "stale" },
	{ RD_FLAG_SUPPRESSED, "suppressed" },
};

const char *state_name(int state)
{
	return state >= 0 && state < RD_STATE_COUNT ? names[state] : NULL;
}

int state_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < RD_STATE_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

void state_flags_each(int flags, void (*fn)(const char *name, void *arg), void *arg)
{
	for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
		if (flags & flag_names[i].bit)
			fn(flag_names[i].name, arg);
}

struct flags_text {
	char *out;
	size_t len, used;
};

static void add_flag_text(const char *name, void *arg)
{
	struct flags_text *t = arg;
	int n = snprintf(t->out + t->used, t->len - t->used, "%s%s", t->used ? "," : "", name);
	if (n > 0 && (size_t)n < t->len - t->used)
		t->used += (size_t)n;
	else
		t->out[t->used] = '\0'; /* a flag that does not fit is left out whole */
}

void state_flags_text(int flags, char *out, size_t outlen)
{
	struct flags_text t = { out, outlen, 0 };
	if (!outlen)
		return;
	out[0] = '\0';
	state_flags_each(flags, add_flag_text, &t);
}

int64_t state_pending_since(int64_t t_at, int has_requeue, int64_t requeued_at)
{
	return has_requeue ? requeued_at : t_at;
}

int state_is_stale(int state, int64_t since, int64_t now, int64_t grace)
{
	return state == RD_STATE_PENDING && now - since > grace;
}

int state_is_lost(int state, int stale)
{
	return state == RD_STATE_QUEUED || state == RD_STATE_DEAD || (state == RD_STATE_PENDING && stale);
}

int state_is_affected(int state, int stale, int suppressed)
{
	return !suppressed && state_is_lost(state, stale);
}

/* The total order that decides "latest" without looking at arrival order. */
static int later(const struct state_event *a, const struct state_event *b)
{
	if (a->ts != b->ts)
		return a->ts > b->ts;
	if (a->kind != b->kind)
		return a->kind > b->kind;
	return a->content_h > b->content_h;
}

enum cls { C_DELIVERED, C_BOUNCE, C_BLOCKED, C_DROPPED, C_DEFERRED, C_ANY, C_COUNT };

static void keep_latest(long *slot, const struct state_event *ev, long i)
{
	if (*slot < 0 || later(&ev[i], &ev[*slot]))
		*slot = i;
}

static long latest_of(long a, long b, const struct state_event *ev)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return later(&ev[a], &ev[b]) ? a : b;
}

void state_derive(const struct state_message *m, const struct state_event *ev, size_t n,
                  struct state_result *out)
{
	long best[C_COUNT];
	long other_delivered = -1;

	for (int c = 0; c < C_COUNT; c++)
		best[c] = -1;
	out->last = -1;
	out->reason = -1;
	out->flags = 0;

	for (size_t k = 0; k < n; k++) {
		long i = (long)k;
		keep_latest(&out->last, ev, i);
		if (ev[i].batch != m->requeue_batch) {
			/* an earlier attempt: only a delivery there still counts */
			if (ev[i].kind == RD_EV_DELIVERED)
				keep_latest(&other_delivered, ev, i);
			continue;
		}
		keep_latest(&best[C_ANY], ev, i);
		switch (ev[i].kind) {
		case RD_EV_DELIVERED: keep_latest(&best[C_DELIVERED], ev, i); break;
		case RD_EV_DROPPED:   keep_latest(&best[C_DROPPED], ev, i); break;
		case RD_EV_DEFERRED:  keep_latest(&best[C_DEFERRED], ev, i); break;
		case RD_EV_BOUNCE:
			keep_latest(ev[i].btype == RD_BT_BLOCKED ? &best[C_BLOCKED] : &best[C_BOUNCE], ev, i);
			break;
		default: break;
		}
	}

	if (best[C_DELIVERED] >= 0) {
		/* SPEC §1 / seed 004: a bounce after delivery is a delayed or
		 * forwarded bounce; the message was delivered. */
		out->state = RD_STATE_DELIVERED;
		long bounce = latest_of(best[C_BOUNCE], best[C_BLOCKED], ev);
		if (bounce >= 0) {
			out->flags |= RD_FLAG_LATE_BOUNCE;
			out->reason = bounce;
		}
		return;
	}
	if (best[C_BOUNCE] >= 0) {
		out->state = RD_STATE_BOUNCED;
		out->reason = best[C_BOUNCE];
		return;
	}
	if (best[C_BLOCKED] >= 0) {
		out->state = RD_STATE_BLOCKED;
		out->reason = best[C_BLOCKED];
		return;
	}
	if (best[C_DROPPED] >= 0) {
		out->state = RD_STATE_DROPPED;
		out->reason = best[C_DROPPED];
		return;
	}
	if (m->requeue_batch) {
		if (best[C_ANY] < 0) {
			/* nothing heard of the new attempt yet; a late delivery
			 * of an earlier attempt still means the mail arrived */
			out->state = other_delivered >= 0 ? RD_STATE_DELIVERED : RD_STATE_REQUEUED;
			return;
		}
	} else if (m->dead) {
		out->state = RD_STATE_DEAD;
		return;
	}
	/* Events of this attempt prove the provider has the message even when the
	 * send log has no sent_at yet: pending (never queued, never resent). */
	if (m->requeue_batch || m->has_sent || best[C_ANY] >= 0) {
		out->state = RD_STATE_PENDING;
		if (best[C_DEFERRED] >= 0) {
			out->flags |= RD_FLAG_DEFERRED;
			out->reason = best[C_DEFERRED];
		}
		return;
	}
	out->state = RD_STATE_QUEUED;
}
