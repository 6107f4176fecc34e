/* ini.c - INI, shell-assignment and keyword/value parsers. */
#include "core/ini.h"

#include <stdbool.h>
#include <string.h>

/* A UTF-8 byte-order mark may start a file written on Windows. */
static struct tk_str skip_bom(struct tk_str text)
{
    if (tk_str_has_prefix(text, "\xEF\xBB\xBF")) {
        text.p += 3;
        text.n -= 3;
    }
    return text;
}

int tk_ini_parse(struct tk_str text, tk_ini_fn fn, tk_ini_bad_fn bad, void *ud)
{
    struct tk_str rest = skip_bom(text), line, section = { "", 0 };
    size_t lineno = 0;
    while (tk_str_next_line(&rest, &line)) {
        lineno++;
        line = tk_str_trim(line);
        if (line.n == 0 || line.p[0] == '#' || line.p[0] == ';')
            continue;
        if (line.p[0] == '[') {
            if (line.p[line.n - 1] != ']') {
                if (bad)
                    bad(ud, lineno);
                continue;
            }
            section = tk_str_trim((struct tk_str){ line.p + 1, line.n - 2 });
            continue;
        }
        struct tk_str key, value;
        if (!tk_str_cut(line, '=', &key, &value)) {
            if (bad)
                bad(ud, lineno);
            continue;
        }
        int rc = fn(ud, section, tk_str_trim(key), tk_str_trim(value), lineno);
        if (rc)
            return rc;
    }
    return 0;
}

int tk_shell_vars_parse(struct tk_str text, tk_ini_fn fn, tk_ini_bad_fn bad, void *ud)
{
    struct tk_str rest = skip_bom(text), line;
    size_t lineno = 0;
    while (tk_str_next_line(&rest, &line)) {
        lineno++;
        line = tk_str_trim(line);
        if (line.n == 0 || line.p[0] == '#')
            continue;
        if (tk_str_has_prefix(line, "export ")) {
            line.p += 7;
            line.n -= 7;
            line = tk_str_trim(line);
        }
        struct tk_str key, value;
        if (!tk_str_cut(line, '=', &key, &value) || key.n == 0) {
            if (bad)
                bad(ud, lineno);
            continue;
        }
        int rc = fn(ud, (struct tk_str){ "", 0 }, key, value, lineno);
        if (rc)
            return rc;
    }
    return 0;
}

int tk_shell_unquote(struct tk_str v, struct tk_buf *out)
{
    enum { PLAIN, SINGLE, DOUBLE } state = PLAIN;
    int rc = 0;
    for (size_t i = 0; i < v.n && !rc; i++) {
        char c = v.p[i];
        bool has_next = i + 1 < v.n;
        switch (state) {
        case SINGLE:
            if (c == '\'')
                state = PLAIN;
            else
                rc = tk_buf_addc(out, c);
            break;
        case DOUBLE:
            if (c == '"')
                state = PLAIN;
            else if (c == '\\' && has_next && strchr("\"\\$`", v.p[i + 1]))
                rc = tk_buf_addc(out, v.p[++i]);
            else
                rc = tk_buf_addc(out, c);
            break;
        case PLAIN:
            if (c == '\'')
                state = SINGLE;
            else if (c == '"')
                state = DOUBLE;
            else if (c == '\\' && has_next)
                rc = tk_buf_addc(out, v.p[++i]);
            else if (c == ' ' || c == '\t')
                return rc; /* an unquoted blank ends the word */
            else
                rc = tk_buf_addc(out, c);
            break;
        }
    }
    return rc;
}

int tk_keyword_parse(struct tk_str text, tk_ini_fn fn, tk_ini_bad_fn bad, void *ud)
{
    struct tk_str rest = skip_bom(text), line;
    size_t lineno = 0;
    while (tk_str_next_line(&rest, &line)) {
        lineno++;
        line = tk_str_trim(line);
        if (line.n == 0 || line.p[0] == '#')
            continue;
        size_t i = 0;
        while (i < line.n && line.p[i] != ' ' && line.p[i] != '\t' && line.p[i] != '=')
            i++;
        struct tk_str key = { line.p, i };
        struct tk_str value = tk_str_trim((struct tk_str){ line.p + i, line.n - i });
        if (value.n && value.p[0] == '=')
            value = tk_str_trim((struct tk_str){ value.p + 1, value.n - 1 });
        if (key.n == 0) {
            if (bad)
                bad(ud, lineno);
            continue;
        }
        int rc = fn(ud, (struct tk_str){ "", 0 }, key, value, lineno);
        if (rc)
            return rc;
    }
    return 0;
}

struct lookup {
    const char *section, *key;
    struct tk_str value;
    bool found;
};

static int lookup_cb(void *ud, struct tk_str section, struct tk_str key, struct tk_str value,
                     size_t lineno)
{
    struct lookup *l = ud;
    (void)lineno;
    if (tk_str_eqcase_c(section, l->section) && tk_str_eqcase_c(key, l->key)) {
        l->value = value;
        l->found = true;
        return 1;
    }
    return 0;
}

bool tk_ini_get(struct tk_str text, const char *section, const char *key, struct tk_str *value)
{
    struct lookup l = { section, key, { "", 0 }, false };
    tk_ini_parse(text, lookup_cb, NULL, &l);
    if (l.found)
        *value = l.value;
    return l.found;
}
