/* test_matching.c — SPEC §1 matching of events to messages and
 * de-duplication, on a real SQLite store in a temporary file: msg_key first,
 * then the sg_message_id prefix (the recipient decides within a request),
 * then a bare bounce or drop by recipient within 72 h, else an orphan that
 * finds its message when the send log arrives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "redrive/error.h"
#include "redrive/event.h"
#include "redrive/message.h"
#include "redrive/store.h"
#include "redrive/store_ingest.h"

struct fixture {
	char path[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->path, sizeof f->path, "/tmp/redrive-match-XXXXXX");
	int fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(f->path);
	if (store_open(f->path, STORE_CREATE, &f->s) != RD_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	char side[80];
	unlink(f->path);
	snprintf(side, sizeof side, "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

static void message(struct store *s, const char *key, const char *rcpt, const char *pid, int64_t sent)
{
	struct rd_message_in m = { .msg_key = key, .campaign = "c", .recipient = rcpt,
	                           .provider_msg_id = pid, .queued_at = sent, .sent_at = sent,
	                           .dead_at = RD_NO_TIME };
	int changed;
	assert_int_equal(store_begin(s), RD_OK);
	assert_int_equal(store_message_upsert(s, &m, &changed), RD_OK);
	assert_int_equal(store_commit(s), RD_OK);
}

static struct rd_event make_event(const char *email, int kind, int btype, int64_t ts, const char *key,
                                  const char *pid, const char *eid, const char *raw)
{
	struct rd_event e = {
		.ts = ts, .kind = (uint8_t)kind, .btype = (uint8_t)btype, .email = email, .msg_key = key, .pid = pid,
		.raw = raw, .raw_len = strlen(raw),
		.content_h = event_content_hash((struct rd_span){ key, key ? strlen(key) : 0 },
		                                (struct rd_span){ pid, pid ? strlen(pid) : 0 },
		                                (struct rd_span){ email, strlen(email) },
		                                (struct rd_span){ event_kind_name(kind), strlen(event_kind_name(kind)) },
		                                (struct rd_span){ NULL, 0 }, (struct rd_span){ NULL, 0 },
		                                (struct rd_span){ NULL, 0 }, ts),
	};
	if (eid) {
		e.has_eid = 1;
		e.eid_h = (uint64_t)strlen(eid) * 1000003u + (uint64_t)(unsigned char)eid[strlen(eid) - 1];
	}
	return e;
}

/* One event; returns the stats of applying it. */
static struct rd_ingest_stats event(struct store *s, const char *email, int kind, int btype, int64_t ts,
                                    const char *key, const char *pid, const char *eid, const char *raw)
{
	struct rd_event e = make_event(email, kind, btype, ts, key, pid, eid, raw);
	struct rd_ingest_stats st = { 0 };
	assert_int_equal(store_begin(s), RD_OK);
	assert_int_equal(store_events_apply(s, &e, 1, &st), RD_OK);
	assert_int_equal(store_commit(s), RD_OK);
	return st;
}

