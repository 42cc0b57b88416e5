/* limits.h — every cap on a growing buffer, in one place.
 * Growing past a cap is a reported error, never a silent truncation. */
#ifndef REDRIVE_LIMITS_H
#define REDRIVE_LIMITS_H

/* One webhook event, one send-log row, one campaign row (SPEC §2). */
#define RD_MAX_JSON_RECORD   (1u << 20)
/* One webhook POST body (SPEC §2); the receiver refuses larger bodies. */
#define RD_MAX_HTTP_BODY     (64u << 20)
/* The decoded text of one imported row (its strings, unescaped). */
#define RD_MAX_ROW_TEXT      (2u * RD_MAX_JSON_RECORD)
/* One CSV record, all fields together (multi-line fields included). */
#define RD_MAX_CSV_RECORD    (1u << 20)
/* Fields in one CSV record. */
#define RD_MAX_CSV_FIELDS    256
/* Events handed from the parser thread to the store in one transaction. */
#define RD_IMPORT_BATCH      4096
/* Bytes of raw JSON in one import batch (bounds memory with huge records). */
#define RD_IMPORT_BATCH_BYTES (16u << 20)
/* Events applied in one store transaction (several batches): a page of
 * recent messages or index entries that many events touch is written to the
 * WAL once per transaction, so larger is faster up to ~256k, where the WAL
 * peaks near 300 MB and a live dashboard sees new counts every few seconds. */
#define RD_IMPORT_TX_EVENTS  262144
/* Rows in one page of the message list (dashboard and CLI streaming). */
#define RD_PAGE_MAX          1000
/* A single text field we keep from mail (subject, reason, name). */
#define RD_MAX_TEXT_FIELD    (64u << 10)
/* Windows in one incident or one --window list. */
#define RD_MAX_WINDOWS       64
/* Campaign names in one filter, states etc. */
#define RD_MAX_FILTER_ITEMS  64
/* One TZif zone file (the largest in tzdata is under 10 KiB). */
#define RD_MAX_TZ_FILE       (256u << 10)
/* SQLite page cache for one connection, in KiB (memory must not grow with the store). */
#define RD_SQLITE_CACHE_KIB  32768
/* Cache of an import's second, read-only connection (msg_key lookups of
 * recent messages). */
#define RD_PREMATCH_CACHE_KIB 2048

#endif
