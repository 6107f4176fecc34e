/* fuzz_winauto.c - scheduled task files, shortcuts and autostart commands
 * (collect/winauto.h): any bytes as a task file, as stored (a leading FF FE makes them
 * UTF-16LE), and as a Windows shortcut (.lnk); every action handed out is bounded, at most
 * 32 of them, a shortcut's command is bounded valid text or a documented error, and judging
 * each command (as a Run value and as a service's program) gives no trait or one of the
 * documented ones. */
#include <string.h>

#include "collect/winauto.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/utf8.h"
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
    struct tk_buf cmd = TK_BUF_INIT(1 << 18);
    rc = tk_lnk_command(data, size, &cmd);
    FUZZ_CHECK(rc == 0 || rc == TK_EPARSE || rc == TK_ENOENT || rc == TK_ENOMEM);
    if (rc == 0) {
        FUZZ_CHECK(cmd.len > 0 && tk_utf8_valid(cmd.ptr, cmd.len));
        count = 0;
        on_action(&count, tk_buf_cstr(&cmd));
    }
    tk_buf_release(&cmd);
    return 0;
}
