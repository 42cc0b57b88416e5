/* import_records.c — campaigns and send-log rows from JSON or CSV.
 *
 * Each row becomes one array of field values (struct jf_value): a JSON row
 * through jsonfields, straight from its text, with no tree; a CSV row from
 * its header's columns, every non-empty cell a string.  One set of field
 * rules reads that array for both formats and copies the strings a usable
 * row keeps, NUL terminated, into one buffer for the store.  Events have
 * their own path (import_events.c).
 *
 * The rules are those of the jansson object per row this file used to
 * build, kept exactly: jansson still has the last word on a record
 * jsonfields refuses (its message is the reject reason), reads real
 * numbers, and checks a payload given as a string.
 *
 * Parsing is about a tenth of the time of an import; the rest is the store,
 * so rows go to it one by one from this thread.
 */
#include "redrive/import.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_input.h"
#include "redrive/buf.h"
#include "redrive/campaign.h"
#include "redrive/csv.h"
#include "redrive/error.h"
#include "redrive/jsonfields.h"
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
/* The cap of one row's text: what a row keeps is never longer than its
 * record (RD_MAX_CSV_RECORD is no larger), plus a NUL for each field and the
 * text of numbers given for text fields. */
#define NO_TEXT SIZE_MAX

/* ---- the fields ------------------------------------------------------------ */

/* The text fields come first: their index is also their slot in row.at. */
enum msg_field { M_KEY, M_CAMPAIGN, M_EMAIL_NAME, M_RECIPIENT, M_SUBJECT, M_PROVIDER, M_PID,
                 M_DEAD_REASON, M_PAYLOAD, M_QUEUED_AT, M_SENT_AT, M_DEAD_AT, M_ATTEMPTS, M_COUNT };
enum campaign_field { C_NAME, C_KIND, C_SCHEDULE, C_STATUS, C_COUNT };
#define NTEXT (M_PAYLOAD + 1)
#define MAX_FIELDS M_COUNT

static const char *const msg_names[M_COUNT] = {
	"msg_key", "campaign", "email_name", "recipient", "subject", "provider", "provider_msg_id",
	"dead_reason", "payload", "queued_at", "sent_at", "dead_at", "attempts",
};
static const char *const campaign_names[C_COUNT] = { "name", "kind", "schedule", "status" };

/* One row: its strings as offsets into text (NUL terminated there; offsets,
 * since text may move as it grows), NO_TEXT when not given. */
struct row {
	struct buf text;
	size_t at[NTEXT];
	int64_t queued_at, sent_at, dead_at;
	int has_attempts;
	int64_t attempts;
};

/* Adds s[0..n) and a NUL to a row's text; *off is where it starts. */
static int add_text(struct buf *t, const char *s, size_t n, size_t *off)
{
	size_t at = t->len;
	*off = NO_TEXT;
	int rc = buf_add(t, s, n);
	if (!rc)
		rc = buf_addc(t, '\0');
	if (rc) {
		t->len = at;
		if (t->p)
			t->p[at] = '\0';
		return rc == RD_E_NOMEM ? rd_error(RD_E_NOMEM, "out of memory")
		                        : rd_error(RD_E_FAIL, "a row's text is over %u bytes", RD_MAX_ROW_TEXT);
	}
	*off = at;
	return RD_OK;
}

/* A real number token's value, as jansson reads it (locale and all). */
static double real_value(const struct jf_value *v)
{
	json_error_t je;
	json_t *j = json_loadb(v->p, v->n, JSON_DECODE_ANY, &je);
	double d = json_number_value(j);
	json_decref(j);
	return d;
}

/* A string field into the row's text: *off stays NO_TEXT when absent,
 * null or empty; err is set for a value that cannot be text (the row is
 * then rejected; a later field's complaint replaces an earlier one).
 * Returns RD_OK, or an error that stops the import. */
