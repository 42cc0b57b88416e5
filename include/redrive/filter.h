/* filter.h — the one filter language of redrive (SPEC §3 FILTERS).
 *
 * The command line and the dashboard's "/" prompt both fill a struct
 * rd_filter through filter_option; the store turns it into SQL in one place
 * (store_query.h).  Pure: incident names are resolved to windows by the
 * caller (the store knows incidents), --window specs by filter_resolve.
 *
 * Repeated options widen (--state pending --state dead is "pending or dead",
 * --campaign A --campaign B is "A or B"); different options narrow.
 */
#ifndef REDRIVE_FILTER_H
#define REDRIVE_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "redrive/limits.h"
#include "redrive/window.h"

struct buf;
struct tz;

struct rd_filter {
	char *incident;                          /* --incident NAME */
	char *window_specs[RD_MAX_WINDOWS];      /* --window W, as written */
	size_t nspecs;
	struct rd_window windows[RD_MAX_WINDOWS];/* resolved and normalised; nwindows 0 = all time */
	size_t nwindows;
	char *campaigns[RD_MAX_FILTER_ITEMS];    /* --campaign NAME, exact names */
	size_t ncampaigns;
	unsigned states;                         /* bit 1 << state; 0 = any state */
	int affected;                            /* --affected */
	char *recipients[RD_MAX_FILTER_ITEMS];   /* --recipient PATTERN: glob (* ?), case-insensitive */
	size_t nrecipients;
	char *tz;                                /* --tz ZONE (window parsing and display) */
	int has_now;
	int64_t now;                             /* --now T */
	int64_t grace;                           /* --grace DUR, RD_GRACE_DEFAULT */
	int tagged;                              /* dashboard only: the tagged set */
	int lost;                                /* not an option: the requeue selection's
	                                            "lost" (affected before suppressions) */
};

void filter_init(struct rd_filter *f);
/* Frees what the filter owns and re-initialises it. */
void filter_free(struct rd_filter *f);
/* Deep copy; dst must be initialised or freed.  Returns RD_OK or RD_E_NOMEM. */
int filter_copy(struct rd_filter *dst, const struct rd_filter *src);

/* 1 if name (without dashes: "state") is a filter option, and whether it takes a value. */
int filter_is_option(const char *name, int *takes_value);

/* Applies one option (name without dashes).  Returns RD_OK, or RD_E_USAGE
 * with a message naming the option, the bad value and the accepted values. */
int filter_option(struct rd_filter *f, const char *name, const char *value);

/* Parses a line of the filter language, for the dashboard:
 *   state:pending campaign:"予約完了のお知らせ" affected recipient:*@docomo.ne.jp
 * Each term is name:value, name=value, "--name value" or a bare flag
 * (affected, tagged).  Values may be quoted with ' or ".  Applies on top of
 * f (so callers start from filter_init or a copy). */
int filter_parse_line(struct rd_filter *f, const char *line);

/* Writes f in the filter language (without --now/--grace/--tz), "" when it
 * selects everything.  filter_parse_line(filter_to_line(f)) gives f again. */
int filter_to_line(const struct rd_filter *f, struct buf *out);

/* Parses the --window specs into f->windows with zone tz (may be NULL when
 * every spec has an offset) and normalises them. */
int filter_resolve_windows(struct rd_filter *f, const struct tz *tz);

/* The names of the filter options, for help texts: "--incident NAME", … */
extern const char FILTER_HELP[];

#endif
