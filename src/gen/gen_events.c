/* gen_events.c — SendGrid event webhook bodies: a bounded queue that puts the
 * events of all messages into posting order, and the event records as the
 * provider writes them. */
#include "gen_int.h"

#include <stdlib.h>

#include "redrive/error.h"

/* A body holds the events posted within this many seconds of its first. */
#define BODY_SPAN 20

static const struct gen_str kind_names[] = {
#define S(x) { x, sizeof(x) - 1 }
	[GE_PROCESSED] = S("processed"),
	[GE_DEFERRED] = S("deferred"),
	[GE_DELIVERED] = S("delivered"),
	[GE_BOUNCE] = S("bounce"),
	[GE_BLOCKED] = S("bounce"),
	[GE_DROPPED] = S("dropped"),
	[GE_OPEN] = S("open"),
	[GE_CLICK] = S("click"),
	[GE_SPAMREPORT] = S("spamreport"),
	[GE_UNSUBSCRIBE] = S("unsubscribe"),
	[GE_GROUP_UNSUBSCRIBE] = S("group_unsubscribe"),
	[GE_MACHINE_OPEN] = S("machine_open"),
};

/* Variants chosen by gen_ev.sub (modulo the table size).  The JSON text of
 * each is written as is: none needs escaping. */
static const struct gen_str deferred_resp[] = {
	S("451 4.7.1 Please try again later"),
	S("451 4.3.0 Temporary System Problem. Try again later."),
	S("451 4.7.650 The mail server has been temporarily rate limited due to IP reputation."),
	S("451 4.4.2 Timeout waiting for data from client."),
};
static const struct gen_str delivered_resp[] = {
	S("250 OK"),
	S("250 2.0.0 OK"),
	S("250 Message accepted for delivery"),
	S("250 2.0.0 Ok: queued"),
};
static const struct gen_str bounce_fields[] = {
	S(",\"type\":\"bounce\",\"status\":\"5.1.1\",\"reason\":\"550 5.1.1 User unknown\","
	  "\"bounce_classification\":\"Invalid Address\""),
	S(",\"type\":\"bounce\",\"status\":\"5.1.1\",\"reason\":\"550 5.1.1 The email account "
	  "that you tried to reach does not exist.\",\"bounce_classification\":\"Invalid Address\""),
	S(",\"type\":\"bounce\",\"status\":\"5.1.1\",\"reason\":\"550 5.1.1 User unknown\","
	  "\"bounce_classification\":\"Invalid Address\""),
};
/* Seed 004's forwarded-mailbox bounce first: the one late bounces use. */
static const struct gen_str blocked_fields[] = {
	S(",\"type\":\"blocked\",\"status\":\"5.0.0\",\"reason\":\"552 We failed to deliver mail "
	  "because the volume of recipient's mailbox exceeded the local limit.\","
	  "\"bounce_classification\":\"Unclassified\""),
	S(",\"type\":\"blocked\",\"status\":\"5.7.1\",\"reason\":\"550 5.7.1 Service unavailable; "
	  "client [149.72.134.11] blocked using zen.spamhaus.org\","
	  "\"bounce_classification\":\"Reputation\""),
	S(",\"type\":\"blocked\",\"status\":\"5.7.1\",\"reason\":\"554 5.7.1 Message rejected: "
	  "the content appears to be spam\",\"bounce_classification\":\"Content\""),
};
static const struct gen_str drop_reasons[] = {
	[DROP_BOUNCED] = S("Bounced Address"),
	[DROP_UNSUBSCRIBED] = S("Unsubscribed Address"),
	[DROP_SPAMREPORT] = S("Spam Reporting Address"),
	[DROP_INVALID] = S("Invalid"),
	[DROP_SPAM_CONTENT] = S("Spam Content (if spam checker app enabled)"),
};
static const struct gen_str useragents[] = {
	S("Mozilla/5.0 (iPhone; CPU iPhone OS 11_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15F79"),
	S("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"),
	S("Mozilla/5.0 (Linux; Android 8.0.0; SO-01K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/68.0.3440.91 Mobile Safari/537.36"),
	S("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.10325; Pro)"),
};
static const struct gen_str urls[] = {
	S("https://yasuragi.example/"),
	S("https://yasuragi.example/mypage/reservations"),
	S("https://yasuragi.example/sale?utm_source=sendgrid&utm_medium=email"),
	S("https://yasuragi.example/coupon?utm_source=sendgrid&utm_medium=email&utm_campaign=mail"),
	S("https://yasuragi.example/plans/onsen"),
};
static const char *const hosts[] = { "p3mdw1", "p3las1", "p3iad2", "p1iad2" };
#undef S

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))

int gen_events_init(struct gen_events *e, struct gen_obuf *out, const struct gen_plan *p,
                    uint64_t seed)
{
	memset(e, 0, sizeof *e);
	e->heap = malloc(GEN_EVENT_QUEUE * sizeof *e->heap);
	if (!e->heap)
		return rd_error(RD_E_NOMEM, "out of memory for the event queue (%zu bytes)",
		                (size_t)GEN_EVENT_QUEUE * sizeof *e->heap);
	e->out = out;
	e->plan = p;
	e->id_salt = gen_mix(seed ^ 0x243F6A8885A308D3ull);
	gen_rng_seed(&e->rng, seed, 7);
	return RD_OK;
}

