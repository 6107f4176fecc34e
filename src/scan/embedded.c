/* embedded.c - decoding the data files built into the binary (see embedded.h). */
#include "scan/embedded.h"

#include "core/alloc.h"

char *tk_embedded_text(const struct tk_embedded *e)
{
    char *t = tk_malloc(e->size + 1);
    if (!t)
        return NULL;
    for (size_t i = 0; i < e->size; i++)
        t[i] = (char)(e->data[i] ^ TK_EMBED_KEY);
    t[e->size] = '\0';
    return t;
}
