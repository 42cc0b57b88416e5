/* cmd_requeue.c — `redrive requeue` and `redrive batches`. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_int.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/render.h"
#include "redrive/requeue.h"
#include "redrive/store_requeue.h"
#include "redrive/table.h"
#include "redrive/timetext.h"
#include "redrive/tz.h"
#include "redrive/utf8.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct watch {
	struct requeue_control ctl;
	int tty;
};

static void show_progress(const struct requeue_progress *p, void *arg)
{
	struct watch *w = arg;
	/* a signal (Ctrl-C, a lost SSH session) stops after the current request */
	if (interrupted)
		w->ctl.cancel = 1;
	if (!w->tty)
		return;
	int64_t done = p->sent + p->failed + p->skipped + p->unknown;
	fprintf(stderr, "\r  batch %lld: %lld/%lld done (%lld sent, %lld failed, %lld skipped, %lld unknown)",
	        (long long)p->batch, (long long)done, (long long)p->total, (long long)p->sent,
	        (long long)p->failed, (long long)p->skipped, (long long)p->unknown);
	if (p->rate > 0)
		fprintf(stderr, " %.0f/s", p->rate);
	if (p->eta >= 0 && done < p->total)
		fprintf(stderr, " ETA %.0fs", p->eta);
	fputs("   ", stderr);
	if (p->status != RQS_RUNNING && p->status != RQS_PAUSED)
		fputc('\n', stderr);
}

static void print_counts(const char *target, const struct requeue_counts *c)
{
	printf("requeue to %s: %lld selected\n", target, (long long)c->selected);
	printf("  excluded: %lld suppressed, %lld delivered (late bounces included), %lld already requeued\n",
	       (long long)c->suppressed, (long long)c->delivered, (long long)c->already_requeued);
	printf("  to send: %lld\n", (long long)c->to_send);
}

static int counts_json(const char *target, const struct requeue_counts *c)
{
	json_t *o = json_object(), *ex = json_object();
	json_object_set_new(ex, "suppressed", json_integer(c->suppressed));
	json_object_set_new(ex, "delivered", json_integer(c->delivered));
	json_object_set_new(ex, "already_requeued", json_integer(c->already_requeued));
	json_object_set_new(o, "target", json_string(target));
	json_object_set_new(o, "selected", json_integer(c->selected));
	json_object_set_new(o, "excluded", ex);
	json_object_set_new(o, "to_send", json_integer(c->to_send));
	return cli_print_json(o);
}

/* Without --yes, a person at a terminal confirms by typing the count. */
static int confirm(const struct cli *c, int64_t n)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return cli_usage(c, "requeue sends mail: add --yes to confirm, or --dry-run to see the plan");
	fprintf(stderr, "Type %lld to send %lld message(s); anything else cancels: ", (long long)n, (long long)n);
	char line[64];
	if (!fgets(line, sizeof line, stdin) || strtoll(line, NULL, 10) != n || n == 0) {
		fprintf(stderr, "cancelled; nothing was sent\n");
		return rd_error(RD_E_CANCELLED, "requeue cancelled by the operator");
	}
	return RD_OK;
}

static int run_batch(struct cli *c, int64_t batch, int resend_unknown, double rate)
{
	struct watch w = { .tty = isatty(STDERR_FILENO) };
	w.ctl.progress = show_progress;
	w.ctl.arg = &w;
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	int rc = requeue_run(c->db_path, batch, resend_unknown, rate, &w.ctl);
	if (rc && rc != RD_E_CANCELLED && rc != RD_E_AUTH)
		return rc;
	int rc_run = rc;
	struct store *s = NULL;
	struct rd_batch b;
	if ((rc = cli_open_store(c, STORE_READ_ONLY, &s)) != RD_OK)
		return rc;
	rc = store_batch_get(s, batch, &b);
	store_close(s);
	if (rc)
		return rc;
	printf("batch %lld to %s: %s; sent %lld, failed %lld, skipped %lld, unknown %lld, left %lld\n",
	       (long long)b.id, b.target, store_batch_status_name(b.status), (long long)b.sent, (long long)b.failed,
	       (long long)b.skipped, (long long)b.unknown, (long long)b.planned);
	if (rc_run)
		return rc_run;
	if (b.failed || b.unknown)
		return rd_error(RD_E_FAIL,
		                "%lld item(s) failed and %lld are unknown (the target may have them): "
		                "`redrive batches` shows the batch; resend unknown items only with "
		                "`redrive requeue --resume %lld --resend-unknown --yes`",
		                (long long)b.failed, (long long)b.unknown, (long long)b.id);
	return RD_OK;
}

