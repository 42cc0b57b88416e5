/* bench_jsonstream.c — how fast jsonstream splits webhook event files.
 *
 * Not a test (tests/run only runs test_*): build it with -O2 and run it by
 * hand.  Writes a ~200 MB stream of ~400-byte SendGrid-like events to a
 * temporary file, once as webhook bodies (arrays of 1000 events, one body a
 * line) and once as JSON Lines, then splits each file twice from the page
 * cache and prints the better run in MB/s, records/s and ns per record.
 *
 *   gcc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Iinclude \
 *       src/util/jsonstream.c tests/unit/bench_jsonstream.c -o /tmp/bench_js
 *   /tmp/bench_js [megabytes]
 */
#include "redrive/jsonstream.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redrive/limits.h"

static const char *const kinds[] = {
	"processed", "delivered", "open", "click", "bounce", "deferred", "dropped",
};

/* Writes one event of roughly 400 bytes. */
static int write_event(FILE *f, uint64_t i)
{
	return fprintf(f,
		       "{\"email\":\"user%llu@example%llu.com\",\"timestamp\":%llu,"
		       "\"smtp-id\":\"<14c5d75ce93.dfd.%llu@ismtpd-555>\","
		       "\"event\":\"%s\",\"category\":[\"cat facts\",\"newsletter\"],"
		       "\"sg_event_id\":\"sg_event_id_%016llx\","
		       "\"sg_message_id\":\"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.%llu\","
		       "\"response\":\"250 2.0.0 OK 1513299569 \\\"queued\\\" as \\u00e9t\\u00e9\","
		       "\"attempt\":\"%llu\",\"ip\":\"168.1.1.%llu\","
		       "\"marketing_campaign_id\":%llu,\"asm_group_id\":-1}",
		       (unsigned long long)i, (unsigned long long)(i % 97),
		       (unsigned long long)(1513299569 + i), (unsigned long long)i,
		       kinds[i % (sizeof kinds / sizeof kinds[0])],
		       (unsigned long long)(i * 2654435761u), (unsigned long long)i,
		       (unsigned long long)(i % 5), (unsigned long long)(i % 255),
		       (unsigned long long)(i % 1000));
}

/* Fills a temporary file with about mb megabytes of events. */
static FILE *make_stream(size_t mb, int arrays, uint64_t *events)
{
	FILE *f = tmpfile();
	if (!f)
		return NULL;
	uint64_t i = 0;
	long total = 0;
	while ((size_t)total < mb << 20) {
		if (arrays) {
			fputc('[', f);
			for (int k = 0; k < 1000; k++) {
				if (k)
					fputc(',', f);
				write_event(f, i++);
			}
			fputs("]\n", f);
		} else {
			write_event(f, i++);
			fputc('\n', f);
		}
		total = ftell(f);
	}
	fflush(f);
	*events = i;
	return f;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *name, size_t mb, int arrays)
{
	uint64_t events = 0;
	FILE *f = make_stream(mb, arrays, &events);
	if (!f) {
		perror("tmpfile");
		return 1;
	}
	double best = 0;
	uint64_t bytes = 0, records = 0;
	for (int round = 0; round < 2; round++) {
		rewind(f);
		struct jsonstream *s = jsonstream_new(f, RD_MAX_JSON_RECORD);
		if (!s)
			return 1;
		struct js_record rec;
		int rc;
		uint64_t sum = 0;
		records = 0;
		double t0 = now();
		while ((rc = jsonstream_next(s, &rec)) == 1) {
			records++;
			sum += rec.n;
		}
		double t = now() - t0;
		bytes = jsonstream_offset(s);
		if (rc != 0) {
			fprintf(stderr, "%s: unexpected result %d: %s\n", name, rc,
				jsonstream_error(s));
			return 1;
		}
		jsonstream_free(s);
		if (records != events || sum == 0) {
			fprintf(stderr, "%s: %llu records, want %llu\n", name,
				(unsigned long long)records, (unsigned long long)events);
			return 1;
		}
		if (round == 0 || t < best)
			best = t;
	}
	fclose(f);
	printf("%-12s %7.1f MB in %6.3f s: %7.1f MB/s, %6.2f M records/s, %5.0f ns/record"
	       " (%llu records of %.0f bytes)\n",
	       name, (double)bytes / 1e6, best, (double)bytes / 1e6 / best,
	       (double)records / 1e6 / best, best * 1e9 / (double)records,
	       (unsigned long long)records, (double)bytes / (double)records);
	return 0;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	if (mb == 0)
		mb = 200;
	if (run("arrays", mb, 1) || run("json-lines", mb, 0))
		return 1;
	return 0;
}
