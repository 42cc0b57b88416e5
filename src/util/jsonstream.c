/* jsonstream.c — splits a stream into JSON records with a resumable,
 * validating byte-level state machine.
 *
 * One buffer holds the bytes read so far from the start of the record in
 * progress (or of the bad stretch, or the scan position).  A record that
 * lies inside the buffer is returned as a pointer into it; when the buffer
 * runs dry in the middle of a record, the record's partial bytes move to the
 * front once and reading goes on after them.  The buffer grows only for a
 * record longer than itself, up to max_record + 1 bytes; a record or bad
 * stretch longer than max_record has its first max_record bytes kept in a
 * side buffer and the rest is scanned without being kept.
 *
 * The scanner keeps its whole state in struct jsonstream (state, container
 * stack, string/number/literal progress), so it can stop at any byte and go
 * on after a refill.  Hot paths (string bodies, digits, blanks) are tight
 * loops; string bodies are skipped 8 bytes at a time.
 */
#include "redrive/jsonstream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/limits.h"

#define JS_MAX_DEPTH       512
#define JS_DEFAULT_BUFSIZE (256u << 10)
#define JS_MIN_BUFSIZE     16

enum js_state {
	ST_TOP,        /* between top-level values */
	ST_VALUE,      /* a value must start (after ':', or ',' in an array) */
	ST_ARR_FIRST,  /* after '[': a value or ']' */
	ST_OBJ_FIRST,  /* after '{': a key or '}' */
	ST_OBJ_KEY,    /* after ',' in an object: a key */
	ST_OBJ_COLON,  /* after a key: ':' */
	ST_AFTER,      /* after a value in a container: ',' or the closer */
	ST_STR,        /* inside a string */
	ST_ESC,        /* after '\' in a string */
	ST_HEX,        /* inside the 4 hex digits of \u */
	ST_LOW_BS,     /* after a high surrogate escape: the '\' of the low one */
	ST_LOW_U,      /* ... and its 'u' */
	ST_MINUS,      /* number: after '-' */
	ST_ZERO,       /* number: after a leading 0 */
	ST_INT,        /* number: in the integer digits */
	ST_DOT,        /* number: after '.' */
	ST_FRAC,       /* number: in the fraction digits */
	ST_EXP_MARK,   /* number: after 'e' */
	ST_EXP_SIGN,   /* number: after the exponent's sign */
	ST_EXP,        /* number: in the exponent digits */
	ST_LIT         /* inside true, false or null */
};

enum { K_OBJ, K_ARR };

/* Scanner results. */
enum { NEED_MORE = 0, GOT_RECORD = 1, GOT_BAD = -1, GOT_ERROR = 2 };

struct jsonstream {
	FILE *f;
	size_t max_record;
	unsigned char *buf;
	size_t cap, cap_limit;  /* cap grows up to cap_limit */
	size_t len, pos;        /* bytes held, scan position */
	uint64_t origin;        /* stream offset of buf[0] */
	uint64_t line;          /* line at buf[pos] */
	int eof, bom_done;
	uint64_t count;         /* records and bad stretches returned */

	/* scanner */
	int state;
	unsigned depth;
	int soft;               /* kind[0] is an array assumed after a resync */
	int str_key;            /* the string being read is an object key */
	int want_low;           /* the \u being read must be a low surrogate */
	unsigned hex_left, hex_val;
	const char *lit, *lit_name;
	uint64_t str_line, str_byte;
	uint64_t arr_line, arr_byte;
	unsigned char kind[JS_MAX_DEPTH];

	/* record in progress */
	int in_record;
	int oversize;           /* longer than max_record: first bytes in side */
	unsigned rec_depth;     /* depth at which the record's value lives */
	size_t rec_start;
	uint64_t rec_line, rec_byte;

	/* bad stretch being skipped */
	int resyncing;
	int rs_line_start;      /* at the start of a line, after blanks only */
	int ctx_array;          /* the break happened inside a top-level array */
	int ss_side;            /* stretch's first max_record bytes are in side */
	size_t ss;
	uint64_t ss_line, ss_byte;

	unsigned char *side;    /* max_record bytes, allocated when first needed */

	char err[320];
};

