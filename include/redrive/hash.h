/* hash.h — a fast 64-bit non-cryptographic hash for de-duplication keys.
 * Stable across runs, builds and machines (keys are stored): never change it. */
#ifndef REDRIVE_HASH_H
#define REDRIVE_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash64(const void *p, size_t n, uint64_t seed);

/* Incremental form: feeds fields one by one; hash64_field marks absence
 * (p == NULL) differently from an empty field and separates fields so that
 * ("ab","c") and ("a","bc") differ. */
struct hash64_state {
	uint64_t h;
};
void hash64_init(struct hash64_state *s, uint64_t seed);
void hash64_field(struct hash64_state *s, const void *p, size_t n);
void hash64_u64(struct hash64_state *s, uint64_t v);
uint64_t hash64_final(const struct hash64_state *s);

#endif
