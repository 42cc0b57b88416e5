/* job.c — threads for long work, polled by the input loop. */
#include "job.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/error.h"
#include "redrive/store.h"
#include "redrive/store_watch.h"
#include "ui_int.h"

/* A helper connection's page cache: small, so that memory stays bounded
 * while a few jobs run next to the dashboard's own connection. */
#define JOB_CACHE_KIB 2048

struct job {
	struct job *next;
	struct job_spec spec;
	struct ui *ui;            /* read only by the UI thread */
	struct store *store;      /* the lent connection, for JOB_UI_STORE */
	char *db_path;
	char label[96];           /* spec.label points here */
	int read_only;            /* the dashboard's --read-only */
	pthread_t thread;
	int started;
	volatile int cancel;

	pthread_mutex_t mu;       /* guards everything below */
	int finished;
	int rc;
	double fraction;
	char text[160];
	char error[1024];
};

static void *job_main(void *p)
{
	struct job *j = p;
	struct store *s = j->store;
	int rc = RD_OK;

	if (j->spec.conn == JOB_OWN_STORE) {
		rc = store_open(j->db_path, j->spec.write && !j->read_only ? STORE_READ_WRITE : STORE_READ_ONLY, &s);
		if (!rc)
			store_memory_limit(s, JOB_CACHE_KIB);
	}
	if (!rc)
		rc = j->spec.run(j, s, j->spec.arg);
	if (j->spec.conn == JOB_OWN_STORE)
		store_close(s);

	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	if (rc)
		snprintf(j->error, sizeof j->error, "%s", rd_error_message());
	j->finished = 1;
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

static int launch(struct job *j)
{
	if (j->spec.conn == JOB_UI_STORE) {
		j->store = j->ui->store;
		j->ui->store_lent = 1;
	}
	if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
		if (j->spec.conn == JOB_UI_STORE)
			j->ui->store_lent = 0;
		return rd_error(RD_E_FAIL, "cannot start a thread for %s", j->spec.label);
	}
	j->started = 1;
	return RD_OK;
}

static void job_free(struct job *j)
{
	if (j->spec.free)
		j->spec.free(j->spec.arg);
	pthread_mutex_destroy(&j->mu);
	free(j->db_path);
	free(j);
}

int job_start(struct ui *ui, const struct job_spec *spec)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j || !(j->db_path = strdup(ui->db_path))) {
		free(j);
		if (spec->free)
			spec->free(spec->arg);
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	j->spec = *spec;
	snprintf(j->label, sizeof j->label, "%s", spec->label ? spec->label : "working");
	j->spec.label = j->label;
	j->read_only = ui->read_only;
	j->ui = ui;
	j->fraction = -1;
	pthread_mutex_init(&j->mu, NULL);
	/* a lent connection serves one job at a time: the others wait */
	if (!(spec->conn == JOB_UI_STORE && ui->store_lent)) {
		int rc = launch(j);
		if (rc) {
			job_free(j);
			return rc;
		}
	}
	struct job **tail = &ui->jobs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = j;
	return RD_OK;
}

void job_progress(struct job *j, double fraction, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&j->mu);
	j->fraction = fraction;
	va_start(ap, fmt);
	vsnprintf(j->text, sizeof j->text, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&j->mu);
}

int job_cancelled(const struct job *j)
{
	return j->cancel;
}

volatile int *job_cancel_flag(struct job *j)
{
	return &j->cancel;
}

static void cancel(struct job *j)
{
	j->cancel = 1;
	if (j->spec.cancel)
		j->spec.cancel(j->spec.arg);
}

int jobs_poll(struct ui *ui)
{
	int any = 0;
	struct job **pp = &ui->jobs;
	while (*pp) {
		struct job *j = *pp;
		int finished = 0;
		if (j->started) {
			pthread_mutex_lock(&j->mu);
			finished = j->finished;
			pthread_mutex_unlock(&j->mu);
		} else if (j->cancel) {
			/* never started: it ends here */
			finished = 1;
			j->rc = RD_E_CANCELLED;
			snprintf(j->error, sizeof j->error, "%s cancelled", j->spec.label);
		}
		if (!finished) {
			pp = &j->next;
			continue;
		}
		if (j->started)
			pthread_join(j->thread, NULL);
		*pp = j->next;
		int returned = j->started && j->spec.conn == JOB_UI_STORE;
		if (returned)
			ui->store_lent = 0;
		if (j->spec.done)
			j->spec.done(ui, j, j->rc, j->rc ? j->error : "", j->spec.arg);
		job_free(j);
		any = 1;
		if (returned && !ui->store_lent)
			ui_broadcast(ui, UI_CHANGE_RETRY);
	}
	/* the next job waiting for the connection */
	for (struct job *j = ui->jobs; j && !ui->store_lent; j = j->next)
		if (!j->started && !j->cancel && j->spec.conn == JOB_UI_STORE && launch(j) != RD_OK) {
			j->cancel = 1;
			any = 1;
		}
	return any;
}

int jobs_active(const struct ui *ui)
{
	int n = 0;
	for (const struct job *j = ui->jobs; j; j = j->next)
		n++;
	return n;
}

int jobs_status(struct ui *ui, char *text, size_t n, double *fraction)
{
	for (struct job *j = ui->jobs; j; j = j->next) {
		if (!j->spec.visible)
			continue;
		pthread_mutex_lock(&j->mu);
		*fraction = j->fraction;
		if (!j->started)
			snprintf(text, n, "%s: waiting for the store", j->spec.label);
		else if (j->cancel)
			snprintf(text, n, "%s: cancelling", j->spec.label);
		else
			snprintf(text, n, "%s%s%s", j->spec.label, j->text[0] ? ": " : "", j->text);
		pthread_mutex_unlock(&j->mu);
		return 1;
	}
	return 0;
}

int jobs_cancel_visible(struct ui *ui)
{
	int n = 0;
	for (struct job *j = ui->jobs; j; j = j->next)
		if (j->spec.visible && !j->cancel) {
			cancel(j);
			n++;
		}
	return n;
}

int jobs_pause_visible(struct ui *ui, int *paused)
{
	int n = 0;
	for (struct job *j = ui->jobs; j; j = j->next)
		if (j->spec.visible && !j->cancel && j->spec.pause) {
			*paused = j->spec.pause(j->spec.arg);
			n++;
		}
	return n;
}

void jobs_stop(struct ui *ui)
{
	for (struct job *j = ui->jobs; j; j = j->next)
		cancel(j);
	while (ui->jobs) {
		struct job *j = ui->jobs;
		ui->jobs = j->next;
		if (j->started)
			pthread_join(j->thread, NULL);
		job_free(j);
	}
	ui->store_lent = 0;
}
