#include "redrive/clock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redrive/error.h"
#include "redrive/timefmt.h"

int clock_now(int64_t *out)
{
	const char *env = getenv("REDRIVE_NOW");
	if (env && *env) {
		if (timefmt_parse_instant(env, strlen(env), out) != 0)
			return rd_error(RD_E_USAGE,
			                "REDRIVE_NOW=\"%s\" is not a time: use ISO 8601 with an offset "
			                "(2018-09-13T03:00+09:00) or Unix seconds, or unset it",
			                env);
		return RD_OK;
	}
	*out = (int64_t)time(NULL);
	return RD_OK;
}
