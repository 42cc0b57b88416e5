#include "redrive/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "redrive/error.h"
#include "redrive/limits.h"
#include "redrive/message.h"
#include "redrive/operator.h"
#include "redrive/state.h"
#include "rollup_tally.h"
#include "schema.h"
#include "store_int.h"

_Static_assert(RD_FLAG_SUPPRESSED == 8, "ST_MESSAGE_FACTS spells the suppressed flag as 8");

/* PRAGMA application_id: "RDRV".  A SQLite file without it is not ours. */
#define STORE_APP_ID 0x52445256
#define STORE_BUSY_MS 10000

static const char *const stmt_sql[ST_COUNT_] = {
	/* absent attributes: defaults for a new campaign, unchanged for a known one */
	[ST_CAMPAIGN_UPSERT] =
		"INSERT INTO campaigns(name, kind, schedule, status, updated_at)"
		" VALUES (?1, coalesce(?2, 'transactional'), coalesce(?3, 'once'), coalesce(?4, 'running'), ?5)"
		" ON CONFLICT(name) DO UPDATE SET kind = coalesce(?2, kind), schedule = coalesce(?3, schedule),"
		" status = coalesce(?4, status), updated_at = ?5"
		" WHERE kind IS NOT coalesce(?2, kind) OR schedule IS NOT coalesce(?3, schedule)"
		" OR status IS NOT coalesce(?4, status)",
	[ST_CAMPAIGN_ID] = "SELECT id FROM campaigns WHERE name = ?1",
	[ST_CAMPAIGN_CREATE] =
		"INSERT INTO campaigns(name, kind, schedule, status, updated_at)"
		" VALUES (?1, 'transactional', 'once', 'running', ?2)",
	[ST_RECIPIENT_ID] = "SELECT id, suppressed FROM recipients WHERE email = ?1",
	[ST_RECIPIENT_CREATE] = "INSERT INTO recipients(email) VALUES (?1)",
	[ST_MESSAGE_INSERT] =
		"INSERT INTO messages(msg_key, campaign_id, email_name, recipient_id, recipient,"
		" queued_at, sent_at, provider, provider_msg_id, attempts, dead_at, dead_reason, state, flags,"
		" reason) VALUES (?1, ?2, ?3, ?4, ?5, ?7, ?8, ?9, ?10, coalesce(?11, 0), ?12, ?13, ?15, ?16, ?17)",
	[ST_MESSAGE_UPSERT] =
		"INSERT INTO messages(msg_key, campaign_id, email_name, recipient_id, recipient,"
		" queued_at, sent_at, provider, provider_msg_id, attempts, dead_at, dead_reason)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?7, ?8, ?9, ?10, coalesce(?11, 0), ?12, ?13)"
		" ON CONFLICT(msg_key) DO UPDATE SET"
		"  campaign_id = excluded.campaign_id,"
		"  email_name = coalesce(excluded.email_name, email_name),"
		"  recipient_id = excluded.recipient_id, recipient = excluded.recipient,"
		"  queued_at = coalesce(excluded.queued_at, queued_at),"
		"  sent_at = coalesce(excluded.sent_at, sent_at),"
		"  provider = coalesce(excluded.provider, provider),"
		"  provider_msg_id = coalesce(excluded.provider_msg_id, provider_msg_id),"
		"  attempts = max(attempts, coalesce(?11, 0)),"
		"  dead_at = coalesce(excluded.dead_at, dead_at),"
		"  dead_reason = coalesce(excluded.dead_reason, dead_reason)"
		" WHERE campaign_id IS NOT excluded.campaign_id"
		"  OR recipient IS NOT excluded.recipient"
		"  OR (excluded.email_name IS NOT NULL AND email_name IS NOT excluded.email_name)"
		"  OR (excluded.queued_at IS NOT NULL AND queued_at IS NOT excluded.queued_at)"
		"  OR (excluded.sent_at IS NOT NULL AND sent_at IS NOT excluded.sent_at)"
		"  OR (excluded.provider IS NOT NULL AND provider IS NOT excluded.provider)"
		"  OR (excluded.provider_msg_id IS NOT NULL AND provider_msg_id IS NOT excluded.provider_msg_id)"
		"  OR coalesce(?11, 0) > attempts"
		"  OR (excluded.dead_at IS NOT NULL AND dead_at IS NOT excluded.dead_at)"
		"  OR (excluded.dead_reason IS NOT NULL AND dead_reason IS NOT excluded.dead_reason)"
		" RETURNING id",
	/* subject and payload: new, or given again and different */
	[ST_BODY_UPSERT] =
		"INSERT INTO message_bodies(msg_id, subject, payload) SELECT ?1, ?2, ?3 WHERE ?2 IS NOT NULL OR ?3 IS NOT NULL"
		" ON CONFLICT(msg_id) DO UPDATE SET subject = coalesce(excluded.subject, subject),"
		" payload = coalesce(excluded.payload, payload)"
		" WHERE (excluded.subject IS NOT NULL AND subject IS NOT excluded.subject)"
		"  OR (excluded.payload IS NOT NULL AND payload IS NOT excluded.payload)",
	[ST_MESSAGE_BY_KEY] = "SELECT id FROM messages WHERE msg_key = ?1",
	[ST_MESSAGE_BY_PID] = "SELECT id, recipient_id FROM messages WHERE provider_msg_id = ?1",
	[ST_MESSAGE_BY_ATTEMPT] =
		"SELECT i.msg_id, i.batch_id, r.email = ?2 FROM batch_items i JOIN messages m ON m.id = i.msg_id"
		" JOIN recipients r ON r.id = m.recipient_id WHERE i.provider_id = ?1 ORDER BY 3 DESC LIMIT 2",
	[ST_MESSAGE_BY_RECIPIENT] =
		"SELECT m.id FROM recipients r JOIN messages m ON m.recipient_id = r.id"
		" WHERE r.email = ?1 AND m.sent_at <= ?2 AND m.sent_at >= ?2 - 259200"
		" ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
	[ST_MESSAGE_FACTS] =
		"SELECT sent_at IS NOT NULL, dead_at IS NOT NULL, coalesce(requeue_batch, 0),"
		" state, flags, last_event, last_event_at, reason, dead_reason,"
		" CASE WHEN ?2 THEN (SELECT suppressed FROM recipients WHERE id = messages.recipient_id)"
		"  ELSE flags & 8 != 0 END"
		" FROM messages WHERE id = ?1",
	[ST_MESSAGE_EVENTS] =
		"SELECT ts, content_h, batch, kind, btype, id FROM events WHERE msg_id = ?1",
	[ST_MESSAGE_SET_STATE] =
		"UPDATE messages SET state = ?2, flags = ?3, last_event = ?4, last_event_at = ?5, reason = ?6"
		" WHERE id = ?1",
	[ST_EVENT_INSERT] =
		"INSERT INTO events(msg_id, ts, kind, btype, batch, how, email, ref_key, ref_pid, eid_h,"
		" content_h, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
		" ON CONFLICT DO NOTHING",
	[ST_EVENT_REASON] = "SELECT reason FROM events WHERE id = ?1",
	[ST_EVENT_NAME] = "SELECT json_extract(raw, '$.event') FROM events WHERE id = ?1",
	[ST_EVENT_REMATCH] =
		"UPDATE events SET msg_id = ?2, how = ?3, batch = CASE WHEN batch = 0 THEN ?4 ELSE batch END WHERE id = ?1",
	[ST_SUPPRESSION_UPSERT] =
		"INSERT INTO suppressions(recipient_id, source, reason, since) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(recipient_id, source) DO UPDATE SET"
		"  reason = CASE WHEN excluded.since < since THEN excluded.reason ELSE reason END,"
		"  since = min(since, excluded.since)",
	[ST_RECIPIENT_SUPPRESS] = "UPDATE recipients SET suppressed = 1 WHERE id = ?1 AND suppressed = 0",
	[ST_MESSAGES_SUPPRESS] = "UPDATE messages SET flags = flags | ?2 WHERE recipient_id = ?1 AND flags & ?2 = 0",
	[ST_AUDIT] = "INSERT INTO audit(at, operator, action, detail) VALUES (?1, ?2, ?3, ?4)",
	/* one pass over a batch's items, no sort (store_requeue.c) */
	[ST_BATCH_ITEM_COUNTS] = "SELECT total(status IN (0, 1)), total(status = 2), total(status = 3),"
		" total(status = 4), total(status = 5) FROM batch_items WHERE batch_id = ?1",
};

