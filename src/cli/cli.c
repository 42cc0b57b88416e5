/* cli.c — parsing the command line and dispatching (SPEC §3). */
#include "redrive/cli.h"

#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "redrive/buf.h"
#include "redrive/clock.h"
#include "redrive/error.h"
#include "redrive/store_query.h"
#include "redrive/tz.h"
#include "redrive/utf8.h"

#define REDRIVE_VERSION "0.1.0"

static const char *const opt_init[] = { NULL };
static const char *const opt_import[] = { "rejects=", "format=", "quiet", NULL };
static const char *const opt_incident[] = { "format=", NULL };
static const char *const opt_report[] = { "format=", NULL };
static const char *const opt_messages[] = { "format=", "limit=", NULL };
static const char *const opt_export[] = { "format=", "out=", "all", NULL };
static const char *const opt_gen[] = { "messages=", "seed=", "days=", "out=", NULL };
static const char *const opt_demo[] = { "messages=", "seed=", "no-dashboard", NULL };
static const char *const opt_dashboard[] = { NULL };
static const char *const opt_requeue[] = { "to=", "rate=", "dry-run", "yes", "force", "format=", "resume=",
                                           "resend-unknown", "abandon=", NULL };
static const char *const opt_batches[] = { "format=", NULL };

static const struct command commands[] = {
	{ "init", "init [--db PATH]", "create the store, or migrate it to this version",
	  "Creates the send-log store (SQLite, WAL) at --db PATH, $REDRIVE_DB or ./redrive.db, or\n"
	  "migrates an older store forward.  A file that is not a redrive store is refused and\n"
	  "left untouched; a store newer than this redrive is refused.\n",
	  opt_init, 0, cmd_init },
	{ "import", "import campaigns|sendlog|events FILE|- [--rejects PATH] [--format json|csv] [--quiet]",
	  "import campaigns, send-log rows or webhook events",
	  "campaigns, sendlog: JSON Lines (or JSON arrays) or CSV with a header, field names as in\n"
	  "  the SPEC (msg_key, campaign, email_name, recipient, subject, queued_at, sent_at,\n"
	  "  provider, provider_msg_id, attempts, dead_at, dead_reason, payload).  Re-importing\n"
	  "  updates rows, never duplicates them.  The format follows the file name (.csv, .json,\n"
	  "  .jsonl) or the content; --format overrides.\n"
	  "events: SendGrid event webhook bodies: one JSON array, arrays back to back, or one\n"
	  "  object a line.  Duplicates (by sg_event_id or by content) are counted, not stored.\n"
	  "Bad records go to FILE.rejects.jsonl (or --rejects PATH) with line and reason; the good\n"
	  "ones are stored.  Prints \"stored N, duplicates D, rejected R\"; exit status 3 when R > 0.\n"
	  "--quiet: no progress line on a terminal.\n",
	  opt_import, 0, cmd_import },
	{ "incident", "incident add NAME --window W [--window W...] [--tz ZONE] | list | show NAME | rm NAME "
	              "[--format table|json]",
	  "record, list, show or remove incidents",
	  "An incident is a name, a display zone and one or more windows [start, end).\n"
	  "Windows: 2018-09-12T04:30+09:00/2018-09-12T05:00+09:00 (ISO 8601 with offsets), or local\n"
	  "wall-clock times with --tz ZONE: \"2018-09-12 04:30/05:00\" (an end earlier than the start\n"
	  "is on the next day: \"23:40/00:20\").  The zone (IANA name, default UTC) is also the one\n"
	  "the incident's times are shown in.\n",
	  opt_incident, 1, cmd_incident },
	{ "report", "report FILTERS [--format table|json|csv]", "per-campaign counts and verdicts",
	  "Counts the filtered messages per campaign: sent delivered pending deferred bounced\n"
	  "blocked dropped dead queued requeued affected, and a verdict: not_executed (stopped,\n"
	  "nothing sent, messages queued), all_pending (the whole campaign lost), partial, ok.\n",
	  opt_report, 1, cmd_report },
	{ "messages", "messages FILTERS [--format table|json|csv] [--limit N]", "the messages, one a row",
	  "Lists the filtered messages in time order (sent_at, else queued_at) with their state,\n"
	  "flags (late_bounce deferred stale suppressed), last event and reason.\n",
	  opt_messages, 1, cmd_messages },
	{ "export", "export FILTERS --out FILE [--format csv|jsonl] [--all]",
	  "write the affected list to a file (mode 0600)",
	  "Writes the affected messages of the filter (add --state S or --all to choose others)\n"
	  "to FILE, mode 0600, replacing it atomically.  CSV cells that a spreadsheet would run\n"
	  "as a formula (= + - @) are neutralised with a leading quote.\n",
	  opt_export, 1, cmd_export },
	{ "requeue", "requeue FILTERS --to outbox|sendgrid|smtp://HOST:PORT [--rate N] [--dry-run [--format json]|--yes] "
	             "[--force] | requeue --resume BATCH [--yes] [--resend-unknown] [--rate N] | requeue --abandon BATCH",
	  "resend the lost messages, once, through a journaled batch",
	  "Selects the lost messages of the filter (queued, dead, pending past the grace period; or\n"
	  "the states given with --state), excludes suppressed recipients, delivered messages (late\n"
	  "bounces included) and messages requeued before (unless --force), journals the batch in\n"
	  "the store, then hands each message to the target exactly once:\n"
	  "  outbox            rows in the outbox table for the application's own workers\n"
	  "  sendgrid          POST /v3/mail/send (SENDGRID_API_KEY or SENDGRID_API_KEY_FILE,\n"
	  "                    SENDGRID_API_URL)\n"
	  "  smtp://HOST:PORT  an SMTP relay (smtps:// for TLS; REDRIVE_SMTP_USER,\n"
	  "                    REDRIVE_SMTP_PASSWORD_FILE)\n"
	  "--rate N caps messages per second.  --dry-run shows the plan (with --format json:\n"
	  "{\"target\",\"selected\",\"excluded\":{…},\"to_send\"}); --yes sends without asking.\n"
	  "After a crash or a lost session, --resume BATCH finishes the batch without sending any\n"
	  "message twice; items that were in flight are \"unknown\" and are resent only with\n"
	  "--resend-unknown.  Ctrl-C stops after the current request.  --abandon BATCH gives up\n"
	  "a stopped batch: its planned messages can then go into a new batch.\n",
	  opt_requeue, 1, cmd_requeue },
	{ "batches", "batches [--format table|json]", "requeue batches and their progress",
	  "Lists every requeue batch, newest first: target, status, and items planned, sent,\n"
	  "failed, skipped and unknown, the operator and when it was made.\n",
	  opt_batches, 0, cmd_batches },
	{ "gen", "gen --messages N [--seed S] [--days D] [--out DIR]",
	  "generate realistic synthetic data ending at --now",
	  "Generates campaigns, a send log and webhook events over D days (default 7) ending at\n"
	  "--now, with the incidents of the source documents replayed (the two JST windows of\n"
	  "seed 000, a stopped campaign, dead letters, late bounces), and records those incidents.\n"
	  "Deterministic for a seed.  Without --out the data goes into the store; with --out DIR\n"
	  "it is written as campaigns.jsonl, sendlog.jsonl, events.json, incidents.jsonl and\n"
	  "truth.jsonl (the report each incident must give, from the generator's own bookkeeping).\n",
	  opt_gen, 0, cmd_gen },
	{ "demo", "demo [--db PATH] [--messages N] [--seed S] [--no-dashboard]",
	  "make a demo store and open the dashboard",
	  "Generates a demo store (default ./redrive-demo.db, 20000 messages) replaying the\n"
	  "source incidents, prints the report of the main incident and opens the dashboard\n"
	  "(when standard output is a terminal; --no-dashboard stops after the report).  Only a\n"
	  "store an earlier demo made is ever replaced.\n",
	  opt_demo, 0, cmd_demo },
	{ "dashboard", "[--db PATH] [--tz ZONE] [--theme NAME] [--read-only]", "open the dashboard",
	  "Opens the terminal dashboard on the store.\n", opt_dashboard, 1, cmd_dashboard },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out, const char *argv0)
{
	fprintf(out, "usage: %s [--db PATH] [--tz ZONE] [--theme NAME] [--read-only]   open the dashboard\n",
	        argv0);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, "dashboard") != 0)
			fprintf(out, "       %s %s\n", argv0, commands[i].usage);
	fputs("\ncommands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nFILTERS:\n%s", FILTER_HELP);
	fputs("\nevery command: --db PATH (default $REDRIVE_DB, else ./redrive.db), --now T, --read-only,\n"
	      "--theme NAME, --help, --version\n"
	      "exit status: 0 ok, 2 usage error, 3 input partly rejected, 1 other failure\n",
	      out);
}

