/* gen_out.c — the generator's output buffers and the small JSON pieces it
 * writes millions of times: numbers, local times, ids.  Hand-written instead
 * of snprintf because the generator must write a few hundred MB/s. */
#include "gen_int.h"

#include <errno.h>
#include <stdlib.h>

#include "redrive/error.h"
#include "redrive/timefmt.h"
#include "redrive/tz.h"

void gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ gen_mix(stream + 0x6A09E667F3BCC909ull);
	for (int i = 0; i < 4; i++) {
		x += 0x9E3779B97F4A7C15ull; /* splitmix64 */
		r->s[i] = gen_mix(x);
	}
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1; /* the one state xoshiro cannot leave */
}

int gen_obuf_init(struct gen_obuf *b, FILE *f)
{
	b->f = f;
	b->len = 0;
	b->err = 0;
	b->p = malloc(GEN_OBUF_CAP);
	if (!b->p)
		return rd_error(RD_E_NOMEM, "out of memory for a %u-byte output buffer",
		                GEN_OBUF_CAP);
	return RD_OK;
}

void gen_obuf_free(struct gen_obuf *b)
{
	free(b->p);
	b->p = NULL;
}

void gen_obuf_spill(struct gen_obuf *b)
{
	if (b->f && b->len && !b->err) {
		if (fwrite(b->p, 1, b->len, b->f) != b->len)
			b->err = errno ? errno : EIO;
	}
	b->len = 0;
}

int gen_obuf_finish(struct gen_obuf *b, const char *what)
{
	gen_obuf_spill(b);
	if (b->f && !b->err && fflush(b->f) != 0)
		b->err = errno ? errno : EIO;
	if (b->err)
		return rd_error(RD_E_IO, "cannot write the %s output: %s; check the disk space and the path",
		                what, strerror(b->err));
	return RD_OK;
}

static const char digits2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

char *gen_put_u64(char *d, uint64_t v)
{
	char tmp[20];
	int n = 0;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		tmp[n++] = digits2[2 * r + 1];
		tmp[n++] = digits2[2 * r];
	}
	if (v >= 10) {
		tmp[n++] = digits2[2 * v + 1];
		tmp[n++] = digits2[2 * v];
	} else {
		tmp[n++] = (char)('0' + v);
	}
	while (n)
		*d++ = tmp[--n];
	return d;
}

char *gen_put_i64(char *d, int64_t v)
{
	if (v < 0) {
		*d++ = '-';
		return gen_put_u64(d, (uint64_t)0 - (uint64_t)v);
	}
	return gen_put_u64(d, (uint64_t)v);
}

char *gen_put_u64_pad(char *d, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		d[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return d + width;
}

char *gen_put_hex(char *d, uint64_t v, int digits, int upper)
{
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--) {
		d[i] = hex[v & 15];
		v >>= 4;
	}
	return d + digits;
}

char *gen_put_id22(char *d, uint64_t hi, uint64_t lo)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	/* 21 characters of 6 bits and one of 2 bits: 128 bits, as base64url of
	 * 16 bytes without padding. */
	for (int i = 0; i < 10; i++)
		d[i] = b64[(hi >> (58 - 6 * i)) & 63];
	d[10] = b64[((hi & 15) << 2) | (lo >> 62)];
	for (int i = 0; i < 10; i++)
		d[11 + i] = b64[(lo >> (56 - 6 * i)) & 63];
	d[21] = b64[(lo & 3) << 4];
	return d + 22;
}

char *gen_put_escaped(char *d, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': *d++ = '\\'; *d++ = '"'; break;
		case '\\': *d++ = '\\'; *d++ = '\\'; break;
		case '\n': *d++ = '\\'; *d++ = 'n'; break;
		case '\r': *d++ = '\\'; *d++ = 'r'; break;
		case '\t': *d++ = '\\'; *d++ = 't'; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				d = GEN_PUTS(d, "\\u00");
				*d++ = hex[c >> 4];
				*d++ = hex[c & 15];
			} else {
				*d++ = (char)c;
			}
		}
	}
	return d;
}

void gen_clock_init(struct gen_clock *c, const struct tz *z)
{
	c->z = z;
	c->hour = INT64_MIN;
	c->off = 0;
	c->day = INT64_MIN;
	memset(c->date, 0, sizeof c->date);
	memset(c->offs, 0, sizeof c->offs);
}

int32_t gen_clock_offset(struct gen_clock *c, int64_t t)
{
	int64_t hour = gen_floor_div(t, 3600);
	if (hour != c->hour) {
		/* Offsets change on whole hours in every zone we use; asking once per
		 * hour keeps tz lookups off the hot path. */
		int32_t off = tz_offset_at(c->z, t, NULL);
		if (off != c->off || c->hour == INT64_MIN) {
			int32_t a = off < 0 ? -off : off;
			c->offs[0] = off < 0 ? '-' : '+';
			gen_put_u64_pad(c->offs + 1, (uint64_t)(a / 3600), 2);
			c->offs[3] = ':';
			gen_put_u64_pad(c->offs + 4, (uint64_t)(a / 60 % 60), 2);
			c->day = INT64_MIN;
		}
		c->off = off;
		c->hour = hour;
	}
	return c->off;
}

char *gen_put_local(struct gen_clock *c, char *d, int64_t t)
{
	int64_t local = t + gen_clock_offset(c, t);
	int64_t day = gen_floor_div(local, 86400);
	int64_t sec = local - day * 86400;

	if (day != c->day) {
		int64_t y;
		int m, dd;
		timefmt_civil_from_days(day, &y, &m, &dd);
		gen_put_u64_pad(c->date, (uint64_t)y, 4);
		c->date[4] = '-';
		gen_put_u64_pad(c->date + 5, (uint64_t)m, 2);
		c->date[7] = '-';
		gen_put_u64_pad(c->date + 8, (uint64_t)dd, 2);
		c->day = day;
	}
	d = gen_put(d, c->date, 10);
	*d++ = 'T';
	d = gen_put(d, digits2 + 2 * (sec / 3600), 2);
	*d++ = ':';
	d = gen_put(d, digits2 + 2 * (sec / 60 % 60), 2);
	*d++ = ':';
	d = gen_put(d, digits2 + 2 * (sec % 60), 2);
	return gen_put(d, c->offs, 6);
}
