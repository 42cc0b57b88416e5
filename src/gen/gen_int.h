/* gen_int.h — private to src/gen: the generator's random numbers, output
 * buffers, record pieces, campaign catalogue, plan (incidents and send
 * schedules), webhook event queue and the truth tally.
 *
 * The files and their jobs:
 *   gen.c          gen_run: options, the time loop, each message's fate
 *   gen_out.c      output buffers and the JSON pieces (numbers, times, ids)
 *   gen_catalog.c  the campaign catalogue and recipient addresses
 *   gen_plan.c     incident placement, campaign schedules, traffic weights
 *   gen_events.c   the webhook event queue and event records
 *   gen_truth.c    the expected report per incident
 */
#ifndef REDRIVE_GEN_INT_H
#define REDRIVE_GEN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "redrive/gen.h"

struct tz;

/* ---- random numbers ------------------------------------------------------ */

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64.  Integer
 * arithmetic only, so the same seed gives the same stream on every machine. */
struct gen_rng {
	uint64_t s[4];
};

/* Seeds stream `stream` of `seed`: different streams are independent. */
void gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n), n > 0 (multiply-shift; the bias is below 2^-32). */
static inline uint32_t gen_rng_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi], hi - lo < 2^32. */
static inline int64_t gen_rng_range(struct gen_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)gen_rng_below(r, (uint32_t)(hi - lo + 1));
}

/* 1 with probability ppm / 1,000,000. */
static inline int gen_rng_ppm(struct gen_rng *r, uint32_t ppm)
{
	return gen_rng_below(r, 1000000) < ppm;
}

/* splitmix64's finaliser: a bijection on 64 bits, so distinct inputs give
 * distinct outputs (the ids below rely on that for uniqueness). */
static inline uint64_t gen_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline int64_t gen_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ---- output -------------------------------------------------------------- */

/* Bytes buffered per sink before a write. */
#define GEN_OBUF_CAP (1u << 20)
/* No single record piece we write (one send-log row, one event) is longer;
 * callers ask for this much room before writing one. */
#define GEN_RECORD_MAX 8192

/* A sink with its buffer.  Write errors are remembered (err) and reported
 * once at the end; the data of a failed write is dropped. */
struct gen_obuf {
	FILE *f;
	char *p;
	size_t len;
	int err;
};

/* Allocates the buffer; RD_E_NOMEM on failure (recorded).  f may be NULL:
 * everything written is then discarded. */
int gen_obuf_init(struct gen_obuf *b, FILE *f);
void gen_obuf_free(struct gen_obuf *b);
/* Writes out what is buffered and fflush()es the stream; RD_OK, or RD_E_IO
 * (recorded, naming `what`) when any write to this sink failed. */
int gen_obuf_finish(struct gen_obuf *b, const char *what);
void gen_obuf_spill(struct gen_obuf *b);

/* At least GEN_RECORD_MAX writable bytes; commit with gen_obuf_done. */
static inline char *gen_obuf_room(struct gen_obuf *b)
{
	if (GEN_OBUF_CAP - b->len < GEN_RECORD_MAX)
		gen_obuf_spill(b);
	return b->p + b->len;
}

static inline void gen_obuf_done(struct gen_obuf *b, const char *end)
{
	b->len = (size_t)(end - b->p);
}

static inline char *gen_put(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}

/* For string literals only. */
#define GEN_PUTS(d, lit) gen_put((d), (lit), sizeof(lit) - 1)

/* A piece of text: already JSON-escaped where the comment says so. */
struct gen_str {
	const char *p;
	size_t n;
};

static inline char *gen_put_str(char *d, struct gen_str s)
{
	return gen_put(d, s.p, s.n);
}

char *gen_put_u64(char *d, uint64_t v);
char *gen_put_i64(char *d, int64_t v);
/* v in exactly `width` decimal digits, zero padded (v < 10^width). */
char *gen_put_u64_pad(char *d, uint64_t v, int width);
/* `digits` hex digits of the low bits of v. */
char *gen_put_hex(char *d, uint64_t v, int digits, int upper);
/* 22 base64url characters: the 128 bits hi:lo as SendGrid ids look. */
char *gen_put_id22(char *d, uint64_t hi, uint64_t lo);
/* JSON string content of s (n bytes, UTF-8), without the quotes; at most
 * 6 * n bytes are written. */
