/* gen.c — gen_run: walks the data span minute by minute, gives every message
 * its fate (normal traffic or one of the seeds' incidents), writes its
 * send-log row, queues its webhook events, and counts it for the truth.
 *
 * Recipients come from three pools (gen_int.h): normal ones, which the data
 * never suppresses; "bad" ones, each suppressed by its first message in the
 * first half hour (GEN_PHASE), before any incident; and one-message
 * recipients, the only ones that get bare bounces, so matching a bare bounce
 * by recipient is never ambiguous.  Every other event names its message by
 * msg_key or sg_message_id, and no event names a message of the send log
 * without being in it (orphans use keys of their own).  That is what keeps
 * the truth exact. */
#include "redrive/gen.h"

#include <errno.h>
#include <stdlib.h>

#include "gen_int.h"
#include "redrive/error.h"
#include "redrive/timefmt.h"
#include "redrive/tz.h"

/* The bad recipients' first messages go out in the first half hour. */
#define GEN_PHASE (30 * 60)
#define GEN_ZONE "Asia/Tokyo"

/* Rates, in parts per million. */
#define PPM_BAD_LATER 10000    /* a later message goes to a bad recipient */
#define PPM_BARE 300           /* a message to a one-message recipient, bounced bare */
#define PPM_ORPHAN 1500        /* an orphan event, per message (~0.05% of events) */
#define PPM_NO_KEY 20000       /* an event without msg_key (sg_message_id only) */
#define PPM_DUP_SAME 10000     /* an event posted again, same sg_event_id */
#define PPM_DUP_NEW 5000       /* ... posted again with a new sg_event_id */
#define PPM_UNIX_TIMES 50000   /* a send-log row with Unix-seconds times */
#define PPM_UPPER_BAD 300000   /* a bad recipient written in another case */

/* How a bad recipient got suppressed (its first message). */
enum bad_type { BAD_BOUNCE, BAD_SPAMREPORT, BAD_UNSUBSCRIBE, BAD_INVALID };

/* A message's fate beyond the normal traffic. */
enum fate { FATE_NORMAL, FATE_STUCK /* seed 003: sent after retries, only deferred since */ };

#define MAX_MSG_EVENTS 24

struct pev {
	int64_t ts;
	uint8_t kind, sub, attempt, bare;
};

struct msg {
	uint64_t seq;
	int64_t tq, ts, dead_at; /* ts: sent_at, 0 = never sent */
	int attempts;
	int dead_reason;
	uint32_t rcpt;
	int pool;
	int upper;
	size_t camp;
	int bad_type;            /* -1 unless pool == POOL_BAD */
	int first_bad;           /* the suppressing first message of a bad recipient */
	size_t nev;
	struct pev ev[MAX_MSG_EVENTS];
};

struct gen {
	const struct gen_opts *o;
	struct gen_plan plan;
	struct gen_rng rng;
	struct gen_obuf log_out, ev_out;
	struct gen_clock clock;
	struct gen_events ev;
	struct gen_truth truth;
	uint64_t seq, orphans;
	uint32_t eid;
	uint32_t nnormal, nbad, nsingle;
	uint64_t salt;
	uint8_t *suppressed;     /* bitset over the bad pool */
};

#define S(x) { x, sizeof(x) - 1 }
static const struct gen_str dead_reasons[] = {
	S("HTTP 503 from api.sendgrid.com after 5 attempts"),
	S("HTTP 502 Bad Gateway from api.sendgrid.com after 5 attempts"),
	S("timeout after 30 s waiting for api.sendgrid.com after 5 attempts"),
};
#undef S

/* ---- fates ------------------------------------------------------------------ */

static void add(struct msg *m, int64_t ts, int kind, int sub, int attempt)
{
	if (m->nev == MAX_MSG_EVENTS)
		return;
	struct pev *e = &m->ev[m->nev++];
	e->ts = ts;
	e->kind = (uint8_t)kind;
	e->sub = (uint8_t)sub;
	e->attempt = (uint8_t)attempt;
	e->bare = 0;
}

/* k deferred events from t on, each a few minutes after the last; returns
 * the time of the last. */
static int64_t deferrals(struct gen *g, struct msg *m, int64_t t, int k, int sub)
{
	for (int a = 1; a <= k; a++) {
		t += a == 1 ? gen_rng_range(&g->rng, 5, 60) : gen_rng_range(&g->rng, 300, 900);
		add(m, t, GE_DEFERRED, sub, a);
	}
	return t;
}

