/* csv.h — RFC 4180 CSV: a streaming reader and a formula-safe writer.
 *
 * Reader: reads a FILE* through a fixed buffer; memory is bounded by
 * RD_MAX_CSV_RECORD whatever the file size.  Accepts CRLF and LF line
 * breaks, quoted fields with "" escapes and line breaks inside, a UTF-8 BOM
 * at the start of the file, and a missing final line break.  Empty lines
 * between records are skipped.
 */
#ifndef REDRIVE_CSV_H
#define REDRIVE_CSV_H

#include <stdint.h>
#include <stdio.h>

struct buf;
struct csv_reader;

struct csv_record {
	size_t nfields;
	/* field[i] is NUL terminated (a field holding a NUL byte is a bad record),
	 * len[i] its length.  Valid until the next csv_read or csv_reader_free. */
	char **field;
	size_t *len;
	uint64_t line;   /* 1-based line where the record starts */
	uint64_t byte;   /* 0-based byte offset of the record's first byte in the file */
	/* The record exactly as it stood in the file (without its final line
	 * break; at most RD_MAX_CSV_RECORD bytes), for rejects files. */
	const char *raw;
	size_t raw_len;
};

/* f stays owned by the caller (never closed here).  Returns NULL on out of
 * memory or f == NULL.  Reads f with fread through a 64 KiB buffer; memory is
 * that buffer plus three record-sized buffers (raw, a copy for re-reading
 * after an unterminated quote, field values), allocated here. */
struct csv_reader *csv_reader_new(FILE *f);
/* csv_reader_new with a read buffer of bufsize bytes (raised to at least 4)
 * and records capped at max_record bytes (0: RD_MAX_CSV_RECORD); for tests
 * (records straddling refills, small caps) and tools. */
struct csv_reader *csv_reader_new_bufsize(FILE *f, size_t bufsize, size_t max_record);
void csv_reader_free(struct csv_reader *r);

/* Reads the next record.
 * Returns 1 with *rec filled; 0 at end of file; -1 for a bad record (rec has
 * line, byte and raw set; csv_reader_error() says why: a quote inside an
 * unquoted field, text after a closing quote, an unterminated quoted field,
 * a NUL byte, a record over RD_MAX_CSV_RECORD bytes, more than
 * RD_MAX_CSV_FIELDS fields).  After -1 the next call goes on with the record
 * after the bad one (after an unterminated quote: at the next line).
 * -2: a read error (errno set; EINVAL for NULL arguments, ENOMEM when out of
 * memory).
 *
 * Details a caller must know:
 *   - Field values are exactly the bytes between the separators (spaces are
 *     kept; a CR inside a quoted field is kept); only the record's final
 *     CRLF or LF is removed.  A CR not followed by LF outside quotes is data.
 *   - A line that is empty (or only CR) is skipped, so a row holding one
 *     empty field must be written "" (csv_write_eol does that).
 *   - After an error, the bad record runs to the end of its record: quoted
 *     fields are still followed (a quote opening a field opens it; stray
 *     quotes elsewhere are taken as data), so the next record starts where
 *     a well-formed reading would start it.
 *   - Unterminated quoted field: the bad record runs from the record's start
 *     to the end of the line where the quote opened; reading goes on with
 *     the next line.  If the quoted field runs more than max_record bytes to
 *     the end of the input, those bytes cannot be read again: the message
 *     says so and raw holds the first max_record bytes.
 *   - raw of a record over the cap holds its first max_record bytes
 *     (raw_len == max_record). */
int csv_read(struct csv_reader *r, struct csv_record *rec);
/* The message for the last -1; owned by r, valid until the next csv_read. */
const char *csv_reader_error(const struct csv_reader *r);

/* Appends one field to out, quoted when it holds , " CR or LF or starts or
 * ends with a space.  With neutralize, a field starting with = + - @ TAB or CR
 * is prefixed with a single quote so spreadsheets do not run it as a formula.
 * s may be NULL when n is 0.  Returns RD_OK; RD_E_INPUT (out unchanged) for a
 * field holding a NUL byte, which no CSV reader here would accept back, or
 * past out's cap; RD_E_NOMEM. */
int csv_write_field(struct buf *out, const char *s, size_t n, int neutralize);
/* Appends the separator before a field that is not the first of its row. */
int csv_write_sep(struct buf *out);
/* Ends a row with CRLF (RFC 4180).  When the row is empty so far (out is
 * empty or ends with a line break) it writes "" first, so a row of one empty
 * field is not read back as an empty line and skipped. */
int csv_write_eol(struct buf *out);

#endif
