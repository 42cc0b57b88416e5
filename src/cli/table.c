#include "redrive/table.h"

#include <stdlib.h>
#include <string.h>

#include "redrive/buf.h"
#include "redrive/error.h"

#define COL_GAP "  "

struct table {
	struct table_col *cols;
	size_t ncols;
	char **cells;      /* nrows * ncols; a NULL row start marks a rule */
	int *rule;
	size_t nrows, cap;
};

struct table *table_new(const struct table_col *cols, size_t ncols)
{
	struct table *t = calloc(1, sizeof *t);
	if (!t || !(t->cols = malloc(ncols * sizeof *cols))) {
		free(t);
		rd_error(RD_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(t->cols, cols, ncols * sizeof *cols);
	t->ncols = ncols;
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->rule);
	free(t->cols);
	free(t);
}

static int grow(struct table *t)
{
	if (t->nrows < t->cap)
		return RD_OK;
	size_t cap = t->cap ? t->cap * 2 : 16;
	char **cells = realloc(t->cells, cap * t->ncols * sizeof *cells);
	if (cells)
		t->cells = cells;
	int *rule = cells ? realloc(t->rule, cap * sizeof *rule) : NULL;
	if (!rule)
		return rd_error(RD_E_NOMEM, "out of memory");
	t->rule = rule;
	t->cap = cap;
	return RD_OK;
}

int table_add(struct table *t, const char *const *cells)
{
	int rc = grow(t);
	if (rc)
		return rc;
	char **row = &t->cells[t->nrows * t->ncols];
	for (size_t i = 0; i < t->ncols; i++) {
		row[i] = strdup(cells[i] ? cells[i] : "");
		if (!row[i]) {
			while (i--)
				free(row[i]);
			return rd_error(RD_E_NOMEM, "out of memory");
		}
	}
	t->rule[t->nrows++] = 0;
	return RD_OK;
}

int table_add_rule(struct table *t)
{
	int rc = grow(t);
	if (rc)
		return rc;
	char **row = &t->cells[t->nrows * t->ncols];
	for (size_t i = 0; i < t->ncols; i++)
		row[i] = NULL;
	t->rule[t->nrows++] = 1;
	return RD_OK;
}

int table_print_row(FILE *out, const struct table_col *cols, size_t ncols, const size_t *widths,
                    const char *const *cells)
{
	struct buf line = BUF_INIT;
	int rc = RD_OK;
	for (size_t i = 0; i < ncols && !rc; i++) {
		if (i)
			buf_adds(&line, COL_GAP);
		/* the last left-aligned column is not padded: no trailing blanks */
		size_t w = widths[i];
		if (i == ncols - 1 && cols[i].align == UTF8_LEFT) {
			size_t cw = utf8_width(cells[i] ? cells[i] : "");
			if (cw < w)
				w = cw;
		}
		rc = utf8_fit(&line, cells[i] ? cells[i] : "", w, cols[i].align);
	}
	if (!rc) {
		while (line.len && line.p[line.len - 1] == ' ')
			line.len--;
		buf_addc(&line, '\n');
		if (fwrite(line.p, 1, line.len, out) != line.len)
			rc = rd_error(RD_E_IO, "cannot write the output");
	}
	buf_free(&line);
	return rc;
}

/* Each column as wide as its widest cell or header, capped at its max_width. */
static void column_widths(const struct table *t, size_t *w)
{
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = utf8_width(t->cols[c].header);
		for (size_t r = 0; r < t->nrows; r++) {
			if (t->rule[r])
				continue;
			size_t cw = utf8_width(t->cells[r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
		if (t->cols[c].max_width && w[c] > t->cols[c].max_width)
			w[c] = t->cols[c].max_width;
	}
}

static void print_rule(const struct table *t, const size_t *w, FILE *out)
{
	size_t total = 0;
	for (size_t c = 0; c < t->ncols; c++)
		total += w[c] + (c ? strlen(COL_GAP) : 0);
	for (size_t k = 0; k < total; k++)
		fputc('-', out);
	fputc('\n', out);
}

int table_print(const struct table *t, FILE *out)
{
	size_t *w = calloc(t->ncols, sizeof *w);
	const char **hdr = calloc(t->ncols, sizeof *hdr);
	if (!w || !hdr) {
		free(w);
		free(hdr);
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	for (size_t c = 0; c < t->ncols; c++)
		hdr[c] = t->cols[c].header;
	column_widths(t, w);
	int rc = table_print_row(out, t->cols, t->ncols, w, hdr);
	for (size_t r = 0; !rc && r < t->nrows; r++) {
		if (t->rule[r])
			print_rule(t, w, out);
		else
			rc = table_print_row(out, t->cols, t->ncols, w,
			                     (const char *const *)&t->cells[r * t->ncols]);
	}
	free(w);
	free(hdr);
	return rc;
}
