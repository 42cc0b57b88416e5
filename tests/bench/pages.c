/* pages.c — one page of the message list at several depths, through the
 * same query path the dashboard and `redrive messages` use (keyset pages).
 *
 *   pages DB FILTER-LINE NOW    prints "label ms" lines
 *
 * Positions: the first page; pages starting at 25 %, 50 %, 90 % and the end
 * of the filter's time span (a cursor at that t_at, as the dashboard's
 * scroll bar jumps there); each the median of 21 runs after one warm-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/store.h"
#include "redrive/store_query.h"

#define RUNS 21
#define PAGE 50

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_page(struct store *s, struct rd_filter *f, struct rd_cursor at, int backward, size_t *rows)
{
	struct rd_page page = { 0 };
	double t[RUNS];
	store_messages_page(s, f, at, backward, PAGE, &page); /* warm-up */
	for (int i = 0; i < RUNS; i++) {
		double t0 = now_ms();
		if (store_messages_page(s, f, at, backward, PAGE, &page) != RD_OK) {
			fprintf(stderr, "pages: %s\n", rd_error_message());
			exit(1);
		}
		t[i] = now_ms() - t0;
	}
	*rows = page.n;
	store_page_free(&page);
	qsort(t, RUNS, sizeof t[0], cmp);
	return t[RUNS / 2];
}

int main(int argc, char **argv)
{
	struct store *s;
	struct rd_filter f;
	if (argc != 4) {
		fprintf(stderr, "usage: pages DB FILTER-LINE NOW\n");
		return 2;
	}
	filter_init(&f);
	if (filter_parse_line(&f, argv[2]) || filter_option(&f, "now", argv[3]) ||
	    store_open(argv[1], STORE_READ_ONLY, &s) || store_filter_resolve(s, &f, f.now, NULL)) {
		fprintf(stderr, "pages: %s\n", rd_error_message());
		return 1;
	}
	/* the filter's span, from its first and last rows */
	struct rd_page first = { 0 }, last = { 0 };
	store_messages_page(s, &f, RD_CURSOR_START, 0, 1, &first);
	store_messages_page(s, &f, RD_CURSOR_END, 1, 1, &last);
	if (!first.n) {
		fprintf(stderr, "pages: the filter selects nothing\n");
		return 1;
	}
	int64_t lo = first.rows[0].t_at, hi = last.rows[0].t_at;
	static const struct { const char *label; int pct; } at[] = {
		{ "start", 0 }, { "25%", 25 }, { "50%", 50 }, { "90%", 90 }, { "end", 100 },
	};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		size_t rows;
		struct rd_cursor c = { lo + (hi - lo) * at[i].pct / 100, 0 };
		int backward = at[i].pct == 100;
		double ms = median_page(s, &f, backward ? RD_CURSOR_END : (at[i].pct ? c : RD_CURSOR_START),
		                        backward, &rows);
		printf("%s %.3f %zu\n", at[i].label, ms, rows);
	}
	/* deep inside one second: a batch campaign can put a million messages
	 * in the same second */
	{
		size_t rows;
		struct rd_cursor c = { lo, (first.rows[0].id + last.rows[0].id) / 2 };
		double ms = median_page(s, &f, c, 0, &rows);
		printf("mid-second %.3f %zu\n", ms, rows);
	}
	store_page_free(&first);
	store_page_free(&last);
	store_close(s);
	filter_free(&f);
	return 0;
}
