/* import.h — importing campaigns, send-log rows and webhook events (SPEC §2).
 *
 * Every importer streams its input in bounded memory, stores every good
 * record, writes every bad one to the rejects file, and ends with the
 * summary "stored N, duplicates D, rejected R".
 */
#ifndef REDRIVE_IMPORT_H
#define REDRIVE_IMPORT_H

#include <stdint.h>
#include <stdio.h>

struct store;

enum import_kind { IMPORT_CAMPAIGNS, IMPORT_SENDLOG, IMPORT_EVENTS };
enum import_format { IMPORT_AUTO, IMPORT_JSON, IMPORT_CSV };

struct import_opts {
	const char *path;          /* "-" for standard input */
	const char *rejects_path;  /* NULL: PATH.rejects.jsonl (./stdin.rejects.jsonl for "-") */
	enum import_format format; /* campaigns and send log: JSON (Lines or arrays) or CSV */
	int progress;              /* report progress on stderr (a terminal) */
};

struct import_result {
	uint64_t stored;
	uint64_t duplicates;
	uint64_t rejected;
	uint64_t orphans;          /* events still without their message after the import */
	uint64_t rematched;        /* events matched to messages that arrived later */
	char rejects_path[4096];
};

/* Imports one input into the store.  Returns RD_OK when every record was
 * used, RD_E_REJECTED when some were rejected (the rest are stored), or
 * another error when the import could not run (nothing after the failing
 * batch is stored; what was stored before it stays, and a re-run is safe). */
int import_run(struct store *s, enum import_kind kind, const struct import_opts *o,
               struct import_result *r);

/* Imports webhook events from an open stream (the webhook receiver uses
 * this with an in-memory body).  source names the input in messages. */
int import_events_stream(struct store *s, FILE *in, const char *source, const char *rejects_path,
                         int progress, struct import_result *r);

#endif
