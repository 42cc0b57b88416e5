/* import_events.c — webhook events: a parser thread and a store writer.
 *
 * The parser thread splits the input (jsonstream), reads the fields it needs
 * from each record (event_parse), checks them, and packs them into a batch; rejects go
 * to the rejects file from this thread.  The calling thread applies full
 * batches to the store.  Three batches circulate, so parsing and writing
 * overlap on two cores while memory stays bounded by RD_IMPORT_BATCH events /
 * RD_IMPORT_BATCH_BYTES bytes per batch.  The parser thread also looks up
 * the message each msg_key names, on a read-only connection of its own
 * (store_events_prematch): the writer is the busier thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "import_input.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/event.h"
#include "redrive/event_parse.h"
#include "redrive/hash.h"
#include "redrive/jsonstream.h"
#include "redrive/limits.h"
#include "redrive/rejects.h"
#include "redrive/store.h"
#include "redrive/store_ingest.h"
#include "redrive/store_watch.h"

#define NBATCH 3
#define NO_TEXT SIZE_MAX

/* The strings of one event, as offsets into the batch's text until the batch is full. */
enum { T_EMAIL, T_KEY, T_PID, T_REASON, T_RAW, T_COUNT };

struct batch {
	struct rd_event *ev;
	size_t (*off)[T_COUNT];
	size_t n;
	struct buf text;
	uint64_t seq;
	enum { B_FREE, B_FULL } state;
};

struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch b[NBATCH];
	uint64_t next_fill, next_apply;
	int reader_done;
	int stop;                /* the writer failed: the reader stops early */
	int reader_rc;
	char reader_err[1024];
	FILE *in;
	struct store *rs;        /* the parser thread's read-only connection, or NULL */
	struct rejects *rej;
	uint64_t read_bytes;
};

/* ---- one record -------------------------------------------------------------- */

static size_t add_text(struct batch *b, const char *s, size_t n)
{
	size_t off = b->text.len;
	if (buf_add(&b->text, s, n) || buf_addc(&b->text, '\0'))
		return NO_TEXT;
	return off;
}

/* Checks one event and packs it into b; returns a reason to reject it, or
 * NULL.  scratch holds at least raw_len bytes. */
static const char *pack(struct batch *b, const char *raw, size_t raw_len, char *scratch)
{
	struct ev_fields f;
	const char *why = event_parse(raw, raw_len, scratch, &f);
	if (why)
		return why;

	struct rd_event *e = &b->ev[b->n];
	size_t *off = b->off[b->n];
	memset(e, 0, sizeof *e);
	e->ts = f.timestamp;
	e->kind = (uint8_t)event_kind_from_name(f.event.p, f.event.n);
	e->btype = (uint8_t)event_btype_from_name(e->kind, f.type.p, f.type.n);
	e->batch = f.redrive_batch;
	if (f.sg_event_id.p && f.sg_event_id.n) {
		e->has_eid = 1;
		e->eid_h = hash64(f.sg_event_id.p, f.sg_event_id.n, 0x6576656e74696431ull);
	}

	/* the recipient, lowercased for matching and identity */
	off[T_EMAIL] = add_text(b, f.email.p, f.email.n);
	if (off[T_EMAIL] == NO_TEXT)
		return "out of memory";
	char *lower = b->text.p + off[T_EMAIL];
	for (char *c = lower; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	e->content_h = event_content_hash(f.msg_key, f.sg_message_id, (struct rd_span){ lower, f.email.n },
	                                  f.event, f.type, f.attempt, f.url, e->ts);

	off[T_KEY] = f.msg_key.p && f.msg_key.n ? add_text(b, f.msg_key.p, f.msg_key.n) : NO_TEXT;
	size_t plen = 0;
	while (f.sg_message_id.p && plen < f.sg_message_id.n && f.sg_message_id.p[plen] != '.')
		plen++;
	off[T_PID] = plen ? add_text(b, f.sg_message_id.p, plen) : NO_TEXT;
	struct rd_span reason = f.reason.p ? f.reason : f.response;
	if (reason.n > RD_MAX_TEXT_FIELD)
		reason.n = RD_MAX_TEXT_FIELD;
	off[T_REASON] = reason.p && reason.n ? add_text(b, reason.p, reason.n) : NO_TEXT;
	off[T_RAW] = add_text(b, raw, raw_len);
	e->raw_len = raw_len;
	if (off[T_RAW] == NO_TEXT)
		return "out of memory";
	b->n++;
	return NULL;
}

/* Turns the batch's offsets into pointers once its text no longer moves. */
static void seal(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct rd_event *e = &b->ev[i];
		size_t *off = b->off[i];
		e->email = b->text.p + off[T_EMAIL];
		e->msg_key = off[T_KEY] == NO_TEXT ? NULL : b->text.p + off[T_KEY];
		e->pid = off[T_PID] == NO_TEXT ? NULL : b->text.p + off[T_PID];
		e->reason = off[T_REASON] == NO_TEXT ? NULL : b->text.p + off[T_REASON];
		e->raw = b->text.p + off[T_RAW];
	}
}

