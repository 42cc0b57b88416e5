/* csv.c — RFC 4180 reader (streaming, bounded memory) and writer.
 *
 * The reader is a byte-level state machine fed from a fixed read buffer.
 * Each record's bytes are kept twice while it is read, both capped: raw (the
 * record as it stood, for rejects files) and data (the field values, each
 * NUL terminated).  An unterminated quoted field is only known at the end of
 * the input; then the record's bytes after the line where the quote opened
 * are read again from the raw buffer (a "replay"), so the lines a stray
 * quote swallowed still come out as records.
 */
#include "redrive/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/limits.h"

#define CSV_DEFAULT_BUFSIZE (64u << 10)
#define CSV_MIN_BUFSIZE     4

enum csv_state {
	S_FSTART, /* at the start of a field */
	S_UNQ,    /* inside an unquoted field */
	S_CR,     /* after a CR outside quotes: a line break if LF follows */
	S_Q,      /* inside a quoted field */
	S_QQ,     /* after a quote inside a quoted field: "" or the end */
	S_QCR     /* after a closing quote and a CR */
};

struct csv_reader {
	FILE *f;
	size_t bufsize, max_record, raw_limit;
	char *in;                /* the read buffer */
	const char *src;         /* bytes being read: in, or spare when replaying */
	size_t src_pos, src_len;
	int replaying, eof, bom_done;
	uint64_t line, off;      /* position of src[src_pos] */

	/* the record being read */
	char *raw, *spare;       /* raw_limit bytes each; spare holds a replay */
	size_t raw_len;
	uint64_t rec_len;        /* bytes of the record so far (raw keeps the first) */
	char *data;              /* field values, each NUL terminated */
	size_t data_len;
	size_t *foff, *flen;
	char **field;
	size_t nfields;

	char err[320];
};

struct csv_reader *csv_reader_new_bufsize(FILE *f, size_t bufsize, size_t max_record)
{
	if (!f)
		return NULL;
	if (bufsize < CSV_MIN_BUFSIZE)
		bufsize = CSV_MIN_BUFSIZE;
	if (max_record == 0 || max_record > SIZE_MAX / 4)
		max_record = RD_MAX_CSV_RECORD;
	struct csv_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->f = f;
	r->bufsize = bufsize;
	r->max_record = max_record;
	/* Room for a record of max_record bytes and its CRLF. */
	r->raw_limit = max_record + 2;
	r->in = malloc(bufsize);
	r->raw = malloc(r->raw_limit);
	r->spare = malloc(r->raw_limit);
	r->data = malloc(r->raw_limit + RD_MAX_CSV_FIELDS + 1);
	r->foff = calloc(RD_MAX_CSV_FIELDS, sizeof *r->foff);
	r->flen = calloc(RD_MAX_CSV_FIELDS, sizeof *r->flen);
	r->field = calloc(RD_MAX_CSV_FIELDS, sizeof *r->field);
	if (!r->in || !r->raw || !r->spare || !r->data || !r->foff || !r->flen || !r->field) {
		csv_reader_free(r);
		return NULL;
	}
	r->src = r->in;
	r->line = 1;
	return r;
}

struct csv_reader *csv_reader_new(FILE *f)
{
	return csv_reader_new_bufsize(f, CSV_DEFAULT_BUFSIZE, RD_MAX_CSV_RECORD);
}

void csv_reader_free(struct csv_reader *r)
{
	if (!r)
		return;
	free(r->in);
	free(r->raw);
	free(r->spare);
	free(r->data);
	free(r->foff);
	free(r->flen);
	free(r->field);
	free(r);
}

const char *csv_reader_error(const struct csv_reader *r)
{
	if (!r)
		return "no reader";
	return r->err[0] ? r->err : "no error";
}

static void set_error(struct csv_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct csv_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
}

/* Makes more bytes available in src.  Returns 1, 0 at end of input, -1 on a
 * read error. */
