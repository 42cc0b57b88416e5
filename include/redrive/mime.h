/* mime.h — a stored SendGrid v3 mail/send payload as an RFC 5322 / MIME
 * message, for the SMTP target.  Pure: no I/O, no clock (the caller gives
 * the date), the same input always gives the same bytes.
 *
 * The message has CRLF line ends and lines of at most 78 characters except
 * where a single token is longer (never past 998).  Non-ASCII header text
 * becomes RFC 2047 "B" encoded-words of at most 75 characters, split on
 * character boundaries; bodies are UTF-8 in base64 lines of 76 characters;
 * text/plain and text/html become a multipart/alternative, one of them a
 * single part.  Text from the payload can never start a header of its own:
 * control characters in header text (CR, LF, TAB, ...) become spaces.
 * Dot-stuffing is the SMTP client's job (libcurl does it).
 *
 * Errors: RD_E_INPUT with a message naming the payload field when the
 * payload cannot be sent over SMTP (no sender, no content, a SendGrid
 * template, attachments, a non-ASCII address, ...); RD_E_NOMEM.
 */
#ifndef REDRIVE_MIME_H
#define REDRIVE_MIME_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Largest Message-ID we make, angle brackets and NUL included. */
#define MIME_MESSAGE_ID_MAX 256
/* Largest address (RFC 5321 path limit) plus NUL. */
#define MIME_ADDRESS_MAX 321

/* One message to render.  Strings are NUL terminated, owned by the caller. */
struct mime_msg {
	const char *payload;    /* JSON text of the stored mail/send object */
	const char *msg_key;    /* the sending application's id of the message */
	const char *recipient;  /* the envelope recipient; the To header when the payload names none */
	int64_t batch;          /* the redrive batch */
	int64_t date;           /* Unix seconds for the Date header */
};

/* What the SMTP client needs besides the bytes. */
struct mime_envelope {
	char from[MIME_ADDRESS_MAX];                /* MAIL FROM: the payload's from.email */
	char message_id[MIME_MESSAGE_ID_MAX];       /* "<...>", as in the Message-ID header */
};

/* Renders m and appends the whole message to out (the caller owns and frees
 * out); fills *env.  The personalization used is the payload's first; its
 * from, subject, headers, substitutions and custom_args win over the top
 * level's.  The X-SMTPAPI header carries
 * {"unique_args":{...custom_args...,"msg_key":KEY,"redrive_batch":"BATCH"}}
 * so a SendGrid SMTP relay reports events that match back.  On error out
 * may hold part of a message; reset it before reuse. */
int mime_render(const struct mime_msg *m, struct buf *out, struct mime_envelope *env);

/* The Message-ID of a message: "<redrive.BATCH.KEY@DOMAIN>".  KEY is the
 * msg_key when it is a dot-atom of RFC 5322 atext that does not begin with
 * "x-" or "h-"; otherwise "x-" and its bytes in lower-case hex; when the
 * result would not fit MIME_MESSAGE_ID_MAX, "h-" and 16 hex digits of its
 * hash64.  DOMAIN is the domain of from_email when it is a plain host name
 * (letters, digits, '-', '.'), else "redrive.invalid".  So one (batch,
 * msg_key) always gives the same id, and different keys give different ids
 * (but for the hashed form).  out must hold MIME_MESSAGE_ID_MAX bytes. */
void mime_message_id(const char *msg_key, int64_t batch, const char *from_email,
		     char out[MIME_MESSAGE_ID_MAX]);

/* Appends the header field "name: value" CRLF for unstructured text (Subject,
 * most X- headers): printable ASCII is folded at spaces; anything else (or
 * text holding "=?") becomes encoded-words.  RD_E_INPUT for a name that is
 * not 1-76 printable ASCII characters without ':'. */
int mime_header_text(struct buf *out, const char *name, const char *value);

/* One mailbox: display name (may be NULL or empty) and address. */
struct mime_addr {
	const char *name;
	const char *email;
};

/* Appends "name: mailbox, mailbox" CRLF: an ASCII display name as a quoted
 * string, any other as encoded-words.  RD_E_INPUT when an address is not a
 * plain ASCII addr-spec (see mime_address_ok) or n is 0. */
int mime_header_addresses(struct buf *out, const char *name, const struct mime_addr *a, size_t n);

/* 1 if s can go between angle brackets in a header and an SMTP command:
 * printable ASCII, one '@' with text on both sides, none of ()<>[]\,;:"
 * nor space, at most 320 bytes. */
int mime_address_ok(const char *s);

/* Appends s[0..n) in base64 (RFC 2045), CRLF after every 76 characters and
 * after the last line. */
int mime_base64_lines(struct buf *out, const void *s, size_t n);

#endif
