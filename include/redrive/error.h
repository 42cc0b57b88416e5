/* error.h — the one error vocabulary of redrive.
 *
 * Every failure path records a message that says what was wrong, where, and
 * what to do, and returns a code:
 *
 *     if (!f)
 *         return rd_error(RD_E_IO, "cannot open %s: %s; check the path",
 *                         path, strerror(errno));
 *
 * main() maps the code to the exit status of SPEC §3 in one place
 * (rd_error_exit_status) and prints rd_error_message().  The message buffer
 * is per thread, so the import worker thread can fail on its own.
 */
#ifndef REDRIVE_ERROR_H
#define REDRIVE_ERROR_H

/* _(NAME, exit status, default text) */
#define RD_ERROR_LIST(_)                                                      \
	_(OK,        0, "ok")                                                 \
	_(USAGE,     2, "usage error")                                        \
	_(REJECTED,  3, "some input records were rejected")                   \
	_(FAIL,      1, "failed")                                             \
	_(IO,        1, "input/output error")                                 \
	_(NOMEM,     1, "out of memory")                                      \
	_(NOT_STORE, 1, "not a redrive store")                                \
	_(NEWER,     1, "store is newer than this redrive")                   \
	_(DB,        1, "database error")                                     \
	_(NOT_FOUND, 1, "not found")                                          \
	_(EXISTS,    1, "already exists")                                     \
	_(INPUT,     1, "bad input")                                          \
	_(BUSY,      1, "store is busy")                                      \
	_(READ_ONLY, 1, "store is open read-only")                            \
	_(CANCELLED, 1, "cancelled")                                          \
	_(NET,       1, "network error")                                      \
	_(AUTH,      1, "provider refused the credentials")

enum rd_err {
#define RD_ERROR_ENUM(name, status, text) RD_E_##name,
	RD_ERROR_LIST(RD_ERROR_ENUM)
#undef RD_ERROR_ENUM
	RD_E_COUNT_
};

#define RD_OK RD_E_OK

/* Records a formatted message for the calling thread and returns code.
 * With fmt == NULL the code's default text is recorded. */
int rd_error(enum rd_err code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes the recorded message with "context: " (e.g. a file name), returns code. */
int rd_error_wrap(enum rd_err code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The calling thread's last message; valid until the next rd_error on that thread. */
const char *rd_error_message(void);

/* Copies another thread's message in (used when a worker thread fails). */
void rd_error_set_message(const char *msg);

int rd_error_exit_status(int code);
const char *rd_error_name(int code);

#endif
