/* procimg.c - the programs of running processes against the hash IOCs (procimg.h): each
 * distinct image file is read once, up to the file scan's size bound, hashed (MD5, SHA-1,
 * SHA-256) and looked up; a hit is a detection of kind "process" naming the process. This
 * finds a known-bad program wherever it runs from, inside the quick places or not. */
#include "scan/procimg.h"

#include <stdlib.h>
#include <string.h>

#include "compat/fs.h"
#include "compat/proc.h"
#include "compat/sys.h"
#include "core/hash.h"
#include "core/map.h"
#include "scan/detect.h"

#define MAX_IMAGES 65536 /* distinct programs looked at */

int tk_procimg_check(struct tk_bundle *b, const struct tk_iocs *iocs, uint64_t max_size,
                     struct tk_err *err)
{
    int *pids = NULL;
    size_t n = 0;
    struct tk_err e = { 0 };
    if (tk_proc_list(&pids, &n, &e) != 0) {
        tk_bundle_error(b, "processes", NULL, &e);
        return e.code == TK_ENOMEM ? tk_err_set(err, e.code, "%s", e.msg) : 0;
    }
    struct tk_map seen;
    tk_map_init(&seen, MAX_IMAGES);
    struct tk_buf data = TK_BUF_INIT(max_size ? (size_t)max_size : ((size_t)64 << 20));
    static struct tk_proc p; /* large; one scan at a time */
    int self = tk_sys_pid(), rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (pids[i] == self || tk_proc_identify(pids[i], &p, &e) != 0 || !p.exe[0] ||
            p.exe_deleted)
            continue;
        struct tk_str key = tk_str_c(p.exe);
        if (tk_map_get(&seen, key))
            continue;
        if (tk_map_put(&seen, key, &seen) != 0)
            break; /* past MAX_IMAGES: the rest is not looked at */
        tk_buf_reset(&data);
        struct tk_digests d;
        if (tk_read_file(p.exe, &data, &e) != 0 ||
            tk_hash3(data.ptr ? data.ptr : "", data.len, &d) != 0)
            continue; /* unreadable without privileges, or too large: the file scan's rules */
        const struct tk_ioc *hit = tk_iocs_find_hash(iocs, d.sha256);
        if (!hit)
            hit = tk_iocs_find_hash(iocs, d.sha1);
        if (!hit)
            hit = tk_iocs_find_hash(iocs, d.md5);
        if (!hit)
            continue;
        char user[64] = "";
        if (p.uid >= 0)
            tk_proc_user_name(p.uid, user, sizeof user);
        struct tk_detection proto = {
            .kind = "process", .path = p.exe, .pid = p.pid, .process = p.comm,
            .cmdline = p.cmdline, .user = user[0] ? user : NULL, .size = (int64_t)data.len,
            .mode = -1, .mtime = -1, .ctime = -1,
            .md5 = d.md5, .sha1 = d.sha1, .sha256 = d.sha256,
        };
        if (!tk_detection_add(b, &proto, NULL, 0, &hit, 1) && !b->detections_dropped)
            rc = tk_err_set(err, TK_ENOMEM, "out of memory recording a detection");
    }
    tk_buf_release(&data);
    tk_map_release(&seen);
    free(pids); /* tk_proc_list's contract */
    return rc;
}
