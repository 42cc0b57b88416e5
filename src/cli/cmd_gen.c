/* cmd_gen.c — `redrive gen` and `redrive demo`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_int.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/gen.h"
#include "redrive/import.h"
#include "redrive/store.h"
#include "redrive/store_incident.h"
#include "redrive/timefmt.h"

#define DEMO_DB "./redrive-demo.db"
#define DEMO_MESSAGES 20000

static const char *const gen_files[] = { "campaigns.jsonl", "sendlog.jsonl", "events.json",
                                         "truth.jsonl", "incidents.jsonl" };
enum { F_CAMPAIGNS, F_SENDLOG, F_EVENTS, F_TRUTH, F_INCIDENTS, F_COUNT };

static int open_files(const char *dir, FILE **f, struct buf *path)
{
	for (int i = 0; i < F_COUNT; i++) {
		buf_reset(path);
		buf_printf(path, "%s/%s", dir, gen_files[i]);
		f[i] = fopen(buf_str(path), "w");
		if (!f[i])
			return rd_error(RD_E_IO, "cannot write %s: %s", buf_str(path), strerror(errno));
	}
	return RD_OK;
}

static int close_files(FILE **f)
{
	int rc = RD_OK;
	for (int i = 0; i < F_COUNT; i++)
		if (f[i] && fclose(f[i]) != 0 && !rc)
			rc = rd_error(RD_E_IO, "cannot write %s: %s", gen_files[i], strerror(errno));
	return rc;
}

static void write_incidents(FILE *f, const struct gen_incident *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "{\"name\":\"%s\",\"tz\":\"%s\",\"windows\":[", in[i].name, in[i].tz);
		for (size_t k = 0; k < in[i].nwindows; k++) {
			char a[TIMEFMT_UTC_LEN], b[TIMEFMT_UTC_LEN];
			timefmt_utc(in[i].windows[k].start, a);
			timefmt_utc(in[i].windows[k].end, b);
			fprintf(f, "%s{\"start\":\"%s\",\"end\":\"%s\"}", k ? "," : "", a, b);
		}
		fputs("]}\n", f);
	}
}

/* Generates into dir; inc and ninc receive the simulated incidents. */
static int generate(struct cli *c, const char *dir, int64_t messages, struct gen_incident *inc,
                    size_t *ninc)
{
	int64_t seed, days;
	int rc = cli_number(c, "seed", 0, INT64_MAX, 1, &seed);
	if (!rc)
		rc = cli_number(c, "days", 1, 365, 7, &days);
	if (rc)
		return rc;
	FILE *f[F_COUNT] = { 0 };
	struct buf path = BUF_INIT;
	rc = open_files(dir, f, &path);
	if (!rc) {
		struct gen_opts o = { (uint64_t)messages, (uint64_t)seed, (int)days, c->now };
		struct gen_sinks sinks = { .campaigns = f[F_CAMPAIGNS], .sendlog = f[F_SENDLOG],
		                          .events = f[F_EVENTS], .truth = f[F_TRUTH] };
		rc = gen_run(&o, &sinks, inc, ninc);
		if (!rc)
			write_incidents(f[F_INCIDENTS], inc, *ninc);
	}
	int crc = close_files(f);
	buf_free(&path);
	return rc ? rc : crc;
}

static int import_file(struct store *s, const char *dir, int which, enum import_kind kind)
{
	struct buf path = BUF_INIT;
	struct import_result r;
	buf_printf(&path, "%s/%s", dir, gen_files[which]);
	struct import_opts o = { .path = buf_str(&path), .format = IMPORT_JSON,
	                         .progress = isatty(STDERR_FILENO) };
	int rc = import_run(s, kind, &o, &r);
	buf_free(&path);
	return rc;
}

static int record_incidents(struct store *s, const struct gen_incident *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rd_incident old;
		if (store_incident_get(s, in[i].name, &old) == RD_OK) {
			store_incident_free(&old);
			fprintf(stderr, "incident %s exists already; kept as it is\n", in[i].name);
			continue;
		}
		int rc = store_incident_add(s, in[i].name, in[i].tz, in[i].windows, in[i].nwindows);
		if (rc)
			return rc;
	}
	return RD_OK;
}

static void remove_dir(const char *dir)
{
	struct buf path = BUF_INIT;
	for (int i = 0; i < F_COUNT; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, gen_files[i]);
		unlink(buf_str(&path));
		buf_reset(&path);
		buf_printf(&path, "%s/%s.rejects.jsonl", dir, gen_files[i]);
		unlink(buf_str(&path));
	}
	rmdir(dir);
	buf_free(&path);
}

