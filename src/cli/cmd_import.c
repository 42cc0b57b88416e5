/* cmd_import.c — `redrive init` and `redrive import campaigns|sendlog|events`. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "redrive/error.h"
#include "redrive/import.h"
#include "redrive/store.h"

int cmd_init(struct cli *c)
{
	struct store *s = NULL;
	if (c->npos)
		return cli_usage(c, "init takes no arguments");
	int rc = cli_open_store(c, STORE_CREATE, &s);
	if (rc)
		return rc;
	if (!(rc = store_begin(s)) && !(rc = store_audit(s, "init", store_path(s))))
		rc = store_commit(s);
	else
		store_rollback(s);
	if (!rc)
		printf("store %s ready (schema version %d)\n", store_path(s), store_schema_version());
	store_close(s);
	return rc ? rc : cli_flush(stdout);
}

int cmd_import(struct cli *c)
{
	static const char *const kinds[] = { "campaigns", "sendlog", "events" };
	static const enum import_kind kind_of[] = { IMPORT_CAMPAIGNS, IMPORT_SENDLOG, IMPORT_EVENTS };
	if (c->npos != 2)
		return cli_usage(c, "import needs what and where: `redrive import campaigns|sendlog|events FILE` "
		                    "(FILE - reads standard input)");
	size_t k = 0;
	while (k < 3 && strcmp(c->pos[0], kinds[k]) != 0)
		k++;
	if (k == 3)
		return cli_usage(c, "cannot import \"%s\": use campaigns, sendlog or events", c->pos[0]);

	struct import_opts o = { .path = c->pos[1], .rejects_path = cli_opt(c, "rejects") };
	const char *fmt = cli_opt(c, "format");
	if (fmt && strcmp(fmt, "csv") == 0)
		o.format = IMPORT_CSV;
	else if (fmt && (strcmp(fmt, "json") == 0 || strcmp(fmt, "jsonl") == 0))
		o.format = IMPORT_JSON;
	else if (fmt)
		return cli_usage(c, "--format %s: use json or csv", fmt);
	if (kind_of[k] == IMPORT_EVENTS && o.format == IMPORT_CSV)
		return cli_usage(c, "events are JSON (SendGrid webhook bodies), not CSV");
	o.progress = !cli_flag(c, "quiet") && isatty(STDERR_FILENO);

	struct store *s = NULL;
	struct import_result r;
	int rc = cli_open_store(c, STORE_CREATE, &s);
	if (rc)
		return rc;
	rc = import_run(s, kind_of[k], &o, &r);
	store_close(s);
	if (rc && rc != RD_E_REJECTED)
		return rc;
	printf("stored %llu, duplicates %llu, rejected %llu\n", (unsigned long long)r.stored,
	       (unsigned long long)r.duplicates, (unsigned long long)r.rejected);
	if (r.rematched)
		fprintf(stderr, "%llu earlier event(s) found their messages\n", (unsigned long long)r.rematched);
	if (r.orphans && kind_of[k] != IMPORT_CAMPAIGNS)
		fprintf(stderr,
		        "%llu event(s) in the store have no message yet; they are matched when the send "
		        "log that holds them is imported\n",
		        (unsigned long long)r.orphans);
	int frc = cli_flush(stdout);
	return rc ? rc : frc;
}