static int text_field(struct buf *t, const struct jf_value *v, const char *name, size_t *off, char *err,
                      size_t errlen)
{
	char num[64];
	const char *s = v->p;
	size_t n = v->n;
	int64_t whole;

	*off = NO_TEXT;
	switch (v->type) {
	case JF_ABSENT:
	case JF_NULL:
		return RD_OK;
	case JF_STRING:
		break;
	case JF_NUMBER:
		/* a number where text is expected (a numeric msg_key): its value
		 * written as jansson's integer or double, so "-0" is "0" */
		if (jsonfields_int64(v->p, v->n, &whole) == 0)
			snprintf(num, sizeof num, "%lld", (long long)whole);
		else
			snprintf(num, sizeof num, "%.17g", real_value(v));
		s = num;
		n = strlen(num);
		break;
	default:
		snprintf(err, errlen, "%s must be text", name);
		return RD_OK;
	}
	if (!n || !*s)
		return RD_OK;
	if (n > RD_MAX_TEXT_FIELD) {
		snprintf(err, errlen, "%s is longer than %u bytes", name, RD_MAX_TEXT_FIELD);
		return RD_OK;
	}
	if (memchr(s, '\0', n)) {
		snprintf(err, errlen, "%s contains a NUL character", name);
		return RD_OK;
	}
	return add_text(t, s, n, off);
}

/* An instant: ISO 8601 with offset or Unix seconds (number or digits). */
static int64_t time_field(const struct jf_value *v, const char *name, char *err, size_t errlen)
{
	int64_t t;
	switch (v->type) {
	case JF_ABSENT:
	case JF_NULL:
		return RD_NO_TIME;
	case JF_NUMBER: {
		if (jsonfields_int64(v->p, v->n, &t) == 0)
			return t;
		double d = real_value(v);
		if (d >= -9223372036854775808.0 && d < 9223372036854775808.0)
			return (int64_t)d;
		break; /* no int64 holds it */
	}
	case JF_STRING:
		if (!v->n || !*v->p)
			return RD_NO_TIME;
		if (timefmt_parse_instant(v->p, v->n, &t) != 0) {
			struct buf safe = BUF_INIT;
			utf8_sanitize(&safe, v->p, v->n > 64 ? 64 : v->n);
			snprintf(err, errlen,
			         "%s \"%s\" is not a time: write ISO 8601 with an offset "
			         "(2018-09-12T04:30:00+09:00) or Unix seconds",
			         name, buf_str(&safe));
			buf_free(&safe);
			return RD_NO_TIME;
		}
		return t;
	default:
		break;
	}
	snprintf(err, errlen, "%s must be a time (ISO 8601 with offset, or Unix seconds)", name);
	return RD_NO_TIME;
}

/* attempts: a whole number from 0, or its digits as text. */
static int attempts_field(struct buf *t, const struct jf_value *v, struct row *row, char *err, size_t errlen)
{
	long long n = -1;
	int64_t whole;
	switch (v->type) {
	case JF_ABSENT:
	case JF_NULL:
		return RD_OK;
	case JF_NUMBER:
		if (jsonfields_int64(v->p, v->n, &whole) == 0)
			n = whole;
		break;
	case JF_STRING: {
		if (!v->n || !*v->p)
			return RD_OK;
		/* strtoll needs a C string: borrow the end of the row's text */
		size_t at;
		int rc = add_text(t, v->p, v->n, &at);
		if (rc)
			return rc;
		char *end;
		errno = 0;
		n = strtoll(t->p + at, &end, 10);
		if (*end || errno)
			n = -1;
		t->len = at;
		t->p[at] = '\0';
		break;
	}
	default:
		break;
	}
	if (n < 0 || n > 1000000) {
		snprintf(err, errlen, "attempts must be a whole number from 0");
		return RD_OK;
	}
	row->has_attempts = 1;
	row->attempts = n;
	return RD_OK;
}

/* payload: an object, or a string (a CSV cell) holding one, which jansson
 * checks.  Either way the store gets the object's text as it came, not
 * written out again. */
static int payload_field(struct buf *t, const struct jf_value *v, size_t *off, char *err, size_t errlen)
{
	*off = NO_TEXT;
	if (v->type == JF_ABSENT || v->type == JF_NULL)
		return RD_OK;
	if (v->type == JF_OBJECT)
		return add_text(t, v->p, v->n, off);
	if (v->type != JF_STRING) {
		snprintf(err, errlen, "payload must be a JSON object (a SendGrid v3 mail/send body)");
		return RD_OK;
	}
	if (!v->n)
		return RD_OK;
	json_error_t je;
	json_t *p = json_loadb(v->p, v->n, 0, &je);
	if (!p || !json_is_object(p)) {
		snprintf(err, errlen, "payload must be a JSON object (%s)", p ? "it is not an object" : je.text);
		json_decref(p);
		return RD_OK;
	}
	json_decref(p);
	return add_text(t, v->p, v->n, off);
}

