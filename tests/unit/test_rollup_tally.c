/* test_rollup_tally.c — the in-memory counts by msg_rollup key that the
 * outbox hand-over gathers while it marks a chunk requeued: every key
 * counted exactly, across growth of the table, and nothing after a clear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/store/rollup_tally.h"
#include "redrive/error.h"

#define KEYS 5000

static void key_of(int i, int64_t key[ROLLUP_KEY_LEN])
{
	/* neighbouring minutes and campaigns, as in a real chunk, and negatives */
	key[0] = 29891666 + i / 7;
	key[1] = i % 7;
	key[2] = i % 3;
	key[3] = i % 5 == 0 ? 8 : 0;
	key[4] = i % 2;
	key[5] = i % 11 == 0 ? -1 : 29923319;
}

static void test_counts_across_growth(void **state)
{
	(void)state;
	struct rollup_tally t = { 0 };
	int64_t key[ROLLUP_KEY_LEN];
	int64_t added = 0;
	for (int i = 0; i < KEYS; i++)
		for (int k = 0; k <= i % 4; k++, added++) {
			key_of(i, key);
			assert_int_equal(rollup_tally_add(&t, key), RD_OK);
		}
	assert_int_equal(t.used, KEYS);
	assert_true(2 * t.used <= t.cap);

	/* each key once, with its own count */
	char *seen = calloc(KEYS, 1);
	int64_t total = 0;
	size_t pos = 0, n = 0;
	const struct rollup_count *c;
	while ((c = rollup_tally_next(&t, &pos)) != NULL) {
		int i = (int)((c->key[0] - 29891666) * 7);
		while (i < KEYS && (key_of(i, key), memcmp(key, c->key, sizeof key) != 0))
			i++;
		assert_true(i < KEYS);
		assert_false(seen[i]);
		seen[i] = 1;
		assert_int_equal(c->n, i % 4 + 1);
		total += c->n;
		n++;
	}
	assert_int_equal(n, KEYS);
	assert_int_equal(total, added);
	free(seen);

	rollup_tally_clear(&t);
	pos = 0;
	assert_null(rollup_tally_next(&t, &pos));
	key_of(3, key);
	assert_int_equal(rollup_tally_add(&t, key), RD_OK);
	pos = 0;
	c = rollup_tally_next(&t, &pos);
	assert_non_null(c);
	assert_int_equal(c->n, 1);
	assert_null(rollup_tally_next(&t, &pos));
	rollup_tally_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_across_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
