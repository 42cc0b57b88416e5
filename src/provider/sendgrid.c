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
#include "sendgrid_req.h"
#include "target_int.h"
#include "transfer.h"

#define SG_DEFAULT_URL "https://api.sendgrid.com"
#define SG_PATH "/v3/mail/send"
#define SG_CONNECT_TIMEOUT_MS 10000L
#define SG_DEFAULT_TIMEOUT 30L
#define SG_USER_AGENT "redrive-requeue/1 (libcurl)"

struct sendgrid {
	struct target base;
	struct transfer x;      /* the handle, and the request in flight as its upload */
	struct curl_slist *headers;
	char url[1024];
	char key[TARGET_SECRET_MAX + 1];
	long timeout;
	int rewind_refused;     /* curl wanted to send the body again */

	/* the answer */
	struct buf body;
	char message_id[256];
	char rl_reset[64];
	char retry_after[64];
};

/* ---- libcurl callbacks ---------------------------------------------------- */

static int seek_body(void *arg, curl_off_t offset, int origin)
{
	struct sendgrid *sg = arg;
	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	if (sg->x.handed_all) {
		/* the whole body may have arrived: sending it again could send the mail twice */
		sg->rewind_refused = 1;
		return CURL_SEEKFUNC_FAIL;
	}
	sg->x.off = 0;
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
	buf_reset(&sg->x.upload);
	buf_reset(&sg->body);
	int rc = sg_request_build(m, n, &sg->x.upload);
	if (rc)
		return target_build_failed(r, rc);
	transfer_rewind(&sg->x);
	sg->rewind_refused = 0;
	sg->message_id[0] = sg->rl_reset[0] = sg->retry_after[0] = '\0';
	curl_easy_setopt(sg->x.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)sg->x.upload.len);

	CURLcode cc = curl_easy_perform(sg->x.curl);
	long status = 0;
	curl_off_t uploaded = 0;
	curl_easy_getinfo(sg->x.curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(sg->x.curl, CURLINFO_SIZE_UPLOAD_T, &uploaded);

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
			   (sg->x.handed_all && uploaded >= (curl_off_t)sg->x.upload.len);
		sg_classify_transport((int)cc, transfer_error(&sg->x, cc), left, r);
	}
	target_redact(r->error, sg->key);
	target_redact(r->provider_id, sg->key);
	return RD_OK;
}

static void sendgrid_close(struct target *t)
{
	struct sendgrid *sg = (struct sendgrid *)t;
	/* the handle goes first: it uses the header list until then */
	transfer_free(&sg->x);
	for (struct curl_slist *h = sg->headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(sg->headers);
	explicit_bzero(sg->key, sizeof sg->key);
	buf_free(&sg->body);
	free(sg);
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

/* The parsed SENDGRID_API_URL v checked and turned into the mail/send URL. */
static int check_url(struct sendgrid *sg, const char *v, const struct transfer_url *u)
{
	if (strcmp(u->scheme, "https") != 0 && strcmp(u->scheme, "http") != 0)
		return rd_error(RD_E_USAGE, "SENDGRID_API_URL must be an https:// URL (it is %s://)",
				u->scheme);
	if (u->user || u->query || u->fragment)
		return rd_error(RD_E_USAGE, "SENDGRID_API_URL must hold no user, query or fragment; "
				"the key comes from SENDGRID_API_KEY or SENDGRID_API_KEY_FILE");
	if (strcmp(u->scheme, "http") == 0 && !target_host_is_loopback(u->host))
		return rd_error(RD_E_USAGE, "SENDGRID_API_URL is http:// to %.200s: the API key "
				"would cross the network unencrypted; use https:// (plain http is "
				"for 127.0.0.1 and localhost only)", u->host);
	/* the URL as given (a path prefix is kept), without trailing slashes */
	size_t n = strlen(v);
	while (n > 0 && v[n - 1] == '/')
		n--;
	if (n + strlen(SG_PATH) >= sizeof sg->url)
		return rd_error(RD_E_USAGE, "SENDGRID_API_URL is too long");
	snprintf(sg->url, sizeof sg->url, "%.*s%s", (int)n, v, SG_PATH);
	return RD_OK;
}

/* SENDGRID_API_URL checked and turned into the mail/send URL. */
static int load_url(struct sendgrid *sg)
{
	const char *v = getenv("SENDGRID_API_URL");
	if (!v || !*v)
		v = SG_DEFAULT_URL;
	struct transfer_url u;
	int rc = transfer_url_parse(v, &u);
	if (rc == RD_E_INPUT)
		rc = rd_error(RD_E_USAGE, "SENDGRID_API_URL \"%.200s\" is not a URL; use e.g. %s", v,
			      SG_DEFAULT_URL);
	else if (!rc)
		rc = check_url(sg, v, &u);
	transfer_url_free(&u);
	return rc;
}

/* The request headers, the key among them. */
static int make_headers(struct sendgrid *sg)
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
	return RD_OK;
}

/* What a POST to SendGrid adds to the options of every transfer. */
static CURLcode sendgrid_options(CURL *c, void *arg)
{
	struct sendgrid *sg = arg;
	CURLcode e = CURLE_OK;
	TRANSFER_SET(e, c, CURLOPT_FOLLOWLOCATION, 0L);
	TRANSFER_SET(e, c, CURLOPT_HTTPHEADER, sg->headers);
	TRANSFER_SET(e, c, CURLOPT_USERAGENT, SG_USER_AGENT);
	TRANSFER_SET(e, c, CURLOPT_POST, 1L);
	TRANSFER_SET(e, c, CURLOPT_SEEKFUNCTION, seek_body);
	TRANSFER_SET(e, c, CURLOPT_SEEKDATA, sg);
	TRANSFER_SET(e, c, CURLOPT_WRITEFUNCTION, write_body);
	TRANSFER_SET(e, c, CURLOPT_WRITEDATA, sg);
	return e;
}

static int setup_curl(struct sendgrid *sg)
{
	int rc = make_headers(sg);
	if (rc)
		return rc;
	struct transfer_opts o = {
		.url = sg->url,
		.protocols = "http,https",
		.header = read_header,
		.connect_timeout_ms = SG_CONNECT_TIMEOUT_MS,
		.timeout = sg->timeout,
		.verify_tls = 1,
		.more = sendgrid_options,
		.arg = sg,
	};
	return transfer_start(&sg->x, &o);
}

int target_open_sendgrid(struct target **out)
{
	*out = NULL;
	struct sendgrid *sg = calloc(1, sizeof *sg);
	if (!sg)
		return rd_error(RD_E_NOMEM, "out of memory");
	sg->base.ops = &sendgrid_ops;
	buf_init(&sg->body, 0);
	int rc = transfer_init(&sg->x);
	if (!rc)
		rc = load_key(sg);
	if (!rc)
		rc = load_url(sg);
	if (!rc)
		rc = target_env_seconds("REDRIVE_HTTP_TIMEOUT", SG_DEFAULT_TIMEOUT, 3600, &sg->timeout);
	if (!rc)
		rc = setup_curl(sg);
	return target_opened(&sg->base, rc, out);
}
