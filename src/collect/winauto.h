/* winauto.h - the parts of the Windows autostart reader (winauto.c) that judge untrusted
 * text, exposed for their tests and fuzz harness. */
#ifndef TK_COLLECT_WINAUTO_H
#define TK_COLLECT_WINAUTO_H

#include <stdbool.h>
#include <stddef.h>

/* The suspicious trait of an autostart command line ("download-exec", "encoded-exec",
 * "script-url", "tmp-path"; for a service's program also "user-dir"), or NULL. Looks at the
 * first 2 KB; static strings. */
const char *tk_autostart_trait(const char *cmd, bool service);

/* Each Exec action of a scheduled task file, given as stored (UTF-16LE with its byte-order
 * mark, or UTF-8), handed to fn as "Command Arguments" with XML entities decoded; at most 32
 * actions. fn's positive return stops the walk and is returned; TK_ENOMEM from fn or from
 * decoding is returned; anything else that is not a task simply yields no actions. */
int tk_task_actions(const void *raw, size_t n, int (*fn)(void *ud, const char *cmd), void *ud);

/* What a Windows shortcut (.lnk, the Shell Link format) runs, appended to out as "target
 * arguments" (the target quoted when it has a space). The link may name its target up to
 * four ways: LinkInfo (a local path, or a share and the path under it), the item id list
 * (a volume and file entries), the environment-variable block and the relative path. The
 * one shown first is the environment block when the link's HasExpString flag says Windows
 * uses it, else LinkInfo, else the id list; every other target that differs (8.3 short
 * names of the same path do not) follows as " (also …)". The relative path counts only
 * when there is nothing else. 0; TK_ENOENT for a link that names neither a target nor
 * arguments; TK_EPARSE for what is not a shell link or runs past its end; TK_ENOMEM. */
struct tk_buf;
int tk_lnk_command(const void *raw, size_t n, struct tk_buf *out);

#endif