struct jsonstream *jsonstream_new_bufsize(FILE *f, size_t max_record, size_t bufsize)
{
	if (!f)
		return NULL;
	if (max_record == 0)
		max_record = RD_MAX_JSON_RECORD;
	if (bufsize < JS_MIN_BUFSIZE)
		bufsize = JS_MIN_BUFSIZE;
	struct jsonstream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->buf = malloc(bufsize);
	if (!s->buf) {
		free(s);
		return NULL;
	}
	s->f = f;
	s->max_record = max_record;
	s->cap = bufsize;
	s->cap_limit = max_record < SIZE_MAX - 1 && max_record + 1 > bufsize ? max_record + 1 : bufsize;
	s->line = 1;
	s->state = ST_TOP;
	return s;
}

struct jsonstream *jsonstream_new(FILE *f, size_t max_record)
{
	return jsonstream_new_bufsize(f, max_record, JS_DEFAULT_BUFSIZE);
}

void jsonstream_free(struct jsonstream *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s->side);
	free(s);
}

const char *jsonstream_error(const struct jsonstream *s)
{
	if (!s)
		return "no stream";
	return s->err[0] ? s->err : "no error";
}

uint64_t jsonstream_offset(const struct jsonstream *s)
{
	return s ? s->origin + s->pos : 0;
}

/* --- messages ------------------------------------------------------------ */

static void set_error(struct jsonstream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct jsonstream *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

/* "'x'" for a printable byte, "byte 0xNN" otherwise. */
static const char *describe(unsigned c, char out[16])
{
	if (c > 0x20 && c < 0x7f)
		snprintf(out, 16, "'%c'", (char)c);
	else if (c == ' ')
		snprintf(out, 16, "a space");
	else if (c == '\n')
		snprintf(out, 16, "a line break");
	else
		snprintf(out, 16, "byte 0x%02x", c);
	return out;
}

/* Records "<what>, found <c> at line L byte B". */
static void error_found(struct jsonstream *s, const char *what, unsigned c, uint64_t line,
			uint64_t byte)
{
	char d[16];
	set_error(s, "%s, found %s at line %llu byte %llu", what, describe(c, d),
		  (unsigned long long)line, (unsigned long long)byte);
}

/* Message for a value that starts at the top level where only '{' and '['
 * may: p points at its first byte, end at the end of the buffered bytes. */
static void error_top_level(struct jsonstream *s, const unsigned char *p,
			    const unsigned char *end, uint64_t line, uint64_t byte)
{
	static const char *const lits[] = { "true", "false", "null" };
	const char *kind = NULL;
	unsigned c = *p;

	if (c == '"')
		kind = "a string";
	else if (c == '-' || (c >= '0' && c <= '9'))
		kind = "a number";
	for (size_t i = 0; !kind && i < sizeof lits / sizeof lits[0]; i++) {
		size_t n = strlen(lits[i]);
		if ((size_t)(end - p) >= n && memcmp(p, lits[i], n) == 0)
			kind = lits[i];
	}
	if (kind) {
		set_error(s, "top-level value is %s; expected an object or an array of objects"
			  " (line %llu byte %llu)", kind, (unsigned long long)line,
			  (unsigned long long)byte);
	} else if (c == ',') {
		set_error(s, "unexpected ',' between top-level values at line %llu byte %llu"
			  " (commas belong inside arrays)", (unsigned long long)line,
			  (unsigned long long)byte);
	} else {
		error_found(s, "expected '{' or '[' to start a record", c, line, byte);
	}
}

/* --- the scanner --------------------------------------------------------- */

static inline int is_blank(unsigned c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline int is_digit(unsigned c)
{
	return c - '0' < 10u;
}

/* Skips JSON whitespace, counting line breaks. */
static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end,
					   uint64_t *line)
{
	while (p < end && *p <= ' ') {
		if (*p == '\n')
			++*line;
		else if (*p != ' ' && *p != '\r' && *p != '\t')
			break;
		p++;
	}
	return p;
}

/* Nonzero when one of the 8 bytes in v is '"', '\' or below 0x20 (the bytes
 * that end the fast part of a string body).  Exact: borrows only propagate
 * past a byte that matched. */
static inline int has_string_stop(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t q = v ^ (ones * '"');
	uint64_t b = v ^ (ones * '\\');
	return ((((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones * 0x20) & ~v)) & highs) != 0;
}

static inline int hex_value(unsigned c)
{
	if (c - '0' < 10u)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6u)
		return (int)(c - 'a' + 10);
	return -1;
}

