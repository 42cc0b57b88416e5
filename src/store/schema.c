/* schema.c — the store's schema as forward migrations (PRAGMA user_version).
 *
 * migrations[i] takes a store from version i to i + 1.  Never edit a
 * migration that has shipped: add the next one.  docs/schema.md explains
 * every table and index; keep it in step.
 */
#include "schema.h"

#include <stddef.h>

#include "redrive/state.h"

_Static_assert(RD_FLAG_SUPPRESSED == 8, "migration v3 spells the suppressed flag as 8");

static const char v1[] =
	/* key/value facts about the store itself */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"

	"CREATE TABLE campaigns(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('trigger','batch','transactional')),\n"
	"  schedule TEXT NOT NULL CHECK (schedule IN ('once','recurring')),\n"
	"  status TEXT NOT NULL CHECK (status IN ('draft','scheduled','running','stopped','done')),\n"
	"  updated_at INTEGER NOT NULL);\n"

	/* one row per address (lowercased); suppressed mirrors EXISTS(suppressions) */
	"CREATE TABLE recipients(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  email TEXT NOT NULL UNIQUE,\n"
	"  suppressed INTEGER NOT NULL DEFAULT 0);\n"

	"CREATE TABLE suppressions(\n"
	"  recipient_id INTEGER NOT NULL REFERENCES recipients(id),\n"
	"  source TEXT NOT NULL,\n"
	"  reason TEXT,\n"
	"  since INTEGER NOT NULL,\n"
	"  PRIMARY KEY (recipient_id, source)) WITHOUT ROWID;\n"

	"CREATE TABLE messages(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  msg_key TEXT NOT NULL UNIQUE,\n"
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),\n"
	"  email_name TEXT,\n"
	"  recipient_id INTEGER NOT NULL REFERENCES recipients(id),\n"
	"  recipient TEXT NOT NULL,\n"
	"  subject TEXT,\n"
	"  queued_at INTEGER,\n"
	"  sent_at INTEGER,\n"
	"  t_at INTEGER NOT NULL AS (coalesce(sent_at, queued_at)) STORED,\n"
	"  provider TEXT,\n"
	"  provider_msg_id TEXT,\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  dead_at INTEGER,\n"
	"  dead_reason TEXT,\n"
	"  payload TEXT,\n"
	/* derived from the row and its events by state_derive (core/state.c) */
	"  state INTEGER NOT NULL DEFAULT 0,\n"
	"  flags INTEGER NOT NULL DEFAULT 0,\n"
	"  last_event TEXT,\n"
	"  last_event_at INTEGER,\n"
	"  reason TEXT,\n"
	/* set by the requeue engine when an item of a batch was handed over */
	"  requeue_batch INTEGER,\n"
	"  requeued_at INTEGER);\n"

	/* keyset paging by (t_at, id) over windows */
	"CREATE INDEX msg_time ON messages(t_at);\n"
	/* covering index for report: every column the counts need */
	"CREATE INDEX msg_window ON messages(t_at, campaign_id, state, flags, sent_at, requeued_at, recipient_id);\n"
	"CREATE INDEX msg_state ON messages(state, t_at);\n"
	"CREATE INDEX msg_campaign ON messages(campaign_id, t_at);\n"
	/* bare bounces: the latest message to a recipient before the event */
	"CREATE INDEX msg_recipient ON messages(recipient_id, sent_at);\n"
	"CREATE INDEX msg_provider ON messages(provider_msg_id) WHERE provider_msg_id IS NOT NULL;\n"

	"CREATE TABLE events(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  msg_id INTEGER REFERENCES messages(id),\n"   /* NULL: an orphan */
	"  ts INTEGER NOT NULL,\n"
	"  kind INTEGER NOT NULL,\n"
	"  btype INTEGER NOT NULL DEFAULT 0,\n"
	"  batch INTEGER NOT NULL DEFAULT 0,\n"
	"  how INTEGER NOT NULL DEFAULT 0,\n"           /* 0 orphan, 1 msg_key, 2 sg_message_id, 3 recipient */
	"  email TEXT NOT NULL,\n"
	"  ref_key TEXT,\n"
	"  ref_pid TEXT,\n"
	"  eid_h INTEGER,\n"
	"  content_h INTEGER NOT NULL,\n"
	"  reason TEXT,\n"
	"  raw TEXT NOT NULL);\n"
	/* de-duplication: compact integer keys, ordered by time so that new
	 * events land on the same few index pages */
	"CREATE UNIQUE INDEX ev_content ON events(ts, content_h);\n"
	"CREATE UNIQUE INDEX ev_eid ON events(ts, eid_h) WHERE eid_h IS NOT NULL;\n"
	/* a message's events, covering what state_derive needs */
	"CREATE INDEX ev_msg ON events(msg_id, ts, kind, btype, batch, content_h) WHERE msg_id IS NOT NULL;\n"
	/* orphans and recipient-matched bounces are matched again when messages arrive */
	"CREATE INDEX ev_unmatched ON events(id) WHERE msg_id IS NULL OR how = 3;\n"

	"CREATE TABLE incidents(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  tz TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL);\n"
	"CREATE TABLE incident_windows(\n"
	"  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,\n"
	"  start INTEGER NOT NULL,\n"
	"  end INTEGER NOT NULL,\n"
	"  CHECK (end > start));\n"
	"CREATE INDEX incident_windows_by_incident ON incident_windows(incident_id, start);\n"

	/* append-only: the triggers refuse to rewrite history */
	"CREATE TABLE audit(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at INTEGER NOT NULL,\n"
	"  operator TEXT NOT NULL,\n"
	"  action TEXT NOT NULL,\n"
	"  detail TEXT);\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;\n"

	/* for people reading the store with sqlite3 */
	"CREATE TABLE state_names(code INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
	"INSERT INTO state_names VALUES (0,'queued'),(1,'pending'),(2,'delivered'),(3,'bounced'),"
	"(4,'blocked'),(5,'dropped'),(6,'dead'),(7,'requeued');\n"
	"CREATE VIEW messages_v AS SELECT m.id, m.msg_key, c.name AS campaign, m.recipient, m.email_name,\n"
	"  m.subject, datetime(m.queued_at, 'unixepoch') AS queued_at, datetime(m.sent_at, 'unixepoch') AS sent_at,\n"
	"  s.name AS state, m.flags, m.attempts, m.last_event, datetime(m.last_event_at, 'unixepoch') AS last_event_at,\n"
	"  m.reason FROM messages m JOIN campaigns c ON c.id = m.campaign_id JOIN state_names s ON s.code = m.state;\n";

