/* cli_int.h — private to src/cli: the parsed command line and the commands. */
#ifndef REDRIVE_CLI_INT_H
#define REDRIVE_CLI_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "redrive/filter.h"
#include "redrive/store.h"

#define CLI_MAX_POS 8
#define CLI_MAX_OPTS 32

struct cli {
	const char *argv0;
	const struct command *cmd;
	const char *db_path;       /* --db, else $REDRIVE_DB, else ./redrive.db */
	int read_only;             /* --read-only */
	const char *theme;         /* --theme */
	int db_given;
	struct rd_filter filter;   /* FILTERS, and --tz/--now/--grace for every command */
	int64_t now;               /* --now, else $REDRIVE_NOW, else the clock */
	const char *pos[CLI_MAX_POS];
	size_t npos;
	struct {
		const char *name;
		const char *value;     /* NULL for a flag */
	} opt[CLI_MAX_OPTS];
	size_t nopt;
};

/* A command of SPEC §3.  options: the command's own options, "name=" for
 * one that takes a value, "name" for a flag. */
struct command {
	const char *name;
	const char *usage;         /* one line: "report FILTERS [--format table|json|csv]" */
	const char *summary;       /* one line for the command list */
	const char *help;          /* the details for `redrive CMD --help` */
	const char *const *options;
	int filters;               /* accepts FILTERS */
	int (*run)(struct cli *c);
};

/* The value of a command option (last one given), or NULL. */
const char *cli_opt(const struct cli *c, const char *name);
/* 1 if a flag was given. */
int cli_flag(const struct cli *c, const char *name);
/* --format: one of the allowed names (NULL-terminated list), default the
 * first; RD_E_USAGE when another was given. */
int cli_format(const struct cli *c, const char *const *allowed, const char **out);
/* A whole number option within [min, max]; def when absent. */
int cli_number(const struct cli *c, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out);

/* Opens the store for the command (create: the command may create it). */
int cli_open_store(struct cli *c, enum store_mode mode, struct store **out);
/* The filter made ready (incident resolved, windows parsed); *zone as in
 * store_filter_resolve (may be NULL). */
int cli_resolve_filter(struct cli *c, struct store *s, struct tz **zone);
/* A usage error for this command, with where to look. */
int cli_usage(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Standard output, checked: RD_E_IO when writing failed (full disk, closed pipe). */
int cli_flush(FILE *f);
/* Prints o indented, keys in order, and a newline to standard output, then
 * frees o; RD_E_IO when writing failed. */
int cli_print_json(json_t *o);

/* The commands (cmd_*.c). */
int cmd_init(struct cli *c);
int cmd_import(struct cli *c);
int cmd_incident(struct cli *c);
int cmd_report(struct cli *c);
int cmd_messages(struct cli *c);
int cmd_export(struct cli *c);
int cmd_requeue(struct cli *c);
int cmd_batches(struct cli *c);
int cmd_gen(struct cli *c);
int cmd_demo(struct cli *c);
int cmd_dashboard(struct cli *c);

#endif
