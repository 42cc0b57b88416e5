/* lineedit.h — private to src/ui: a one-line text field (prompts, dialog
 * fields) that edits UTF-8 by whole characters and never inserts control
 * characters. */
#ifndef REDRIVE_UI_LINEEDIT_H
#define REDRIVE_UI_LINEEDIT_H

#include <curses.h>
#include <stddef.h>

#include "redrive/buf.h"

struct lineedit {
	struct buf text;
	size_t cur;        /* byte offset of the cursor, on a character boundary */
};

/* Starts with s (may be NULL); at most max bytes may be typed. */
void le_init(struct lineedit *le, const char *s, size_t max);
void le_free(struct lineedit *le);
void le_set(struct lineedit *le, const char *s);
const char *le_text(const struct lineedit *le);

/* Editing keys: characters insert; Backspace, Delete (C-d), Left, Right,
 * Home (C-a), End (C-e), C-u (delete to the start), C-k (to the end),
 * C-w (the word before the cursor).  key as in keys.h (UI_KEY_FN for
 * curses codes).  Returns 1 when the key was an editing key. */
int le_key(struct lineedit *le, int key);

/* Draws the field in w columns at (y, x), scrolled so the cursor shows;
 * returns the cursor's screen column. */
int le_draw(const struct lineedit *le, int y, int x, int w, attr_t a);

#endif
