/* in_shodan.c - placeholder: being written. */
#include "surface/ingest.h"

int tk_in_shodan(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err)
{
    (void)in;
    (void)rec;
    return tk_err_set(err, TK_EPARSE, "the shodan format is not supported yet");
}
