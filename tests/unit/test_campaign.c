/* test_campaign.c — counts and verdicts (SPEC §1) as a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redrive/campaign.h"
#include "redrive/state.h"

struct verdict_case {
	const char *name;
	const char *status;
	struct rd_counts c;
	int verdict;
};

/* fields: sent delivered pending deferred bounced blocked dropped dead queued requeued affected */
static const struct verdict_case cases[] = {
	{ "nothing at all", "running", { 0 }, RD_VERDICT_OK },
	{ "NULL status", NULL, { 0 }, RD_VERDICT_OK },
	{ "stopped, queued, nothing sent (seed 001)", "stopped", { .queued = 5, .affected = 5 },
	  RD_VERDICT_NOT_EXECUTED },
	{ "stopped but some sent", "stopped", { .sent = 1, .delivered = 1, .queued = 5, .affected = 5 },
	  RD_VERDICT_PARTIAL },
	{ "stopped, nothing queued", "stopped", { .dead = 2, .affected = 2 }, RD_VERDICT_PARTIAL },
	{ "running, queued only", "running", { .queued = 3, .affected = 3 }, RD_VERDICT_PARTIAL },
	{ "sent == pending (seed 000 batch)", "running", { .sent = 4, .pending = 4, .affected = 4 },
	  RD_VERDICT_ALL_PENDING },
	{ "all pending but not yet stale", "running", { .sent = 4, .pending = 4 }, RD_VERDICT_ALL_PENDING },
	{ "one bounce means not wholly lost", "running", { .sent = 4, .pending = 3, .bounced = 1, .affected = 3 },
	  RD_VERDICT_PARTIAL },
	{ "one blocked", "running", { .sent = 2, .pending = 1, .blocked = 1 }, RD_VERDICT_OK },
	{ "one dropped", "done", { .sent = 2, .pending = 1, .dropped = 1, .affected = 1 }, RD_VERDICT_PARTIAL },
	{ "some delivered, some lost", "running", { .sent = 4, .delivered = 2, .pending = 2, .affected = 2 },
	  RD_VERDICT_PARTIAL },
	{ "all delivered", "done", { .sent = 4, .delivered = 4 }, RD_VERDICT_OK },
	{ "lost but suppressed", "running", { .sent = 2, .delivered = 1, .pending = 1 }, RD_VERDICT_OK },
};

static void test_verdicts(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int v = campaign_verdict(cases[i].status, &cases[i].c);
		if (v != cases[i].verdict)
			fail_msg("%s: %s, wanted %s", cases[i].name, campaign_verdict_name(v),
			         campaign_verdict_name(cases[i].verdict));
	}
	assert_string_equal(campaign_verdict_name(-1), "unknown");
	assert_string_equal(campaign_verdict_name(RD_VERDICT_COUNT), "unknown");
	assert_string_equal(campaign_verdict_name(RD_VERDICT_ALL_PENDING), "all_pending");
	assert_string_equal(campaign_verdict_help(99), "");
}

static void test_counts(void **unused)
{
	(void)unused;
	struct rd_counts c;
	memset(&c, 0, sizeof c);
	counts_add(&c, RD_STATE_PENDING, RD_FLAG_DEFERRED, 1, 1, 0, 3); /* deferred, stale */
	counts_add(&c, RD_STATE_PENDING, 0, 1, 0, 0, 2);                /* fresh */
	counts_add(&c, RD_STATE_PENDING, 0, 1, 1, 1, 1);                /* stale, suppressed */
	counts_add(&c, RD_STATE_DELIVERED, RD_FLAG_LATE_BOUNCE, 1, 0, 0, 4);
	counts_add(&c, RD_STATE_DEAD, 0, 0, 0, 0, 5);
	counts_add(&c, RD_STATE_QUEUED, 0, 0, 0, 1, 6);                 /* suppressed */
	counts_add(&c, RD_STATE_REQUEUED, 0, 1, 0, 0, 7);
	counts_add(&c, RD_STATE_BOUNCED, 0, 1, 0, 1, 8);
	counts_add(&c, RD_STATE_BLOCKED, 0, 1, 0, 0, 9);
	counts_add(&c, RD_STATE_DROPPED, 0, 1, 0, 0, 10);
	assert_int_equal(c.sent, 3 + 2 + 1 + 4 + 7 + 8 + 9 + 10);
	assert_int_equal(c.pending, 6);
	assert_int_equal(c.deferred, 3);
	assert_int_equal(c.delivered, 4);
	assert_int_equal(c.dead, 5);
	assert_int_equal(c.queued, 6);
	assert_int_equal(c.requeued, 7);
	assert_int_equal(c.bounced, 8);
	assert_int_equal(c.blocked, 9);
	assert_int_equal(c.dropped, 10);
	assert_int_equal(c.affected, 3 + 5);

	struct rd_counts t;
	memset(&t, 0, sizeof t);
	counts_sum(&t, &c);
	counts_sum(&t, &c);
	assert_int_equal(t.affected, 16);
	assert_int_equal(t.sent, 2 * c.sent);
}

static void test_vocabulary(void **unused)
{
	(void)unused;
	assert_false(campaign_valid_kind(NULL));
	assert_false(campaign_valid_kind(""));
	assert_true(campaign_valid_kind("trigger"));
	assert_true(campaign_valid_kind("batch"));
	assert_true(campaign_valid_kind("transactional"));
	assert_false(campaign_valid_kind("Batch"));
	assert_true(campaign_valid_schedule("recurring"));
	assert_false(campaign_valid_schedule("weekly"));
	assert_true(campaign_valid_status("stopped"));
	assert_false(campaign_valid_status("paused"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabulary),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
