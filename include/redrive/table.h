/* table.h — text tables for people: aligned columns with wide characters,
 * every cell sanitised (untrusted text never reaches the terminal raw). */
#ifndef REDRIVE_TABLE_H
#define REDRIVE_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "redrive/utf8.h"

struct table_col {
	const char *header;
	enum utf8_align align;
	size_t max_width;   /* 0: no cap */
};

struct table;

/* cols is copied.  NULL on out of memory. */
struct table *table_new(const struct table_col *cols, size_t ncols);
void table_free(struct table *t);
/* Adds a row of ncols cells (copied; NULL is an empty cell). */
int table_add(struct table *t, const char *const *cells);
/* Adds a rule line (dashes) between rows. */
int table_add_rule(struct table *t);
/* Prints header and rows with widths fitted to the content (capped per column). */
int table_print(const struct table *t, FILE *out);

/* Streaming form for long outputs: prints one row with the given widths. */
int table_print_row(FILE *out, const struct table_col *cols, size_t ncols, const size_t *widths,
                    const char *const *cells);

#endif