static int64_t open_delay(struct gen *g)
{
	uint32_t r = gen_rng_below(&g->rng, 100);
	if (r < 45)
		return gen_rng_range(&g->rng, 30, 1800);
	if (r < 80)
		return gen_rng_range(&g->rng, 1800, 3 * 3600);
	return gen_rng_range(&g->rng, 3 * 3600, 86400);
}

/* After a delivery at td: opens, clicks, a late bounce (seed 004), an event
 * type nobody knows. */
static void engagement(struct gen *g, struct msg *m, int64_t td)
{
	if (gen_rng_ppm(&g->rng, 480000)) {
		int64_t t = td;
		for (int n = 0; n < 3; n++) {
			t += open_delay(g);
			add(m, t, GE_OPEN, (int)gen_rng_below(&g->rng, 4), 0);
			if (gen_rng_ppm(&g->rng, 200000))
				add(m, t + gen_rng_range(&g->rng, 5, 600), GE_CLICK,
				    (int)gen_rng_below(&g->rng, 40), 0);
			if (!gen_rng_ppm(&g->rng, n == 0 ? 450000 : 300000))
				break;
		}
	}
	if (gen_rng_ppm(&g->rng, 3000)) /* delivered, then a forwarded copy bounces */
		add(m, td + gen_rng_range(&g->rng, 120, 600), GE_BLOCKED, 0, 0);
	if (gen_rng_ppm(&g->rng, 2000))
		add(m, td + gen_rng_range(&g->rng, 1, 60), GE_MACHINE_OPEN, (int)gen_rng_below(&g->rng, 4), 0);
}

/* The suppressing first message of a bad recipient. */
static void first_bad(struct gen *g, struct msg *m, int64_t tp)
{
	int64_t td = tp + gen_rng_range(&g->rng, 1, 20);
	switch (m->bad_type) {
	case BAD_BOUNCE:
		add(m, tp, GE_PROCESSED, 0, 0);
		add(m, tp + gen_rng_range(&g->rng, 1, 30), GE_BOUNCE, (int)gen_rng_below(&g->rng, 3), 0);
		break;
	case BAD_SPAMREPORT:
		add(m, tp, GE_PROCESSED, 0, 0);
		add(m, td, GE_DELIVERED, (int)gen_rng_below(&g->rng, 4), 0);
		add(m, td + gen_rng_range(&g->rng, 30, 600), GE_OPEN, (int)gen_rng_below(&g->rng, 4), 0);
		add(m, td + gen_rng_range(&g->rng, 601, 900), GE_SPAMREPORT, 0, 0);
		break;
	case BAD_UNSUBSCRIBE: {
		int64_t tu = td + gen_rng_range(&g->rng, 60, 900);
		add(m, tp, GE_PROCESSED, 0, 0);
		add(m, td, GE_DELIVERED, (int)gen_rng_below(&g->rng, 4), 0);
		add(m, td + gen_rng_range(&g->rng, 30, 59), GE_OPEN, (int)gen_rng_below(&g->rng, 4), 0);
		add(m, tu, GE_UNSUBSCRIBE, 0, 0);
		if (gen_rng_ppm(&g->rng, 300000))
			add(m, tu + gen_rng_range(&g->rng, 0, 5), GE_GROUP_UNSUBSCRIBE,
			    (int)gen_rng_below(&g->rng, 4), 0);
		break;
	}
	default:
		add(m, tp, GE_DROPPED, DROP_INVALID, 0);
		break;
	}
}

/* Later mail to a suppressed address: the provider drops it (or it bounces again). */
static void later_bad(struct gen *g, struct msg *m, int64_t tp)
{
	switch (m->bad_type) {
	case BAD_BOUNCE:
		if (gen_rng_ppm(&g->rng, 800000)) {
			add(m, tp, GE_DROPPED, DROP_BOUNCED, 0);
		} else {
			add(m, tp, GE_PROCESSED, 0, 0);
			add(m, tp + gen_rng_range(&g->rng, 1, 30), GE_BOUNCE,
			    (int)gen_rng_below(&g->rng, 3), 0);
		}
		break;
	case BAD_SPAMREPORT: add(m, tp, GE_DROPPED, DROP_SPAMREPORT, 0); break;
	case BAD_UNSUBSCRIBE: add(m, tp, GE_DROPPED, DROP_UNSUBSCRIBED, 0); break;
	default: add(m, tp, GE_DROPPED, DROP_INVALID, 0); break;
	}
}

