/* fuzz_json.c - JSON in both directions: the readers (jansson behind collect/jsonfile.h for
 * files from the scanned system, the compact document of core/jdoc.h for bundles) and the
 * streaming writer every output goes through (core/json.h).
 *
 * Reader: parse, then the dotted-path lookups collectors make. Writer: the input written as
 * a string value and as a key must read back with jansson (byte for byte when it is valid
 * UTF-8); and the input replayed as a sequence of writer calls, always in an order the
 * writer's contract allows, must give a document jansson accepts whenever tk_json_finish
 * reports success. */
#include <string.h>

#include "collect/jsonfile.h"
#include "core/jdoc.h"
#include "core/json.h"
#include "core/utf8.h"
#include "fuzz.h"

#define OUT_MAX ((size_t)16 << 20)

/* The compact document: parses or fails with a position; every node is walked. */
static size_t walk(const struct tk_jv *v)
{
    size_t n = 1, i;
    const struct tk_jv *el;
    if (tk_jv_is(v, TK_JV_OBJECT))
        for (el = v->u.first; el; el = el->next) {
            /* a lookup answers with the last member of that key */
            const struct tk_jv *last = NULL;
            for (const struct tk_jv *m = v->u.first; m; m = m->next)
                if (m->keylen == el->keylen && memcmp(m->key, el->key, el->keylen) == 0)
                    last = m;
            FUZZ_CHECK(el->key != NULL && tk_jv_get(v, el->key) == last);
            n += walk(el);
        }
    tk_jv_foreach(v, i, el) n += walk(el);
    if (tk_jv_is(v, TK_JV_STRING)) {
        FUZZ_CHECK(v->u.s[v->len] == '\0');
        FUZZ_CHECK(tk_jv_has_nul(v) == (memchr(v->u.s, '\0', v->len) != NULL));
    }
    return n;
}

static void read_jdoc(const uint8_t *data, size_t size)
{
    struct tk_arena a;
    struct tk_jv *v = NULL;
    struct tk_err err = { 0 };
    tk_arena_init(&a, (size_t)1 << 28);
    int rc = tk_jdoc_parse(&a, (const char *)data, size, "fuzz.json", &v, &err);
    if (rc)
        FUZZ_CHECK(v == NULL && strncmp(err.msg, "fuzz.json", 9) == 0);
    else
        FUZZ_CHECK(v != NULL && walk(v) >= 1);
    tk_arena_release(&a);
}

static void read_side(const uint8_t *data, size_t size)
{
    read_jdoc(data, size);
    json_t *j = NULL;
    struct tk_err err = { 0 };
    int rc = tk_json_parse((const char *)data, size, "fuzz.json", &j, &err);
    if (rc != 0) {
        FUZZ_CHECK(rc == TK_EPARSE && j == NULL);
        FUZZ_CHECK(strncmp(err.msg, "fuzz.json:", 10) == 0);
        return;
    }
    FUZZ_CHECK(j != NULL);
    static const char *const paths[] = {
        "name", "version", "default_locale", "defaultLocale.name", "extensions.settings",
        "files.package.json.offset", "a.b.c.d.e.f.g.h", "", ".", "..", "name.",
        /* A component longer than tk_json_get_str's key buffer. */
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.y",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        const char *s = tk_json_get_str(j, paths[i]);
        if (s)
            (void)strlen(s);
    }
    /* The first key of the document, whatever it is, as a path. */
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        (void)tk_json_get_str(j, key);
        break;
    }
    json_decref(j);
}

/* The input as a string value and (up to its first NUL) as a key. */
static void write_string(const uint8_t *data, size_t size, unsigned flags)
{
    struct tk_buf out = TK_BUF_INIT(OUT_MAX);
    struct tk_json w;
    char *key = strndup((const char *)data, size);
    FUZZ_CHECK(key != NULL);

    tk_json_init_buf(&w, &out, flags);
    tk_json_obj_begin(&w);
    tk_json_key(&w, "v");
    tk_json_strn(&w, (const char *)data, size);
    tk_json_key(&w, "keys"); /* its own object: the key may well be "v" */
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, key, "k");
    tk_json_obj_end(&w);
    tk_json_key(&w, "a");
    tk_json_arr_begin(&w);
    tk_json_str(&w, key);
    tk_json_strn(&w, (const char *)data, size);
    tk_json_arr_end(&w);
    tk_json_obj_end(&w);
    FUZZ_CHECK(tk_json_finish(&w) == 0);
    FUZZ_CHECK(tk_utf8_valid(tk_buf_cstr(&out), out.len));

    json_error_t je;
    json_t *j = json_loadb(tk_buf_cstr(&out), out.len, JSON_ALLOW_NUL, &je);
    if (!j)
        fprintf(stderr, "jansson: %d:%d: %s\n", je.line, je.column, je.text);
    FUZZ_CHECK(j != NULL);
    json_t *v = json_object_get(j, "v");
    FUZZ_CHECK(json_is_string(v));
    if (tk_utf8_valid((const char *)data, size)) {
        FUZZ_CHECK(json_string_length(v) == size);
        FUZZ_CHECK(size == 0 || memcmp(json_string_value(v), data, size) == 0);
        FUZZ_CHECK(json_is_string(json_object_get(json_object_get(j, "keys"), key)));
    }
    json_decref(j);
    free(key);
    tk_buf_release(&out);
}