int store_schema_version(void)
{
	return schema_latest();
}

const char *store_default_path(void)
{
	const char *p = getenv("REDRIVE_DB");
	return p && *p ? p : "./redrive.db";
}

int store_db_error(struct store *s, const char *doing)
{
	const char *msg = s && s->db ? sqlite3_errmsg(s->db) : "no database";
	int code = s && s->db ? sqlite3_errcode(s->db) : SQLITE_ERROR;
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return rd_error(RD_E_BUSY,
		                "%s: the store %s is busy (another redrive is writing); try again",
		                doing, s ? s->path : "");
	if (code == SQLITE_FULL)
		return rd_error(RD_E_IO, "%s: the disk is full; free space and run the command again",
		                doing);
	if (code == SQLITE_READONLY)
		return rd_error(RD_E_READ_ONLY, "%s: the store %s cannot be written (%s)", doing,
		                s ? s->path : "", msg);
	return rd_error(RD_E_DB, "%s: %s", doing, msg);
}

int store_exec(struct store *s, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		int rc = store_db_error(s, "running SQL");
		sqlite3_free(err);
		return rc;
	}
	return RD_OK;
}

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt which)
{
	sqlite3_stmt *st = s->stmt[which];
	if (!st) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
		                       &s->stmt[which], NULL) != SQLITE_OK) {
			store_db_error(s, "preparing a statement");
			return NULL;
		}
		return s->stmt[which];
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