/* Seed 000: the share of a campaign's mail the queue restart lost. */
static uint32_t amq_loss(const struct gen_campaign *c)
{
	switch (c->def->role) {
	case ROLE_AMQ_LOST: return 1000000;
	case ROLE_AMQ_TRIGGER: return 900000;
	case ROLE_AMQ_PARTIAL: return 450000;
	default: return c->def->kind == GEN_TRIGGER ? 600000 : 0;
	}
}

/* The events of a sent message. */
static void plan_events(struct gen *g, struct msg *m, int fate)
{
	const struct gen_plan *p = &g->plan;
	const struct gen_campaign *c = &p->camp[m->camp];
	int64_t tp = m->ts + gen_rng_range(&g->rng, 0, 2);
	int64_t td;

	if (gen_plan_in(p, INC_AMQ, m->ts) && gen_rng_ppm(&g->rng, amq_loss(c))) {
		/* Handed over, then lost with the queue: at most "processed". */
		if (gen_rng_below(&g->rng, 2))
			add(m, tp, GE_PROCESSED, 0, 0);
		return;
	}
	if (m->first_bad) {
		first_bad(g, m, tp);
		return;
	}
	if (m->pool == POOL_BAD) {
		later_bad(g, m, tp);
		return;
	}
	if (m->pool == POOL_SINGLE) {
		add(m, tp, GE_PROCESSED, 0, 0);
		add(m, tp + gen_rng_range(&g->rng, 2, 60), GE_BOUNCE, (int)gen_rng_below(&g->rng, 3), 0);
		m->ev[m->nev - 1].bare = 1;
		return;
	}

	uint32_t u = gen_rng_below(&g->rng, 1000000);
	if (u < 15000) { /* blocked by the receiving side */
		int64_t t = tp;
		add(m, tp, GE_PROCESSED, 0, 0);
		if (gen_rng_ppm(&g->rng, 300000))
			t = deferrals(g, m, tp, 1, (int)gen_rng_below(&g->rng, 4));
		add(m, t + gen_rng_range(&g->rng, 2, 120), GE_BLOCKED, 1 + (int)gen_rng_below(&g->rng, 2), 0);
		return;
	}
	if (u < 25000) { /* the provider's spam checker */
		add(m, tp, GE_DROPPED, DROP_SPAM_CONTENT, 0);
		return;
	}

	add(m, tp, GE_PROCESSED, 0, 0);
	if (fate == FATE_STUCK) {
		deferrals(g, m, tp, (int)gen_rng_range(&g->rng, 1, 3), (int)gen_rng_below(&g->rng, 4));
		return;
	}
	const struct rd_window *mail = gen_plan_window(p, INC_MAILSYS, m->ts);
	if (mail && gen_rng_ppm(&g->rng, 550000)) {
		/* Seed 002: the receiving mail system is overloaded; delivery waits
		 * for the end of the window, and a few are never delivered. */
		if (gen_rng_ppm(&g->rng, 27000)) {
			deferrals(g, m, tp, (int)gen_rng_range(&g->rng, 2, 5), 1);
			return;
		}
		int64_t last = deferrals(g, m, tp, (int)gen_rng_range(&g->rng, 1, 3), 1);
		td = mail->end + gen_rng_range(&g->rng, 60, 1800);
		if (td <= last)
			td = last + gen_rng_range(&g->rng, 60, 600);
	} else if (gen_rng_ppm(&g->rng, 80000)) {
		int64_t last = deferrals(g, m, tp, (int)gen_rng_range(&g->rng, 1, 2),
		                         (int)gen_rng_below(&g->rng, 4));
		td = last + gen_rng_range(&g->rng, 300, 1500);
	} else {
		td = tp + gen_rng_range(&g->rng, 1, 25);
	}
	add(m, td, GE_DELIVERED, (int)gen_rng_below(&g->rng, 4), 0);
	engagement(g, m, td);
}

/* Seed 003: retries of the API call back off 15, 30, 60, 120 s. */
static int64_t backoff(struct gen *g, int failed)
{
	int64_t t = 0;
	for (int i = 0; i < failed; i++)
		t += (int64_t)15 << i;
	return t + gen_rng_range(&g->rng, 0, 5);
}

