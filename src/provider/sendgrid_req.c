/* sendgrid_req.c — building mail/send requests and reading the answers. */
#include "sendgrid_req.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/hash.h"
#include "target_int.h"

#define GROUP_SEED 0x73656E6467726964ull   /* "sendgrid" */
#define LONE_SEED  0x6C6F6E656D736721ull

/* ---- the request ---------------------------------------------------------- */

static const char *key_of(const struct target_msg *m)
{
	return m->msg_key ? m->msg_key : "";
}

/* Parses one stored payload: an object, or RD_E_INPUT naming the message. */
static int load_payload(const struct target_msg *m, json_t **out)
{
	*out = NULL;
	if (!m->payload || !*m->payload)
		return rd_error(RD_E_INPUT, "no stored payload for this message (msg_key %.200s): "
				"import its payload with the send log", key_of(m));
	json_error_t je;
	json_t *o = json_loads(m->payload, 0, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return rd_error(RD_E_INPUT, "the stored payload of msg_key %.200s is not a JSON "
				"object: no stored payload for this message can be sent", key_of(m));
	}
	*out = o;
	return RD_OK;
}

/* Adds msg_key and redrive_batch (and the payload's top-level custom_args
 * under them) to one personalization. */
static int tag_personalization(json_t *p, json_t *top_args, const struct target_msg *m,
			       const char *batch)
{
	json_t *args = json_object_get(p, "custom_args");
	if (!json_is_object(args)) {
		args = json_object();
		if (!args || json_object_set_new(p, "custom_args", args))
			return rd_error(RD_E_NOMEM, "out of memory building a request");
	}
	if (json_is_object(top_args)) {
		const char *k;
		json_t *v;
		json_object_foreach(top_args, k, v)
			if (!json_object_get(args, k))
				json_object_set(args, k, v);
	}
	if (json_object_set_new(args, "msg_key", json_string(key_of(m))) ||
	    json_object_set_new(args, "redrive_batch", json_string(batch)))
		return rd_error(RD_E_INPUT, "msg_key %.200s cannot go into custom_args", key_of(m));
	return RD_OK;
}

/* Appends the personalizations of one message, tagged, to all. */
static int add_personalizations(json_t *all, json_t *payload, const struct target_msg *m,
				const char *batch)
{
	json_t *ps = json_object_get(payload, "personalizations");
	json_t *top_args = json_object_get(payload, "custom_args");
	if (ps && !json_is_array(ps))
		return rd_error(RD_E_INPUT, "the stored payload of msg_key %.200s has "
				"personalizations that are not an array", key_of(m));
	if (!ps || json_array_size(ps) == 0) {
		if (!m->recipient || !*m->recipient)
			return rd_error(RD_E_INPUT, "the stored payload of msg_key %.200s names no "
					"recipient", key_of(m));
		json_t *p = json_pack("{s:[{s:s}]}", "to", "email", m->recipient);
		if (!p)
			return rd_error(RD_E_INPUT, "the recipient of msg_key %.200s is not text",
					key_of(m));
		int rc = tag_personalization(p, top_args, m, batch);
		if (!rc && json_array_append_new(all, p))
			rc = rd_error(RD_E_NOMEM, "out of memory building a request");
		else if (rc)
			json_decref(p);
		return rc;
	}
	size_t i;
	json_t *p;
	json_array_foreach(ps, i, p) {
		if (!json_is_object(p))
			return rd_error(RD_E_INPUT, "the stored payload of msg_key %.200s has a "
					"personalization that is not an object", key_of(m));
		int rc = tag_personalization(p, top_args, m, batch);
		if (rc)
			return rc;
		if (json_array_size(all) >= SG_MAX_PERSONALIZATIONS)
			return rd_error(RD_E_INPUT, "more than %d personalizations in one request",
					SG_MAX_PERSONALIZATIONS);
		if (json_array_append(all, p))
			return rd_error(RD_E_NOMEM, "out of memory building a request");
	}
	return RD_OK;
}

int sg_request_build(const struct target_msg *m, size_t n, struct buf *out)
{
	if (!m || n == 0)
		return rd_error(RD_E_INPUT, "no message to send");
	char batch[32];
	snprintf(batch, sizeof batch, "%lld", (long long)m[0].batch);
	json_t *base = NULL;
	json_t *all = json_array();
	int rc = all ? RD_OK : rd_error(RD_E_NOMEM, "out of memory building a request");
	for (size_t i = 0; !rc && i < n; i++) {
		json_t *payload;
		rc = load_payload(&m[i], &payload);
		if (!rc)
			rc = add_personalizations(all, payload, &m[i], batch);
		if (!rc && !base)
			base = json_incref(payload);
		json_decref(payload);
	}
	if (!rc) {
		json_t *from = json_object_get(base, "from");
		if (!json_is_object(from) || !json_is_string(json_object_get(from, "email")))
			rc = rd_error(RD_E_INPUT, "the stored payload of msg_key %.200s has no "
				      "from.email", key_of(&m[0]));
	}
	if (!rc) {
		/* the top-level custom_args went into each personalization */
		if (json_is_object(json_object_get(base, "custom_args")))
			json_object_del(base, "custom_args");
		if (json_object_set(base, "personalizations", all))
			rc = rd_error(RD_E_NOMEM, "out of memory building a request");
	}
	if (!rc) {
		char *text = json_dumps(base, JSON_COMPACT);
		if (!text)
			rc = rd_error(RD_E_NOMEM, "out of memory building a request");
		else
			rc = buf_adds(out, text);
		free(text);
	}
	json_decref(all);
	json_decref(base);
	return rc;
}

