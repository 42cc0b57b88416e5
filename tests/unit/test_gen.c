/* Unit tests for gen: options, determinism, record shapes, incident placement,
 * and the truth, re-derived here from the generated files by the SPEC §1
 * rules (matching, de-duplication, states, suppression, verdicts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "redrive/error.h"
#include "redrive/gen.h"
#include "redrive/timefmt.h"
#include "redrive/tz.h"

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- running the generator into memory --------------------------------------- */

struct output {
	char *buf[4]; /* campaigns, sendlog, events, truth */
	size_t len[4];
	struct gen_incident inc[GEN_MAX_INCIDENTS];
	size_t ninc;
	struct gen_stats stats;
	int rc;
};

static void output_free(struct output *out)
{
	for (int i = 0; i < 4; i++) {
		free(out->buf[i]);
		out->buf[i] = NULL;
	}
}

static int64_t instant(const char *iso)
{
	int64_t t;
	if (timefmt_parse_instant(iso, strlen(iso), &t) != 0)
		fail_msg("test table: bad instant \"%s\"", iso);
	return t;
}

static void generate(uint64_t messages, int days, uint64_t seed, const char *now, struct output *out)
{
	struct gen_opts o = { messages, seed, days, instant(now) };
	FILE *f[4];
	struct gen_sinks s;

	memset(out, 0, sizeof *out);
	for (int i = 0; i < 4; i++) {
		f[i] = open_memstream(&out->buf[i], &out->len[i]);
		assert_non_null(f[i]);
	}
	s.campaigns = f[0];
	s.sendlog = f[1];
	s.events = f[2];
	s.truth = f[3];
	s.stats = &out->stats;
	out->rc = gen_run(&o, &s, out->inc, &out->ninc);
	for (int i = 0; i < 4; i++)
		fclose(f[i]);
	if (out->rc != RD_OK)
		fail_msg("gen_run: %s", rd_error_message());
}

/* Calls fn for each line of buf (without its newline); lines must be JSON. */
static size_t each_json_line(const char *buf, size_t len, void (*fn)(json_t *v, void *arg), void *arg)
{
	size_t n = 0;
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			fail_msg("line %zu has no newline", n + 1);
		json_error_t err;
		json_t *v = json_loadb(p, (size_t)(nl - p), 0, &err);
		if (!v)
			fail_msg("line %zu is not JSON: %s: %.*s", n + 1, err.text, (int)(nl - p < 300 ? nl - p : 300), p);
		fn(v, arg);
		json_decref(v);
		p = nl + 1;
		n++;
	}
	return n;
}

/* ---- a small string map (the test's own, independent of the product) -------- */

struct map {
	char **keys;
	long *vals;
	size_t cap, n;
};

static uint64_t strhash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static void map_init(struct map *m, size_t expect)
{
	m->cap = 16;
	while (m->cap < expect * 2)
		m->cap *= 2;
	m->keys = calloc(m->cap, sizeof *m->keys);
	m->vals = calloc(m->cap, sizeof *m->vals);
	m->n = 0;
	assert_non_null(m->keys);
	assert_non_null(m->vals);
}

static void map_free(struct map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
}

