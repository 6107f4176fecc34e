/* in_nmap.c - placeholder: being written. */
#include "surface/ingest.h"

int tk_in_nmap_xml(struct tk_ingest *in, struct tk_ingest_src *src, struct tk_err *err)
{
    (void)in;
    (void)src;
    return tk_err_set(err, TK_EPARSE, "nmap XML is not supported yet");
}
