#include "redrive/campaign.h"

#include <string.h>

#include "redrive/state.h"

static int one_of(const char *s, const char *const *list, size_t n)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

#define ONE_OF(s, ...) \
	one_of((s), (const char *const[]){ __VA_ARGS__ }, \
	       sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

int campaign_valid_kind(const char *s)
{
	return ONE_OF(s, RD_CAMPAIGN_KINDS);
}

int campaign_valid_schedule(const char *s)
{
	return ONE_OF(s, RD_CAMPAIGN_SCHEDULES);
}

int campaign_valid_status(const char *s)
{
	return ONE_OF(s, RD_CAMPAIGN_STATUSES);
}

void counts_add(struct rd_counts *c, int state, int flags, int has_sent, int stale,
                int suppressed, int64_t n)
{
	if (has_sent)
		c->sent += n;
	switch (state) {
	case RD_STATE_DELIVERED: c->delivered += n; break;
	case RD_STATE_PENDING:
		c->pending += n;
		if (flags & RD_FLAG_DEFERRED)
			c->deferred += n;
		break;
	case RD_STATE_BOUNCED:  c->bounced += n; break;
	case RD_STATE_BLOCKED:  c->blocked += n; break;
	case RD_STATE_DROPPED:  c->dropped += n; break;
	case RD_STATE_DEAD:     c->dead += n; break;
	case RD_STATE_QUEUED:   c->queued += n; break;
	case RD_STATE_REQUEUED: c->requeued += n; break;
	default: break;
	}
	if (state_is_affected(state, stale, suppressed))
		c->affected += n;
}

void counts_sum(struct rd_counts *total, const struct rd_counts *c)
{
#define RD_COUNT_SUM(f) total->f += c->f;
	RD_COUNT_LIST(RD_COUNT_SUM)
#undef RD_COUNT_SUM
}

static const char *const verdict_names[] = {
#define RD_VERDICT_NAME(name, text) text,
	RD_VERDICT_LIST(RD_VERDICT_NAME)
#undef RD_VERDICT_NAME
};

static const char *const verdict_help[] = {
	"stopped during the window: never executed",
	"sent, none delivered, none bounced: the whole campaign was lost",
	"some messages lost",
	"nothing lost",
};

int campaign_verdict(const char *status, const struct rd_counts *c)
{
	if (status && strcmp(status, "stopped") == 0 && c->sent == 0 && c->queued > 0)
		return RD_VERDICT_NOT_EXECUTED;
	if (c->sent > 0 && c->delivered == 0 && c->bounced + c->blocked + c->dropped == 0)
		return RD_VERDICT_ALL_PENDING;
	if (c->affected > 0)
		return RD_VERDICT_PARTIAL;
	return RD_VERDICT_OK;
}

const char *campaign_verdict_name(int verdict)
{
	return verdict >= 0 && verdict < RD_VERDICT_COUNT ? verdict_names[verdict] : "unknown";
}

const char *campaign_verdict_help(int verdict)
{
	return verdict >= 0 && verdict < RD_VERDICT_COUNT ? verdict_help[verdict] : "";
}
