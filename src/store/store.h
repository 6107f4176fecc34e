/* store.h - the analysis server's storage: organisations and their enrollment tokens,
 * analyst keys, endpoints, received bundles and their analysis, behind one table of
 * operations so that PostgreSQL can follow SQLite as another backend. No SQL outside
 * src/store/.
 *
 * A store lives in a data directory (`--data DIR`, default $XDG_DATA_HOME/tenken/server);
 * the SQLite backend keeps DIR/tenken.db in WAL mode. Secrets never reach the store in the
 * clear: tokens are stored as their SHA-256 (store/token.h). */
#ifndef TK_STORE_STORE_H
#define TK_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "campaign/campaign.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#define TK_ORG_NAME_MAX 64
#define TK_ORG_DEFAULT_MAX_ENDPOINTS 500

struct tk_org {
    char id[40];                    /* stable public id (UUID v4), used in URLs */
    char name[TK_ORG_NAME_MAX + 1]; /* unique, chosen by the operator */
    int max_endpoints;
    bool disabled;
    bool probe;                     /* opted in to reachability probes of its endpoints */
    int64_t created;                /* seconds since the epoch */
    int64_t endpoints;              /* endpoints that have uploaded so far */
};

/* One received bundle, as the upload handler stores it. */
struct tk_upload {
    const char *bundle_id, *endpoint_id, *hostname;
    const char *source;      /* the address the upload came from */
    int64_t received, collected; /* seconds; collected: the scan's start (-1 unknown) */
    const void *json;        /* the bundle as received: JSON, or its gzip when gzip */
    size_t json_len;
    bool gzip;
    const char *probe;       /* the probe result, or NULL */
    const char *token_hash;  /* the organisation's token must still be this (NULL: unchecked) */
};

enum tk_upload_result {
    TK_UPLOAD_STORED,        /* new, committed and synced */
    TK_UPLOAD_DUPLICATE,     /* this bundle id was stored before: nothing changed */
    TK_UPLOAD_ENDPOINT_CAP,  /* a new endpoint past the organisation's max_endpoints */
    TK_UPLOAD_ID_TAKEN,      /* another organisation stored a bundle with this id */
    TK_UPLOAD_REFUSED,       /* the organisation was disabled, or its token replaced, since */
};

/* A stored bundle, for re-judging: json is filled up to its maximum (TK_ELIMIT past it). */
struct tk_stored_bundle {
    char bundle_id[40], org_id[40];
    char source[64]; /* "" when unknown */
    char probe[64];  /* tk_reach_format_probes text, "" when not probed */
    int64_t received;
    struct tk_buf json;
};

/* One item of a batch: an upload to store (u), and after put_batch what became of it; or,
 * with u NULL, the analysis of a stored bundle (as analysis_put). */
struct tk_put {
    const char *org_id;
    const struct tk_upload *u;
    enum tk_upload_result result;
    const char *bundle_id, *probe;
    const void *digest;
    size_t digest_len;
};

struct tk_store;

/* One backend. Every operation returns 0 or a TK_E* code with err naming what failed:
 * TK_ENOENT for an unknown organisation, TK_EINVAL for a name that is taken. */
