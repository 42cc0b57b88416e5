/* target_driver.c — drives a requeue target (target.h) directly, for the
 * provider tests: one attempt per request, no store, no retries (those are
 * the engine's), so a scripted server's every answer shows in the output.
 *
 *   target_driver TARGET MESSAGES.jsonl [--group]
 *
 * TARGET is "sendgrid" (settings from the environment, as for redrive) or
 * smtp://HOST:PORT / smtps://HOST:PORT.  Each line of MESSAGES.jsonl is
 * {"msg_key": "...", "recipient": "...", "payload": {...} or "...", "batch": N}.
 * With --group, consecutive messages with equal group keys share a request
 * (up to the target's maximum), as the engine does.  Prints one JSON line
 * per request:
 *   {"keys":["m1"],"outcome":"sent","provider_id":"...","retry_after":0,"error":"..."}
 * Exit status: 0 when every request was made (whatever the outcomes), else
 * the error's status with the message on stderr.
 *
 * Built by the Makefile (build/rel/tests/target_driver) or, standing alone:
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude \
 *      tests/provider/target_driver.c src/util/error.c src/util/buf.c \
 *      src/util/utf8.c src/util/hash.c src/provider/\*.c -ljansson -lcurl -o target_driver
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/error.h"
#include "redrive/target.h"

#define MAX_MESSAGES 5000

static const char *const outcome_names[] = {
	[TO_SENT] = "sent", [TO_FAILED] = "failed", [TO_RETRY] = "retry",
	[TO_UNKNOWN] = "unknown", [TO_STOP] = "stop",
};

struct msg {
	char *key, *recipient, *payload;
	long long batch;
};

static const char *text_of(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));
	return s ? s : "";
}

static int load(const char *path, struct msg *m, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return rd_error(RD_E_IO, "cannot open %s", path);
	char *line = NULL;
	size_t cap = 0;
	int rc = RD_OK;
	*n = 0;
	while (!rc && getline(&line, &cap, f) > 0) {
		if (line[0] == '\n' || line[0] == '#')
			continue;
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		if (!json_is_object(o) || *n == MAX_MESSAGES) {
			rc = rd_error(RD_E_INPUT, "%s: line %zu: %s", path, *n + 1,
				      o ? "too many or not an object" : je.text);
			json_decref(o);
			break;
		}
		json_t *p = json_object_get(o, "payload");
		struct msg *x = &m[(*n)++];
		x->key = strdup(text_of(o, "msg_key"));
		x->recipient = strdup(text_of(o, "recipient"));
		x->payload = json_is_string(p) ? strdup(json_string_value(p))
			   : p ? json_dumps(p, JSON_COMPACT) : strdup("");
		x->batch = json_integer_value(json_object_get(o, "batch"));
		json_decref(o);
	}
	free(line);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: target_driver sendgrid|smtp://HOST:PORT MESSAGES.jsonl [--group]\n");
		return 2;
	}
	int group = argc > 3 && strcmp(argv[3], "--group") == 0;
	static struct msg msgs[MAX_MESSAGES];
	static struct target_msg tm[MAX_MESSAGES];
	size_t n = 0;
	struct target *t = NULL;
	int rc = load(argv[2], msgs, &n);
	if (!rc)
		rc = strcmp(argv[1], "sendgrid") == 0 ? target_open_sendgrid(&t)
						      : target_open_smtp(argv[1], &t);
	for (size_t i = 0; i < n; i++)
		tm[i] = (struct target_msg){ msgs[i].key, msgs[i].recipient, msgs[i].payload,
					     msgs[i].batch };
	for (size_t i = 0; !rc && i < n;) {
		size_t k = 1;
		while (group && i + k < n && k < target_max_batch(t) &&
		       target_group_key(t, &tm[i]) == target_group_key(t, &tm[i + k]))
			k++;
		struct target_result r;
		rc = target_send(t, &tm[i], k, &r);
		json_t *keys = json_array();
		for (size_t j = 0; j < k; j++)
			json_array_append_new(keys, json_string(tm[i + j].msg_key));
		json_t *line = json_pack("{s:o,s:s,s:s,s:f,s:s}", "keys", keys, "outcome",
					 outcome_names[r.outcome], "provider_id", r.provider_id,
					 "retry_after", r.retry_after, "error", r.error);
		char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", text);
		fflush(stdout);
		free(text);
		json_decref(line);
		i += k;
	}
	target_close(t);
	for (size_t i = 0; i < n; i++) {
		free(msgs[i].key);
		free(msgs[i].recipient);
		free(msgs[i].payload);
	}
	if (rc) {
		fprintf(stderr, "target_driver: %s\n", rd_error_message());
		return rd_error_exit_status(rc);
	}
	return 0;
}
