#include "redrive/filter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/state.h"
#include "redrive/timefmt.h"

const char FILTER_HELP[] =
	"  --incident NAME       messages in that incident's windows\n"
	"  --window W            a window (repeat for more); see --tz for local times\n"
	"  --tz ZONE             IANA zone for local windows and displayed times\n"
	"  --campaign NAME       only that campaign (repeat for more)\n"
	"  --state S             queued pending delivered bounced blocked dropped dead requeued\n"
	"                        (repeat for more)\n"
	"  --affected            only messages to send again (queued, dead, pending past\n"
	"                        the grace period; never suppressed recipients)\n"
	"  --recipient PATTERN   recipient address, glob with * and ? (repeat for more)\n"
	"  --now T               the clock, for reproducible output (or REDRIVE_NOW)\n"
	"  --grace DUR           how long pending mail may wait (default 10m)\n";

static const struct {
	const char *name;
	int takes_value;
} options[] = {
	{ "incident", 1 }, { "window", 1 }, { "tz", 1 }, { "campaign", 1 }, { "state", 1 },
	{ "affected", 0 }, { "recipient", 1 }, { "now", 1 }, { "grace", 1 }, { "tagged", 0 },
};

void filter_init(struct rd_filter *f)
{
	memset(f, 0, sizeof *f);
	f->grace = RD_GRACE_DEFAULT;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
}

void filter_free(struct rd_filter *f)
{
	free(f->incident);
	free(f->tz);
	free_list(f->window_specs, f->nspecs);
	free_list(f->campaigns, f->ncampaigns);
	free_list(f->recipients, f->nrecipients);
	filter_init(f);
}

static int dup_into(char **dst, const char *s)
{
	char *p = s ? strdup(s) : NULL;
	if (s && !p)
		return rd_error(RD_E_NOMEM, "out of memory");
	*dst = p;
	return RD_OK;
}

static int copy_list(char **dst, char *const *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = dup_into(&dst[i], src[i]);
		if (rc)
			return rc;
	}
	return RD_OK;
}

int filter_copy(struct rd_filter *dst, const struct rd_filter *src)
{
	filter_free(dst);
	*dst = *src;
	dst->incident = dst->tz = NULL;
	memset(dst->window_specs, 0, sizeof dst->window_specs);
	memset(dst->campaigns, 0, sizeof dst->campaigns);
	memset(dst->recipients, 0, sizeof dst->recipients);
	int rc = dup_into(&dst->incident, src->incident);
	if (!rc)
		rc = dup_into(&dst->tz, src->tz);
	if (!rc)
		rc = copy_list(dst->window_specs, src->window_specs, src->nspecs);
	if (!rc)
		rc = copy_list(dst->campaigns, src->campaigns, src->ncampaigns);
	if (!rc)
		rc = copy_list(dst->recipients, src->recipients, src->nrecipients);
	if (rc)
		filter_free(dst);
	return rc;
}

int filter_is_option(const char *name, int *takes_value)
{
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
		if (strcmp(options[i].name, name) == 0) {
			if (takes_value)
				*takes_value = options[i].takes_value;
			return 1;
		}
	return 0;
}

static int push(char **list, size_t *n, const char *value, const char *what)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i], value) == 0)
			return RD_OK; /* repeating a value changes nothing */
	if (*n >= RD_MAX_FILTER_ITEMS)
		return rd_error(RD_E_USAGE, "too many --%s options (at most %d)", what,
		                RD_MAX_FILTER_ITEMS);
	int rc = dup_into(&list[*n], value);
	if (!rc)
		(*n)++;
	return rc;
}

static int set_state(struct rd_filter *f, const char *value)
{
	int s = state_from_name(value);
	if (s < 0)
		return rd_error(RD_E_USAGE,
		                "unknown state \"%s\" in --state: use one of queued, pending, delivered, "
		                "bounced, blocked, dropped, dead, requeued",
		                value);
	f->states |= 1u << s;
	return RD_OK;
}

static int set_window(struct rd_filter *f, const char *value)
{
	if (f->nspecs >= RD_MAX_WINDOWS)
		return rd_error(RD_E_USAGE, "too many --window options (at most %d)", RD_MAX_WINDOWS);
	return dup_into(&f->window_specs[f->nspecs++], value);
}

/* The options without a value (takes_value 0 in options[]): --affected and --tagged. */
static int set_switch(struct rd_filter *f, const char *name)
{
	if (strcmp(name, "affected") == 0)
		f->affected = 1;
	else
		f->tagged = 1;
	return RD_OK;
}

