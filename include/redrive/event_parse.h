/* event_parse.h — the fields redrive needs from one webhook event, read
 * straight from the record's text.
 *
 * The record must be one JSON value that jsonstream returned (its syntax is
 * already validated); this only walks the top-level object, decodes the
 * strings it keeps, and skips everything else — several times faster than
 * building a jansson tree for each of millions of events.  The whole record
 * is kept as it came elsewhere; unknown fields cost nothing here.
 */
#ifndef REDRIVE_EVENT_PARSE_H
#define REDRIVE_EVENT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "redrive/event.h"

/* Each text field points into the record (no escapes) or into the scratch
 * buffer (decoded); p == NULL: absent, null, or of another type. */
struct ev_fields {
	struct rd_span event, email, sg_event_id, sg_message_id, msg_key, type, attempt, url, reason,
		response;
	int64_t timestamp;
	int64_t redrive_batch;     /* 0 when absent or not a whole number */
};

/* Reads the fields of record rec[0..n).  scratch must hold at least n bytes
 * (decoded strings never grow); the result points into rec and scratch.
 * Returns NULL, or why the record is not a usable event:
 *   "an event must be a JSON object", "event must be a string …",
 *   "timestamp must be an integer (Unix seconds)", "email must be a non-empty
 *   string", "… is not valid UTF-8", "… contains a NUL character".
 * msg_key and attempt may also be numbers (kept as their text). */
const char *event_parse(const char *rec, size_t n, char *scratch, struct ev_fields *out);

#endif
