/* test_state.c — the state rules of SPEC §1 as a table; every case is also
 * checked in every arrival order of its events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redrive/event.h"
#include "redrive/state.h"

#define MAXEV 6

struct ev {
	int kind, btype;
	int64_t ts, batch;
};

struct state_case {
	const char *name;
	struct state_message m;
	struct ev ev[MAXEV];
	size_t n;
	int state, flags;
	int64_t last_ts;     /* ts of the expected latest event, -1 none */
	int reason_kind;     /* kind of the event that explains the state, -1 none */
};

#define SENT { 1, 0, 0 }
#define UNSENT { 0, 0, 0 }
#define DEAD { 0, 1, 0 }
#define E(k, t) { RD_EV_##k, RD_BT_NONE, t, 0 }
#define BOUNCE(t) { RD_EV_BOUNCE, RD_BT_BOUNCE, t, 0 }
#define BLOCKED(t) { RD_EV_BOUNCE, RD_BT_BLOCKED, t, 0 }
#define IN_BATCH(k, t, b) { RD_EV_##k, RD_BT_NONE, t, b }

static const struct state_case cases[] = {
	{ "never sent, no events", UNSENT, { { 0 } }, 0, RD_STATE_QUEUED, 0, -1, -1 },
	{ "sent, no events", SENT, { { 0 } }, 0, RD_STATE_PENDING, 0, -1, -1 },
	{ "processed only", SENT, { E(PROCESSED, 10) }, 1, RD_STATE_PENDING, 0, 10, -1 },
	{ "delivered", SENT, { E(PROCESSED, 10), E(DELIVERED, 12) }, 2, RD_STATE_DELIVERED, 0, 12, -1 },
	{ "delivered then blocked (seed 004)", SENT, { E(DELIVERED, 12), BLOCKED(300) }, 2,
	  RD_STATE_DELIVERED, RD_FLAG_LATE_BOUNCE, 300, RD_EV_BOUNCE },
	{ "delivered then hard bounce", SENT, { E(DELIVERED, 12), BOUNCE(30) }, 2, RD_STATE_DELIVERED,
	  RD_FLAG_LATE_BOUNCE, 30, RD_EV_BOUNCE },
	{ "bounce", SENT, { E(PROCESSED, 10), BOUNCE(11) }, 2, RD_STATE_BOUNCED, 0, 11, RD_EV_BOUNCE },
	{ "blocked", SENT, { E(PROCESSED, 10), BLOCKED(11) }, 2, RD_STATE_BLOCKED, 0, 11, RD_EV_BOUNCE },
	{ "bounce beats blocked", SENT, { BLOCKED(11), BOUNCE(12) }, 2, RD_STATE_BOUNCED, 0, 12, RD_EV_BOUNCE },
	{ "dropped", SENT, { E(DROPPED, 11) }, 1, RD_STATE_DROPPED, 0, 11, RD_EV_DROPPED },
	{ "blocked beats dropped", SENT, { E(DROPPED, 11), BLOCKED(12) }, 2, RD_STATE_BLOCKED, 0, 12,
	  RD_EV_BOUNCE },
	{ "deferred", SENT, { E(PROCESSED, 10), E(DEFERRED, 20), E(DEFERRED, 40) }, 3, RD_STATE_PENDING,
	  RD_FLAG_DEFERRED, 40, RD_EV_DEFERRED },
	{ "deferred then delivered", SENT, { E(DEFERRED, 20), E(DELIVERED, 50) }, 2, RD_STATE_DELIVERED, 0,
	  50, -1 },
	{ "opens do not decide", SENT, { E(OPEN, 20), E(CLICK, 21) }, 2, RD_STATE_PENDING, 0, 21, -1 },
	{ "dead letter", DEAD, { { 0 } }, 0, RD_STATE_DEAD, 0, -1, -1 },
	{ "dead, but delivered after all", DEAD, { E(DELIVERED, 50) }, 1, RD_STATE_DELIVERED, 0, 50, -1 },
	{ "dead beats an event that decides nothing", DEAD, { E(PROCESSED, 10) }, 1, RD_STATE_DEAD, 0, 10, -1 },
	{ "unsent, but the provider has it", UNSENT, { E(PROCESSED, 10) }, 1, RD_STATE_PENDING, 0, 10, -1 },
	{ "unknown event type kept as last", SENT, { E(PROCESSED, 10), E(OTHER, 20) }, 2, RD_STATE_PENDING, 0,
	  20, -1 },
	{ "requeued, nothing heard yet", { 1, 0, 7 }, { E(PROCESSED, 10) }, 1, RD_STATE_REQUEUED, 0, 10, -1 },
	{ "requeued, new attempt delivered", { 1, 0, 7 }, { E(PROCESSED, 10), IN_BATCH(DELIVERED, 90, 7) }, 2,
	  RD_STATE_DELIVERED, 0, 90, -1 },
	{ "requeued, new attempt processed", { 1, 0, 7 }, { IN_BATCH(PROCESSED, 90, 7) }, 1, RD_STATE_PENDING,
	  0, 90, -1 },
	{ "requeued, late delivery of the first attempt", { 1, 0, 7 }, { E(DELIVERED, 95) }, 1,
	  RD_STATE_DELIVERED, 0, 95, -1 },
	{ "requeued dead letter", { 0, 1, 7 }, { { 0 } }, 0, RD_STATE_REQUEUED, 0, -1, -1 },
	{ "events of an older batch ignored", { 1, 0, 8 }, { IN_BATCH(BOUNCE, 50, 7), IN_BATCH(PROCESSED, 60, 8) },
	  2, RD_STATE_PENDING, 0, 60, -1 },
	{ "same second: order by kind", SENT, { E(DEFERRED, 20), E(DELIVERED, 20), E(PROCESSED, 20) }, 3,
	  RD_STATE_DELIVERED, 0, 20, -1 },
};

