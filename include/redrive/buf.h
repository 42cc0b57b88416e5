/* buf.h — a growable byte buffer with a cap.
 *
 * A struct buf owns b->p (heap, freed by buf_free).  b->p is always NUL
 * terminated after any successful append, so it can be used as a C string
 * when the content has no NUL bytes.  Appending past b->max (0 = no cap other
 * than SIZE_MAX/2) fails with RD_E_INPUT and leaves the content unchanged;
 * an allocation failure returns RD_E_NOMEM.
 */
#ifndef REDRIVE_BUF_H
#define REDRIVE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Empties the buffer, keeps the allocation. */
void buf_reset(struct buf *b);
/* Ensures room for n more bytes plus the terminating NUL. */
int buf_reserve(struct buf *b, size_t n);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Gives the heap string to the caller (who frees it); the buffer is empty after. */
char *buf_take(struct buf *b);
/* A NUL-terminated view, "" when the buffer was never used; valid until the next change. */
const char *buf_str(const struct buf *b);

#endif