sqlite3_stmt *store_dyn(struct store *s, const char *sql)
{
	if (s->dyn && s->dyn_sql && strcmp(s->dyn_sql, sql) == 0) {
		sqlite3_reset(s->dyn);
		sqlite3_clear_bindings(s->dyn);
		return s->dyn;
	}
	sqlite3_finalize(s->dyn);
	free(s->dyn_sql);
	s->dyn = NULL;
	s->dyn_sql = strdup(sql);
	if (!s->dyn_sql) {
		rd_error(RD_E_NOMEM, "out of memory");
		return NULL;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->dyn, NULL) != SQLITE_OK) {
		store_db_error(s, "preparing a query");
		free(s->dyn_sql);
		s->dyn_sql = NULL;
		s->dyn = NULL;
		return NULL;
	}
	return s->dyn;
}

int store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int store_bind_time(sqlite3_stmt *st, int i, int64_t t)
{
	return t == RD_NO_TIME ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, t);
}

int64_t store_col_time(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? RD_NO_TIME : sqlite3_column_int64(st, i);
}

/* SQL functions: the state rules of core/state.c, so SQL never restates them. */
static void sql_stale(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	/* rd_stale(state, t_at, requeued_at, now, grace) */
	int has_rq = sqlite3_value_type(argv[2]) != SQLITE_NULL;
	int64_t since = state_pending_since(sqlite3_value_int64(argv[1]), has_rq, sqlite3_value_int64(argv[2]));
	sqlite3_result_int(ctx, state_is_stale(sqlite3_value_int(argv[0]), since,
	                                       sqlite3_value_int64(argv[3]),
	                                       sqlite3_value_int64(argv[4])));
}

static void sql_affected(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	/* rd_affected(state, stale, suppressed) */
	sqlite3_result_int(ctx, state_is_affected(sqlite3_value_int(argv[0]), sqlite3_value_int(argv[1]),
	                                          sqlite3_value_int(argv[2])));
}

static void sql_lost(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	/* rd_lost(state, stale) */
	sqlite3_result_int(ctx, state_is_lost(sqlite3_value_int(argv[0]), sqlite3_value_int(argv[1])));
}

/* rd_rollup_tally(minute, campaign_id, state, flags, sent, rq_minute):
 * counts one message under that msg_rollup key in s->tally and returns
 * NULL.  For the outbox hand-over (store_requeue.c), which calls it in the
 * SET clause of its UPDATE, where the arguments are the row as it was. */
static void sql_rollup_tally(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store *s = sqlite3_user_data(ctx);
	int64_t key[ROLLUP_KEY_LEN];
	if (!s->tally || argc != ROLLUP_KEY_LEN) {
		sqlite3_result_error(ctx, "rd_rollup_tally() is only for the outbox hand-over", -1);
		return;
	}
	for (int i = 0; i < ROLLUP_KEY_LEN; i++)
		key[i] = sqlite3_value_int64(argv[i]);
	if (rollup_tally_add(s->tally, key) != RD_OK)
		sqlite3_result_error_nomem(ctx);
	else
		sqlite3_result_null(ctx);
}