void gen_events_free(struct gen_events *e)
{
	free(e->heap);
	e->heap = NULL;
}

char *gen_put_pid(char *d, uint64_t salt, uint64_t seq, int orphan)
{
	uint64_t hi = gen_mix((seq | (orphan ? 1ull << 62 : 0)) ^ salt);
	return gen_put_id22(d, hi, gen_mix(hi + salt));
}

char *gen_put_key(char *d, uint64_t seq, int orphan)
{
	d = orphan ? GEN_PUTS(d, "crm-") : GEN_PUTS(d, "m");
	return gen_put_u64_pad(d, seq, 10);
}

static char *put_ip(char *d, const char *prefix, size_t n, uint64_t h)
{
	d = gen_put(d, prefix, n);
	d = gen_put_u64(d, (h >> 8) & 255);
	*d++ = '.';
	return gen_put_u64(d, 1 + (h & 0x7f));
}

#define PUT_IP(d, lit, h) put_ip((d), (lit), sizeof(lit) - 1, (h))

/* The part of sg_message_id after the provider message id. */
static char *put_filter(char *d, uint64_t h)
{
	static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint64_t x = h >> 20;

	d = GEN_PUTS(d, ".filterdrecv-");
	d = gen_put(d, hosts[h & 3], 6);
	*d++ = '-';
	d = gen_put_hex(d, h >> 4, 9, 0);
	*d++ = '-';
	for (int i = 0; i < 5; i++) {
		*d++ = b36[x % 36];
		x /= 36;
	}
	*d++ = '-';
	d = gen_put_u64(d, 1 + (h >> 50) % 30);
	*d++ = '-';
	d = gen_put_hex(d, gen_mix(h), 8, 1);
	*d++ = '-';
	d = gen_put_u64(d, (h >> 58) % 40);
	return GEN_PUTS(d, ".0");
}

static void write_event(struct gen_events *e, const struct gen_ev *v)
{
	const struct gen_plan *p = e->plan;
	int orphan = (v->flags & EF_ORPHAN) != 0, bare = (v->flags & EF_BARE) != 0;
	uint64_t mh = gen_mix(v->seq ^ e->id_salt ^ (orphan ? 0x0F0F0F0Full : 0));
	uint64_t eh = gen_mix(v->eid + e->id_salt);
	char *d = gen_obuf_room(e->out);

	*d++ = e->body_n ? ',' : '[';
	d = GEN_PUTS(d, "{\"email\":\"");
	d = gen_put_address(d, v->rcpt, v->pool, (v->flags & EF_UPPER) != 0);
	d = GEN_PUTS(d, "\",\"timestamp\":");
	d = gen_put_i64(d, v->post - v->lag);
	if (!bare && v->kind <= GE_DROPPED) { /* delivery events; engagement ones have none */
		d = GEN_PUTS(d, ",\"smtp-id\":\"<");
		d = gen_put_pid(d, e->id_salt, v->seq, orphan);
		d = GEN_PUTS(d, "@ismtpd0");
		d = gen_put_u64_pad(d, (mh >> 32) % 200, 3);
		d = GEN_PUTS(d, "p1nrt1.sendgrid.net>\"");
	}
	d = GEN_PUTS(d, ",\"event\":\"");
	d = gen_put_str(d, kind_names[v->kind]);
	*d++ = '"';
	if (!bare) {
		if (v->camp == GEN_NO_CAMPAIGN)
			d = GEN_PUTS(d, ",\"category\":\"crm_notification\"");
		else
			d = gen_put_str(d, p->camp[v->camp].category);
	}
	d = GEN_PUTS(d, ",\"sg_event_id\":\"");
	d = gen_put_id22(d, eh, gen_mix(eh ^ v->eid));
	*d++ = '"';
	if (!bare) {
		d = GEN_PUTS(d, ",\"sg_message_id\":\"");
		d = gen_put_pid(d, e->id_salt, v->seq, orphan);
		d = put_filter(d, mh);
		*d++ = '"';
		if (!(v->flags & EF_NO_KEY)) {
			d = GEN_PUTS(d, ",\"msg_key\":\"");
			d = gen_put_key(d, v->seq, orphan);
			*d++ = '"';
		}
	}
	switch (v->kind) {
	case GE_DEFERRED:
		d = GEN_PUTS(d, ",\"response\":\"");
		d = gen_put_str(d, deferred_resp[v->sub % ROWS(deferred_resp)]);
		d = GEN_PUTS(d, "\",\"attempt\":\"");
		d = gen_put_u64(d, v->attempt);
		d = GEN_PUTS(d, "\",\"ip\":\"");
		d = PUT_IP(d, "149.72.", mh);
		d = GEN_PUTS(d, "\",\"tls\":1");
		break;
	case GE_DELIVERED:
		d = GEN_PUTS(d, ",\"response\":\"");
		d = gen_put_str(d, delivered_resp[v->sub % ROWS(delivered_resp)]);
		d = GEN_PUTS(d, "\",\"ip\":\"");
		d = PUT_IP(d, "149.72.", mh);
		d = GEN_PUTS(d, "\",\"tls\":1");
		break;
	case GE_BOUNCE:
		d = gen_put_str(d, bounce_fields[v->sub % ROWS(bounce_fields)]);
		if (!bare) {
			d = GEN_PUTS(d, ",\"ip\":\"");
			d = PUT_IP(d, "149.72.", mh);
			d = GEN_PUTS(d, "\",\"tls\":1");
		}
		break;
	case GE_BLOCKED:
		d = gen_put_str(d, blocked_fields[v->sub % ROWS(blocked_fields)]);
		d = GEN_PUTS(d, ",\"ip\":\"");
		d = PUT_IP(d, "149.72.", mh);
		d = GEN_PUTS(d, "\",\"tls\":1");
		break;
	case GE_DROPPED:
		d = GEN_PUTS(d, ",\"reason\":\"");
		d = gen_put_str(d, drop_reasons[v->sub % ROWS(drop_reasons)]);
		d = GEN_PUTS(d, "\",\"status\":\"5.0.0\"");
		break;
	case GE_OPEN:
	case GE_MACHINE_OPEN:
		d = GEN_PUTS(d, ",\"useragent\":\"");
		d = gen_put_str(d, useragents[v->sub % ROWS(useragents)]);
		d = GEN_PUTS(d, "\",\"ip\":\"");
		d = PUT_IP(d, "126.64.", eh);
		d = GEN_PUTS(d, "\"");
		d = v->kind == GE_OPEN ? GEN_PUTS(d, ",\"sg_machine_open\":false") :
		                         GEN_PUTS(d, ",\"sg_machine_open\":true");
		break;
	case GE_CLICK:
		d = GEN_PUTS(d, ",\"url\":\"");
		d = gen_put_str(d, urls[v->sub % ROWS(urls)]);
		d = GEN_PUTS(d, "\",\"url_offset\":{\"index\":0,\"type\":\"html\"},\"useragent\":\"");
		d = gen_put_str(d, useragents[(v->sub >> 3) % ROWS(useragents)]);
		d = GEN_PUTS(d, "\",\"ip\":\"");
		d = PUT_IP(d, "126.64.", eh);
		*d++ = '"';
		break;
	case GE_GROUP_UNSUBSCRIBE:
		d = GEN_PUTS(d, ",\"asm_group_id\":");
		d = gen_put_u64(d, 101 + v->sub % 4);
		d = GEN_PUTS(d, ",\"useragent\":\"");
		d = gen_put_str(d, useragents[0]);
		d = GEN_PUTS(d, "\",\"ip\":\"");
		d = PUT_IP(d, "126.64.", eh);
		*d++ = '"';
		break;
	default: /* processed, spamreport, unsubscribe: nothing more */
		break;
	}
	*d++ = '}';
	gen_obuf_done(e->out, d);
}

