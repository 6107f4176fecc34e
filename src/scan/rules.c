/* rules.c - the libyara adapter: compiling rule sets with THOR's externals, one scanner per
 * thread, and matches turned into tk_match records (see rules.h). */
#include "scan/rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

#include "compat/fs.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "scan/embedded.h"

/* Bumped when the meaning of an external changes, so cached verdicts are not reused. */
#define EXTERNALS_VERSION "tenken-externals-1"

#define RULE_FILE_MAX (64 << 20)
#define MAX_RULE_FILES 100000

struct tk_rules {
    YR_RULES **sets; /* one per compiled file given, plus one for all sources */
    size_t nsets;
    size_t nrules;
    char hash[TK_SHA256_HEX_LEN + 1];
};

/* ---- libyara life cycle ------------------------------------------------------------------- */

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_count;

static int yara_up(struct tk_err *err)
{
    pthread_mutex_lock(&init_lock);
    int rc = init_count++ == 0 ? yr_initialize() : ERROR_SUCCESS;
    if (rc != ERROR_SUCCESS)
        init_count--;
    pthread_mutex_unlock(&init_lock);
    return rc == ERROR_SUCCESS ? 0 : tk_err_set(err, TK_ENOMEM, "libyara: cannot initialise (%d)", rc);
}

static void yara_down(void)
{
    pthread_mutex_lock(&init_lock);
    if (init_count > 0 && --init_count == 0)
        yr_finalize();
    pthread_mutex_unlock(&init_lock);
}

/* ---- compiling ---------------------------------------------------------------------------- */

struct compile {
    YR_COMPILER *c;
    bool failed;          /* libyara refuses further sources after an error: check the rest
                           * in scratch compilers so that every error is reported */
    struct tk_buf *errors;
    char first[400];
    size_t nerrors;
    struct tk_hash3 digest; /* its SHA-256 is the rule set's hash */
    struct tk_err *err;
};

static void on_compile_message(int level, const char *file, int line, const YR_RULE *rule,
                               const char *msg, void *ud)
{
    (void)rule;
    struct compile *cc = ud;
    if (level != YARA_ERROR_LEVEL_ERROR)
        return; /* warnings (slow rules, ...) are not errors */
    char text[sizeof cc->first];
    snprintf(text, sizeof text, "%s:%d: %s", file ? file : "(rules)", line, msg);
    if (cc->nerrors++ == 0)
        memcpy(cc->first, text, sizeof text);
    if (cc->errors)
        tk_buf_addf(cc->errors, "%s\n", text);
}

static int define_externals(YR_COMPILER *c)
{
    static const char *const strings[] = { "filename", "filepath", "extension", "filetype",
                                           "owner",    "group",    "md5",       "timezone",
                                           "language" };
    int rc = ERROR_SUCCESS;
    for (size_t i = 0; i < sizeof strings / sizeof strings[0] && rc == ERROR_SUCCESS; i++)
        rc = yr_compiler_define_string_variable(c, strings[i], "");
    if (rc == ERROR_SUCCESS)
        rc = yr_compiler_define_integer_variable(c, "filemode", 0);
    if (rc == ERROR_SUCCESS)
        rc = yr_compiler_define_integer_variable(c, "osversion", 0);
    return rc;
}

static const char *on_include(const char *name, const char *from, const char *ns, void *ud);
static void free_include(const char *text, void *ud);

static int new_compiler(struct compile *cc, YR_COMPILER **c, struct tk_err *err)
{
    if (yr_compiler_create(c) != ERROR_SUCCESS)
        return tk_err_set(err, TK_ENOMEM, "libyara: cannot create a compiler");
    yr_compiler_set_callback(*c, on_compile_message, cc);
    yr_compiler_set_include_callback(*c, on_include, free_include, cc);
    if (define_externals(*c) != ERROR_SUCCESS) {
        yr_compiler_destroy(*c);
        *c = NULL;
        return tk_err_set(err, TK_ENOMEM, "libyara: cannot define external variables");
    }
    return 0;
}

static void digest_str(struct tk_hash3 *d, const char *s, size_t n)
{
    uint64_t len = n;
    tk_hash3_update(d, &len, sizeof len);
    tk_hash3_update(d, s, n);
}

