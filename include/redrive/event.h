/* event.h — provider events: kinds, bounce types, suppression rules, and the
 * parsed form of one webhook event (pure).
 */
#ifndef REDRIVE_EVENT_H
#define REDRIVE_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* _(NAME, stored code, webhook name).  Codes are stored: never renumber. */
#define RD_EVENT_LIST(_)                                   \
	_(OTHER,             0, "other")                   \
	_(PROCESSED,         1, "processed")               \
	_(DEFERRED,          2, "deferred")                \
	_(DELIVERED,         3, "delivered")               \
	_(BOUNCE,            4, "bounce")                  \
	_(DROPPED,           5, "dropped")                 \
	_(OPEN,              6, "open")                    \
	_(CLICK,             7, "click")                   \
	_(SPAMREPORT,        8, "spamreport")              \
	_(UNSUBSCRIBE,       9, "unsubscribe")             \
	_(GROUP_UNSUBSCRIBE, 10, "group_unsubscribe")      \
	_(GROUP_RESUBSCRIBE, 11, "group_resubscribe")

enum rd_event_kind {
#define RD_EVENT_ENUM(name, code, text) RD_EV_##name = (code),
	RD_EVENT_LIST(RD_EVENT_ENUM)
#undef RD_EVENT_ENUM
	RD_EV_COUNT
};

enum rd_bounce_type {
	RD_BT_NONE = 0,
	RD_BT_BOUNCE = 1,   /* hard bounce: the address is suppressed */
	RD_BT_BLOCKED = 2   /* blocked: the provider tries again later; not a suppression */
};

/* Webhook name of a kind ("other" for RD_EV_OTHER). */
const char *event_kind_name(int kind);
/* Kind for a webhook event name (n bytes); RD_EV_OTHER when unknown. */
int event_kind_from_name(const char *s, size_t n);
/* Bounce type from the event's "type" field (NULL or absent: a bounce event
 * without a type is a hard bounce, as in SendGrid's older payloads). */
int event_btype_from_name(int kind, const char *s, size_t n);

/* The suppression an event creates for its recipient, or NULL:
 * "bounce" (hard bounce), "spamreport", "unsubscribe", "invalid" (a drop
 * because the address is invalid), or the list a drop names ("Bounced
 * Address" -> "bounce", "Unsubscribed Address" -> "unsubscribe", "Spam
 * Reporting Address" -> "spamreport").  A blocked bounce is not one. */
const char *event_suppression(int kind, int btype, const char *reason);

/* A parsed webhook event.  All strings are NUL terminated and borrowed from
 * the import batch that holds the event. */
struct rd_event {
	int64_t ts;            /* "timestamp", Unix seconds */
	int64_t batch;         /* custom arg "redrive_batch", 0 when absent */
	uint64_t content_h;    /* identity by content (event_content_hash) */
	uint64_t eid_h;        /* hash of sg_event_id, when has_eid */
	int has_eid;
	uint8_t kind;
	uint8_t btype;
	const char *email;     /* recipient, lowercased */
	const char *msg_key;   /* custom arg "msg_key", or NULL */
	const char *pid;       /* sg_message_id up to its first '.', or NULL */
	const char *reason;    /* "reason", else "response", or NULL */
	const char *raw;       /* the record exactly as it came */
	size_t raw_len;
	uint64_t line;         /* where it came from, for messages */
	int64_t key_msg_id;    /* the message msg_key names, found ahead (0: not known) */
};

/* A piece of text that need not be NUL terminated; p == NULL: absent. */
struct rd_span {
	const char *p;
	size_t n;
};

/* Identity by content (SPEC §1): the message reference (msg_key custom arg
 * and sg_message_id), recipient (lowercased by the caller), event, type,
 * attempt, url and timestamp.  An absent field differs from an empty one. */
uint64_t event_content_hash(struct rd_span msg_key, struct rd_span sg_message_id, struct rd_span email,
                            struct rd_span event, struct rd_span type, struct rd_span attempt,
                            struct rd_span url, int64_t ts);

#endif
