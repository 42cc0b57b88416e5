#include "redrive/store_ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redrive/error.h"
#include "redrive/event.h"
#include "redrive/message.h"
#include "redrive/state.h"
#include "store_int.h"

/* How an event was matched (events.how). */
enum match_how { HOW_ORPHAN = 0, HOW_MSG_KEY = 1, HOW_PROVIDER_ID = 2, HOW_RECIPIENT = 3 };

#define REMATCH_CHUNK 5000

/* ---- small lookups ------------------------------------------------------ */

/* One id from a lookup; the statement is reset at once (a statement left on
 * a row keeps a read snapshot open, and the WAL then cannot be checkpointed). */
static int step_id(struct store *s, sqlite3_stmt *st, int64_t *id, const char *doing)
{
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? RD_OK : store_db_error(s, doing);
}

static int step_done(struct store *s, sqlite3_stmt *st, const char *doing)
{
	return sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, doing);
}

/* The id of a lowercased address, created when new; *suppressed (may be
 * NULL) whether it is on a suppression list. */
static int recipient_id(struct store *s, const char *email, int64_t *id, int *suppressed)
{
	sqlite3_stmt *st = store_stmt(s, ST_RECIPIENT_ID);
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, email);
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (suppressed)
		*suppressed = rc == SQLITE_ROW && sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, "looking up a recipient");
	if (*id)
		return RD_OK;
	st = store_stmt(s, ST_RECIPIENT_CREATE);
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, email);
	if ((rc = step_done(s, st, "adding a recipient")) != RD_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	return RD_OK;
}

static int campaign_id(struct store *s, const char *name, int64_t *id)
{
	if (s->last_campaign && strcmp(s->last_campaign, name) == 0) {
		*id = s->last_campaign_id;
		return RD_OK;
	}
	sqlite3_stmt *st = store_stmt(s, ST_CAMPAIGN_ID);
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, name);
	int rc = step_id(s, st, id, "looking up a campaign");
	if (!rc && !*id) {
		/* SPEC §2: a row naming an unknown campaign creates it */
		st = store_stmt(s, ST_CAMPAIGN_CREATE);
		if (!st)
			return RD_E_DB;
		store_bind_text(st, 1, name);
		sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
		if ((rc = step_done(s, st, "adding a campaign")) != RD_OK)
			return rc;
		*id = sqlite3_last_insert_rowid(s->db);
	}
	if (!rc) {
		/* campaign ids never change; a rolled-back creation is looked up again */
		free(s->last_campaign);
		s->last_campaign = strdup(name);
		s->last_campaign_id = *id;
	}
	return rc;
}

/* ---- deriving a message's state ----------------------------------------- */

struct event_list {
	struct state_event *ev;
	int64_t *ids;
	size_t n, cap;
};

static int list_push(struct event_list *l, const struct state_event *e, int64_t id)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct state_event *ev = realloc(l->ev, cap * sizeof *ev);
		if (ev)
			l->ev = ev;
		int64_t *ids = ev ? realloc(l->ids, cap * sizeof *ids) : NULL;
		if (!ev || !ids)
			return rd_error(RD_E_NOMEM, "out of memory reading a message's events");
		l->ids = ids;
		l->cap = cap;
	}
	l->ev[l->n] = *e;
	l->ids[l->n++] = id;
	return RD_OK;
}

static int load_events(struct store *s, int64_t msg_id, struct event_list *l)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_EVENTS);
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, msg_id);
	l->n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct state_event e = {
			.ts = sqlite3_column_int64(st, 0),
			.content_h = (uint64_t)sqlite3_column_int64(st, 1),
			.batch = sqlite3_column_int64(st, 2),
			.kind = (uint8_t)sqlite3_column_int(st, 3),
			.btype = (uint8_t)sqlite3_column_int(st, 4),
		};
		int prc = list_push(l, &e, sqlite3_column_int64(st, 5));
		if (prc)
			return prc;
	}
	return rc == SQLITE_DONE ? RD_OK : store_db_error(s, "reading a message's events");
}

/* Text of one column of a one-row statement keyed by id, copied into *out (NULL if none). */
static int text_of(struct store *s, enum store_stmt which, int64_t id, char **out)
{
	sqlite3_stmt *st = store_stmt(s, which);
	*out = NULL;
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	int has = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	if (has)
		*out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (has && !*out)
		return rd_error(RD_E_NOMEM, "out of memory");
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? RD_OK : store_db_error(s, "reading an event");
}

