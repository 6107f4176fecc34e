/* in_masscan.c - placeholder: being written. */
#include "surface/ingest.h"

int tk_in_masscan(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err)
{
    (void)in;
    (void)rec;
    return tk_err_set(err, TK_EPARSE, "the masscan format is not supported yet");
}

int tk_in_masscan_list(struct tk_ingest *in, struct tk_str line, struct tk_err *err)
{
    (void)in;
    (void)line;
    return tk_err_set(err, TK_EPARSE, "the masscan list format is not supported yet");
}
