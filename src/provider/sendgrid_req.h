/* sendgrid_req.h — the pure half of the SendGrid target: the mail/send
 * request we build from stored payloads, and what an answer means.  No I/O,
 * no clock (the caller gives "now"), so tests/unit/test_sendgrid.c covers
 * every rule here.  sendgrid.c does the HTTP.
 */
#ifndef REDRIVE_SENDGRID_REQ_H
#define REDRIVE_SENDGRID_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "redrive/target.h"

struct buf;

/* SendGrid's limit on personalizations in one request. */
#define SG_MAX_PERSONALIZATIONS 1000
/* The longest wait a 429 may ask of us; a later reset is capped to this. */
#define SG_MAX_RETRY_AFTER 900.0
/* Bytes of an answer's body we keep for its error message. */
#define SG_MAX_ERROR_BODY (64u << 10)

/* The request body for m[0..n) (payloads equal but for their
 * personalizations, as sg_group_key says): m[0]'s payload with the
 * personalizations of all of them, each personalization's custom_args
 * holding "msg_key" and "redrive_batch" (strings; ours win over stored
 * ones).  A top-level custom_args object moves into each personalization
 * (SendGrid's own description types the top-level one as a string, so a
 * validating server refuses an object there; personalization values win,
 * as SendGrid merges them).  A payload without personalizations gets one
 * "to" the message's recipient.  Appends compact JSON to out (the caller
 * owns it; its cap bounds the size).
 * RD_E_INPUT, with a message naming the msg_key, for a missing or
 * unusable payload ("no stored payload for this message"), no from.email,
 * or more than SG_MAX_PERSONALIZATIONS personalizations. */
int sg_request_build(const struct target_msg *m, size_t n, struct buf *out);

/* Messages with equal keys can share one request: the hash of the payload's
 * canonical JSON (keys sorted) without "personalizations".  A payload that
 * does not parse gets a key of its own (from its msg_key), so it fails alone. */
uint64_t sg_group_key(const struct target_msg *m);

/* An HTTP answer to POST /v3/mail/send. */
struct sg_response {
	long status;                    /* the final status (>= 200) */
	const char *body;               /* may be NULL */
	const char *message_id;         /* X-Message-Id, or NULL */
	const char *ratelimit_reset;    /* X-RateLimit-Reset (Unix seconds), or NULL */
	const char *retry_after;        /* Retry-After (seconds), or NULL */
	int64_t now;                    /* Unix seconds, to turn a reset into a wait */
};

/* What an answer means (target.h): 2xx sent (provider_id = X-Message-Id);
 * 429 retry after the reset (or Retry-After; capped at SG_MAX_RETRY_AFTER);
 * 5xx retry; 400, 413 and other 4xx failed with the provider's
 * errors[].message; 401/403 stop (the key); 404/405 stop (the URL); anything
 * else stop.  Fills r (the error text is sanitised). */
void sg_classify(const struct sg_response *resp, struct target_result *r);

/* No usable answer came.  curl_code is the CURLcode, what its text;
 * body_left says the whole request body had been handed to the network.
 * Resolve and connect failures retry; an untrusted certificate or a bad URL
 * stop; anything else retries when the body had not fully left and is
 * unknown when it had (it may have been accepted). */
void sg_classify_transport(int curl_code, const char *what, int body_left, struct target_result *r);

#endif