static void start_record(struct jsonstream *s, size_t at, uint64_t line, unsigned depth)
{
	s->in_record = 1;
	s->oversize = 0;
	s->rec_depth = depth;
	s->rec_start = at;
	s->rec_line = line;
	s->rec_byte = s->origin + at;
}

static void fill_record(struct jsonstream *s, struct js_record *rec, const unsigned char *p,
			size_t n, uint64_t line, uint64_t byte, int truncated)
{
	rec->p = (const char *)p;
	rec->n = n;
	rec->line = line;
	rec->byte = byte;
	rec->index = ++s->count;
	rec->truncated = truncated;
}

/* Keeps the first max_record bytes of a record or stretch that starts at
 * buf[from] in the side buffer. */
static int keep_in_side(struct jsonstream *s, size_t from)
{
	if (!s->side) {
		s->side = malloc(s->max_record);
		if (!s->side)
			return -1;
	}
	memcpy(s->side, s->buf + from, s->max_record);
	return 0;
}

/* True when buf[e] ('{' or '[') is the first non-blank byte of its line and
 * the line break before it lies inside the bad stretch, so reading can go on
 * right there. */
static int at_line_start(const struct jsonstream *s, size_t e, size_t from)
{
	while (e > from) {
		unsigned c = s->buf[--e];
		if (c == '\n')
			return 1;
		if (c != ' ' && c != '\t' && c != '\r')
			return 0;
	}
	return 0;
}

/* Turns the scanner's failure at buf[e] into a bad stretch being skipped. */
static void begin_resync(struct jsonstream *s, size_t e, uint64_t line)
{
	s->ctx_array = s->depth >= 1 && s->kind[0] == K_ARR;
	s->ss_side = 0;
	if (s->in_record) {
		s->ss_line = s->rec_line;
		s->ss_byte = s->rec_byte;
		if (s->oversize)
			s->ss_side = 1;
		else
			s->ss = s->rec_start;
	} else {
		s->ss = e;
		s->ss_line = line;
		s->ss_byte = s->origin + e;
	}
	s->in_record = 0;
	s->oversize = 0;
	s->depth = 0;
	s->soft = 0;
	s->want_low = 0;
	s->state = ST_TOP;
	s->resyncing = 1;
	s->pos = e;
	s->line = line;
	s->rs_line_start = 0;
	if (!s->ss_side && e > s->ss && e < s->len && (s->buf[e] == '{' || s->buf[e] == '[') &&
	    at_line_start(s, e, s->ss))
		s->rs_line_start = 1;
}

/* Returns the bad stretch that ends at buf[end_at]. */
static int emit_stretch(struct jsonstream *s, struct js_record *rec, size_t end_at)
{
	s->resyncing = 0;
	if (s->ss_side) {
		fill_record(s, rec, s->side, s->max_record, s->ss_line, s->ss_byte, 1);
		return GOT_BAD;
	}
	size_t n = end_at - s->ss;
	const unsigned char *p = s->buf + s->ss;
	while (n > 0 && is_blank(p[n - 1]))
		n--;
	int truncated = 0;
	if (n > s->max_record) {
		n = s->max_record;
		truncated = 1;
	}
	fill_record(s, rec, p, n, s->ss_line, s->ss_byte, truncated);
	return GOT_BAD;
}

/* Skips a bad stretch up to the next line whose first non-blank byte is '{'
 * or '['. */
static int resync(struct jsonstream *s, struct js_record *rec)
{
	const unsigned char *const buf = s->buf;
	const unsigned char *p = buf + s->pos;
	const unsigned char *const end = buf + s->len;
	uint64_t line = s->line;

	while (p < end) {
		if (s->rs_line_start) {
			unsigned c = *p;
			if (c == '{' || c == '[') {
				size_t at = (size_t)(p - buf);
				s->pos = at;
				s->line = line;
				if (c == '{' && s->ctx_array) {
					s->depth = 1;
					s->kind[0] = K_ARR;
					s->soft = 1;
					s->state = ST_VALUE;
				}
				return emit_stretch(s, rec, at);
			}
			if (c == '\n')
				line++;
			else if (c != ' ' && c != '\t' && c != '\r')
				s->rs_line_start = 0;
			p++;
			continue;
		}
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			p = end;
			break;
		}
		p = nl + 1;
		line++;
		s->rs_line_start = 1;
	}
	s->pos = (size_t)(p - buf);
	s->line = line;
	return NEED_MORE;
}