char *gen_put_escaped(char *d, const char *s, size_t n);

/* Local-time formatting with a small cache (the offset per hour, the date
 * text per day). */
struct gen_clock {
	const struct tz *z;
	int64_t hour;      /* t / 3600 the offset below is for; INT64_MIN: none */
	int32_t off;
	int64_t day;       /* local day the date text is for */
	char date[11];     /* "YYYY-MM-DD" */
	char offs[6];      /* "+09:00" */
};

void gen_clock_init(struct gen_clock *c, const struct tz *z);
int32_t gen_clock_offset(struct gen_clock *c, int64_t t);
/* "YYYY-MM-DDTHH:MM:SS+09:00" (no quotes), in the clock's zone. */
char *gen_put_local(struct gen_clock *c, char *d, int64_t t);

/* ---- the campaign catalogue (gen_catalog.c) ----------------------------- */

enum gen_kind { GEN_TRANSACTIONAL, GEN_TRIGGER, GEN_BATCH };

/* How a campaign sends. */
enum gen_plan_kind {
	PLAN_CONTINUOUS, /* trigger and transactional mail: all day, every day */
	PLAN_ONCE,       /* one batch send */
	PLAN_DAILY,      /* a batch every day at a local time */
	PLAN_WEEKLY,     /* a batch every week on a weekday */
	PLAN_FUTURE,     /* scheduled after now: nothing sent yet */
	PLAN_DRAFT       /* never scheduled */
};

/* The part a campaign plays in the incidents (seed documents). */
enum gen_role {
	ROLE_NONE,
	ROLE_BOOKING,        /* 003: the booking confirmations the API failed */
	ROLE_AMQ_TRIGGER,    /* 000: the trigger campaign lost in the queue */
	ROLE_AMQ_LOST,       /* 000: the batch campaign lost entirely */
	ROLE_AMQ_PARTIAL,    /* 000: the batch campaign lost in part */
	ROLE_STOP_ONCE,      /* 001: one-shot campaign stopped, never executed */
	ROLE_STOP_RECURRING  /* 001: recurring campaign stopped, never executed */
};

enum gen_status { ST_DRAFT, ST_SCHEDULED, ST_RUNNING, ST_STOPPED, ST_DONE };

struct gen_campaign_def {
	const char *name;
	uint8_t kind;      /* enum gen_kind */
	uint8_t plan;      /* enum gen_plan_kind */
	uint8_t role;      /* enum gen_role */
	uint8_t required;  /* always in the data set */
	uint8_t hour, minute, minutes; /* batch: local start and length of a send */
	uint8_t dow;       /* weekly: 0 = Sunday */
	uint16_t weight;   /* continuous: share of the base traffic; batch: size per minute */
	const char *email_name;
	const char *subject; /* may contain "{N}" once: a per-message number */
};

extern const struct gen_campaign_def gen_campaign_defs[];
extern const size_t gen_campaign_ndefs;

const char *gen_kind_name(int kind);
const char *gen_status_name(int status);

/* Recipient pools share one id space: normal [0, normal), bad
 * [normal, normal + bad), then one-message recipients for bare bounces. */
enum gen_pool { POOL_NORMAL, POOL_BAD, POOL_SINGLE };

/* Writes the address of recipient `id` (no quotes, ASCII, at most 64 bytes,
 * nothing to escape).  Distinct ids (below 10^9) give distinct addresses;
 * `upper` gives the same address in another letter case
 * ("Taro.Sato12@Gmail.com"). */
char *gen_put_address(char *d, uint32_t id, int pool, int upper);

/* ---- the plan: incidents, campaigns, traffic (gen_plan.c) ---------------- */

#define GEN_MAX_CAMPAIGNS 64
#define GEN_CAMPAIGN_TEXT 2048

enum gen_incident_kind { INC_AMQ, INC_DB, INC_API, INC_MAILSYS, INC_KINDS };