static int same_text(const unsigned char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	return strcmp((const char *)a, b) == 0;
}

/* Whether index i (from state_derive: -1 for none) names one of l's events. */
static int has_event(const struct event_list *l, long i)
{
	return i >= 0 && (size_t)i < l->n;
}

/* Derives the message's state from its row and all its events and writes it
 * back when it changed.  Order-independent by construction (state_derive).
 * The suppressed flag is kept on the message (suppress() sets it on every
 * message of the address); it is read from the recipient only when the
 * message may have changed recipient (recheck), which saves a random read
 * of the recipients table for every message an event touches. */
static int recompute(struct store *s, int64_t msg_id, int recheck, struct event_list *l)
{
	int rc = load_events(s, msg_id, l);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_FACTS);
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, msg_id);
	sqlite3_bind_int(st, 2, recheck);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_db_error(s, "reading a message");
	struct state_message m = {
		.has_sent = sqlite3_column_int(st, 0),
		.dead = sqlite3_column_int(st, 1),
		.requeue_batch = sqlite3_column_int64(st, 2),
	};
	struct state_result r;
	state_derive(&m, l->ev, l->n, &r);
	if (sqlite3_column_int(st, 9))
		r.flags |= RD_FLAG_SUPPRESSED;

	char *name = NULL, *reason = NULL;
	int64_t last_at = RD_NO_TIME;
	if (has_event(l, r.last)) {
		int kind = l->ev[r.last].kind;
		last_at = l->ev[r.last].ts;
		if (kind == RD_EV_OTHER)
			rc = text_of(s, ST_EVENT_NAME, l->ids[r.last], &name);
		else
			name = strdup(event_kind_name(kind));
	}
	if (!rc && has_event(l, r.reason))
		rc = text_of(s, ST_EVENT_REASON, l->ids[r.reason], &reason);
	else if (!rc && r.state == RD_STATE_DEAD && sqlite3_column_type(st, 8) != SQLITE_NULL)
		reason = strdup((const char *)sqlite3_column_text(st, 8));

	/* st still holds the current row: write only what changed */
	int unchanged = !rc && sqlite3_column_int(st, 3) == r.state && sqlite3_column_int(st, 4) == r.flags &&
	                same_text(sqlite3_column_text(st, 5), name) &&
	                store_col_time(st, 6) == last_at && same_text(sqlite3_column_text(st, 7), reason);
	if (!rc && !unchanged) {
		sqlite3_stmt *up = store_stmt(s, ST_MESSAGE_SET_STATE);
		if (!up) {
			rc = RD_E_DB;
		} else {
			sqlite3_bind_int64(up, 1, msg_id);
			sqlite3_bind_int(up, 2, r.state);
			sqlite3_bind_int(up, 3, r.flags);
			store_bind_text(up, 4, name);
			store_bind_time(up, 5, last_at);
			store_bind_text(up, 6, reason);
			rc = step_done(s, up, "updating a message's state");
		}
	}
	sqlite3_reset(st);
	free(name);
	free(reason);
	return rc;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Derives every touched message once, in id order (neighbouring pages). */
static int recompute_all(struct store *s, int64_t *ids, size_t n)
{
	struct event_list l = { 0 };
	int rc = RD_OK;
	if (n > 1)
		qsort(ids, n, sizeof *ids, cmp_id);
	for (size_t i = 0; i < n && !rc; i++)
		if (ids[i] && (i == 0 || ids[i] != ids[i - 1]))
			rc = recompute(s, ids[i], 0, &l);
	free(l.ev);
	free(l.ids);
	return rc;
}

/* ---- campaigns and messages --------------------------------------------- */

int store_campaign_upsert(struct store *s, const struct rd_campaign_in *c, int *changed)
{
	sqlite3_stmt *st = store_stmt(s, ST_CAMPAIGN_UPSERT);
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, c->name);
	store_bind_text(st, 2, c->kind);
	store_bind_text(st, 3, c->schedule);
	store_bind_text(st, 4, c->status);
	sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	int rc = step_done(s, st, "storing a campaign");
	*changed = !rc && sqlite3_changes(s->db) > 0;
	return rc;
}

/* Parameters ?1..?13 of the message statements (?6 is unused: the subject
 * lives in message_bodies, see store_body). */
