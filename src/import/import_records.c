/* import_records.c — campaigns and send-log rows from JSON or CSV.
 *
 * Both formats become one JSON object per row (a CSV row is an object of its
 * header's names to strings, empty cells absent), so there is one set of
 * field rules for both.  Events have their own, faster path (import_events.c).
 */
#include "redrive/import.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "import_input.h"
#include "redrive/buf.h"
#include "redrive/campaign.h"
#include "redrive/csv.h"
#include "redrive/error.h"
#include "redrive/jsonstream.h"
#include "redrive/limits.h"
#include "redrive/message.h"
#include "redrive/rejects.h"
#include "redrive/store.h"
#include "redrive/store_ingest.h"
#include "redrive/timefmt.h"
#include "redrive/utf8.h"

/* Rows per transaction. */
#define RECORDS_PER_COMMIT 20000
#define MAX_KEY_LEN 1024

/* ---- reading fields ------------------------------------------------------- */

/* A string field: NULL when absent, null or empty; *err set for a non-string. */
static const char *text_field(json_t *o, const char *name, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_integer(v) || json_is_real(v)) {
		/* a number where text is expected (a numeric msg_key): keep its text */
		char tmp[64];
		if (json_is_integer(v))
			snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
		else
			snprintf(tmp, sizeof tmp, "%.17g", json_real_value(v));
		json_object_set_new(o, name, json_string(tmp));
		v = json_object_get(o, name);
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s must be text", name);
		return NULL;
	}
	const char *s = json_string_value(v);
	if (!*s)
		return NULL;
	if (json_string_length(v) > RD_MAX_TEXT_FIELD) {
		snprintf(err, errlen, "%s is longer than %u bytes", name, RD_MAX_TEXT_FIELD);
		return NULL;
	}
	if (strlen(s) != json_string_length(v)) {
		snprintf(err, errlen, "%s contains a NUL character", name);
		return NULL;
	}
	return s;
}

/* An instant: ISO 8601 with offset or Unix seconds (number or digits). */
static int64_t time_field(json_t *o, const char *name, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);
	if (!v || json_is_null(v))
		return RD_NO_TIME;
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s must be a time (ISO 8601 with offset, or Unix seconds)", name);
		return RD_NO_TIME;
	}
	const char *s = json_string_value(v);
	int64_t t;
	if (!*s)
		return RD_NO_TIME;
	if (timefmt_parse_instant(s, strlen(s), &t) != 0) {
		struct buf safe = BUF_INIT;
		utf8_sanitize(&safe, s, strlen(s) > 64 ? 64 : strlen(s));
		snprintf(err, errlen,
		         "%s \"%s\" is not a time: write ISO 8601 with an offset "
		         "(2018-09-12T04:30:00+09:00) or Unix seconds",
		         name, buf_str(&safe));
		buf_free(&safe);
		return RD_NO_TIME;
	}
	return t;
}

/* ---- campaigns ------------------------------------------------------------ */

static int campaign_row(struct store *s, json_t *o, char *err, size_t errlen, int *changed)
{
	struct rd_campaign_in c = {
		.name = text_field(o, "name", err, errlen),
		.kind = text_field(o, "kind", err, errlen),
		.schedule = text_field(o, "schedule", err, errlen),
		.status = text_field(o, "status", err, errlen),
	};
	if (*err)
		return RD_E_INPUT;
	if (!c.name) {
		snprintf(err, errlen, "a campaign needs a name");
		return RD_E_INPUT;
	}
	if (c.kind && !campaign_valid_kind(c.kind)) {
		snprintf(err, errlen, "kind must be trigger, batch or transactional");
		return RD_E_INPUT;
	}
	if (c.schedule && !campaign_valid_schedule(c.schedule)) {
		snprintf(err, errlen, "schedule must be once or recurring");
		return RD_E_INPUT;
	}
	if (c.status && !campaign_valid_status(c.status)) {
		snprintf(err, errlen, "status must be draft, scheduled, running, stopped or done");
		return RD_E_INPUT;
	}
	return store_campaign_upsert(s, &c, changed);
}

/* ---- send log -------------------------------------------------------------- */

static int payload_field(json_t *o, char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "payload");
	*out = NULL;
	if (!v || json_is_null(v))
		return RD_OK;
	if (json_is_string(v)) {
		/* CSV, or JSON that carries the payload as a string: it must parse */
		if (!json_string_length(v))
			return RD_OK;
		json_error_t je;
		json_t *p = json_loadb(json_string_value(v), json_string_length(v), 0, &je);
		if (!p || !json_is_object(p)) {
			snprintf(err, errlen, "payload must be a JSON object (%s)", p ? "it is not an object" : je.text);
			json_decref(p);
			return RD_E_INPUT;
		}
		v = p;
		*out = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(p);
	} else if (json_is_object(v)) {
		*out = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	} else {
		snprintf(err, errlen, "payload must be a JSON object (a SendGrid v3 mail/send body)");
		return RD_E_INPUT;
	}
	return *out ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
}