/* Runs the state machine over the buffered bytes. */
static int parse(struct jsonstream *s, struct js_record *rec)
{
	const unsigned char *const buf = s->buf;
	const unsigned char *p = buf + s->pos;
	const unsigned char *const end = buf + s->len;
	uint64_t line = s->line;
	unsigned depth = s->depth;
	int state = s->state;
	unsigned c;

#define BYTE_AT(q) (s->origin + (uint64_t)((q) - buf))

	for (;;) {
		switch (state) {
		case ST_TOP:
			p = skip_ws(p, end, &line);
			if (p == end)
				goto need;
			c = *p;
			if (c == '{') {
				start_record(s, (size_t)(p - buf), line, 0);
				s->kind[0] = K_OBJ;
				depth = 1;
				p++;
				state = ST_OBJ_FIRST;
			} else if (c == '[') {
				s->kind[0] = K_ARR;
				s->soft = 0;
				s->arr_line = line;
				s->arr_byte = BYTE_AT(p);
				depth = 1;
				p++;
				state = ST_ARR_FIRST;
			} else {
				error_top_level(s, p, end, line, BYTE_AT(p));
				goto fail;
			}
			break;

		case ST_ARR_FIRST:
			p = skip_ws(p, end, &line);
			if (p == end)
				goto need;
			if (*p == ']') {
				p++;
				depth--;
				goto value_done;
			}
			state = ST_VALUE;
			/* fall through */
		case ST_VALUE:
			p = skip_ws(p, end, &line);
			if (p == end)
				goto need;
			c = *p;
			if (!s->in_record)
				start_record(s, (size_t)(p - buf), line, depth);
			switch (c) {
			case '{':
			case '[':
				if (depth == JS_MAX_DEPTH) {
					set_error(s, "nesting deeper than %d levels at line %llu byte %llu",
						  JS_MAX_DEPTH, (unsigned long long)line,
						  (unsigned long long)BYTE_AT(p));
					goto fail;
				}
				s->kind[depth++] = c == '{' ? K_OBJ : K_ARR;
				state = c == '{' ? ST_OBJ_FIRST : ST_ARR_FIRST;
				break;
			case '"':
				s->str_key = 0;
				s->str_line = line;
				s->str_byte = BYTE_AT(p);
				state = ST_STR;
				break;
			case '-':
				state = ST_MINUS;
				break;
			case '0':
				state = ST_ZERO;
				break;
			case 't':
				s->lit = "rue";
				s->lit_name = "true";
				state = ST_LIT;
				break;
			case 'f':
				s->lit = "alse";
				s->lit_name = "false";
				state = ST_LIT;
				break;
			case 'n':
				s->lit = "ull";
				s->lit_name = "null";
				state = ST_LIT;
				break;
			default:
				if (!is_digit(c)) {
					error_found(s, c == ']' && s->kind[depth - 1] == K_ARR ?
						    "expected a value after ','" : "expected a value",
						    c, line, BYTE_AT(p));
					goto fail;
				}
				state = ST_INT;
				break;
			}
			p++;
			break;

		case ST_OBJ_FIRST:
		case ST_OBJ_KEY:
			p = skip_ws(p, end, &line);
			if (p == end)
				goto need;
			c = *p;
			if (c == '"') {
				s->str_key = 1;
				s->str_line = line;
				s->str_byte = BYTE_AT(p);
				p++;
				state = ST_STR;
			} else if (c == '}' && state == ST_OBJ_FIRST) {
				p++;
				depth--;
				goto value_done;
			} else {
				error_found(s, state == ST_OBJ_FIRST ?
					    "expected a string key or '}' after '{'" :
					    "expected a string key after ','", c, line, BYTE_AT(p));
				goto fail;
			}
			break;

		case ST_OBJ_COLON:
			p = skip_ws(p, end, &line);
			if (p == end)
				goto need;
			if (*p != ':') {
				error_found(s, "expected ':' after an object key", *p, line, BYTE_AT(p));
				goto fail;
			}
			p++;
			state = ST_VALUE;
			break;

		case ST_AFTER:
			p = skip_ws(p, end, &line);
			if (p == end)
				goto need;
			c = *p;
			if (s->kind[depth - 1] == K_OBJ) {
				if (c == ',') {
					p++;
					state = ST_OBJ_KEY;
				} else if (c == '}') {
					p++;
					depth--;
					goto value_done;
				} else {
					error_found(s, "expected ',' or '}' after a value", c, line,
						    BYTE_AT(p));
					goto fail;
				}
			} else if (c == ',') {
				p++;
				state = ST_VALUE;
			} else if (c == ']') {
				p++;
				depth--;
				goto value_done;
			} else if (depth == 1 && s->soft) {
				/* The array assumed after a resync was not one. */
				depth = 0;
				s->soft = 0;
				state = ST_TOP;
			} else {
				error_found(s, "expected ',' or ']' after a value", c, line, BYTE_AT(p));
				goto fail;
			}
			break;

		case ST_STR:
			while (end - p >= 8) {
				uint64_t v;
				memcpy(&v, p, 8);
				if (has_string_stop(v))
					break;
				p += 8;
			}
			while (p < end && *p >= 0x20 && *p != '"' && *p != '\\')
				p++;
			if (p == end)
				goto need;
			c = *p;
			if (c == '"') {
				p++;
				if (s->str_key) {
					state = ST_OBJ_COLON;
					break;
				}
				goto value_done;
			}
			if (c == '\\') {
				p++;
				state = ST_ESC;
				break;
			}
			if (c == '\n')
				set_error(s, "unterminated string starting at line %llu byte %llu"
					  " (a line break inside a string must be written \\n)",
					  (unsigned long long)s->str_line,
					  (unsigned long long)s->str_byte);
			else
				set_error(s, "raw control character 0x%02x inside a string at line"
					  " %llu byte %llu (must be escaped as \\u%04x)", c,
					  (unsigned long long)line, (unsigned long long)BYTE_AT(p), c);
			goto fail;

		case ST_ESC:
			if (p == end)
				goto need;
			c = *p;
			if (c == 'u') {
				s->hex_left = 4;
				s->hex_val = 0;
				state = ST_HEX;
			} else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' ||
				   c == 'n' || c == 'r' || c == 't') {
				state = ST_STR;
			} else {
				error_found(s, "bad escape in a string: expected one of"
					    " \" \\ / b f n r t u after '\\'", c, line, BYTE_AT(p));
				goto fail;
			}
			p++;
			break;

		case ST_HEX:
			while (s->hex_left) {
				if (p == end)
					goto need;
				int h = hex_value(*p);
				if (h < 0) {
					error_found(s, "bad \\u escape: expected 4 hex digits", *p, line,
						    BYTE_AT(p));
					goto fail;
				}
				s->hex_val = s->hex_val * 16 + (unsigned)h;
				s->hex_left--;
				p++;
			}
			if (s->want_low) {
				s->want_low = 0;
				if (s->hex_val < 0xDC00 || s->hex_val > 0xDFFF) {
					set_error(s, "\\u%04X before line %llu byte %llu is not a low"
						  " surrogate, but a high surrogate escape came just before",
						  s->hex_val, (unsigned long long)line,
						  (unsigned long long)BYTE_AT(p));
					goto fail;
				}
				state = ST_STR;
			} else if (s->hex_val >= 0xD800 && s->hex_val <= 0xDBFF) {
				s->want_low = 1;
				state = ST_LOW_BS;
			} else if (s->hex_val >= 0xDC00 && s->hex_val <= 0xDFFF) {
				set_error(s, "lone low surrogate \\u%04X before line %llu byte %llu",
					  s->hex_val, (unsigned long long)line,
					  (unsigned long long)BYTE_AT(p));
				goto fail;
			} else {
				state = ST_STR;
			}
			break;

		case ST_LOW_BS:
		case ST_LOW_U:
			if (p == end)
				goto need;
			if (*p != (state == ST_LOW_BS ? '\\' : 'u')) {
				s->want_low = 0;
				error_found(s, "a high surrogate \\u escape must be followed by a"
					    " low surrogate \\u escape", *p, line, BYTE_AT(p));
				goto fail;
			}
			p++;
			if (state == ST_LOW_BS) {
				state = ST_LOW_U;
			} else {
				s->hex_left = 4;
				s->hex_val = 0;
				state = ST_HEX;
			}
			break;

		case ST_MINUS:
			if (p == end)
				goto need;
			c = *p;
			if (!is_digit(c)) {
				error_found(s, "expected a digit after '-' in a number", c, line,
					    BYTE_AT(p));
				goto fail;
			}
			p++;
			state = c == '0' ? ST_ZERO : ST_INT;
			break;

		case ST_ZERO:
			if (p == end)
				goto need;
			c = *p;
			if (is_digit(c)) {
				set_error(s, "a number starts with 0 followed by a digit at line %llu"
					  " byte %llu", (unsigned long long)line,
					  (unsigned long long)BYTE_AT(p));
				goto fail;
			}
			goto number_part;

		case ST_INT:
			while (p < end && is_digit(*p))
				p++;
			if (p == end)
				goto need;
			c = *p;
number_part:
			if (c == '.') {
				p++;
				state = ST_DOT;
			} else if (c == 'e' || c == 'E') {
				p++;
				state = ST_EXP_MARK;
			} else {
				goto value_done;
			}
			break;

		case ST_DOT:
			if (p == end)
				goto need;
			if (!is_digit(*p)) {
				error_found(s, "expected a digit after '.' in a number", *p, line,
					    BYTE_AT(p));
				goto fail;
			}
			p++;
			state = ST_FRAC;
			break;

		case ST_FRAC:
			while (p < end && is_digit(*p))
				p++;
			if (p == end)
				goto need;
			if (*p == 'e' || *p == 'E') {
				p++;
				state = ST_EXP_MARK;
				break;
			}
			goto value_done;

		case ST_EXP_MARK:
			if (p == end)
				goto need;
			c = *p;
			if (c == '+' || c == '-') {
				p++;
				state = ST_EXP_SIGN;
				break;
			}
			/* fall through */
		case ST_EXP_SIGN:
			if (p == end)
				goto need;
			if (!is_digit(*p)) {
				error_found(s, "expected a digit in the exponent of a number", *p,
					    line, BYTE_AT(p));
				goto fail;
			}
			p++;
			state = ST_EXP;
			break;

		case ST_EXP:
			while (p < end && is_digit(*p))
				p++;
			if (p == end)
				goto need;
			goto value_done;

		case ST_LIT:
			while (*s->lit) {
				if (p == end)
					goto need;
				if (*p != (unsigned char)*s->lit) {
					char what[64];
					snprintf(what, sizeof what, "bad literal: expected '%s'",
						 s->lit_name);
					error_found(s, what, *p, line, BYTE_AT(p));
					goto fail;
				}
				s->lit++;
				p++;
			}
			goto value_done;

		default:
			set_error(s, "internal error: bad scanner state %d", state);
			goto fail;
		}
		continue;

value_done:
		/* A value ended just before p; it may be the record itself. */
		if (s->in_record && depth == s->rec_depth)
			goto record;
		state = depth ? ST_AFTER : ST_TOP;
	}

