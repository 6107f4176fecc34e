/* import_jvn.c - JVN iPedia overview feeds (MyJVN getVulnOverviewList, RSS 1.0 with the
 * sec: module): for each item its JVNDB id, Japanese title, link, date and the CVE ids it
 * references, so reports can show Japanese titles and JVNDB ids joined by CVE. */
#include <expat.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "kb/import.h"
#include "core/alloc.h"
#include "kb/input.h"

#define FIELD_MAX 65536
#define MAX_REFS 256

struct jvn {
    struct tk_kb *kb;
    sqlite3 *db;
    sqlite3_stmt *del, *ins;
    struct tk_import_stats *stats;
    const char *file;
    XML_Parser parser;
    int rc;
    struct tk_err *err;
    bool in_item;
    struct tk_buf text, id, title, link, issued;
    struct tk_buf *target; /* element whose text is being collected, or NULL */
    char *refs[MAX_REFS];
    size_t nrefs;
    char newest[40];
};

/* Local part of an expat name "uri name" (namespace processing with separator ' '). */
static const char *local(const char *name)
{
    const char *sp = strrchr(name, ' ');
    return sp ? sp + 1 : name;
}

static void start(void *ud, const char *name, const char **attrs)
{
    struct jvn *j = ud;
    if (j->rc)
        return;
    const char *n = local(name);
    if (strcmp(n, "item") == 0) {
        j->in_item = true;
        tk_buf_reset(&j->id);
        tk_buf_reset(&j->title);
        tk_buf_reset(&j->link);
        tk_buf_reset(&j->issued);
        j->nrefs = 0;
        return;
    }
    if (!j->in_item)
        return;
    if (strcmp(n, "identifier") == 0)
        j->target = &j->id;
    else if (strcmp(n, "title") == 0)
        j->target = &j->title;
    else if (strcmp(n, "link") == 0)
        j->target = &j->link;
    else if (strcmp(n, "issued") == 0)
        j->target = &j->issued;
    else if (strcmp(n, "references") == 0) {
        const char *src = NULL, *id = NULL;
        for (int i = 0; attrs[i]; i += 2) {
            if (strcmp(local(attrs[i]), "source") == 0)
                src = attrs[i + 1];
            else if (strcmp(local(attrs[i]), "id") == 0)
                id = attrs[i + 1];
        }
        if (src && id && strcmp(src, "CVE") == 0 && strncmp(id, "CVE-", 4) == 0 &&
            j->nrefs < MAX_REFS)
            j->refs[j->nrefs++] = tk_strdup(id);
    }
    if (j->target)
        tk_buf_reset(j->target);
}

static void chars(void *ud, const char *s, int len)
{
    struct jvn *j = ud;
    if (j->target && !j->rc && tk_buf_add(j->target, s, (size_t)len))
        j->rc = tk_err_set(j->err, TK_ELIMIT, "%s:%lu: element text too long", j->file,
                           (unsigned long)XML_GetCurrentLineNumber(j->parser));
}