static void bind_message(sqlite3_stmt *st, const struct rd_message_in *m, int64_t cid, int64_t rid)
{
	store_bind_text(st, 1, m->msg_key);
	sqlite3_bind_int64(st, 2, cid);
	store_bind_text(st, 3, m->email_name);
	sqlite3_bind_int64(st, 4, rid);
	store_bind_text(st, 5, m->recipient);
	store_bind_time(st, 7, m->queued_at);
	store_bind_time(st, 8, m->sent_at);
	store_bind_text(st, 9, m->provider);
	store_bind_text(st, 10, m->provider_msg_id);
	if (m->has_attempts)
		sqlite3_bind_int64(st, 11, m->attempts);
	store_bind_time(st, 12, m->dead_at);
	store_bind_text(st, 13, m->dead_reason);
}

/* The subject and payload; *changed set when they were new or different. */
static int store_body(struct store *s, int64_t id, const struct rd_message_in *m, int *changed)
{
	if (!m->subject && !m->payload)
		return RD_OK;
	sqlite3_stmt *st = store_stmt(s, ST_BODY_UPSERT);
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, m->subject);
	store_bind_text(st, 3, m->payload);
	int rc = step_done(s, st, "storing a message's subject and payload");
	if (!rc && sqlite3_changes(s->db) > 0)
		*changed = 1;
	return rc;
}

/* A message new to the store has no matched events yet (orphans waiting
 * for it are matched by store_rematch), so its state comes from the row. */
static int insert_message(struct store *s, const struct rd_message_in *m, int64_t cid, int64_t rid,
                          int suppressed)
{
	struct state_message facts = { .has_sent = m->sent_at != RD_NO_TIME, .dead = m->dead_at != RD_NO_TIME };
	struct state_result r;
	state_derive(&facts, NULL, 0, &r);
	if (suppressed)
		r.flags |= RD_FLAG_SUPPRESSED;
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_INSERT);
	if (!st)
		return RD_E_DB;
	bind_message(st, m, cid, rid);
	sqlite3_bind_int(st, 15, r.state);
	sqlite3_bind_int(st, 16, r.flags);
	if (r.state == RD_STATE_DEAD)
		store_bind_text(st, 17, m->dead_reason);
	int changed = 0, rc = step_done(s, st, "storing a message");
	return rc ? rc : store_body(s, sqlite3_last_insert_rowid(s->db), m, &changed);
}

int store_message_upsert(struct store *s, const struct rd_message_in *m, int *changed)
{
	int64_t cid, rid, id;
	int suppressed = 0;
	char email[400];
	*changed = 0;
	snprintf(email, sizeof email, "%s", m->recipient);
	message_normalize_recipient(email);
	int rc = campaign_id(s, m->campaign, &cid);
	if (!rc)
		rc = recipient_id(s, email, &rid, &suppressed);
	sqlite3_stmt *st = rc ? NULL : store_stmt(s, ST_MESSAGE_BY_KEY);
	if (!rc && !st)
		rc = RD_E_DB;
	if (!rc) {
		store_bind_text(st, 1, m->msg_key);
		rc = step_id(s, st, &id, "looking up a message");
	}
	if (rc)
		return rc;
	if (!id) {
		*changed = 1;
		return insert_message(s, m, cid, rid, suppressed);
	}

	if (!(st = store_stmt(s, ST_MESSAGE_UPSERT)))
		return RD_E_DB;
	bind_message(st, m, cid, rid);
	int64_t existing = id;
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, "storing a message");
	sqlite3_reset(st);
	if ((rc = store_body(s, existing, m, changed)) != RD_OK)
		return rc;
	if (!id)
		return RD_OK; /* the row itself is as it was */
	*changed = 1;
	struct event_list l = { 0 };
	rc = recompute(s, id, 1, &l);
	free(l.ev);
	free(l.ids);
	return rc;
}

/* ---- events ------------------------------------------------------------- */

struct match {
	int64_t msg_id;
	int how;
	int64_t batch;   /* the requeue batch whose attempt the provider id names, 0 */
};

/* A provider id recorded for a requeue attempt (X-Message-Id of a SendGrid
 * request, shared by up to 1000 recipients): the item of that request to
 * this recipient, or the only one. */
