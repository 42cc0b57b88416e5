/* sendgrid.c — the SendGrid target: POST /v3/mail/send over one reused
 * libcurl handle (keep-alive).
 *
 * The line between TO_RETRY and TO_UNKNOWN is drawn by what left this
 * process: the request is sent with "Expect: 100-continue", so the body only
 * goes out once the server has said it will take it, and the read callback
 * knows when the whole body has been handed over.  libcurl's own silent
 * retry on a reused connection would send the body a second time; the seek
 * callback refuses that rewind once the body has gone, and the attempt is
 * then unknown.
 *
 * The API key lives in this struct and in the header list only; it is wiped
 * on close, never formatted into a message, and verbose mode stays off.
 */
#include "redrive/target.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/limits.h"
#include "sendgrid_req.h"
#include "target_int.h"

#define SG_DEFAULT_URL "https://api.sendgrid.com"
#define SG_PATH "/v3/mail/send"
#define SG_CONNECT_TIMEOUT_MS 10000L
#define SG_DEFAULT_TIMEOUT 30L
#define SG_USER_AGENT "redrive-requeue/1 (libcurl)"

struct sendgrid {
	struct target base;
	CURL *curl;
	struct curl_slist *headers;
	char url[1024];
	char key[TARGET_SECRET_MAX + 1];
	long timeout;

	/* the request in flight */
	struct buf req;
	size_t req_off;
	int handed_all;         /* the read callback gave curl the last byte */
	int rewind_refused;     /* curl wanted to send the body again */

	/* the answer */
	struct buf body;
	char message_id[256];
	char rl_reset[64];
	char retry_after[64];
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- libcurl callbacks ---------------------------------------------------- */

static size_t read_body(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct sendgrid *sg = arg;
	size_t room = size * nmemb;
	size_t left = sg->req.len - sg->req_off;
	size_t k = left < room ? left : room;
	memcpy(dst, sg->req.p + sg->req_off, k);
	sg->req_off += k;
	if (sg->req_off == sg->req.len)
		sg->handed_all = 1;
	return k;
}

static int seek_body(void *arg, curl_off_t offset, int origin)
{
	struct sendgrid *sg = arg;
	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	if (sg->handed_all) {
		/* the whole body may have arrived: sending it again could send the mail twice */
		sg->rewind_refused = 1;
		return CURL_SEEKFUNC_FAIL;
	}
	sg->req_off = 0;
	return CURL_SEEKFUNC_OK;
}

static size_t write_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sendgrid *sg = arg;
	size_t n = size * nmemb;
	/* only the start of an answer is kept: it is for the error message */
	if (sg->body.len < SG_MAX_ERROR_BODY) {
		size_t k = SG_MAX_ERROR_BODY - sg->body.len;
		if (buf_add(&sg->body, p, n < k ? n : k) != RD_OK)
			return CURL_WRITEFUNC_ERROR;
	}
	return n;
}

/* Copies a header's value (trimmed) when line is "name: value". */
static void header_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
	size_t k = strlen(name);
	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return;
	const char *v = line + k + 1;
	const char *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	target_copy_safe(out, outlen, v, (size_t)(end - v));
}

static size_t read_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sendgrid *sg = arg;
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new answer (the final one follows "100 Continue") */
		sg->message_id[0] = sg->rl_reset[0] = sg->retry_after[0] = '\0';
		return n;
	}
	header_value(p, n, "X-Message-Id", sg->message_id, sizeof sg->message_id);
	header_value(p, n, "X-RateLimit-Reset", sg->rl_reset, sizeof sg->rl_reset);
	header_value(p, n, "Retry-After", sg->retry_after, sizeof sg->retry_after);
	return n;
}

/* ---- the target ----------------------------------------------------------- */

static uint64_t sendgrid_group_key(const struct target *t, const struct target_msg *m)
{
	(void)t;
	return sg_group_key(m);
}

