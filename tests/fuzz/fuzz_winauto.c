/* fuzz_winauto.c - scheduled task files and autostart commands (collect/winauto.h): any bytes
 * as a task file, as stored (a leading FF FE makes them UTF-16LE); every action handed out is
 * bounded, at most 32 of them, and judging each command (as a Run value and as a service's
 * program) gives no trait or one of the documented ones. */
#include <string.h>

#include "collect/winauto.h"
#include "fuzz.h"

static void check_trait(const char *why)
{
    static const char *const known[] = { "download-exec", "encoded-exec", "script-url",
                                         "tmp-path", "user-dir", NULL };
    if (!why)
        return;
    bool ok = false;
    for (size_t i = 0; known[i] && !ok; i++)
        ok = strcmp(why, known[i]) == 0;
    FUZZ_CHECK(ok);
}

static int on_action(void *ud, const char *cmd)
{
    size_t *count = ud;
    ++*count;
    FUZZ_CHECK(*count <= 32);
    FUZZ_CHECK(strlen(cmd) <= ((size_t)1 << 17));
    check_trait(tk_autostart_trait(cmd, false));
    const char *svc = tk_autostart_trait(cmd, true);
    check_trait(svc);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count = 0;
    int rc = tk_task_actions(data, size, on_action, &count);
    FUZZ_CHECK(rc == 0 || rc < 0);
    return 0;
}