static int fetch(struct csv_reader *r)
{
	if (r->replaying) {
		/* The file was at its end when the replay began. */
		r->replaying = 0;
		r->src = r->in;
		r->src_pos = r->src_len = 0;
	}
	if (r->eof)
		return 0;
	size_t n = fread(r->in, 1, r->bufsize, r->f);
	if (n == 0) {
		if (ferror(r->f))
			return -1;
		r->eof = 1;
		return 0;
	}
	r->src = r->in;
	r->src_pos = 0;
	r->src_len = n;
	if (!r->bom_done) {
		r->bom_done = 1;
		if (n >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0) {
			r->src_pos = 3;
			r->off = 3;
		}
	}
	return 1;
}

/* What the reader knows about the record in progress besides struct
 * csv_reader: kept in locals of csv_read and passed around here. */
struct rec_state {
	int bad;
	int size_error;          /* the first error was the size */
	size_t field_begin;      /* offset in data of the current field */
	uint64_t line, byte;     /* where the record starts */
	size_t qopen;            /* raw index of the last opening quote */
	uint64_t qopen_line, qopen_byte;
};

/* A byte of field text, kept while the record is good; a NUL makes it bad. */
static void field_byte(struct csv_reader *r, struct rec_state *st, unsigned char c, uint64_t line,
		       uint64_t at)
{
	if (st->bad)
		return;
	if (c == '\0') {
		set_error(r, "a NUL byte in field %zu at line %llu byte %llu", r->nfields + 1,
			  (unsigned long long)line, (unsigned long long)at);
		st->bad = 1;
		return;
	}
	r->data[r->data_len++] = (char)c;
}

/* Ends the current field; a record with too many fields becomes bad. */
static void end_field(struct csv_reader *r, struct rec_state *st, uint64_t line, uint64_t at)
{
	if (!st->bad) {
		if (r->nfields == RD_MAX_CSV_FIELDS) {
			set_error(r, "more than %d fields in a record (field %d ends at line %llu"
				  " byte %llu)", RD_MAX_CSV_FIELDS, RD_MAX_CSV_FIELDS + 1,
				  (unsigned long long)line, (unsigned long long)at);
			st->bad = 1;
		} else {
			r->foff[r->nfields] = st->field_begin;
			r->flen[r->nfields] = r->data_len - st->field_begin;
			r->data[r->data_len++] = '\0';
			r->nfields++;
		}
	}
	st->field_begin = r->data_len;
}

/* Fills rec for a record whose text (without its line break) is content
 * bytes long.  Returns 1, -1 for a bad record, or 0 for an empty line. */
static int finish_record(struct csv_reader *r, struct rec_state *st, uint64_t content,
			 struct csv_record *rec)
{
	if (!st->bad && content > r->max_record) {
		set_error(r, "record larger than %zu bytes", r->max_record);
		st->bad = 1;
	}
	if (!st->bad && content == 0)
		return 0;	/* an empty line ("" would be 2 bytes) */
	r->raw_len = content < r->max_record ? (size_t)content : r->max_record;
	rec->line = st->line;
	rec->byte = st->byte;
	rec->raw = r->raw;
	rec->raw_len = r->raw_len;
	rec->field = r->field;
	rec->len = r->flen;
	if (st->bad) {
		rec->nfields = 0;
		return -1;
	}
	for (size_t i = 0; i < r->nfields; i++)
		r->field[i] = r->data + r->foff[i];
	rec->nfields = r->nfields;
	return 1;
}

/* The input ended inside a quoted field.  The bad record runs to the end of
 * the line where the quote opened; what follows is read again. */