static int resolve_attempt(struct store *s, const char *pid, const char *email, struct match *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_MESSAGE_BY_ATTEMPT);
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, pid);
	store_bind_text(st, 2, email);
	int rc, rows = 0;
	int64_t id = 0, batch = 0, same = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows++ == 0) {
			id = sqlite3_column_int64(st, 0);
			batch = sqlite3_column_int64(st, 1);
			same = sqlite3_column_int(st, 2);
		}
	}
	if (rc != SQLITE_DONE)
		return store_db_error(s, "matching an event to a requeue attempt");
	if (id && (same || rows == 1)) {
		out->msg_id = id;
		out->how = HOW_PROVIDER_ID;
		out->batch = batch;
	}
	return RD_OK;
}

/* SPEC §1 matching order: msg_key custom arg; else the sg_message_id prefix
 * (the one message of that request to this recipient); else, for a bounce
 * or drop that carries neither, the latest message to the recipient sent in
 * the 72 hours before the event; else an orphan. */
static int resolve(struct store *s, const char *msg_key, const char *pid, const char *email,
                   int kind, int64_t ts, int64_t key_msg_id, struct match *out)
{
	sqlite3_stmt *st;
	int rc;
	out->msg_id = 0;
	out->how = HOW_ORPHAN;
	out->batch = 0;
	if (msg_key && key_msg_id) {
		/* found ahead (store_events_prematch): a message keeps its id */
		out->msg_id = key_msg_id;
		out->how = HOW_MSG_KEY;
		return RD_OK;
	}
	if (msg_key) {
		if (!(st = store_stmt(s, ST_MESSAGE_BY_KEY)))
			return RD_E_DB;
		store_bind_text(st, 1, msg_key);
		if ((rc = step_id(s, st, &out->msg_id, "matching an event")) != RD_OK)
			return rc;
		if (out->msg_id) {
			out->how = HOW_MSG_KEY;
			return RD_OK;
		}
	}
	if (pid) {
		if (!(st = store_stmt(s, ST_MESSAGE_BY_PID)))
			return RD_E_DB;
		store_bind_text(st, 1, pid);
		int64_t only = 0, same = 0, rows = 0, rid = 0, want = -1;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			rows++;
			only = sqlite3_column_int64(st, 0);
			if (want < 0) {
				sqlite3_stmt *r = store_stmt(s, ST_RECIPIENT_ID);
				if (!r)
					return RD_E_DB;
				store_bind_text(r, 1, email);
				if ((rc = step_id(s, r, &rid, "matching an event")) != RD_OK)
					return rc;
				want = rid;
			}
			if (sqlite3_column_int64(st, 1) == want)
				same = only;
		}
		if (rc != SQLITE_DONE)
			return store_db_error(s, "matching an event");
		out->msg_id = same ? same : rows == 1 ? only : 0;
		if (out->msg_id) {
			out->how = HOW_PROVIDER_ID;
			return RD_OK;
		}
		if ((rc = resolve_attempt(s, pid, email, out)) != RD_OK || out->msg_id)
			return rc;
	}
	if (!msg_key && !pid && (kind == RD_EV_BOUNCE || kind == RD_EV_DROPPED)) {
		if (!(st = store_stmt(s, ST_MESSAGE_BY_RECIPIENT)))
			return RD_E_DB;
		store_bind_text(st, 1, email);
		sqlite3_bind_int64(st, 2, ts);
		if ((rc = step_id(s, st, &out->msg_id, "matching a bounce by recipient")) != RD_OK)
			return rc;
		if (out->msg_id)
			out->how = HOW_RECIPIENT;
	}
	return RD_OK;
}

static int suppress(struct store *s, const struct rd_event *e, const char *source)
{
	int64_t rid;
	int rc = recipient_id(s, e->email, &rid, NULL);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, ST_SUPPRESSION_UPSERT);
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, rid);
	store_bind_text(st, 2, source);
	store_bind_text(st, 3, e->reason);
	sqlite3_bind_int64(st, 4, e->ts);
	if ((rc = step_done(s, st, "recording a suppression")) != RD_OK)
		return rc;
	if (!(st = store_stmt(s, ST_RECIPIENT_SUPPRESS)))
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, rid);
	if ((rc = step_done(s, st, "recording a suppression")) != RD_OK || sqlite3_changes(s->db) == 0)
		return rc;
	/* newly suppressed: every message to the address carries the flag */
	if (!(st = store_stmt(s, ST_MESSAGES_SUPPRESS)))
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int(st, 2, RD_FLAG_SUPPRESSED);
	return step_done(s, st, "flagging a suppressed recipient's messages");
}