/* v2: the requeue journal (docs/requeue.md) and the outbox. */
static const char v2[] =
	"CREATE TABLE batches(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  target TEXT NOT NULL,\n"
	"  status INTEGER NOT NULL,\n"            /* enum requeue_status */
	"  rate REAL NOT NULL DEFAULT 0,\n"
	"  force INTEGER NOT NULL DEFAULT 0,\n"
	"  operator TEXT NOT NULL,\n"
	"  filter TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  started_at INTEGER,\n"
	"  finished_at INTEGER,\n"
	"  selected INTEGER NOT NULL,\n"
	"  ex_suppressed INTEGER NOT NULL,\n"
	"  ex_delivered INTEGER NOT NULL,\n"
	"  ex_requeued INTEGER NOT NULL,\n"
	"  ex_hidden INTEGER NOT NULL,\n"
	"  total INTEGER NOT NULL,\n"
	"  runner TEXT,\n"                        /* host:pid of the live run */
	"  heartbeat_at INTEGER,\n"
	"  last_error TEXT);\n"
	/* one item per message, in the order they are sent */
	"CREATE TABLE batch_items(\n"
	"  batch_id INTEGER NOT NULL REFERENCES batches(id),\n"
	"  seq INTEGER NOT NULL,\n"
	"  msg_id INTEGER NOT NULL REFERENCES messages(id),\n"
	"  status INTEGER NOT NULL DEFAULT 0,\n"  /* 0 planned 1 sending 2 sent 3 failed 4 skipped 5 unknown */
	"  tries INTEGER NOT NULL DEFAULT 0,\n"
	"  provider_id TEXT,\n"
	"  error TEXT,\n"
	"  updated_at INTEGER,\n"
	"  PRIMARY KEY (batch_id, seq)) WITHOUT ROWID;\n"
	"CREATE INDEX batch_items_msg ON batch_items(msg_id, status);\n"
	/* the new attempt's events carry its X-Message-Id as sg_message_id */
	"CREATE INDEX batch_items_provider ON batch_items(provider_id) WHERE provider_id IS NOT NULL;\n"
	"CREATE TABLE batch_exclusions(\n"
	"  batch_id INTEGER NOT NULL REFERENCES batches(id),\n"
	"  msg_id INTEGER NOT NULL REFERENCES messages(id),\n"
	"  reason TEXT NOT NULL,\n"
	"  PRIMARY KEY (batch_id, msg_id)) WITHOUT ROWID;\n"
	/* the journal is never rewritten: what was chosen, by whom, stays */
	"CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches"
	" BEGIN SELECT RAISE(ABORT, 'requeue batches are part of the audit trail'); END;\n"
	"CREATE TRIGGER batches_frozen BEFORE UPDATE OF target, rate, force, operator, filter, created_at,"
	" selected, ex_suppressed, ex_delivered, ex_requeued, ex_hidden, total ON batches"
	" BEGIN SELECT RAISE(ABORT, 'a requeue batch journal is never rewritten'); END;\n"
	"CREATE TRIGGER batch_items_no_delete BEFORE DELETE ON batch_items"
	" BEGIN SELECT RAISE(ABORT, 'requeue items are part of the audit trail'); END;\n"
	"CREATE TRIGGER batch_items_frozen BEFORE UPDATE OF batch_id, seq, msg_id ON batch_items"
	" BEGIN SELECT RAISE(ABORT, 'a requeue batch journal is never rewritten'); END;\n"
	"CREATE TRIGGER batch_exclusions_frozen BEFORE DELETE ON batch_exclusions"
	" BEGIN SELECT RAISE(ABORT, 'requeue exclusions are part of the audit trail'); END;\n"
	/* the outbox the sending application's own workers read */
	"CREATE TABLE outbox(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  batch_id INTEGER NOT NULL REFERENCES batches(id),\n"
	"  msg_key TEXT NOT NULL,\n"
	"  recipient TEXT NOT NULL,\n"
	"  payload TEXT,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  claimed_at INTEGER,\n"
	"  claimed_by TEXT,\n"
	"  done_at INTEGER,\n"
	"  UNIQUE (batch_id, msg_key));\n"
	"CREATE INDEX outbox_waiting ON outbox(id) WHERE claimed_at IS NULL;\n";