/* When the application hands the message over, and whether it does. */
static int plan_send(struct gen *g, struct msg *m)
{
	const struct gen_plan *p = &g->plan;
	const struct gen_campaign *c = &p->camp[m->camp];
	int kind = c->def->kind;
	int fate = FATE_NORMAL;

	m->attempts = 1;
	m->ts = m->tq + (kind == GEN_BATCH ? gen_rng_range(&g->rng, 1, 20) :
	                 kind == GEN_TRIGGER ? gen_rng_range(&g->rng, 0, 5) :
	                                       gen_rng_range(&g->rng, 0, 2));
	if (gen_plan_in(p, INC_DB, m->tq)) {
		if (c->status == ST_STOPPED) {
			/* Seed 001: the campaign stopped, its mail never left. */
			m->ts = 0;
			m->attempts = 0;
			return fate;
		}
		m->ts += gen_rng_range(&g->rng, 60, 2400); /* starts delayed */
	}
	if (gen_plan_in(p, INC_API, m->tq)) {
		/* Seed 003: the provider's API fails; the sender retries five times,
		 * then dead-letters; some get through late and stay deferred. */
		uint32_t dead, stuck, retry;
		if (m->camp == p->booking)
			dead = 350000, stuck = 200000, retry = 300000;
		else if (kind == GEN_TRANSACTIONAL)
			dead = 200000, stuck = 120000, retry = 300000;
		else
			dead = 80000, stuck = 30000, retry = 200000;
		uint32_t u = gen_rng_below(&g->rng, 1000000);
		if (u < dead) {
			m->attempts = 5;
			m->dead_at = m->tq + backoff(g, 4) + gen_rng_range(&g->rng, 30, 60);
			m->dead_reason = (int)gen_rng_below(&g->rng, 3);
			m->ts = 0;
		} else if (u < dead + stuck + retry) {
			m->attempts = (int)gen_rng_range(&g->rng, 2, 4);
			m->ts = m->tq + backoff(g, m->attempts - 1);
			if (u < dead + stuck)
				fate = FATE_STUCK;
		}
	}
	if (m->dead_at > p->now) { /* still retrying at the end of the data */
		m->dead_at = 0;
		m->attempts = 0;
	}
	if (m->ts > p->now) { /* not handed over yet: queued */
		m->ts = 0;
		m->attempts = 0;
	}
	return fate;
}

/* ---- one message ------------------------------------------------------------ */

static int suppressing(const struct pev *e)
{
	switch (e->kind) {
	case GE_BOUNCE:
	case GE_SPAMREPORT:
	case GE_UNSUBSCRIBE:
		return 1;
	case GE_DROPPED:
		return e->sub != DROP_SPAM_CONTENT;
	default:
		return 0;
	}
}

/* SPEC §1 state of the message from the events it got (none after now). */
static void count(struct gen *g, const struct msg *m)
{
	const struct gen_plan *p = &g->plan;
	int del = 0, hard = 0, blk = 0, drop = 0, def = 0, supp = 0, state;

	for (size_t i = 0; i < m->nev; i++) {
		switch (m->ev[i].kind) {
		case GE_DELIVERED: del = 1; break;
		case GE_BOUNCE: hard = 1; break;
		case GE_BLOCKED: blk = 1; break;
		case GE_DROPPED: drop = 1; break;
		case GE_DEFERRED: def = 1; break;
		default: break;
		}
		if (m->pool == POOL_BAD && suppressing(&m->ev[i])) {
			uint32_t k = m->rcpt - g->nnormal;
			g->suppressed[k >> 3] |= (uint8_t)(1u << (k & 7));
		}
	}
	if (m->pool == POOL_BAD) {
		uint32_t k = m->rcpt - g->nnormal;
		supp = (g->suppressed[k >> 3] >> (k & 7)) & 1;
	} else {
		supp = m->pool == POOL_SINGLE && hard;
	}
	state = del ? GS_DELIVERED : hard ? GS_BOUNCED : blk ? GS_BLOCKED : drop ? GS_DROPPED :
	        m->dead_at ? GS_DEAD : m->ts ? GS_PENDING : GS_QUEUED;
	int64_t t = m->ts ? m->ts : m->tq;
	for (size_t i = 0; i < p->ninc; i++) {
		const struct gen_incident *inc = &p->inc[i];
		for (size_t w = 0; w < inc->nwindows; w++)
			if (t >= inc->windows[w].start && t < inc->windows[w].end) {
				gen_truth_add(&g->truth, i, m->camp, state, m->ts != 0, def,
				              state == GS_PENDING && p->now - m->ts > GEN_GRACE, supp);
				break;
			}
	}
}