static void print_command_help(FILE *out, const char *argv0, const struct command *cmd)
{
	fprintf(out, "usage: %s %s\n\n%s\n%s", argv0, cmd->usage, cmd->summary, cmd->help);
	if (cmd->filters)
		fprintf(out, "\nFILTERS:\n%s", FILTER_HELP);
	fputs("\ncommon options: --db PATH, --tz ZONE, --now T (or $REDRIVE_NOW), --read-only, --theme NAME,\n"
	      "--help, --version\n",
	      out);
}

int cli_usage(const struct cli *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->cmd && strcmp(c->cmd->name, "dashboard") != 0)
		return rd_error(RD_E_USAGE, "%s (see `redrive %s --help`)", msg, c->cmd->name);
	return rd_error(RD_E_USAGE, "%s (see `redrive --help`)", msg);
}

const char *cli_opt(const struct cli *c, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < c->nopt; i++)
		if (strcmp(c->opt[i].name, name) == 0)
			v = c->opt[i].value;
	return v;
}

int cli_flag(const struct cli *c, const char *name)
{
	for (size_t i = 0; i < c->nopt; i++)
		if (strcmp(c->opt[i].name, name) == 0)
			return 1;
	return 0;
}

int cli_format(const struct cli *c, const char *const *allowed, const char **out)
{
	const char *v = cli_opt(c, "format");
	*out = allowed[0];
	if (!v)
		return RD_OK;
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(allowed[i], v) == 0) {
			*out = allowed[i];
			return RD_OK;
		}
	struct buf list = BUF_INIT;
	for (size_t i = 0; allowed[i]; i++)
		buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
	int rc = cli_usage(c, "--format %s is not available here; use one of %s", v, buf_str(&list));
	buf_free(&list);
	return rc;
}