static int sendgrid_send(struct target *t, const struct target_msg *m, size_t n,
			 struct target_result *r)
{
	struct sendgrid *sg = (struct sendgrid *)t;
	buf_reset(&sg->req);
	buf_reset(&sg->body);
	int rc = sg_request_build(m, n, &sg->req);
	if (rc == RD_E_NOMEM) {
		target_result_set(r, TO_STOP, "%s", rd_error_message());
		return rc;
	}
	if (rc) {
		target_result_set(r, TO_FAILED, "%s", rd_error_message());
		return RD_OK;
	}
	sg->req_off = 0;
	sg->handed_all = sg->rewind_refused = 0;
	sg->message_id[0] = sg->rl_reset[0] = sg->retry_after[0] = sg->errbuf[0] = '\0';
	curl_easy_setopt(sg->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)sg->req.len);

	CURLcode cc = curl_easy_perform(sg->curl);
	long status = 0;
	curl_off_t uploaded = 0;
	curl_easy_getinfo(sg->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(sg->curl, CURLINFO_SIZE_UPLOAD_T, &uploaded);

	if (status >= 200) {
		/* an answer came (a cut in the middle of its body does not undo it) */
		struct sg_response resp = {
			.status = status,
			.body = buf_str(&sg->body),
			.message_id = sg->message_id,
			.ratelimit_reset = sg->rl_reset,
			.retry_after = sg->retry_after,
			.now = (int64_t)time(NULL),
		};
		sg_classify(&resp, r);
	} else {
		int left = sg->rewind_refused ||
			   (sg->handed_all && uploaded >= (curl_off_t)sg->req.len);
		sg_classify_transport((int)cc, sg->errbuf[0] ? sg->errbuf : curl_easy_strerror(cc),
				      left, r);
	}
	target_redact(r->error, sg->key);
	target_redact(r->provider_id, sg->key);
	return RD_OK;
}

static void sendgrid_close(struct target *t)
{
	struct sendgrid *sg = (struct sendgrid *)t;
	if (sg->curl)
		curl_easy_cleanup(sg->curl);
	for (struct curl_slist *h = sg->headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(sg->headers);
	explicit_bzero(sg->key, sizeof sg->key);
	buf_free(&sg->req);
	buf_free(&sg->body);
	free(sg);
	curl_global_cleanup();
}

static const struct target_ops sendgrid_ops = {
	.name = "sendgrid",
	.max_batch = SG_MAX_PERSONALIZATIONS,
	.group_key = sendgrid_group_key,
	.send = sendgrid_send,
	.close = sendgrid_close,
};

/* The key from the environment or its 0600 file, into sg->key. */
static int load_key(struct sendgrid *sg)
{
	const char *k = getenv("SENDGRID_API_KEY");
	if (k && *k) {
		size_t n = strlen(k);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)k[i] <= 0x20 || (unsigned char)k[i] >= 0x7F)
				return rd_error(RD_E_AUTH, "SENDGRID_API_KEY holds characters an API "
						"key cannot have (spaces, control characters or "
						"non-ASCII); set it to the key alone");
		if (n >= sizeof sg->key)
			return rd_error(RD_E_AUTH, "SENDGRID_API_KEY is longer than %d bytes; set it "
					"to the key alone", TARGET_SECRET_MAX);
		memcpy(sg->key, k, n + 1);
		return RD_OK;
	}
	const char *file = getenv("SENDGRID_API_KEY_FILE");
	if (file && *file)
		return target_secret_file(file, "SENDGRID_API_KEY_FILE", "SendGrid API key", sg->key,
					  sizeof sg->key);
	return rd_error(RD_E_AUTH, "no SendGrid API key: set SENDGRID_API_KEY, or "
			"SENDGRID_API_KEY_FILE to a file of mode 0600 that holds the key");
}