static char *put_time(struct gen *g, char *d, int64_t t, int unix_form)
{
	if (unix_form)
		return gen_put_i64(d, t);
	*d++ = '"';
	d = gen_put_local(&g->clock, d, t);
	*d++ = '"';
	return d;
}

static char *put_subject(struct gen *g, const struct gen_campaign *c, char *d, uint64_t seq)
{
	d = gen_put_str(d, c->subj_pre);
	if (c->subj_num) {
		d = gen_put_u64(d, 10000000 + gen_mix(seq ^ g->salt) % 90000000);
		d = gen_put_str(d, c->subj_post);
	}
	return d;
}

static void write_row(struct gen *g, const struct msg *m)
{
	const struct gen_campaign *c = &g->plan.camp[m->camp];
	int unix_form = m->seq == 2 || gen_rng_ppm(&g->rng, PPM_UNIX_TIMES); /* both forms, always */
	char addr[80], key[16];
	size_t alen = (size_t)(gen_put_address(addr, m->rcpt, m->pool, m->upper) - addr);
	size_t klen = (size_t)(gen_put_key(key, m->seq, 0) - key);
	char *d = gen_obuf_room(&g->log_out);

	d = GEN_PUTS(d, "{\"msg_key\":\"");
	d = gen_put(d, key, klen);
	d = gen_put_str(d, c->log_mid);
	d = gen_put(d, addr, alen);
	d = GEN_PUTS(d, "\",\"subject\":\"");
	d = put_subject(g, c, d, m->seq);
	d = GEN_PUTS(d, "\",\"queued_at\":");
	d = put_time(g, d, m->tq, unix_form);
	if (m->ts) {
		d = GEN_PUTS(d, ",\"sent_at\":");
		d = put_time(g, d, m->ts, unix_form);
	}
	d = GEN_PUTS(d, ",\"provider\":\"sendgrid\"");
	if (m->ts) {
		d = GEN_PUTS(d, ",\"provider_msg_id\":\"");
		d = gen_put_pid(d, g->ev.id_salt, m->seq, 0);
		*d++ = '"';
	}
	d = GEN_PUTS(d, ",\"attempts\":");
	d = gen_put_u64(d, (uint64_t)m->attempts);
	if (m->dead_at) {
		d = GEN_PUTS(d, ",\"dead_at\":");
		d = put_time(g, d, m->dead_at, unix_form);
		d = GEN_PUTS(d, ",\"dead_reason\":\"");
		d = gen_put_str(d, dead_reasons[m->dead_reason]);
		*d++ = '"';
	}
	d = GEN_PUTS(d, ",\"payload\":{\"personalizations\":[{\"to\":[{\"email\":\"");
	d = gen_put(d, addr, alen);
	d = GEN_PUTS(d, "\"}],\"custom_args\":{\"msg_key\":\"");
	d = gen_put(d, key, klen);
	d = gen_put_str(d, c->pay_subj);
	d = put_subject(g, c, d, m->seq);
	d = gen_put_str(d, c->pay_tail);
	d = GEN_PUTS(d, "}\n");
	gen_obuf_done(&g->log_out, d);
}

static void push(struct gen *g, struct gen_ev *v)
{
	int64_t now = g->plan.now;

	gen_events_push(&g->ev, v);
	if (gen_rng_ppm(&g->rng, PPM_DUP_SAME)) {
		struct gen_ev again = *v; /* the provider retries the post */
		int64_t ts = v->post - v->lag;
		again.post += gen_rng_range(&g->rng, 60, 900);
		again.post = again.post > now ? now : again.post;
		again.lag = (uint16_t)(again.post - ts);
		gen_events_push(&g->ev, &again);
	}
	if (gen_rng_ppm(&g->rng, PPM_DUP_NEW)) {
		struct gen_ev again = *v; /* ... and gives it a new sg_event_id */
		int64_t ts = v->post - v->lag;
		again.eid = ++g->eid;
		again.post += gen_rng_range(&g->rng, 30, 600);
		again.post = again.post > now ? now : again.post;
		again.lag = (uint16_t)(again.post - ts);
		gen_events_push(&g->ev, &again);
	}
}

