/* schema.h — private to src/store: the migrations. */
#ifndef REDRIVE_SCHEMA_H
#define REDRIVE_SCHEMA_H

/* The newest schema version (== number of migrations). */
int schema_latest(void);
/* SQL taking a store from from_version to from_version + 1, or NULL. */
const char *schema_migration(int from_version);

#endif
