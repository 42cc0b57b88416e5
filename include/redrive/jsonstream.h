/* jsonstream.h — splits a byte stream into JSON records, in bounded memory.
 *
 * Accepts what webhook receivers and exporters write (SPEC §2):
 *   - one JSON array of records, or several arrays back to back;
 *   - one object per line (JSON Lines), or objects back to back;
 *   - any mix of these, with whitespace between top-level values.
 * Each element of a top-level array is one record; each top-level object is
 * one record.  The splitter validates JSON syntax as it goes (strings,
 * escapes, numbers, literals, nesting up to 512 levels), so a record it
 * returns is well-formed JSON text (its meaning is the caller's business).
 *
 * A syntax error, a top-level scalar, or a record longer than max_record
 * bytes makes a bad stretch: from the start of the broken record to the next
 * line that starts (after blanks) with '{' or '['.  The bad stretch is
 * returned (truncated to max_record bytes) so the caller can write it to a
 * rejects file; reading then goes on.  Nothing is skipped silently.
 */
#ifndef REDRIVE_JSONSTREAM_H
#define REDRIVE_JSONSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jsonstream;

struct js_record {
	const char *p;    /* the record's bytes, not NUL terminated; valid until the next call */
	size_t n;
	uint64_t line;    /* 1-based line of the record's first byte */
	uint64_t byte;    /* 0-based byte offset of the record's first byte */
	uint64_t index;   /* 1-based number of the record (good or bad) in the stream */
	int truncated;    /* bad stretch only: p holds the first max_record bytes */
};

/* f stays owned by the caller (the stream never closes it).  max_record:
 * RD_MAX_JSON_RECORD normally; 0 means RD_MAX_JSON_RECORD.  Returns NULL on
 * out of memory or f == NULL.  Reads f with fread in 256 KiB chunks, so on a
 * pipe records come out as the chunks fill (or at end of input).  Memory:
 * the read buffer, grown only for a record longer than it (up to
 * max_record + 1 bytes), plus max_record bytes for a long bad stretch. */
struct jsonstream *jsonstream_new(FILE *f, size_t max_record);
/* jsonstream_new with a read buffer of bufsize bytes (raised to at least 16)
 * instead of 256 KiB; for tests (records straddling refills) and tuning. */
struct jsonstream *jsonstream_new_bufsize(FILE *f, size_t max_record, size_t bufsize);
void jsonstream_free(struct jsonstream *s);

/* 1: a record; 0: end of input; -1: a bad stretch (jsonstream_error says
 * what and where within it); -2: a read error (errno set; EINVAL for NULL
 * arguments, ENOMEM when out of memory).  Calling again after 0 returns 0.
 *
 * What a caller must know:
 *   - A record's bytes run from its first to its last character (no
 *     surrounding blanks, no separating comma).  A record of a top-level
 *     array may be any JSON value; rejecting non-objects is the caller's job.
 *   - Strings are checked for valid escapes, no raw control characters
 *     (< 0x20) and paired surrogate escapes (\uD800-\uDBFF followed by
 *     \uDC00-\uDFFF); UTF-8 is not checked, and numbers are checked for
 *     grammar only (an integer too big for int64 is well-formed JSON).
 *   - A bad stretch is returned with trailing blanks removed; after it the
 *     stream goes on at the resync line.  A record cut short by a line that
 *     starts with '{' or '[' (a truncated JSON Line) resyncs at that very
 *     line, so the next record is not lost.  When the broken record was an
 *     element of a top-level array, objects found at resync lines are read
 *     as further elements of that array (a pretty-printed array loses only
 *     its broken element); a line starting with '[' starts a new array.
 *   - "Record larger than max_record": a well-formed record that is too long
 *     is skipped to its own end (the stream goes on right after it) and
 *     returned as a bad stretch with truncated set.
 *   - Input that ends inside a top-level array, between elements, is a bad
 *     stretch of length 0 ("']' is missing"): every element was returned,
 *     but the input was cut short. */
int jsonstream_next(struct jsonstream *s, struct js_record *rec);
/* The message for the last -1 or -2; owned by s, valid until the next call. */
const char *jsonstream_error(const struct jsonstream *s);
/* Bytes consumed so far (for progress). */
uint64_t jsonstream_offset(const struct jsonstream *s);

#endif
