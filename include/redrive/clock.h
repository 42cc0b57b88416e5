/* clock.h — "now" for redrive: the clock, or a fixed time for reproducible
 * output (SPEC §1: --now TIME or $REDRIVE_NOW). */
#ifndef REDRIVE_CLOCK_H
#define REDRIVE_CLOCK_H

#include <stdint.h>

/* $REDRIVE_NOW when set (ISO 8601 with offset, or Unix seconds), else the
 * system clock.  Returns RD_OK, or RD_E_USAGE when $REDRIVE_NOW is not a time. */
int clock_now(int64_t *out);

#endif
