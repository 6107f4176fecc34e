/* procimg.h - hash IOCs against the programs of running processes (live scans only). */
#ifndef TK_SCAN_PROCIMG_H
#define TK_SCAN_PROCIMG_H

#include <stdint.h>

#include "bundle/bundle.h"
#include "core/err.h"
#include "scan/ioc.h"

/* Adds a detection for every running process whose program file's MD5, SHA-1 or SHA-256 is
 * a hash IOC. Files larger than max_size (0: 64 MB) and files this user cannot read are
 * skipped. Returns 0, or TK_ENOMEM. */
int tk_procimg_check(struct tk_bundle *b, const struct tk_iocs *iocs, uint64_t max_size,
                     struct tk_err *err);

#endif
