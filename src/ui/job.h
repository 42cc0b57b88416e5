/* job.h — private to src/ui: long work off the input loop.
 *
 * A job runs in a thread of its own so that keys, redraws and the live
 * refresh go on while it works (SPEC §4: never block the screen during long
 * work).  Each job either opens its own read-only connection to the store
 * (counts, the report, the timeline: the dashboard's connection stays free)
 * or borrows the dashboard's connection, which holds the tags (tag all,
 * requeue planning, an export of the tagged set).  While the connection is
 * lent, ui_store() returns NULL and screens draw what they already have; at
 * most one job borrows it at a time, the others wait their turn.
 *
 * Curses is never called from a job: progress goes through job_progress and
 * the UI thread draws it.
 */
#ifndef REDRIVE_UI_JOB_H
#define REDRIVE_UI_JOB_H

#include <stddef.h>

struct store;
struct ui;
struct job;

enum job_conn {
	JOB_OWN_STORE,   /* a read-only connection of its own, closed at the end */
	JOB_UI_STORE,    /* the dashboard's connection, lent for the run */
	JOB_NO_STORE     /* no connection: the work opens its own (requeue_run) */
};

struct job_spec {
	const char *label;   /* "exporting", "tagging": shown with the progress (copied) */
	enum job_conn conn;
	int visible;         /* 1: progress in the status line, and `x` cancels it */
	int write;           /* JOB_OWN_STORE: open it read-write (unless --read-only),
	                        for the audit log */
	/* In the job's thread.  Returns RD_OK or an error code with the
	 * message recorded by rd_error (copied for done). */
	int (*run)(struct job *j, struct store *s, void *arg);
	/* On the UI thread after run returned; error is "" when rc is RD_OK. */
	void (*done)(struct ui *ui, struct job *j, int rc, const char *error, void *arg);
	/* On the UI thread when the operator cancels (may be NULL): for work
	 * that has its own cancel flag (requeue_control). */
	void (*cancel)(void *arg);
	/* On the UI thread when the operator pauses or lets it go on (NULL:
	 * the job cannot pause); returns 1 when it is paused now. */
	int (*pause)(void *arg);
	/* Frees arg after done (may be NULL). */
	void (*free)(void *arg);
	void *arg;
};

/* Starts (or queues, for a lent connection) a job; the spec is copied and
 * arg is owned by the job from here on (freed with spec->free even when the
 * start fails).  Returns RD_OK or RD_E_NOMEM/RD_E_FAIL. */
int job_start(struct ui *ui, const struct job_spec *spec);

/* From the job's thread: how far it is (fraction 0..1, or < 0 when unknown)
 * and a short text ("12,000 of 40,000"). */
void job_progress(struct job *j, double fraction, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 1 once the operator asked to stop. */
int job_cancelled(const struct job *j);
/* The flag itself, for APIs that poll one (export_write). */
volatile int *job_cancel_flag(struct job *j);

/* UI thread: finishes the jobs that ended (calls their done), starts the
 * next waiting one; returns 1 when something finished. */
int jobs_poll(struct ui *ui);
/* Number of jobs running or waiting. */
int jobs_active(const struct ui *ui);
/* The first visible job's progress for the status line; 0 when none. */
int jobs_status(struct ui *ui, char *text, size_t n, double *fraction);
/* Cancels the visible jobs; returns how many. */
int jobs_cancel_visible(struct ui *ui);
/* Pauses or lets go on the visible jobs that can pause; returns how many,
 * and *paused whether they are paused now. */
int jobs_pause_visible(struct ui *ui, int *paused);
/* Cancels everything and waits for the threads (quitting). */
void jobs_stop(struct ui *ui);

#endif