static int parse_rate(const struct cli *c, double *rate)
{
	const char *v = cli_opt(c, "rate");
	*rate = 0;
	if (!v)
		return RD_OK;
	char *end;
	double r = strtod(v, &end);
	if (!*v || *end || !(r > 0) || r > 1e6)
		return cli_usage(c, "--rate %s is not a rate: give messages per second, e.g. --rate 50", v);
	*rate = r;
	return RD_OK;
}

static int batch_number(const struct cli *c, const char *opt, int64_t *batch)
{
	char *end;
	const char *v = cli_opt(c, opt);
	*batch = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n <= 0)
		return cli_usage(c, "--%s needs a batch number (see `redrive batches`)", opt);
	*batch = n;
	return RD_OK;
}

static int resume(struct cli *c, double rate)
{
	int64_t batch;
	struct store *s = NULL;
	struct rd_batch b;
	int rc = batch_number(c, "resume", &batch);
	if (!rc)
		rc = cli_open_store(c, STORE_READ_ONLY, &s);
	if (rc)
		return rc;
	rc = store_batch_get(s, batch, &b);
	store_close(s);
	if (rc)
		return rc;
	printf("batch %lld to %s: %lld of %lld left to send, %lld unknown\n", (long long)batch, b.target,
	       (long long)b.planned, (long long)b.total, (long long)b.unknown);
	int resend = cli_flag(c, "resend-unknown");
	if (!cli_flag(c, "yes") && (rc = confirm(c, b.planned + (resend ? b.unknown : 0))) != RD_OK)
		return rc;
	fflush(stdout);
	return run_batch(c, batch, resend, rate);
}

static int abandon(struct cli *c)
{
	int64_t batch, n = 0;
	struct store *s = NULL;
	int rc = batch_number(c, "abandon", &batch);
	if (!rc)
		rc = cli_open_store(c, STORE_READ_WRITE, &s);
	if (rc)
		return rc;
	rc = store_batch_abandon(s, batch, (int64_t)time(NULL), &n);
	store_close(s);
	if (!rc)
		printf("batch %lld abandoned: %lld planned message(s) will not be sent by it; they can be "
		       "requeued in a new batch\n",
		       (long long)batch, (long long)n);
	return rc ? rc : cli_flush(stdout);
}