/* SENDGRID_API_URL checked and turned into the mail/send URL. */
static int load_url(struct sendgrid *sg)
{
	const char *v = getenv("SENDGRID_API_URL");
	if (!v || !*v)
		v = SG_DEFAULT_URL;
	CURLU *u = curl_url();
	if (!u)
		return rd_error(RD_E_NOMEM, "out of memory");
	char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *frag = NULL;
	char *path = NULL;
	int rc = RD_OK;
	if (curl_url_set(u, CURLUPART_URL, v, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = rd_error(RD_E_USAGE, "SENDGRID_API_URL \"%.200s\" is not a URL; use e.g. %s",
			      v, SG_DEFAULT_URL);
		goto out;
	}
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		rc = rd_error(RD_E_USAGE, "SENDGRID_API_URL must be an https:// URL (it is %s://)",
			      scheme);
	} else if (user || query || frag) {
		rc = rd_error(RD_E_USAGE, "SENDGRID_API_URL must hold no user, query or fragment; "
			      "the key comes from SENDGRID_API_KEY or SENDGRID_API_KEY_FILE");
	} else if (strcmp(scheme, "http") == 0 && !target_host_is_loopback(host)) {
		rc = rd_error(RD_E_USAGE, "SENDGRID_API_URL is http:// to %.200s: the API key "
			      "would cross the network unencrypted; use https:// (plain http is "
			      "for 127.0.0.1 and localhost only)", host);
	} else {
		/* the URL as given (a path prefix is kept), without trailing slashes */
		size_t n = strlen(v);
		while (n > 0 && v[n - 1] == '/')
			n--;
		if (n + strlen(SG_PATH) >= sizeof sg->url)
			rc = rd_error(RD_E_USAGE, "SENDGRID_API_URL is too long");
		else
			snprintf(sg->url, sizeof sg->url, "%.*s%s", (int)n, v, SG_PATH);
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(query);
	curl_free(frag);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

static int setup_curl(struct sendgrid *sg)
{
	char auth[TARGET_SECRET_MAX + 32];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", sg->key);
	const char *const fixed[] = { "Content-Type: application/json", "Accept: application/json",
				      "Expect: 100-continue" };
	struct curl_slist *h = curl_slist_append(NULL, auth);
	explicit_bzero(auth, sizeof auth);
	if (!h)
		return rd_error(RD_E_NOMEM, "out of memory");
	sg->headers = h;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		h = curl_slist_append(sg->headers, fixed[i]);
		if (!h)
			return rd_error(RD_E_NOMEM, "out of memory");
		sg->headers = h;
	}
	CURL *c = sg->curl = curl_easy_init();
	if (!c)
		return rd_error(RD_E_NOMEM, "cannot start libcurl");
	CURLcode e = CURLE_OK;
#define SET(opt, val) do { if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_VERBOSE, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_URL, sg->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_HTTPHEADER, sg->headers);
	SET(CURLOPT_USERAGENT, SG_USER_AGENT);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_READFUNCTION, read_body);
	SET(CURLOPT_READDATA, sg);
	SET(CURLOPT_SEEKFUNCTION, seek_body);
	SET(CURLOPT_SEEKDATA, sg);
	SET(CURLOPT_WRITEFUNCTION, write_body);
	SET(CURLOPT_WRITEDATA, sg);
	SET(CURLOPT_HEADERFUNCTION, read_header);
	SET(CURLOPT_HEADERDATA, sg);
	SET(CURLOPT_ERRORBUFFER, sg->errbuf);
	SET(CURLOPT_CONNECTTIMEOUT_MS, SG_CONNECT_TIMEOUT_MS);
	SET(CURLOPT_TIMEOUT_MS, sg->timeout * 1000L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
#undef SET
	if (e != CURLE_OK)
		return rd_error(RD_E_FAIL, "libcurl refused a setting: %s", curl_easy_strerror(e));
	return RD_OK;
}

int target_open_sendgrid(struct target **out)
{
	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return rd_error(RD_E_FAIL, "cannot initialise libcurl");
	struct sendgrid *sg = calloc(1, sizeof *sg);
	if (!sg) {
		curl_global_cleanup();
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	sg->base.ops = &sendgrid_ops;
	buf_init(&sg->req, RD_MAX_HTTP_BODY);
	buf_init(&sg->body, 0);
	int rc = load_key(sg);
	if (!rc)
		rc = load_url(sg);
	if (!rc)
		rc = target_env_seconds("REDRIVE_HTTP_TIMEOUT", SG_DEFAULT_TIMEOUT, 3600, &sg->timeout);
	if (!rc)
		rc = setup_curl(sg);
	if (rc) {
		sendgrid_close(&sg->base);
		return rc;
	}
	*out = &sg->base;
	return RD_OK;
}