struct gen_campaign {
	const struct gen_campaign_def *def;
	int status;           /* enum gen_status */
	int plan;             /* effective enum gen_plan_kind */
	int64_t once_start;   /* PLAN_ONCE: the send [once_start, once_end), UTC */
	int64_t once_end;
	int64_t last_day;     /* recurring: no sends after this local day number */
	int start_min;        /* recurring: local minute of day of the send */
	/* Pre-built, JSON-escaped pieces, pointing into text[]: */
	struct gen_str name;        /* the name, escaped, no quotes */
	struct gen_str log_mid;     /* ","campaign":"…","email_name":"…","recipient":" */
	struct gen_str subj_pre;    /* subject before the number (escaped) */
	struct gen_str subj_post;   /* subject after the number; subj_num = 0 without */
	struct gen_str pay_subj;    /* "}}],"from":{…},"subject":" */
	struct gen_str pay_tail;    /* ","content":[…]} */
	struct gen_str category;    /* ,"category":… */
	int subj_num;               /* digits of the per-message number, 0 = none */
	char text[GEN_CAMPAIGN_TEXT];
};

struct gen_plan {
	const struct tz *z;
	int64_t now;
	int64_t start;        /* now - days */
	int64_t phase_end;    /* bad recipients' first messages are sent before this */
	struct gen_incident inc[GEN_MAX_INCIDENTS];
	int inc_kind[GEN_MAX_INCIDENTS];
	size_t ninc;
	int at[INC_KINDS];    /* index into inc of each kind, -1 when not placed */
	int64_t db_day;       /* local day number of the seed 001 window */
	struct gen_campaign camp[GEN_MAX_CAMPAIGNS];
	size_t ncamp;
	size_t booking;       /* campaign index of the ROLE_BOOKING campaign */
	uint64_t burst_scale; /* weight per minute of one unit of batch size */
};

/* Places the incidents that fit into [start, now] (SPEC seeds). */
void gen_plan_incidents(struct gen_plan *p);
/* Chooses 30..60 campaigns, their statuses and send times, and builds their
 * record pieces.  Returns RD_OK or RD_E_FAIL (a piece did not fit; recorded). */
int gen_plan_campaigns(struct gen_plan *p, struct gen_rng *r);
/* 1 if t is in any window of incident kind k. */
int gen_plan_in(const struct gen_plan *p, int k, int64_t t);
/* The window of incident kind k that holds t, or NULL. */
const struct rd_window *gen_plan_window(const struct gen_plan *p, int k, int64_t t);
/* 1 if t is in a window of any incident. */
int gen_plan_in_any(const struct gen_plan *p, int64_t t);

/* The traffic of one minute: continuous weight, batch size, and the
 * cumulative pick table for its campaigns. */
struct gen_slot {
	uint64_t cont;        /* sum of continuous weights */
	uint64_t size;        /* sum of batch sizes sending this minute */
	uint64_t total;       /* cont + burst_scale * size */
	size_t n;
	uint64_t cum[GEN_MAX_CAMPAIGNS];
	uint8_t idx[GEN_MAX_CAMPAIGNS];
};

/* Fills s for the minute starting at t0 (UTC).  With pick == 0 only cont and
 * size are computed (the first pass). */
void gen_plan_slot(const struct gen_plan *p, int64_t t0, int pick, struct gen_slot *s);

/* ---- webhook events (gen_events.c) --------------------------------------- */

enum gen_ev_kind {
	GE_PROCESSED, GE_DEFERRED, GE_DELIVERED, GE_BOUNCE, GE_BLOCKED, GE_DROPPED,
	GE_OPEN, GE_CLICK, GE_SPAMREPORT, GE_UNSUBSCRIBE, GE_GROUP_UNSUBSCRIBE,
	GE_MACHINE_OPEN /* a type we do not know: importers must keep it */
};

/* Drop reasons (sub of GE_DROPPED). */
enum gen_drop {
	DROP_BOUNCED, DROP_UNSUBSCRIBED, DROP_SPAMREPORT, DROP_INVALID, DROP_SPAM_CONTENT
};