static void queue_events(struct gen *g, const struct msg *m)
{
	int64_t now = g->plan.now;

	for (size_t i = 0; i < m->nev; i++) {
		const struct pev *e = &m->ev[i];
		struct gen_ev v;
		v.post = e->ts + gen_rng_range(&g->rng, 0, 10);
		v.post = v.post > now ? now : v.post;
		v.lag = (uint16_t)(v.post - e->ts);
		v.seq = (uint32_t)m->seq;
		v.eid = ++g->eid;
		v.rcpt = m->rcpt;
		v.camp = (uint8_t)m->camp;
		v.kind = e->kind;
		v.sub = e->sub;
		v.attempt = e->attempt;
		v.pool = (uint8_t)m->pool;
		v.flags = m->upper ? EF_UPPER : 0;
		if (e->bare)
			v.flags |= EF_BARE;
		else if (gen_rng_ppm(&g->rng, PPM_NO_KEY))
			v.flags |= EF_NO_KEY;
		push(g, &v);
	}
	if (gen_rng_ppm(&g->rng, PPM_ORPHAN)) {
		/* Another application's mail through the same account. */
		static const uint8_t kinds[] = { GE_PROCESSED, GE_DELIVERED, GE_DELIVERED, GE_OPEN };
		struct gen_ev v;
		v.post = m->tq + gen_rng_range(&g->rng, 0, 30);
		v.post = v.post > now ? now : v.post;
		v.lag = 0;
		v.seq = ++g->orphans;
		v.eid = ++g->eid;
		v.rcpt = gen_rng_below(&g->rng, g->nnormal);
		v.camp = GEN_NO_CAMPAIGN;
		v.kind = kinds[gen_rng_below(&g->rng, 4)];
		v.sub = (uint8_t)gen_rng_below(&g->rng, 4);
		v.attempt = 0;
		v.pool = POOL_NORMAL;
		v.flags = EF_ORPHAN;
		push(g, &v);
	}
}

static void message(struct gen *g, int64_t tq, size_t camp, int64_t phase_k)
{
	const struct gen_plan *p = &g->plan;
	struct msg m = { .seq = ++g->seq, .tq = tq, .camp = camp, .bad_type = -1,
	                 .first_bad = phase_k >= 0 };

	gen_events_drain(&g->ev, tq);
	if (phase_k >= 0 || (tq >= p->phase_end && gen_rng_ppm(&g->rng, PPM_BAD_LATER))) {
		uint32_t k = phase_k >= 0 ? (uint32_t)phase_k : gen_rng_below(&g->rng, g->nbad);
		uint32_t r = (uint32_t)(gen_mix(k ^ g->salt) % 100);
		m.pool = POOL_BAD;
		m.rcpt = g->nnormal + k;
		m.bad_type = r < 50 ? BAD_BOUNCE : r < 65 ? BAD_SPAMREPORT : r < 90 ? BAD_UNSUBSCRIBE : BAD_INVALID;
		m.upper = phase_k < 0 && gen_rng_ppm(&g->rng, PPM_UPPER_BAD);
	} else {
		m.pool = POOL_NORMAL;
		m.rcpt = gen_rng_below(&g->rng, g->nnormal);
		/* one person in fifty types their address in more than one way */
		if (gen_mix(m.rcpt ^ 0xC0FFEEull) % 50 == 0)
			m.upper = (int)gen_rng_below(&g->rng, 2);
	}

	int fate = plan_send(g, &m);
	if (m.ts) {
		if (m.pool == POOL_NORMAL && tq >= p->phase_end && !gen_plan_in_any(p, m.ts) &&
		    gen_rng_ppm(&g->rng, PPM_BARE)) {
			m.pool = POOL_SINGLE;
			m.rcpt = g->nnormal + g->nbad + g->nsingle++;
			m.upper = 0;
		}
		plan_events(g, &m, fate);
		size_t kept = 0; /* nothing happens after now */
		for (size_t i = 0; i < m.nev; i++)
			if (m.ev[i].ts <= p->now)
				m.ev[kept++] = m.ev[i];
		m.nev = kept;
	}
	count(g, &m);
	write_row(g, &m);
	queue_events(g, &m);
}