/* The msg_key of the message the event with this raw text went to, or "". */
static const char *matched(struct fixture *f, const char *raw)
{
	static char key[64];
	sqlite3 *db;
	sqlite3_stmt *st;
	key[0] = '\0';
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT coalesce(m.msg_key, '') FROM events e LEFT JOIN messages m"
	                                    " ON m.id = e.msg_id WHERE e.raw = ?1",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, raw, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(key, sizeof key, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return key;
}

static void test_order_of_matching(void **state)
{
	struct fixture *f = *state;
	message(f->s, "k1", "a@x.jp", "REQ1", 1000);
	message(f->s, "k2", "b@x.jp", "REQ1", 1000); /* same request, another recipient */
	message(f->s, "k3", "c@x.jp", "REQ3", 1000);

	event(f->s, "a@x.jp", RD_EV_DELIVERED, 0, 1010, "k1", "REQ3", "e1", "by key");
	assert_string_equal(matched(f, "by key"), "k1"); /* msg_key wins over the provider id */
	event(f->s, "zz@x.jp", RD_EV_DELIVERED, 0, 1010, "nope", "REQ3", "e2", "unknown key");
	assert_string_equal(matched(f, "unknown key"), "k3"); /* then the provider id */
	event(f->s, "b@x.jp", RD_EV_DELIVERED, 0, 1010, NULL, "REQ1", "e3", "request, recipient b");
	assert_string_equal(matched(f, "request, recipient b"), "k2"); /* the recipient within a request */
	event(f->s, "q@x.jp", RD_EV_DELIVERED, 0, 1010, NULL, "REQ1", "e4", "request, nobody");
	assert_string_equal(matched(f, "request, nobody"), ""); /* ambiguous: an orphan */
	event(f->s, "c@x.jp", RD_EV_OPEN, 0, 1010, NULL, NULL, "e5", "bare open");
	assert_string_equal(matched(f, "bare open"), ""); /* only bounces and drops match bare */
}

static void test_bare_bounces(void **state)
{
	struct fixture *f = *state;
	message(f->s, "old", "d@x.jp", NULL, 1000);
	message(f->s, "new", "D@x.jp", NULL, 2000);
	message(f->s, "later", "d@x.jp", NULL, 9000);
	event(f->s, "d@x.jp", RD_EV_BOUNCE, RD_BT_BOUNCE, 2500, NULL, NULL, "b1", "bare bounce");
	assert_string_equal(matched(f, "bare bounce"), "new"); /* the latest sent before it */
	event(f->s, "d@x.jp", RD_EV_DROPPED, 0, 2000 + 72 * 3600 + 1, NULL, NULL, "b2", "late drop");
	assert_string_equal(matched(f, "late drop"), "later"); /* within 72 h of "later" only */
	event(f->s, "e@x.jp", RD_EV_BOUNCE, RD_BT_BLOCKED, 5000, NULL, NULL, "b3", "nobody's bounce");
	assert_string_equal(matched(f, "nobody's bounce"), "");
}

static void test_orphans_match_later(void **state)
{
	struct fixture *f = *state;
	struct rd_ingest_stats st = event(f->s, "g@x.jp", RD_EV_DELIVERED, 0, 3010, "late-key", NULL, "o1", "early");
	assert_int_equal(st.orphans, 1);
	st = event(f->s, "h@x.jp", RD_EV_BOUNCE, RD_BT_BOUNCE, 3020, NULL, NULL, "o2", "early bare");
	assert_int_equal(st.orphans, 1);
	message(f->s, "late-key", "g@x.jp", NULL, 3000);
	message(f->s, "late-bare", "h@x.jp", NULL, 3000);
	struct rd_ingest_stats re = { 0 };
	assert_int_equal(store_rematch(f->s, &re), RD_OK);
	assert_int_equal(re.rematched, 2);
	assert_string_equal(matched(f, "early"), "late-key");
	assert_string_equal(matched(f, "early bare"), "late-bare");
	int64_t left = -1;
	assert_int_equal(store_orphan_count(f->s, &left), RD_OK);
	assert_int_equal(left, 0);
}

static void test_duplicates(void **state)
{
	struct fixture *f = *state;
	message(f->s, "k", "a@x.jp", NULL, 1000);
	struct rd_ingest_stats st = event(f->s, "a@x.jp", RD_EV_DELIVERED, 0, 1010, "k", NULL, "same", "first");
	assert_int_equal(st.stored, 1);
	/* the same sg_event_id again */
	st = event(f->s, "a@x.jp", RD_EV_DELIVERED, 0, 1010, "k", NULL, "same", "again");
	assert_int_equal(st.duplicates, 1);
	/* a retried post: new sg_event_id, same content */
	st = event(f->s, "a@x.jp", RD_EV_DELIVERED, 0, 1010, "k", NULL, "other", "retried");
	assert_int_equal(st.duplicates, 1);
	/* the same content a second later is another event */
	st = event(f->s, "a@x.jp", RD_EV_DELIVERED, 0, 1011, "k", NULL, "third", "a second later");
	assert_int_equal(st.stored, 1);
}

/* The import's parser thread finds msg_keys ahead on a read-only connection
 * of its own; the writer takes those ids and matches everything else itself,
 * including keys whose message arrived after the lookup. */
static void test_prematch(void **state)
{
	struct fixture *f = *state;
	message(f->s, "k1", "a@x.jp", "REQ1", 1000);
	message(f->s, "k3", "c@x.jp", "REQ3", 1000);
	struct rd_event ev[4] = {
		make_event("a@x.jp", RD_EV_DELIVERED, 0, 1010, "k1", NULL, "p1", "ahead by key"),
		make_event("c@x.jp", RD_EV_DELIVERED, 0, 1011, "nope", "REQ3", "p22", "unknown key, known request"),
		make_event("c@x.jp", RD_EV_OPEN, 0, 1012, NULL, "REQ3", "p333", "no key"),
		make_event("d@x.jp", RD_EV_DELIVERED, 0, 1013, "k9", NULL, "p4444", "key of a later message"),
	};
	struct store *rs;
	assert_int_equal(store_open(f->path, STORE_READ_ONLY, &rs), RD_OK);
	assert_int_equal(store_events_prematch(rs, ev, 4), RD_OK);
	store_close(rs);
	assert_true(ev[0].key_msg_id > 0);
	assert_int_equal(ev[1].key_msg_id, 0);
	assert_int_equal(ev[2].key_msg_id, 0);
	assert_int_equal(ev[3].key_msg_id, 0);

	message(f->s, "k9", "d@x.jp", "REQ9", 1000); /* imported between the lookup and the write */
	struct rd_ingest_stats st = { 0 };
	assert_int_equal(store_begin(f->s), RD_OK);
	assert_int_equal(store_events_apply(f->s, ev, 4, &st), RD_OK);
	assert_int_equal(store_commit(f->s), RD_OK);
	assert_int_equal(st.stored, 4);
	assert_string_equal(matched(f, "ahead by key"), "k1");
	assert_string_equal(matched(f, "unknown key, known request"), "k3");
	assert_string_equal(matched(f, "no key"), "k3");
	assert_string_equal(matched(f, "key of a later message"), "k9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_of_matching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prematch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bare_bounces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphans_match_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
