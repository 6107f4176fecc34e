/* fuzz.h - what every harness shares: the libFuzzer entry point and the invariant check.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput. Built with -Dfuzzing=true it links
 * against libFuzzer; otherwise driver.c replays the committed corpus as a TAP test. */
#ifndef TK_FUZZ_FUZZ_H
#define TK_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a crash: abort() so libFuzzer saves the input and the driver's test
 * fails, with the condition on stderr. */
static inline _Noreturn void fuzz_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, cond);
    abort();
}

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))

#endif
