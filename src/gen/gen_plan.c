/* gen_plan.c — where the incidents fall, which campaigns exist and when they
 * send, and how much mail each minute carries (a JST daily curve plus the
 * batch sends). */
#include "gen_int.h"

#include "redrive/error.h"
#include "redrive/tz.h"

/* Windows start this long after the data begins: the bad recipients' first
 * messages (gen.c, GEN_PHASE) come before any incident. */
#define MARGIN_START (60 * 60)
/* Windows end this long before now, so what was lost in them is stale. */
#define MARGIN_END (60 * 60)
/* Windows of different incidents, and one-shot batch sends, stay this far apart. */
#define GAP (60 * 60)

struct wspec {
	int dayoff;            /* local days after the incident's first day */
	int start_min, end_min; /* local minutes of the day */
};

/* Seed 000: 2018-09-12 04:30-05:00 and 2018-09-13 01:15-01:50 JST. */
static const struct wspec amq_w[] = { { 0, 4 * 60 + 30, 5 * 60 }, { 1, 60 + 15, 60 + 50 } };
/* Seed 001: 2024-09-17 12:45-15:25 JST. */
static const struct wspec db_w[] = { { 0, 12 * 60 + 45, 15 * 60 + 25 } };
/* Seed 003 has no times: 35 minutes in the evening booking peak. */
static const struct wspec api_w[] = { { 0, 19 * 60 + 5, 19 * 60 + 40 } };
/* Seed 002: 7/25 14:00-17:29, 7/26 17:30-18:40, 7/30 11:20-12:54 and
 * 14:53-15:19, 7/31 17:22-18:13 (24 h local times). */
static const struct wspec mail_w[] = {
	{ 0, 14 * 60, 17 * 60 + 29 },      { 1, 17 * 60 + 30, 18 * 60 + 40 },
	{ 5, 11 * 60 + 20, 12 * 60 + 54 }, { 5, 14 * 60 + 53, 15 * 60 + 19 },
	{ 6, 17 * 60 + 22, 18 * 60 + 13 },
};

static const struct {
	const char *name;
	const struct wspec *w;
	size_t n;
} incident_specs[INC_KINDS] = {
	[INC_AMQ] = { "AMQ再起動 (seed 000)", amq_w, sizeof amq_w / sizeof amq_w[0] },
	[INC_DB] = { "DB過負荷 (seed 001)", db_w, sizeof db_w / sizeof db_w[0] },
	[INC_API] = { "SendGrid APIエラー (seed 003)", api_w, sizeof api_w / sizeof api_w[0] },
	[INC_MAILSYS] = { "メールシステム障害 (seed 002)", mail_w, sizeof mail_w / sizeof mail_w[0] },
};

static int64_t local_day(const struct gen_plan *p, int64_t t)
{
	return gen_floor_div(t + tz_offset_at(p->z, t, NULL), 86400);
}

/* The instant of a local day and minute (the first one in a repeated hour,
 * the end of a skipped one). */
static int64_t at_local(const struct gen_plan *p, int64_t day, int minute)
{
	int64_t utc = 0;
	tz_local_to_utc(p->z, day * 86400 + (int64_t)minute * 60, &utc, NULL);
	return utc;
}

static void build_windows(const struct gen_plan *p, int kind, int64_t base, struct rd_window *w)
{
	for (size_t i = 0; i < incident_specs[kind].n; i++) {
		const struct wspec *s = &incident_specs[kind].w[i];
		w[i].start = at_local(p, base + s->dayoff, s->start_min);
		w[i].end = at_local(p, base + s->dayoff, s->end_min);
	}
}

/* Placed windows so far, of all incidents, with their local days. */
struct placed {
	struct rd_window w[INC_KINDS * GEN_MAX_WINDOWS];
	int64_t day[INC_KINDS * GEN_MAX_WINDOWS];
	size_t n;
};

static int clashes(const struct gen_plan *p, const struct placed *pl, const struct rd_window *w,
                   size_t n, int distinct_days)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < pl->n; j++) {
			if (w[i].start < pl->w[j].end + GAP && pl->w[j].start < w[i].end + GAP)
				return 1;
			if (distinct_days && local_day(p, w[i].start) == pl->day[j])
				return 1;
		}
	return 0;
}

/* The latest placement that fits: first on days no other incident uses, then
 * (short spans) anywhere an hour away from the others.  Returns 1 if placed. */