/* Replay: reads bytes off the input. */
struct tape {
    const uint8_t *p;
    size_t n;
};

static uint8_t take_byte(struct tape *t)
{
    if (!t->n)
        return 0;
    t->n--;
    return *t->p++;
}

static uint64_t take_u64(struct tape *t)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | take_byte(t);
    return v;
}

/* A short string off the tape, NUL-terminated in buf (which holds 33 bytes). */
static size_t take_str(struct tape *t, char *buf)
{
    size_t n = take_byte(t) % 33;
    if (n > t->n)
        n = t->n;
    memcpy(buf, t->p, n);
    buf[n] = '\0';
    t->p += n;
    t->n -= n;
    return n;
}

static void replay(const uint8_t *data, size_t size)
{
    struct tape t = { data, size };
    struct tk_buf out = TK_BUF_INIT(OUT_MAX);
    struct tk_json w;
    char kinds[TK_JSON_MAX_DEPTH + 16]; /* our model of the open containers */
    size_t depth = 0, ops = 0;
    bool over = false; /* opened past TK_JSON_MAX_DEPTH: the writer must refuse */
    char s[33], k[33];

    tk_json_init_buf(&w, &out, take_byte(&t) & 1 ? TK_JSON_PRETTY : 0);
    tk_json_arr_begin(&w);
    kinds[depth++] = '[';
    while (t.n && ops++ < 4096) {
        uint8_t op = take_byte(&t) % 12;
        bool in_obj = kinds[depth - 1] == '{';
        if (op == 2) {
            if (depth > 1) {
                depth--;
                if (kinds[depth] == '{')
                    tk_json_obj_end(&w);
                else
                    tk_json_arr_end(&w);
            }
            continue;
        }
        if (in_obj && op < 9) {
            take_str(&t, k);
            tk_json_key(&w, k);
        }
        switch (op) {
        case 0:
        case 1:
            if (depth == sizeof kinds) {
                /* Deeper than we model; the writer stopped long ago. Close the key. */
                tk_json_null(&w);
                break;
            }
            if (op == 0)
                tk_json_obj_begin(&w);
            else
                tk_json_arr_begin(&w);
            kinds[depth++] = op == 0 ? '{' : '[';
            over = over || depth > TK_JSON_MAX_DEPTH;
            break;
        case 3:
            tk_json_strn(&w, s, take_str(&t, s));
            break;
        case 4:
            tk_json_int(&w, (int64_t)take_u64(&t));
            break;
        case 5:
            tk_json_uint(&w, take_u64(&t));
            break;
        case 6: {
            uint64_t bits = take_u64(&t);
            double d;
            memcpy(&d, &bits, sizeof d);
            tk_json_double(&w, d);
            break;
        }
        case 7:
            tk_json_bool(&w, take_byte(&t) & 1);
            break;
        case 8:
            tk_json_str(&w, take_byte(&t) & 1 ? NULL : "");
            break;
        case 9:
            take_str(&t, k);
            take_str(&t, s);
            if (in_obj)
                tk_json_kstr_opt(&w, k, take_byte(&t) & 1 ? s : NULL);
            else
                tk_json_str(&w, s);
            break;
        case 10:
            take_str(&t, k);
            if (in_obj)
                tk_json_kint_opt(&w, k, (int64_t)take_u64(&t));
            else
                tk_json_int(&w, (int64_t)take_u64(&t));
            break;
        case 11:
            take_str(&t, k);
            if (in_obj)
                tk_json_kbool(&w, k, take_byte(&t) & 1);
            else
                tk_json_bool(&w, take_byte(&t) & 1);
            break;
        }
    }
    while (depth > 0) {
        depth--;
        if (kinds[depth] == '{')
            tk_json_obj_end(&w);
        else
            tk_json_arr_end(&w);
    }
    int rc = tk_json_finish(&w);
    FUZZ_CHECK(over ? rc != 0 : rc == 0);
    if (rc == 0) {
        json_error_t je;
        /* Integers as reals: uint64 values past INT64_MAX are valid JSON jansson's
         * json_int_t cannot hold. */
        json_t *j = json_loadb(tk_buf_cstr(&out), out.len,
                               JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &je);
        if (!j)
            fprintf(stderr, "jansson: %d:%d: %s\n", je.line, je.column, je.text);
        FUZZ_CHECK(j != NULL);
        json_decref(j);
    }
    tk_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_side(data, size);
    write_string(data, size, 0);
    write_string(data, size, TK_JSON_PRETTY);
    replay(data, size);
    return 0;
}