/* ---- the parser thread --------------------------------------------------------- */

static struct batch *take_free(struct pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		for (int i = 0; i < NBATCH; i++)
			if (p->b[i].state == B_FREE && p->b[i].seq == 0) {
				p->b[i].seq = ++p->next_fill;
				pthread_mutex_unlock(&p->mu);
				p->b[i].n = 0;
				buf_reset(&p->b[i].text);
				return &p->b[i];
			}
		pthread_cond_wait(&p->cv, &p->mu);
	}
}

static void hand_over(struct pipeline *p, struct batch *b)
{
	seal(b);
	if (p->rs && store_events_prematch(p->rs, b->ev, b->n) != RD_OK) {
		/* only a head start: the writer matches whatever is not found */
		for (size_t i = 0; i < b->n; i++)
			b->ev[i].key_msg_id = 0;
		store_close(p->rs);
		p->rs = NULL;
	}
	pthread_mutex_lock(&p->mu);
	b->state = B_FULL;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void reader_fail(struct pipeline *p, int rc)
{
	pthread_mutex_lock(&p->mu);
	p->reader_rc = rc;
	snprintf(p->reader_err, sizeof p->reader_err, "%s", rd_error_message());
	pthread_mutex_unlock(&p->mu);
}

static int reject(struct pipeline *p, const struct js_record *rec, const char *why)
{
	int rc = rejects_add(p->rej, rec->index, rec->line, rec->byte, why, rec->p, rec->n);
	return rc == RD_E_NOMEM ? rc : RD_OK; /* an unwritable rejects file is reported at the end */
}

static void *reader(void *arg)
{
	struct pipeline *p = arg;
	struct jsonstream *js = jsonstream_new(p->in, RD_MAX_JSON_RECORD);
	struct batch *b = NULL;
	struct js_record rec;
	struct buf scratch = BUF_INIT; /* decoded strings of one record */
	int r, rc = js ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");

	while (!rc && (r = jsonstream_next(js, &rec)) != 0) {
		if (r == -2) {
			rc = rd_error(RD_E_IO, "reading the events: %s", strerror(errno));
			break;
		}
		if (r == -1) {
			rc = reject(p, &rec, jsonstream_error(js));
			continue;
		}
		if (!b && !(b = take_free(p)))
			break;
		if (buf_reserve(&scratch, rec.n)) {
			rc = rd_error(RD_E_NOMEM, "out of memory");
			break;
		}
		const char *why = pack(b, rec.p, rec.n, scratch.p);
		if (why)
			rc = reject(p, &rec, why);
		if (b->n == RD_IMPORT_BATCH || b->text.len >= RD_IMPORT_BATCH_BYTES) {
			hand_over(p, b);
			b = NULL;
		}
	}
	if (js)
		p->read_bytes = jsonstream_offset(js);
	if (b)
		hand_over(p, b);
	jsonstream_free(js);
	buf_free(&scratch);
	if (rc)
		reader_fail(p, rc);
	pthread_mutex_lock(&p->mu);
	p->reader_done = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* ---- the writer (calling thread) ------------------------------------------------- */

/* The next full batch in order, or NULL when the reader is done. */
static struct batch *take_full(struct pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (int i = 0; i < NBATCH; i++)
			if (p->b[i].state == B_FULL && p->b[i].seq == p->next_apply + 1) {
				pthread_mutex_unlock(&p->mu);
				return &p->b[i];
			}
		if (p->reader_done && p->next_apply == p->next_fill) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
}

static void give_back(struct pipeline *p, struct batch *b)
{
	pthread_mutex_lock(&p->mu);
	b->state = B_FREE;
	b->seq = 0;
	p->next_apply++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void stop_reader(struct pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Batches share a transaction up to RD_IMPORT_TX_EVENTS events: a page of
 * recent messages or index entries that many events touch is then written
 * to the WAL once per transaction instead of once per batch, and a message
 * that several events of the transaction touch has its state derived once,
 * just before the commit.  Counts of a transaction reach *st only when it
 * commits. */
struct tx {
	int open;
	size_t events;
	struct rd_ingest_stats pending;
	struct rd_touched touched;
};

/* Closes the transaction's books; keeps the touched list's memory. */
static void tx_reset(struct tx *t)
{
	t->open = 0;
	t->events = 0;
	t->pending = (struct rd_ingest_stats){ 0 };
	t->touched.n = 0;
}

static int tx_commit(struct store *s, struct tx *t, struct rd_ingest_stats *st)
{
	if (!t->open)
		return RD_OK;
	int rc = store_touched_derive(s, &t->touched);
	if (!rc)
		rc = store_commit(s);
	if (rc) {
		store_rollback(s);
	} else {
		st->stored += t->pending.stored;
		st->duplicates += t->pending.duplicates;
		st->orphans += t->pending.orphans;
	}
	tx_reset(t);
	return rc;
}

static int apply(struct store *s, struct batch *b, struct tx *t, struct rd_ingest_stats *st)
{
	int rc = RD_OK;
	if (!t->open) {
		if ((rc = store_begin(s)) != RD_OK)
			return rc;
		t->open = 1;
	}
	rc = store_events_store(s, b->ev, b->n, &t->pending, &t->touched);
	if (rc) {
		store_rollback(s);
		tx_reset(t);
		return rc;
	}
	t->events += b->n;
	return t->events >= RD_IMPORT_TX_EVENTS ? tx_commit(s, t, st) : RD_OK;
}

static void show_progress(const struct rd_ingest_stats *st, uint64_t rejected, time_t start, int final)
{
	double secs = difftime(time(NULL), start);
	uint64_t done = st->stored + st->duplicates;
	fprintf(stderr, "\r  %llu events (%llu new, %llu duplicates, %llu rejected)",
	        (unsigned long long)done, (unsigned long long)st->stored,
	        (unsigned long long)st->duplicates, (unsigned long long)rejected);
	if (secs >= 1)
		fprintf(stderr, ", %.0f/s", (double)done / secs);
	fputs(final ? "\n" : "   ", stderr);
}

static int batches_init(struct pipeline *p)
{
	for (int i = 0; i < NBATCH; i++) {
		struct batch *b = &p->b[i];
		b->ev = malloc(RD_IMPORT_BATCH * sizeof *b->ev);
		b->off = malloc(RD_IMPORT_BATCH * sizeof *b->off);
		buf_init(&b->text, RD_IMPORT_BATCH_BYTES + 2 * RD_MAX_JSON_RECORD);
		if (!b->ev || !b->off)
			return rd_error(RD_E_NOMEM, "out of memory");
	}
	return RD_OK;
}

static void batches_free(struct pipeline *p)
{
	for (int i = 0; i < NBATCH; i++) {
		free(p->b[i].ev);
		free(p->b[i].off);
		buf_free(&p->b[i].text);
	}
}

int import_events(struct store *s, FILE *in, struct rejects *rej, int progress,
                  struct import_result *r)
{
	struct pipeline p;
	struct rd_ingest_stats st = { 0 };
	pthread_t th;
	time_t start = time(NULL), shown = start;
	int rc;

	memset(&p, 0, sizeof p);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	p.in = in;
	p.rej = rej;
	if (store_open(store_path(s), STORE_READ_ONLY, &p.rs) == RD_OK)
		store_memory_limit(p.rs, RD_PREMATCH_CACHE_KIB);
	rc = batches_init(&p);
	if (!rc && pthread_create(&th, NULL, reader, &p) != 0)
		rc = rd_error(RD_E_FAIL, "cannot start the parser thread");
	if (rc) {
		batches_free(&p);
		store_close(p.rs);
		return rc;
	}
	struct batch *b;
	struct tx tx = { 0 };
	while ((b = take_full(&p)) != NULL) {
		if (!rc)
			rc = apply(s, b, &tx, &st);
		if (rc)
			stop_reader(&p);
		give_back(&p, b);
		if (progress && time(NULL) != shown) {
			shown = time(NULL);
			show_progress(&st, rejects_count(rej), start, 0);
		}
	}
	pthread_join(th, NULL);
	if (!rc)
		rc = tx_commit(s, &tx, &st);
	store_touched_free(&tx.touched);
	if (progress)
		show_progress(&st, rejects_count(rej), start, 1);
	if (!rc && p.reader_rc) {
		rd_error_set_message(p.reader_err);
		rc = p.reader_rc;
	}
	batches_free(&p);
	store_close(p.rs);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);

	int64_t orphans = 0;
	if (!rc)
		rc = store_orphan_count(s, &orphans);
	r->stored = st.stored;
	r->duplicates = st.duplicates;
	r->orphans = (uint64_t)orphans;
	return rc;
}
