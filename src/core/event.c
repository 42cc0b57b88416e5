#include "redrive/event.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "redrive/hash.h"

static const char *const kind_names[RD_EV_COUNT] = {
#define RD_EVENT_NAME(name, code, text) [code] = (text),
	RD_EVENT_LIST(RD_EVENT_NAME)
#undef RD_EVENT_NAME
};

const char *event_kind_name(int kind)
{
	return kind >= 0 && kind < RD_EV_COUNT ? kind_names[kind] : kind_names[RD_EV_OTHER];
}

int event_kind_from_name(const char *s, size_t n)
{
	if (!s)
		return RD_EV_OTHER;
	for (int k = 1; k < RD_EV_COUNT; k++)
		if (strlen(kind_names[k]) == n && memcmp(kind_names[k], s, n) == 0)
			return k;
	return RD_EV_OTHER;
}

int event_btype_from_name(int kind, const char *s, size_t n)
{
	if (kind != RD_EV_BOUNCE)
		return RD_BT_NONE;
	if (s && n == 7 && memcmp(s, "blocked", 7) == 0)
		return RD_BT_BLOCKED;
	return RD_BT_BOUNCE;
}

/* The reasons SendGrid gives when it drops mail for a suppressed address. */
static const struct {
	const char *reason;
	const char *source;
} drop_reasons[] = {
	{ "Bounced Address", "bounce" },
	{ "Unsubscribed Address", "unsubscribe" },
	{ "Spam Reporting Address", "spamreport" },
	{ "Invalid", "invalid" },
};

const char *event_suppression(int kind, int btype, const char *reason)
{
	switch (kind) {
	case RD_EV_BOUNCE:
		return btype == RD_BT_BLOCKED ? NULL : "bounce";
	case RD_EV_SPAMREPORT:
		return "spamreport";
	case RD_EV_UNSUBSCRIBE:
		return "unsubscribe";
	case RD_EV_DROPPED:
		if (!reason)
			return NULL;
		for (size_t i = 0; i < sizeof drop_reasons / sizeof drop_reasons[0]; i++)
			if (strncasecmp(reason, drop_reasons[i].reason, strlen(drop_reasons[i].reason)) == 0)
				return drop_reasons[i].source;
		return NULL;
	default:
		return NULL;
	}
}

static void field(struct hash64_state *h, struct rd_span s)
{
	hash64_field(h, s.p, s.p ? s.n : 0);
}

uint64_t event_content_hash(struct rd_span msg_key, struct rd_span sg_message_id, struct rd_span email,
                            struct rd_span event, struct rd_span type, struct rd_span attempt,
                            struct rd_span url, int64_t ts)
{
	struct hash64_state h;
	hash64_init(&h, 0x7265647269766531ull); /* "redrive1" */
	field(&h, msg_key);
	field(&h, sg_message_id);
	field(&h, email);
	field(&h, event);
	field(&h, type);
	field(&h, attempt);
	field(&h, url);
	hash64_u64(&h, (uint64_t)ts);
	return hash64_final(&h);
}
