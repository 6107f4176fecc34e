/* judge.c - received bundles to digests (see judge.h). */
#include "server/judge.h"

#include <stdio.h>

#include "bundle/bundle_read.h"
#include "core/alloc.h"
#include "core/time.h"
#include "kb/match.h"
#include "report/digest.h"

struct tk_judge {
    struct tk_kb *kb;
    struct tk_matcher *m;
};

int tk_judge_new(struct tk_judge **out, struct tk_kb *kb, struct tk_err *err)
{
    *out = NULL;
    struct tk_judge *j = tk_calloc(1, sizeof *j);
    if (!j) {
        tk_kb_close(kb);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    j->kb = kb;
    int rc = tk_matcher_new(&j->m, kb, err);
    if (rc) {
        tk_judge_free(j);
        return rc;
    }
    *out = j;
    return 0;
}

void tk_judge_free(struct tk_judge *j)
{
    if (!j)
        return;
    tk_matcher_free(j->m);
    tk_kb_close(j->kb);
    tk_free(j);
}

static int judge_bundle(struct tk_judge *j, struct tk_bundle *b, const struct tk_reach *reach,
                        int64_t received, struct tk_buf *digest, struct tk_err *err)
{
    struct tk_analysis an = { .matcher = j->m, .reach = reach };
    b->analysis.kb = tk_kb_name(j->kb);
    b->analysis.kb_date = tk_matcher_kb_date(j->m);
    b->analysis.analyzed_at = tk_time_now();
    int rc = tk_analyze(b, &an, err);
    if (rc)
        return rc;
    char probe[64] = "";
    if (reach)
        tk_reach_format_probes(reach, probe, sizeof probe);
    struct tk_digest_meta meta = {
        .source = reach ? reach->source : NULL,
        .probe = probe,
        .received = received,
    };
    rc = tk_digest_write(b, &meta, digest);
    return rc ? tk_err_set(err, rc, "bundle %s: the digest does not fit", b->bundle_id) : 0;
}

int tk_judge_upload(struct tk_judge *j, struct tk_bundle *b, const char *source,
                    const char *probe, int64_t received, struct tk_buf *digest,
                    struct tk_err *err)
{
    struct tk_reach reach = { .source = source && source[0] ? source : NULL };
    tk_reach_parse_probes(&reach, probe);
    return judge_bundle(j, b, &reach, received, digest, err);
}

int tk_judge_read(struct tk_judge *j, struct tk_store *st, const char *bundle_id,
                  struct tk_buf *digest, char probe[64], struct tk_err *err)
{
    struct tk_stored_bundle sb = { .json = TK_BUF_INIT((size_t)1 << 30) };
    struct tk_bundle b;
    bool have = false;
    int rc = st->ops->bundle_get(st, bundle_id, &sb, err);
    if (!rc && !(rc = tk_bundle_init(&b, err))) {
        have = true;
        rc = tk_bundle_read_json(&b, sb.json.ptr ? sb.json.ptr : "", sb.json.len,
                                 bundle_id, err);
    }
    if (!rc) {
        rc = tk_judge_upload(j, &b, sb.source, sb.probe, sb.received, digest, err);
        snprintf(probe, 64, "%s", sb.probe);
    }
    if (have)
        tk_bundle_release(&b);
    tk_buf_release(&sb.json);
    return rc;
}

int tk_judge_stored(struct tk_judge *j, struct tk_store *st, const char *bundle_id,
                    struct tk_err *err)
{
    struct tk_buf digest = TK_BUF_INIT((size_t)256 << 20);
    char probe[64];
    int rc = tk_judge_read(j, st, bundle_id, &digest, probe, err);
    if (!rc)
        rc = st->ops->analysis_put(st, bundle_id, probe, digest.ptr, digest.len, err);
    tk_buf_release(&digest);
    return rc;
}

static int add_digest(void *ud, const void *digest, size_t n)
{
    return tk_fleet_add(ud, digest, n);
}

int tk_org_report(struct tk_store *st, const struct tk_org *org, enum tk_report_format fmt,
                  enum tk_lang lang, struct tk_buf *out, struct tk_err *err)
{
    struct tk_fleet f;
    tk_fleet_init(&f, org->name, org->id);
    int rc = st->ops->digests(st, org->id, add_digest, &f, &f.pending, err);
    if (rc && !err->msg[0]) /* refused by tk_fleet_add */
        rc = tk_err_set(err, rc, "%s: too many endpoints to report", org->name);
    if (!rc && (rc = tk_fleet_finish(&f)) != 0)
        rc = tk_err_set(err, rc, "%s: out of memory while grouping findings", org->name);
    if (!rc && (rc = tk_fleet_write(&f, fmt, lang, out)) != 0)
        rc = tk_err_set(err, rc, "%s: the report does not fit in memory", org->name);
    tk_fleet_release(&f);
    return rc;
}
