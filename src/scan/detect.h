/* detect.h - turning what matched an object (YARA hits, IOC matches) into a scored
 * tk_detection in the bundle. Shared by the file, process and connection checks so that one
 * object's reasons are scored one way everywhere (scan/score.h). */
#ifndef TK_SCAN_DETECT_H
#define TK_SCAN_DETECT_H

#include "bundle/bundle.h"
#include "scan/ioc.h"
#include "scan/rules.h"

/* Adds a detection built from proto (kind, path, hashes, ...: copied into the bundle) and its
 * reasons: nm YARA matches and ni IOC matches. Filename IOC scores on the object are summed
 * into one sub-score, as THOR does; negative scores (false-positive rules, known-good
 * filename entries) lower the total. Returns the detection (borrowed) or NULL when there
 * is no reason or the bundle refuses more. The caller serialises calls on one bundle. */
struct tk_detection *tk_detection_add(struct tk_bundle *b, const struct tk_detection *proto,
                                      const struct tk_match *m, size_t nm,
                                      const struct tk_ioc *const *iocs, size_t ni);

/* The combined score and level of a detection's reasons (already in d->reasons). */
void tk_detection_score(struct tk_detection *d);

#endif
