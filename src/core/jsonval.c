/* jsonval.c - jansson parsing with positioned errors. */
#include "core/jsonval.h"

#include <string.h>

int tk_json_parse(const char *text, size_t n, const char *name, json_t **out, struct tk_err *err)
{
    json_error_t je;
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        n -= 3;
    }
    *out = json_loadb(text, n, JSON_ALLOW_NUL, &je);
    if (!*out)
        return tk_err_set(err, TK_EPARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    return 0;
}

const char *tk_json_get_str(const json_t *j, const char *dotted)
{
    char key[256];
    const char *p = dotted;
    while (j && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        j = json_object_get(j, key);
        p += n + (dot ? 1 : 0);
    }
    return json_is_string(j) ? json_string_value(j) : NULL;
}
