/* rejects.h — the rejects file: every record an import could not use, with
 * where it was and why (SPEC §2), so nothing is ever silently dropped.
 *
 * One JSON object per line:
 *   {"source":"events.json","record":12,"line":40,"byte":8812,
 *    "reason":"timestamp must be an integer (Unix seconds)","raw":"{…}"}
 * "raw" holds the record's text; a record that is not valid UTF-8 is kept
 * byte for byte as "raw_base64" instead.  The file is created (mode 0600,
 * replacing an older one) only when the first reject arrives.
 */
#ifndef REDRIVE_REJECTS_H
#define REDRIVE_REJECTS_H

#include <stddef.h>
#include <stdint.h>

struct rejects;

/* path: where to write; source: the input's name for the records and for
 * messages.  Returns NULL on out of memory (recorded).  Nothing is opened yet. */
struct rejects *rejects_new(const char *path, const char *source);
/* Records one reject; also reports the first few on stderr as
 * "source:line: reason".  Thread-safe for one writer thread at a time. */
int rejects_add(struct rejects *r, uint64_t record, uint64_t line, uint64_t byte,
                const char *reason, const char *raw, size_t raw_len);
uint64_t rejects_count(const struct rejects *r);
const char *rejects_path(const struct rejects *r);
/* Flushes and closes; returns RD_E_IO when the file could not be written. */
int rejects_close(struct rejects *r);

#endif