/* The slot of key; *found says whether it is there. */
static size_t map_slot(const struct map *m, const char *key, int *found)
{
	size_t i = strhash(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (strcmp(m->keys[i], key) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & (m->cap - 1);
	}
	*found = 0;
	return i;
}

static long map_get(const struct map *m, const char *key)
{
	int found;
	size_t i = map_slot(m, key, &found);
	return found ? m->vals[i] : -1;
}

/* Adds key; returns 0 if it was already there (value unchanged). */
static int map_put(struct map *m, const char *key, long val)
{
	int found;
	size_t i = map_slot(m, key, &found);
	if (found)
		return 0;
	assert_true(m->n * 2 < m->cap);
	m->keys[i] = strdup(key);
	m->vals[i] = val;
	m->n++;
	return 1;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ---- the shared data set --------------------------------------------------------- */

#define NOW "2018-09-13T03:00+09:00"
/* The shared data set; -D overrides try other sizes and seeds by hand. */
#ifndef BIG_MESSAGES
#define BIG_MESSAGES 30000
#endif
#ifndef BIG_DAYS
#define BIG_DAYS 14
#endif
#ifndef BIG_SEED
#define BIG_SEED 7
#endif

static struct output big;

static int group_setup(void **state)
{
	(void)state;
	if (setenv("TZDIR", "/usr/share/zoneinfo", 1) != 0)
		return -1;
	generate(BIG_MESSAGES, BIG_DAYS, BIG_SEED, NOW, &big);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	output_free(&big);
	return 0;
}

/* ---- options ------------------------------------------------------------------------- */

static void test_null_and_bad_options(void **state)
{
	static const struct {
		uint64_t messages;
		int days;
		const char *now;
		const char *says;
	} rows[] = {
		{ 0, 30, NOW, "--messages 0 is out of range" },
		{ 99, 30, NOW, "--messages 99 is out of range" },
		{ 100000001, 30, NOW, "--messages 100000001 is out of range" },
		{ 1000, 0, NOW, "--days 0 is out of range" },
		{ 1000, 366, NOW, "--days 366 is out of range" },
		{ 1000, -1, NOW, "--days -1 is out of range" },
		{ 1000, 30, "1970-01-10T00:00:00Z", "--now 1970-01-10T00:00:00Z is out of range" },
	};
	FILE *f = tmpfile();
	struct gen_sinks s = { f, f, f, NULL, NULL };
	struct gen_sinks missing = { f, NULL, f, NULL, NULL };
	struct gen_opts ok = { 1000, 1, 30, instant(NOW) };
	struct gen_incident inc[GEN_MAX_INCIDENTS];
	size_t n = 99;

	(void)state;
	assert_non_null(f);
	assert_int_equal(gen_run(NULL, &s, inc, &n), RD_E_USAGE);
	assert_int_equal(n, 0);
	assert_int_equal(gen_run(&ok, NULL, inc, &n), RD_E_USAGE);
	assert_int_equal(gen_run(&ok, &missing, inc, &n), RD_E_USAGE);
	assert_non_null(strstr(rd_error_message(), "outputs are all needed"));
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct gen_opts o = { rows[i].messages, 1, rows[i].days, instant(rows[i].now) };
		n = 99;
		assert_int_equal(gen_run(&o, &s, inc, &n), RD_E_USAGE);
		assert_int_equal(n, 0);
		if (!strstr(rd_error_message(), rows[i].says))
			fail_msg("row %zu: message \"%s\" lacks \"%s\"", i, rd_error_message(), rows[i].says);
	}
	assert_int_equal(ftell(f), 0); /* nothing written on a usage error */
	fclose(f);
}

static void test_write_error(void **state)
{
	FILE *full = fopen("/dev/full", "w");
	FILE *ok = tmpfile();
	struct gen_opts o = { 20000, 1, 7, instant(NOW) };

	(void)state;
	if (!full)
		skip();
	assert_non_null(ok);
	struct gen_sinks s = { ok, full, ok, NULL, NULL };
	assert_int_equal(gen_run(&o, &s, NULL, NULL), RD_E_IO);
	assert_non_null(strstr(rd_error_message(), "send log"));
	fclose(full);
	fclose(ok);
}

/* ---- determinism and small sizes ----------------------------------------------------- */

static void test_determinism(void **state)
{
	struct output a, b, c;

	(void)state;
	generate(3000, 7, 42, NOW, &a);
	generate(3000, 7, 42, NOW, &b);
	generate(3000, 7, 43, NOW, &c);
	for (int i = 0; i < 4; i++) {
		assert_true(a.len[i] > 0);
		assert_int_equal(a.len[i], b.len[i]);
		assert_memory_equal(a.buf[i], b.buf[i], a.len[i]);
	}
	assert_int_equal(a.ninc, b.ninc);
	assert_memory_equal(a.inc, b.inc, a.ninc * sizeof a.inc[0]);
	assert_true(a.len[1] != c.len[1] || memcmp(a.buf[1], c.buf[1], a.len[1]) != 0);
	output_free(&a);
	output_free(&b);
	output_free(&c);
}

static void count_line(json_t *v, void *arg)
{
	(void)v;
	++*(size_t *)arg;
}

static void test_small_sizes(void **state)
{
	static const struct {
		uint64_t messages;
		int days;
		size_t max_incidents;
	} rows[] = {
		{ 100, 1, 3 },   /* seed 002 needs a week */
		{ 100, 365, 4 },
		{ 1000, 2, 3 },
		{ 5000, 7, 4 },
	};

	(void)state;
	for (size_t i = 0; i < ROWS(rows); i++) {
		struct output o;
		size_t n = 0;
		generate(rows[i].messages, rows[i].days, 3, NOW, &o);
		assert_int_equal(each_json_line(o.buf[1], o.len[1], count_line, &n), rows[i].messages);
		assert_int_equal(o.stats.messages, rows[i].messages);
		assert_true(o.ninc <= rows[i].max_incidents);
		assert_true(o.ninc >= 1);
		n = 0;
		assert_int_equal(each_json_line(o.buf[2], o.len[2], count_line, &n), o.stats.bodies);
		assert_true(o.stats.events >= rows[i].messages);
		n = 0;
		assert_int_equal(each_json_line(o.buf[3], o.len[3], count_line, &n), o.ninc);
		for (size_t k = 0; k < o.ninc; k++)
			for (size_t w = 0; w < o.inc[k].nwindows; w++) {
				assert_true(o.inc[k].windows[w].start >= instant(NOW) - rows[i].days * 86400);
				assert_true(o.inc[k].windows[w].end <= instant(NOW) - 3600);
			}
		output_free(&o);
	}
}

/* ---- incident placement ---------------------------------------------------------------- */

static const struct gen_incident *find_incident(const struct output *o, const char *prefix)
{
	for (size_t i = 0; i < o->ninc; i++)
		if (strncmp(o->inc[i].name, prefix, strlen(prefix)) == 0)
			return &o->inc[i];
	return NULL;
}

static void test_placement(void **state)
{
	static const struct {
		const char *incident;
		const char *windows[5][2];
		size_t n;
	} rows[] = {
		/* seed 000, exactly as in the document */
		{ "AMQ再起動", { { "2018-09-12T04:30+09:00", "2018-09-12T05:00+09:00" },
		                  { "2018-09-13T01:15+09:00", "2018-09-13T01:50+09:00" } }, 2 },
		{ "DB過負荷", { { "2018-09-10T12:45+09:00", "2018-09-10T15:25+09:00" } }, 1 },
		{ "SendGrid APIエラー", { { "2018-09-11T19:05+09:00", "2018-09-11T19:40+09:00" } }, 1 },
		/* seed 002: 7/25, 7/26, 7/30 (twice), 7/31, moved to fit the span */
		{ "メールシステム障害", { { "2018-09-03T14:00+09:00", "2018-09-03T17:29+09:00" },
		                         { "2018-09-04T17:30+09:00", "2018-09-04T18:40+09:00" },
		                         { "2018-09-08T11:20+09:00", "2018-09-08T12:54+09:00" },
		                         { "2018-09-08T14:53+09:00", "2018-09-08T15:19+09:00" },
		                         { "2018-09-09T17:22+09:00", "2018-09-09T18:13+09:00" } }, 5 },
	};
	struct output o;

	(void)state;
	generate(100, 30, 1, NOW, &o);
	assert_int_equal(o.ninc, 4);
	assert_string_equal(o.inc[0].name, "AMQ再起動 (seed 000)");
	assert_string_equal(o.inc[1].name, "DB過負荷 (seed 001)");
	assert_string_equal(o.inc[2].name, "SendGrid APIエラー (seed 003)");
	assert_string_equal(o.inc[3].name, "メールシステム障害 (seed 002)");
	for (size_t i = 0; i < ROWS(rows); i++) {
		const struct gen_incident *inc = find_incident(&o, rows[i].incident);
		assert_non_null(inc);
		assert_string_equal(inc->tz, "Asia/Tokyo");
		assert_int_equal(inc->nwindows, rows[i].n);
		for (size_t w = 0; w < rows[i].n; w++) {
			assert_int_equal(inc->windows[w].start, instant(rows[i].windows[w][0]));
			assert_int_equal(inc->windows[w].end, instant(rows[i].windows[w][1]));
		}
	}
	output_free(&o);

	/* A week: every incident still fits, seed 000 unchanged. */
	generate(100, 7, 1, NOW, &o);
	assert_int_equal(o.ninc, 4);
	assert_int_equal(o.inc[0].windows[0].start, instant("2018-09-12T04:30+09:00"));
	assert_int_equal(o.inc[0].windows[1].start, instant("2018-09-13T01:15+09:00"));
	for (size_t i = 0; i < o.ninc; i++)
		for (size_t w = 0; w < o.inc[i].nwindows; w++)
			assert_true(o.inc[i].windows[w].start >= instant(NOW) - 7 * 86400 + 3600);
	output_free(&o);

	/* Now late in the day: window 2 is on the same date, window 1 the day before. */
	generate(100, 3, 1, "2018-09-13T23:00+09:00", &o);
	assert_int_equal(o.inc[0].windows[0].start, instant("2018-09-12T04:30+09:00"));
	assert_int_equal(o.inc[0].windows[1].end, instant("2018-09-13T01:50+09:00"));
	output_free(&o);

	/* Now just after 02:50: 01:50 is not yet an hour ago, so the day before. */
	generate(100, 3, 1, "2018-09-13T02:49+09:00", &o);
	assert_int_equal(o.inc[0].windows[0].start, instant("2018-09-11T04:30+09:00"));
	assert_int_equal(o.inc[0].windows[1].start, instant("2018-09-12T01:15+09:00"));
	output_free(&o);
}

/* ---- record shapes --------------------------------------------------------------------- */

struct shapes {
	struct map campaigns;   /* name -> status code */
	struct map keys;        /* msg_key -> row */
	struct map pids;        /* provider_msg_id -> row */
	struct map spellings;   /* lowercase recipient -> first spelling's hash */
	size_t rows, iso, unix_times, dead, queued, mixed_case, with_emoji;
	char last_key[32];
	int64_t last_queued;
	int64_t now;
};

static int64_t time_of(json_t *v)
{
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (!json_is_string(v))
		fail_msg("a time is neither a string nor an integer");
	return instant(json_string_value(v));
}

static const char *str_field(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	if (!json_is_string(v))
		fail_msg("field \"%s\" missing or not a string", name);
	return json_string_value(v);
}

static void check_campaign(json_t *v, void *arg)
{
	struct shapes *s = arg;
	static const char *const kinds[] = { "trigger", "batch", "transactional" };
	static const char *const schedules[] = { "once", "recurring" };
	static const char *const statuses[] = { "draft", "scheduled", "running", "stopped", "done" };
	const char *kind = str_field(v, "kind"), *sched = str_field(v, "schedule");
	const char *status = str_field(v, "status");
	long code = -1;
	int k = 0, sc = 0;

	for (size_t i = 0; i < ROWS(kinds); i++)
		k |= strcmp(kind, kinds[i]) == 0;
	for (size_t i = 0; i < ROWS(schedules); i++)
		sc |= strcmp(sched, schedules[i]) == 0;
	for (size_t i = 0; i < ROWS(statuses); i++)
		if (strcmp(status, statuses[i]) == 0)
			code = (long)i;
	assert_true(k && sc && code >= 0);
	assert_int_equal(json_object_size(v), 4);
	assert_true(map_put(&s->campaigns, str_field(v, "name"), code));
}

static void check_row(json_t *v, void *arg)
{
	struct shapes *s = arg;
	const char *key = str_field(v, "msg_key"), *rcpt = str_field(v, "recipient");
	const char *subject = str_field(v, "subject");
	json_t *q = json_object_get(v, "queued_at"), *sent = json_object_get(v, "sent_at");
	json_t *pay = json_object_get(v, "payload");
	char low[256];

	assert_true(map_get(&s->campaigns, str_field(v, "campaign")) >= 0);
	assert_true(strlen(str_field(v, "email_name")) > 0);
	assert_string_equal(str_field(v, "provider"), "sendgrid");
	assert_true(json_is_integer(json_object_get(v, "attempts")));
	assert_true(map_put(&s->keys, key, (long)s->rows));
	assert_true(strcmp(key, s->last_key) > 0); /* keys count up in time order */
	snprintf(s->last_key, sizeof s->last_key, "%s", key);
	int64_t tq = time_of(q);
	assert_true(tq >= s->last_queued);
	assert_true(tq <= s->now);
	s->last_queued = tq;
	if (json_is_integer(q))
		s->unix_times++;
	else if (strstr(json_string_value(q), "+09:00"))
		s->iso++;
	if (sent) {
		const char *pid = str_field(v, "provider_msg_id");
		assert_int_equal(strlen(pid), 22);
		assert_true(map_put(&s->pids, pid, (long)s->rows));
		assert_true(time_of(sent) >= tq && time_of(sent) <= s->now);
		assert_null(json_object_get(v, "dead_at"));
	} else if (json_object_get(v, "dead_at")) {
		assert_true(time_of(json_object_get(v, "dead_at")) <= s->now);
		assert_non_null(strstr(str_field(v, "dead_reason"), "after 5 attempts"));
		assert_int_equal(json_integer_value(json_object_get(v, "attempts")), 5);
		s->dead++;
	} else {
		assert_null(json_object_get(v, "provider_msg_id"));
		s->queued++;
	}
	/* The payload: SendGrid v3 mail/send for this one recipient. */
	assert_true(json_is_object(pay));
	json_t *pers = json_array_get(json_object_get(pay, "personalizations"), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(pers, "to"), 0), "email")), rcpt);
	assert_string_equal(json_string_value(json_object_get(json_object_get(pers, "custom_args"), "msg_key")), key);
	assert_string_equal(str_field(pay, "subject"), subject);
	assert_string_equal(str_field(json_object_get(pay, "from"), "email"), "noreply@yasuragi.example");
	assert_int_equal(json_array_size(json_object_get(pay, "content")), 2);
	if (strstr(subject, "\xF0\x9F")) /* a 4-byte UTF-8 sequence: emoji */
		s->with_emoji++;

	snprintf(low, sizeof low, "%s", rcpt);
	lower(low);
	long h = (long)(strhash(rcpt) & 0x7fffffff);
	long first = map_get(&s->spellings, low);
	if (first < 0)
		map_put(&s->spellings, low, h);
	else if (first != h)
		s->mixed_case++;
	s->rows++;
}