/* v3: per-minute counts for reports that cost the same for any window, and
 * the suppressed flag kept on each message so that counting needs no join.
 * Triggers keep msg_rollup equal to GROUP BY over messages: every writer of
 * messages, present and future, goes through them. */
#define ROLLUP_UPDATE_CHANGED                                                               \
	"OLD.campaign_id IS NOT NEW.campaign_id OR OLD.state IS NOT NEW.state"                  \
	" OR OLD.flags IS NOT NEW.flags OR OLD.t_at IS NOT NEW.t_at"                            \
	" OR (OLD.sent_at IS NULL) IS NOT (NEW.sent_at IS NULL) OR OLD.requeued_at IS NOT NEW.requeued_at"
#define ROLLUP_UPDATE_BODY                                                                  \
	" BEGIN"                                                                                \
	" UPDATE msg_rollup SET n = n - 1 WHERE (" ROLLUP_COLUMNS ") = (" ROLLUP_KEY("OLD") ");" \
	" INSERT INTO msg_rollup VALUES (" ROLLUP_KEY("NEW") ", 1)"                             \
	" ON CONFLICT(" ROLLUP_COLUMNS ") DO UPDATE SET n = n + 1; END;\n"
#define ROLLUP_UPDATE_OF \
	"CREATE TRIGGER msg_rollup_update AFTER UPDATE OF campaign_id, state, flags, sent_at, queued_at," \
	" requeued_at ON messages WHEN "
static const char v3[] =
	"UPDATE messages SET flags = flags | 8"
	" WHERE recipient_id IN (SELECT id FROM recipients WHERE suppressed);\n"
	"CREATE TABLE msg_rollup(\n"
	"  minute INTEGER NOT NULL,\n"      /* floor(t_at / 60) */
	"  campaign_id INTEGER NOT NULL,\n"
	"  state INTEGER NOT NULL,\n"
	"  flags INTEGER NOT NULL,\n"
	"  sent INTEGER NOT NULL,\n"        /* sent_at IS NOT NULL */
	"  rq_minute INTEGER NOT NULL,\n"   /* floor(requeued_at / 60), -1 if never requeued */
	"  n INTEGER NOT NULL,\n"
	"  PRIMARY KEY (" ROLLUP_COLUMNS ")) WITHOUT ROWID;\n"
	"INSERT INTO msg_rollup SELECT " ROLLUP_KEY("m") ", count(*) FROM messages m GROUP BY 1, 2, 3, 4, 5, 6;\n"
	"CREATE TRIGGER msg_rollup_insert AFTER INSERT ON messages BEGIN"
	" INSERT INTO msg_rollup VALUES (" ROLLUP_KEY("NEW") ", 1)"
	" ON CONFLICT(" ROLLUP_COLUMNS ") DO UPDATE SET n = n + 1; END;\n"
	ROLLUP_UPDATE_OF ROLLUP_UPDATE_CHANGED ROLLUP_UPDATE_BODY
	"CREATE TRIGGER msg_rollup_delete AFTER DELETE ON messages BEGIN"
	" UPDATE msg_rollup SET n = n - 1 WHERE (" ROLLUP_COLUMNS ") = (" ROLLUP_KEY("OLD") "); END;\n";