int cli_number(const struct cli *c, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out)
{
	const char *v = cli_opt(c, name);
	*out = def;
	if (!v)
		return RD_OK;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max)
		return cli_usage(c, "--%s %s is not a whole number from %lld to %lld", name, v, (long long)min,
		                 (long long)max);
	*out = n;
	return RD_OK;
}

int cli_open_store(struct cli *c, enum store_mode mode, struct store **out)
{
	/* export and report open for writing only to add to the audit log;
	 * commands whose job is to write refuse --read-only up front */
	int writes = strcmp(c->cmd->name, "export") != 0 && strcmp(c->cmd->name, "report") != 0;
	if (c->read_only && mode != STORE_READ_ONLY && writes)
		return cli_usage(c, "`redrive %s` writes the store; drop --read-only", c->cmd->name);
	int rc = store_open(c->db_path, c->read_only ? STORE_READ_ONLY : mode, out);
	if (rc == RD_E_READ_ONLY && mode == STORE_READ_ONLY && !c->read_only) {
		/* a store from an older redrive: migrate it once, then read */
		struct store *s;
		if ((rc = store_open(c->db_path, STORE_READ_WRITE, &s)) != RD_OK)
			return rc;
		store_close(s);
		rc = store_open(c->db_path, STORE_READ_ONLY, out);
	}
	return rc;
}