static void bind(sqlite3_stmt *st, int i, const struct tk_buf *b)
{
    struct tk_str t = tk_str_trim((struct tk_str){ tk_buf_cstr(b), b->len });
    if (t.n)
        sqlite3_bind_text(st, i, t.p, (int)t.n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int insert(struct jvn *j, const char *cve)
{
    bind(j->ins, 1, &j->id);
    if (cve)
        sqlite3_bind_text(j->ins, 2, cve, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(j->ins, 2);
    bind(j->ins, 3, &j->title);
    bind(j->ins, 4, &j->link);
    bind(j->ins, 5, &j->issued);
    int s = sqlite3_step(j->ins);
    sqlite3_reset(j->ins);
    if (s != SQLITE_DONE)
        return tk_err_set(j->err, TK_EIO, "%s: %s", tk_kb_name(j->kb), sqlite3_errmsg(j->db));
    j->stats->rows++;
    return 0;
}

static void end(void *ud, const char *name)
{
    struct jvn *j = ud;
    const char *n = local(name);
    j->target = NULL;
    if (j->rc || strcmp(n, "item") != 0 || !j->in_item)
        return;
    j->in_item = false;
    struct tk_str id = tk_str_trim((struct tk_str){ tk_buf_cstr(&j->id), j->id.len });
    if (!tk_str_has_prefix(id, "JVNDB-")) {
        j->rc = tk_err_set(j->err, TK_EPARSE, "%s:%lu: item without a JVNDB identifier", j->file,
                           (unsigned long)XML_GetCurrentLineNumber(j->parser));
    } else {
        bind(j->del, 1, &j->id);
        sqlite3_step(j->del);
        sqlite3_reset(j->del);
        for (size_t i = 0; i < j->nrefs && !j->rc; i++)
            j->rc = insert(j, j->refs[i]);
        if (!j->nrefs && !j->rc)
            j->rc = insert(j, NULL);
        if (j->issued.len && strcmp(tk_buf_cstr(&j->issued), j->newest) > 0)
            snprintf(j->newest, sizeof j->newest, "%s", tk_buf_cstr(&j->issued));
        j->stats->records++;
    }
    for (size_t i = 0; i < j->nrefs; i++)
        tk_free(j->refs[i]);
    j->nrefs = 0;
}

static int on_file(void *ud, const char *file, struct tk_err *err)
{
    struct jvn *j = ud;
    struct tk_input in;
    int rc = tk_input_open(&in, file, err);
    if (rc)
        return rc;
    j->file = file;
    j->err = err;
    j->parser = XML_ParserCreateNS(NULL, ' ');
    if (!j->parser) {
        tk_input_close(&in);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", file);
    }
    XML_SetUserData(j->parser, j);
    XML_SetElementHandler(j->parser, start, end);
    XML_SetCharacterDataHandler(j->parser, chars);
    char chunk[65536];
    long n;
    do {
        n = tk_input_read(&in, chunk, sizeof chunk);
        if (n < 0) {
            j->rc = tk_err_set(err, TK_EIO, "%s: read error", file);
            break;
        }
        j->stats->bytes += (uint64_t)n;
        if (XML_Parse(j->parser, chunk, (int)n, n == 0) == XML_STATUS_ERROR && !j->rc)
            j->rc = tk_err_set(err, TK_EPARSE, "%s:%lu:%lu: %s", file,
                               (unsigned long)XML_GetCurrentLineNumber(j->parser),
                               (unsigned long)XML_GetCurrentColumnNumber(j->parser),
                               XML_ErrorString(XML_GetErrorCode(j->parser)));
    } while (n > 0 && !j->rc);
    for (size_t i = 0; i < j->nrefs; i++)
        tk_free(j->refs[i]);
    j->nrefs = 0;
    XML_ParserFree(j->parser);
    tk_input_close(&in);
    rc = j->rc;
    j->rc = 0;
    return rc;
}

int tk_import_jvn(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err)
{
    struct jvn j = { .kb = kb, .db = tk_kb_db(kb), .stats = stats };
    static const char *const suffixes[] = { ".xml", ".rdf", ".xml.gz", NULL };
    (void)progress;
    (void)ud;
    stats->what = "JVNDB entries";
    tk_buf_init(&j.text, FIELD_MAX);
    tk_buf_init(&j.id, 256);
    tk_buf_init(&j.title, FIELD_MAX);
    tk_buf_init(&j.link, 4096);
    tk_buf_init(&j.issued, 256);
    int rc = tk_kb_begin(kb, err);
    if (!rc && (sqlite3_prepare_v2(j.db, "DELETE FROM jvn WHERE id = ?1", -1, &j.del, NULL) !=
                    SQLITE_OK ||
                sqlite3_prepare_v2(j.db, "INSERT INTO jvn VALUES(?1,?2,?3,?4,?5)", -1, &j.ins,
                                   NULL) != SQLITE_OK))
        rc = tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(kb), sqlite3_errmsg(j.db));
    if (!rc)
        rc = tk_input_each(path, suffixes, on_file, &j, err);
    sqlite3_finalize(j.del);
    sqlite3_finalize(j.ins);
    if (!rc && stats->records == 0)
        rc = tk_err_set(err, TK_EPARSE, "%s: no JVN items found", path);
    if (!rc) {
        struct tk_kb_source src = { "jvn", NULL, j.newest[0] ? j.newest : NULL, path,
                                    stats->records };
        rc = tk_kb_source_set(kb, &src, err);
    }
    tk_buf_release(&j.text);
    tk_buf_release(&j.id);
    tk_buf_release(&j.title);
    tk_buf_release(&j.link);
    tk_buf_release(&j.issued);
    if (rc) {
        tk_kb_rollback(kb);
        return rc;
    }
    return tk_kb_commit(kb, err);
}
