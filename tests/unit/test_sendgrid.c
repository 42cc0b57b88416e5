/* test_sendgrid.c — the SendGrid target's pure half: the mail/send request
 * built from stored payloads, the group keys, what each answer means; and
 * the settings target_open_sendgrid refuses (no network is touched). */
#include "../../src/provider/sendgrid_req.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "../../src/provider/target_int.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/target.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define M1_PAYLOAD "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}]}]," \
	"\"from\":{\"email\":\"noreply@example.jp\"},\"subject\":\"\xE3\x81\x94\xE4\xBA\x88\xE7\xB4\x84\"," \
	"\"content\":[{\"type\":\"text/plain\",\"value\":\"ok\"}]}"

/* Builds the request for msgs and returns it (the caller frees), failing the
 * test on an error. */
static char *build(const struct target_msg *m, size_t n)
{
	struct buf out = BUF_INIT;
	int rc = sg_request_build(m, n, &out);
	if (rc)
		fail_msg("build failed: %s", rd_error_message());
	return buf_take(&out);
}

/* ---- requests ------------------------------------------------------------- */

static void test_build_errors(void **state)
{
	(void)state;
	static const struct {
		const char *payload, *recipient, *says;
	} cases[] = {
		{ NULL, "a@example.jp", "no stored payload for this message" },
		{ "", "a@example.jp", "no stored payload for this message" },
		{ "{", "a@example.jp", "no stored payload for this message" },
		{ "[1]", "a@example.jp", "not a JSON object" },
		{ "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}]}]}", "a@example.jp",
		  "has no from.email" },
		{ "{\"personalizations\":{},\"from\":{\"email\":\"n@example.jp\"}}", "a@example.jp",
		  "not an array" },
		{ "{\"personalizations\":[7],\"from\":{\"email\":\"n@example.jp\"}}", "a@example.jp",
		  "not an object" },
		{ "{\"from\":{\"email\":\"n@example.jp\"}}", "", "names no recipient" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct target_msg m = { "m1", cases[i].recipient, cases[i].payload, 7 };
		struct buf out = BUF_INIT;
		assert_int_equal(sg_request_build(&m, 1, &out), RD_E_INPUT);
		if (!strstr(rd_error_message(), cases[i].says))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, rd_error_message(), cases[i].says);
		buf_free(&out);
	}
	struct buf out = BUF_INIT;
	assert_int_equal(sg_request_build(NULL, 0, &out), RD_E_INPUT);
	buf_free(&out);
}

static void test_build_one(void **state)
{
	(void)state;
	struct target_msg m = { "m1", "a@example.jp", M1_PAYLOAD, 7 };
	char *req = build(&m, 1);
	assert_string_equal(req,
		"{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}],"
		"\"custom_args\":{\"msg_key\":\"m1\",\"redrive_batch\":\"7\"}}],"
		"\"from\":{\"email\":\"noreply@example.jp\"},\"subject\":\"\xE3\x81\x94\xE4\xBA\x88\xE7\xB4\x84\","
		"\"content\":[{\"type\":\"text/plain\",\"value\":\"ok\"}]}");
	free(req);
}

/* custom_args: ours win over stored ones, the rest are kept; a top-level
 * object moves into the personalizations (under theirs); a top-level string
 * (what the provider's description types it as) is left alone. */