struct ev_shapes {
	struct map eids;
	int64_t now;
	size_t bodies, events, with_key, sgid_only, bare, dup_eid, unknown, late_blocked_reason;
	size_t kinds[16];
};

static void check_body(json_t *v, void *arg)
{
	static const char *const names[] = { "processed", "deferred", "delivered", "bounce", "dropped",
	                                     "open", "click", "spamreport", "unsubscribe",
	                                     "group_unsubscribe" };
	struct ev_shapes *s = arg;
	size_t i;
	json_t *e;

	assert_true(json_is_array(v));
	assert_true(json_array_size(v) >= 1 && json_array_size(v) <= 500);
	s->bodies++;
	json_array_foreach(v, i, e) {
		const char *event = str_field(e, "event");
		const char *eid = str_field(e, "sg_event_id");
		json_t *ts = json_object_get(e, "timestamp");
		size_t k;

		str_field(e, "email");
		assert_true(json_is_integer(ts));
		assert_true(json_integer_value(ts) <= s->now);
		assert_int_equal(strlen(eid), 22);
		if (!map_put(&s->eids, eid, 0))
			s->dup_eid++;
		for (k = 0; k < ROWS(names); k++)
			if (strcmp(event, names[k]) == 0)
				break;
		s->kinds[k]++;
		if (k == ROWS(names))
			s->unknown++;
		if (json_object_get(e, "msg_key"))
			s->with_key++;
		else if (json_object_get(e, "sg_message_id"))
			s->sgid_only++;
		else
			s->bare++;
		if (json_object_get(e, "sg_message_id"))
			assert_non_null(strstr(str_field(e, "sg_message_id"), ".filterdrecv-"));
		if (strcmp(event, "deferred") == 0) {
			assert_true(strncmp(str_field(e, "response"), "451 ", 4) == 0);
			const char *a = str_field(e, "attempt");
			assert_true(a[0] >= '1' && a[0] <= '5' && !a[1]);
		}
		if (strcmp(event, "bounce") == 0) {
			const char *type = str_field(e, "type");
			assert_true(strcmp(type, "bounce") == 0 || strcmp(type, "blocked") == 0);
			if (strstr(str_field(e, "reason"), "exceeded the local limit"))
				s->late_blocked_reason++;
		}
		if (strcmp(event, "click") == 0)
			assert_true(strncmp(str_field(e, "url"), "https://", 8) == 0);
		s->events++;
	}
}

