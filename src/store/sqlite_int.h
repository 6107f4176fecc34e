/* sqlite_int.h - what the files of the SQLite backend share: the store handle, a few helpers
 * (defined in store_sqlite.c) and the campaign operations (campaign_sqlite.c) that
 * tk_store_sqlite points at. Internal to src/store/: nothing else includes it. */
#ifndef TK_STORE_SQLITE_INT_H
#define TK_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/store.h"

struct sq {
    struct tk_store base;
    sqlite3 *db;
    char path[4096];
};

/* err = "PATH: what: SQLite's message" as TK_EIO; returns TK_EIO. */
int tk_sq_fail(struct sq *s, struct tk_err *err, const char *what);
/* Runs SQL without parameters (pragmas, BEGIN/COMMIT/ROLLBACK, migrations); err may be NULL. */
int tk_sq_exec(struct sq *s, const char *sql, struct tk_err *err);
/* A new random public id (UUID v4) into out. */
int tk_sq_new_uid(char out[40], struct tk_err *err);

/* The campaign operations of store.h, backed by campaign_sqlite.c. */
int tk_sq_campaign_create(struct tk_store *s, struct tk_campaign *c,
                          const struct tk_case_new *cases, size_t n, const char *who,
                          struct tk_err *err);
int tk_sq_campaign_get(struct tk_store *s, const char *name_or_id, struct tk_arena *a,
                       struct tk_campaign *out, struct tk_err *err);
int tk_sq_campaign_list(struct tk_store *s, struct tk_arena *a,
                        int (*fn)(void *ud, const struct tk_campaign *c), void *ud,
                        struct tk_err *err);
int tk_sq_case_list(struct tk_store *s, const char *campaign_id, struct tk_arena *a,
                    int (*fn)(void *ud, const struct tk_case *c), void *ud, struct tk_err *err);
int tk_sq_case_get(struct tk_store *s, int64_t case_id, struct tk_arena *a, struct tk_case *out,
                   struct tk_err *err);
int tk_sq_case_devices(struct tk_store *s, const char *campaign_id, int64_t case_id,
                       struct tk_arena *a,
                       int (*fn)(void *ud, int64_t case_id, const struct tk_case_device *d),
                       void *ud, struct tk_err *err);
int tk_sq_case_contacts(struct tk_store *s, const char *campaign_id, int64_t case_id,
                        struct tk_arena *a,
                        int (*fn)(void *ud, int64_t case_id, const struct tk_contact *c), void *ud,
                        struct tk_err *err);
int tk_sq_case_audit(struct tk_store *s, const char *campaign_id, int64_t case_id,
                     struct tk_arena *a, int (*fn)(void *ud, const struct tk_audit *r), void *ud,
                     struct tk_err *err);
int tk_sq_case_update(struct tk_store *s, int64_t case_id, int64_t expected,
                      const struct tk_case_edit *edits, size_t n, const char *who, int64_t *version,
                      struct tk_err *err);
int tk_sq_contact_add(struct tk_store *s, int64_t case_id, int64_t expected,
                      const struct tk_contact *c, const char *who, int64_t *version,
                      struct tk_err *err);
int tk_sq_device_states(struct tk_store *s, const char *campaign_id,
                        const struct tk_device_update *u, size_t n, const char *who,
                        struct tk_err *err);

#endif
