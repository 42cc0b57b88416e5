/* cmd_dashboard.c — `redrive` without a command: the dashboard (SPEC §4). */
#include <stdlib.h>
#include <unistd.h>

#include "cli_int.h"
#include "redrive/error.h"
#include "redrive/ui.h"

int cmd_dashboard(struct cli *c)
{
	if (c->npos)
		return cli_usage(c, "unknown command \"%s\"", c->pos[0]);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return rd_error(RD_E_USAGE, "the dashboard needs a terminal; for scripts use `redrive report`, "
		                            "`redrive messages` or `redrive export` (see `redrive --help`)");
	const char *env_now = getenv("REDRIVE_NOW");
	struct ui_opts o = {
		.db_path = c->db_path,
		.read_only = c->read_only,
		.theme = c->theme,
		.filter = &c->filter,
		.now = c->now,
		/* --now or $REDRIVE_NOW: a fixed clock, for reproducible screens */
		.fixed_now = c->filter.has_now || (env_now && *env_now),
	};
	return ui_run(&o);
}
