/* cmd_incident.c — `redrive incident add|list|show|rm`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/render.h"
#include "redrive/store_incident.h"
#include "redrive/timefmt.h"
#include "redrive/timetext.h"
#include "redrive/tz.h"
#include "redrive/utf8.h"

static const char *const formats[] = { "table", "json", NULL };

static int add(struct cli *c)
{
	if (c->npos != 2)
		return cli_usage(c, "incident add needs a name: `redrive incident add NAME --window W`");
	if (!c->filter.nspecs)
		return cli_usage(c, "incident add needs at least one --window W");
	const char *zone = c->filter.tz ? c->filter.tz : "UTC";
	struct tz *tz = tz_load(zone);
	if (!tz)
		return RD_E_USAGE;
	int rc = filter_resolve_windows(&c->filter, c->filter.tz ? tz : NULL);
	struct store *s = NULL;
	if (!rc)
		rc = cli_open_store(c, STORE_CREATE, &s);
	if (!rc)
		rc = store_incident_add(s, c->pos[1], tz_name(tz), c->filter.windows, c->filter.nwindows);
	if (!rc) {
		struct buf line = BUF_INIT;
		utf8_sanitize(&line, c->pos[1], strlen(c->pos[1]));
		printf("incident %s (%s), %zu window(s):\n", buf_str(&line), tz_name(tz), c->filter.nwindows);
		for (size_t i = 0; i < c->filter.nwindows; i++) {
			buf_reset(&line);
			timetext_window(tz, &c->filter.windows[i], &line);
			printf("  %s\n", buf_str(&line));
		}
		buf_free(&line);
	}
	store_close(s);
	tz_free(tz);
	return rc ? rc : cli_flush(stdout);
}

static json_t *incident_json(const struct rd_incident *in)
{
	json_t *o = json_object(), *w = json_array();
	for (size_t i = 0; i < in->nwindows; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "start", render_time(in->windows[i].start));
		json_object_set_new(x, "end", render_time(in->windows[i].end));
		json_array_append_new(w, x);
	}
	json_object_set_new(o, "name", json_string(in->name));
	json_object_set_new(o, "tz", json_string(in->tz));
	json_object_set_new(o, "windows", w);
	json_object_set_new(o, "created_at", render_time(in->created_at));
	return o;
}

static void print_incident(const struct rd_incident *in)
{
	struct buf line = BUF_INIT;
	struct tz *tz = tz_load(in->tz);
	if (!tz)
		tz = tz_load("UTC");
	utf8_sanitize(&line, in->name, strlen(in->name));
	printf("%s (%s), %zu window(s):\n", buf_str(&line), in->tz, in->nwindows);
	for (size_t i = 0; i < in->nwindows && tz; i++) {
		buf_reset(&line);
		timetext_window(tz, &in->windows[i], &line);
		printf("  %s\n", buf_str(&line));
	}
	tz_free(tz);
	buf_free(&line);
}

static int list(struct cli *c, const char *format)
{
	struct store *s = NULL;
	struct rd_incident *l;
	size_t n;
	int rc = cli_open_store(c, STORE_READ_ONLY, &s);
	if (rc)
		return rc;
	rc = store_incident_list(s, &l, &n);
	store_close(s);
	if (rc)
		return rc;
	if (strcmp(format, "json") == 0) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, incident_json(&l[i]));
		rc = cli_print_json(a);
	} else if (!n) {
		printf("no incidents; record one with `redrive incident add NAME --window W`\n");
	} else {
		for (size_t i = 0; i < n; i++)
			print_incident(&l[i]);
	}
	store_incident_list_free(l, n);
	return rc ? rc : cli_flush(stdout);
}

static int show(struct cli *c, const char *format)
{
	struct store *s = NULL;
	struct rd_incident in;
	if (c->npos != 2)
		return cli_usage(c, "incident show needs a name");
	int rc = cli_open_store(c, STORE_READ_ONLY, &s);
	if (rc)
		return rc;
	rc = store_incident_get(s, c->pos[1], &in);
	store_close(s);
	if (rc)
		return rc;
	if (strcmp(format, "json") == 0)
		rc = cli_print_json(incident_json(&in));
	else
		print_incident(&in);
	store_incident_free(&in);
	return rc ? rc : cli_flush(stdout);
}

static int rm(struct cli *c)
{
	struct store *s = NULL;
	if (c->npos != 2)
		return cli_usage(c, "incident rm needs a name");
	int rc = cli_open_store(c, STORE_READ_WRITE, &s);
	if (!rc)
		rc = store_incident_rm(s, c->pos[1]);
	store_close(s);
	if (!rc) {
		struct buf name = BUF_INIT;
		utf8_sanitize(&name, c->pos[1], strlen(c->pos[1]));
		printf("incident %s removed\n", buf_str(&name));
		buf_free(&name);
	}
	return rc ? rc : cli_flush(stdout);
}

int cmd_incident(struct cli *c)
{
	const char *format;
	int rc = cli_format(c, formats, &format);
	if (rc)
		return rc;
	const char *sub = c->npos ? c->pos[0] : "";
	const struct rd_filter *f = &c->filter;
	if (f->incident || f->ncampaigns || f->states || f->affected || f->nrecipients)
		return cli_usage(c, "an incident is only windows and a zone: `incident add NAME --window W [--tz ZONE]` "
		                    "takes no other filter");
	if (strcmp(sub, "add") != 0 && f->nspecs)
		return cli_usage(c, "--window belongs to `incident add`");
	if (strcmp(sub, "add") == 0)
		return add(c);
	if ((strcmp(sub, "list") == 0 && c->npos == 1))
		return list(c, format);
	if (strcmp(sub, "show") == 0)
		return show(c, format);
	if (strcmp(sub, "rm") == 0)
		return rm(c);
	return cli_usage(c, "incident needs add, list, show NAME or rm NAME");
}