static int unterminated(struct csv_reader *r, struct rec_state *st, struct csv_record *rec)
{
	if (!st->bad || st->size_error)
		set_error(r, "unterminated quoted field starting at line %llu byte %llu (field %zu)",
			  (unsigned long long)st->qopen_line, (unsigned long long)st->qopen_byte,
			  r->nfields + 1);
	st->bad = 1;

	uint64_t content = r->rec_len;
	if (r->rec_len <= r->raw_limit) {
		const char *nl = memchr(r->raw + st->qopen, '\n', r->raw_len - st->qopen);
		if (nl) {
			size_t cut = (size_t)(nl - r->raw);
			size_t from = cut + 1;
			content = cut;
			if (content > 0 && r->raw[content - 1] == '\r')
				content--;
			/* The raw buffer becomes the replay source; the record
			 * returned now points into it too and is not written to
			 * before the next call. */
			char *t = r->spare;
			r->spare = r->raw;
			r->raw = t;
			r->src = r->spare;
			r->src_pos = from;
			r->src_len = r->raw_len;
			r->replaying = 1;
			r->line = st->qopen_line + 1;
			r->off = st->byte + from;
			finish_record(r, st, content, rec);
			rec->raw = r->spare;
			return -1;
		}
	} else {
		size_t n = strlen(r->err);
		snprintf(r->err + n, sizeof r->err - n, "; the %llu bytes from the record's start"
			 " to the end of the input are all part of this bad record",
			 (unsigned long long)r->rec_len);
	}
	return finish_record(r, st, content, rec);
}

int csv_read(struct csv_reader *r, struct csv_record *rec)
{
	if (!r || !rec) {
		errno = EINVAL;
		return -2;
	}
	memset(rec, 0, sizeof *rec);

	struct rec_state st;
	int state;
	int rc;

next_record:
	memset(&st, 0, sizeof st);
	state = S_FSTART;
	r->nfields = 0;
	r->data_len = 0;
	r->raw_len = 0;
	r->rec_len = 0;

	for (;;) {
		if (r->src_pos == r->src_len) {
			int got = fetch(r);
			if (got < 0)
				return -2;
			if (got > 0)
				continue;
			/* End of input. */
			if (r->rec_len == 0)
				return 0;
			uint64_t content = r->rec_len;
			if (state == S_Q)
				return unterminated(r, &st, rec);
			if (state == S_CR || state == S_QCR)
				content--;
			end_field(r, &st, r->line, r->off);
			return finish_record(r, &st, content, rec);
		}

		if ((state == S_UNQ || state == S_Q) && !st.bad) {
			/* Fast path: copy a run of plain field bytes at once. */
			const char *p = r->src + r->src_pos, *end = r->src + r->src_len, *q = p;
			if (state == S_UNQ)
				while (q < end && *q != ',' && *q != '\n' && *q != '\r' && *q != '"' &&
				       *q != '\0')
					q++;
			else
				while (q < end && *q != '"' && *q != '\n' && *q != '\0')
					q++;
			size_t run = (size_t)(q - p);
			if (run > 0 && r->rec_len + run <= r->raw_limit) {
				memcpy(r->raw + r->raw_len, p, run);
				memcpy(r->data + r->data_len, p, run);
				r->raw_len += run;
				r->data_len += run;
				r->rec_len += run;
				r->off += run;
				r->src_pos += run;
				if (r->src_pos == r->src_len)
					continue;
			}
		}

		unsigned char c = (unsigned char)r->src[r->src_pos++];
		uint64_t at = r->off++;
		if (r->rec_len == 0) {
			st.line = r->line;
			st.byte = at;
		}
		if (r->raw_len < r->raw_limit)
			r->raw[r->raw_len++] = (char)c;
		if (++r->rec_len > r->raw_limit && !st.bad) {
			set_error(r, "record larger than %zu bytes", r->max_record);
			st.bad = st.size_error = 1;
		}
		uint64_t line = r->line;
		if (c == '\n')
			r->line++;

reprocess:
		switch (state) {
		case S_FSTART:
			if (c == '"') {
				st.qopen = r->raw_len - 1;
				st.qopen_line = line;
				st.qopen_byte = at;
				state = S_Q;
				break;
			}
			state = S_UNQ;
			/* fall through */
		case S_UNQ:
			if (c == ',') {
				end_field(r, &st, line, at);
				state = S_FSTART;
			} else if (c == '\n') {
				goto record_end;
			} else if (c == '\r') {
				state = S_CR;
			} else if (c == '"' && !st.bad) {
				set_error(r, "a quote inside an unquoted field (field %zu) at line %llu"
					  " byte %llu; a field holding quotes must be quoted and its"
					  " quotes doubled", r->nfields + 1, (unsigned long long)line,
					  (unsigned long long)at);
				st.bad = 1;
			} else {
				field_byte(r, &st, c, line, at);
			}
			break;

		case S_CR:
			if (c == '\n')
				goto record_end;
			if (!st.bad)
				r->data[r->data_len++] = '\r';
			state = S_UNQ;
			goto reprocess;

		case S_Q:
			if (c == '"') {
				state = S_QQ;
			} else {
				field_byte(r, &st, c, line, at);
			}
			break;

		case S_QQ:
			if (c == '"') {
				if (!st.bad)
					r->data[r->data_len++] = '"';
				state = S_Q;
			} else if (c == ',') {
				end_field(r, &st, line, at);
				state = S_FSTART;
			} else if (c == '\n') {
				goto record_end;
			} else if (c == '\r') {
				state = S_QCR;
			} else {
				if (!st.bad) {
					set_error(r, "text after the closing quote of field %zu at line"
						  " %llu byte %llu (a quote inside a quoted field must"
						  " be doubled)", r->nfields + 1,
						  (unsigned long long)line, (unsigned long long)at);
					st.bad = 1;
				}
				state = S_UNQ;
			}
			break;

		case S_QCR:
			if (c == '\n')
				goto record_end;
			if (!st.bad) {
				set_error(r, "text after the closing quote of field %zu at line %llu"
					  " byte %llu (a CR not followed by a line feed)",
					  r->nfields + 1, (unsigned long long)line,
					  (unsigned long long)(at - 1));
				st.bad = 1;
			}
			state = S_UNQ;
			goto reprocess;

		default:
			break;
		}
		continue;

record_end:
		/* c is the LF ending the record; a CR before it belongs to the break. */
		end_field(r, &st, line, at);
		rc = finish_record(r, &st, r->rec_len - 1 - (state == S_CR || state == S_QCR),
				   rec);
		if (rc == 0)
			goto next_record;
		return rc;
	}
}

