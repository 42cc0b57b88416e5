/* jsonfields.h — the named top-level fields of one JSON object, read straight
 * from the record's text.
 *
 * For importers that read a few fields of millions of records: one pass over
 * the text, no tree, no allocation.  The record must be one JSON value whose
 * syntax is already validated (a record jsonstream returned); text that is
 * not well-formed JSON gives unspecified values, never a read outside
 * rec[0..n).  Values of fields nobody asked for are skipped.
 */
#ifndef REDRIVE_JSONFIELDS_H
#define REDRIVE_JSONFIELDS_H

#include <stddef.h>
#include <stdint.h>

enum jf_type { JF_ABSENT, JF_STRING, JF_NUMBER, JF_OBJECT, JF_ARRAY, JF_TRUE, JF_FALSE, JF_NULL };

/* One field's value.  p[0..n) is, by type:
 *   JF_STRING  the decoded text: a pointer into the record when the string
 *              has no escapes, else into the caller's scratch buffer.  Not
 *              NUL terminated; p is never NULL, even for "".  nul is 1 when
 *              the text holds a NUL byte (the string had \u0000).
 *   JF_NUMBER  the number token as written ("-1.50e3").
 *   JF_OBJECT, JF_ARRAY  the raw text of the value as written, from its
 *              opening to its closing bracket (nothing is re-serialised).
 *   JF_TRUE, JF_FALSE, JF_NULL  the literal as written.
 *   JF_ABSENT  p NULL, n 0.
 * Valid as long as the record and the scratch buffer are. */
struct jf_value {
	const char *p;
	size_t n;
	enum jf_type type;
	int nul;
};

enum jf_status {
	JF_OK,
	JF_NOT_OBJECT,   /* the record is not a JSON object */
	JF_BAD_UTF8,     /* invalid UTF-8 somewhere in the record (jansson refuses it) */
	JF_NUL_CHAR,     /* JF_AS_JANSSON: some string or key, at any depth, holds \u0000 */
	JF_NUMBER_RANGE, /* JF_AS_JANSSON: some integer is outside int64, or a real overflows a double */
};

/* Flags for jsonfields_read. */
#define JF_AS_JANSSON 1u /* also refuse what jansson's json_loadb (flags 0) refuses in a
                          * well-formed record: \u0000 anywhere, integers outside int64
                          * ("too big integer") and reals that overflow a double */

/* Reads the fields names[0..count) of the object in rec[0..n) into
 * out[0..count): out[i] is the value of the key equal to names[i] (keys are
 * compared after decoding their escapes), JF_ABSENT when there is none.  A
 * key that occurs more than once gives its last value, as jansson does.
 * Leading blanks before the '{' are allowed; anything after the object's
 * closing brace is ignored.
 *
 * names: NUL-terminated strings, kept by the caller.  scratch: at least n
 * bytes, owned by the caller; decoded strings are written there (a decoded
 * string is never longer than its escaped text).  out may point into rec
 * and scratch afterwards.  flags: 0 or JF_AS_JANSSON.
 *
 * Returns JF_OK with out filled, or why the record cannot be read (then
 * out[] holds no meaning).  Invalid UTF-8 is refused with or without
 * JF_AS_JANSSON; \u0000 inside a string is otherwise reported per value
 * through jf_value.nul, and large numbers are left to the caller. */
enum jf_status jsonfields_read(const char *rec, size_t n, const char *const *names, size_t count,
                               char *scratch, struct jf_value *out, unsigned flags);

/* The whole number in the token p[0..n) (a JSON number as jsonfields_read
 * returns it): an optional '-' and digits only, no fraction or exponent, in
 * int64 range ("-0" is 0; "1.0" and "1e3" are not whole numbers here).
 * Returns 0 with *out set, or -1 with *out untouched. */
int jsonfields_int64(const char *p, size_t n, int64_t *out);

#endif