static void test_build_custom_args(void **state)
{
	(void)state;
	static const struct {
		const char *payload, *want;
	} cases[] = {
		{ "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}],"
		  "\"custom_args\":{\"campaign\":\"c1\",\"msg_key\":\"old\"}}],\"from\":{\"email\":\"n@example.jp\"}}",
		  "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}],"
		  "\"custom_args\":{\"campaign\":\"c1\",\"msg_key\":\"m1\",\"redrive_batch\":\"7\"}}],"
		  "\"from\":{\"email\":\"n@example.jp\"}}" },
		{ "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}],\"custom_args\":{\"k\":\"p\"}}],"
		  "\"from\":{\"email\":\"n@example.jp\"},\"custom_args\":{\"k\":\"top\",\"t\":\"1\"}}",
		  "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}],"
		  "\"custom_args\":{\"k\":\"p\",\"t\":\"1\",\"msg_key\":\"m1\",\"redrive_batch\":\"7\"}}],"
		  "\"from\":{\"email\":\"n@example.jp\"}}" },
		{ "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}],\"custom_args\":\"junk\"}],"
		  "\"from\":{\"email\":\"n@example.jp\"},\"custom_args\":\"s\"}",
		  "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}],"
		  "\"custom_args\":{\"msg_key\":\"m1\",\"redrive_batch\":\"7\"}}],"
		  "\"from\":{\"email\":\"n@example.jp\"},\"custom_args\":\"s\"}" },
		/* no personalizations: one for the recipient */
		{ "{\"from\":{\"email\":\"n@example.jp\"},\"subject\":\"s\"}",
		  "{\"from\":{\"email\":\"n@example.jp\"},\"subject\":\"s\",\"personalizations\":"
		  "[{\"to\":[{\"email\":\"a@example.jp\"}],\"custom_args\":{\"msg_key\":\"m1\",\"redrive_batch\":\"7\"}}]}" },
		{ "{\"personalizations\":[],\"from\":{\"email\":\"n@example.jp\"}}",
		  "{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}],"
		  "\"custom_args\":{\"msg_key\":\"m1\",\"redrive_batch\":\"7\"}}],\"from\":{\"email\":\"n@example.jp\"}}" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct target_msg m = { "m1", "a@example.jp", cases[i].payload, 7 };
		char *req = build(&m, 1);
		if (strcmp(req, cases[i].want) != 0)
			fail_msg("case %zu:\n got %s\nwant %s", i, req, cases[i].want);
		free(req);
	}
}

/* A hostile msg_key stays a JSON string value. */
static void test_build_hostile_key(void **state)
{
	(void)state;
	struct target_msg m = { "k\"},\"x\":{\"\r\n", "a@example.jp", M1_PAYLOAD, -1 };
	char *req = build(&m, 1);
	json_t *o = json_loads(req, 0, NULL);
	assert_non_null(o);
	json_t *args = json_object_get(json_array_get(json_object_get(o, "personalizations"), 0),
				       "custom_args");
	assert_string_equal(json_string_value(json_object_get(args, "msg_key")), m.msg_key);
	assert_string_equal(json_string_value(json_object_get(args, "redrive_batch")), "-1");
	assert_int_equal(json_object_size(args), 2);
	json_decref(o);
	free(req);
}

static void test_build_merged(void **state)
{
	(void)state;
	struct target_msg m[3] = {
		{ "m1", "a@example.jp", M1_PAYLOAD, 7 },
		{ "m2", "b@example.jp", "{\"personalizations\":[{\"to\":[{\"email\":\"b@example.jp\",\"name\":\"B\"}]}],"
		  "\"from\":{\"email\":\"noreply@example.jp\"},\"subject\":\"\xE3\x81\x94\xE4\xBA\x88\xE7\xB4\x84\","
		  "\"content\":[{\"type\":\"text/plain\",\"value\":\"ok\"}]}", 7 },
		{ "m3", "c@example.jp", "{\"subject\":\"\xE3\x81\x94\xE4\xBA\x88\xE7\xB4\x84\","
		  "\"content\":[{\"type\":\"text/plain\",\"value\":\"ok\"}],\"from\":{\"email\":\"noreply@example.jp\"},"
		  "\"personalizations\":[{\"to\":[{\"email\":\"c@example.jp\"}]}]}", 7 },
	};
	for (size_t i = 1; i < 3; i++)
		assert_true(sg_group_key(&m[0]) == sg_group_key(&m[i]));
	char *req = build(m, 3);
	json_t *o = json_loads(req, 0, NULL);
	assert_non_null(o);
	json_t *ps = json_object_get(o, "personalizations");
	assert_int_equal(json_array_size(ps), 3);
	static const char *const keys[] = { "m1", "m2", "m3" };
	static const char *const to[] = { "a@example.jp", "b@example.jp", "c@example.jp" };
	for (size_t i = 0; i < 3; i++) {
		json_t *p = json_array_get(ps, i);
		json_t *args = json_object_get(p, "custom_args");
		assert_string_equal(json_string_value(json_object_get(args, "msg_key")), keys[i]);
		assert_string_equal(json_string_value(json_object_get(
			json_array_get(json_object_get(p, "to"), 0), "email")), to[i]);
	}
	assert_string_equal(json_string_value(json_object_get(o, "subject")),
			    "\xE3\x81\x94\xE4\xBA\x88\xE7\xB4\x84");
	json_decref(o);
	free(req);
}

static void test_build_too_many(void **state)
{
	(void)state;
	size_t n = SG_MAX_PERSONALIZATIONS + 1;
	struct target_msg *m = calloc(n, sizeof *m);
	char (*keys)[16] = calloc(n, sizeof *keys);
	assert_non_null(m);
	assert_non_null(keys);
	for (size_t i = 0; i < n; i++) {
		snprintf(keys[i], sizeof keys[i], "m%zu", i);
		m[i] = (struct target_msg){ keys[i], "a@example.jp", M1_PAYLOAD, 7 };
	}
	struct buf out = BUF_INIT;
	assert_int_equal(sg_request_build(m, n - 1, &out), RD_OK);
	buf_reset(&out);
	assert_int_equal(sg_request_build(m, n, &out), RD_E_INPUT);
	assert_non_null(strstr(rd_error_message(), "more than 1000 personalizations"));
	buf_free(&out);
	free(keys);
	free(m);
}

static void test_group_keys(void **state)
{
	(void)state;
	struct target_msg a = { "m1", "a@example.jp", M1_PAYLOAD, 7 };
	/* the same object, keys in another order, another recipient */
	struct target_msg b = { "m2", "b@example.jp",
		"{\"content\":[{\"type\":\"text/plain\",\"value\":\"ok\"}],\"subject\":\"\xE3\x81\x94\xE4\xBA\x88\xE7\xB4\x84\","
		"\"from\":{\"email\":\"noreply@example.jp\"},\"personalizations\":[{\"to\":[{\"email\":\"b@example.jp\"}]}]}", 7 };
	struct target_msg c = { "m3", "a@example.jp",
		"{\"personalizations\":[{\"to\":[{\"email\":\"a@example.jp\"}]}],\"from\":{\"email\":\"noreply@example.jp\"},"
		"\"subject\":\"other\",\"content\":[{\"type\":\"text/plain\",\"value\":\"ok\"}]}", 7 };
	struct target_msg bad1 = { "m4", "a@example.jp", "", 7 };
	struct target_msg bad2 = { "m5", "a@example.jp", "{", 7 };
	struct target_msg bad3 = { "m4", "a@example.jp", "[]", 7 };
	assert_true(sg_group_key(&a) == sg_group_key(&b));
	assert_true(sg_group_key(&a) != sg_group_key(&c));
	assert_true(sg_group_key(&bad1) != sg_group_key(&bad2));
	assert_true(sg_group_key(&bad1) != sg_group_key(&a));
	assert_true(sg_group_key(&bad1) == sg_group_key(&bad3));
}

/* ---- answers -------------------------------------------------------------- */

static void test_classify(void **state)
{
	(void)state;
	static const struct {
		long status;
		const char *body, *msgid, *reset, *retry;
		enum target_outcome want;
		double wait;
		const char *says;
	} cases[] = {
		{ 202, "", "MSGID-1", NULL, NULL, TO_SENT, 0, "" },
		{ 202, NULL, NULL, NULL, NULL, TO_SENT, 0, "" },
		{ 200, "{}", "x", NULL, NULL, TO_SENT, 0, "" },
		{ 429, "", NULL, "1000000002", NULL, TO_RETRY, 2, "429" },
		{ 429, "", NULL, "999999000", NULL, TO_RETRY, 900, "429" },   /* small: seconds */
		{ 429, "", NULL, "1000000000", NULL, TO_RETRY, 1, "429" },    /* passed: at least 1 s */
		{ 429, "", NULL, "5", NULL, TO_RETRY, 5, "429" },
		{ 429, "", NULL, "2000000000", NULL, TO_RETRY, 900, "429" },  /* capped */
		{ 429, "", NULL, NULL, "7", TO_RETRY, 7, "429" },
		{ 429, "", NULL, "soon", "3", TO_RETRY, 3, "429" },
		{ 429, "{\"errors\":[{\"message\":\"too many\"}]}", NULL, NULL, NULL, TO_RETRY, 0, "too many" },
		{ 500, "{\"errors\":[{\"field\":null,\"message\":\"internal\"}]}", NULL, NULL, NULL, TO_RETRY, 0,
		  "server error (500): internal" },
		{ 503, "<html>busy</html>", NULL, NULL, NULL, TO_RETRY, 0, "<html>busy</html>" },
		{ 400, "{\"errors\":[{\"field\":\"from.email\",\"message\":\"bad from\"},{\"message\":\"bad subject\"}]}",
		  NULL, NULL, NULL, TO_FAILED, 0, "refused the request (400): bad from (from.email); bad subject" },
		{ 413, "{\"errors\":[{\"message\":\"too large\"}]}", NULL, NULL, NULL, TO_FAILED, 0, "(413): too large" },
		{ 422, "", NULL, NULL, NULL, TO_FAILED, 0, "(422)" },
		{ 401, "{\"errors\":[{\"message\":\"bad key\"}]}", NULL, NULL, NULL, TO_STOP, 0,
		  "refused the API key (401): bad key; check SENDGRID_API_KEY" },
		{ 403, "", NULL, NULL, NULL, TO_STOP, 0, "refused the API key (403)" },
		{ 404, "", NULL, NULL, NULL, TO_STOP, 0, "SENDGRID_API_URL" },
		{ 405, "", NULL, NULL, NULL, TO_STOP, 0, "the URL is wrong" },
		{ 302, "", NULL, NULL, NULL, TO_STOP, 0, "unexpected answer (302)" },
		/* a hostile body never reaches the terminal raw */
		{ 400, "{\"errors\":[{\"message\":\"\\u001b[2J\\u202Eboom\"}]}", NULL, NULL, NULL, TO_FAILED, 0,
		  "\\e[2J\\u{202E}boom" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct sg_response resp = { cases[i].status, cases[i].body, cases[i].msgid, cases[i].reset,
					    cases[i].retry, 1000000000 };
		struct target_result r;
		sg_classify(&resp, &r);
		if (r.outcome != cases[i].want)
			fail_msg("case %zu (%ld): outcome %d want %d (%s)", i, cases[i].status, r.outcome,
				 cases[i].want, r.error);
		if (r.retry_after != cases[i].wait)
			fail_msg("case %zu: wait %g want %g", i, r.retry_after, cases[i].wait);
		if (!strstr(r.error, cases[i].says))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, r.error, cases[i].says);
		assert_string_equal(r.provider_id, cases[i].want == TO_SENT && cases[i].msgid ?
				    cases[i].msgid : "");
		assert_null(strchr(r.error, 0x1B));
	}
}

static void test_classify_transport(void **state)
{
	(void)state;
	static const struct {
		int code, left;
		enum target_outcome want;
		const char *says;
	} cases[] = {
		{ CURLE_COULDNT_CONNECT, 0, TO_RETRY, "cannot reach" },
		{ CURLE_COULDNT_CONNECT, 1, TO_RETRY, "cannot reach" },
		{ CURLE_COULDNT_RESOLVE_HOST, 0, TO_RETRY, "cannot reach" },
		{ CURLE_OPERATION_TIMEDOUT, 0, TO_RETRY, "before the request was sent" },
		{ CURLE_OPERATION_TIMEDOUT, 1, TO_UNKNOWN, "may have been accepted" },
		{ CURLE_GOT_NOTHING, 1, TO_UNKNOWN, "may have been accepted" },
		{ CURLE_GOT_NOTHING, 0, TO_RETRY, "before" },
		{ CURLE_SEND_ERROR, 0, TO_RETRY, "before" },
		{ CURLE_RECV_ERROR, 1, TO_UNKNOWN, "after the whole request" },
		{ CURLE_SEND_FAIL_REWIND, 1, TO_UNKNOWN, "may have been accepted" },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, TO_STOP, "not trusted" },
		{ CURLE_UNSUPPORTED_PROTOCOL, 0, TO_STOP, "SENDGRID_API_URL" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct target_result r;
		sg_classify_transport(cases[i].code, NULL, cases[i].left, &r);
		if (r.outcome != cases[i].want || !strstr(r.error, cases[i].says))
			fail_msg("case %zu: outcome %d \"%s\", want %d \"%s\"", i, r.outcome, r.error,
				 cases[i].want, cases[i].says);
	}
}

static void test_redact(void **state)
{
	(void)state;
	char s[128] = "key SG.secret-1 and SG.secret-1 again";
	target_redact(s, "SG.secret-1");
	assert_string_equal(s, "key *** and *** again");
	target_redact(s, "");
	target_redact(s, NULL);
	assert_string_equal(s, "key *** and *** again");
	target_redact(NULL, "x");
}

/* ---- settings ------------------------------------------------------------- */

static int open_sg(void)
{
	struct target *t = NULL;
	int rc = target_open_sendgrid(&t);
	if (rc == RD_OK) {
		assert_non_null(t);
		assert_int_equal(target_max_batch(t), SG_MAX_PERSONALIZATIONS);
		target_close(t);
	} else {
		assert_null(t);
	}
	return rc;
}

static void test_open_settings(void **state)
{
	(void)state;
	char dir[] = "/tmp/redrive-sg-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char file[64];
	snprintf(file, sizeof file, "%s/key", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("  SG.from-file-secret\n", f);
	fclose(f);

	unsetenv("SENDGRID_API_KEY");
	unsetenv("SENDGRID_API_KEY_FILE");
	unsetenv("SENDGRID_API_URL");
	unsetenv("REDRIVE_HTTP_TIMEOUT");
	assert_int_equal(open_sg(), RD_E_AUTH);
	assert_non_null(strstr(rd_error_message(), "set SENDGRID_API_KEY"));

	setenv("SENDGRID_API_KEY_FILE", file, 1);
	chmod(file, 0644);
	assert_int_equal(open_sg(), RD_E_AUTH);
	assert_non_null(strstr(rd_error_message(), "mode 0644"));
	assert_non_null(strstr(rd_error_message(), "chmod 600"));
	assert_null(strstr(rd_error_message(), "secret"));
	chmod(file, 0600);
	assert_int_equal(open_sg(), RD_OK);
	chmod(file, 0400);
	assert_int_equal(open_sg(), RD_OK);

	char link[80];
	snprintf(link, sizeof link, "%s/link", dir);
	assert_int_equal(symlink(file, link), 0);
	setenv("SENDGRID_API_KEY_FILE", link, 1);
	assert_int_equal(open_sg(), RD_E_AUTH);
	setenv("SENDGRID_API_KEY_FILE", dir, 1);
	assert_int_equal(open_sg(), RD_E_AUTH);
	assert_non_null(strstr(rd_error_message(), "not a regular file"));
	setenv("SENDGRID_API_KEY_FILE", "/nonexistent/key", 1);
	assert_int_equal(open_sg(), RD_E_AUTH);

	/* a key with a line break would inject a header */
	f = fopen(file, "w");
	fputs("SG.a\nX-Evil: 1\n", f);
	fclose(f);
	setenv("SENDGRID_API_KEY_FILE", file, 1);
	assert_int_equal(open_sg(), RD_E_AUTH);
	assert_null(strstr(rd_error_message(), "SG.a"));
	unsetenv("SENDGRID_API_KEY_FILE");
	setenv("SENDGRID_API_KEY", "SG.x\r\nX-Evil: 1", 1);
	assert_int_equal(open_sg(), RD_E_AUTH);
	assert_null(strstr(rd_error_message(), "SG.x"));

	setenv("SENDGRID_API_KEY", "SG.env-secret", 1);
	assert_int_equal(open_sg(), RD_OK);
	static const struct {
		const char *url;
		int rc;
	} urls[] = {
		{ "https://api.sendgrid.com", RD_OK },
		{ "https://api.eu.sendgrid.com/", RD_OK },
		{ "http://127.0.0.1:4010", RD_OK },
		{ "http://localhost:4010/", RD_OK },
		{ "http://[::1]:4010", RD_OK },
		{ "http://api.sendgrid.com", RD_E_USAGE },
		{ "http://127.example.com", RD_E_USAGE },
		{ "ftp://127.0.0.1", RD_E_USAGE },
		{ "https://user:pw@api.sendgrid.com", RD_E_USAGE },
		{ "https://api.sendgrid.com/?x=1", RD_E_USAGE },
		{ "not a url", RD_E_USAGE },
	};
	for (size_t i = 0; i < COUNT(urls); i++) {
		setenv("SENDGRID_API_URL", urls[i].url, 1);
		int rc = open_sg();
		if (rc != urls[i].rc)
			fail_msg("url %s: rc %d want %d (%s)", urls[i].url, rc, urls[i].rc,
				 rd_error_message());
		assert_null(strstr(rd_error_message(), "env-secret"));
	}
	unsetenv("SENDGRID_API_URL");
	static const char *const timeouts[] = { "0", "-1", "x", "3601", "1.5" };
	for (size_t i = 0; i < COUNT(timeouts); i++) {
		setenv("REDRIVE_HTTP_TIMEOUT", timeouts[i], 1);
		assert_int_equal(open_sg(), RD_E_USAGE);
		assert_non_null(strstr(rd_error_message(), "REDRIVE_HTTP_TIMEOUT"));
	}
	setenv("REDRIVE_HTTP_TIMEOUT", "5", 1);
	assert_int_equal(open_sg(), RD_OK);
	unsetenv("REDRIVE_HTTP_TIMEOUT");
	unsetenv("SENDGRID_API_KEY");

	unlink(link);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_build_one),
		cmocka_unit_test(test_build_custom_args),
		cmocka_unit_test(test_build_hostile_key),
		cmocka_unit_test(test_build_merged),
		cmocka_unit_test(test_build_too_many),
		cmocka_unit_test(test_group_keys),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_classify_transport),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_open_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
