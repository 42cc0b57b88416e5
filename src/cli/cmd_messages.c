/* cmd_messages.c — `redrive messages` and `redrive export`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/export.h"
#include "redrive/limits.h"
#include "redrive/render.h"
#include "redrive/state.h"
#include "redrive/store_query.h"
#include "redrive/table.h"
#include "redrive/timetext.h"
#include "redrive/tz.h"

static const char *const formats[] = { "table", "json", "csv", NULL };

static const struct table_col cols[] = {
	{ "TIME", UTF8_LEFT, 0 },      { "MSG_KEY", UTF8_LEFT, 0 },   { "CAMPAIGN", UTF8_LEFT, 0 },
	{ "RECIPIENT", UTF8_LEFT, 0 }, { "STATE", UTF8_LEFT, 0 },     { "FLAGS", UTF8_LEFT, 0 },
	{ "LAST EVENT", UTF8_LEFT, 0 }, { "REASON", UTF8_LEFT, 0 },
};
#define NCOLS (sizeof cols / sizeof cols[0])
static const size_t widths[NCOLS] = { 23, 24, 20, 28, 9, 16, 10, 60 };

struct printer {
	const char *format;
	const struct tz *tz;
	int64_t n;
	struct buf out;
};

static int print_rows(struct printer *p, const struct rd_page *page)
{
	for (size_t i = 0; i < page->n; i++, p->n++) {
		const struct rd_message *m = &page->rows[i];
		if (strcmp(p->format, "csv") == 0) {
			render_message_csv(&p->out, m, 0);
		} else if (strcmp(p->format, "json") == 0) {
			json_t *o = render_message_json(m, 0);
			char *t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(o);
			if (!t)
				return rd_error(RD_E_NOMEM, "out of memory");
			buf_adds(&p->out, p->n ? ",\n" : "\n");
			buf_adds(&p->out, t);
			free(t);
		} else {
			struct buf when = BUF_INIT;
			char flags[64];
			timetext_instant(p->tz, m->t_at, &when);
			state_flags_text(m->flags, flags, sizeof flags);
			const char *cells[NCOLS] = { buf_str(&when), m->msg_key, m->campaign, m->recipient,
			                             state_name(m->state), flags, m->last_event, m->reason };
			fwrite(buf_str(&p->out), 1, p->out.len, stdout);
			buf_reset(&p->out);
			int rc = table_print_row(stdout, cols, NCOLS, widths, cells);
			buf_free(&when);
			if (rc)
				return rc;
		}
	}
	fwrite(buf_str(&p->out), 1, p->out.len, stdout);
	buf_reset(&p->out);
	return ferror(stdout) ? rd_error(RD_E_IO, "cannot write the output") : RD_OK;
}

static int list(struct cli *c, struct store *s, struct printer *p, int64_t limit)
{
	struct rd_page page = { 0 };
	struct rd_cursor at = RD_CURSOR_START;
	int rc = RD_OK;
	do {
		size_t want = RD_PAGE_MAX;
		if (limit && limit - p->n < (int64_t)want)
			want = (size_t)(limit - p->n);
		rc = store_messages_page(s, &c->filter, at, 0, want, &page);
		if (!rc)
			rc = print_rows(p, &page);
		if (!rc && page.n)
			at = store_page_cursor(&page, page.n - 1);
	} while (!rc && page.n == RD_PAGE_MAX && (!limit || p->n < limit));
	store_page_free(&page);
	return rc;
}

int cmd_messages(struct cli *c)
{
	struct printer p = { 0 };
	struct store *s = NULL;
	struct tz *tz = NULL;
	int64_t limit;
	int rc = cli_format(c, formats, &p.format);
	if (!rc)
		rc = cli_number(c, "limit", 0, INT64_MAX, 0, &limit);
	if (rc)
		return rc;
	if (c->npos)
		return cli_usage(c, "messages takes filters, not arguments (\"%s\")", c->pos[0]);
	if ((rc = cli_open_store(c, STORE_READ_ONLY, &s)) != RD_OK)
		return rc;
	rc = cli_resolve_filter(c, s, &tz);
	p.tz = tz;
	if (!rc && strcmp(p.format, "csv") == 0)
		render_message_csv_header(&p.out, 0);
	if (!rc && strcmp(p.format, "json") == 0)
		buf_adds(&p.out, "[");
	if (!rc && strcmp(p.format, "table") == 0) {
		const char *hdr[NCOLS];
		for (size_t i = 0; i < NCOLS; i++)
			hdr[i] = cols[i].header;
		rc = table_print_row(stdout, cols, NCOLS, widths, hdr);
	}
	if (!rc)
		rc = list(c, s, &p, limit);
	if (!rc && strcmp(p.format, "json") == 0) {
		buf_adds(&p.out, p.n ? "\n]\n" : "]\n");
		fwrite(buf_str(&p.out), 1, p.out.len, stdout);
	}
	store_close(s);
	tz_free(tz);
	buf_free(&p.out);
	return rc ? rc : cli_flush(stdout);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int cmd_export(struct cli *c)
{
	static const char *const export_formats[] = { "csv", "jsonl", NULL };
	const char *path = cli_opt(c, "out");
	const char *format;
	struct store *s = NULL;
	int64_t n = 0;
	if (!path)
		return cli_usage(c, "export needs --out FILE");
	if (c->npos)
		return cli_usage(c, "export takes filters, not arguments (\"%s\")", c->pos[0]);
	int rc = cli_format(c, export_formats, &format);
	if (rc)
		return rc;
	if (!cli_opt(c, "format") && (has_suffix(path, ".jsonl") || has_suffix(path, ".json")))
		format = "jsonl";
	/* the affected list unless the operator chose states or everything */
	if (!c->filter.states && !cli_flag(c, "all"))
		c->filter.affected = 1;

	/* read-write for the audit entry; --read-only exports without one */
	if ((rc = cli_open_store(c, STORE_READ_WRITE, &s)) != RD_OK)
		return rc;
	rc = cli_resolve_filter(c, s, NULL);
	if (!rc)
		rc = export_write(s, &c->filter, path, strcmp(format, "csv") == 0 ? EXPORT_CSV : EXPORT_JSONL,
		                  &n, NULL);
	if (!rc) {
		export_audit(s, &c->filter, path, strcmp(format, "csv") == 0 ? EXPORT_CSV : EXPORT_JSONL, n, NULL);
		printf("exported %lld message(s) to %s (%s, mode 0600)\n", (long long)n, path, format);
	}
	store_close(s);
	return rc ? rc : cli_flush(stdout);
}
