/* transfer.c — the libcurl handle the SendGrid and SMTP targets share. */
#include "transfer.h"

#include <string.h>

#include "redrive/error.h"
#include "redrive/limits.h"

int transfer_init(struct transfer *x)
{
	buf_init(&x->upload, RD_MAX_HTTP_BODY);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return rd_error(RD_E_FAIL, "cannot initialise libcurl");
	x->global = 1;
	return RD_OK;
}

void transfer_free(struct transfer *x)
{
	if (x->curl)
		curl_easy_cleanup(x->curl);
	x->curl = NULL;
	buf_free(&x->upload);
	if (x->global)
		curl_global_cleanup();
	x->global = 0;
}

/* libcurl's read callback: the next piece of the upload. */
static size_t read_upload(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct transfer *x = arg;
	size_t room = size * nmemb;
	size_t left = x->upload.len - x->off;
	size_t k = left < room ? left : room;
	memcpy(dst, x->upload.p + x->off, k);
	x->off += k;
	if (x->off == x->upload.len)
		x->handed_all = 1;
	return k;
}

int transfer_start(struct transfer *x, const struct transfer_opts *o)
{
	CURL *c = x->curl = curl_easy_init();
	if (!c)
		return rd_error(RD_E_NOMEM, "cannot start libcurl");
	CURLcode e = CURLE_OK;
	TRANSFER_SET(e, c, CURLOPT_VERBOSE, 0L);
	TRANSFER_SET(e, c, CURLOPT_NOSIGNAL, 1L);
	TRANSFER_SET(e, c, CURLOPT_URL, o->url);
	TRANSFER_SET(e, c, CURLOPT_PROTOCOLS_STR, o->protocols);
	TRANSFER_SET(e, c, CURLOPT_READFUNCTION, read_upload);
	TRANSFER_SET(e, c, CURLOPT_READDATA, x);
	TRANSFER_SET(e, c, CURLOPT_HEADERFUNCTION, o->header);
	TRANSFER_SET(e, c, CURLOPT_HEADERDATA, o->arg);
	TRANSFER_SET(e, c, CURLOPT_ERRORBUFFER, x->errbuf);
	TRANSFER_SET(e, c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	TRANSFER_SET(e, c, CURLOPT_TIMEOUT_MS, o->timeout * 1000L);
	TRANSFER_SET(e, c, CURLOPT_TCP_KEEPALIVE, 1L);
	TRANSFER_SET(e, c, CURLOPT_SSL_VERIFYPEER, o->verify_tls ? 1L : 0L);
	TRANSFER_SET(e, c, CURLOPT_SSL_VERIFYHOST, o->verify_tls ? 2L : 0L);
	if (e == CURLE_OK && o->more)
		e = o->more(c, o->arg);
	if (e != CURLE_OK)
		return rd_error(RD_E_FAIL, "libcurl refused a setting: %s", curl_easy_strerror(e));
	return RD_OK;
}

void transfer_rewind(struct transfer *x)
{
	x->off = 0;
	x->handed_all = 0;
	x->errbuf[0] = '\0';
}

const char *transfer_error(const struct transfer *x, CURLcode cc)
{
	return x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
}

int transfer_url_parse(const char *url, struct transfer_url *u)
{
	memset(u, 0, sizeof *u);
	CURLU *h = curl_url();
	if (!h)
		return rd_error(RD_E_NOMEM, "out of memory");
	int rc = RD_OK;
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &u->scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &u->host, 0) != CURLUE_OK) {
		rc = rd_error(RD_E_INPUT, "not a URL");
	} else {
		/* the parts a URL may lack stay NULL */
		curl_url_get(h, CURLUPART_PORT, &u->port, CURLU_DEFAULT_PORT);
		curl_url_get(h, CURLUPART_USER, &u->user, 0);
		curl_url_get(h, CURLUPART_PASSWORD, &u->password, 0);
		curl_url_get(h, CURLUPART_PATH, &u->path, 0);
		curl_url_get(h, CURLUPART_QUERY, &u->query, 0);
		curl_url_get(h, CURLUPART_FRAGMENT, &u->fragment, 0);
	}
	curl_url_cleanup(h);
	return rc;
}

void transfer_url_free(struct transfer_url *u)
{
	char *parts[] = { u->scheme, u->host, u->port, u->user, u->password, u->path, u->query, u->fragment };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		curl_free(parts[i]);
	memset(u, 0, sizeof *u);
}
