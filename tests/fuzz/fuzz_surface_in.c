/* fuzz_surface_in.c - the scan-data ingest (surface/ingest.h): every input format.
 *
 * The first byte picks the format (auto-detection included); the rest is the stream. Every
 * observation emitted must have an address and a port, and the counters must add up: a
 * record is either malformed or gave observations (or was empty). */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "surface/ingest.h"

static int on_obs(void *ud, const struct tk_obs *o)
{
    (void)ud;
    FUZZ_CHECK(o->ip[0] != '\0');
    FUZZ_CHECK(o->nhttp <= TK_OBS_MAX_HTTP);
    for (size_t i = 0; i < o->nhttp; i++)
        FUZZ_CHECK(o->http[i].path != NULL && o->http[i].nheaders <= TK_OBS_MAX_HEADERS);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum tk_obs_format f = (enum tk_obs_format)(data[0] % TK_FMT_COUNT);
    FILE *fp = fmemopen((void *)(data + 1), size - 1 ? size - 1 : 1, "r");
    if (!fp)
        return 0;
    if (size == 1)
        fgetc(fp); /* fmemopen cannot open an empty buffer: consume the one byte */
    struct tk_ingest_opts opts = { .format = f, .emit = on_obs, .max_line = 1 << 20 };
    struct tk_ingest_stats st = { 0 };
    struct tk_err err = { 0 };
    int rc = tk_ingest_stream(fp, "fuzz", &opts, &st, &err);
    FUZZ_CHECK(rc == 0 || rc == TK_EIO || rc == TK_ENOMEM);
    FUZZ_CHECK(st.malformed <= st.records || st.records == 0);
    fclose(fp);
    return 0;
}
