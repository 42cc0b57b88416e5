/* render.h — messages and reports as JSON and CSV, for scripts and files.
 *
 * One definition of the output fields (SPEC §3), shared by `messages`,
 * `report`, `export` and the dashboard's export dialog.  Times are UTC
 * "YYYY-MM-DDTHH:MM:SSZ"; absent values are null (JSON) or empty (CSV).
 */
#ifndef REDRIVE_RENDER_H
#define REDRIVE_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct rd_message;
struct rd_report;
struct rd_counts;
struct rd_window;

/* A new JSON object (caller decrefs):
 * msg_key campaign recipient email_name queued_at sent_at state flags
 * attempts last_event last_event_at reason (+ subject with with_subject). */
json_t *render_message_json(const struct rd_message *m, int with_subject);

/* CSV with the same fields; flags joined with ';'.  Cells are neutralised
 * against spreadsheet formulas. */
int render_message_csv_header(struct buf *out, int with_subject);
int render_message_csv(struct buf *out, const struct rd_message *m, int with_subject);

/* {"incident","windows":[{"start","end"}],"campaigns":[…],"totals":{…}} */
json_t *render_report_json(const char *incident, const struct rd_window *w, size_t nw,
                           const struct rd_report *r);
int render_report_csv(struct buf *out, const struct rd_report *r);

/* "YYYY-MM-DDTHH:MM:SSZ", or JSON null for RD_NO_TIME. */
json_t *render_time(int64_t t);

#endif
