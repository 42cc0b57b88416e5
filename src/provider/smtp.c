/* smtp.c — the SMTP relay target: libcurl SMTP, one message per call, the
 * connection kept open between messages.
 *
 * The line between TO_RETRY and TO_UNKNOWN: every reply of the relay
 * reaches the header callback, so we know the last complete reply; once the
 * read callback has handed libcurl the whole message, the end-of-data mark
 * may have gone out, and a time-out or a cut without a reply is unknown.
 * After anything but a clean send the handle (and its connection, which may
 * be in the middle of a transaction) is thrown away and made anew.
 */
#include "redrive/target.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/hash.h"
#include "redrive/limits.h"
#include "redrive/mime.h"
#include "target_int.h"

#define SMTP_CONNECT_TIMEOUT_MS 10000L
#define SMTP_DEFAULT_TIMEOUT 60L

struct smtp {
	struct target base;
	CURL *curl;
	char url[600];
	char host[300];
	int implicit_tls;
	int need_tls;           /* a login over smtp:// to another machine: STARTTLS or nothing */
	int insecure;           /* REDRIVE_TLS_INSECURE=1 */
	long timeout;
	char user[256];
	char password[TARGET_SECRET_MAX + 1];

	/* the message in flight */
	struct buf msg;
	size_t off;
	int handed_all;
	char errbuf[CURL_ERROR_SIZE];

	/* the relay's replies in this transfer */
	int replies;            /* complete replies */
	int in_reply;           /* a multi-line reply is open */
	int code;               /* the last complete reply's code */
	char text[400];         /* and its text */
};

/* ---- libcurl callbacks ---------------------------------------------------- */

static size_t read_msg(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct smtp *s = arg;
	size_t room = size * nmemb;
	size_t left = s->msg.len - s->off;
	size_t k = left < room ? left : room;
	memcpy(dst, s->msg.p + s->off, k);
	s->off += k;
	if (s->off == s->msg.len)
		s->handed_all = 1;
	return k;
}

/* libcurl hands every reply line of the relay here. */
static size_t read_reply(char *p, size_t size, size_t nmemb, void *arg)
{
	struct smtp *s = arg;
	size_t n = size * nmemb;
	size_t len = n;
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
	    p[2] > '9')
		return n;
	/* the answer to libcurl's QUIT after a failure must not hide the failure */
	if (strncmp(p, "221", 3) == 0)
		return n;
	int last = len == 3 || p[3] == ' ';
	size_t used = strlen(s->text);
	if (!s->in_reply) {
		s->text[0] = '\0';
		used = 0;
	}
	if (used + 2 < sizeof s->text) {
		if (used)
			s->text[used++] = ' ';
		/* a later line of a long reply is cut to what is left */
		target_copy_safe(s->text + used, sizeof s->text - used, p, len);
	}
	s->in_reply = !last;
	if (last) {
		s->code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		s->replies++;
	}
	return n;
}

/* ---- the handle ----------------------------------------------------------- */

