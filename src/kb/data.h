/* data.h - loading the facts tenken ships (data/catalog, data/vulns, data/kev.tsv; format in
 * data/README.md) into a knowledge base, validating every stanza. The build uses it to make
 * the built-in KB; `tenken kb check-data` runs the same checks. */
#ifndef TK_KB_DATA_H
#define TK_KB_DATA_H

#include "kb/kb.h"

struct tk_data_stats {
    size_t products, vulns, ranges, kev;
};

/* Loads every file of the data directory into kb inside one transaction. On a malformed
 * file nothing is kept and err names file:line. */
int tk_kb_load_data(struct tk_kb *kb, const char *dir, struct tk_data_stats *stats,
                    struct tk_err *err);

#endif