static void test_record_shapes(void **state)
{
	struct shapes s;
	struct ev_shapes e;
	size_t n;

	(void)state;
	memset(&s, 0, sizeof s);
	memset(&e, 0, sizeof e);
	s.now = e.now = instant(NOW);
	map_init(&s.campaigns, 64);
	map_init(&s.keys, BIG_MESSAGES);
	map_init(&s.pids, BIG_MESSAGES);
	map_init(&s.spellings, BIG_MESSAGES);
	map_init(&e.eids, 4 * BIG_MESSAGES);

	n = each_json_line(big.buf[0], big.len[0], check_campaign, &s);
	assert_in_range(n, 30, 60);
	assert_int_equal(n, big.stats.campaigns);
	assert_int_equal(each_json_line(big.buf[1], big.len[1], check_row, &s), BIG_MESSAGES);
	/* both time forms, ISO mostly */
	assert_true(s.unix_times > 0);
	assert_true(s.iso > 9 * s.unix_times);
	assert_true(s.dead > 0);
	assert_true(s.queued > 0);
	assert_true(s.mixed_case > 0);
	assert_true(s.with_emoji > 0);

	n = each_json_line(big.buf[2], big.len[2], check_body, &e);
	assert_int_equal(n, big.stats.bodies);
	assert_int_equal(e.events, big.stats.events);
	/* about 3 events per message */
	assert_true(e.events > 25 * BIG_MESSAGES / 10 && e.events < 35 * BIG_MESSAGES / 10);
	/* ~97% carry msg_key, ~2% sg_message_id only, a few bare */
	assert_true(e.with_key * 100 > 95 * e.events && e.with_key * 100 < 99 * e.events);
	assert_true(e.sgid_only * 1000 > 10 * e.events && e.sgid_only * 1000 < 30 * e.events);
	assert_true(e.bare > 0 && e.bare * 1000 < e.events);
	/* ~1% re-posted with the same sg_event_id */
	assert_true(e.dup_eid * 1000 > 5 * e.events && e.dup_eid * 1000 < 15 * e.events);
	assert_true(e.unknown > 0);
	assert_true(e.late_blocked_reason > 0);
	for (size_t k = 0; k < 10; k++)
		if (!e.kinds[k])
			fail_msg("no event of kind %zu", k);

	map_free(&s.campaigns);
	map_free(&s.keys);
	map_free(&s.pids);
	map_free(&s.spellings);
	map_free(&e.eids);
}