static int register_functions(struct store *s)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	if (sqlite3_create_function(s->db, "rd_stale", 5, flags, NULL, sql_stale, NULL, NULL) ||
	    sqlite3_create_function(s->db, "rd_affected", 3, flags, NULL, sql_affected, NULL, NULL) ||
	    sqlite3_create_function(s->db, "rd_lost", 2, flags, NULL, sql_lost, NULL, NULL) ||
	    /* side effects: never constant-folded, never in a trigger or view */
	    sqlite3_create_function(s->db, "rd_rollup_tally", ROLLUP_KEY_LEN, SQLITE_UTF8 | SQLITE_DIRECTONLY, s,
	                            sql_rollup_tally, NULL, NULL))
		return store_db_error(s, "registering functions");
	return RD_OK;
}

/* The stores this process has open, by file identity.  POSIX locks belong
 * to the process, and closing ANY descriptor of a file drops all of them:
 * the header check's own open()/close() must never touch a file that a
 * connection of this process (another thread: the dashboard's workers) is
 * using.  Opening and closing are serialised on this table. */
#define OPEN_STORES_MAX 32
static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	dev_t dev;
	ino_t ino;
	int n;
} open_stores[OPEN_STORES_MAX];

static int open_slot(dev_t dev, ino_t ino)
{
	for (int i = 0; i < OPEN_STORES_MAX; i++)
		if (open_stores[i].n && open_stores[i].dev == dev && open_stores[i].ino == ino)
			return i;
	return -1;
}

static void open_register(struct store *s)
{
	struct stat st;
	if (stat(s->path, &st) != 0)
		return;
	int i = open_slot(st.st_dev, st.st_ino);
	for (int k = 0; i < 0 && k < OPEN_STORES_MAX; k++)
		if (!open_stores[k].n)
			i = k;
	if (i < 0)
		return; /* more than OPEN_STORES_MAX stores: the header check stays on */
	open_stores[i].dev = st.st_dev;
	open_stores[i].ino = st.st_ino;
	open_stores[i].n++;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->registered = 1;
}

static void open_unregister(struct store *s)
{
	int i = s->registered ? open_slot(s->dev, s->ino) : -1;
	if (i >= 0)
		open_stores[i].n--;
}

/* 1 if this process already has path open as a store (already checked). */
static int open_already(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && open_slot(st.st_dev, st.st_ino) >= 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum file_kind { FILE_MISSING, FILE_EMPTY, FILE_OURS, FILE_SQLITE_OTHER, FILE_SQLITE_UNMARKED, FILE_FOREIGN };

/* Looks at the file's first 100 bytes without letting SQLite near it. */
static int classify(const char *path, enum file_kind *kind)
{
	struct stat stt;
	if (stat(path, &stt) != 0) {
		if (errno == ENOENT) {
			*kind = FILE_MISSING;
			return RD_OK;
		}
		return rd_error(RD_E_IO, "cannot read %s: %s", path, strerror(errno));
	}
	if (S_ISDIR(stt.st_mode))
		return rd_error(RD_E_NOT_STORE, "%s is a directory, not a redrive store; give a file with --db",
		                path);
	if (stt.st_size == 0) {
		*kind = FILE_EMPTY;
		return RD_OK;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rd_error(RD_E_IO, "cannot open %s: %s", path, strerror(errno));
	unsigned char h[100];
	ssize_t n = read(fd, h, sizeof h);
	close(fd);
	if (n < (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0) {
		*kind = FILE_FOREIGN;
		return RD_OK;
	}
	uint32_t app = be32(h + 68);
	*kind = app == STORE_APP_ID ? FILE_OURS : app == 0 ? FILE_SQLITE_UNMARKED : FILE_SQLITE_OTHER;
	return RD_OK;
}

static int not_store(const char *path, const char *why)
{
	return rd_error(RD_E_NOT_STORE,
	                "%s is not a redrive store (%s); it was left untouched. "
	                "Give the store with --db PATH or $REDRIVE_DB, or create one with `redrive init --db NEW`",
	                path, why);
}

static int pragma_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_db_error(s, "reading the store header");
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? RD_OK : store_db_error(s, "reading the store header");
}

static int set_pragmas(struct store *s)
{
	char sql[256];
	snprintf(sql, sizeof sql,
	         "PRAGMA foreign_keys = ON; PRAGMA cache_size = -%d; PRAGMA temp_store = FILE;"
	         "PRAGMA mmap_size = 0;",
	         RD_SQLITE_CACHE_KIB);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	int rc = store_exec(s, sql);
	if (rc || s->read_only)
		return rc;
	/* a larger WAL between checkpoints: a page changed by many transactions is
	 * copied into the store once per checkpoint, not once per 4 MB of WAL */
	return store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 8192;");
}

static int migrate(struct store *s, int version)
{
	int latest = schema_latest();
	if (version > latest)
		return rd_error(RD_E_NEWER,
		                "the store %s has schema version %d, newer than this redrive understands "
		                "(%d); use a newer redrive (nothing was changed)",
		                s->path, version, latest);
	if (version == latest)
		return RD_OK;
	if (s->read_only)
		return rd_error(RD_E_READ_ONLY,
		                "the store %s has schema version %d and needs migrating to %d; open it once "
		                "without --read-only",
		                s->path, version, latest);
	for (int v = version; v < latest; v++) {
		char sql[128];
		int rc = store_begin(s);
		if (!rc)
			rc = store_exec(s, schema_migration(v));
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		         STORE_APP_ID, v + 1);
		if (!rc)
			rc = store_exec(s, sql);
		if ((rc = store_end(s, rc)) != RD_OK)
			return rd_error_wrap(rc, "migrating %s from version %d to %d", s->path, v, v + 1);
	}
	/* make the header (application_id) durable in the main file at once */
	sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return RD_OK;
}

/* A SQLite database without our application id: ours only if it is empty. */
static int check_unmarked(const char *path, int *empty)
{
	sqlite3 *db;
	*empty = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return not_store(path, "it cannot be opened as a database");
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
	                            "SELECT (SELECT count(*) FROM sqlite_schema),"
	                            " (SELECT application_id FROM pragma_application_id)",
	                            -1, &st, NULL);
	int ok = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
	int objects = ok ? sqlite3_column_int(st, 0) : -1;
	int app = ok ? sqlite3_column_int(st, 1) : 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!ok)
		return not_store(path, "it is not a readable SQLite database");
	if ((uint32_t)app == STORE_APP_ID)
		return RD_OK;
	if (objects != 0)
		return not_store(path, "it is an SQLite database of another program");
	*empty = 1;
	return RD_OK;
}

