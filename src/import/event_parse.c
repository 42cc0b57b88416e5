#include "redrive/event_parse.h"

#include <string.h>

#include "redrive/jsonfields.h"

/* The text fields first, in the order of struct ev_fields. */
enum field { F_EVENT, F_EMAIL, F_EID, F_SID, F_KEY, F_TYPE, F_ATTEMPT, F_URL, F_REASON, F_RESPONSE,
             F_TIMESTAMP, F_BATCH, F_COUNT };

static const char *const names[F_COUNT] = { "event", "email", "sg_event_id", "sg_message_id", "msg_key",
                                            "type", "attempt", "url", "reason", "response",
                                            "timestamp", "redrive_batch" };

static struct rd_span span(const struct jf_value *v)
{
	return (struct rd_span){ v->p, v->n };
}

/* redrive_batch: a whole number from 0, or its digits as a string; else 0. */
static int64_t batch_id(const struct jf_value *v)
{
	int64_t n = 0;
	if (v->type == JF_NUMBER)
		return jsonfields_int64(v->p, v->n, &n) == 0 && n >= 0 ? n : 0;
	if (v->type != JF_STRING)
		return 0;
	size_t i = 0;
	while (i < v->n && v->p[i] >= '0' && v->p[i] <= '9' && n < INT64_MAX / 10)
		n = n * 10 + (v->p[i++] - '0');
	return i == v->n && v->n ? n : 0;
}

const char *event_parse(const char *rec, size_t n, char *scratch, struct ev_fields *out)
{
	struct jf_value v[F_COUNT];
	memset(out, 0, sizeof *out);
	switch (jsonfields_read(rec, n, names, F_COUNT, scratch, v, 0)) {
	case JF_OK: break;
	case JF_NOT_OBJECT: return "an event must be a JSON object";
	default: return "the event is not valid UTF-8";
	}

	struct rd_span *text[F_TIMESTAMP] = { &out->event, &out->email, &out->sg_event_id, &out->sg_message_id,
	                                      &out->msg_key, &out->type, &out->attempt, &out->url,
	                                      &out->reason, &out->response };
	/* other types count as absent; msg_key and attempt may be numbers, kept as their text */
	for (int i = 0; i < F_TIMESTAMP; i++) {
		if (v[i].type == JF_STRING) {
			if (v[i].nul)
				return "a field contains a NUL character (\\u0000)";
			*text[i] = span(&v[i]);
		} else if (v[i].type == JF_NUMBER && (i == F_KEY || i == F_ATTEMPT)) {
			*text[i] = span(&v[i]);
		}
	}
	/* a present but unusable timestamp is reported before a missing event,
	 * as when fields were checked in the order they came; INT64_MIN is no
	 * time and is refused, as it always was */
	const struct jf_value *ts = &v[F_TIMESTAMP];
	int ts_ok = ts->type == JF_NUMBER && jsonfields_int64(ts->p, ts->n, &out->timestamp) == 0 &&
	            out->timestamp != INT64_MIN;
	if (!ts_ok) {
		out->timestamp = 0;
		if (ts->type != JF_ABSENT)
			return "timestamp must be an integer (Unix seconds)";
	}
	out->redrive_batch = batch_id(&v[F_BATCH]);
	if (!out->event.p)
		return "event must be a string (delivered, bounce, …)";
	if (!ts_ok)
		return "timestamp must be an integer (Unix seconds)";
	if (!out->email.p || !out->email.n)
		return "email must be a non-empty string";
	if (out->email.n > 1024)
		return "email is longer than 1024 bytes";
	return NULL;
}