static int setup_curl(struct smtp *s)
{
	CURL *c = s->curl = curl_easy_init();
	if (!c)
		return rd_error(RD_E_NOMEM, "cannot start libcurl");
	CURLcode e = CURLE_OK;
#define SET(opt, val) do { if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_VERBOSE, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_URL, s->url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, read_msg);
	SET(CURLOPT_READDATA, s);
	SET(CURLOPT_HEADERFUNCTION, read_reply);
	SET(CURLOPT_HEADERDATA, s);
	SET(CURLOPT_ERRORBUFFER, s->errbuf);
	SET(CURLOPT_CONNECTTIMEOUT_MS, SMTP_CONNECT_TIMEOUT_MS);
	SET(CURLOPT_TIMEOUT_MS, s->timeout * 1000L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_USE_SSL, (long)(s->implicit_tls || s->need_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	SET(CURLOPT_SSL_VERIFYPEER, s->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, s->insecure ? 0L : 2L);
	if (s->user[0]) {
		SET(CURLOPT_USERNAME, s->user);
		SET(CURLOPT_PASSWORD, s->password);
	}
#undef SET
	if (e != CURLE_OK)
		return rd_error(RD_E_FAIL, "libcurl refused a setting: %s", curl_easy_strerror(e));
	return RD_OK;
}

/* ---- what happened -------------------------------------------------------- */

static void classify(struct smtp *s, CURLcode cc, long new_conns, const char *message_id,
		     struct target_result *r)
{
	const char *what = s->errbuf[0] ? s->errbuf : curl_easy_strerror(cc);
	if (cc == CURLE_OK) {
		r->outcome = TO_SENT;
		snprintf(r->provider_id, sizeof r->provider_id, "%s", message_id);
		return;
	}
	if (cc == CURLE_LOGIN_DENIED || (s->replies && (s->code == 530 || s->code == 534 ||
							s->code == 535 || s->code == 538))) {
		target_result_set(r, TO_STOP, "the relay %s refused the login (%s); check "
				  "REDRIVE_SMTP_USER and REDRIVE_SMTP_PASSWORD_FILE", s->host,
				  s->replies ? s->text : what);
		return;
	}
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		target_result_set(r, TO_RETRY, "cannot reach the relay %s: %s", s->host, what);
		return;
	case CURLE_USE_SSL_FAILED:
		target_result_set(r, TO_STOP, "the relay %s offers no STARTTLS, and a login must not "
				  "cross the network unencrypted; use smtps:// or a relay with "
				  "STARTTLS", s->host);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		target_result_set(r, TO_STOP, "the TLS certificate of the relay %s is not trusted: "
				  "%s; fix the certificate, or set REDRIVE_TLS_INSECURE=1 to turn "
				  "verification off", s->host, what);
		return;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		target_result_set(r, TO_STOP, "the relay URL cannot be used: %s", what);
		return;
	case CURLE_REMOTE_ACCESS_DENIED:
		target_result_set(r, TO_STOP, "the relay %s refuses us (%s)", s->host,
				  s->replies ? s->text : what);
		return;
	default:
		break;
	}
	if (s->replies && !s->in_reply && s->code >= 400 && s->code < 600) {
		if (s->code >= 500 && new_conns > 0 && s->replies == 1)
			target_result_set(r, TO_STOP, "the relay %s refuses connections: %s", s->host,
					  s->text);
		else if (s->code >= 500)
			target_result_set(r, TO_FAILED, "the relay refused the message: %s", s->text);
		else
			target_result_set(r, TO_RETRY, "the relay asked us to try again later: %s",
					  s->text);
		return;
	}
	if (s->handed_all)
		target_result_set(r, TO_UNKNOWN, "no answer from the relay %s after the whole "
				  "message was sent (%s): it may have been accepted", s->host, what);
	else
		target_result_set(r, TO_RETRY, "the connection to the relay %s failed before the "
				  "message was sent (%s)", s->host, what);
}

static uint64_t smtp_group_key(const struct target *t, const struct target_msg *m)
{
	(void)t;
	/* every message its own request */
	struct hash64_state h;
	hash64_init(&h, 0x736D7470ull);
	hash64_field(&h, m->msg_key, m->msg_key ? strlen(m->msg_key) : 0);
	hash64_u64(&h, (uint64_t)m->batch);
	return hash64_final(&h);
}

static int smtp_send(struct target *t, const struct target_msg *m, size_t n,
		     struct target_result *r)
{
	(void)n; /* target_send allows 1 */
	struct smtp *s = (struct smtp *)t;
	buf_reset(&s->msg);
	struct mime_envelope env;
	struct mime_msg mm = {
		.payload = m->payload,
		.msg_key = m->msg_key,
		.recipient = m->recipient,
		.batch = m->batch,
		.date = (int64_t)time(NULL),
	};
	int rc = mime_render(&mm, &s->msg, &env);
	if (rc == RD_E_NOMEM) {
		target_result_set(r, TO_STOP, "%s", rd_error_message());
		return rc;
	}
	if (rc) {
		target_result_set(r, TO_FAILED, "%s", rd_error_message());
		return RD_OK;
	}
	if (!mime_address_ok(m->recipient)) {
		target_result_set(r, TO_FAILED, "the recipient \"%.320s\" cannot be used over SMTP: "
				  "an address must be plain ASCII with one @ and no spaces, brackets "
				  "or quotes", m->recipient ? m->recipient : "");
		return RD_OK;
	}
	if (!s->curl && (rc = setup_curl(s)) != RD_OK) {
		target_result_set(r, TO_STOP, "%s", rd_error_message());
		return rc;
	}
	char from[MIME_ADDRESS_MAX + 2], to[MIME_ADDRESS_MAX + 2];
	snprintf(from, sizeof from, "<%s>", env.from);
	snprintf(to, sizeof to, "<%s>", m->recipient);
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	if (!rcpt) {
		target_result_set(r, TO_STOP, "out of memory");
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	s->off = 0;
	s->handed_all = 0;
	s->errbuf[0] = '\0';
	s->replies = s->in_reply = s->code = 0;
	s->text[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->msg.len);
	CURLcode cc = curl_easy_perform(s->curl);
	long new_conns = 0;
	curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &new_conns);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	classify(s, cc, new_conns, env.message_id, r);
	target_redact(r->error, s->password);
	if (r->outcome != TO_SENT) {
		/* the connection may be mid-transaction: start the next message afresh */
		curl_easy_cleanup(s->curl);
		s->curl = NULL;
	}
	return RD_OK;
}

static void smtp_close(struct target *t)
{
	struct smtp *s = (struct smtp *)t;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	explicit_bzero(s->password, sizeof s->password);
	buf_free(&s->msg);
	free(s);
	curl_global_cleanup();
}

static const struct target_ops smtp_ops = {
	.name = "smtp",
	.max_batch = 1,
	.group_key = smtp_group_key,
	.send = smtp_send,
	.close = smtp_close,
};

/* ---- opening -------------------------------------------------------------- */

static int parse_url(struct smtp *s, const char *url)
{
	CURLU *u = curl_url();
	if (!u)
		return rd_error(RD_E_NOMEM, "out of memory");
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
	char *path = NULL, *query = NULL, *frag = NULL;
	int rc = RD_OK;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0)) {
		rc = rd_error(RD_E_USAGE, "--to \"%.200s\" is not an SMTP relay; write "
			      "smtp://HOST:PORT or smtps://HOST:PORT", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	if (user || pass) {
		rc = rd_error(RD_E_USAGE, "--to must not hold a user or password (they would show "
			      "in the process list); set REDRIVE_SMTP_USER and "
			      "REDRIVE_SMTP_PASSWORD_FILE");
	} else if ((path && strcmp(path, "/") != 0 && *path) || query || frag) {
		rc = rd_error(RD_E_USAGE, "--to \"%.200s\": write smtp://HOST:PORT with nothing "
			      "after the port", url);
	} else if (strlen(host) >= sizeof s->host) {
		rc = rd_error(RD_E_USAGE, "--to: the host name is too long");
	} else {
		s->implicit_tls = strcmp(scheme, "smtps") == 0;
		snprintf(s->host, sizeof s->host, "%s", host);
		snprintf(s->url, sizeof s->url, "%s://%s:%s", scheme, host, port ? port : "25");
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(pass);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return rc;
}

static int load_login(struct smtp *s)
{
	const char *user = getenv("REDRIVE_SMTP_USER");
	const char *file = getenv("REDRIVE_SMTP_PASSWORD_FILE");
	if (!user || !*user) {
		if (file && *file)
			return rd_error(RD_E_USAGE, "REDRIVE_SMTP_PASSWORD_FILE is set but "
					"REDRIVE_SMTP_USER is not; set both for a relay that "
					"needs a login");
		return RD_OK;
	}
	size_t n = strlen(user);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)user[i] < 0x20 || user[i] == 0x7F)
			return rd_error(RD_E_USAGE, "REDRIVE_SMTP_USER holds control characters");
	if (n >= sizeof s->user)
		return rd_error(RD_E_USAGE, "REDRIVE_SMTP_USER is too long");
	if (!file || !*file)
		return rd_error(RD_E_AUTH, "REDRIVE_SMTP_USER is set: set REDRIVE_SMTP_PASSWORD_FILE "
				"to a file of mode 0600 that holds the password");
	memcpy(s->user, user, n + 1);
	int rc = target_secret_file(file, "REDRIVE_SMTP_PASSWORD_FILE", "SMTP password",
				    s->password, sizeof s->password);
	if (rc)
		return rc;
	s->need_tls = !target_host_is_loopback(s->host);
	return RD_OK;
}

int target_open_smtp(const char *url, struct target **out)
{
	*out = NULL;
	if (!url)
		return rd_error(RD_E_USAGE, "no SMTP relay given; write smtp://HOST:PORT");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return rd_error(RD_E_FAIL, "cannot initialise libcurl");
	struct smtp *s = calloc(1, sizeof *s);
	if (!s) {
		curl_global_cleanup();
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	s->base.ops = &smtp_ops;
	buf_init(&s->msg, RD_MAX_HTTP_BODY);
	const char *insecure = getenv("REDRIVE_TLS_INSECURE");
	s->insecure = insecure && strcmp(insecure, "1") == 0;
	int rc = parse_url(s, url);
	if (!rc)
		rc = load_login(s);
	if (!rc)
		rc = target_env_seconds("REDRIVE_SMTP_TIMEOUT", SMTP_DEFAULT_TIMEOUT, 3600, &s->timeout);
	if (!rc)
		rc = setup_curl(s);
	if (rc) {
		smtp_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return RD_OK;
}
