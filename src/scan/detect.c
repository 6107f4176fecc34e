/* detect.c - detections from matches, and their scores (see detect.h). */
#include "scan/detect.h"

#include <string.h>

#include "scan/score.h"

static const char *const ioc_types[] = { "hash-ioc", "filename-ioc", "c2-ioc" };

void tk_detection_score(struct tk_detection *d)
{
    int subs[64];
    size_t n = 0;
    int filename_sum = 0, negative = 0, max_sub = 0;
    bool any_filename = false;
    for (size_t i = 0; i < d->nreasons; i++) {
        const struct tk_reason *r = &d->reasons[i];
        if (strcmp(r->type, "filename-ioc") == 0) {
            filename_sum += r->score;
            any_filename = true;
        } else if (r->score < 0) {
            negative += r->score;
        } else if (n < sizeof subs / sizeof subs[0]) {
            subs[n++] = r->score;
        }
    }
    if (any_filename) {
        if (filename_sum > 0 && n < sizeof subs / sizeof subs[0])
            subs[n++] = filename_sum > 100 ? 100 : filename_sum;
        else if (filename_sum < 0)
            negative += filename_sum;
    }
    for (size_t i = 0; i < n; i++)
        if (subs[i] > max_sub)
            max_sub = subs[i];
    double total = tk_score_combine(subs, n) + negative;
    if (total < 0)
        total = 0;
    d->score = total;
    d->level = tk_level_name(tk_score_level(total, max_sub));
}

struct tk_detection *tk_detection_add(struct tk_bundle *b, const struct tk_detection *proto,
                                      const struct tk_match *m, size_t nm,
                                      const struct tk_ioc *const *iocs, size_t ni)
{
    if (nm + ni == 0)
        return NULL;
    struct tk_reason *reasons = tk_arena_alloc(&b->arena, (nm + ni) * sizeof *reasons);
    if (!reasons) {
        b->detections_dropped++;
        return NULL;
    }
    memset(reasons, 0, (nm + ni) * sizeof *reasons);
    for (size_t i = 0; i < nm; i++) {
        struct tk_reason *r = &reasons[i];
        r->type = "yara";
        r->rule = tk_bundle_strdup(b, m[i].rule);
        r->ns = tk_bundle_strdup(b, m[i].ns);
        r->tags = m[i].tags && *m[i].tags ? tk_bundle_strdup(b, m[i].tags) : NULL;
        r->description = tk_bundle_strdup(b, m[i].description);
        r->author = tk_bundle_strdup(b, m[i].author);
        r->reference = tk_bundle_strdup(b, m[i].reference);
        r->score = m[i].score;
        r->total_strings = m[i].total_strings;
        if (m[i].nstrings) {
            r->strings = tk_arena_alloc(&b->arena, m[i].nstrings * sizeof *r->strings);
            for (size_t k = 0; r->strings && k < m[i].nstrings; k++) {
                const struct tk_match_string *s = &m[i].strings[k];
                r->strings[k] = (struct tk_match_ref){ tk_bundle_strdup(b, s->id), s->offset,
                                                       s->length, tk_bundle_strdup(b, s->hex) };
            }
            r->nstrings = r->strings ? m[i].nstrings : 0;
        }
    }
    for (size_t i = 0; i < ni; i++) {
        struct tk_reason *r = &reasons[nm + i];
        r->type = ioc_types[iocs[i]->kind];
        r->ioc = tk_bundle_strdup(b, iocs[i]->value);
        r->source = tk_bundle_strdup(b, iocs[i]->source);
        r->description = tk_bundle_strdup(b, iocs[i]->description);
        r->score = iocs[i]->score;
    }
    struct tk_detection *d = tk_bundle_add_detection(b);
    if (!d)
        return NULL;
    *d = *proto;
    d->kind = tk_bundle_strdup(b, proto->kind);
    d->path = tk_bundle_strdup(b, proto->path);
    d->process = tk_bundle_strdup(b, proto->process);
    d->cmdline = tk_bundle_strdup(b, proto->cmdline);
    d->user = tk_bundle_strdup(b, proto->user);
    d->remote = tk_bundle_strdup(b, proto->remote);
    d->owner = tk_bundle_strdup(b, proto->owner);
    d->group = tk_bundle_strdup(b, proto->group);
    d->md5 = tk_bundle_strdup(b, proto->md5);
    d->sha1 = tk_bundle_strdup(b, proto->sha1);
    d->sha256 = tk_bundle_strdup(b, proto->sha256);
    d->filetype = tk_bundle_strdup(b, proto->filetype);
    d->reasons = reasons;
    d->nreasons = nm + ni;
    tk_detection_score(d);
    return d;
}