static const char *text_at(const struct row *row, int i)
{
	return row->at[i] == NO_TEXT ? NULL : row->text.p + row->at[i];
}

static void check_message(const struct row *row, char *err, size_t errlen)
{
	const char *key = text_at(row, M_KEY), *rcpt = text_at(row, M_RECIPIENT);
	if (!key)
		snprintf(err, errlen, "a send-log row needs msg_key");
	else if (strlen(key) > MAX_KEY_LEN)
		snprintf(err, errlen, "msg_key is longer than %d bytes", MAX_KEY_LEN);
	else if (!text_at(row, M_CAMPAIGN))
		snprintf(err, errlen, "a send-log row needs campaign");
	else if (!rcpt)
		snprintf(err, errlen, "a send-log row needs recipient");
	else if (!message_valid_recipient(rcpt))
		snprintf(err, errlen, "recipient is not an email address");
	else if (row->queued_at == RD_NO_TIME && row->sent_at == RD_NO_TIME)
		snprintf(err, errlen, "a send-log row needs queued_at or sent_at");
}

/* Reads one send-log row into row; err is set when it cannot be used.
 * Every text and time field is read before giving up, so the complaint is
 * about the last bad one of them. */
static int message_row(struct row *row, const struct jf_value *v, char *err, size_t errlen)
{
	int rc = RD_OK;
	for (int i = M_KEY; i <= M_DEAD_REASON && !rc; i++)
		rc = text_field(&row->text, &v[i], msg_names[i], &row->at[i], err, errlen);
	row->at[M_PAYLOAD] = NO_TEXT;
	row->queued_at = time_field(&v[M_QUEUED_AT], "queued_at", err, errlen);
	row->sent_at = time_field(&v[M_SENT_AT], "sent_at", err, errlen);
	row->dead_at = time_field(&v[M_DEAD_AT], "dead_at", err, errlen);
	row->has_attempts = 0;
	row->attempts = 0;
	if (!rc && !*err)
		rc = attempts_field(&row->text, &v[M_ATTEMPTS], row, err, errlen);
	if (!rc && !*err)
		check_message(row, err, errlen);
	if (!rc && !*err)
		rc = payload_field(&row->text, &v[M_PAYLOAD], &row->at[M_PAYLOAD], err, errlen);
	return rc;
}

/* The same for a campaign row. */
static int campaign_row(struct row *row, const struct jf_value *v, char *err, size_t errlen)
{
	int rc = RD_OK;
	for (int i = C_NAME; i <= C_STATUS && !rc; i++)
		rc = text_field(&row->text, &v[i], campaign_names[i], &row->at[i], err, errlen);
	if (rc || *err)
		return rc;
	const char *kind = text_at(row, C_KIND), *schedule = text_at(row, C_SCHEDULE);
	const char *status = text_at(row, C_STATUS);
	if (!text_at(row, C_NAME))
		snprintf(err, errlen, "a campaign needs a name");
	else if (kind && !campaign_valid_kind(kind))
		snprintf(err, errlen, "kind must be trigger, batch or transactional");
	else if (schedule && !campaign_valid_schedule(schedule))
		snprintf(err, errlen, "schedule must be once or recurring");
	else if (status && !campaign_valid_status(status))
		snprintf(err, errlen, "status must be draft, scheduled, running, stopped or done");
	return RD_OK;
}

/* ---- driving one input ------------------------------------------------------ */

struct records {
	struct store *s;
	enum import_kind kind;
	struct rejects *rej;
	struct import_result *r;
	const char *const *names;
	size_t nnames;
	struct row row;
	uint64_t in_tx;
	int in_transaction;
};

