#include "redrive/rejects.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/utf8.h"

/* Rejects shown on stderr before the rest are only counted. */
#define REJECTS_SHOWN 10

struct rejects {
	char *path;
	char *source;
	FILE *f;
	uint64_t n;
	int failed;
};

struct rejects *rejects_new(const char *path, const char *source)
{
	struct rejects *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(path)) || !(r->source = strdup(source))) {
		if (r)
			free(r->path);
		free(r);
		rd_error(RD_E_NOMEM, "out of memory");
		return NULL;
	}
	return r;
}

static int open_file(struct rejects *r)
{
	/* replace an older rejects file; 0600: records hold addresses */
	unlink(r->path);
	int fd = open(r->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !(r->f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		r->failed = 1;
		return rd_error(RD_E_IO, "cannot write the rejects file %s: %s; give another path with --rejects",
		                r->path, strerror(errno));
	}
	return RD_OK;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int base64(struct buf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		             (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=',
		              i + 2 < n ? b64[v & 63] : '=' };
		int rc = buf_add(out, q, 4);
		if (rc)
			return rc;
	}
	return buf_adds(out, "");
}

static void show(struct rejects *r, uint64_t line, const char *reason)
{
	if (r->n <= REJECTS_SHOWN) {
		struct buf safe = BUF_INIT;
		utf8_sanitize(&safe, reason, strlen(reason));
		fprintf(stderr, "%s:%llu: rejected: %s\n", r->source, (unsigned long long)line, buf_str(&safe));
		buf_free(&safe);
	} else if (r->n == REJECTS_SHOWN + 1) {
		fprintf(stderr, "%s: more rejects are only written to %s\n", r->source, r->path);
	}
}

int rejects_add(struct rejects *r, uint64_t record, uint64_t line, uint64_t byte,
                const char *reason, const char *raw, size_t raw_len)
{
	r->n++;
	show(r, line, reason);
	if (r->failed)
		return RD_E_IO;
	if (!r->f && open_file(r))
		return RD_E_IO;

	json_t *o = json_object();
	json_object_set_new(o, "source", json_string(r->source));
	json_object_set_new(o, "record", json_integer((json_int_t)record));
	json_object_set_new(o, "line", json_integer((json_int_t)line));
	json_object_set_new(o, "byte", json_integer((json_int_t)byte));
	json_object_set_new(o, "reason", json_string(reason));
	if (utf8_valid(raw, raw_len)) {
		json_object_set_new(o, "raw", json_stringn(raw, raw_len));
	} else {
		struct buf enc = BUF_INIT;
		base64(&enc, (const unsigned char *)raw, raw_len);
		json_object_set_new(o, "raw_base64", json_string(buf_str(&enc)));
		buf_free(&enc);
	}
	char *line_text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!line_text)
		return rd_error(RD_E_NOMEM, "out of memory writing a reject");
	int ok = fputs(line_text, r->f) >= 0 && fputc('\n', r->f) != EOF;
	free(line_text);
	if (!ok) {
		r->failed = 1;
		return rd_error(RD_E_IO, "cannot write the rejects file %s: %s", r->path, strerror(errno));
	}
	return RD_OK;
}

uint64_t rejects_count(const struct rejects *r)
{
	return r->n;
}

const char *rejects_path(const struct rejects *r)
{
	return r->path;
}

int rejects_close(struct rejects *r)
{
	int rc = RD_OK;
	if (!r)
		return RD_OK;
	if (r->f && (fflush(r->f) != 0 || fsync(fileno(r->f)) != 0 || fclose(r->f) != 0))
		rc = rd_error(RD_E_IO, "cannot write the rejects file %s: %s", r->path, strerror(errno));
	else if (r->failed)
		rc = RD_E_IO;
	free(r->path);
	free(r->source);
	free(r);
	return rc;
}
