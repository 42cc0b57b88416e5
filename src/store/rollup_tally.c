/* rollup_tally.c — a small hash table of msg_rollup keys and counts.
 *
 * The outbox hand-over (store_requeue.c) marks up to a chunk of messages
 * `requeued` in one UPDATE; the SQL function rd_rollup_tally (store.c) adds
 * each row's old key here as SQLite evaluates the SET clause, which sees the
 * row as it was.  A chunk has few distinct keys (minute × campaign × state ×
 * flags), so the table stays small.
 */
#include "rollup_tally.h"

#include <stdlib.h>
#include <string.h>

#include "redrive/error.h"

static uint64_t key_hash(const int64_t key[ROLLUP_KEY_LEN])
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < ROLLUP_KEY_LEN; i++) {
		h ^= (uint64_t)key[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

static struct rollup_count *find(struct rollup_count *slot, size_t cap, const int64_t key[ROLLUP_KEY_LEN])
{
	size_t i = (size_t)key_hash(key) & (cap - 1);
	while (slot[i].n && memcmp(slot[i].key, key, sizeof slot[i].key) != 0)
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static int grow(struct rollup_tally *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct rollup_count *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return rd_error(RD_E_NOMEM, "out of memory counting messages by rollup key");
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].n)
			*find(slot, cap, t->slot[i].key) = t->slot[i];
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return RD_OK;
}

int rollup_tally_add(struct rollup_tally *t, const int64_t key[ROLLUP_KEY_LEN])
{
	/* at most half full, so a probe ends soon */
	if (2 * (t->used + 1) > t->cap) {
		int rc = grow(t);
		if (rc)
			return rc;
	}
	struct rollup_count *c = find(t->slot, t->cap, key);
	if (!c->n) {
		memcpy(c->key, key, sizeof c->key);
		t->used++;
	}
	c->n++;
	return RD_OK;
}

const struct rollup_count *rollup_tally_next(const struct rollup_tally *t, size_t *pos)
{
	while (*pos < t->cap) {
		const struct rollup_count *c = &t->slot[(*pos)++];
		if (c->n)
			return c;
	}
	return NULL;
}

void rollup_tally_clear(struct rollup_tally *t)
{
	if (t->slot)
		memset(t->slot, 0, t->cap * sizeof *t->slot);
	t->used = 0;
}

void rollup_tally_free(struct rollup_tally *t)
{
	free(t->slot);
	*t = (struct rollup_tally){ 0 };
}
