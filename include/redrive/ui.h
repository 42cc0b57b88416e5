/* ui.h — the terminal dashboard (SPEC §4). */
#ifndef REDRIVE_UI_H
#define REDRIVE_UI_H

#include <stdint.h>

struct rd_filter;

struct ui_opts {
	const char *db_path;
	int read_only;              /* --read-only: no action that writes */
	const char *theme;          /* --theme NAME, NULL: $REDRIVE_THEME or "default" */
	const struct rd_filter *filter; /* the command line's filters and --tz/--now/--grace */
	int64_t now;                /* the clock at start (fixed when --now/REDRIVE_NOW given) */
	int fixed_now;              /* 1: do not advance the clock */
};

/* Runs the dashboard until the operator quits; returns RD_OK or an error
 * (the terminal is restored before any error is reported). */
int ui_run(const struct ui_opts *o);

#endif