static int insert_event(struct store *s, const struct rd_event *e, const struct match *m, int *stored)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_INSERT);
	if (!st)
		return RD_E_DB;
	if (m->msg_id)
		sqlite3_bind_int64(st, 1, m->msg_id);
	sqlite3_bind_int64(st, 2, e->ts);
	sqlite3_bind_int(st, 3, e->kind);
	sqlite3_bind_int(st, 4, e->btype);
	sqlite3_bind_int64(st, 5, e->batch ? e->batch : m->batch);
	sqlite3_bind_int(st, 6, m->how);
	sqlite3_bind_text(st, 7, e->email, -1, SQLITE_STATIC);
	if (e->msg_key)
		sqlite3_bind_text(st, 8, e->msg_key, -1, SQLITE_STATIC);
	if (e->pid)
		sqlite3_bind_text(st, 9, e->pid, -1, SQLITE_STATIC);
	if (e->has_eid)
		sqlite3_bind_int64(st, 10, (int64_t)e->eid_h);
	sqlite3_bind_int64(st, 11, (int64_t)e->content_h);
	if (e->reason)
		sqlite3_bind_text(st, 12, e->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, e->raw, (int)e->raw_len, SQLITE_STATIC);
	int rc = step_done(s, st, "storing an event");
	*stored = !rc && sqlite3_changes(s->db) > 0;
	/* the bindings point into the caller's batch: drop them now */
	sqlite3_clear_bindings(st);
	return rc;
}

static int touched_add(struct rd_touched *t, int64_t id)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		int64_t *ids = realloc(t->ids, cap * sizeof *ids);
		if (!ids)
			return rd_error(RD_E_NOMEM, "out of memory");
		t->ids = ids;
		t->cap = cap;
	}
	t->ids[t->n++] = id;
	return RD_OK;
}

int store_events_store(struct store *s, const struct rd_event *ev, size_t n,
                       struct rd_ingest_stats *stats, struct rd_touched *t)
{
	int rc = RD_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		const struct rd_event *e = &ev[i];
		struct match m;
		int stored = 0;
		rc = resolve(s, e->msg_key, e->pid, e->email, e->kind, e->ts, e->key_msg_id, &m);
		if (!rc)
			rc = insert_event(s, e, &m, &stored);
		if (rc)
			break;
		if (!stored) {
			stats->duplicates++;
			continue;
		}
		stats->stored++;
		if (m.msg_id)
			rc = touched_add(t, m.msg_id);
		else
			stats->orphans++;
		const char *source = event_suppression(e->kind, e->btype, e->reason);
		if (!rc && source)
			rc = suppress(s, e, source);
	}
	return rc;
}

int store_events_prematch(struct store *rs, struct rd_event *ev, size_t n)
{
	sqlite3_stmt *st = store_stmt(rs, ST_MESSAGE_BY_KEY);
	if (!st)
		return RD_E_DB;
	/* one snapshot for the whole batch, not one per lookup */
	int rc = store_exec(rs, "BEGIN");
	for (size_t i = 0; i < n && !rc; i++) {
		struct rd_event *e = &ev[i];
		e->key_msg_id = 0;
		if (e->msg_key) {
			store_bind_text(st, 1, e->msg_key);
			rc = step_id(rs, st, &e->key_msg_id, "matching an event");
		}
		if (!rc && !e->msg_key) {
			/* matched by provider id or recipient: not stable (a send log
			 * imported meanwhile may change the answer), so the writer
			 * matches it again, but finds the random index pages this
			 * lookup read in memory rather than on disk.  An event whose
			 * msg_key is unknown (every event of a fresh store) is cheap
			 * to match and left to the writer alone. */
			struct match m;
			rc = resolve(rs, e->msg_key, e->pid, e->email, e->kind, e->ts, 0, &m);
		}
	}
	return store_end(rs, rc);
}

int store_touched_derive(struct store *s, struct rd_touched *t)
{
	int rc = recompute_all(s, t->ids, t->n);
	t->n = 0;
	return rc;
}

void store_touched_free(struct rd_touched *t)
{
	free(t->ids);
	*t = (struct rd_touched){ 0 };
}