static void body_close(struct gen_events *e)
{
	if (!e->body_n)
		return;
	char *d = gen_obuf_room(e->out);
	d = GEN_PUTS(d, "]\n");
	gen_obuf_done(e->out, d);
	e->body_n = 0;
	e->bodies++;
}

static void emit(struct gen_events *e, const struct gen_ev *v)
{
	if (e->body_n && (e->body_n >= e->body_target || v->post - e->body_first > BODY_SPAN))
		body_close(e);
	if (!e->body_n) {
		/* SendGrid batches what it has: often a few events, up to 500. */
		e->body_target = gen_rng_below(&e->rng, 5) == 0 ? 1 + gen_rng_below(&e->rng, 20) :
		                                                   1 + gen_rng_below(&e->rng, GEN_BODY_MAX);
		e->body_first = v->post;
	}
	write_event(e, v);
	e->body_n++;
	e->written++;
}

/* Heap order: post time, then event number (unique per queued event, except
 * a re-post of the same event, which is identical). */
static int before(const struct gen_ev *a, const struct gen_ev *b)
{
	return a->post != b->post ? a->post < b->post : a->eid < b->eid;
}

static void pop(struct gen_events *e, struct gen_ev *out)
{
	struct gen_ev *h = e->heap;
	*out = h[0];
	struct gen_ev last = h[--e->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= e->n)
			break;
		if (c + 1 < e->n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (e->n)
		h[i] = last;
}

void gen_events_push(struct gen_events *e, const struct gen_ev *ev)
{
	struct gen_ev *h = e->heap;
	if (e->n == GEN_EVENT_QUEUE) {
		struct gen_ev first;
		pop(e, &first);
		emit(e, &first);
	}
	size_t i = e->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(ev, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = *ev;
}

void gen_events_drain(struct gen_events *e, int64_t t)
{
	struct gen_ev v;
	while (e->n && e->heap[0].post <= t) {
		pop(e, &v);
		emit(e, &v);
	}
}

void gen_events_finish(struct gen_events *e)
{
	gen_events_drain(e, INT64_MAX);
	body_close(e);
}