record: {
		size_t start = s->rec_start;
		size_t n = (size_t)(p - buf) - start;
		s->in_record = 0;
		s->state = depth ? ST_AFTER : ST_TOP;
		s->depth = depth;
		s->pos = (size_t)(p - buf);
		s->line = line;
		if (s->oversize || n > s->max_record) {
			set_error(s, "record larger than %zu bytes", s->max_record);
			fill_record(s, rec, s->oversize ? s->side : buf + start, s->max_record,
				    s->rec_line, s->rec_byte, 1);
			s->oversize = 0;
			return GOT_BAD;
		}
		fill_record(s, rec, buf + start, n, s->rec_line, s->rec_byte, 0);
		return GOT_RECORD;
	}

need:
	s->pos = (size_t)(p - buf);
	s->line = line;
	s->depth = depth;
	s->state = state;
	return NEED_MORE;

fail:
	s->depth = depth;
	begin_resync(s, (size_t)(p - buf), line);
	return GOT_ERROR;
#undef BYTE_AT
}

/* --- input --------------------------------------------------------------- */

/* Reads more input after the scan position reached the end of the buffer.
 * Returns 1 when bytes came, 0 at end of input, -1 on a read error, -3 when
 * out of memory. */
static int refill(struct jsonstream *s)
{
	if (s->eof)
		return 0;

	/* What must stay: the record in progress or the bad stretch, unless its
	 * first max_record bytes already went to the side buffer. */
	size_t keep = s->pos;
	size_t *anchor = NULL;
	if (s->resyncing && !s->ss_side)
		anchor = &s->ss;
	else if (!s->resyncing && s->in_record && !s->oversize)
		anchor = &s->rec_start;
	if (anchor) {
		if (s->len - *anchor > s->max_record) {
			if (keep_in_side(s, *anchor) < 0)
				return -3;
			if (s->resyncing)
				s->ss_side = 1;
			else
				s->oversize = 1;
			anchor = NULL;
		} else {
			keep = *anchor;
		}
	}
	if (keep > 0) {
		memmove(s->buf, s->buf + keep, s->len - keep);
		s->len -= keep;
		s->pos -= keep;
		s->origin += keep;
		if (anchor)
			*anchor -= keep;
	}
	if (s->len == s->cap) {
		/* The kept bytes fill the buffer and are at most max_record: grow. */
		size_t cap = s->cap > s->cap_limit / 2 ? s->cap_limit : s->cap * 2;
		unsigned char *p = realloc(s->buf, cap);
		if (!p)
			return -3;
		s->buf = p;
		s->cap = cap;
	}

	size_t n = fread(s->buf + s->len, 1, s->cap - s->len, s->f);
	if (n == 0) {
		if (ferror(s->f))
			return -1;
		s->eof = 1;
		return 0;
	}
	s->len += n;
	if (!s->bom_done) {
		s->bom_done = 1;
		if (s->len >= 3 && memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0)
			s->pos = 3;
	}
	return 1;
}

