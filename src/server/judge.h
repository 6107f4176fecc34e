/* judge.h - what the server does with a received bundle: judge it with the same code as
 * `tenken analyze` (tk_analyze), adding what the upload itself showed (the source address
 * and the opt-in probe), and keep the digest reports read (report/digest.h); and the
 * organisation report built from those digests (report/fleet.h).
 *
 * A judge owns a knowledge base handle and a matcher; it is not thread-safe, so the server
 * keeps one per worker thread. */
#ifndef TK_SERVER_JUDGE_H
#define TK_SERVER_JUDGE_H

#include "analyze/analyze.h"
#include "bundle/bundle.h"
#include "core/buf.h"
#include "kb/kb.h"
#include "report/fleet.h"
#include "store/store.h"

struct tk_judge;

/* Takes ownership of kb (closed by tk_judge_free, also on failure). */
int tk_judge_new(struct tk_judge **out, struct tk_kb *kb, struct tk_err *err);
void tk_judge_free(struct tk_judge *j);

/* Analyses b (replacing its findings), uploaded from source (numeric, or "" when unknown)
 * with the opt-in probe's result as stored ("smb/445=open;..."), and appends its digest to
 * digest. */
int tk_judge_upload(struct tk_judge *j, struct tk_bundle *b, const char *source,
                    const char *probe, int64_t received, struct tk_buf *digest,
                    struct tk_err *err);

/* Reads bundle_id from st and judges it with the source and probe result stored with it:
 * its new digest appended to digest, the probe result (to store with it) into probe. */
int tk_judge_read(struct tk_judge *j, struct tk_store *st, const char *bundle_id,
                  struct tk_buf *digest, char probe[64], struct tk_err *err);

/* tk_judge_read, then the digest stored (analysis_put). */
int tk_judge_stored(struct tk_judge *j, struct tk_store *st, const char *bundle_id,
                    struct tk_err *err);

/* The report of one organisation from the digests of its endpoints' newest bundles,
 * appended to out (report/fleet.h). */
int tk_org_report(struct tk_store *st, const struct tk_org *org, enum tk_report_format fmt,
                  enum tk_lang lang, struct tk_buf *out, struct tk_err *err);

#endif