/* --read-only on a file we could write: refuse every change to the store
 * ("main"), allow the connection's own TEMP tables (the dashboard's tags). */
static int deny_main_writes(void *arg, int action, const char *a, const char *b, const char *db,
                            const char *trigger)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)trigger;
	switch (action) {
	case SQLITE_CREATE_INDEX: case SQLITE_CREATE_TABLE: case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_VIEW: case SQLITE_DELETE: case SQLITE_DROP_INDEX: case SQLITE_DROP_TABLE:
	case SQLITE_DROP_TRIGGER: case SQLITE_DROP_VIEW: case SQLITE_INSERT: case SQLITE_UPDATE:
	case SQLITE_ALTER_TABLE: case SQLITE_REINDEX: case SQLITE_ANALYZE:
	case SQLITE_CREATE_VTABLE: case SQLITE_DROP_VTABLE:
		return db && strcmp(db, "temp") == 0 ? SQLITE_OK : SQLITE_DENY;
	default:
		return SQLITE_OK;
	}
}

static int open_locked(const char *path, enum store_mode mode, struct store **out);
static void close_locked(struct store *s);

int store_open(const char *path, enum store_mode mode, struct store **out)
{
	pthread_mutex_lock(&open_mu);
	int rc = open_locked(path, mode, out);
	pthread_mutex_unlock(&open_mu);
	return rc;
}