int cmd_requeue(struct cli *c)
{
	double rate;
	int rc = parse_rate(c, &rate);
	if (rc)
		return rc;
	if (c->npos)
		return cli_usage(c, "requeue takes filters, not arguments (\"%s\")", c->pos[0]);
	if (c->read_only && !cli_flag(c, "dry-run"))
		return cli_usage(c, "requeue writes its journal to the store; drop --read-only (a --dry-run may keep it)");
	if (cli_opt(c, "abandon"))
		return abandon(c);
	if (cli_opt(c, "resume"))
		return resume(c, rate);

	const char *to = cli_opt(c, "to");
	const char *format = cli_opt(c, "format");
	struct requeue_opts o = { .rate = rate, .force = cli_flag(c, "force") };
	if (!to)
		return cli_usage(c, "requeue needs --to outbox|sendgrid|smtp://HOST:PORT");
	if ((rc = requeue_target_parse(to, &o.target)) != RD_OK)
		return rc;
	/* a target that cannot run is refused before anything is journaled */
	if (!cli_flag(c, "dry-run") && (rc = requeue_target_check(&o.target)) != RD_OK)
		return rc;
	if (format && strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		return cli_usage(c, "--format %s: use json or table", format);
	int dry = cli_flag(c, "dry-run");
	int yes = cli_flag(c, "yes");
	if (dry && yes)
		return cli_usage(c, "give either --dry-run or --yes");

	struct store *s = NULL;
	struct requeue_counts counts;
	int64_t batch = 0;
	if ((rc = cli_open_store(c, dry ? STORE_READ_ONLY : STORE_READ_WRITE, &s)) != RD_OK)
		return rc;
	rc = cli_resolve_filter(c, s, NULL);
	if (!rc && !yes)
		rc = requeue_plan(s, &c->filter, NULL, o.force, &counts);
	if (!rc && dry) {
		int json = format && strcmp(format, "json") == 0;
		rc = json ? counts_json(o.target.spec, &counts) : RD_OK;
		if (!json)
			print_counts(o.target.spec, &counts);
		store_close(s);
		return rc ? rc : cli_flush(stdout);
	}
	if (!rc && !yes) {
		print_counts(o.target.spec, &counts);
		fflush(stdout);
		if (!counts.to_send) {
			store_close(s);
			printf("nothing to send\n");
			return cli_flush(stdout);
		}
		rc = confirm(c, counts.to_send);
		o.confirmed = counts.to_send;
	}
	/* with --yes the journal's own count is the plan */
	if (!rc)
		rc = requeue_create(s, &c->filter, NULL, &o, &batch, &counts);
	store_close(s);
	if (rc)
		return rc;
	if (yes)
		print_counts(o.target.spec, &counts);
	if (!batch) {
		printf("nothing to send\n");
		return cli_flush(stdout);
	}
	printf("batch %lld journaled: %lld message(s) to %s\n", (long long)batch, (long long)counts.to_send,
	       o.target.spec);
	fflush(stdout);
	return run_batch(c, batch, 0, 0);
}

static const struct table_col cols[] = {
	{ "BATCH", UTF8_RIGHT, 0 },   { "TARGET", UTF8_LEFT, 28 },  { "STATUS", UTF8_LEFT, 0 },
	{ "PLANNED", UTF8_RIGHT, 0 }, { "SENT", UTF8_RIGHT, 0 },    { "FAILED", UTF8_RIGHT, 0 },
	{ "SKIPPED", UTF8_RIGHT, 0 }, { "UNKNOWN", UTF8_RIGHT, 0 }, { "OPERATOR", UTF8_LEFT, 24 },
	{ "CREATED", UTF8_LEFT, 0 },
};
#define NCOLS (sizeof cols / sizeof cols[0])

static json_t *batch_json(const struct rd_batch *b)
{
	json_t *o = json_object();
	json_object_set_new(o, "batch", json_integer(b->id));
	json_object_set_new(o, "target", json_string(b->target));
	json_object_set_new(o, "status", json_string(store_batch_status_name(b->status)));
	json_object_set_new(o, "planned", json_integer(b->planned));
	json_object_set_new(o, "sent", json_integer(b->sent));
	json_object_set_new(o, "failed", json_integer(b->failed));
	json_object_set_new(o, "skipped", json_integer(b->skipped));
	json_object_set_new(o, "unknown", json_integer(b->unknown));
	json_object_set_new(o, "operator", json_string(b->operator_name));
	json_object_set_new(o, "created_at", render_time(b->created_at));
	return o;
}

int cmd_batches(struct cli *c)
{
	static const char *const formats[] = { "table", "json", NULL };
	const char *format;
	struct store *s = NULL;
	struct rd_batch *list;
	size_t n;
	int rc = cli_format(c, formats, &format);
	if (rc)
		return rc;
	if ((rc = cli_open_store(c, STORE_READ_ONLY, &s)) != RD_OK)
		return rc;
	rc = store_batches_list(s, &list, &n);
	store_close(s);
	if (rc)
		return rc;
	if (strcmp(format, "json") == 0) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, batch_json(&list[i]));
		rc = cli_print_json(a);
	} else if (!n) {
		printf("no requeue batches yet\n");
	} else {
		struct tz *tz = tz_load(c->filter.tz ? c->filter.tz : "UTC");
		struct table *t = table_new(cols, NCOLS);
		for (size_t i = 0; t && tz && !rc && i < n; i++) {
			char num[6][24];
			struct buf when = BUF_INIT;
			const struct rd_batch *b = &list[i];
			timetext_instant(tz, b->created_at, &when);
			snprintf(num[0], 24, "%lld", (long long)b->id);
			snprintf(num[1], 24, "%lld", (long long)b->planned);
			snprintf(num[2], 24, "%lld", (long long)b->sent);
			snprintf(num[3], 24, "%lld", (long long)b->failed);
			snprintf(num[4], 24, "%lld", (long long)b->skipped);
			snprintf(num[5], 24, "%lld", (long long)b->unknown);
			const char *cells[NCOLS] = { num[0], b->target, store_batch_status_name(b->status), num[1], num[2],
			                             num[3], num[4], num[5], b->operator_name, buf_str(&when) };
			rc = table_add(t, cells);
			buf_free(&when);
		}
		if (!rc && t)
			rc = table_print(t, stdout);
		table_free(t);
		tz_free(tz);
	}
	free(list);
	return rc ? rc : cli_flush(stdout);
}
