/* rollup_tally.h — private to src/store: counts of messages by their
 * msg_rollup key, gathered in memory while one statement changes them. */
#ifndef REDRIVE_ROLLUP_TALLY_H
#define REDRIVE_ROLLUP_TALLY_H

#include <stddef.h>
#include <stdint.h>

/* minute, campaign_id, state, flags, sent, rq_minute: ROLLUP_COLUMNS */
#define ROLLUP_KEY_LEN 6

struct rollup_count {
	int64_t key[ROLLUP_KEY_LEN];
	int64_t n;
};

struct rollup_tally {
	struct rollup_count *slot; /* open addressing; n == 0: empty */
	size_t cap, used;
};

/* Counts one message under key; RD_E_NOMEM when the table cannot grow. */
int rollup_tally_add(struct rollup_tally *t, const int64_t key[ROLLUP_KEY_LEN]);
/* The next counted key after *pos (start with *pos = 0); NULL at the end. */
const struct rollup_count *rollup_tally_next(const struct rollup_tally *t, size_t *pos);
/* Forgets every count; keeps the memory. */
void rollup_tally_clear(struct rollup_tally *t);
void rollup_tally_free(struct rollup_tally *t);

#endif