static int place(struct gen_plan *p, struct placed *pl, int kind, struct gen_incident *out)
{
	size_t n = incident_specs[kind].n;
	int64_t first = local_day(p, p->start), last = local_day(p, p->now);

	for (int pass = 0; pass < 2; pass++) {
		for (int64_t base = last; base >= first - 7; base--) {
			struct rd_window w[GEN_MAX_WINDOWS] = { { 0, 0 } };
			int fits = 1;
			build_windows(p, kind, base, w);
			if (w[0].start < p->start + MARGIN_START)
				break; /* earlier days only start earlier */
			for (size_t i = 0; i < n; i++)
				if (w[i].end > p->now - MARGIN_END)
					fits = 0;
			if (!fits || clashes(p, pl, w, n, pass == 0))
				continue;
			memset(out, 0, sizeof *out);
			snprintf(out->name, sizeof out->name, "%s", incident_specs[kind].name);
			snprintf(out->tz, sizeof out->tz, "%s", tz_name(p->z));
			for (size_t i = 0; i < n; i++) {
				out->windows[i] = w[i];
				pl->w[pl->n] = w[i];
				pl->day[pl->n++] = local_day(p, w[i].start);
			}
			out->nwindows = n;
			if (kind == INC_DB)
				p->db_day = base;
			return 1;
		}
	}
	return 0;
}

void gen_plan_incidents(struct gen_plan *p)
{
	/* Placement order: seed 000's rule first (it is exact), then the short
	 * windows, then seed 002's week. */
	static const int order[] = { INC_AMQ, INC_API, INC_DB, INC_MAILSYS };
	/* Output order: as the seeds are numbered, 002 last (it needs a week). */
	static const int report[] = { INC_AMQ, INC_DB, INC_API, INC_MAILSYS };
	struct gen_incident tmp[INC_KINDS];
	int ok[INC_KINDS] = { 0 };
	struct placed pl;

	pl.n = 0;
	p->ninc = 0;
	p->db_day = INT64_MIN;
	for (size_t i = 0; i < INC_KINDS; i++)
		ok[order[i]] = place(p, &pl, order[i], &tmp[order[i]]);
	for (size_t i = 0; i < INC_KINDS; i++) {
		int k = report[i];
		p->at[k] = -1;
		if (!ok[k])
			continue;
		p->at[k] = (int)p->ninc;
		p->inc_kind[p->ninc] = k;
		p->inc[p->ninc++] = tmp[k];
	}
}

const struct rd_window *gen_plan_window(const struct gen_plan *p, int k, int64_t t)
{
	if (p->at[k] < 0)
		return NULL;
	const struct gen_incident *inc = &p->inc[p->at[k]];
	for (size_t i = 0; i < inc->nwindows; i++)
		if (t >= inc->windows[i].start && t < inc->windows[i].end)
			return &inc->windows[i];
	return NULL;
}

int gen_plan_in(const struct gen_plan *p, int k, int64_t t)
{
	return gen_plan_window(p, k, t) != NULL;
}

int gen_plan_in_any(const struct gen_plan *p, int64_t t)
{
	for (int k = 0; k < INC_KINDS; k++)
		if (gen_plan_in(p, k, t))
			return 1;
	return 0;
}

/* ---- campaigns ------------------------------------------------------------ */

/* A bounded text builder over a campaign's text[]. */
struct sb {
	char *p;
	size_t len, cap;
	int overflow;
};