/* Included files are read by us, so they are bounded and count in the rule-set hash. The
 * name is relative to the including file's directory unless absolute. */
static const char *on_include(const char *name, const char *from, const char *ns, void *ud)
{
    (void)ns;
    struct compile *cc = ud;
    struct tk_buf path = TK_BUF_INIT(1 << 16), text = TK_BUF_INIT(RULE_FILE_MAX);
    const char *slash = from && name[0] != '/' ? strrchr(from, '/') : NULL;
    if (slash)
        tk_buf_add(&path, from, (size_t)(slash - from + 1));
    tk_buf_adds(&path, name);
    struct tk_err e = { 0 };
    char *out = NULL;
    if (tk_read_file(tk_buf_cstr(&path), &text, &e) == 0 && tk_buf_addc(&text, '\0') == 0) {
        digest_str(&cc->digest, path.ptr, path.len);
        digest_str(&cc->digest, text.ptr, text.len - 1);
        out = tk_malloc(text.len);
        if (out)
            memcpy(out, text.ptr, text.len);
    }
    tk_buf_release(&path);
    tk_buf_release(&text);
    return out; /* NULL: libyara reports "can't open include file" at the include line */
}

static void free_include(const char *text, void *ud)
{
    (void)ud;
    tk_free((void *)text);
}

/* Adds one source text (NUL-terminated, n bytes before the NUL) under namespace ns; `name`
 * is the file name errors and includes refer to. */
static int add_source(struct compile *cc, const char *ns, const char *name, const char *text,
                      size_t n, struct tk_err *err)
{
    digest_str(&cc->digest, ns, strlen(ns));
    digest_str(&cc->digest, name, strlen(name));
    digest_str(&cc->digest, text, n);
    if (n == 0)
        return 0;
    YR_COMPILER *c = cc->c;
    if (cc->failed) {
        int rc = new_compiler(cc, &c, err);
        if (rc)
            return rc;
    }
    FILE *f = fmemopen((void *)text, n, "r");
    if (!f) {
        if (c != cc->c)
            yr_compiler_destroy(c);
        return tk_err_sys(err, errno, "%s: cannot read", name);
    }
    if (yr_compiler_add_file(c, f, ns, name) != 0)
        cc->failed = true;
    fclose(f);
    if (c != cc->c)
        yr_compiler_destroy(c);
    return 0;
}