static int attempts_field(json_t *o, struct rd_message_in *m, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "attempts");
	if (!v || json_is_null(v))
		return RD_OK;
	long long n = -1;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		if (!*s)
			return RD_OK;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (*end || errno)
			n = -1;
	}
	if (n < 0 || n > 1000000) {
		snprintf(err, errlen, "attempts must be a whole number from 0");
		return RD_E_INPUT;
	}
	m->has_attempts = 1;
	m->attempts = n;
	return RD_OK;
}

static int check_message(const struct rd_message_in *m, char *err, size_t errlen)
{
	if (!m->msg_key)
		snprintf(err, errlen, "a send-log row needs msg_key");
	else if (strlen(m->msg_key) > MAX_KEY_LEN)
		snprintf(err, errlen, "msg_key is longer than %d bytes", MAX_KEY_LEN);
	else if (!m->campaign)
		snprintf(err, errlen, "a send-log row needs campaign");
	else if (!m->recipient)
		snprintf(err, errlen, "a send-log row needs recipient");
	else if (!message_valid_recipient(m->recipient))
		snprintf(err, errlen, "recipient is not an email address");
	else if (m->queued_at == RD_NO_TIME && m->sent_at == RD_NO_TIME)
		snprintf(err, errlen, "a send-log row needs queued_at or sent_at");
	return *err ? RD_E_INPUT : RD_OK;
}

static int message_row(struct store *s, json_t *o, char *err, size_t errlen, int *changed)
{
	struct rd_message_in m = {
		.msg_key = text_field(o, "msg_key", err, errlen),
		.campaign = text_field(o, "campaign", err, errlen),
		.email_name = text_field(o, "email_name", err, errlen),
		.recipient = text_field(o, "recipient", err, errlen),
		.subject = text_field(o, "subject", err, errlen),
		.provider = text_field(o, "provider", err, errlen),
		.provider_msg_id = text_field(o, "provider_msg_id", err, errlen),
		.dead_reason = text_field(o, "dead_reason", err, errlen),
		.queued_at = time_field(o, "queued_at", err, errlen),
		.sent_at = time_field(o, "sent_at", err, errlen),
		.dead_at = time_field(o, "dead_at", err, errlen),
	};
	char *payload = NULL;
	if (*err)
		return RD_E_INPUT;
	int rc = attempts_field(o, &m, err, errlen);
	if (!rc)
		rc = check_message(&m, err, errlen);
	if (!rc)
		rc = payload_field(o, &payload, err, errlen);
	if (rc)
		return rc;
	m.payload = payload;
	rc = store_message_upsert(s, &m, changed);
	free(payload);
	return rc;
}

/* ---- driving one input ------------------------------------------------------ */

struct records {
	struct store *s;
	enum import_kind kind;
	struct rejects *rej;
	struct import_result *r;
	uint64_t in_tx;
	int in_transaction;
};

static int row(struct records *ctx, json_t *o, uint64_t index, uint64_t line, uint64_t byte,
               const char *raw, size_t raw_len)
{
	char err[512] = "";
	int changed = 0, rc;

	if (!ctx->in_transaction) {
		if ((rc = store_begin(ctx->s)) != RD_OK)
			return rc;
		ctx->in_transaction = 1;
	}
	if (ctx->kind == IMPORT_CAMPAIGNS)
		rc = campaign_row(ctx->s, o, err, sizeof err, &changed);
	else
		rc = message_row(ctx->s, o, err, sizeof err, &changed);
	if (rc == RD_E_INPUT && err[0]) {
		ctx->r->rejected++;
		return rejects_add(ctx->rej, index, line, byte, err, raw, raw_len) == RD_E_NOMEM ? RD_E_NOMEM
		                                                                                  : RD_OK;
	}
	if (rc)
		return rc;
	if (changed)
		ctx->r->stored++;
	else
		ctx->r->duplicates++;
	if (++ctx->in_tx >= RECORDS_PER_COMMIT) {
		ctx->in_tx = 0;
		ctx->in_transaction = 0;
		return store_commit(ctx->s);
	}
	return RD_OK;
}

static int reject(struct records *ctx, uint64_t index, uint64_t line, uint64_t byte, const char *why,
                  const char *raw, size_t raw_len)
{
	ctx->r->rejected++;
	return rejects_add(ctx->rej, index, line, byte, why, raw, raw_len) == RD_E_NOMEM ? RD_E_NOMEM : RD_OK;
}

