/* import_input.h — private to src/import: the per-kind importers. */
#ifndef REDRIVE_IMPORT_INPUT_H
#define REDRIVE_IMPORT_INPUT_H

#include <stdio.h>

#include "redrive/import.h"

struct rejects;
struct store;

/* Campaigns or send-log rows from an open input in a known format. */
int import_records(struct store *s, enum import_kind kind, FILE *in, enum import_format format,
                   struct rejects *rej, struct import_result *r);

/* Webhook events from an open input. */
int import_events(struct store *s, FILE *in, struct rejects *rej, int progress,
                  struct import_result *r);

#endif