/* Generates N messages straight into the store (through the importers). */
static int gen_into_store(struct cli *c, struct store *s, int64_t messages, struct gen_incident *inc,
                          size_t *ninc)
{
	const char *tmp = getenv("TMPDIR");
	struct buf dir = BUF_INIT;
	buf_printf(&dir, "%s/redrive-gen-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir.p)) {
		int rc = rd_error(RD_E_IO, "cannot create a temporary directory in %s: %s",
		                  tmp && *tmp ? tmp : "/tmp", strerror(errno));
		buf_free(&dir);
		return rc;
	}
	int rc = generate(c, dir.p, messages, inc, ninc);
	if (!rc)
		rc = import_file(s, dir.p, F_CAMPAIGNS, IMPORT_CAMPAIGNS);
	if (!rc)
		rc = import_file(s, dir.p, F_SENDLOG, IMPORT_SENDLOG);
	if (!rc)
		rc = import_file(s, dir.p, F_EVENTS, IMPORT_EVENTS);
	if (!rc)
		rc = record_incidents(s, inc, *ninc);
	remove_dir(dir.p);
	buf_free(&dir);
	return rc;
}

static void print_incidents(const struct gen_incident *inc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("  incident %s (%zu window%s)\n", inc[i].name, inc[i].nwindows,
		       inc[i].nwindows == 1 ? "" : "s");
}

int cmd_gen(struct cli *c)
{
	int64_t messages;
	struct gen_incident inc[GEN_MAX_INCIDENTS];
	size_t ninc = 0;
	const char *out = cli_opt(c, "out");
	if (!cli_opt(c, "messages"))
		return cli_usage(c, "gen needs --messages N");
	int rc = cli_number(c, "messages", 100, 100000000, 0, &messages);
	if (rc)
		return rc;
	if (c->npos)
		return cli_usage(c, "gen takes no arguments (\"%s\")", c->pos[0]);
	if (out) {
		if (mkdir(out, 0700) != 0 && errno != EEXIST)
			return rd_error(RD_E_IO, "cannot create %s: %s", out, strerror(errno));
		rc = generate(c, out, messages, inc, &ninc);
		if (!rc) {
			printf("generated %lld messages into %s (campaigns.jsonl sendlog.jsonl events.json "
			       "incidents.jsonl truth.jsonl)\n",
			       (long long)messages, out);
			print_incidents(inc, ninc);
		}
		return rc ? rc : cli_flush(stdout);
	}
	struct store *s = NULL;
	if ((rc = cli_open_store(c, STORE_CREATE, &s)) != RD_OK)
		return rc;
	rc = gen_into_store(c, s, messages, inc, &ninc);
	if (!rc) {
		printf("generated %lld messages into %s\n", (long long)messages, store_path(s));
		print_incidents(inc, ninc);
	}
	store_close(s);
	return rc ? rc : cli_flush(stdout);
}

/* Replaces path only when it is a store an earlier demo made. */
static int clear_demo_store(const char *path)
{
	struct stat st;
	struct store *s = NULL;
	char *mark = NULL;
	if (stat(path, &st) != 0)
		return RD_OK;
	int rc = store_open(path, STORE_READ_ONLY, &s);
	if (!rc) {
		rc = store_meta_get(s, "demo", &mark);
		store_close(s);
	}
	if (rc || !mark) {
		free(mark);
		return rd_error(RD_E_EXISTS,
		                "%s exists and is not a demo store; `redrive demo` only replaces its own. "
		                "Give another path with --db",
		                path);
	}
	free(mark);
	struct buf side = BUF_INIT;
	unlink(path);
	buf_printf(&side, "%s-wal", path);
	unlink(buf_str(&side));
	buf_reset(&side);
	buf_printf(&side, "%s-shm", path);
	unlink(buf_str(&side));
	buf_free(&side);
	return RD_OK;
}

int cmd_demo(struct cli *c)
{
	int64_t messages;
	struct gen_incident inc[GEN_MAX_INCIDENTS];
	size_t ninc = 0;
	struct store *s = NULL;
	int rc = cli_number(c, "messages", 100, 100000000, DEMO_MESSAGES, &messages);
	if (rc)
		return rc;
	if (c->npos)
		return cli_usage(c, "demo takes no arguments (\"%s\")", c->pos[0]);
	if (!c->db_given)
		c->db_path = DEMO_DB;
	if (c->read_only)
		return cli_usage(c, "demo writes a new store; drop --read-only");
	if ((rc = clear_demo_store(c->db_path)) != RD_OK)
		return rc;
	if ((rc = store_open(c->db_path, STORE_CREATE, &s)) != RD_OK)
		return rc;
	if (!(rc = store_begin(s)) && !(rc = store_meta_set(s, "demo", "1")))
		rc = store_commit(s);
	else
		store_rollback(s);
	if (!rc)
		rc = gen_into_store(c, s, messages, inc, &ninc);
	store_close(s);
	if (rc)
		return rc;
	printf("demo store %s: %lld messages\n", c->db_path, (long long)messages);
	print_incidents(inc, ninc);
	if (ninc) {
		/* the report of the first incident, the one the README walks through */
		printf("\n");
		fflush(stdout);
		if ((rc = filter_option(&c->filter, "incident", inc[0].name)) != RD_OK)
			return rc;
		rc = cmd_report(c);
		if (rc)
			return rc;
	}
	if (cli_flag(c, "no-dashboard") || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
		return cli_flush(stdout);
	filter_free(&c->filter);
	filter_init(&c->filter);
	return cmd_dashboard(c);
}