/* v4: the bulky, never-changing parts of a message (subject, payload) move
 * to message_bodies.  An event rewrites its message's state; with ~400
 * bytes of payload in the row, five messages shared a page and every batch
 * of events dirtied thousands of pages of them.  Narrow rows pack ~25 to a
 * page. */
static const char v4[] =
	"CREATE TABLE message_bodies(\n"
	"  msg_id INTEGER PRIMARY KEY REFERENCES messages(id),\n"
	"  subject TEXT,\n"
	"  payload TEXT);\n"
	"INSERT INTO message_bodies SELECT id, subject, payload FROM messages"
	" WHERE subject IS NOT NULL OR payload IS NOT NULL;\n"
	"DROP VIEW messages_v;\n"
	"ALTER TABLE messages DROP COLUMN subject;\n"
	"ALTER TABLE messages DROP COLUMN payload;\n"
	"CREATE VIEW messages_v AS SELECT m.id, m.msg_key, c.name AS campaign, m.recipient, m.email_name,\n"
	"  b.subject, datetime(m.queued_at, 'unixepoch') AS queued_at, datetime(m.sent_at, 'unixepoch') AS sent_at,\n"
	"  s.name AS state, m.flags, m.attempts, m.last_event, datetime(m.last_event_at, 'unixepoch') AS last_event_at,\n"
	"  m.reason FROM messages m JOIN campaigns c ON c.id = m.campaign_id JOIN state_names s ON s.code = m.state\n"
	"  LEFT JOIN message_bodies b ON b.msg_id = m.id;\n";

/* v5: msg_window goes.  It was to be the report's covering index, but an
 * index whose key holds a generated column (t_at) is never used as covering
 * by SQLite 3.40, the rollup answers reports now, and every change of a
 * message's state paid for keeping it: a row-by-row count walks msg_time. */
static const char v5[] = "DROP INDEX msg_window;\n";

/* v6: a requeue to the outbox no longer copies each payload.  Outbox rows
 * name their message; outbox_v gives the payload (from message_bodies, with
 * msg_key and the batch added to custom_args) when a worker reads it.  The
 * index of items by message loses the status, which changes as items are
 * sent. */
static const char v6[] =
	"ALTER TABLE outbox ADD COLUMN msg_id INTEGER REFERENCES messages(id);\n"
	"DROP INDEX batch_items_msg;\n"
	"CREATE INDEX batch_items_msg ON batch_items(msg_id);\n"
	"CREATE VIEW outbox_v AS SELECT o.id, o.batch_id, o.msg_key, o.recipient,\n"
	"  coalesce(o.payload, json_set(b.payload, '$.personalizations[0].custom_args.msg_key', o.msg_key,\n"
	"   '$.personalizations[0].custom_args.redrive_batch', CAST(o.batch_id AS TEXT))) AS payload,\n"
	"  o.created_at, o.claimed_at, o.claimed_by, o.done_at\n"
	"  FROM outbox o LEFT JOIN message_bodies b ON b.msg_id = o.msg_id;\n";

/* v7: a bulk writer may keep msg_rollup itself for the messages one
 * statement changes together (the outbox hand-over of a requeue: the
 * trigger's ~3 µs a row were a third of a million-message requeue).  It
 * holds the trigger with a row in msg_rollup_hold that lives only inside its
 * own write transaction — SQLite has one writer at a time, and the row is
 * deleted before the commit — and applies the chunk's counts in a few
 * statements.  Every other writer, a plain sqlite3 included, finds the table
 * empty and the trigger keeps the rollup as before. */
static const char v7[] =
	"CREATE TABLE msg_rollup_hold(holder TEXT PRIMARY KEY) WITHOUT ROWID;\n"
	"DROP TRIGGER msg_rollup_update;\n"
	ROLLUP_UPDATE_OF "NOT EXISTS (SELECT 1 FROM msg_rollup_hold) AND (" ROLLUP_UPDATE_CHANGED ")"
	ROLLUP_UPDATE_BODY;

static const char *const migrations[] = { v1, v2, v3, v4, v5, v6, v7 };

int schema_latest(void)
{
	return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *schema_migration(int from_version)
{
	if (from_version < 0 || from_version >= schema_latest())
		return NULL;
	return migrations[from_version];
}
