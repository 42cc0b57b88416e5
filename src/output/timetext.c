#include "redrive/timetext.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "redrive/buf.h"
#include "redrive/message.h"
#include "redrive/tz.h"
#include "redrive/window.h"

/* The zone's name for instant t: "JST", or "+0530" style when the zone has
 * no letters for it. */
static void zone_label(const struct tz *z, int64_t t, char *out, size_t n)
{
	const char *abbr = NULL;
	int32_t off = tz_offset_at(z, t, &abbr);
	if (abbr && isalpha((unsigned char)abbr[0])) {
		snprintf(out, n, "%s", abbr);
		return;
	}
	int32_t a = off < 0 ? -off : off;
	snprintf(out, n, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
}

/* "YYYY-MM-DD HH:MM[:SS]" in zone z (tz_format's text without the offset). */
static void local_text(const struct tz *z, int64_t t, int seconds, char *out, size_t n)
{
	char full[64];
	tz_format(z, t, seconds, full, sizeof full);
	size_t len = seconds ? 19 : 16;
	snprintf(out, n, "%.*s", (int)len, full);
}

int timetext_instant(const struct tz *z, int64_t t, struct buf *out)
{
	char when[40], label[16];
	if (t == RD_NO_TIME)
		return buf_adds(out, "-");
	local_text(z, t, 1, when, sizeof when);
	zone_label(z, t, label, sizeof label);
	return buf_printf(out, "%s %s", when, label);
}

static int one_zone(const struct tz *z, const struct rd_window *w, struct buf *out)
{
	char a[40], b[40], label[16];
	local_text(z, w->start, 0, a, sizeof a);
	local_text(z, w->end, 0, b, sizeof b);
	zone_label(z, w->start, label, sizeof label);
	/* same date: show only the end's time */
	if (strncmp(a, b, 10) == 0)
		return buf_printf(out, "%s–%s %s", a, b + 11, label);
	return buf_printf(out, "%s – %s %s", a, b, label);
}

int timetext_window(const struct tz *z, const struct rd_window *w, struct buf *out)
{
	int rc = one_zone(z, w, out);
	if (rc || tz_is_utc(z))
		return rc;
	struct tz *utc = tz_load("UTC");
	if (!utc)
		return rc;
	buf_adds(out, " (");
	one_zone(utc, w, out);
	tz_free(utc);
	return buf_adds(out, ")");
}