int store_events_apply(struct store *s, const struct rd_event *ev, size_t n,
                       struct rd_ingest_stats *stats)
{
	struct rd_touched t = { 0 };
	int rc = store_events_store(s, ev, n, stats, &t);
	if (!rc)
		rc = store_touched_derive(s, &t);
	store_touched_free(&t);
	return rc;
}

/* ---- matching again ----------------------------------------------------- */

struct pending_event {
	int64_t id, msg_id, ts;
	int how, kind;
	char *email, *msg_key, *pid;
};

static char *col_dup(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL
	                                                 : strdup((const char *)sqlite3_column_text(st, i));
}

static void free_pending(struct pending_event *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].email);
		free(p[i].msg_key);
		free(p[i].pid);
	}
}

/* Reads the next chunk of unmatched events after id `after`. */
static int load_unmatched(struct store *s, int64_t after, struct pending_event *p, size_t *n)
{
	sqlite3_stmt *st = store_dyn(s,
		"SELECT id, coalesce(msg_id, 0), how, ts, kind, email, ref_key, ref_pid FROM events"
		" WHERE (msg_id IS NULL OR how = 3) AND id > ?1 ORDER BY id LIMIT ?2");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, REMATCH_CHUNK);
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pending_event *e = &p[(*n)++];
		e->id = sqlite3_column_int64(st, 0);
		e->msg_id = sqlite3_column_int64(st, 1);
		e->how = sqlite3_column_int(st, 2);
		e->ts = sqlite3_column_int64(st, 3);
		e->kind = sqlite3_column_int(st, 4);
		e->email = col_dup(st, 5);
		e->msg_key = col_dup(st, 6);
		e->pid = col_dup(st, 7);
		if (!e->email)
			return rd_error(RD_E_NOMEM, "out of memory");
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? RD_OK : store_db_error(s, "reading unmatched events");
}

static int rematch_chunk(struct store *s, struct pending_event *p, size_t n, int64_t *touched,
                         struct rd_ingest_stats *stats)
{
	size_t nt = 0;
	for (size_t i = 0; i < n; i++) {
		struct match m;
		int rc = resolve(s, p[i].msg_key, p[i].pid, p[i].email, p[i].kind, p[i].ts, 0, &m);
		if (rc)
			return rc;
		if (m.msg_id == p[i].msg_id && m.how == p[i].how)
			continue;
		sqlite3_stmt *st = store_stmt(s, ST_EVENT_REMATCH);
		if (!st)
			return RD_E_DB;
		sqlite3_bind_int64(st, 1, p[i].id);
		if (m.msg_id)
			sqlite3_bind_int64(st, 2, m.msg_id);
		sqlite3_bind_int(st, 3, m.how);
		sqlite3_bind_int64(st, 4, m.batch);
		if ((rc = step_done(s, st, "matching an event again")) != RD_OK)
			return rc;
		touched[nt++] = p[i].msg_id; /* the message it leaves (0: none) */
		touched[nt++] = m.msg_id;
		stats->rematched++;
	}
	return recompute_all(s, touched, nt);
}

int store_rematch(struct store *s, struct rd_ingest_stats *stats)
{
	struct pending_event *p = calloc(REMATCH_CHUNK, sizeof *p);
	int64_t *touched = calloc(2 * REMATCH_CHUNK, sizeof *touched);
	if (!p || !touched) {
		free(p);
		free(touched);
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	int64_t after = 0;
	size_t n = 0;
	int rc = RD_OK;
	while (!rc) {
		rc = store_begin(s);
		if (!rc)
			rc = load_unmatched(s, after, p, &n);
		if (!rc && n)
			rc = rematch_chunk(s, p, n, touched, stats);
		rc = store_end(s, rc);
		if (n)
			after = p[n - 1].id;
		free_pending(p, n);
		if (n < REMATCH_CHUNK)
			break;
	}
	free(p);
	free(touched);
	return rc;
}

int store_orphan_count(struct store *s, int64_t *out)
{
	sqlite3_stmt *st = store_dyn(s, "SELECT count(*) FROM events"
	                                " WHERE (msg_id IS NULL OR how = 3) AND msg_id IS NULL");
	if (!st)
		return RD_E_DB;
	int rc = step_id(s, st, out, "counting orphans");
	sqlite3_reset(st);
	return rc;
}