static void sb_raw(struct sb *b, const char *s, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void sb_lit(struct sb *b, const char *s)
{
	sb_raw(b, s, strlen(s));
}

static void sb_esc(struct sb *b, const char *s, size_t n)
{
	if (b->overflow || 6 * n > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	char *end = gen_put_escaped(b->p + b->len, s, n);
	b->len = (size_t)(end - b->p);
}

static struct gen_str sb_since(const struct sb *b, size_t from)
{
	struct gen_str s = { b->p + from, b->len - from };
	return s;
}

static int build_pieces(struct gen_campaign *c)
{
	const struct gen_campaign_def *d = c->def;
	struct sb b = { c->text, 0, sizeof c->text, 0 };
	const char *num = strstr(d->subject, "{N}");
	int english = (unsigned char)d->name[0] < 0x80;
	const char *from = english ? "Yasuragi Travel" :
	                   d->kind == GEN_TRANSACTIONAL ? "やすらぎトラベル" :
	                                                   "やすらぎトラベル メールマガジン";
	size_t at;

	at = b.len;
	sb_esc(&b, d->name, strlen(d->name));
	c->name = sb_since(&b, at);

	at = b.len;
	sb_lit(&b, "\",\"campaign\":\"");
	sb_esc(&b, d->name, strlen(d->name));
	sb_lit(&b, "\",\"email_name\":\"");
	sb_esc(&b, d->email_name, strlen(d->email_name));
	sb_lit(&b, "\",\"recipient\":\"");
	c->log_mid = sb_since(&b, at);

	at = b.len;
	sb_esc(&b, d->subject, num ? (size_t)(num - d->subject) : strlen(d->subject));
	c->subj_pre = sb_since(&b, at);
	at = b.len;
	if (num)
		sb_esc(&b, num + 3, strlen(num + 3));
	c->subj_post = sb_since(&b, at);
	c->subj_num = num ? 8 : 0;

	at = b.len;
	sb_lit(&b, "\"}}],\"from\":{\"email\":\"noreply@yasuragi.example\",\"name\":\"");
	sb_esc(&b, from, strlen(from));
	sb_lit(&b, "\"},\"subject\":\"");
	c->pay_subj = sb_since(&b, at);

	at = b.len;
	sb_lit(&b, "\",\"content\":[{\"type\":\"text/plain\",\"value\":\"");
	{
		char text[256];
		int n = snprintf(text, sizeof text, "%s\nhttps://yasuragi.example/m/%s",
		                 english ? "Details:" : "詳細はこちら", d->email_name);
		sb_esc(&b, text, n > 0 ? (size_t)n : 0);
		sb_lit(&b, "\"},{\"type\":\"text/html\",\"value\":\"");
		n = snprintf(text, sizeof text, "<p><a href=\"https://yasuragi.example/m/%s\">%s</a></p>",
		             d->email_name, english ? "Details" : "詳細はこちら");
		sb_esc(&b, text, n > 0 ? (size_t)n : 0);
	}
	sb_lit(&b, "\"}]}");
	c->pay_tail = sb_since(&b, at);

	at = b.len;
	sb_lit(&b, d->kind == GEN_TRANSACTIONAL ? ",\"category\":[\"transactional\",\"" :
	                                          ",\"category\":\"");
	sb_esc(&b, d->email_name, strlen(d->email_name));
	sb_lit(&b, d->kind == GEN_TRANSACTIONAL ? "\"]" : "\"");
	c->category = sb_since(&b, at);

	if (b.overflow)
		return rd_error(RD_E_FAIL, "campaign \"%s\": its texts exceed %d bytes; shorten the catalogue entry",
		                d->name, GEN_CAMPAIGN_TEXT);
	return RD_OK;
}

static int clashes_incident(const struct gen_plan *p, int64_t s, int64_t e)
{
	for (size_t i = 0; i < p->ninc; i++)
		for (size_t j = 0; j < p->inc[i].nwindows; j++) {
			const struct rd_window *w = &p->inc[i].windows[j];
			if (s < w->end + GAP && w->start < e + GAP)
				return 1;
		}
	return 0;
}

/* A one-shot batch on a random past day, clear of the incidents; else it is
 * scheduled for later. */
static void schedule_once(struct gen_plan *p, struct gen_campaign *c, struct gen_rng *r)
{
	const struct gen_campaign_def *d = c->def;
	int64_t first = local_day(p, p->start), last = local_day(p, p->now);

	for (int tries = 0; tries < 12; tries++) {
		int64_t day = first + (int64_t)gen_rng_below(r, (uint32_t)(last - first + 1));
		int64_t s = at_local(p, day, d->hour * 60 + d->minute);
		int64_t e = s + (int64_t)d->minutes * 60;
		if (s < p->start + 2 * 3600 || e > p->now - 3600 || clashes_incident(p, s, e))
			continue;
		c->once_start = s;
		c->once_end = e;
		c->status = ST_DONE;
		return;
	}
	c->plan = PLAN_FUTURE;
	c->status = ST_SCHEDULED;
}

static void schedule(struct gen_plan *p, struct gen_campaign *c, struct gen_rng *r)
{
	const struct gen_campaign_def *d = c->def;
	const struct gen_incident *amq = p->at[INC_AMQ] >= 0 ? &p->inc[p->at[INC_AMQ]] : NULL;

	c->plan = d->plan;
	c->last_day = INT64_MAX;
	c->start_min = d->hour * 60 + d->minute;
	c->once_start = c->once_end = 0;
	switch (d->plan) {
	case PLAN_CONTINUOUS:
	case PLAN_DAILY:
	case PLAN_WEEKLY:
		c->status = ST_RUNNING;
		if (d->role == ROLE_STOP_RECURRING && p->at[INC_DB] >= 0) {
			/* Seed 001: its run in the window never executed; stopped since. */
			c->last_day = p->db_day;
			c->status = ST_STOPPED;
		}
		break;
	case PLAN_FUTURE:
		c->status = ST_SCHEDULED;
		break;
	case PLAN_DRAFT:
		c->status = ST_DRAFT;
		break;
	default: /* PLAN_ONCE */
		if (d->role == ROLE_AMQ_LOST && amq) {
			/* Seed 000: a whole batch sent inside the first restart window. */
			c->once_start = amq->windows[0].start + 120;
			c->once_end = c->once_start + (int64_t)d->minutes * 60;
			c->status = ST_DONE;
		} else if (d->role == ROLE_AMQ_PARTIAL && amq) {
			/* ... and one sending across the start of the second. */
			c->once_start = amq->windows[1].start - 180;
			c->once_end = c->once_start + (int64_t)d->minutes * 60;
			c->status = ST_DONE;
		} else if (d->role == ROLE_STOP_ONCE && p->at[INC_DB] >= 0) {
			c->once_start = at_local(p, p->db_day, d->hour * 60 + d->minute);
			c->once_end = c->once_start + (int64_t)d->minutes * 60;
			c->status = ST_STOPPED;
		} else {
			schedule_once(p, c, r);
		}
		break;
	}
}

int gen_plan_campaigns(struct gen_plan *p, struct gen_rng *r)
{
	size_t nreq = 0;
	for (size_t i = 0; i < gen_campaign_ndefs; i++)
		nreq += gen_campaign_defs[i].required;
	size_t want = 30 + gen_rng_below(r, 31);
	if (want > gen_campaign_ndefs)
		want = gen_campaign_ndefs;
	if (want > GEN_MAX_CAMPAIGNS)
		want = GEN_MAX_CAMPAIGNS;
	size_t pick = want > nreq ? want - nreq : 0;
	size_t left = gen_campaign_ndefs - nreq;

	p->ncamp = 0;
	p->booking = 0;
	for (size_t i = 0; i < gen_campaign_ndefs && p->ncamp < GEN_MAX_CAMPAIGNS; i++) {
		const struct gen_campaign_def *d = &gen_campaign_defs[i];
		if (!d->required) {
			/* selection sampling: `pick` of the `left` optional ones, in order */
			int take = gen_rng_below(r, (uint32_t)left) < pick;
			left--;
			if (!take)
				continue;
			pick--;
		}
		struct gen_campaign *c = &p->camp[p->ncamp];
		memset(c, 0, sizeof *c);
		c->def = d;
		schedule(p, c, r);
		int rc = build_pieces(c);
		if (rc != RD_OK)
			return rc;
		if (d->role == ROLE_BOOKING)
			p->booking = p->ncamp;
		p->ncamp++;
	}
	return RD_OK;
}

/* ---- traffic -------------------------------------------------------------- */

/* Mail per hour of the JST day, in percent of the mean: quiet at night,
 * lunch and evening peaks (bookings and shopping happen after work). */
static const uint16_t hourly[24] = {
	40, 28, 22, 20, 20, 24, 40, 70, 95, 110, 115, 120,
	135, 125, 115, 110, 110, 115, 125, 140, 150, 145, 115, 70,
};

void gen_plan_slot(const struct gen_plan *p, int64_t t0, int pick, struct gen_slot *s)
{
	int64_t local = t0 + tz_offset_at(p->z, t0, NULL);
	int64_t day = gen_floor_div(local, 86400);
	int minute = (int)((local - day * 86400) / 60);
	int dow = (int)(((day % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
	int h = minute / 60, m = minute % 60;
	int interpolated = hourly[h] * 60 + (hourly[(h + 1) % 24] - hourly[h]) * m; /* > 0 */
	uint64_t f = (uint64_t)interpolated;
	uint64_t cum = 0;

	if (dow == 0 || dow == 6)
		f = f * 9 / 10;
	s->cont = s->size = 0;
	s->n = 0;
	for (size_t i = 0; i < p->ncamp; i++) {
		const struct gen_campaign *c = &p->camp[i];
		uint64_t w = 0;
		int on = 0;
		switch (c->plan) {
		case PLAN_CONTINUOUS:
			w = f * c->def->weight;
			s->cont += w;
			break;
		case PLAN_ONCE:
			on = t0 >= c->once_start && t0 < c->once_end;
			break;
		case PLAN_DAILY:
		case PLAN_WEEKLY:
			on = minute >= c->start_min && minute < c->start_min + c->def->minutes &&
			     day <= c->last_day && (c->plan == PLAN_DAILY || dow == c->def->dow);
			break;
		default:
			break;
		}
		if (on) {
			s->size += c->def->weight;
			w = p->burst_scale * c->def->weight;
		}
		if (pick && w) {
			cum += w;
			s->cum[s->n] = cum;
			s->idx[s->n++] = (uint8_t)i;
		}
	}
	s->total = s->cont + p->burst_scale * s->size;
}