static void derive(const struct state_case *c, const size_t *order, struct state_result *r,
                   struct state_event *ev)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct ev *e = &c->ev[order[i]];
		ev[i] = (struct state_event){ .ts = e->ts, .content_h = (uint64_t)(order[i] * 7919 + 13),
		                              .batch = e->batch, .kind = (uint8_t)e->kind,
		                              .btype = (uint8_t)e->btype };
	}
	state_derive(&c->m, ev, c->n, r);
}

static void check_result(const struct state_case *c, const struct state_result *r,
                         const struct state_event *ev)
{
	if (r->state != c->state || r->flags != c->flags)
		fail_msg("%s: state %s flags %d, wanted %s flags %d", c->name, state_name(r->state), r->flags,
		         state_name(c->state), c->flags);
	int64_t last = r->last >= 0 ? ev[r->last].ts : -1;
	if (last != c->last_ts)
		fail_msg("%s: last event at %lld, wanted %lld", c->name, (long long)last, (long long)c->last_ts);
	int reason = r->reason >= 0 ? ev[r->reason].kind : -1;
	if (reason != c->reason_kind)
		fail_msg("%s: reason from kind %d, wanted %d", c->name, reason, c->reason_kind);
}

/* Heap's algorithm over the event indices. */
static void each_order(const struct state_case *c, size_t *order, size_t k, int *count)
{
	struct state_result r;
	struct state_event ev[MAXEV];
	if (k <= 1) {
		derive(c, order, &r, ev);
		check_result(c, &r, ev);
		(*count)++;
		return;
	}
	for (size_t i = 0; i < k; i++) {
		each_order(c, order, k - 1, count);
		size_t j = k % 2 ? 0 : i;
		size_t t = order[j];
		order[j] = order[k - 1];
		order[k - 1] = t;
	}
}

static void test_table_every_order(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t order[MAXEV];
		int count = 0, want = 1;
		for (size_t k = 0; k < cases[i].n; k++) {
			order[k] = k;
			want *= (int)(k + 1);
		}
		each_order(&cases[i], order, cases[i].n, &count);
		assert_int_equal(count, want);
	}
}

static void test_no_events_null_pointer(void **unused)
{
	(void)unused;
	struct state_message m = SENT;
	struct state_result r;
	state_derive(&m, NULL, 0, &r);
	assert_int_equal(r.state, RD_STATE_PENDING);
	assert_int_equal(r.last, -1);
	assert_int_equal(r.reason, -1);
}

static void test_stale_and_affected(void **unused)
{
	(void)unused;
	/* stale: pending and now - since > grace, strictly */
	assert_false(state_is_stale(RD_STATE_PENDING, 1000, 1600, 600));
	assert_true(state_is_stale(RD_STATE_PENDING, 1000, 1601, 600));
	assert_false(state_is_stale(RD_STATE_DELIVERED, 1000, 99999, 600));
	assert_true(state_is_stale(RD_STATE_PENDING, 0, 99999, 600));
	assert_true(state_is_affected(RD_STATE_QUEUED, 0, 0));
	assert_true(state_is_affected(RD_STATE_DEAD, 0, 0));
	assert_true(state_is_affected(RD_STATE_PENDING, 1, 0));
	assert_false(state_is_affected(RD_STATE_PENDING, 0, 0));
	assert_false(state_is_affected(RD_STATE_DEAD, 0, 1));
	assert_false(state_is_affected(RD_STATE_QUEUED, 0, 1));
	for (int s = RD_STATE_DELIVERED; s <= RD_STATE_DROPPED; s++)
		assert_false(state_is_affected(s, 1, 0));
	assert_false(state_is_affected(RD_STATE_REQUEUED, 1, 0));
	assert_int_equal(state_pending_since(100, 0, 0), 100);
	assert_int_equal(state_pending_since(100, 1, 500), 500);
}

static void test_names(void **unused)
{
	(void)unused;
	char buf[64];
	assert_null(state_name(-1));
	assert_null(state_name(RD_STATE_COUNT));
	assert_int_equal(state_from_name(NULL), -1);
	assert_int_equal(state_from_name(""), -1);
	assert_int_equal(state_from_name("Delivered"), -1);
	for (int s = 0; s < RD_STATE_COUNT; s++)
		assert_int_equal(state_from_name(state_name(s)), s);
	state_flags_text(0, buf, sizeof buf);
	assert_string_equal(buf, "");
	state_flags_text(RD_FLAG_LATE_BOUNCE | RD_FLAG_STALE | RD_FLAG_SUPPRESSED, buf, sizeof buf);
	assert_string_equal(buf, "late_bounce,stale,suppressed");
	/* a flag that does not fit is left out whole, the next may still fit */
	state_flags_text(RD_FLAG_DEFERRED | RD_FLAG_STALE, buf, 8);
	assert_string_equal(buf, "stale");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_events_null_pointer),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_stale_and_affected),
		cmocka_unit_test(test_table_every_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
