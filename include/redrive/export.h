/* export.h — writing a selection of messages to a file for support or for a
 * resend outside redrive: mode 0600, replaced atomically, CSV cells safe
 * from spreadsheet formulas.  Used by `redrive export` and the dashboard. */
#ifndef REDRIVE_EXPORT_H
#define REDRIVE_EXPORT_H

#include <stdint.h>

struct store;
struct rd_filter;

enum export_format { EXPORT_CSV, EXPORT_JSONL };

/* Writes every message of the resolved filter to path (through a temporary
 * file in the same directory, renamed into place when complete, so a
 * failure never leaves half a file).  *count receives the number written.
 * cancel (may be NULL) is polled between pages: when it becomes non-zero
 * the export stops with RD_E_CANCELLED and nothing is written. */
int export_write(struct store *s, const struct rd_filter *f, const char *path,
                 enum export_format format, int64_t *count, volatile int *cancel);

/* Records an export of count messages of f to path in the audit log
 * ("N message(s) to PATH (csv[, via]): FILTER"); via (may be NULL) says
 * where it was asked for.  Best effort: the file is written whether or not
 * the log can be. */
void export_audit(struct store *s, const struct rd_filter *f, const char *path,
                  enum export_format format, int64_t count, const char *via);

#endif
