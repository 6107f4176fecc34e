/* digest.h - what reports need of one analysed bundle, kept by the server next to the
 * bundle: the endpoint's identity, the fleet facts (the shares a report counts) and the
 * findings with their texts and at most a few evidence lines. A report over 500 endpoints
 * reads 500 digests, never 500 bundles. Format: docs/server.md. */
#ifndef TK_REPORT_DIGEST_H
#define TK_REPORT_DIGEST_H

#include <stdbool.h>

#include "bundle/bundle.h"
#include "core/buf.h"

#define TK_DIGEST_VERSION 1
#define TK_DIGEST_MAX_EVIDENCE 5

/* The facts a fleet report counts, each true or false per endpoint:
 * name, English label, Japanese label. */
#define TK_FACTS(X)                                                                         \
    X(vulnerable_browser, "Vulnerable browsers or plugins", "脆弱なブラウザ・プラグイン")   \
    X(outdated_meeting, "Outdated meeting tools", "古いWeb会議ツール")                       \
    X(vulnerable_os, "Unsupported or vulnerable Windows", "サポート終了・脆弱なWindows")     \
    X(direct, "Directly reachable from the internet", "インターネットから直接到達可能")     \
    X(smb_rdp, "SMB or RDP exposed", "SMB/RDPが外部に公開")                                \
    X(smb1, "SMBv1 enabled", "SMBv1が有効")                                                  \
    X(malware_disk, "Malware on disk", "ディスク上のマルウェア")                             \
    X(malware_memory, "Malware in memory", "メモリ上のマルウェア")                           \
    X(traces, "Traces of compromise", "侵害の痕跡")

#define TK_FACT_ENUM(name, en, ja) TK_FACT_##name,
enum tk_fact { TK_FACTS(TK_FACT_ENUM) TK_FACT_COUNT };
#undef TK_FACT_ENUM

struct tk_fact_def {
    const char *name, *en, *ja;
};
extern const struct tk_fact_def tk_fact_defs[TK_FACT_COUNT];

/* Which facts one finding establishes (a bit per enum tk_fact). */
unsigned tk_fact_bits(const struct tk_finding *f);

/* What the server knew of the upload besides the bundle. */
struct tk_digest_meta {
    const char *source;  /* upload source address, or NULL */
    const char *probe;   /* tk_reach_format_probes text, or NULL */
    int64_t received;    /* seconds */
};

/* Appends the digest of an analysed bundle to out (compact JSON). 0, TK_ENOMEM or
 * TK_ELIMIT. */
int tk_digest_write(const struct tk_bundle *b, const struct tk_digest_meta *m,
                    struct tk_buf *out);

#endif
