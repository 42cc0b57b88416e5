/* dialog.h — private to src/ui: modal dialogs and prompts over the screens.
 *
 * One dialog at a time; while it is open it gets every key first.  Like a
 * screen, a dialog is a struct of callbacks.  A dialog closes itself with
 * dialog_close (its data is freed after the key handler returns, so the
 * handler may still read it).  The form helpers lay out the fields the
 * export and requeue dialogs share: choices, text fields and buttons.
 */
#ifndef REDRIVE_UI_DIALOG_H
#define REDRIVE_UI_DIALOG_H

#include "lineedit.h"
#include "ui_int.h"

struct dialog_ops {
	const char *name;
	/* Draws over the screen; a text field sets ui->cursor_y/x. */
	void (*draw)(struct ui *ui, void *data);
	/* action: the key's action in DIALOG then MOVE (UI_ACT_NONE if none).
	 * Returns enum ui_flags. */
	int (*key)(struct ui *ui, void *data, int action, int key);
	void (*free)(void *data);
};

struct dialog {
	const struct dialog_ops *ops;
	void *data;
};

/* Opens a dialog (closing the one that is open); data is owned by the
 * dialog from here on, even on failure. */
int dialog_open(struct ui *ui, const struct dialog_ops *ops, void *data);
void dialog_close(struct ui *ui);
/* The open dialog's data when it is of this kind (a job that finishes
 * updates its dialog through this), else NULL. */
void *dialog_data(struct ui *ui, const struct dialog_ops *ops);
/* Frees dialogs closed during the last key handler (the manager calls it). */
void dialog_reap(struct ui *ui);
/* Key dispatch and drawing for the manager. */
int dialog_key(struct ui *ui, int key);
void dialog_draw(struct ui *ui);

/* A one-line prompt on the status line.  accept gets the text on Enter
 * (after the prompt closed); Esc cancels.  arg is not owned. */
typedef void (*prompt_fn)(struct ui *ui, const char *text, void *arg);
int prompt_open(struct ui *ui, const char *label, const char *initial, prompt_fn accept, void *arg);

/* The `?` screen: every key and command, from keys.h. */
int help_open(struct ui *ui);

/* dialog_export.c and dialog_requeue.c */
int export_dialog_open(struct ui *ui);
int requeue_dialog_open(struct ui *ui);
/* Runs (resumes) a journaled batch in a job; the Batches screen's R. */
int ui_requeue_resume(struct ui *ui, int64_t batch);

/* ---- forms ------------------------------------------------------------------ */

enum field_kind { FIELD_CHOICE, FIELD_TEXT, FIELD_BUTTON };

#define FORM_MAX_FIELDS 10
#define FORM_MAX_CHOICES 4

struct field {
	enum field_kind kind;
	const char *label;
	const char *choices[FORM_MAX_CHOICES];  /* FIELD_CHOICE */
	int nchoices;
	int choice;
	struct lineedit edit;                   /* FIELD_TEXT */
	int danger;                             /* FIELD_BUTTON that acts on the store */
	int disabled;
};

struct form {
	struct field f[FORM_MAX_FIELDS];
	int n;
	int focus;
};

/* Adds a field; returns its index. */
int form_choice(struct form *fm, const char *label, const char *const *choices, int n, int choice);
int form_text(struct form *fm, const char *label, const char *text, size_t max);
int form_button(struct form *fm, const char *label, int danger);
void form_free(struct form *fm);

/* Focus moves, choices and text editing.  Returns 1 when the key was used;
 * *pressed receives the index of a button pressed with Enter, else -1. */
int form_key(struct form *fm, int action, int key, int *pressed);
/* One non-button field at row y: label in label_w columns, value after. */
void form_draw_field(struct ui *ui, struct form *fm, int i, int y, int x, int label_w, int w);
/* Every button in one row, right-aligned in w columns. */
void form_draw_buttons(struct form *fm, int y, int x, int w);

/* A centred box for a dialog of h rows and w columns (clipped to the screen). */
struct ui_rect dialog_frame(int h, int w, const char *title);

#endif
