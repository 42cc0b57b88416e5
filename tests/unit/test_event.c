/* test_event.c — event kinds, suppression rules, identity by content, hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "redrive/event.h"
#include "redrive/hash.h"

static void test_kinds(void **unused)
{
	(void)unused;
	assert_int_equal(event_kind_from_name(NULL, 0), RD_EV_OTHER);
	assert_int_equal(event_kind_from_name("", 0), RD_EV_OTHER);
	assert_int_equal(event_kind_from_name("delivered", 9), RD_EV_DELIVERED);
	assert_int_equal(event_kind_from_name("deliveredx", 10), RD_EV_OTHER);
	assert_int_equal(event_kind_from_name("deliver", 7), RD_EV_OTHER);
	assert_int_equal(event_kind_from_name("machine_open", 12), RD_EV_OTHER);
	for (int k = 1; k < RD_EV_COUNT; k++)
		assert_int_equal(event_kind_from_name(event_kind_name(k), strlen(event_kind_name(k))), k);
	assert_string_equal(event_kind_name(-5), "other");
	assert_string_equal(event_kind_name(RD_EV_COUNT), "other");
	assert_int_equal(event_btype_from_name(RD_EV_BOUNCE, NULL, 0), RD_BT_BOUNCE);
	assert_int_equal(event_btype_from_name(RD_EV_BOUNCE, "blocked", 7), RD_BT_BLOCKED);
	assert_int_equal(event_btype_from_name(RD_EV_BOUNCE, "bounce", 6), RD_BT_BOUNCE);
	assert_int_equal(event_btype_from_name(RD_EV_DROPPED, "blocked", 7), RD_BT_NONE);
}

struct supp_case {
	int kind, btype;
	const char *reason, *want;
};

static const struct supp_case supp[] = {
	{ RD_EV_BOUNCE, RD_BT_BOUNCE, "550 user unknown", "bounce" },
	{ RD_EV_BOUNCE, RD_BT_BLOCKED, "552 mailbox full", NULL }, /* blocked is retried, not suppressed */
	{ RD_EV_SPAMREPORT, 0, NULL, "spamreport" },
	{ RD_EV_UNSUBSCRIBE, 0, NULL, "unsubscribe" },
	{ RD_EV_GROUP_UNSUBSCRIBE, 0, NULL, NULL },
	{ RD_EV_DROPPED, 0, "Bounced Address", "bounce" },
	{ RD_EV_DROPPED, 0, "Unsubscribed Address", "unsubscribe" },
	{ RD_EV_DROPPED, 0, "Spam Reporting Address", "spamreport" },
	{ RD_EV_DROPPED, 0, "Invalid", "invalid" },
	{ RD_EV_DROPPED, 0, "Spam Content (if spam checker app enabled)", NULL },
	{ RD_EV_DROPPED, 0, NULL, NULL },
	{ RD_EV_DELIVERED, 0, NULL, NULL },
	{ RD_EV_DEFERRED, 0, "451", NULL },
};

static void test_suppression(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof supp / sizeof supp[0]; i++) {
		const char *got = event_suppression(supp[i].kind, supp[i].btype, supp[i].reason);
		if (!supp[i].want)
			assert_null(got);
		else
			assert_string_equal(got, supp[i].want);
	}
}

#define S(lit) ((struct rd_span){ lit, sizeof lit - 1 })
#define NONE ((struct rd_span){ NULL, 0 })

static void test_content_identity(void **unused)
{
	(void)unused;
	uint64_t base = event_content_hash(S("m1"), S("PID.f"), S("a@x.jp"), S("delivered"), NONE, NONE, NONE, 100);
	assert_int_equal(base, event_content_hash(S("m1"), S("PID.f"), S("a@x.jp"), S("delivered"), NONE, NONE, NONE, 100));
	/* every field counts, and absent differs from empty */
	assert_int_not_equal(base, event_content_hash(S("m2"), S("PID.f"), S("a@x.jp"), S("delivered"), NONE, NONE, NONE, 100));
	assert_int_not_equal(base, event_content_hash(S("m1"), NONE, S("a@x.jp"), S("delivered"), NONE, NONE, NONE, 100));
	assert_int_not_equal(base, event_content_hash(S("m1"), S("PID.f"), S("b@x.jp"), S("delivered"), NONE, NONE, NONE, 100));
	assert_int_not_equal(base, event_content_hash(S("m1"), S("PID.f"), S("a@x.jp"), S("open"), NONE, NONE, NONE, 100));
	assert_int_not_equal(base, event_content_hash(S("m1"), S("PID.f"), S("a@x.jp"), S("delivered"), S(""), NONE, NONE, 100));
	assert_int_not_equal(base, event_content_hash(S("m1"), S("PID.f"), S("a@x.jp"), S("delivered"), NONE, S("1"), NONE, 100));
	assert_int_not_equal(base, event_content_hash(S("m1"), S("PID.f"), S("a@x.jp"), S("delivered"), NONE, NONE, S("u"), 100));
	assert_int_not_equal(base, event_content_hash(S("m1"), S("PID.f"), S("a@x.jp"), S("delivered"), NONE, NONE, NONE, 101));
	/* field boundaries matter */
	assert_int_not_equal(event_content_hash(S("ab"), S("c"), S("e"), S("x"), NONE, NONE, NONE, 1),
	                     event_content_hash(S("a"), S("bc"), S("e"), S("x"), NONE, NONE, NONE, 1));
	assert_int_not_equal(event_content_hash(NONE, NONE, NONE, NONE, NONE, NONE, NONE, 0), 0);
}

static void test_hash(void **unused)
{
	(void)unused;
	/* stored keys: the value must never change */
	assert_int_equal(hash64("", 0, 0), hash64(NULL, 0, 0));
	assert_int_not_equal(hash64("a", 1, 0), hash64("a", 1, 1));
	assert_int_not_equal(hash64("abcdefgh", 8, 0), hash64("abcdefgi", 8, 0));
	assert_int_not_equal(hash64("abcdefghi", 9, 0), hash64("abcdefgh", 8, 0));
	/* no collisions among many short keys */
	enum { N = 20000 };
	static uint64_t seen[N];
	char key[32];
	for (int i = 0; i < N; i++) {
		int n = snprintf(key, sizeof key, "event-%d", i);
		seen[i] = hash64(key, (size_t)n, 7);
		for (int j = 0; j < i; j += 97)
			assert_int_not_equal(seen[i], seen[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_suppression),
		cmocka_unit_test(test_content_identity),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
