/* transcript.h — the table-driven reader tests of test_csv.c and
 * test_jsonstream.c.  A reader under test is wrapped in a transcript_fn that
 * reads a whole input and returns one line a result; a case is an input and
 * the transcript it must give.  Every case runs with the reader's default
 * buffer and again with each of a list of small ones, so records straddle
 * refills at every offset, and all must agree.  Header-only: each test
 * program is one file linked to the library. */
#ifndef REDRIVE_TESTS_TRANSCRIPT_H
#define REDRIVE_TESTS_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/buf.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Reads in[0..n) with a read buffer of bufsize bytes (0: the default) and
 * records of at most max_record bytes (0: the default); returns the
 * transcript (caller frees); appends each bad record's error to errs, one a
 * line, when errs is not NULL. */
typedef char *transcript_fn(const char *name, const char *in, size_t n, size_t max_record,
			    size_t bufsize, struct buf *errs);

struct transcript_reader {
	transcript_fn *read;
	const size_t *bufsizes; /* the small buffers every case runs with again */
	size_t nbufsizes;
};

struct read_case {
	const char *name;
	const char *in;
	size_t n;        /* 0: strlen(in) */
	const char *want;
	const char *err; /* substring of the first bad record's error */
};

static FILE *open_input(const char *in, size_t n)
{
	FILE *f = fmemopen((void *)(uintptr_t)in, n, "r");
	assert_non_null(f);
	return f;
}

/* The transcript with the default buffer, after checking that every buffer
 * of r->bufsizes gives the same. */
static char *transcript_all_sizes(const struct transcript_reader *r, const char *name,
				  const char *in, size_t n, size_t max_record, struct buf *errs)
{
	char *want = r->read(name, in, n, max_record, 0, errs);
	for (size_t i = 0; i < r->nbufsizes; i++) {
		char *got = r->read(name, in, n, max_record, r->bufsizes[i], NULL);
		if (strcmp(got, want) != 0)
			fail_msg("%s: read buffer of %zu bytes gives\n%s\nbut the default gives\n%s",
				 name, r->bufsizes[i], got, want);
		free(got);
	}
	return want;
}

static void run_cases(const struct transcript_reader *r, const struct read_case *cases,
		      size_t count, size_t max_record)
{
	for (size_t i = 0; i < count; i++) {
		const struct read_case *c = &cases[i];
		size_t n = c->n ? c->n : strlen(c->in);
		struct buf errs = BUF_INIT;
		char *got = transcript_all_sizes(r, c->name, c->in, n, max_record, &errs);
		if (strcmp(got, c->want) != 0)
			fail_msg("case %zu %s:\ngot\n%s\nwant\n%s(errors: %s)", i, c->name, got,
				 c->want, buf_str(&errs));
		if (c->err && !strstr(buf_str(&errs), c->err))
			fail_msg("case %zu %s: errors\n%s\ndo not contain \"%s\"", i, c->name,
				 buf_str(&errs), c->err);
		if (!c->err && errs.len)
			fail_msg("case %zu %s: unexpected errors\n%s", i, c->name, buf_str(&errs));
		free(got);
		buf_free(&errs);
	}
}

#endif
