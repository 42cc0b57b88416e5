#include "redrive/hash.h"

#include <string.h>

/* Multiply-xorshift mixing over 8-byte words (in the spirit of wyhash and
 * MurmurHash3's finaliser).  Words are read little-endian so the value does
 * not depend on the machine. */

#define K1 0x9E3779B97F4A7C15ull
#define K2 0xC2B2AE3D27D4EB4Full
#define K3 0x165667B19E3779F9ull

static uint64_t load64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= K2;
	h ^= h >> 29;
	h *= K3;
	h ^= h >> 32;
	return h;
}

uint64_t hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (n * K1);
	while (n >= 8) {
		h ^= mix(load64(p) * K1);
		h = rotl(h, 27) * K2 + K3;
		p += 8;
		n -= 8;
	}
	if (n) {
		unsigned char tail[8] = { 0 };
		memcpy(tail, p, n);
		h ^= mix(load64(tail) * K3 + n);
		h = rotl(h, 31) * K1;
	}
	return mix(h);
}

void hash64_init(struct hash64_state *s, uint64_t seed)
{
	s->h = mix(seed + K1);
}

void hash64_field(struct hash64_state *s, const void *p, size_t n)
{
	/* absence and each field boundary are mixed in as distinct values */
	uint64_t v = p ? hash64(p, n, s->h) : mix(s->h ^ K3);
	s->h = rotl(s->h ^ v, 23) * K1 + K2;
}

void hash64_u64(struct hash64_state *s, uint64_t v)
{
	s->h = rotl(s->h ^ mix(v + K2), 29) * K1 + K3;
}

uint64_t hash64_final(const struct hash64_state *s)
{
	return mix(s->h);
}
