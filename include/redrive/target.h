/* target.h — how the requeue engine hands messages to a network target
 * (SendGrid v3 mail/send, or an SMTP relay through libcurl).
 *
 * A target makes ONE attempt per call and says what happened; the engine
 * owns the item states, retries, back-off, rate and the journal.  The one
 * rule a target must get right is the line between "the request never left"
 * (TO_RETRY: safe to send again) and "it may have arrived" (TO_UNKNOWN: never
 * sent again without the operator's word): there is no idempotency key.
 */
#ifndef REDRIVE_TARGET_H
#define REDRIVE_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* One message to hand over.  All strings NUL terminated, owned by the caller,
 * valid during the call. */
struct target_msg {
	const char *msg_key;
	const char *recipient;
	const char *payload;    /* the stored SendGrid v3 mail/send object for this one recipient, or "" */
	int64_t batch;          /* the redrive batch: goes into custom_args / headers */
};

enum target_outcome {
	TO_SENT,      /* accepted by the target */
	TO_FAILED,    /* refused for this request (400, 413, a 5xx SMTP reply): not retried */
	TO_RETRY,     /* did not reach the target, or it asked us to come back (429, 5xx HTTP) */
	TO_UNKNOWN,   /* the request left and no answer came: it may have been accepted */
	TO_STOP       /* the target refuses us altogether (401/403, login denied): stop the batch */
};

struct target_result {
	enum target_outcome outcome;
	char provider_id[256];  /* SendGrid X-Message-Id, or the SMTP Message-ID we set */
	char error[512];        /* what the target said (sanitised, never a secret) */
	double retry_after;     /* TO_RETRY: seconds to wait, 0 = the engine's back-off */
};

struct target;

/* The largest number of messages one call may carry (1000 for SendGrid's
 * personalizations, 1 for SMTP). */
size_t target_max_batch(const struct target *t);

/* Messages with equal keys may share one request (same sender, subject,
 * content: everything but the personalization).  SMTP: every message its own. */
uint64_t target_group_key(const struct target *t, const struct target_msg *m);

/* Makes one attempt with messages m[0..n) (n <= target_max_batch, equal group
 * keys); the one result applies to all of them.  Returns RD_OK with *r
 * filled, or an error only when nothing left the process (out of memory, a
 * bad n): then the messages can be planned again. */
int target_send(struct target *t, const struct target_msg *m, size_t n, struct target_result *r);

void target_close(struct target *t);

/* SendGrid: SENDGRID_API_KEY, or SENDGRID_API_KEY_FILE (must be mode 0600);
 * SENDGRID_API_URL (default https://api.sendgrid.com); REDRIVE_HTTP_TIMEOUT
 * (seconds, default 30).  RD_E_AUTH when there is no usable key, RD_E_USAGE
 * for a bad setting. */
int target_open_sendgrid(struct target **out);

/* smtp://HOST:PORT or smtps://HOST:PORT; REDRIVE_SMTP_USER and
 * REDRIVE_SMTP_PASSWORD_FILE (0600) for relays that need a login;
 * REDRIVE_TLS_INSECURE=1 turns certificate verification off (explicitly). */
int target_open_smtp(const char *url, struct target **out);
/* RD_OK when url is a relay URL target_open_smtp takes; else RD_E_USAGE
 * with what is wrong (a login in the URL is refused without repeating it). */
int target_smtp_url_check(const char *url);

#endif