static int open_locked(const char *path, enum store_mode mode, struct store **out)
{
	enum file_kind kind = FILE_OURS;
	int rc = open_already(path) ? RD_OK : classify(path, &kind);
	*out = NULL;
	if (rc)
		return rc;
	switch (kind) {
	case FILE_MISSING:
		if (mode != STORE_CREATE)
			return rd_error(RD_E_NOT_FOUND,
			                "no store at %s: create one with `redrive init` or `redrive import`, "
			                "or give the path with --db or $REDRIVE_DB",
			                path);
		break;
	case FILE_EMPTY:
		if (mode != STORE_CREATE)
			return rd_error(RD_E_NOT_FOUND, "%s is an empty file, not a store yet: run `redrive init --db %s`",
			                path, path);
		break;
	case FILE_FOREIGN:
		return not_store(path, "it is not an SQLite database");
	case FILE_SQLITE_OTHER:
		return not_store(path, "it is an SQLite database of another program");
	case FILE_SQLITE_UNMARKED: {
		int empty;
		if ((rc = check_unmarked(path, &empty)) != RD_OK)
			return rc;
		if (empty && mode != STORE_CREATE)
			return rd_error(RD_E_NOT_FOUND, "%s is an empty database, not a store yet: run `redrive init --db %s`",
			                path, path);
		break;
	}
	case FILE_OURS:
		break;
	}

	struct store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	s->read_only = mode == STORE_READ_ONLY;
	/* A read-only connection to a file we may write goes through a
	 * read-write descriptor with an authorizer that refuses every change
	 * to the store: SQLite cannot take the locks of WAL mode through an
	 * O_RDONLY descriptor in a process that also writes (EBADF, "disk I/O
	 * error").  Only a file we may not write is opened read-only at the
	 * file level. */
	int file_ro = s->read_only && access(path, W_OK) != 0;
	int flags = file_ro ? SQLITE_OPEN_READONLY
	          : s->read_only ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = store_db_error(s, "opening the store");
		close_locked(s);
		return rc;
	}
	sqlite3_extended_result_codes(s->db, 0);
	int version = 0;
	rc = set_pragmas(s);
	if (!rc)
		rc = pragma_int(s, "PRAGMA user_version", &version);
	if (!rc)
		rc = migrate(s, version);
	if (!rc)
		rc = register_functions(s);
	if (!rc && s->read_only && !file_ro)
		sqlite3_set_authorizer(s->db, deny_main_writes, NULL);
	if (rc) {
		close_locked(s);
		return rc;
	}
	open_register(s);
	*out = s;
	return RD_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&open_mu);
	close_locked(s);
	pthread_mutex_unlock(&open_mu);
}

static void close_locked(struct store *s)
{
	for (int i = 0; i < ST_COUNT_; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_finalize(s->dyn);
	free(s->dyn_sql);
	free(s->last_campaign);
	if (s->db && !s->read_only)
		sqlite3_exec(s->db, "PRAGMA optimize;", NULL, NULL, NULL);
	sqlite3_close(s->db);
	open_unregister(s);
	free(s->path);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

int store_is_read_only(const struct store *s)
{
	return s->read_only;
}

int store_begin(struct store *s)
{
	if (s->read_only)
		return store_exec(s, "BEGIN");
	return store_exec(s, "BEGIN IMMEDIATE");
}

/* No cached statement may outlive a transaction on a row: it would keep a
 * read snapshot, and a WAL behind a snapshot is never checkpointed (a
 * generated store's WAL grew to gigabytes over a 160 KB file). */
static void reset_cached(struct store *s)
{
	for (int i = 0; i < ST_COUNT_; i++)
		if (s->stmt[i])
			sqlite3_reset(s->stmt[i]);
	if (s->dyn)
		sqlite3_reset(s->dyn);
}

int store_commit(struct store *s)
{
	reset_cached(s);
	return store_exec(s, "COMMIT");
}

void store_rollback(struct store *s)
{
	reset_cached(s);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_end(struct store *s, int rc)
{
	if (!rc)
		rc = store_commit(s);
	if (rc)
		store_rollback(s);
	return rc;
}

int store_audit(struct store *s, const char *action, const char *detail)
{
	char who[512];
	if (s->read_only)
		return RD_OK;
	operator_identity(who, sizeof who);
	sqlite3_stmt *st = store_stmt(s, ST_AUDIT);
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
	store_bind_text(st, 2, who);
	store_bind_text(st, 3, action);
	store_bind_text(st, 4, detail);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_db_error(s, "writing the audit log");
	return RD_OK;
}

int store_bulk(struct store *s)
{
	return store_exec(s, "PRAGMA temp_store = MEMORY;");
}

int store_optimize(struct store *s)
{
	if (s->read_only)
		return RD_OK;
	return store_exec(s, "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;");
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = store_dyn(s, "INSERT INTO meta(key, value) VALUES (?1, ?2)"
	                                " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	int rc = sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, "writing store facts");
	sqlite3_reset(st);
	return rc;
}

int store_meta_get(struct store *s, const char *key, char **value)
{
	*value = NULL;
	sqlite3_stmt *st = store_dyn(s, "SELECT value FROM meta WHERE key = ?1");
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*value = strdup((const char *)sqlite3_column_text(st, 0));
		rc = *value ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
	} else {
		rc = rc == SQLITE_DONE ? RD_OK : store_db_error(s, "reading store facts");
	}
	sqlite3_reset(st);
	return rc;
}
