/* message.h — one message as redrive sees it (SPEC §1), and the checks on
 * send-log fields.  Pure.
 */
#ifndef REDRIVE_MESSAGE_H
#define REDRIVE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

/* An absent instant (SQL NULL). */
#define RD_NO_TIME INT64_MIN

/* A message row for output.  Strings are NUL terminated, never NULL ("" when
 * absent), and owned by whatever filled the row (a page: valid until the
 * page is refilled or freed). */
struct rd_message {
	int64_t id;            /* store row id (keyset cursor with t_at) */
	int64_t t_at;          /* sent_at, else queued_at: what the windows test */
	const char *msg_key;
	const char *campaign;
	const char *recipient;
	const char *email_name;
	const char *subject;
	const char *provider_msg_id;
	const char *last_event;
	const char *reason;
	int64_t queued_at;
	int64_t sent_at;
	int64_t dead_at;
	int64_t last_event_at;
	int64_t requeued_at;
	int64_t requeue_batch; /* 0 when never requeued */
	int state;
	int flags;             /* stored flags plus RD_FLAG_STALE and RD_FLAG_SUPPRESSED */
	int attempts;
	int affected;
};

/* 1 if s looks like a deliverable address: one '@', a non-empty local part
 * and domain, no spaces, control characters, or angle brackets. */
int message_valid_recipient(const char *s);

/* Lowercases an address in place (ASCII only; the local part of real
 * addresses is matched case-insensitively by every large provider). */
void message_normalize_recipient(char *s);

#endif