/* ---- the time loop ------------------------------------------------------------ */

static size_t pick_campaign(struct gen *g, const struct gen_slot *s)
{
	uint64_t r = gen_rng_next(&g->rng) % s->cum[s->n - 1];
	size_t i = 0;
	while (s->cum[i] <= r)
		i++;
	return s->idx[i];
}

static void run(struct gen *g)
{
	struct gen_plan *p = &g->plan;
	uint64_t nmain = g->o->messages - g->nbad;
	uint64_t wc = 0, ms = 0, w, done = 0, cum = 0;
	int shift = 0;
	uint32_t next_bad = 0;
	struct gen_slot s;

	/* Pass 1: how much continuous and batch traffic the span holds; batches
	 * then get 40% of all mail. */
	p->burst_scale = 0;
	for (int64_t t0 = p->start; t0 <= p->now; t0 += 60) {
		gen_plan_slot(p, t0, 0, &s);
		wc += s.cont;
		ms += s.size;
	}
	p->burst_scale = ms ? 2 * wc / (3 * ms) : 0;
	if (ms && !p->burst_scale)
		p->burst_scale = 1;
	w = wc + p->burst_scale * ms;
	while ((w >> shift) > UINT64_MAX / nmain)
		shift++;

	/* Pass 2: each minute gets its share of the messages (exactly nmain in
	 * all), spread over its seconds in order, merged with the bad
	 * recipients' first messages. */
	for (int64_t t0 = p->start; t0 <= p->now; t0 += 60) {
		if (g->log_out.err || g->ev_out.err)
			return; /* a sink failed: gen_obuf_finish reports it */
		int64_t width = p->now - t0 + 1 < 60 ? p->now - t0 + 1 : 60;
		gen_plan_slot(p, t0, 1, &s);
		cum += s.total;
		uint64_t target = (cum >> shift) * nmain / (w >> shift);
		uint64_t c = target - done, j = 0;
		int64_t tm = INT64_MAX;
		done = target;
		for (;;) {
			int64_t tb = INT64_MAX;
			if (j < c && tm == INT64_MAX) /* the j-th second of c, jittered, in order */
				tm = t0 + (int64_t)((j * 1000 + gen_rng_below(&g->rng, 1000)) * (uint64_t)width /
				                    (c * 1000));
			if (next_bad < g->nbad) {
				tb = p->start + (int64_t)next_bad * GEN_PHASE / g->nbad;
				if (tb >= t0 + width)
					tb = INT64_MAX;
			}
			if (tm == INT64_MAX && tb == INT64_MAX)
				break;
			if (tb <= tm) {
				message(g, tb, pick_campaign(g, &s), next_bad++);
			} else {
				message(g, tm, pick_campaign(g, &s), -1);
				tm = INT64_MAX;
				j++;
			}
		}
	}
}

static int check(const struct gen_opts *o, const struct gen_sinks *out)
{
	if (!o || !out)
		return rd_error(RD_E_USAGE, "gen: no options or no outputs were given");
	if (!out->campaigns || !out->sendlog || !out->events)
		return rd_error(RD_E_USAGE,
		                "gen: the campaigns, send log and events outputs are all needed; "
		                "give a stream for each");
	if (o->messages < GEN_MIN_MESSAGES || o->messages > GEN_MAX_MESSAGES)
		return rd_error(RD_E_USAGE, "--messages %llu is out of range: give %llu to %llu",
		                (unsigned long long)o->messages, GEN_MIN_MESSAGES, GEN_MAX_MESSAGES);
	if (o->days < GEN_MIN_DAYS || o->days > GEN_MAX_DAYS)
		return rd_error(RD_E_USAGE, "--days %d is out of range: give %d to %d", o->days,
		                GEN_MIN_DAYS, GEN_MAX_DAYS);
	if (o->now <= (int64_t)o->days * 86400 || o->now > TIMEFMT_MAX_INSTANT - 2 * 86400) {
		char t[TIMEFMT_UTC_LEN];
		timefmt_utc(o->now, t);
		return rd_error(RD_E_USAGE,
		                "--now %s is out of range: the data (%d days before it) must lie "
		                "between 1970 and 9999",
		                t, o->days);
	}
	return RD_OK;
}

