/* state.h — message states, flags and the "affected" rule (SPEC §1).
 *
 * Pure.  This is the only implementation of these rules: the store registers
 * state_is_stale and state_is_affected as SQL functions so that SQL filters,
 * the report, the dashboard and the requeue selection all use this code.
 */
#ifndef REDRIVE_STATE_H
#define REDRIVE_STATE_H

#include <stddef.h>
#include <stdint.h>

/* _(NAME, code stored in the store, name in output).  Codes are stored: never renumber. */
#define RD_STATE_LIST(_)          \
	_(QUEUED,    0, "queued")    \
	_(PENDING,   1, "pending")   \
	_(DELIVERED, 2, "delivered") \
	_(BOUNCED,   3, "bounced")   \
	_(BLOCKED,   4, "blocked")   \
	_(DROPPED,   5, "dropped")   \
	_(DEAD,      6, "dead")      \
	_(REQUEUED,  7, "requeued")

enum rd_state {
#define RD_STATE_ENUM(name, code, text) RD_STATE_##name = (code),
	RD_STATE_LIST(RD_STATE_ENUM)
#undef RD_STATE_ENUM
	RD_STATE_COUNT
};

/* Flags.  Stored in messages.flags unless marked otherwise. */
enum rd_flag {
	RD_FLAG_LATE_BOUNCE = 1 << 0, /* delivered, and a bounce/blocked event exists too */
	RD_FLAG_DEFERRED    = 1 << 1, /* pending with deferred events */
	RD_FLAG_STALE       = 1 << 2, /* never stored (depends on now): pending past the grace period */
	RD_FLAG_SUPPRESSED  = 1 << 3  /* the recipient is on a suppression list (a copy of
	                                 recipients.suppressed, kept with each message so counts
	                                 need no join) */
};

/* The flags state_derive decides; the others are kept by the store. */
#define RD_FLAGS_DERIVED (RD_FLAG_LATE_BOUNCE | RD_FLAG_DEFERRED)

#define RD_GRACE_DEFAULT (10 * 60)

/* "delivered" etc.; NULL for an unknown code. */
const char *state_name(int state);
/* The code for a name, or -1. */
int state_from_name(const char *name);
/* Writes the names of the set flags, comma separated ("late_bounce,stale"), into out. */
void state_flags_text(int flags, char *out, size_t outlen);
/* Calls fn for each set flag's name, in a fixed order. */
void state_flags_each(int flags, void (*fn)(const char *name, void *arg), void *arg);

/* The instant from which a pending message is waiting: the requeue time when
 * it was requeued, else t_at — the send time, or for mail the provider has
 * (it sent events) but the send log never marked sent, the queue time. */
int64_t state_pending_since(int64_t t_at, int has_requeue, int64_t requeued_at);

/* SPEC §1: pending and now - since > grace. */
int state_is_stale(int state, int64_t since, int64_t now, int64_t grace);

/* Lost: the mail did not arrive and nothing will deliver it on its own —
 * queued, dead, or pending past the grace period (stale). */
int state_is_lost(int state, int stale);

/* SPEC §1 "Affected": in-incident (the caller's window test) messages that
 * are lost and whose recipient is not suppressed. */
int state_is_affected(int state, int stale, int suppressed);

/* What state derivation needs of one event of the message. */
struct state_event {
	int64_t ts;
	uint64_t content_h;  /* tie-break, so the result never depends on arrival order */
	int64_t batch;       /* 0: the original send; else the requeue batch of the attempt */
	uint8_t kind;        /* enum rd_event_kind */
	uint8_t btype;       /* enum rd_bounce_type */
};

/* What state derivation needs of the message itself. */
struct state_message {
	int has_sent;         /* sent_at is set */
	int dead;             /* dead-lettered by the application */
	int64_t requeue_batch; /* 0 unless requeued */
};

struct state_result {
	int state;            /* enum rd_state */
	int flags;            /* stored flags only */
	long last;            /* index into the events of the latest event, -1 if none */
	long reason;          /* index of the event whose reason explains the state, -1 if none */
};

/* Derives the one state of a message from the message and the set of its
 * events, in any order (the result is the same for every permutation).
 * events may be NULL when n == 0. */
void state_derive(const struct state_message *m, const struct state_event *ev, size_t n,
                  struct state_result *out);

#endif
