/* transfer.h — private to src/provider: the libcurl side the SendGrid and
 * SMTP targets share.  One easy handle that sends a body held in memory,
 * the options both targets set on it, and the parts of a URL.
 */
#ifndef REDRIVE_TRANSFER_H
#define REDRIVE_TRANSFER_H

#include <curl/curl.h>
#include <stddef.h>

#include "redrive/buf.h"

/* Embedded in a target's struct, which is zeroed before transfer_init. */
struct transfer {
	CURL *curl;             /* NULL until transfer_start, and after a handle is dropped */
	struct buf upload;      /* what is sent: the request or the message */
	size_t off;             /* how much of upload libcurl has read */
	int handed_all;         /* libcurl has read the last byte of upload */
	char errbuf[CURL_ERROR_SIZE];
	int global;             /* transfer_init initialised libcurl */
};

/* Initialises libcurl (once per target) and the upload buffer, capped at
 * RD_MAX_HTTP_BODY.  transfer_free undoes it, after a failure too. */
int transfer_init(struct transfer *x);

/* Closes the handle, frees the upload buffer and releases libcurl. */
void transfer_free(struct transfer *x);

/* What a target sets on its handle (libcurl copies the strings; header and
 * arg must outlive the handle). */
struct transfer_opts {
	const char *url;
	const char *protocols;        /* CURLOPT_PROTOCOLS_STR */
	curl_write_callback header;   /* every header line (HTTP) or reply line (SMTP), with arg */
	long connect_timeout_ms;
	long timeout;                 /* whole seconds for one transfer */
	int verify_tls;               /* check the server's certificate and name */
	/* the target's own options, set after the shared ones, with arg; may be NULL */
	CURLcode (*more)(CURL *c, void *arg);
	void *arg;
};

/* A new handle in x->curl: no signals, no verbose output (a key or password
 * must never be printed), keep-alive, the body read from x->upload, errors
 * into x->errbuf, and o.  RD_E_NOMEM or RD_E_FAIL (a refused option) with
 * the handle left for transfer_free to close. */
int transfer_start(struct transfer *x, const struct transfer_opts *o);

/* Sets one option unless an earlier one was refused: e keeps the first refusal. */
#define TRANSFER_SET(e, c, opt, val)                               \
	do {                                                       \
		if ((e) == CURLE_OK)                               \
			(e) = curl_easy_setopt((c), (opt), (val)); \
	} while (0)

/* Before each transfer: the upload from its first byte, no error text. */
void transfer_rewind(struct transfer *x);

/* What went wrong with a transfer that ended with cc: libcurl's detailed
 * text when it wrote one, else the code's.  Valid until the next transfer. */
const char *transfer_error(const struct transfer *x, CURLcode cc);

/* The parts of a URL as libcurl reads it, NULL where there is none (the
 * port is the scheme's default when none is written); freed by
 * transfer_url_free. */
struct transfer_url {
	char *scheme, *host, *port, *user, *password, *path, *query, *fragment;
};

/* RD_OK; RD_E_INPUT when url is not a URL with a scheme and a host (with a
 * plain message: callers say what they wanted instead); RD_E_NOMEM.  *u is
 * to be freed whatever it returns. */
int transfer_url_parse(const char *url, struct transfer_url *u);
void transfer_url_free(struct transfer_url *u);

#endif
