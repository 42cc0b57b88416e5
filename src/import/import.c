/* import.c — opening an input, choosing its format, and running the importer. */
#define _GNU_SOURCE /* fopencookie: a peeked standard input read again from its start */
#include "redrive/import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "import_input.h"
#include "redrive/error.h"
#include "redrive/rejects.h"
#include "redrive/store.h"

#define PEEK_MAX 4096

/* A stream that first replays the bytes we peeked, then reads on. */
struct replay {
	FILE *in;
	char head[PEEK_MAX];
	size_t len, pos;
};

static ssize_t replay_read(void *cookie, char *buf, size_t n)
{
	struct replay *r = cookie;
	if (r->pos < r->len) {
		size_t k = r->len - r->pos < n ? r->len - r->pos : n;
		memcpy(buf, r->head + r->pos, k);
		r->pos += k;
		return (ssize_t)k;
	}
	size_t got = fread(buf, 1, n, r->in);
	return got == 0 && ferror(r->in) ? -1 : (ssize_t)got;
}

static int replay_close(void *cookie)
{
	struct replay *r = cookie;
	int rc = r->in != stdin ? fclose(r->in) : 0;
	free(r);
	return rc;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* JSON when the first thing after a BOM and blanks is { or [, else CSV. */
static enum import_format sniff(const char *head, size_t n)
{
	size_t i = 0;
	if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
		i++;
	return i < n && (head[i] == '{' || head[i] == '[') ? IMPORT_JSON : IMPORT_CSV;
}

/* Opens the input; *format is settled (peeking when it is IMPORT_AUTO). */
static int open_input(const struct import_opts *o, enum import_kind kind, FILE **out,
                      enum import_format *format)
{
	int is_stdin = strcmp(o->path, "-") == 0;
	FILE *in = is_stdin ? stdin : fopen(o->path, "rb");
	*out = NULL;
	*format = o->format;
	if (!in)
		return rd_error(RD_E_IO, "cannot open %s: %s", o->path, strerror(errno));
	if (kind == IMPORT_EVENTS)
		*format = IMPORT_JSON;
	if (*format == IMPORT_AUTO && !is_stdin) {
		if (has_suffix(o->path, ".csv"))
			*format = IMPORT_CSV;
		else if (has_suffix(o->path, ".json") || has_suffix(o->path, ".jsonl") ||
		         has_suffix(o->path, ".ndjson"))
			*format = IMPORT_JSON;
	}
	if (*format != IMPORT_AUTO) {
		*out = in;
		return RD_OK;
	}
	struct replay *r = calloc(1, sizeof *r);
	if (!r) {
		if (!is_stdin)
			fclose(in);
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	r->in = in;
	r->len = fread(r->head, 1, sizeof r->head, in);
	*format = sniff(r->head, r->len);
	cookie_io_functions_t io = { .read = replay_read, .close = replay_close };
	*out = fopencookie(r, "r", io);
	if (!*out) {
		free(r);
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	return RD_OK;
}

static const char *kind_name(enum import_kind kind)
{
	return kind == IMPORT_CAMPAIGNS ? "campaigns" : kind == IMPORT_SENDLOG ? "sendlog" : "events";
}

static int finish(struct store *s, enum import_kind kind, const char *source, int rc,
                  struct rejects *rej, struct import_result *r)
{
	r->rejected = rejects_count(rej);
	int crc = rejects_close(rej);
	if (!rc && crc)
		rc = crc;
	if (!rc) {
		char detail[4200];
		snprintf(detail, sizeof detail, "%s %s: stored %llu, duplicates %llu, rejected %llu",
		         kind_name(kind), source, (unsigned long long)r->stored,
		         (unsigned long long)r->duplicates, (unsigned long long)r->rejected);
		if (store_begin(s) == RD_OK) {
			if (store_audit(s, "import", detail) == RD_OK)
				store_commit(s);
			else
				store_rollback(s);
		}
		store_optimize(s);
	}
	if (!rc && r->rejected)
		rc = rd_error(RD_E_REJECTED, "%llu record(s) rejected; they are in %s with the reason for each",
		              (unsigned long long)r->rejected, r->rejects_path);
	return rc;
}

int import_run(struct store *s, enum import_kind kind, const struct import_opts *o,
               struct import_result *r)
{
	memset(r, 0, sizeof *r);
	int is_stdin = strcmp(o->path, "-") == 0;
	if (o->rejects_path)
		snprintf(r->rejects_path, sizeof r->rejects_path, "%s", o->rejects_path);
	else
		snprintf(r->rejects_path, sizeof r->rejects_path, "%s.rejects.jsonl",
		         is_stdin ? "stdin" : o->path);

	FILE *in;
	enum import_format format;
	int rc = store_bulk(s);
	if (rc)
		return rc;
	rc = open_input(o, kind, &in, &format);
	if (rc)
		return rc;
	/* the rejects file describes the last run: an older one would mislead */
	unlink(r->rejects_path);
	struct rejects *rej = rejects_new(r->rejects_path, is_stdin ? "stdin" : o->path);
	if (!rej)
		rc = RD_E_NOMEM;
	else if (kind == IMPORT_EVENTS)
		rc = import_events(s, in, rej, o->progress, r);
	else
		rc = import_records(s, kind, in, format, rej, r);
	if (in != stdin)
		fclose(in);
	if (!rej)
		return rc;
	return finish(s, kind, is_stdin ? "stdin" : o->path, rc, rej, r);
}

int import_events_stream(struct store *s, FILE *in, const char *source, const char *rejects_path,
                         int progress, struct import_result *r)
{
	memset(r, 0, sizeof *r);
	int brc = store_bulk(s);
	if (brc)
		return brc;
	snprintf(r->rejects_path, sizeof r->rejects_path, "%s", rejects_path);
	struct rejects *rej = rejects_new(rejects_path, source);
	if (!rej)
		return RD_E_NOMEM;
	int rc = import_events(s, in, rej, progress, r);
	return finish(s, IMPORT_EVENTS, source, rc, rej, r);
}
