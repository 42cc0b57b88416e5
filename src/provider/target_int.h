/* target_int.h — what the targets share inside src/provider: the vtable
 * behind target.h, result helpers and reading a secret from a private file.
 * Not for other modules: they use include/redrive/target.h.
 */
#ifndef REDRIVE_TARGET_INT_H
#define REDRIVE_TARGET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "redrive/target.h"

struct target_ops {
	const char *name;
	size_t max_batch;
	uint64_t (*group_key)(const struct target *t, const struct target_msg *m);
	/* Fills *r; returns RD_OK, or an error code for a local failure (then
	 * r->outcome is TO_STOP and nothing left this process). */
	int (*send)(struct target *t, const struct target_msg *m, size_t n, struct target_result *r);
	void (*close)(struct target *t);
};

/* Every target begins with this, so target.c can dispatch. */
struct target {
	const struct target_ops *ops;
};

/* The end of a target_open_*: with rc == RD_OK *out = t, else t is closed
 * and rc returned. */
int target_opened(struct target *t, int rc, struct target **out);

/* Empties r (outcome TO_FAILED, no id, no error, no wait). */
void target_result_clear(struct target_result *r);

/* Sets r->outcome and r->error from a format; the text is made safe for a
 * terminal (utf8_sanitize) and cut on a character boundary to fit. */
void target_result_set(struct target_result *r, enum target_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies s (untrusted, may be NULL) into dst[0..dstlen) sanitised and cut on
 * a character boundary. */
void target_copy_safe(char *dst, size_t dstlen, const char *s, size_t n);

/* A request or message for m could not be built (rc, recorded): out of
 * memory stops the run (TO_STOP, rc returned); anything else fails these
 * messages only (TO_FAILED, RD_OK returned).  For a target's send. */
int target_build_failed(struct target_result *r, int rc);

/* Replaces every occurrence of secret (when non-empty) in s with "***", in
 * place: an error text a server echoed must never carry our key.  A secret
 * shorter than three bytes (never a real one) is starred once, as long as
 * it is, so that s never grows. */
void target_redact(char *s, const char *secret);

/* The largest secret we read (API keys and passwords are far shorter). */
#define TARGET_SECRET_MAX 4096

/* Reads a secret from path: a regular file, readable by its owner only
 * (mode 0600 or 0400), not a symbolic link; surrounding white space is
 * dropped and the secret must be printable ASCII without spaces.  what names
 * it in messages ("SendGrid API key"), env the variable that named the file.
 * On success out holds a NUL-terminated copy; the caller wipes it
 * (explicit_bzero) when done.  RD_E_AUTH with a message that never holds
 * the secret otherwise. */
int target_secret_file(const char *path, const char *env, const char *what, char *out,
		       size_t outlen);

/* Whole seconds from environment variable name: def when unset or empty;
 * RD_E_USAGE unless it is an integer in [1, max]. */
int target_env_seconds(const char *name, long def, long max, long *out);

/* 1 if host (as in a URL, IPv6 without brackets) is this machine's loopback. */
int target_host_is_loopback(const char *host);

#endif