/* ---- the truth, derived again -------------------------------------------------------- */

struct message {
	long campaign;
	int64_t queued, sent; /* sent 0: never */
	int dead;
	char *rcpt;           /* lowercase */
	unsigned del : 1, hard : 1, blk : 1, drop : 1, def : 1;
};

struct derive {
	struct map campaigns;   /* name -> index */
	char **camp_names;
	int *camp_stopped;
	size_t ncamp;
	struct message *msgs;
	size_t nmsg;
	struct map keys, pids;
	struct map by_rcpt;      /* lowercase recipient -> last row (rows chain through prev) */
	long *prev_same_rcpt;
	struct map seen_eid, seen_content, suppressed;
	size_t orphans, duplicates;
};

static void derive_campaign(json_t *v, void *arg)
{
	struct derive *d = arg;
	d->camp_names[d->ncamp] = strdup(str_field(v, "name"));
	d->camp_stopped[d->ncamp] = strcmp(str_field(v, "status"), "stopped") == 0;
	map_put(&d->campaigns, d->camp_names[d->ncamp], (long)d->ncamp);
	d->ncamp++;
}

static void derive_row(json_t *v, void *arg)
{
	struct derive *d = arg;
	struct message *m = &d->msgs[d->nmsg];
	json_t *sent = json_object_get(v, "sent_at");

	memset(m, 0, sizeof *m);
	m->campaign = map_get(&d->campaigns, str_field(v, "campaign"));
	m->queued = time_of(json_object_get(v, "queued_at"));
	m->sent = sent ? time_of(sent) : 0;
	m->dead = json_object_get(v, "dead_at") != NULL;
	m->rcpt = strdup(str_field(v, "recipient"));
	lower(m->rcpt);
	map_put(&d->keys, str_field(v, "msg_key"), (long)d->nmsg);
	if (sent)
		map_put(&d->pids, str_field(v, "provider_msg_id"), (long)d->nmsg);
	int found;
	size_t slot = map_slot(&d->by_rcpt, m->rcpt, &found);
	d->prev_same_rcpt[d->nmsg] = found ? d->by_rcpt.vals[slot] : -1;
	if (found)
		d->by_rcpt.vals[slot] = (long)d->nmsg;
	else
		map_put(&d->by_rcpt, m->rcpt, (long)d->nmsg);
	d->nmsg++;
}

