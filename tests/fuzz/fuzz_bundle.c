/* fuzz_bundle.c - reading a saved bundle back (bundle/bundle_read.h), as `tenken analyze` and
 * the server do with files they did not write.
 *
 * The input is read as a bundle. When it is accepted, it is analysed (tk_analyze without a
 * knowledge base) and written again (tk_bundle_write_json); the output must be JSON jansson
 * accepts, must itself read back (the reader accepts whatever the writer produces), and
 * must then be stable: written once more, the same document apart from what the reader
 * deliberately does not keep (findings, drop counters), and re-judged, the same findings. */
#include <jansson.h>
#include <string.h>

#include "analyze/analyze.h"
#include "bundle/bundle_json.h"
#include "bundle/bundle_read.h"
#include "fuzz.h"

#define NAME "fuzz-bundle.json"
#define OUT_MAX ((size_t)64 << 20)

/* Writes b and parses the result with jansson (new reference). */
static json_t *write_and_load(const struct tk_bundle *b, struct tk_buf *out)
{
    struct tk_json w;
    tk_buf_reset(out);
    tk_json_init_buf(&w, out, 0);
    FUZZ_CHECK(tk_bundle_write_json(b, &w) == 0);
    json_error_t je;
    json_t *j = json_loadb(tk_buf_cstr(out), out->len, 0, &je);
    if (!j)
        fprintf(stderr, "written bundle is not JSON: %d:%d: %s\n", je.line, je.column, je.text);
    FUZZ_CHECK(j != NULL);
    return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_bundle b, b2;
    struct tk_err err = { 0 };
    struct tk_buf out = TK_BUF_INIT(OUT_MAX), out2 = TK_BUF_INIT(OUT_MAX);

    FUZZ_CHECK(tk_bundle_init(&b, &err) == 0);
    int rc = tk_bundle_read_json(&b, (const char *)data, size, NAME, &err);
    if (rc) {
        FUZZ_CHECK(rc == TK_EPARSE || rc == TK_ELIMIT);
        FUZZ_CHECK(strncmp(err.msg, NAME ":", strlen(NAME ":")) == 0);
        tk_bundle_release(&b);
        return 0;
    }
    FUZZ_CHECK(tk_analyze(&b, NULL, &err) == 0);
    json_t *j1 = write_and_load(&b, &out);

    /* What was written reads back. */
    FUZZ_CHECK(tk_bundle_init(&b2, &err) == 0);
    rc = tk_bundle_read_json(&b2, tk_buf_cstr(&out), out.len, NAME, &err);
    if (rc)
        fprintf(stderr, "written bundle refused: %s\n", err.msg);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(strcmp(b2.bundle_id, b.bundle_id) == 0);
    FUZZ_CHECK(b2.nitems == b.nitems && b2.net.nsocks == b.net.nsocks);

    /* Written again before judging: the same document but for the findings and counters. */
    json_t *j2 = write_and_load(&b2, &out2);
    json_t *f1 = json_incref(json_object_get(j1, "findings"));
    json_object_del(j1, "findings");
    json_object_del(j2, "findings");
    json_object_del(j1, "dropped");
    json_object_del(j2, "dropped");
    if (!json_equal(j1, j2))
        fprintf(stderr, "second write differs:\n%s\n%s\n", tk_buf_cstr(&out), tk_buf_cstr(&out2));
    FUZZ_CHECK(json_equal(j1, j2));
    json_decref(j2);

    /* Judged again, the saved bundle gives the same findings. */
    FUZZ_CHECK(tk_analyze(&b2, NULL, &err) == 0);
    j2 = write_and_load(&b2, &out2);
    if (!json_equal(f1, json_object_get(j2, "findings")))
        fprintf(stderr, "findings differ when re-judged:\n%s\n%s\n", tk_buf_cstr(&out),
                tk_buf_cstr(&out2));
    FUZZ_CHECK(json_equal(f1, json_object_get(j2, "findings")));

    json_decref(f1);
    json_decref(j1);
    json_decref(j2);
    tk_bundle_release(&b2);
    tk_bundle_release(&b);
    tk_buf_release(&out);
    tk_buf_release(&out2);
    return 0;
}
