/* pkgdb.c - dpkg's record of installed files (see pkgdb.h). */
#include "scan/pkgdb.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/map.h"
#include "core/str.h"

#define MAX_PATHS 8000000 /* entries; a real system has a few hundred thousand */
#define LIST_MAX ((size_t)64 << 20)

static const char owned_marker[] = "";

struct tk_pkgdb {
    struct tk_map paths; /* path -> MD5 hex (arena) or owned_marker */
    struct tk_arena md5s;
    bool present;
};

static int put(struct tk_pkgdb *db, struct tk_str path, const char *md5)
{
    if (!path.n || path.p[0] != '/')
        return 0;
    return tk_map_put(&db->paths, path, (void *)(md5 ? md5 : owned_marker));
}

/* "PATH\n" lines. */
static int load_list(struct tk_pkgdb *db, const char *text, size_t n)
{
    struct tk_str rest = { text, n }, line;
    int rc = 0;
    while (!rc && tk_str_next_line(&rest, &line))
        if (!tk_map_get(&db->paths, line)) /* an md5 from elsewhere is kept */
            rc = put(db, line, NULL);
    return rc == TK_ELIMIT ? 0 : rc;
}

/* "MD5  relative/path\n" lines. */
static int load_md5sums(struct tk_pkgdb *db, const char *text, size_t n, struct tk_buf *path)
{
    struct tk_str rest = { text, n }, line;
    int rc = 0;
    while (!rc && tk_str_next_line(&rest, &line)) {
        if (line.n < 35 || line.p[32] != ' ')
            continue;
        struct tk_str name = tk_str_trim((struct tk_str){ line.p + 33, line.n - 33 });
        char *md5 = tk_arena_strndup(&db->md5s, line.p, 32);
        if (!md5)
            return TK_ENOMEM;
        tk_buf_reset(path);
        if (name.n && name.p[0] != '/')
            tk_buf_addc(path, '/');
        tk_buf_add(path, name.p, name.n);
        rc = put(db, (struct tk_str){ tk_buf_cstr(path), path->len }, md5);
    }
    return rc == TK_ELIMIT ? 0 : rc;
}

/* The Conffiles fields of the status file: " /etc/x 0123...abcd [obsolete]". */
static int load_conffiles(struct tk_pkgdb *db, const char *text, size_t n)
{
    struct tk_str rest = { text, n }, line;
    bool in = false;
    int rc = 0;
    while (!rc && tk_str_next_line(&rest, &line)) {
        if (line.n && line.p[0] != ' ') {
            in = tk_str_has_prefix(line, "Conffiles:");
            continue;
        }
        if (!in)
            continue;
        struct tk_str f = line, file, md5;
        if (!tk_str_next_field(&f, &file) || !tk_str_next_field(&f, &md5) || md5.n != 32)
            continue;
        char *m = tk_arena_strndup(&db->md5s, md5.p, 32);
        if (!m)
            return TK_ENOMEM;
        rc = put(db, file, m);
    }
    return rc == TK_ELIMIT ? 0 : rc;
}

/* diversions: triples of lines "from", "to", "package". */
static int load_diversions(struct tk_pkgdb *db, const char *text, size_t n)
{
    struct tk_str rest = { text, n }, from, to, pkg;
    int rc = 0;
    while (!rc && tk_str_next_line(&rest, &from) && tk_str_next_line(&rest, &to) &&
           tk_str_next_line(&rest, &pkg))
        rc = put(db, to, NULL);
    return rc == TK_ELIMIT ? 0 : rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

int tk_pkgdb_load(struct tk_pkgdb **out, struct tk_fs *root, size_t *unreadable,
                  struct tk_err *err)
{
    *out = NULL;
    *unreadable = 0;
    struct tk_pkgdb *db = tk_calloc(1, sizeof *db);
    if (!db)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    tk_map_init(&db->paths, MAX_PATHS);
    tk_arena_init(&db->md5s, (size_t)512 << 20);
    struct tk_buf text = TK_BUF_INIT(LIST_MAX), path = TK_BUF_INIT(1 << 16);
    struct tk_fs_dir *dir;
    int rc = 0;
    if (tk_fs_dir_open(root, "/var/lib/dpkg/info", &dir, NULL) == 0) {
        db->present = true;
        const char *name;
        /* .md5sums first, so the MD5 stays when .list names the path again */
        for (int pass = 0; pass < 2 && !rc; pass++) {
            const char *suffix = pass == 0 ? ".md5sums" : ".list";
            if (pass == 1) {
                tk_fs_dir_close(dir);
                if (tk_fs_dir_open(root, "/var/lib/dpkg/info", &dir, NULL) != 0)
                    break;
            }
            while (!rc && (name = tk_fs_dir_next(dir, NULL)) != NULL) {
                if (!has_suffix(name, suffix))
                    continue;
                tk_buf_reset(&path);
                tk_buf_addf(&path, "/var/lib/dpkg/info/%s", name);
                tk_buf_reset(&text);
                if (tk_fs_read(root, tk_buf_cstr(&path), &text, NULL) != 0) {
                    (*unreadable)++;
                    continue;
                }
                rc = pass == 0 ? load_md5sums(db, tk_buf_cstr(&text), text.len, &path)
                               : load_list(db, tk_buf_cstr(&text), text.len);
            }
        }
        tk_fs_dir_close(dir);
    }
    tk_buf_reset(&text);
    if (!rc && tk_fs_read(root, "/var/lib/dpkg/status", &text, NULL) == 0) {
        db->present = true;
        rc = load_conffiles(db, tk_buf_cstr(&text), text.len);
    }
    tk_buf_reset(&text);
    if (!rc && tk_fs_read(root, "/var/lib/dpkg/diversions", &text, NULL) == 0)
        rc = load_diversions(db, tk_buf_cstr(&text), text.len);
    tk_buf_release(&text);
    tk_buf_release(&path);
    if (rc) {
        tk_pkgdb_free(db);
        return tk_err_set(err, rc, "the dpkg database: out of memory");
    }
    *out = db;
    return 0;
}

void tk_pkgdb_free(struct tk_pkgdb *db)
{
    if (!db)
        return;
    tk_map_release(&db->paths);
    tk_arena_release(&db->md5s);
    tk_free(db);
}

bool tk_pkgdb_present(const struct tk_pkgdb *db)
{
    return db && db->present;
}

/* The value for path or its merged-/usr twin. */
static const char *lookup(const struct tk_pkgdb *db, const char *path)
{
    if (!db)
        return NULL;
    const char *v = tk_map_get(&db->paths, tk_str_c(path));
    if (v)
        return v;
    static const char *const merged[] = { "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/",
                                          "/libx32/" };
    char twin[4096];
    for (size_t i = 0; i < sizeof merged / sizeof merged[0]; i++) {
        size_t k = strlen(merged[i]);
        if (strncmp(path, merged[i], k) == 0) {
            snprintf(twin, sizeof twin, "/usr%s", path);
            return tk_map_get(&db->paths, tk_str_c(twin));
        }
        if (strncmp(path, "/usr", 4) == 0 && strncmp(path + 4, merged[i], k) == 0)
            return tk_map_get(&db->paths, tk_str_c(path + 4));
    }
    return NULL;
}

bool tk_pkgdb_owned(const struct tk_pkgdb *db, const char *path)
{
    return lookup(db, path) != NULL;
}

const char *tk_pkgdb_md5(const struct tk_pkgdb *db, const char *path)
{
    const char *v = lookup(db, path);
    return v && *v ? v : NULL;
}