static int setup(struct gen *g, const struct gen_opts *o, const struct gen_sinks *out)
{
	struct gen_plan *p = &g->plan;
	int rc;

	g->o = o;
	gen_rng_seed(&g->rng, o->seed, 1);
	g->salt = gen_mix(o->seed ^ 0xB7E151628AED2A6Bull);
	p->now = o->now;
	p->start = o->now - (int64_t)o->days * 86400;
	p->phase_end = p->start + GEN_PHASE;
	g->nbad = (uint32_t)(o->messages / 250 < 4 ? 4 : o->messages / 250 > 20000 ? 20000 : o->messages / 250);
	g->nnormal = (uint32_t)(o->messages / 3 < 50 ? 50 : o->messages / 3);
	g->suppressed = calloc((g->nbad + 7) / 8, 1);
	if (!g->suppressed)
		return rd_error(RD_E_NOMEM, "out of memory for the suppression bitset");
	gen_plan_incidents(p);
	{
		struct gen_rng prng;
		gen_rng_seed(&prng, o->seed, 2);
		if ((rc = gen_plan_campaigns(p, &prng)) != RD_OK)
			return rc;
	}
	gen_clock_init(&g->clock, p->z);
	if ((rc = gen_obuf_init(&g->log_out, out->sendlog)) != RD_OK ||
	    (rc = gen_obuf_init(&g->ev_out, out->events)) != RD_OK)
		return rc;
	return gen_events_init(&g->ev, &g->ev_out, p, o->seed);
}

static int write_campaigns(struct gen *g, FILE *f)
{
	const struct gen_plan *p = &g->plan;
	for (size_t i = 0; i < p->ncamp; i++) {
		const struct gen_campaign *c = &p->camp[i];
		fprintf(f, "{\"name\":\"%.*s\",\"kind\":\"%s\",\"schedule\":\"%s\",\"status\":\"%s\"}\n",
		        (int)c->name.n, c->name.p, gen_kind_name(c->def->kind),
		        c->def->plan == PLAN_ONCE || c->def->plan == PLAN_FUTURE ||
		                        c->def->plan == PLAN_DRAFT ?
		                "once" :
		                "recurring",
		        gen_status_name(c->status));
	}
	if (ferror(f) || fflush(f) != 0)
		return rd_error(RD_E_IO, "cannot write the campaigns output: %s; check the disk space and the path",
		                strerror(errno ? errno : EIO));
	return RD_OK;
}

int gen_run(const struct gen_opts *o, const struct gen_sinks *out, struct gen_incident *incidents,
            size_t *nincidents)
{
	struct gen *g;
	struct tz *z;
	int rc;

	if (nincidents)
		*nincidents = 0;
	if ((rc = check(o, out)) != RD_OK)
		return rc;
	z = tz_load(GEN_ZONE);
	if (!z)
		return rd_error(RD_E_FAIL, "cannot load the time zone %s (%s); install tzdata or set TZDIR",
		                GEN_ZONE, rd_error_message());
	g = calloc(1, sizeof *g);
	if (!g) {
		tz_free(z);
		return rd_error(RD_E_NOMEM, "out of memory for the generator");
	}
	g->plan.z = z;
	rc = setup(g, o, out);
	if (rc == RD_OK)
		rc = write_campaigns(g, out->campaigns);
	if (rc == RD_OK) {
		run(g);
		gen_events_finish(&g->ev);
		int rc1 = gen_obuf_finish(&g->log_out, "send log");
		int rc2 = gen_obuf_finish(&g->ev_out, "events");
		rc = rc1 != RD_OK ? rc1 : rc2;
	}
	if (rc == RD_OK && out->truth)
		rc = gen_truth_write(out->truth, &g->plan, &g->truth);
	if (rc == RD_OK) {
		if (incidents)
			memcpy(incidents, g->plan.inc, g->plan.ninc * sizeof *incidents);
		if (nincidents)
			*nincidents = g->plan.ninc;
		if (out->stats) {
			out->stats->campaigns = g->plan.ncamp;
			out->stats->messages = g->seq;
			out->stats->events = g->ev.written;
			out->stats->bodies = g->ev.bodies;
		}
	}
	gen_events_free(&g->ev);
	gen_obuf_free(&g->log_out);
	gen_obuf_free(&g->ev_out);
	free(g->suppressed);
	free(g);
	tz_free(z);
	return rc;
}