/* --- writer -------------------------------------------------------------- */

int csv_write_field(struct buf *out, const char *s, size_t n, int neutralize)
{
	if (!out)
		return rd_error(RD_E_FAIL, "csv_write_field: no output buffer");
	if (!s) {
		if (n)
			return rd_error(RD_E_FAIL, "csv_write_field: NULL field of %zu bytes", n);
		s = "";
	}
	if (memchr(s, '\0', n))
		return rd_error(RD_E_INPUT, "a CSV field cannot hold a NUL byte");

	int prefix = neutralize && n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
	int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
	size_t quotes = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"')
			quotes++;
		if (c == ',' || c == '"' || c == '\r' || c == '\n')
			quote = 1;
	}
	if (quotes > SIZE_MAX / 4 - n)
		return rd_error(RD_E_INPUT, "CSV field too large");
	int rc = buf_reserve(out, n + quotes + (size_t)prefix + (quote ? 2 : 0));
	if (rc)
		return rc;

	char *w = out->p + out->len;
	if (quote)
		*w++ = '"';
	if (prefix)
		*w++ = '\'';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			*w++ = '"';
		*w++ = s[i];
	}
	if (quote)
		*w++ = '"';
	*w = '\0';
	out->len = (size_t)(w - out->p);
	return RD_OK;
}

int csv_write_sep(struct buf *out)
{
	if (!out)
		return rd_error(RD_E_FAIL, "csv_write_sep: no output buffer");
	return buf_addc(out, ',');
}

int csv_write_eol(struct buf *out)
{
	if (!out)
		return rd_error(RD_E_FAIL, "csv_write_eol: no output buffer");
	if (out->len == 0 || out->p[out->len - 1] == '\n')
		return buf_add(out, "\"\"\r\n", 4);
	return buf_add(out, "\r\n", 2);
}