static int from_json(struct records *ctx, FILE *in)
{
	struct jsonstream *js = jsonstream_new(in, RD_MAX_JSON_RECORD);
	struct js_record rec;
	int rc = js ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
	int r;

	while (!rc && (r = jsonstream_next(js, &rec)) != 0) {
		if (r == -2) {
			rc = rd_error(RD_E_IO, "reading %s: %s", ctx->r->rejects_path, strerror(errno));
			break;
		}
		if (r < 0) {
			rc = reject(ctx, rec.index, rec.line, rec.byte, jsonstream_error(js), rec.p, rec.n);
			continue;
		}
		json_error_t je;
		json_t *o = json_loadb(rec.p, rec.n, 0, &je);
		if (!o)
			rc = reject(ctx, rec.index, rec.line, rec.byte, je.text, rec.p, rec.n);
		else if (!json_is_object(o))
			rc = reject(ctx, rec.index, rec.line, rec.byte, "a row must be a JSON object", rec.p, rec.n);
		else
			rc = row(ctx, o, rec.index, rec.line, rec.byte, rec.p, rec.n);
		json_decref(o);
	}
	jsonstream_free(js);
	return rc;
}

/* The header names, trimmed; empty names are kept so that columns line up. */
static json_t *csv_header(const struct csv_record *h)
{
	json_t *names = json_array();
	for (size_t i = 0; i < h->nfields; i++) {
		const char *f = h->field[i];
		size_t n = h->len[i];
		while (n && (*f == ' ' || *f == '\t'))
			f++, n--;
		while (n && (f[n - 1] == ' ' || f[n - 1] == '\t'))
			n--;
		json_array_append_new(names, json_stringn(f, n));
	}
	return names;
}

static int csv_row(struct records *ctx, json_t *names, const struct csv_record *rec, uint64_t index)
{
	if (rec->nfields != json_array_size(names)) {
		char why[128];
		snprintf(why, sizeof why, "the row has %zu fields, the header has %zu", rec->nfields,
		         json_array_size(names));
		return reject(ctx, index, rec->line, rec->byte, why, rec->raw, rec->raw_len);
	}
	json_t *o = json_object();
	for (size_t i = 0; i < rec->nfields; i++) {
		const char *name = json_string_value(json_array_get(names, i));
		if (!*name || !rec->len[i])
			continue;
		if (!utf8_valid(rec->field[i], rec->len[i])) {
			json_decref(o);
			char why[256];
			snprintf(why, sizeof why, "field %s is not valid UTF-8 (save the file as UTF-8)", name);
			return reject(ctx, index, rec->line, rec->byte, why, rec->raw, rec->raw_len);
		}
		json_object_set_new(o, name, json_stringn(rec->field[i], rec->len[i]));
	}
	int rc = row(ctx, o, index, rec->line, rec->byte, rec->raw, rec->raw_len);
	json_decref(o);
	return rc;
}

static int from_csv(struct records *ctx, FILE *in)
{
	struct csv_reader *cr = csv_reader_new(in);
	struct csv_record rec;
	json_t *names = NULL;
	uint64_t index = 0;
	int rc = cr ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
	int r;

	while (!rc && (r = csv_read(cr, &rec)) != 0) {
		if (r == -2) {
			rc = rd_error(RD_E_IO, "reading the input: %s", strerror(errno));
			break;
		}
		index++;
		if (r < 0) {
			rc = reject(ctx, index, rec.line, rec.byte, csv_reader_error(cr), rec.raw, rec.raw_len);
			continue;
		}
		if (!names) {
			names = csv_header(&rec);
			continue;
		}
		rc = csv_row(ctx, names, &rec, index);
	}
	json_decref(names);
	csv_reader_free(cr);
	return rc;
}

int import_records(struct store *s, enum import_kind kind, FILE *in, enum import_format format,
                   struct rejects *rej, struct import_result *r)
{
	struct records ctx = { .s = s, .kind = kind, .rej = rej, .r = r };
	int rc = format == IMPORT_CSV ? from_csv(&ctx, in) : from_json(&ctx, in);
	if (ctx.in_transaction) {
		if (!rc)
			rc = store_commit(s);
		else
			store_rollback(s);
	}
	if (!rc && kind == IMPORT_SENDLOG) {
		struct rd_ingest_stats st = { 0 };
		int64_t orphans = 0;
		rc = store_rematch(s, &st);
		if (!rc)
			rc = store_orphan_count(s, &orphans);
		r->rematched = st.rematched;
		r->orphans = (uint64_t)orphans;
	}
	return rc;
}
