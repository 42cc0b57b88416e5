/* target.c — the dispatch of target.h over each target's vtable, and the
 * small things every target needs: safe error texts and private files. */
#include "redrive/target.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/utf8.h"
#include "target_int.h"

size_t target_max_batch(const struct target *t)
{
	return t ? t->ops->max_batch : 0;
}

uint64_t target_group_key(const struct target *t, const struct target_msg *m)
{
	return t && m ? t->ops->group_key(t, m) : 0;
}

int target_send(struct target *t, const struct target_msg *m, size_t n, struct target_result *r)
{
	target_result_clear(r);
	if (!t || !m || n == 0 || n > t->ops->max_batch) {
		target_result_set(r, TO_STOP, "internal error: %zu messages handed to the %s target "
				  "(1 to %zu allowed)", n, t ? t->ops->name : "closed",
				  t ? t->ops->max_batch : (size_t)0);
		return rd_error(RD_E_FAIL, "%s", r->error);
	}
	return t->ops->send(t, m, n, r);
}

void target_close(struct target *t)
{
	if (t)
		t->ops->close(t);
}

int target_opened(struct target *t, int rc, struct target **out)
{
	if (rc) {
		target_close(t);
		return rc;
	}
	*out = t;
	return RD_OK;
}

/* ---- results -------------------------------------------------------------- */

void target_result_clear(struct target_result *r)
{
	r->outcome = TO_FAILED;
	r->provider_id[0] = '\0';
	r->error[0] = '\0';
	r->retry_after = 0;
}

void target_copy_safe(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (dstlen == 0)
		return;
	dst[0] = '\0';
	if (!s || n == 0)
		return;
	struct buf b;
	buf_init(&b, 0);
	if (utf8_sanitize(&b, s, n) != RD_OK) {
		buf_free(&b);
		return;
	}
	/* cut on a character boundary: never leave half a UTF-8 sequence */
	size_t len = b.len;
	if (len >= dstlen) {
		len = dstlen - 1;
		while (len > 0 && ((unsigned char)b.p[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, b.p, len);
	dst[len] = '\0';
	buf_free(&b);
}

void target_result_set(struct target_result *r, enum target_outcome o, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		tmp[0] = '\0';
	r->outcome = o;
	target_copy_safe(r->error, sizeof r->error, tmp, strlen(tmp));
}

int target_build_failed(struct target_result *r, int rc)
{
	if (rc == RD_E_NOMEM) {
		target_result_set(r, TO_STOP, "%s", rd_error_message());
		return rc;
	}
	target_result_set(r, TO_FAILED, "%s", rd_error_message());
	return RD_OK;
}

void target_redact(char *s, const char *secret)
{
	size_t k = secret ? strlen(secret) : 0;
	if (!s || k == 0)
		return;
	/* at most three stars, never more than the key: s only shrinks */
	size_t stars = k < 3 ? k : 3;
	char *p;
	while ((p = strstr(s, secret)) != NULL) {
		size_t rest = strlen(p + k);
		memset(p, '*', stars);
		memmove(p + stars, p + k, rest + 1);
		if (k < 3)
			break; /* a key this short cannot be real; avoid looping on "*" */
	}
}

/* ---- settings ------------------------------------------------------------- */

int target_secret_file(const char *path, const char *env, const char *what, char *out,
		       size_t outlen)
{
	out[0] = '\0';
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return rd_error(RD_E_AUTH, "%s: cannot open %s (named by %s): %s; point %s at a "
				"file that holds the %s", what, path, env, strerror(errno), env, what);
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rd_error(RD_E_AUTH, "%s: %s (named by %s) is not a regular file; point %s "
				"at a file of mode 0600", what, path, env, env);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return rd_error(RD_E_AUTH, "%s: %s (named by %s) has mode %04o: others can read "
				"the %s; run chmod 600 %s", what, path, env,
				(unsigned)(st.st_mode & 07777), what, path);
	}
	char raw[TARGET_SECRET_MAX + 2];
	size_t len = 0;
	for (;;) {
		ssize_t got = read(fd, raw + len, sizeof raw - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			close(fd);
			explicit_bzero(raw, sizeof raw);
			return rd_error(RD_E_AUTH, "%s: cannot read %s: %s", what, path, strerror(e));
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len >= sizeof raw - 1)
			break;
	}
	close(fd);
	if (len > TARGET_SECRET_MAX) {
		explicit_bzero(raw, sizeof raw);
		return rd_error(RD_E_AUTH, "%s: %s is larger than %d bytes; it should hold only "
				"the %s", what, path, TARGET_SECRET_MAX, what);
	}
	size_t a = 0, b = len;
	while (a < b && (raw[a] == ' ' || raw[a] == '\t' || raw[a] == '\r' || raw[a] == '\n'))
		a++;
	while (b > a && (raw[b - 1] == ' ' || raw[b - 1] == '\t' || raw[b - 1] == '\r' ||
			 raw[b - 1] == '\n'))
		b--;
	int bad = a == b;
	for (size_t i = a; i < b && !bad; i++)
		bad = (unsigned char)raw[i] <= 0x20 || (unsigned char)raw[i] >= 0x7F;
	if (bad || b - a >= outlen) {
		explicit_bzero(raw, sizeof raw);
		return rd_error(RD_E_AUTH, "%s: %s is %s; it must hold the %s alone, on one line",
				what, path, a == b ? "empty" : "not a usable secret (control "
				"characters, spaces or not ASCII)", what);
	}
	memcpy(out, raw + a, b - a);
	out[b - a] = '\0';
	explicit_bzero(raw, sizeof raw);
	return RD_OK;
}

int target_env_seconds(const char *name, long def, long max, long *out)
{
	const char *v = getenv(name);
	*out = def;
	if (!v || !*v)
		return RD_OK;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < 1 || n > max)
		return rd_error(RD_E_USAGE, "%s must be whole seconds from 1 to %ld (it is \"%.40s\")",
				name, max, v);
	*out = n;
	return RD_OK;
}

int target_host_is_loopback(const char *host)
{
	if (!host)
		return 0;
	if (strcmp(host, "localhost") == 0)
		return 1;
	char h[64];
	size_t n = strlen(host);
	if (n >= sizeof h)
		return 0;
	memcpy(h, host, n + 1);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		memmove(h, h + 1, n - 2);
		h[n - 2] = '\0';
	}
	unsigned char a[16];
	if (inet_pton(AF_INET, h, a) == 1)
		return a[0] == 127;
	static const unsigned char v6_loopback[16] = { [15] = 1 };
	return inet_pton(AF_INET6, h, a) == 1 && memcmp(a, v6_loopback, 16) == 0;
}