int filter_option(struct rd_filter *f, const char *name, const char *value)
{
	int takes;
	if (!filter_is_option(name, &takes))
		return rd_error(RD_E_USAGE, "unknown filter \"%s\"; filters are:\n%s", name, FILTER_HELP);
	if (!takes)
		return set_switch(f, name);
	if (!value || !*value)
		return rd_error(RD_E_USAGE, "--%s needs a value; filters are:\n%s", name, FILTER_HELP);

	/* from here on the option takes a value and value is a non-empty string */
	if (strcmp(name, "incident") == 0) {
		free(f->incident);
		return dup_into(&f->incident, value);
	}
	if (strcmp(name, "tz") == 0) {
		free(f->tz);
		return dup_into(&f->tz, value);
	}
	if (strcmp(name, "window") == 0)
		return set_window(f, value);
	if (strcmp(name, "campaign") == 0)
		return push(f->campaigns, &f->ncampaigns, value, "campaign");
	if (strcmp(name, "recipient") == 0)
		return push(f->recipients, &f->nrecipients, value, "recipient");
	if (strcmp(name, "state") == 0)
		return set_state(f, value);
	if (strcmp(name, "now") == 0) {
		if (timefmt_parse_instant(value, strlen(value), &f->now) != 0)
			return rd_error(RD_E_USAGE,
			                "--now \"%s\" is not a time: write it as ISO 8601 with an offset "
			                "(2018-09-13T03:00+09:00 or 2018-09-12T18:00:00Z) or Unix seconds",
			                value);
		f->has_now = 1;
		return RD_OK;
	}
	/* grace */
	if (timefmt_parse_duration(value, &f->grace) != 0)
		return rd_error(RD_E_USAGE,
		                "--grace \"%s\" is not a duration: write e.g. 10m, 600s, 1h30m or PT10M",
		                value);
	return RD_OK;
}

/* Splits the next term off *pp into out (unquoted); returns 0 at the end,
 * -1 on an unterminated quote. */
static int next_word(const char **pp, struct buf *out)
{
	const char *p = *pp;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (!*p) {
		*pp = p;
		return 0;
	}
	buf_reset(out);
	while (*p && !isspace((unsigned char)*p)) {
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			while (*p && *p != q)
				buf_addc(out, *p++);
			if (*p != q)
				return -1;
			p++;
			continue;
		}
		buf_addc(out, *p++);
	}
	buf_str(out);
	*pp = p;
	return 1;
}

int filter_parse_line(struct rd_filter *f, const char *line)
{
	struct buf word = BUF_INIT, name = BUF_INIT;
	const char *p = line ? line : "";
	int rc = RD_OK, r;

	while (rc == RD_OK && (r = next_word(&p, &word)) != 0) {
		if (r < 0) {
			rc = rd_error(RD_E_USAGE, "unterminated quote in filter \"%s\"", line);
			break;
		}
		const char *w = buf_str(&word);
		const char *value = NULL;
		buf_reset(&name);
		if (strncmp(w, "--", 2) == 0) {
			int takes = 0;
			buf_adds(&name, w + 2);
			if (filter_is_option(buf_str(&name), &takes) && takes) {
				if (next_word(&p, &word) <= 0) {
					rc = rd_error(RD_E_USAGE, "--%s needs a value", buf_str(&name));
					break;
				}
				value = buf_str(&word);
			}
		} else {
			size_t k = strcspn(w, ":=");
			buf_add(&name, w, k);
			if (w[k])
				value = w + k + 1;
		}
		rc = filter_option(f, buf_str(&name), value);
	}
	buf_free(&word);
	buf_free(&name);
	return rc;
}

static int needs_quotes(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || *s == '"' || *s == '\'')
			return 1;
	return 0;
}

static int add_term(struct buf *out, const char *name, const char *value)
{
	if (out->len)
		buf_addc(out, ' ');
	if (!value)
		return buf_adds(out, name);
	if (!needs_quotes(value))
		return buf_printf(out, "%s:%s", name, value);
	/* choose the quote the value does not contain */
	char q = strchr(value, '"') ? '\'' : '"';
	return buf_printf(out, "%s:%c%s%c", name, q, value, q);
}

int filter_to_line(const struct rd_filter *f, struct buf *out)
{
	int rc = RD_OK;
	buf_reset(out);
	buf_adds(out, "");
	if (f->incident)
		rc = add_term(out, "incident", f->incident);
	for (size_t i = 0; !rc && i < f->nspecs; i++)
		rc = add_term(out, "window", f->window_specs[i]);
	for (size_t i = 0; !rc && i < f->ncampaigns; i++)
		rc = add_term(out, "campaign", f->campaigns[i]);
	for (int s = 0; !rc && s < RD_STATE_COUNT; s++)
		if (f->states & (1u << s))
			rc = add_term(out, "state", state_name(s));
	for (size_t i = 0; !rc && i < f->nrecipients; i++)
		rc = add_term(out, "recipient", f->recipients[i]);
	if (!rc && f->affected)
		rc = add_term(out, "affected", NULL);
	if (!rc && f->tagged)
		rc = add_term(out, "tagged", NULL);
	return rc;
}

int filter_resolve_windows(struct rd_filter *f, const struct tz *tz)
{
	f->nwindows = 0;
	for (size_t i = 0; i < f->nspecs; i++) {
		int rc = window_parse(f->window_specs[i], tz, &f->windows[f->nwindows]);
		if (rc)
			return rc;
		f->nwindows++;
	}
	f->nwindows = window_normalize(f->windows, f->nwindows);
	return RD_OK;
}