/* The input ended: a record cut short is a bad stretch. */
static int finish(struct jsonstream *s, struct js_record *rec)
{
	if (s->resyncing)
		return emit_stretch(s, rec, s->len);
	if (s->state == ST_TOP || (s->depth == 1 && s->soft && !s->in_record)) {
		s->state = ST_TOP;
		s->depth = 0;
		s->soft = 0;
		return 0;
	}
	if (s->in_record) {
		if (s->state == ST_STR || s->state == ST_ESC || s->state == ST_HEX ||
		    s->state == ST_LOW_BS || s->state == ST_LOW_U)
			set_error(s, "input ends inside a record that started at line %llu"
				  " (in the string starting at line %llu byte %llu)",
				  (unsigned long long)s->rec_line,
				  (unsigned long long)s->str_line,
				  (unsigned long long)s->str_byte);
		else
			set_error(s, "input ends inside a record that started at line %llu"
				  " byte %llu", (unsigned long long)s->rec_line,
				  (unsigned long long)s->rec_byte);
		s->ss_side = s->oversize;
		s->ss = s->rec_start;
		s->ss_line = s->rec_line;
		s->ss_byte = s->rec_byte;
	} else {
		set_error(s, "input ends inside the array that started at line %llu byte %llu;"
			  " ']' is missing", (unsigned long long)s->arr_line,
			  (unsigned long long)s->arr_byte);
		s->ss_side = 0;
		s->ss = s->len;
		s->ss_line = s->line;
		s->ss_byte = s->origin + s->len;
	}
	s->in_record = 0;
	s->oversize = 0;
	s->depth = 0;
	s->soft = 0;
	s->want_low = 0;
	s->state = ST_TOP;
	s->pos = s->len;
	return emit_stretch(s, rec, s->len);
}

int jsonstream_next(struct jsonstream *s, struct js_record *rec)
{
	if (!s || !rec) {
		errno = EINVAL;
		return -2;
	}
	for (;;) {
		int r = s->resyncing ? resync(s, rec) : parse(s, rec);
		if (r == GOT_RECORD || r == GOT_BAD)
			return r;
		if (r == GOT_ERROR)
			continue;
		r = refill(s);
		if (r == 0)
			return finish(s, rec);
		if (r == -1) {
			int e = errno;
			set_error(s, "read error after byte %llu: %s",
				  (unsigned long long)s->origin + s->len, strerror(e));
			errno = e;
			return -2;
		}
		if (r == -3) {
			set_error(s, "out of memory reading a record");
			errno = ENOMEM;
			return -2;
		}
	}
}