struct tk_store_ops {
    const char *name;
    int (*open)(struct tk_store **out, const char *dir, struct tk_err *err);
    void (*close)(struct tk_store *s);
    int (*org_add)(struct tk_store *s, struct tk_org *o, const char *token_hash,
                   struct tk_err *err);
    int (*org_get)(struct tk_store *s, const char *name_or_id, struct tk_org *out,
                   struct tk_err *err);
    int (*org_by_token)(struct tk_store *s, const char *token_hash, struct tk_org *out,
                        struct tk_err *err);
    int (*org_list)(struct tk_store *s, int (*fn)(void *ud, const struct tk_org *o), void *ud,
                    struct tk_err *err);
    int (*org_set_disabled)(struct tk_store *s, const char *name, bool disabled,
                            struct tk_err *err);
    int (*org_set_token)(struct tk_store *s, const char *name, const char *token_hash,
                         struct tk_err *err);
    /* Stores an upload for org (its public id) in one transaction that is durable before it
     * returns: a duplicate bundle id changes nothing, a new endpoint counts against the cap,
     * and an id another organisation used is refused (never its data touched). */
    int (*bundle_put)(struct tk_store *s, const char *org_id, const struct tk_upload *u,
                      enum tk_upload_result *result, struct tk_err *err);
    /* bundle_put and analysis_put for several items in one transaction, one sync for all
     * (group commit); an error stores none of them. */
    int (*put_batch)(struct tk_store *s, struct tk_put *puts, size_t n, struct tk_err *err);
    /* Bundles stored for org (0 when none). */
    int (*bundle_count)(struct tk_store *s, const char *org_id, int64_t *n, struct tk_err *err);
    /* One bundle by id (TK_ENOENT when unknown). */
    int (*bundle_get)(struct tk_store *s, const char *bundle_id, struct tk_stored_bundle *out,
                      struct tk_err *err);
    /* The ids of org's bundles (org_id NULL: every organisation's), oldest first; pending:
     * only those not analysed yet. fn returning non-zero stops and is returned. */
    int (*bundle_ids)(struct tk_store *s, const char *org_id, bool pending,
                      int (*fn)(void *ud, const char *bundle_id), void *ud, struct tk_err *err);
    /* Records a bundle's analysis: the probe result it used and the digest (report/digest.h). */
    int (*analysis_put)(struct tk_store *s, const char *bundle_id, const char *probe,
                        const void *digest, size_t n, struct tk_err *err);
    /* The digest of each endpoint's newest bundle (by scan time, then arrival), for reports;
     * endpoints whose newest bundle is not analysed yet are counted in *pending instead. */
    int (*digests)(struct tk_store *s, const char *org_id,
                   int (*fn)(void *ud, const void *digest, size_t n), void *ud,
                   int64_t *pending, struct tk_err *err);
    /* Analyst API keys: a name, the key's hash and the organisations (public ids) it may
     * read. key_allows answers whether a key (by hash) may read org_id; an unknown key is
     * TK_ENOENT. */
    int (*key_add)(struct tk_store *s, const char *name, const char *key_hash,
                   const char *const *org_ids, size_t norgs, struct tk_err *err);
    int (*key_revoke)(struct tk_store *s, const char *name, struct tk_err *err);
    int (*key_list)(struct tk_store *s,
                    int (*fn)(void *ud, const char *name, int64_t created, const char *orgs),
                    void *ud, struct tk_err *err);
    int (*key_allows)(struct tk_store *s, const char *key_hash, const char *org_id,
                      bool *allowed, struct tk_err *err);
    /* Whether the key named name may also open the campaign pages (TK_ENOENT: no such key). */
    int (*key_set_campaigns)(struct tk_store *s, const char *name, bool on, struct tk_err *err);
    /* The name of the key with this hash and whether it may open the campaign pages;
     * TK_ENOENT for an unknown key. */
    int (*key_identify)(struct tk_store *s, const char *key_hash, char name[65],
                        bool *campaigns, struct tk_err *err);

