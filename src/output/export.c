#include "redrive/export.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/limits.h"
#include "redrive/render.h"
#include "redrive/store.h"
#include "redrive/store_query.h"

static int write_all(int fd, const char *p, size_t n, const char *path)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return rd_error(RD_E_IO, "cannot write %s: %s", path, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return RD_OK;
}

static int render_page(const struct rd_page *page, enum export_format format, struct buf *out)
{
	for (size_t i = 0; i < page->n; i++) {
		if (format == EXPORT_CSV) {
			render_message_csv(out, &page->rows[i], 1);
			continue;
		}
		json_t *o = render_message_json(&page->rows[i], 1);
		char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (!line)
			return rd_error(RD_E_NOMEM, "out of memory");
		buf_adds(out, line);
		buf_addc(out, '\n');
		free(line);
	}
	return out->p || !page->n ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
}

static int write_rows(struct store *s, const struct rd_filter *f, int fd, const char *path,
                      enum export_format format, int64_t *count, volatile int *cancel)
{
	struct rd_page page = { 0 };
	struct buf out = BUF_INIT;
	struct rd_cursor at = RD_CURSOR_START;
	int rc = RD_OK;

	if (format == EXPORT_CSV)
		render_message_csv_header(&out, 1);
	do {
		if (cancel && *cancel) {
			rc = rd_error(RD_E_CANCELLED, "export cancelled; %s was not written", path);
			break;
		}
		rc = store_messages_page(s, f, at, 0, RD_PAGE_MAX, &page);
		if (!rc)
			rc = render_page(&page, format, &out);
		if (!rc)
			rc = write_all(fd, out.p ? out.p : "", out.len, path);
		buf_reset(&out);
		if (!rc && page.n) {
			*count += (int64_t)page.n;
			at = store_page_cursor(&page, page.n - 1);
		}
	} while (!rc && page.n == RD_PAGE_MAX);
	store_page_free(&page);
	buf_free(&out);
	return rc;
}

int export_write(struct store *s, const struct rd_filter *f, const char *path,
                 enum export_format format, int64_t *count, volatile int *cancel)
{
	struct buf tmp = BUF_INIT;
	*count = 0;
	buf_printf(&tmp, "%s.tmp-XXXXXX", path);
	if (!tmp.p)
		return rd_error(RD_E_NOMEM, "out of memory");
	/* mkstemp creates the file 0600 with O_EXCL: no symlink games */
	int fd = mkstemp(tmp.p);
	if (fd < 0) {
		int rc = rd_error(RD_E_IO, "cannot create %s: %s; choose another path with --out", path,
		                  strerror(errno));
		buf_free(&tmp);
		return rc;
	}
	fchmod(fd, 0600);
	int rc = write_rows(s, f, fd, path, format, count, cancel);
	if (!rc && fsync(fd) != 0)
		rc = rd_error(RD_E_IO, "cannot write %s: %s", path, strerror(errno));
	if (close(fd) != 0 && !rc)
		rc = rd_error(RD_E_IO, "cannot write %s: %s", path, strerror(errno));
	if (!rc && rename(tmp.p, path) != 0)
		rc = rd_error(RD_E_IO, "cannot replace %s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp.p);
	buf_free(&tmp);
	return rc;
}

void export_audit(struct store *s, const struct rd_filter *f, const char *path,
                  enum export_format format, int64_t count, const char *via)
{
	struct buf detail = BUF_INIT, line = BUF_INIT;
	filter_to_line(f, &line);
	buf_printf(&detail, "%lld message(s) to %s (%s%s%s): %s", (long long)count, path,
	           format == EXPORT_CSV ? "csv" : "jsonl", via ? ", " : "", via ? via : "", buf_str(&line));
	int rc = store_begin(s);
	if (!rc)
		rc = store_audit(s, "export", buf_str(&detail));
	store_end(s, rc);
	buf_free(&detail);
	buf_free(&line);
}
