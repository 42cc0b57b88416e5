/* cmd_report.c — `redrive report`: per-campaign counts and verdicts. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "redrive/buf.h"
#include "redrive/campaign.h"
#include "redrive/error.h"
#include "redrive/render.h"
#include "redrive/store_query.h"
#include "redrive/table.h"
#include "redrive/timefmt.h"
#include "redrive/timetext.h"
#include "redrive/tz.h"
#include "redrive/utf8.h"

static const char *const formats[] = { "table", "json", "csv", NULL };

/* What the report covers, above the table. */
static void print_scope(const struct rd_filter *f, const struct tz *tz)
{
	struct buf line = BUF_INIT;
	if (f->incident) {
		utf8_sanitize(&line, f->incident, strlen(f->incident));
		printf("incident %s (%s)\n", buf_str(&line), tz_name(tz));
	}
	if (!f->nwindows)
		printf("all messages (no incident or window given)\n");
	for (size_t i = 0; i < f->nwindows; i++) {
		buf_reset(&line);
		timetext_window(tz, &f->windows[i], &line);
		printf("  window %s\n", buf_str(&line));
	}
	char grace[32];
	buf_reset(&line);
	timetext_instant(tz, f->now, &line);
	timefmt_duration(f->grace, grace, sizeof grace);
	printf("  now %s, grace %s\n\n", buf_str(&line), grace);
	buf_free(&line);
}

static const struct table_col cols[] = {
	{ "CAMPAIGN", UTF8_LEFT, 32 }, { "KIND", UTF8_LEFT, 0 },  { "STATUS", UTF8_LEFT, 0 },
	{ "SENT", UTF8_RIGHT, 0 },     { "DELIV", UTF8_RIGHT, 0 }, { "PEND", UTF8_RIGHT, 0 },
	{ "DEFER", UTF8_RIGHT, 0 },    { "BOUNCE", UTF8_RIGHT, 0 }, { "BLOCK", UTF8_RIGHT, 0 },
	{ "DROP", UTF8_RIGHT, 0 },     { "DEAD", UTF8_RIGHT, 0 },  { "QUEUED", UTF8_RIGHT, 0 },
	{ "REQUEUED", UTF8_RIGHT, 0 }, { "AFFECTED", UTF8_RIGHT, 0 }, { "VERDICT", UTF8_LEFT, 0 },
};
#define NCOLS (sizeof cols / sizeof cols[0])

static int add_row(struct table *t, const char *name, const char *kind, const char *status,
                   const struct rd_counts *c, const char *verdict)
{
	char num[11][24];
	const char *cells[NCOLS] = { name, kind, status };
	int k = 0;
#define RD_COUNT_CELL(f) snprintf(num[k], sizeof num[k], "%lld", (long long)c->f); cells[3 + k] = num[k]; k++;
	RD_COUNT_LIST(RD_COUNT_CELL)
#undef RD_COUNT_CELL
	cells[NCOLS - 1] = verdict;
	return table_add(t, cells);
}

static int print_table(const struct rd_filter *f, const struct tz *tz, const struct rd_report *r)
{
	print_scope(f, tz);
	if (!r->n) {
		printf("no messages match\n");
		return RD_OK;
	}
	struct table *t = table_new(cols, NCOLS);
	int rc = t ? RD_OK : RD_E_NOMEM;
	for (size_t i = 0; !rc && i < r->n; i++)
		rc = add_row(t, r->rows[i].name, r->rows[i].kind, r->rows[i].status, &r->rows[i].counts,
		             campaign_verdict_name(r->rows[i].verdict));
	if (!rc)
		rc = table_add_rule(t);
	if (!rc)
		rc = add_row(t, "TOTAL", "", "", &r->totals, "");
	if (!rc)
		rc = table_print(t, stdout);
	table_free(t);
	if (!rc && r->totals.affected)
		printf("\n%lld message(s) to send again: `redrive export … --out FILE` lists them\n",
		       (long long)r->totals.affected);
	return rc;
}

int cmd_report(struct cli *c)
{
	const char *format;
	struct store *s = NULL;
	struct tz *tz = NULL;
	struct rd_report r = { 0 };
	int rc = cli_format(c, formats, &format);
	if (rc)
		return rc;
	if (c->npos)
		return cli_usage(c, "report takes filters, not arguments (\"%s\")", c->pos[0]);
	if ((rc = cli_open_store(c, STORE_READ_ONLY, &s)) != RD_OK)
		return rc;
	rc = cli_resolve_filter(c, s, &tz);
	if (!rc)
		rc = store_report(s, &c->filter, &r);
	store_close(s);
	if (!rc && strcmp(format, "json") == 0) {
		rc = cli_print_json(render_report_json(c->filter.incident, c->filter.windows,
		                                       c->filter.nwindows, &r));
	} else if (!rc && strcmp(format, "csv") == 0) {
		struct buf out = BUF_INIT;
		render_report_csv(&out, &r);
		fwrite(buf_str(&out), 1, out.len, stdout);
		buf_free(&out);
	} else if (!rc) {
		rc = print_table(&c->filter, tz, &r);
	}
	store_report_free(&r);
	tz_free(tz);
	return rc ? rc : cli_flush(stdout);
}
