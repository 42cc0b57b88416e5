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
#include "redrive/mime.h"
#include "target_int.h"
#include "transfer.h"

#define SMTP_CONNECT_TIMEOUT_MS 10000L
#define SMTP_DEFAULT_TIMEOUT 60L

struct smtp {
	struct target base;
	struct transfer x;      /* the handle, and the message in flight as its upload */
	char url[600];
	char host[300];
	int implicit_tls;
	int need_tls;           /* a login over smtp:// to another machine: STARTTLS or nothing */
	int insecure;           /* REDRIVE_TLS_INSECURE=1 */
	long timeout;
	char user[256];
	char password[TARGET_SECRET_MAX + 1];

	/* the relay's replies in this transfer */
	int replies;            /* complete replies */
	int in_reply;           /* a multi-line reply is open */
	int code;               /* the last complete reply's code */
	char text[400];         /* and its text */
};

/* ---- libcurl callbacks ---------------------------------------------------- */

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

/* What a relay needs beyond the options of every transfer. */
static CURLcode smtp_options(CURL *c, void *arg)
{
	struct smtp *s = arg;
	CURLcode e = CURLE_OK;
	TRANSFER_SET(e, c, CURLOPT_UPLOAD, 1L);
	long tls = s->implicit_tls || s->need_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY;
	TRANSFER_SET(e, c, CURLOPT_USE_SSL, tls);
	if (s->user[0]) {
		TRANSFER_SET(e, c, CURLOPT_USERNAME, s->user);
		TRANSFER_SET(e, c, CURLOPT_PASSWORD, s->password);
	}
	return e;
}

static int setup_curl(struct smtp *s)
{
	struct transfer_opts o = {
		.url = s->url,
		.protocols = "smtp,smtps",
		.header = read_reply,
		.connect_timeout_ms = SMTP_CONNECT_TIMEOUT_MS,
		.timeout = s->timeout,
		.verify_tls = !s->insecure,
		.more = smtp_options,
		.arg = s,
	};
	return transfer_start(&s->x, &o);
}

/* ---- what happened -------------------------------------------------------- */

static void classify(struct smtp *s, CURLcode cc, long new_conns, const char *message_id,
		     struct target_result *r)
{
	const char *what = transfer_error(&s->x, cc);
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
	if (s->x.handed_all)
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
	buf_reset(&s->x.upload);
	struct mime_envelope env;
	struct mime_msg mm = {
		.payload = m->payload,
		.msg_key = m->msg_key,
		.recipient = m->recipient,
		.batch = m->batch,
		.date = (int64_t)time(NULL),
	};
	int rc = mime_render(&mm, &s->x.upload, &env);
	if (rc)
		return target_build_failed(r, rc);
	if (!mime_address_ok(m->recipient)) {
		target_result_set(r, TO_FAILED, "the recipient \"%.320s\" cannot be used over SMTP: "
				  "an address must be plain ASCII with one @ and no spaces, brackets "
				  "or quotes", m->recipient ? m->recipient : "");
		return RD_OK;
	}
	if (!s->x.curl && (rc = setup_curl(s)) != RD_OK) {
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
	transfer_rewind(&s->x);
	s->replies = s->in_reply = s->code = 0;
	s->text[0] = '\0';
	curl_easy_setopt(s->x.curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->x.curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->x.curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->x.upload.len);
	CURLcode cc = curl_easy_perform(s->x.curl);
	long new_conns = 0;
	curl_easy_getinfo(s->x.curl, CURLINFO_NUM_CONNECTS, &new_conns);
	curl_easy_setopt(s->x.curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	classify(s, cc, new_conns, env.message_id, r);
	target_redact(r->error, s->password);
	if (r->outcome != TO_SENT) {
		/* the connection may be mid-transaction: start the next message afresh */
		curl_easy_cleanup(s->x.curl);
		s->x.curl = NULL;
	}
	return RD_OK;
}

static void smtp_close(struct target *t)
{
	struct smtp *s = (struct smtp *)t;
	transfer_free(&s->x);
	explicit_bzero(s->password, sizeof s->password);
	free(s);
}

static const struct target_ops smtp_ops = {
	.name = "smtp",
	.max_batch = 1,
	.group_key = smtp_group_key,
	.send = smtp_send,
	.close = smtp_close,
};

/* ---- opening -------------------------------------------------------------- */

/* The parsed --to relay URL checked and kept as scheme://host:port. */
static int check_url(struct smtp *s, const char *url, const struct transfer_url *u)
{
	if (u->user || u->password)
		return rd_error(RD_E_USAGE, "the relay URL must not hold a user or password (they would show "
				"in the process list); set REDRIVE_SMTP_USER and "
				"REDRIVE_SMTP_PASSWORD_FILE");
	if ((u->path && strcmp(u->path, "/") != 0 && *u->path) || u->query || u->fragment)
		return rd_error(RD_E_USAGE, "relay \"%.200s\": write smtp://HOST:PORT with nothing "
				"after the port", url);
	if (strlen(u->host) >= sizeof s->host)
		return rd_error(RD_E_USAGE, "the relay's host name is too long");
	s->implicit_tls = strcmp(u->scheme, "smtps") == 0;
	snprintf(s->host, sizeof s->host, "%s", u->host);
	snprintf(s->url, sizeof s->url, "%s://%s:%s", u->scheme, u->host, u->port ? u->port : "25");
	return RD_OK;
}

static int parse_url(struct smtp *s, const char *url)
{
	struct transfer_url u;
	int rc = transfer_url_parse(url, &u);
	if (rc == RD_E_INPUT || (!rc && strcmp(u.scheme, "smtp") != 0 && strcmp(u.scheme, "smtps") != 0))
		rc = rd_error(RD_E_USAGE, "\"%.200s\" is not an SMTP relay; write "
			      "smtp://HOST:PORT or smtps://HOST:PORT", url);
	else if (!rc)
		rc = check_url(s, url, &u);
	transfer_url_free(&u);
	return rc;
}

int target_smtp_url_check(const char *url)
{
	struct smtp *s = calloc(1, sizeof *s);
	if (!s)
		return rd_error(RD_E_NOMEM, "out of memory");
	int rc = parse_url(s, url);
	free(s);
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
	struct smtp *s = calloc(1, sizeof *s);
	if (!s)
		return rd_error(RD_E_NOMEM, "out of memory");
	s->base.ops = &smtp_ops;
	const char *insecure = getenv("REDRIVE_TLS_INSECURE");
	s->insecure = insecure && strcmp(insecure, "1") == 0;
	int rc = transfer_init(&s->x);
	if (!rc)
		rc = parse_url(s, url);
	if (!rc)
		rc = load_login(s);
	if (!rc)
		rc = target_env_seconds("REDRIVE_SMTP_TIMEOUT", SMTP_DEFAULT_TIMEOUT, 3600, &s->timeout);
	if (!rc)
		rc = setup_curl(s);
	return target_opened(&s->base, rc, out);
}
