#include "redrive/render.h"

#include <string.h>

#include "redrive/buf.h"
#include "redrive/campaign.h"
#include "redrive/csv.h"
#include "redrive/error.h"
#include "redrive/message.h"
#include "redrive/state.h"
#include "redrive/store_query.h"
#include "redrive/timefmt.h"
#include "redrive/window.h"

json_t *render_time(int64_t t)
{
	char s[TIMEFMT_UTC_LEN];
	if (t == RD_NO_TIME)
		return json_null();
	timefmt_utc(t, s);
	return json_string(s);
}

static json_t *text_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static void add_flag_json(const char *name, void *arg)
{
	json_array_append_new(arg, json_string(name));
}

json_t *render_message_json(const struct rd_message *m, int with_subject)
{
	json_t *o = json_object();
	json_t *flags = json_array();
	state_flags_each(m->flags, add_flag_json, flags);
	json_object_set_new(o, "msg_key", json_string(m->msg_key));
	json_object_set_new(o, "campaign", json_string(m->campaign));
	json_object_set_new(o, "recipient", json_string(m->recipient));
	json_object_set_new(o, "email_name", text_or_null(m->email_name));
	if (with_subject)
		json_object_set_new(o, "subject", text_or_null(m->subject));
	json_object_set_new(o, "queued_at", render_time(m->queued_at));
	json_object_set_new(o, "sent_at", render_time(m->sent_at));
	json_object_set_new(o, "state", json_string(state_name(m->state)));
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "attempts", json_integer(m->attempts));
	json_object_set_new(o, "last_event", text_or_null(m->last_event));
	json_object_set_new(o, "last_event_at", render_time(m->last_event_at));
	json_object_set_new(o, "reason", text_or_null(m->reason));
	return o;
}

static const char *const message_fields[] = {
	"msg_key", "campaign", "recipient", "email_name", "subject", "queued_at", "sent_at",
	"state", "flags", "attempts", "last_event", "last_event_at", "reason",
};

static int cell(struct buf *out, const char *s, int first)
{
	if (!first)
		csv_write_sep(out);
	return csv_write_field(out, s ? s : "", s ? strlen(s) : 0, 1);
}

static int time_cell(struct buf *out, int64_t t)
{
	char s[TIMEFMT_UTC_LEN] = "";
	if (t != RD_NO_TIME)
		timefmt_utc(t, s);
	return cell(out, s, 0);
}

int render_message_csv_header(struct buf *out, int with_subject)
{
	int first = 1;
	for (size_t i = 0; i < sizeof message_fields / sizeof message_fields[0]; i++) {
		if (!with_subject && strcmp(message_fields[i], "subject") == 0)
			continue;
		cell(out, message_fields[i], first);
		first = 0;
	}
	return csv_write_eol(out);
}

static void add_flag_csv(const char *name, void *arg)
{
	struct buf *b = arg;
	if (b->len)
		buf_addc(b, ';');
	buf_adds(b, name);
}

int render_message_csv(struct buf *out, const struct rd_message *m, int with_subject)
{
	struct buf flags = BUF_INIT;
	char attempts[24];
	state_flags_each(m->flags, add_flag_csv, &flags);
	snprintf(attempts, sizeof attempts, "%d", m->attempts);

	cell(out, m->msg_key, 1);
	cell(out, m->campaign, 0);
	cell(out, m->recipient, 0);
	cell(out, m->email_name, 0);
	if (with_subject)
		cell(out, m->subject, 0);
	time_cell(out, m->queued_at);
	time_cell(out, m->sent_at);
	cell(out, state_name(m->state), 0);
	cell(out, buf_str(&flags), 0);
	cell(out, attempts, 0);
	cell(out, m->last_event, 0);
	time_cell(out, m->last_event_at);
	cell(out, m->reason, 0);
	buf_free(&flags);
	return csv_write_eol(out);
}

static json_t *counts_json(const struct rd_counts *c)
{
	json_t *o = json_object();
#define RD_COUNT_JSON(f) json_object_set_new(o, #f, json_integer(c->f));
	RD_COUNT_LIST(RD_COUNT_JSON)
#undef RD_COUNT_JSON
	return o;
}

json_t *render_report_json(const char *incident, const struct rd_window *w, size_t nw,
                           const struct rd_report *r)
{
	json_t *o = json_object();
	json_t *windows = json_array();
	json_t *campaigns = json_array();
	for (size_t i = 0; i < nw; i++) {
		json_t *win = json_object();
		json_object_set_new(win, "start", render_time(w[i].start));
		json_object_set_new(win, "end", render_time(w[i].end));
		json_array_append_new(windows, win);
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct rd_campaign_row *row = &r->rows[i];
		json_t *c = json_object();
		json_object_set_new(c, "campaign", json_string(row->name));
		json_object_set_new(c, "kind", json_string(row->kind));
		json_object_set_new(c, "status", json_string(row->status));
		json_t *counts = counts_json(&row->counts);
		json_object_update(c, counts);
		json_decref(counts);
		json_object_set_new(c, "verdict", json_string(campaign_verdict_name(row->verdict)));
		json_array_append_new(campaigns, c);
	}
	json_object_set_new(o, "incident", text_or_null(incident));
	json_object_set_new(o, "windows", windows);
	json_object_set_new(o, "campaigns", campaigns);
	json_object_set_new(o, "totals", counts_json(&r->totals));
	return o;
}

int render_report_csv(struct buf *out, const struct rd_report *r)
{
	cell(out, "campaign", 1);
	cell(out, "kind", 0);
	cell(out, "status", 0);
#define RD_COUNT_HDR(f) cell(out, #f, 0);
	RD_COUNT_LIST(RD_COUNT_HDR)
#undef RD_COUNT_HDR
	cell(out, "verdict", 0);
	csv_write_eol(out);
	for (size_t i = 0; i < r->n; i++) {
		const struct rd_campaign_row *row = &r->rows[i];
		char n[24];
		cell(out, row->name, 1);
		cell(out, row->kind, 0);
		cell(out, row->status, 0);
#define RD_COUNT_CELL(f) snprintf(n, sizeof n, "%lld", (long long)row->counts.f); cell(out, n, 0);
		RD_COUNT_LIST(RD_COUNT_CELL)
#undef RD_COUNT_CELL
		cell(out, campaign_verdict_name(row->verdict), 0);
		csv_write_eol(out);
	}
	return RD_OK;
}