    /* ---- notification campaigns (campaign/campaign.h) ----
     * Strings of what these return live in the arena a until it is reset or released.
     * Campaigns are named by id or name; cases by their id, unique in the store. */
    /* Creates c (its id and created are filled in) with its cases and their devices, in one
     * transaction; each case starts at version 1 with tk_case_fields' initial values, and
     * its creation is audited. TK_EINVAL when the name is taken. */
    int (*campaign_create)(struct tk_store *s, struct tk_campaign *c,
                           const struct tk_case_new *cases, size_t n, const char *who,
                           struct tk_err *err);
    int (*campaign_get)(struct tk_store *s, const char *name_or_id, struct tk_arena *a,
                        struct tk_campaign *out, struct tk_err *err);
    int (*campaign_list)(struct tk_store *s, struct tk_arena *a,
                         int (*fn)(void *ud, const struct tk_campaign *c), void *ud,
                         struct tk_err *err);
    /* The cases of a campaign (by its id), by case id, with their device counts. */
    int (*case_list)(struct tk_store *s, const char *campaign_id, struct tk_arena *a,
                     int (*fn)(void *ud, const struct tk_case *c), void *ud,
                     struct tk_err *err);
    int (*case_get)(struct tk_store *s, int64_t case_id, struct tk_arena *a,
                    struct tk_case *out, struct tk_err *err);
    /* The devices, contact entries (by date, then entry) and audit rows (oldest first) of one
     * case (case_id > 0), or of every case of campaign_id (case_id 0). */
    int (*case_devices)(struct tk_store *s, const char *campaign_id, int64_t case_id,
                        struct tk_arena *a,
                        int (*fn)(void *ud, int64_t case_id, const struct tk_case_device *d),
                        void *ud, struct tk_err *err);
    int (*case_contacts)(struct tk_store *s, const char *campaign_id, int64_t case_id,
                         struct tk_arena *a,
                         int (*fn)(void *ud, int64_t case_id, const struct tk_contact *c),
                         void *ud, struct tk_err *err);
    int (*case_audit)(struct tk_store *s, const char *campaign_id, int64_t case_id,
                      struct tk_arena *a, int (*fn)(void *ud, const struct tk_audit *r),
                      void *ud, struct tk_err *err);
    /* Applies edits (values in normal form) made against version expected (0: whatever the
     * version): TK_ECONFLICT, changing nothing, when the case is at another version. Each
     * field whose value changes is audited (before -> after) and the version goes up by one
     * for the whole edit; an edit that changes nothing keeps the version. *version: the
     * case's version afterwards. */
    int (*case_update)(struct tk_store *s, int64_t case_id, int64_t expected,
                       const struct tk_case_edit *edits, size_t n, const char *who,
                       int64_t *version, struct tk_err *err);
    /* Adds a contact entry against version expected (0: any), audited as field "contact";
     * a case still "identified" becomes "contacted" in the same change. */
    int (*contact_add)(struct tk_store *s, int64_t case_id, int64_t expected,
                       const struct tk_contact *c, const char *who, int64_t *version,
                       struct tk_err *err);
    /* Verification: sets the devices' states (with the time each was observed) in one
     * transaction; every device whose state changes is audited as field "device" on its case
     * ("203.0.113.5:443 vulnerable -> fixed") and the case's version goes up once. Devices
     * not of campaign_id: TK_EINVAL, nothing changed. */
    int (*device_states)(struct tk_store *s, const char *campaign_id,
                         const struct tk_device_update *u, size_t n, const char *who,
                         struct tk_err *err);
};

/* Every store starts with its operations, so the front functions can dispatch. */
struct tk_store {
    const struct tk_store_ops *ops;
};

extern const struct tk_store_ops tk_store_sqlite;

/* The default data directory ($XDG_DATA_HOME/tenken/server, ~/.local/share/...) into out;
 * TK_ENOENT when neither variable names an absolute directory. */
int tk_store_default_dir(struct tk_buf *out);

/* The default backend's database in DIR. */
#define TK_STORE_FILE "tenken.db"

/* Opens (creating DIR, mode 0700, and the database when missing) with the default backend. */
int tk_store_open(struct tk_store **out, const char *dir, struct tk_err *err);
/* Whether DIR holds a store already (commands that only read or change one open it only
 * then, so that a typo in --data or a usage error creates nothing). */
bool tk_store_exists(const char *dir);
void tk_store_close(struct tk_store *s);

/* Bundle ids gathered by bundle_ids (pass tk_id_list_add as fn and the list as ud). */
struct tk_id_list {
    char (*id)[40];
    size_t n, cap;
};
int tk_id_list_add(void *list, const char *bundle_id);
void tk_id_list_release(struct tk_id_list *l);

/* A valid organisation name: 1..64 characters of letters, digits, '.', '_' and '-', starting
 * with a letter or digit (names appear in URLs, file names and reports), and not shaped like
 * an organisation id. */
bool tk_org_name_valid(const char *name);

#endif