static bool is_compiled(const struct tk_buf *b)
{
    return b->len >= 4 && memcmp(b->ptr, "YARA", 4) == 0;
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* Collects rule files under path (a file, or a directory walked recursively for .yar/.yara/
 * .yarc files) into list. */
static int collect(const char *path, struct tk_buf *list, size_t *count, int depth,
                   struct tk_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return tk_err_sys(err, errno, "%s: cannot open", path);
    if (!S_ISDIR(st.st_mode)) {
        if (++*count > MAX_RULE_FILES)
            return tk_err_set(err, TK_ELIMIT, "%s: more than %d rule files", path, MAX_RULE_FILES);
        return tk_buf_add(list, path, strlen(path) + 1);
    }
    if (depth > 32)
        return 0;
    DIR *d = opendir(path);
    if (!d)
        return tk_err_sys(err, errno, "%s: cannot list", path);
    /* Sorted, so namespaces and the rule-set hash do not depend on directory order. */
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort);
    closedir(d);
    if (n < 0)
        return tk_err_sys(err, errno, "%s: cannot list", path);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        if (!rc && nm[0] != '.') {
            struct tk_buf sub = TK_BUF_INIT(1 << 16);
            tk_buf_addf(&sub, "%s/%s", path, nm);
            struct stat s2;
            if (lstat(tk_buf_cstr(&sub), &s2) == 0 &&
                (S_ISDIR(s2.st_mode) || has_ext(nm, ".yar") || has_ext(nm, ".yara") ||
                 has_ext(nm, ".yarc")))
                rc = collect(tk_buf_cstr(&sub), list, count, depth + 1, err);
            tk_buf_release(&sub);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static int push_set(struct tk_rules *r, YR_RULES *set)
{
    YR_RULES **grown = tk_realloc(r->sets, (r->nsets + 1) * sizeof *grown);
    if (!grown)
        return TK_ENOMEM;
    r->sets = grown;
    r->sets[r->nsets++] = set;
    YR_RULE *rule;
    yr_rules_foreach(set, rule)
    {
        r->nrules++;
    }
    return 0;
}

int tk_rules_compile(struct tk_rules **out, const struct tk_rules_opts *o, struct tk_err *err)
{
    *out = NULL;
    int rc = yara_up(err);
    if (rc)
        return rc;
    struct tk_rules *r = tk_calloc(1, sizeof *r);
    struct compile cc = { .errors = o->errors };
    bool hashing = tk_hash3_init(&cc.digest) == 0;
    struct tk_buf files = TK_BUF_INIT(64 << 20), text = TK_BUF_INIT(RULE_FILE_MAX);
    bool sources = false;
    if (!r || !hashing || tk_hash3_start(&cc.digest) != 0) {
        rc = tk_err_set(err, TK_ENOMEM, "out of memory");
        goto done;
    }
    digest_str(&cc.digest, EXTERNALS_VERSION, strlen(EXTERNALS_VERSION));
    if ((rc = new_compiler(&cc, &cc.c, err)) != 0)
        goto done;
    for (size_t i = 0; o->builtin && i < tk_builtin_rules_count && !rc; i++) {
        const struct tk_embedded *e = &tk_builtin_rules[i];
        char *t = tk_embedded_text(e);
        rc = t ? add_source(&cc, "tenken", e->name, t, e->size, err)
               : tk_err_set(err, TK_ENOMEM, "out of memory");
        tk_free(t);
        sources = true;
    }
    size_t count = 0;
    for (size_t i = 0; i < o->npaths && !rc; i++)
        rc = collect(o->paths[i], &files, &count, 0, err);
    for (size_t off = 0; off < files.len && !rc; off += strlen(files.ptr + off) + 1) {
        const char *path = files.ptr + off;
        text.len = 0;
        if ((rc = tk_read_file(path, &text, err)) != 0)
            break;
        if (is_compiled(&text)) {
            YR_RULES *set = NULL;
            int yrc = yr_rules_load(path, &set);
            if (yrc != ERROR_SUCCESS) {
                rc = tk_err_set(err, TK_EPARSE,
                                "%s: not compiled rules this libyara can load (error %d; "
                                "recompile the sources with this version's yarac)",
                                path, yrc);
                break;
            }
            digest_str(&cc.digest, text.ptr, text.len);
            if ((rc = push_set(r, set)) != 0) {
                yr_rules_destroy(set);
                rc = tk_err_set(err, rc, "out of memory");
            }
            continue;
        }
        if (tk_buf_addc(&text, '\0') != 0) {
            rc = tk_err_set(err, TK_ELIMIT, "%s: too large", path);
            break;
        }
        rc = add_source(&cc, path, path, text.ptr, text.len - 1, err);
        sources = true;
    }
    if (rc)
        goto done;
    if (cc.nerrors) {
        rc = tk_err_set(err, TK_EPARSE, "%s%s", cc.first,
                        cc.nerrors > 1 ? " (and more errors)" : "");
        goto done;
    }
    if (sources) {
        YR_RULES *set = NULL;
        if (yr_compiler_get_rules(cc.c, &set) != ERROR_SUCCESS) {
            rc = tk_err_set(err, TK_ENOMEM, "libyara: cannot build the rule set");
            goto done;
        }
        if ((rc = push_set(r, set)) != 0) {
            yr_rules_destroy(set);
            rc = tk_err_set(err, rc, "out of memory");
            goto done;
        }
    }
    if (!r->nsets) {
        rc = tk_err_set(err, TK_EINVAL, "no rules to scan with");
        goto done;
    }
    struct tk_digests d;
    if (tk_hash3_final(&cc.digest, &d) != 0) {
        rc = tk_err_set(err, TK_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(r->hash, d.sha256, sizeof d.sha256);
done:
    if (cc.c)
        yr_compiler_destroy(cc.c);
    if (hashing)
        tk_hash3_release(&cc.digest);
    tk_buf_release(&files);
    tk_buf_release(&text);
    if (rc) {
        tk_rules_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void tk_rules_free(struct tk_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsets; i++)
        yr_rules_destroy(r->sets[i]);
    tk_free(r->sets);
    tk_free(r);
    yara_down();
}

size_t tk_rules_count(const struct tk_rules *r)
{
    return r->nrules;
}

const char *tk_rules_hash(const struct tk_rules *r)
{
    return r->hash;
}

/* ---- scanning ----------------------------------------------------------------------------- */

struct tk_scanner {
    const struct tk_rules *rules;
    YR_SCANNER **yr; /* one per set */
    const struct tk_scan_target *target;
    struct tk_match *matches;
    size_t n, cap;
    char *tagbuf; /* space-separated tags of all matches, grows */
    size_t tagcap;
    struct tk_buf tags;
    bool too_many;
    int timeout_s;
};

static const char *meta_str(const YR_RULE *rule, const char *key)
{
    const YR_META *m;
    yr_rule_metas_foreach(rule, m)
    {
        if (m->type == META_TYPE_STRING && strcmp(m->identifier, key) == 0)
            return m->string;
    }
    return NULL;
}

static bool meta_int(const YR_RULE *rule, const char *key, int64_t *v)
{
    const YR_META *m;
    yr_rule_metas_foreach(rule, m)
    {
        if (strcmp(m->identifier, key) != 0)
            continue;
        if (m->type == META_TYPE_INTEGER) {
            *v = m->integer;
            return true;
        }
        if (m->type == META_TYPE_STRING) { /* score = "80" appears in the wild */
            char *end;
            long long x = strtoll(m->string, &end, 10);
            if (end != m->string && *end == '\0') {
                *v = x;
                return true;
            }
        }
        if (m->type == META_TYPE_BOOLEAN) {
            *v = m->integer;
            return true;
        }
    }
    return false;
}

/* libyara 4.2 keeps YR_MATCH records in a packed arena, so they are not always 8-byte
 * aligned; reading them is fine on the architectures libyara supports, and UBSan's
 * alignment check is silenced here alone (every other check stays on). */
__attribute__((no_sanitize("alignment")))
static int on_match(YR_SCAN_CONTEXT *ctx, YR_RULE *rule, struct tk_scanner *s)
{
    const char *type = meta_str(rule, "type");
    if (type && ((s->target->memory && strcmp(type, "file") == 0) ||
                 (!s->target->memory && strcmp(type, "memory") == 0)))
        return CALLBACK_CONTINUE;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct tk_match *grown = tk_realloc(s->matches, cap * sizeof *grown);
        if (!grown)
            return CALLBACK_ERROR;
        s->matches = grown;
        s->cap = cap;
    }
    struct tk_match *m = &s->matches[s->n++];
    memset(m, 0, sizeof *m);
    m->rule = rule->identifier;
    m->ns = rule->ns->name;
    m->author = meta_str(rule, "author");
    m->reference = meta_str(rule, "reference");
    m->description = meta_str(rule, "description");
    int64_t score = TK_RULE_DEFAULT_SCORE, fp = 0;
    meta_int(rule, "score", &score);
    if (score < 0)
        score = 0;
    if (score > 100)
        score = 100;
    if (meta_int(rule, "falsepositive", &fp) && fp)
        score = -score;
    m->score = (int)score;
    /* Tags: offsets into s->tags, fixed up to pointers once the scan is over. */
    size_t tag_off = s->tags.len;
    const char *tag;
    yr_rule_tags_foreach(rule, tag)
    {
        if (s->tags.len > tag_off)
            tk_buf_addc(&s->tags, ' ');
        tk_buf_adds(&s->tags, tag);
    }
    tk_buf_addc(&s->tags, '\0');
    m->tags = (const char *)(uintptr_t)tag_off;
    YR_STRING *str;
    yr_rule_strings_foreach(rule, str)
    {
        YR_MATCH *match;
        yr_string_matches_foreach(ctx, str, match)
        {
            m->total_strings++;
            if (m->nstrings == TK_MATCH_MAX_STRINGS)
                continue;
            struct tk_match_string *ms = &m->strings[m->nstrings++];
            ms->id = str->identifier;
            ms->offset = (uint64_t)(match->base + match->offset);
            ms->length = (uint32_t)match->match_length;
            size_t k = (size_t)match->data_length;
            if (k > TK_MATCH_MAX_CONTEXT)
                k = TK_MATCH_MAX_CONTEXT;
            tk_hex_encode(match->data, k, ms->hex);
        }
    }
    return CALLBACK_CONTINUE;
}

static int callback(YR_SCAN_CONTEXT *ctx, int message, void *data, void *ud)
{
    struct tk_scanner *s = ud;
    switch (message) {
    case CALLBACK_MSG_RULE_MATCHING:
        return on_match(ctx, data, s);
    case CALLBACK_MSG_TOO_MANY_MATCHES:
        s->too_many = true;
        return CALLBACK_CONTINUE;
    case CALLBACK_MSG_CONSOLE_LOG: /* console.log() from rules: not ours to print */
    default:
        return CALLBACK_CONTINUE;
    }
}

static int make_yr(struct tk_scanner *s, size_t i)
{
    if (yr_scanner_create(s->rules->sets[i], &s->yr[i]) != ERROR_SUCCESS) {
        s->yr[i] = NULL;
        return TK_ENOMEM;
    }
    yr_scanner_set_callback(s->yr[i], callback, s);
    yr_scanner_set_flags(s->yr[i], SCAN_FLAGS_REPORT_RULES_MATCHING);
    if (s->timeout_s > 0)
        yr_scanner_set_timeout(s->yr[i], s->timeout_s);
    return 0;
}

/* libyara keeps the memory of a scan's matches (up to a million per string) in the scanner
 * for reuse. After a large buffer or a flood of matches, start afresh so that one hostile
 * file does not keep tens of megabytes per thread for the rest of the scan. */
static void shrink(struct tk_scanner *s, size_t scanned)
{
    if (scanned < ((size_t)4 << 20) && !s->too_many)
        return;
    for (size_t i = 0; i < s->rules->nsets; i++) {
        yr_scanner_destroy(s->yr[i]);
        make_yr(s, i); /* on failure yr[i] is NULL and the next scan reports it */
    }
}

int tk_scanner_new(struct tk_scanner **out, const struct tk_rules *r, int timeout_s,
                   struct tk_err *err)
{
    *out = NULL;
    struct tk_scanner *s = tk_calloc(1, sizeof *s);
    if (!s || !(s->yr = tk_calloc(r->nsets, sizeof *s->yr))) {
        tk_free(s);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    s->rules = r;
    s->timeout_s = timeout_s;
    s->tags = (struct tk_buf)TK_BUF_INIT(1 << 20);
    for (size_t i = 0; i < r->nsets; i++) {
        if (make_yr(s, i) != 0) {
            tk_scanner_free(s);
            return tk_err_set(err, TK_ENOMEM, "libyara: cannot create a scanner");
        }
    }
    *out = s;
    return 0;
}

void tk_scanner_free(struct tk_scanner *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->yr && i < s->rules->nsets; i++)
        if (s->yr[i])
            yr_scanner_destroy(s->yr[i]);
    tk_free(s->yr);
    tk_free(s->matches);
    tk_buf_release(&s->tags);
    tk_free(s);
}

static int set_target(YR_SCANNER *y, const struct tk_scan_target *t)
{
    static const char *const names[] = { "filename", "filepath", "extension", "filetype",
                                         "owner",    "group",    "md5" };
    const char *values[] = { t->filename, t->filepath, t->extension, t->filetype,
                             t->owner,    t->group,    t->md5 };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int rc = yr_scanner_define_string_variable(y, names[i], values[i] ? values[i] : "");
        /* ERROR_INVALID_ARGUMENT: a compiled set made without this external; fine. */
        if (rc != ERROR_SUCCESS && rc != ERROR_INVALID_ARGUMENT)
            return rc;
    }
    int rc = yr_scanner_define_integer_variable(y, "filemode", t->filemode);
    return rc == ERROR_INVALID_ARGUMENT ? ERROR_SUCCESS : rc;
}

static int finish(struct tk_scanner *s, int yrc, const char *what, const struct tk_match **m,
                  struct tk_err *err)
{
    for (size_t i = 0; i < s->n; i++)
        s->matches[i].tags = s->tags.ptr + (uintptr_t)s->matches[i].tags;
    *m = s->matches;
    switch (yrc) {
    case ERROR_SUCCESS:
        return (int)s->n;
    case ERROR_SCAN_TIMEOUT:
        return tk_err_set(err, TK_ELIMIT, "%s: the YARA scan timed out", what);
    case ERROR_INSUFFICIENT_MEMORY:
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory in the YARA scan", what);
    default:
        return tk_err_set(err, TK_EIO, "%s: the YARA scan failed (libyara error %d)", what, yrc);
    }
}

static void reset(struct tk_scanner *s, const struct tk_scan_target *t)
{
    s->target = t;
    s->n = 0;
    s->too_many = false;
    s->tags.len = 0;
}

int tk_scanner_scan_mem(struct tk_scanner *s, const struct tk_scan_target *t,
                        const unsigned char *data, size_t n, const char *what,
                        const struct tk_match **m, struct tk_err *err)
{
    reset(s, t);
    int yrc = ERROR_SUCCESS;
    for (size_t i = 0; i < s->rules->nsets && yrc == ERROR_SUCCESS; i++) {
        yrc = s->yr[i] ? set_target(s->yr[i], t) : ERROR_INSUFFICIENT_MEMORY;
        if (yrc == ERROR_SUCCESS)
            yrc = yr_scanner_scan_mem(s->yr[i], data, n);
    }
    int rc = finish(s, yrc, what, m, err);
    shrink(s, n);
    return rc;
}

/* ---- memory blocks ------------------------------------------------------------------------ */

struct block_iter {
    const struct tk_blocks *src;
    YR_MEMORY_BLOCK block;
};

static const uint8_t *fetch_block(YR_MEMORY_BLOCK *block)
{
    struct block_iter *it = block->context;
    return it->src->fetch(it->src->ud, block->base, block->size);
}

static YR_MEMORY_BLOCK *step_block(YR_MEMORY_BLOCK_ITERATOR *iterator, bool first)
{
    struct block_iter *it = iterator->context;
    uint64_t base;
    size_t size;
    int rc = first ? it->src->first(it->src->ud, &base, &size)
                   : it->src->next(it->src->ud, &base, &size);
    if (rc != 0)
        return NULL;
    it->block = (YR_MEMORY_BLOCK){ .size = size, .base = base, .context = it,
                                   .fetch_data = fetch_block };
    return &it->block;
}

static YR_MEMORY_BLOCK *first_block(YR_MEMORY_BLOCK_ITERATOR *iterator)
{
    return step_block(iterator, true);
}

static YR_MEMORY_BLOCK *next_block(YR_MEMORY_BLOCK_ITERATOR *iterator)
{
    return step_block(iterator, false);
}

int tk_scanner_scan_blocks(struct tk_scanner *s, const struct tk_scan_target *t,
                           const struct tk_blocks *blocks, const char *what,
                           const struct tk_match **m, struct tk_err *err)
{
    reset(s, t);
    int yrc = ERROR_SUCCESS;
    for (size_t i = 0; i < s->rules->nsets && yrc == ERROR_SUCCESS; i++) {
        struct block_iter it = { .src = blocks };
        YR_MEMORY_BLOCK_ITERATOR iter = { .context = &it, .first = first_block,
                                          .next = next_block, .file_size = NULL,
                                          .last_error = ERROR_SUCCESS };
        yrc = s->yr[i] ? set_target(s->yr[i], t) : ERROR_INSUFFICIENT_MEMORY;
        if (yrc == ERROR_SUCCESS) {
            /* As libyara's own process scan does: module code sees process memory. */
            yr_scanner_set_flags(s->yr[i],
                                 SCAN_FLAGS_REPORT_RULES_MATCHING | SCAN_FLAGS_PROCESS_MEMORY);
            yrc = yr_scanner_scan_mem_blocks(s->yr[i], &iter);
            yr_scanner_set_flags(s->yr[i], SCAN_FLAGS_REPORT_RULES_MATCHING);
        }
    }
    int rc = finish(s, yrc, what, m, err);
    shrink(s, (size_t)-1);
    return rc;
}