enum gen_ev_flag {
	EF_NO_KEY = 1,   /* no msg_key: matched by sg_message_id */
	EF_BARE = 2,     /* neither msg_key nor sg_message_id: matched by recipient */
	EF_ORPHAN = 4,   /* another application's mail: seq is the orphan number */
	EF_UPPER = 8     /* recipient written in its other letter case */
};

#define GEN_NO_CAMPAIGN 0xFF

struct gen_ev {
	int64_t post;      /* when the provider posts it: the queue order */
	uint32_t seq;      /* message number (msg_key, provider ids); < 2^32 as messages <= 10^8 */
	uint32_t eid;      /* event number (sg_event_id); a few per message, < 2^32 */
	uint32_t rcpt;
	uint16_t lag;      /* post - "timestamp", seconds */
	uint8_t camp;      /* campaign index or GEN_NO_CAMPAIGN */
	uint8_t kind;      /* enum gen_ev_kind */
	uint8_t sub;       /* reason / response / url variant */
	uint8_t attempt;   /* deferred: 1..5 */
	uint8_t flags;     /* enum gen_ev_flag */
	uint8_t pool;      /* enum gen_pool of rcpt */
};

/* Events wait in a min-heap by post time until every message that could post
 * earlier has been generated; its size is capped (GEN_EVENT_QUEUE, 4 MB) so
 * memory stays flat: when full, the earliest event is written at once, so
 * very dense data (roughly > 1M messages a day) comes out less well ordered:
 * some events then arrive after later ones, as retried posts do. */
#define GEN_EVENT_QUEUE (1u << 17)
#define GEN_BODY_MAX 500

struct gen_events {
	struct gen_ev *heap;
	size_t n;
	struct gen_obuf *out;
	const struct gen_plan *plan;
	struct gen_rng rng;       /* body sizes */
	uint64_t id_salt;         /* makes ids depend on the seed */
	size_t body_n;            /* events in the open body, 0 = none open */
	size_t body_target;
	int64_t body_first;       /* post time of its first event */
	uint64_t written;         /* events written */
	uint64_t bodies;          /* bodies written */
};

int gen_events_init(struct gen_events *e, struct gen_obuf *out, const struct gen_plan *p,
                    uint64_t seed);
void gen_events_free(struct gen_events *e);
void gen_events_push(struct gen_events *e, const struct gen_ev *ev);
/* Writes every queued event posted at or before t. */
void gen_events_drain(struct gen_events *e, int64_t t);
/* Writes everything left and closes the last body. */
void gen_events_finish(struct gen_events *e);

/* The provider message id of message seq (22 characters); orphans use
 * another part of the id space, so ids never collide. */
char *gen_put_pid(char *d, uint64_t salt, uint64_t seq, int orphan);
/* The msg_key of message seq ("m" and 10 digits, in time order), or of an
 * orphan ("crm-" and 10 digits: another application's key). */
char *gen_put_key(char *d, uint64_t seq, int orphan);

/* ---- the expected report (gen_truth.c) ------------------------------------ */

/* SPEC §1's default grace period: pending longer than this is stale. */
#define GEN_GRACE 600

/* Message states (the SPEC §1 names, in report order). */
enum gen_state { GS_DELIVERED, GS_PENDING, GS_BOUNCED, GS_BLOCKED, GS_DROPPED, GS_DEAD, GS_QUEUED };

struct gen_tally {
	uint64_t sent, delivered, pending, deferred, bounced, blocked, dropped, dead, queued,
		affected;
};

struct gen_truth {
	struct gen_tally t[GEN_MAX_INCIDENTS][GEN_MAX_CAMPAIGNS];
	uint8_t seen[GEN_MAX_INCIDENTS][GEN_MAX_CAMPAIGNS];
};

/* Counts one in-incident message. */
void gen_truth_add(struct gen_truth *t, size_t inc, size_t camp, int state, int sent,
                   int deferred, int stale, int suppressed);
/* One JSON object per incident (see gen.h); RD_OK or RD_E_IO. */
int gen_truth_write(FILE *f, const struct gen_plan *p, const struct gen_truth *t);

#endif