int cli_resolve_filter(struct cli *c, struct store *s, struct tz **zone)
{
	return store_filter_resolve(s, &c->filter, c->now, zone);
}

int cli_flush(FILE *f)
{
	if (fflush(f) != 0 || ferror(f))
		return rd_error(RD_E_IO, "cannot write the output: %s", strerror(errno ? errno : EIO));
	return RD_OK;
}

int cli_print_json(json_t *o)
{
	int rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? RD_OK : RD_E_IO;
	json_decref(o);
	putchar('\n');
	return rc;
}

static int allowed_option(const struct command *cmd, const char *name, int *takes)
{
	for (size_t i = 0; cmd->options[i]; i++) {
		const char *o = cmd->options[i];
		size_t n = strcspn(o, "=");
		if (strlen(name) == n && strncmp(o, name, n) == 0) {
			*takes = o[n] == '=';
			return 1;
		}
	}
	return 0;
}

/* Options every command takes; the values land in the cli or the filter. */
static int common_option(struct cli *c, const char *name, const char *value, int *takes, int apply)
{
	static const char *const with_value[] = { "db", "theme", "tz", "now", "grace" };
	for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
		if (strcmp(name, with_value[i]) == 0) {
			*takes = 1;
			if (!apply)
				return 1;
			if (strcmp(name, "db") == 0) {
				c->db_path = value;
				c->db_given = 1;
			} else if (strcmp(name, "theme") == 0) {
				c->theme = value;
			} else {
				return filter_option(&c->filter, name, value) == RD_OK ? 1 : -1;
			}
			return 1;
		}
	if (strcmp(name, "read-only") == 0) {
		*takes = 0;
		if (apply)
			c->read_only = 1;
		return 1;
	}
	return 0;
}

static int add_option(struct cli *c, const char *name, const char *value)
{
	int takes = 0;
	if (strcmp(name, "tagged") == 0)
		return cli_usage(c, "--tagged is the dashboard's tag set; on the command line choose messages with "
		                    "the other filters");
	int r = common_option(c, name, value, &takes, 0);
	if (r)
		return common_option(c, name, value, &takes, 1) < 0 ? RD_E_USAGE : RD_OK;
	if (c->cmd->filters && filter_is_option(name, &takes))
		return filter_option(&c->filter, name, value);
	if (strcmp(c->cmd->name, "incident") == 0 && strcmp(name, "window") == 0)
		return filter_option(&c->filter, name, value);
	if (allowed_option(c->cmd, name, &takes)) {
		if (c->nopt >= CLI_MAX_OPTS)
			return cli_usage(c, "too many options");
		c->opt[c->nopt].name = name;
		c->opt[c->nopt].value = value;
		c->nopt++;
		return RD_OK;
	}
	return cli_usage(c, "unknown option --%s for `redrive %s`", name, c->cmd->name);
}

static int option_takes_value(const struct cli *c, const char *name)
{
	int takes = 0;
	struct cli tmp = *c;
	if (common_option(&tmp, name, NULL, &takes, 0))
		return takes;
	if (filter_is_option(name, &takes))
		return takes;
	if (allowed_option(c->cmd, name, &takes))
		return takes;
	return 0;
}

