/* gen_truth.c — the report SPEC §1 defines for each simulated incident,
 * counted from the fate the generator gave every message it wrote (never
 * from the store or the state code: this is the independent oracle). */
#include "gen_int.h"

#include <errno.h>

#include "redrive/error.h"
#include "redrive/timefmt.h"

void gen_truth_add(struct gen_truth *t, size_t inc, size_t camp, int state, int sent,
                   int deferred, int stale, int suppressed)
{
	struct gen_tally *c = &t->t[inc][camp];

	t->seen[inc][camp] = 1;
	c->sent += sent != 0;
	switch (state) {
	case GS_DELIVERED: c->delivered++; break;
	case GS_PENDING:
		c->pending++;
		c->deferred += deferred != 0;
		break;
	case GS_BOUNCED: c->bounced++; break;
	case GS_BLOCKED: c->blocked++; break;
	case GS_DROPPED: c->dropped++; break;
	case GS_DEAD: c->dead++; break;
	default: c->queued++; break;
	}
	/* SPEC §1 "Affected" */
	if (!suppressed && (state == GS_QUEUED || state == GS_DEAD || (state == GS_PENDING && stale)))
		c->affected++;
}

static void put_counts(FILE *f, const struct gen_tally *c)
{
	fprintf(f,
	        "\"sent\":%llu,\"delivered\":%llu,\"pending\":%llu,\"deferred\":%llu,"
	        "\"bounced\":%llu,\"blocked\":%llu,\"dropped\":%llu,\"dead\":%llu,"
	        "\"queued\":%llu,\"requeued\":0,\"affected\":%llu",
	        (unsigned long long)c->sent, (unsigned long long)c->delivered,
	        (unsigned long long)c->pending, (unsigned long long)c->deferred,
	        (unsigned long long)c->bounced, (unsigned long long)c->blocked,
	        (unsigned long long)c->dropped, (unsigned long long)c->dead,
	        (unsigned long long)c->queued, (unsigned long long)c->affected);
}

/* SPEC §1 "Verdict", the first that holds. */
static const char *verdict(const struct gen_tally *c, int status)
{
	if (status == ST_STOPPED && c->sent == 0 && c->queued > 0)
		return "not_executed";
	if (c->sent > 0 && c->delivered == 0 && c->bounced + c->blocked + c->dropped == 0)
		return "all_pending";
	if (c->affected > 0)
		return "partial";
	return "ok";
}

static void add_tally(struct gen_tally *to, const struct gen_tally *c)
{
	to->sent += c->sent;
	to->delivered += c->delivered;
	to->pending += c->pending;
	to->deferred += c->deferred;
	to->bounced += c->bounced;
	to->blocked += c->blocked;
	to->dropped += c->dropped;
	to->dead += c->dead;
	to->queued += c->queued;
	to->affected += c->affected;
}

int gen_truth_write(FILE *f, const struct gen_plan *p, const struct gen_truth *t)
{
	char a[TIMEFMT_UTC_LEN], b[TIMEFMT_UTC_LEN];

	for (size_t i = 0; i < p->ninc; i++) {
		const struct gen_incident *inc = &p->inc[i];
		struct gen_tally total;
		int first = 1;

		memset(&total, 0, sizeof total);
		/* names and zones are ours: nothing in them needs escaping */
		fprintf(f, "{\"incident\":\"%s\",\"tz\":\"%s\",\"windows\":[", inc->name, inc->tz);
		for (size_t w = 0; w < inc->nwindows; w++) {
			timefmt_utc(inc->windows[w].start, a);
			timefmt_utc(inc->windows[w].end, b);
			fprintf(f, "%s{\"start\":\"%s\",\"end\":\"%s\"}", w ? "," : "", a, b);
		}
		timefmt_utc(p->now, a);
		fprintf(f, "],\"now\":\"%s\",\"grace\":%d,\"campaigns\":{", a, GEN_GRACE);
		for (size_t c = 0; c < p->ncamp; c++) {
			if (!t->seen[i][c])
				continue;
			fprintf(f, "%s\"%.*s\":{", first ? "" : ",", (int)p->camp[c].name.n,
			        p->camp[c].name.p);
			put_counts(f, &t->t[i][c]);
			fprintf(f, ",\"verdict\":\"%s\"}", verdict(&t->t[i][c], p->camp[c].status));
			add_tally(&total, &t->t[i][c]);
			first = 0;
		}
		fputs("},\"totals\":{", f);
		put_counts(f, &total);
		fputs("}}\n", f);
	}
	if (ferror(f) || fflush(f) != 0)
		return rd_error(RD_E_IO, "cannot write the truth output: %s; check the disk space and the path",
		                strerror(errno ? errno : EIO));
	return RD_OK;
}