/* Writes a checked row to the store. */
static int store_row(struct records *ctx, const struct row *row)
{
	int changed = 0, rc;
	if (!ctx->in_transaction) {
		if ((rc = store_begin(ctx->s)) != RD_OK)
			return rc;
		ctx->in_transaction = 1;
	}
	if (ctx->kind == IMPORT_CAMPAIGNS) {
		struct rd_campaign_in c = {
			.name = text_at(row, C_NAME),
			.kind = text_at(row, C_KIND),
			.schedule = text_at(row, C_SCHEDULE),
			.status = text_at(row, C_STATUS),
		};
		rc = store_campaign_upsert(ctx->s, &c, &changed);
	} else {
		struct rd_message_in m = {
			.msg_key = text_at(row, M_KEY),
			.campaign = text_at(row, M_CAMPAIGN),
			.email_name = text_at(row, M_EMAIL_NAME),
			.recipient = text_at(row, M_RECIPIENT),
			.subject = text_at(row, M_SUBJECT),
			.provider = text_at(row, M_PROVIDER),
			.provider_msg_id = text_at(row, M_PID),
			.dead_reason = text_at(row, M_DEAD_REASON),
			.payload = text_at(row, M_PAYLOAD),
			.queued_at = row->queued_at,
			.sent_at = row->sent_at,
			.dead_at = row->dead_at,
			.has_attempts = row->has_attempts,
			.attempts = row->attempts,
		};
		rc = store_message_upsert(ctx->s, &m, &changed);
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

/* Checks one row's values, then stores it or rejects it. */
static int row(struct records *ctx, const struct jf_value *v, uint64_t index, uint64_t line, uint64_t byte,
               const char *raw, size_t raw_len)
{
	char err[512] = "";
	buf_reset(&ctx->row.text);
	int rc = ctx->kind == IMPORT_CAMPAIGNS ? campaign_row(&ctx->row, v, err, sizeof err)
	                                       : message_row(&ctx->row, v, err, sizeof err);
	if (rc)
		return rc;
	if (*err)
		return reject(ctx, index, line, byte, err, raw, raw_len);
	return store_row(ctx, &ctx->row);
}

/* The reject reason for a record jsonfields refused: jansson's own message,
 * which such rows have always carried, or "a row must be a JSON object". */
static void refusal(const char *rec, size_t n, enum jf_status st, char *why, size_t whylen)
{
	json_error_t je;
	json_t *o = json_loadb(rec, n, 0, &je);
	if (!o)
		snprintf(why, whylen, "%s", je.text);
	else if (!json_is_object(o) || st == JF_NOT_OBJECT)
		snprintf(why, whylen, "a row must be a JSON object");
	else
		snprintf(why, whylen, "%s", st == JF_BAD_UTF8 ? "the row is not valid UTF-8"
		                            : st == JF_NUL_CHAR ? "a string holds \\u0000"
		                                                : "a number is too large");
	json_decref(o);
}

static int from_json(struct records *ctx, FILE *in)
{
	struct jsonstream *js = jsonstream_new(in, RD_MAX_JSON_RECORD);
	struct buf scratch = BUF_INIT; /* decoded strings of one record */
	struct js_record rec;
	struct jf_value v[MAX_FIELDS];
	int rc = js ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
	int r;

	while (!rc && (r = jsonstream_next(js, &rec)) != 0) {
		if (r == -2) {
			rc = rd_error(RD_E_IO, "reading the input: %s", strerror(errno));
			break;
		}
		if (r < 0) {
			rc = reject(ctx, rec.index, rec.line, rec.byte, jsonstream_error(js), rec.p, rec.n);
			continue;
		}
		if (buf_reserve(&scratch, rec.n)) {
			rc = rd_error(RD_E_NOMEM, "out of memory");
			break;
		}
		enum jf_status st = jsonfields_read(rec.p, rec.n, ctx->names, ctx->nnames, scratch.p, v, JF_AS_JANSSON);
		if (st != JF_OK) {
			char why[256];
			refusal(rec.p, rec.n, st, why, sizeof why);
			rc = reject(ctx, rec.index, rec.line, rec.byte, why, rec.p, rec.n);
		} else {
			rc = row(ctx, v, rec.index, rec.line, rec.byte, rec.p, rec.n);
		}
	}
	jsonstream_free(js);
	buf_free(&scratch);
	return rc;
}

/* A CSV header: each column's name (trimmed) and the field it fills. */
struct header {
	size_t ncols;
	struct buf names;          /* the names, each NUL terminated */
	size_t name_at[RD_MAX_CSV_FIELDS];
	int field[RD_MAX_CSV_FIELDS]; /* index into ctx->names, -1: not a field we read */
};

/* Names are trimmed of blanks; empty names keep their column so the others
 * line up.  A name that is not valid UTF-8 takes no column (jansson, which
 * held the names before, refused it), as it always did. */
static int csv_header(struct records *ctx, struct header *h, const struct csv_record *rec)
{
	h->ncols = 0;
	buf_reset(&h->names);
	for (size_t i = 0; i < rec->nfields; i++) {
		const char *f = rec->field[i];
		size_t n = rec->len[i];
		while (n && (*f == ' ' || *f == '\t'))
			f++, n--;
		while (n && (f[n - 1] == ' ' || f[n - 1] == '\t'))
			n--;
		if (!utf8_valid(f, n))
			continue;
		size_t at;
		int rc = add_text(&h->names, f, n, &at);
		if (rc)
			return rc;
		h->name_at[h->ncols] = at;
		h->field[h->ncols] = -1;
		for (size_t k = 0; k < ctx->nnames; k++)
			if (strlen(ctx->names[k]) == n && memcmp(ctx->names[k], f, n) == 0)
				h->field[h->ncols] = (int)k;
		h->ncols++;
	}
	return RD_OK;
}

static int csv_row(struct records *ctx, const struct header *h, const struct csv_record *rec, uint64_t index)
{
	struct jf_value v[MAX_FIELDS];
	if (rec->nfields != h->ncols) {
		char why[128];
		snprintf(why, sizeof why, "the row has %zu fields, the header has %zu", rec->nfields, h->ncols);
		return reject(ctx, index, rec->line, rec->byte, why, rec->raw, rec->raw_len);
	}
	for (size_t k = 0; k < ctx->nnames; k++)
		v[k] = (struct jf_value){ .type = JF_ABSENT };
	/* a non-empty cell of a named column is a string; the last one of a name wins */
	for (size_t i = 0; i < rec->nfields; i++) {
		const char *name = h->names.p + h->name_at[i];
		if (!*name || !rec->len[i])
			continue;
		if (!utf8_valid(rec->field[i], rec->len[i])) {
			char why[256];
			snprintf(why, sizeof why, "field %s is not valid UTF-8 (save the file as UTF-8)", name);
			return reject(ctx, index, rec->line, rec->byte, why, rec->raw, rec->raw_len);
		}
		if (h->field[i] >= 0)
			v[h->field[i]] = (struct jf_value){ .type = JF_STRING, .p = rec->field[i], .n = rec->len[i],
			                                    .nul = memchr(rec->field[i], '\0', rec->len[i]) != NULL };
	}
	return row(ctx, v, index, rec->line, rec->byte, rec->raw, rec->raw_len);
}

static int from_csv(struct records *ctx, FILE *in)
{
	struct csv_reader *cr = csv_reader_new(in);
	struct header *h = calloc(1, sizeof *h);
	struct csv_record rec;
	uint64_t index = 0;
	int have_header = 0, rc = RD_OK, r;

	if (!cr || !h) {
		free(h);
		csv_reader_free(cr);
		return rd_error(RD_E_NOMEM, "out of memory");
	}

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
		if (!have_header) {
			rc = csv_header(ctx, h, &rec);
			have_header = 1;
			continue;
		}
		rc = csv_row(ctx, h, &rec, index);
	}
	buf_free(&h->names);
	free(h);
	csv_reader_free(cr);
	return rc;
}

int import_records(struct store *s, enum import_kind kind, FILE *in, enum import_format format,
                   struct rejects *rej, struct import_result *r)
{
	struct records ctx = { .s = s, .kind = kind, .rej = rej, .r = r };
	ctx.names = kind == IMPORT_CAMPAIGNS ? campaign_names : msg_names;
	ctx.nnames = kind == IMPORT_CAMPAIGNS ? C_COUNT : M_COUNT;
	buf_init(&ctx.row.text, RD_MAX_ROW_TEXT);
	int rc = format == IMPORT_CSV ? from_csv(&ctx, in) : from_json(&ctx, in);
	buf_free(&ctx.row.text);
	if (ctx.in_transaction)
		rc = store_end(s, rc);
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