static int parse(struct cli *c, int argc, char **argv, int *help)
{
	static char names[CLI_MAX_OPTS * 2][64];
	size_t nnames = 0;
	int only_pos = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			if (c->npos >= CLI_MAX_POS)
				return cli_usage(c, "too many arguments (at \"%s\")", a);
			c->pos[c->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*help = 1;
			continue;
		}
		if (strcmp(a, "--version") == 0) {
			*help = 2;
			continue;
		}
		if (a[1] != '-')
			return cli_usage(c, "unknown option %s (options are spelt --name)", a);
		const char *eq = strchr(a + 2, '=');
		size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (n == 0 || n >= sizeof names[0] || nnames >= sizeof names / sizeof names[0])
			return cli_usage(c, "bad option %s", a);
		memcpy(names[nnames], a + 2, n);
		names[nnames][n] = '\0';
		const char *name = names[nnames++];
		const char *value = eq ? eq + 1 : NULL;
		int takes = option_takes_value(c, name);
		if (takes && !value) {
			if (i + 1 >= argc)
				return cli_usage(c, "--%s needs a value", name);
			value = argv[++i];
		} else if (!takes && value) {
			return cli_usage(c, "--%s takes no value", name);
		}
		int rc = add_option(c, name, value);
		if (rc)
			return rc;
	}
	return RD_OK;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int report_error(int rc)
{
	/* error text can hold names from the store: sanitise each line, keep
	 * the line breaks of multi-line help in usage errors */
	struct buf safe = BUF_INIT;
	const char *msg = rd_error_message();
	while (*msg) {
		size_t n = strcspn(msg, "\n");
		utf8_sanitize(&safe, msg, n);
		msg += n;
		if (*msg == '\n') {
			buf_addc(&safe, '\n');
			msg++;
		}
	}
	fprintf(stderr, "redrive: %s\n", buf_str(&safe));
	buf_free(&safe);
	return rd_error_exit_status(rc);
}

int cli_main(int argc, char **argv)
{
	struct cli c;
	int help = 0, rc;

	setlocale(LC_ALL, "");
	json_object_seed(0);
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof c);
	filter_init(&c.filter);
	c.argv0 = "redrive";
	c.db_path = store_default_path();

	/* the command is the first argument that is not an option (or its value) */
	int ci = 1;
	while (ci < argc && argv[ci][0] == '-') {
		const char *a = argv[ci];
		if (strcmp(a, "--version") == 0) {
			printf("redrive %s (store schema %d)\n", REDRIVE_VERSION, store_schema_version());
			return 0;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_usage(stdout, c.argv0);
			return 0;
		}
		int takes = 0;
		const char *name = a + 2;
		char tmp[64];
		size_t n = strcspn(name, "=");
		snprintf(tmp, sizeof tmp, "%.*s", (int)n, name);
		if (a[1] == '-' && !name[n] && (common_option(&c, tmp, NULL, &takes, 0) ||
		                               filter_is_option(tmp, &takes)) && takes)
			ci++;
		ci++;
	}
	if (ci < argc && find_command(argv[ci])) {
		c.cmd = find_command(argv[ci]);
		/* options before the command, then the rest */
		char **rest = malloc((size_t)argc * sizeof *rest);
		if (!rest)
			return 1;
		int nrest = 0;
		for (int i = 1; i < argc; i++)
			if (i != ci)
				rest[nrest++] = argv[i];
		rc = parse(&c, nrest, rest, &help);
		free(rest);
	} else {
		c.cmd = find_command("dashboard");
		if (ci < argc) {
			rc = rd_error(RD_E_USAGE, "unknown command \"%s\"; the commands are init, import, incident, "
			                          "report, messages, export, requeue, batches, gen, demo (see `redrive --help`)",
			              argv[ci]);
			filter_free(&c.filter);
			return report_error(rc);
		}
		rc = parse(&c, argc - 1, argv + 1, &help);
	}
	if (!rc && help == 2) {
		printf("redrive %s (store schema %d)\n", REDRIVE_VERSION, store_schema_version());
		filter_free(&c.filter);
		return 0;
	}
	if (!rc && help) {
		if (strcmp(c.cmd->name, "dashboard") == 0)
			print_usage(stdout, c.argv0);
		else
			print_command_help(stdout, c.argv0, c.cmd);
		filter_free(&c.filter);
		return 0;
	}
	if (!rc && !c.filter.has_now)
		rc = clock_now(&c.now);
	else if (!rc)
		c.now = c.filter.now;
	if (!rc)
		rc = c.cmd->run(&c);
	filter_free(&c.filter);
	if (rc)
		return report_error(rc);
	return 0;
}