static const char *opt_str(json_t *e, const char *name)
{
	json_t *v = json_object_get(e, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* SPEC §1 matching: msg_key, else sg_message_id before its first '.', else
 * for a bare bounce or drop the latest message to the recipient sent in the
 * 72 hours before it. */
static long match(struct derive *d, json_t *e, const char *email, int64_t ts)
{
	const char *key = opt_str(e, "msg_key"), *sgid = opt_str(e, "sg_message_id");
	const char *event = opt_str(e, "event");
	long row = -1;

	if (key)
		row = map_get(&d->keys, key);
	if (row < 0 && sgid) {
		char pid[64];
		size_t n = strcspn(sgid, ".");
		snprintf(pid, sizeof pid, "%.*s", (int)n, sgid);
		row = map_get(&d->pids, pid);
	}
	if (row < 0 && !key && !sgid && (strcmp(event, "bounce") == 0 || strcmp(event, "dropped") == 0)) {
		for (long r = map_get(&d->by_rcpt, email); r >= 0; r = d->prev_same_rcpt[r]) {
			const struct message *m = &d->msgs[r];
			if (m->sent && m->sent <= ts && ts - m->sent <= 72 * 3600 &&
			    (row < 0 || m->sent > d->msgs[row].sent))
				row = r;
		}
	}
	return row;
}

static void derive_body(json_t *v, void *arg)
{
	struct derive *d = arg;
	size_t i;
	json_t *e;

	json_array_foreach(v, i, e) {
		char email[256], content[1024];
		const char *event = str_field(e, "event"), *type = opt_str(e, "type");
		const char *reason = opt_str(e, "reason");
		int64_t ts = (int64_t)json_integer_value(json_object_get(e, "timestamp"));

		snprintf(email, sizeof email, "%s", str_field(e, "email"));
		lower(email);
		/* de-duplication by sg_event_id and by content */
		snprintf(content, sizeof content, "%s|%s|%s|%s|%s|%s|%s|%lld", opt_str(e, "msg_key") ? opt_str(e, "msg_key") : "-",
		         opt_str(e, "sg_message_id") ? opt_str(e, "sg_message_id") : "-", email, event,
		         type ? type : "-", opt_str(e, "attempt") ? opt_str(e, "attempt") : "-",
		         opt_str(e, "url") ? opt_str(e, "url") : "-", (long long)ts);
		int new_eid = map_put(&d->seen_eid, str_field(e, "sg_event_id"), 0);
		int new_content = map_put(&d->seen_content, content, 0);
		if (!new_eid || !new_content) {
			d->duplicates++;
			continue;
		}
		/* suppression: anywhere in the data, by address */
		int hard = strcmp(event, "bounce") == 0 && !(type && strcmp(type, "blocked") == 0);
		if (hard || strcmp(event, "spamreport") == 0 || strcmp(event, "unsubscribe") == 0 ||
		    (strcmp(event, "dropped") == 0 && reason &&
		     (strncmp(reason, "Bounced Address", 15) == 0 || strncmp(reason, "Unsubscribed Address", 20) == 0 ||
		      strncmp(reason, "Spam Reporting Address", 22) == 0 || strncmp(reason, "Invalid", 7) == 0)))
			map_put(&d->suppressed, email, 0);
		long row = match(d, e, email, ts);
		if (row < 0) {
			d->orphans++;
			continue;
		}
		struct message *m = &d->msgs[row];
		if (strcmp(event, "delivered") == 0)
			m->del = 1;
		else if (strcmp(event, "bounce") == 0 && !hard)
			m->blk = 1;
		else if (hard)
			m->hard = 1;
		else if (strcmp(event, "dropped") == 0)
			m->drop = 1;
		else if (strcmp(event, "deferred") == 0)
			m->def = 1;
	}
}

enum { C_SENT, C_DELIVERED, C_PENDING, C_DEFERRED, C_BOUNCED, C_BLOCKED, C_DROPPED, C_DEAD,
       C_QUEUED, C_REQUEUED, C_AFFECTED, C_COUNT };
static const char *const count_names[C_COUNT] = {
	"sent", "delivered", "pending", "deferred", "bounced", "blocked", "dropped", "dead",
	"queued", "requeued", "affected",
};

static const char *verdict(const long *c, int stopped)
{
	if (stopped && c[C_SENT] == 0 && c[C_QUEUED] > 0)
		return "not_executed";
	if (c[C_SENT] > 0 && c[C_DELIVERED] == 0 && c[C_BOUNCED] + c[C_BLOCKED] + c[C_DROPPED] == 0)
		return "all_pending";
	if (c[C_AFFECTED] > 0)
		return "partial";
	return "ok";
}

struct truth_check {
	struct derive *d;
	const struct output *out;
	int64_t now;
	size_t line;
	size_t campaigns_checked;
};

static void check_truth_line(json_t *v, void *arg)
{
	struct truth_check *tc = arg;
	struct derive *d = tc->d;
	const struct gen_incident *inc = &tc->out->inc[tc->line++];
	long (*c)[C_COUNT] = calloc(d->ncamp, sizeof *c);
	long total[C_COUNT] = { 0 };
	json_t *camps = json_object_get(v, "campaigns"), *totals = json_object_get(v, "totals");
	size_t present = 0;

	assert_non_null(c);
	assert_string_equal(str_field(v, "incident"), inc->name);
	assert_int_equal(json_integer_value(json_object_get(v, "grace")), 600);
	assert_int_equal(time_of(json_object_get(v, "now")), tc->now);
	assert_int_equal(json_array_size(json_object_get(v, "windows")), inc->nwindows);
	for (size_t r = 0; r < d->nmsg; r++) {
		const struct message *m = &d->msgs[r];
		int64_t t = m->sent ? m->sent : m->queued;
		int in = 0;
		for (size_t w = 0; w < inc->nwindows; w++)
			in |= t >= inc->windows[w].start && t < inc->windows[w].end;
		if (!in)
			continue;
		long *k = c[m->campaign];
		int stale = 0;
		k[C_SENT] += m->sent != 0;
		if (m->del)
			k[C_DELIVERED]++;
		else if (m->hard)
			k[C_BOUNCED]++;
		else if (m->blk)
			k[C_BLOCKED]++;
		else if (m->drop)
			k[C_DROPPED]++;
		else if (m->dead)
			k[C_DEAD]++;
		else if (m->sent) {
			k[C_PENDING]++;
			k[C_DEFERRED] += m->def;
			stale = tc->now - m->sent > 600;
		} else
			k[C_QUEUED]++;
		int lost = !m->del && !m->hard && !m->blk && !m->drop && (m->dead || !m->sent || stale);
		if (lost && map_get(&d->suppressed, m->rcpt) < 0)
			k[C_AFFECTED]++;
	}
	for (size_t i = 0; i < d->ncamp; i++) {
		long sum = 0;
		for (int k = 0; k < C_COUNT; k++)
			sum += c[i][k];
		json_t *jc = json_object_get(camps, d->camp_names[i]);
		if (!sum) {
			if (jc)
				fail_msg("%s: campaign %s has no in-incident message but is in the truth", inc->name, d->camp_names[i]);
			continue;
		}
		if (!jc)
			fail_msg("%s: campaign %s is missing from the truth", inc->name, d->camp_names[i]);
		present++;
		for (int k = 0; k < C_COUNT; k++) {
			long got = (long)json_integer_value(json_object_get(jc, count_names[k]));
			if (got != c[i][k])
				fail_msg("%s / %s: %s is %ld in the truth, %ld in the data", inc->name,
				         d->camp_names[i], count_names[k], got, c[i][k]);
			total[k] += c[i][k];
		}
		assert_string_equal(str_field(jc, "verdict"), verdict(c[i], d->camp_stopped[i]));
		tc->campaigns_checked++;
	}
	assert_int_equal(json_object_size(camps), present);
	for (int k = 0; k < C_COUNT; k++)
		assert_int_equal(json_integer_value(json_object_get(totals, count_names[k])), total[k]);
	free(c);
}

static void test_truth_matches_data(void **state)
{
	struct derive d;
	struct truth_check tc;

	(void)state;
	memset(&d, 0, sizeof d);
	map_init(&d.campaigns, 64);
	d.camp_names = calloc(64, sizeof *d.camp_names);
	d.camp_stopped = calloc(64, sizeof *d.camp_stopped);
	d.msgs = calloc(BIG_MESSAGES, sizeof *d.msgs);
	d.prev_same_rcpt = calloc(BIG_MESSAGES, sizeof *d.prev_same_rcpt);
	map_init(&d.keys, BIG_MESSAGES);
	map_init(&d.pids, BIG_MESSAGES);
	map_init(&d.by_rcpt, BIG_MESSAGES);
	map_init(&d.seen_eid, 4 * BIG_MESSAGES);
	map_init(&d.seen_content, 4 * BIG_MESSAGES);
	map_init(&d.suppressed, BIG_MESSAGES);

	each_json_line(big.buf[0], big.len[0], derive_campaign, &d);
	each_json_line(big.buf[1], big.len[1], derive_row, &d);
	each_json_line(big.buf[2], big.len[2], derive_body, &d);
	assert_true(d.orphans > 0);    /* another application's events */
	assert_true(d.duplicates > 0);
	assert_true(d.suppressed.n > 0);

	tc.d = &d;
	tc.out = &big;
	tc.now = instant(NOW);
	tc.line = 0;
	tc.campaigns_checked = 0;
	assert_int_equal(each_json_line(big.buf[3], big.len[3], check_truth_line, &tc), big.ninc);
	assert_int_equal(big.ninc, 4);
	assert_true(tc.campaigns_checked > 20);

	for (size_t i = 0; i < d.ncamp; i++)
		free(d.camp_names[i]);
	for (size_t i = 0; i < d.nmsg; i++)
		free(d.msgs[i].rcpt);
	free(d.camp_names);
	free(d.camp_stopped);
	free(d.msgs);
	free(d.prev_same_rcpt);
	map_free(&d.campaigns);
	map_free(&d.keys);
	map_free(&d.pids);
	map_free(&d.by_rcpt);
	map_free(&d.seen_eid);
	map_free(&d.seen_content);
	map_free(&d.suppressed);
}

/* ---- the seeds' verdicts in the truth ------------------------------------------------ */

struct verdicts {
	size_t line;
	int checked;
};

static void check_verdicts(json_t *v, void *arg)
{
	static const struct {
		const char *incident, *campaign, *verdict;
	} rows[] = {
		{ "AMQ再起動 (seed 000)", "秋の特別セール", "all_pending" },
		{ "AMQ再起動 (seed 000)", "メルマガ 9月号", "partial" },
		{ "DB過負荷 (seed 001)", "シルバーウィーク特集", "not_executed" },
		{ "DB過負荷 (seed 001)", "ランチタイム限定クーポン", "not_executed" },
		{ "SendGrid APIエラー (seed 003)", "予約完了のお知らせ", "partial" },
	};
	struct verdicts *s = arg;
	const char *name = str_field(v, "incident");
	json_t *camps = json_object_get(v, "campaigns"), *totals = json_object_get(v, "totals");
	const char *key;
	json_t *c;
	long sum[C_COUNT] = { 0 };

	json_object_foreach(camps, key, c) {
		for (int k = 0; k < C_COUNT; k++)
			sum[k] += (long)json_integer_value(json_object_get(c, count_names[k]));
		assert_int_equal(json_integer_value(json_object_get(c, "requeued")), 0);
		/* sent is at most the messages counted; deferred only among pending */
		assert_true(json_integer_value(json_object_get(c, "deferred")) <=
		            json_integer_value(json_object_get(c, "pending")));
	}
	for (int k = 0; k < C_COUNT; k++)
		assert_int_equal(json_integer_value(json_object_get(totals, count_names[k])), sum[k]);
	assert_null(json_object_get(totals, "verdict"));
	for (size_t i = 0; i < ROWS(rows); i++) {
		if (strcmp(rows[i].incident, name) != 0)
			continue;
		c = json_object_get(camps, rows[i].campaign);
		if (!c)
			fail_msg("%s: %s missing", name, rows[i].campaign);
		assert_string_equal(str_field(c, "verdict"), rows[i].verdict);
		s->checked++;
	}
	if (strcmp(name, "SendGrid APIエラー (seed 003)") == 0) {
		/* dead-lettered confirmations, and mail that went out late and stays deferred */
		c = json_object_get(camps, "予約完了のお知らせ");
		assert_true(json_integer_value(json_object_get(c, "dead")) > 0);
		assert_true(json_integer_value(json_object_get(totals, "deferred")) > 0);
	}
	if (strcmp(name, "メールシステム障害 (seed 002)") == 0) {
		/* delayed, mostly delivered, a few lost */
		assert_true(json_integer_value(json_object_get(totals, "delivered")) >
		            20 * json_integer_value(json_object_get(totals, "affected")));
		assert_true(json_integer_value(json_object_get(totals, "affected")) > 0);
	}
	s->line++;
}

static void test_truth_verdicts(void **state)
{
	struct verdicts s = { 0, 0 };

	(void)state;
	assert_int_equal(each_json_line(big.buf[3], big.len[3], check_verdicts, &s), 4);
	assert_int_equal(s.checked, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_bad_options),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_small_sizes),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_record_shapes),
		cmocka_unit_test(test_truth_matches_data),
		cmocka_unit_test(test_truth_verdicts),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