uint64_t sg_group_key(const struct target_msg *m)
{
	json_t *o = NULL;
	char *text = NULL;
	if (m->payload && *m->payload)
		o = json_loads(m->payload, 0, NULL);
	if (json_is_object(o)) {
		json_object_del(o, "personalizations");
		text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	}
	json_decref(o);
	uint64_t h;
	if (text)
		h = hash64(text, strlen(text), GROUP_SEED);
	else
		h = hash64(key_of(m), strlen(key_of(m)), LONE_SEED);
	free(text);
	return h;
}

/* ---- the answer ----------------------------------------------------------- */

/* The provider's errors[].message joined by "; ", else the start of the body. */
static void error_text(const char *body, char *out, size_t outlen)
{
	out[0] = '\0';
	if (!body || !*body)
		return;
	json_t *o = json_loads(body, 0, NULL);
	json_t *errs = json_object_get(o, "errors");
	size_t i, used = 0;
	json_t *e;
	json_array_foreach(errs, i, e) {
		json_t *msg = json_object_get(e, "message");
		json_t *field = json_object_get(e, "field");
		if (!json_is_string(msg))
			continue;
		int w;
		if (json_is_string(field) && *json_string_value(field))
			w = snprintf(out + used, outlen - used, "%s%s (%s)", used ? "; " : "",
				     json_string_value(msg), json_string_value(field));
		else
			w = snprintf(out + used, outlen - used, "%s%s", used ? "; " : "",
				     json_string_value(msg));
		if (w < 0 || (size_t)w >= outlen - used)
			break;
		used += (size_t)w;
	}
	json_decref(o);
	if (!used)
		snprintf(out, outlen, "%.200s", body);
}

/* Seconds to wait after a 429: the reset instant (Unix seconds; a small
 * number is taken as seconds from now), else Retry-After. */
static double wait_of(const struct sg_response *resp)
{
	const char *v[2] = { resp->ratelimit_reset, resp->retry_after };
	for (int i = 0; i < 2; i++) {
		if (!v[i] || !*v[i])
			continue;
		char *end;
		errno = 0;
		double x = strtod(v[i], &end);
		while (*end == ' ')
			end++;
		if (errno || *end || x != x || x < 0)
			continue;
		if (i == 0 && x >= 1e9)
			x -= (double)resp->now;
		if (x < 1)
			x = 1;
		return x > SG_MAX_RETRY_AFTER ? SG_MAX_RETRY_AFTER : x;
	}
	return 0;
}

void sg_classify(const struct sg_response *resp, struct target_result *r)
{
	target_result_clear(r);
	char said[400];
	error_text(resp->body, said, sizeof said);
	const char *sep = said[0] ? ": " : "";
	long st = resp->status;
	if (st >= 200 && st < 300) {
		r->outcome = TO_SENT;
		const char *id = resp->message_id ? resp->message_id : "";
		target_copy_safe(r->provider_id, sizeof r->provider_id, id, strlen(id));
	} else if (st == 429) {
		r->retry_after = wait_of(resp);
		if (r->retry_after > 0)
			target_result_set(r, TO_RETRY, "SendGrid is rate limiting us (429); trying "
					  "again in %.0f s", r->retry_after);
		else
			target_result_set(r, TO_RETRY, "SendGrid is rate limiting us (429)%s%s",
					  sep, said);
	} else if (st >= 500 && st < 600) {
		target_result_set(r, TO_RETRY, "SendGrid had a server error (%ld)%s%s", st, sep, said);
	} else if (st == 401 || st == 403) {
		target_result_set(r, TO_STOP, "SendGrid refused the API key (%ld)%s%s; check "
				  "SENDGRID_API_KEY or SENDGRID_API_KEY_FILE and that the key may "
				  "send mail", st, sep, said);
	} else if (st == 404 || st == 405) {
		target_result_set(r, TO_STOP, "SendGrid answered %ld to POST /v3/mail/send: the URL "
				  "is wrong; check SENDGRID_API_URL (the default is "
				  "https://api.sendgrid.com)", st);
	} else if (st >= 400 && st < 500) {
		target_result_set(r, TO_FAILED, "SendGrid refused the request (%ld)%s%s", st, sep,
				  said);
	} else {
		target_result_set(r, TO_STOP, "SendGrid gave an unexpected answer (%ld)%s%s; check "
				  "SENDGRID_API_URL", st, sep, said);
	}
}

void sg_classify_transport(int curl_code, const char *what, int body_left, struct target_result *r)
{
	target_result_clear(r);
	const char *w = what && *what ? what : curl_easy_strerror((CURLcode)curl_code);
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		target_result_set(r, TO_RETRY, "cannot reach SendGrid: %s", w);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		target_result_set(r, TO_STOP, "the TLS certificate of the SendGrid URL is not "
				  "trusted: %s; check SENDGRID_API_URL and the system's CA "
				  "certificates", w);
		return;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		target_result_set(r, TO_STOP, "the SendGrid URL cannot be used: %s; check "
				  "SENDGRID_API_URL", w);
		return;
	default:
		break;
	}
	if (body_left)
		target_result_set(r, TO_UNKNOWN, "no answer from SendGrid after the whole request "
				  "was sent (%s): it may have been accepted", w);
	else
		target_result_set(r, TO_RETRY, "the connection to SendGrid failed before the "
				  "request was sent (%s)", w);
}
