/* winauto.c - traces of persistence on a Windows system (live or an image): what starts by
 * itself and runs something suspicious. Read, never run:
 *
 *   Run and RunOnce values of HKLM (both views) and of each user's hive
 *   services (HKLM\SYSTEM\CurrentControlSet\Services\*\ImagePath)
 *   scheduled tasks (Windows\System32\Tasks, the XML Task Scheduler keeps per task: each
 *       Exec action's Command and Arguments)
 *   the Startup folders (all users', each user's): programs and scripts placed there, and
 *       the targets and arguments of the shortcuts (.lnk) there
 *   running processes (tenken.exe only): programs running from a temporary directory
 *
 * An entry becomes a trace (kind "persistence") when its command has a trait below or its
 * program lives in a user's profile or a temporary directory; autostart entries of ordinary
 * software are not listed. The traits are our own, written from the techniques in MITRE
 * ATT&CK T1547.001 (Run keys and Startup folder), T1543.003 (Windows services), T1053.005
 * (scheduled tasks), T1059.001 (PowerShell) and T1218 (signed binary proxy execution); they
 * are substrings matched without regard to case, so builds without PCRE2 have them too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect/collect.h"
#include "collect/winauto.h"
#include "collect/winreg.h"
#include "compat/proc.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/le.h"
#include "core/str.h"
#include "core/utf8.h"

#define TEXT_MAX 512                /* bytes of a command kept in a trace */
#define TASK_MAX ((size_t)1 << 20)  /* task files larger than this are not read */
#define MAX_TASKS 20000             /* task files looked at */
#define MAX_DEPTH 8                 /* folders of tasks */
#define MAX_STARTUP 10000           /* entries looked at per Startup folder */
#define MAX_ACTIONS 32              /* Exec actions read per task (Task Scheduler allows 32) */
#define LNK_MAX ((size_t)1 << 20)   /* what is read of a shortcut file */

static const struct {
    const char *why;
    bool services_only; /* per-user software legitimately autostarts from profiles */
    const char *tokens[9];
} traits[] = {
    { "download-exec", false,
      { "downloadstring", "downloadfile", "invoke-webrequest", "iwr http", "-urlcache",
        "bitsadmin", "start-bitstransfer", "/i:http", "invoke-restmethod" } },
    { "encoded-exec", false, { " -enc ", " -encodedcommand ", " -ec ", "frombase64string" } },
    { "script-url", false, { "javascript:", "vbscript:", "mshta http", "mshta.exe http" } },
    { "tmp-path", false,
      { "\\appdata\\local\\temp\\", "\\windows\\temp\\", "\\users\\public\\", "%temp%\\",
        "%tmp%\\", "\\$recycle.bin\\", "\\programdata\\temp\\" } },
    { "user-dir", true, { ":\\users\\", "%userprofile%\\", "%appdata%\\", "%localappdata%\\" } },
};

/* " s " lower-cased (so that " -enc " also matches at either end), tk_malloc'd; NULL when
 * out of memory. */
static char *lowered(const char *s)
{
    size_t n = strlen(s);
    char *low = tk_malloc(n + 3);
    if (!low)
        return NULL;
    low[0] = ' ';
    for (size_t i = 0; i < n; i++)
        low[i + 1] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    low[n + 1] = ' ';
    low[n + 2] = '\0';
    return low;
}

static bool has_tokens(const char *low, size_t t)
{
    for (size_t k = 0; k < 9 && traits[t].tokens[k]; k++)
        if (strstr(low, traits[t].tokens[k]))
            return true;
    return false;
}

const char *tk_autostart_trait(const char *cmd, bool service)
{
    char *low = lowered(cmd);
    const char *why = NULL;
    for (size_t t = 0; low && t < sizeof traits / sizeof traits[0] && !why; t++)
        if ((service || !traits[t].services_only) && has_tokens(low, t))
            why = traits[t].why;
    tk_free(low);
    return why;
}

/* Whether path lies in one of the tmp-path trait's places. */
static bool in_tmp_place(const char *path)
{
    char *low = lowered(path);
    bool hit = false;
    for (size_t t = 0; low && t < sizeof traits / sizeof traits[0]; t++)
        if (strcmp(traits[t].why, "tmp-path") == 0)
            hit = has_tokens(low, t);
    tk_free(low);
    return hit;
}

/* Records a trace when cmd is suspicious (or why is given). */
static int judge(struct tk_collect_ctx *ctx, const char *where, const char *cmd, const char *why,
                 const char *user, bool service)
{
    if (!why)
        why = tk_autostart_trait(cmd, service);
    if (!why)
        return 0;
    /* past the bundle's bound traces are counted as dropped, not fatal: a user who plants
     * thousands of entries must not cost the scan its bundle */
    struct tk_trace *t = tk_bundle_add_trace(ctx->b);
    if (!t)
        return 0;
    t->kind = "persistence";
    t->path = tk_bundle_strdup(ctx->b, where);
    t->line = -1;
    t->pid = -1;
    t->user = user;
    t->text = tk_bundle_clip(ctx->b, cmd, strlen(cmd), TEXT_MAX);
    t->why = why;
    return 0;
}

/* ---- Run keys and services ---------------------------------------------------------------- */

#define MAX_VALUES 16384 /* values looked at per Run key */

static int run_key(struct tk_collect_ctx *ctx, const char *path, const char *user)
{
    struct tk_winreg_key *k;
    struct tk_err e = { 0 };
    int rc = tk_winreg_key_open(ctx->reg, path, &k, &e);
    if (rc)
        return rc == TK_ENOMEM ? rc : 0;
    /* value names reach 16,383 UTF-16 units: room for them in UTF-8 */
    struct tk_buf name = TK_BUF_INIT(49152 + 16), data = TK_BUF_INIT(1 << 20),
                  cmd = TK_BUF_INIT(2 << 20), where = TK_BUF_INIT(65536);
    uint32_t type;
    rc = 0;
    for (size_t i = 0; !rc && i < MAX_VALUES; i++) {
        int r = tk_winreg_raw_at(k, i, &name, &type, &data);
        if (r == TK_ENOENT)
            break;
        if (r == TK_ENOMEM)
            rc = r;
        /* a value that cannot be read (too long, damaged) hides nothing after it; only
         * strings are commands (REG_SZ 1, REG_EXPAND_SZ 2), decoded from the bytes read */
        if (r || (type != 1 && type != 2))
            continue;
        tk_buf_reset(&cmd);
        tk_buf_reset(&where);
        if (tk_utf16le_to_utf8((const unsigned char *)(data.ptr ? data.ptr : ""), data.len,
                               &cmd) != 0 ||
            tk_buf_addf(&where, "%s\\%s", path, tk_buf_cstr(&name)) != 0)
            continue;
        rc = judge(ctx, tk_buf_cstr(&where), tk_buf_cstr(&cmd), NULL, user, false);
    }
    tk_buf_release(&name);
    tk_buf_release(&data);
    tk_buf_release(&cmd);
    tk_buf_release(&where);
    tk_winreg_key_close(k);
    return rc;
}

#define RUN "Microsoft\\Windows\\CurrentVersion\\Run"

static int run_keys(struct tk_collect_ctx *ctx)
{
    static const char *const machine[] = {
        "HKLM\\SOFTWARE\\" RUN, "HKLM\\SOFTWARE\\" RUN "Once",
        "HKLM\\SOFTWARE\\WOW6432Node\\" RUN, "HKLM\\SOFTWARE\\WOW6432Node\\" RUN "Once",
    };
    int rc = 0;
    for (size_t i = 0; i < 4 && !rc; i++)
        rc = run_key(ctx, machine[i], NULL);
    struct tk_buf path = TK_BUF_INIT(4096);
    for (size_t u = 0; u < ctx->nusers && !rc; u++) {
        for (int once = 0; once < 2 && !rc && ctx->users[u].sid; once++) {
            tk_buf_reset(&path);
            if (tk_buf_addf(&path, "HKU\\%s\\Software\\" RUN "%s", ctx->users[u].sid,
                            once ? "Once" : "") == 0)
                rc = run_key(ctx, tk_buf_cstr(&path), ctx->users[u].name);
        }
    }
    tk_buf_release(&path);
    return rc;
}

static int services(struct tk_collect_ctx *ctx)
{
    static const char base[] = "HKLM\\SYSTEM\\CurrentControlSet\\Services";
    struct tk_winreg_key *list, *k;
    struct tk_err e = { 0 };
    int rc = tk_winreg_key_open(ctx->reg, base, &list, &e);
    if (rc)
        return rc == TK_ENOMEM ? rc : 0;
    struct tk_buf name = TK_BUF_INIT(1024), sub = TK_BUF_INIT(2048), image = TK_BUF_INIT(1 << 16);
    const char *n;
    rc = 0;
    for (size_t i = 0; !rc && (n = tk_winreg_subkey(list, i, &name)) != NULL; i++) {
        tk_buf_reset(&sub);
        if (tk_buf_addf(&sub, "%s\\%s", base, n) != 0 ||
            tk_winreg_key_open(ctx->reg, tk_buf_cstr(&sub), &k, &e) != 0)
            continue;
        if (tk_winreg_str(k, "ImagePath", &image) == 0)
            rc = judge(ctx, tk_buf_cstr(&sub), tk_buf_cstr(&image), NULL, NULL, true);
        tk_winreg_key_close(k);
    }
    tk_buf_release(&name);
    tk_buf_release(&sub);
    tk_buf_release(&image);
    tk_winreg_key_close(list);
    return rc;
}

/* ---- scheduled tasks ---------------------------------------------------------------------- */

/* The first occurrence of needle in [s, e), or NULL. */
static const char *find(const char *s, const char *e, const char *needle)
{
    size_t n = strlen(needle);
    for (; s && (size_t)(e - s) >= n; s++) {
        s = memchr(s, needle[0], (size_t)(e - s) - n + 1);
        if (!s)
            return NULL;
        if (memcmp(s, needle, n) == 0)
            return s;
    }
    return NULL;
}

/* The text of the first <tag>…</tag> in [*from, end), entities decoded, appended to out;
 * *from moves past it. False when there is none. */
static bool element(const char **from, const char *end, const char *tag, struct tk_buf *out)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = find(*from, end, open);
    const char *e = s ? find(s, end, close) : NULL;
    if (!e)
        return false;
    s += strlen(open);
    static const struct {
        const char *ent;
        char c;
    } ents[] = { { "&quot;", '"' }, { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
                 { "&apos;", '\'' } };
    for (const char *p = s; p < e; p++) {
        char c = *p;
        for (size_t i = 0; c == '&' && i < sizeof ents / sizeof ents[0]; i++) {
            size_t l = strlen(ents[i].ent);
            if ((size_t)(e - p) >= l && memcmp(p, ents[i].ent, l) == 0) {
                c = ents[i].c;
                p += l - 1;
                break;
            }
        }
        tk_buf_addc(out, c);
    }
    *from = e + strlen(close);
    return true;
}

int tk_task_actions(const void *raw, size_t n, int (*fn)(void *ud, const char *cmd), void *ud)
{
    struct tk_buf xml = TK_BUF_INIT(2 * TASK_MAX + 16), cmd = TK_BUF_INIT(1 << 16);
    const unsigned char *p = raw;
    int rc = 0;
    if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) /* UTF-16LE, as Task Scheduler writes them */
        rc = tk_utf16le_to_utf8(p + 2, n - 2, &xml);
    else
        rc = tk_buf_add(&xml, raw, n);
    const char *at = tk_buf_cstr(&xml), *end = at + xml.len;
    for (int actions = 0; !rc && actions < MAX_ACTIONS; actions++) {
        /* each <Exec> holds a Command and perhaps Arguments */
        const char *exec = find(at, end, "<Exec>");
        const char *stop = exec ? find(exec, end, "</Exec>") : NULL;
        if (!stop)
            break;
        const char *in = exec;
        tk_buf_reset(&cmd);
        if (element(&in, stop, "Command", &cmd)) {
            struct tk_buf args = TK_BUF_INIT(1 << 16);
            if (element(&in, stop, "Arguments", &args) && args.len) {
                tk_buf_addc(&cmd, ' ');
                tk_buf_add(&cmd, args.ptr, args.len);
            }
            tk_buf_release(&args);
            rc = fn(ud, tk_buf_cstr(&cmd));
        }
        at = stop + 7;
    }
    tk_buf_release(&xml);
    tk_buf_release(&cmd);
    return rc == TK_ENOMEM ? rc : rc > 0 ? rc : 0;
}

struct task_ud {
    struct tk_collect_ctx *ctx;
    const char *path;
};

static int on_action(void *ud, const char *cmd)
{
    struct task_ud *t = ud;
    return judge(t->ctx, t->path, cmd, NULL, NULL, false);
}

static int task_file(struct tk_collect_ctx *ctx, const char *path)
{
    struct tk_buf raw = TK_BUF_INIT(TASK_MAX);
    struct tk_err e = { 0 };
    int rc = tk_fs_read(ctx->root, path, &raw, &e);
    if (rc) {
        if (rc != TK_ENOENT && rc != TK_EACCES)
            tk_collect_error(ctx, path, &e);
        tk_buf_release(&raw);
        return 0;
    }
    struct task_ud t = { ctx, path };
    rc = tk_task_actions(raw.ptr ? raw.ptr : "", raw.len, on_action, &t);
    tk_buf_release(&raw);
    return rc;
}

static int tasks(struct tk_collect_ctx *ctx, const char *dir, int depth, size_t *seen)
{
    struct tk_fs_dir *d;
    if (depth > MAX_DEPTH || tk_fs_dir_open(ctx->root, dir, &d, NULL) != 0)
        return 0;
    const char *name;
    bool is_dir;
    int rc = 0;
    while (!rc && *seen < MAX_TASKS && (name = tk_fs_dir_next(d, &is_dir)) != NULL) {
        struct tk_buf path = TK_BUF_INIT(8192);
        if (tk_buf_addf(&path, "%s/%s", dir, name) == 0) {
            ++*seen;
            rc = is_dir ? tasks(ctx, tk_buf_cstr(&path), depth + 1, seen)
                        : task_file(ctx, tk_buf_cstr(&path));
        }
        tk_buf_release(&path);
    }
    tk_fs_dir_close(d);
    return rc;
}

/* ---- shortcuts (.lnk) ---------------------------------------------------------------------- */

/* The Shell Link format, as Microsoft's [MS-SHLLINK] specifies it: a 76-byte header with the
 * link's CLSID and flags, then the optional parts the flags announce in a fixed order: the
 * target's item id list, LinkInfo (where the target was: a local path, or a share and the
 * path under it), the counted strings (name, relative path, working directory, arguments,
 * icon location), and extra data blocks, one of which holds the target with environment
 * variables unexpanded. */
#define LNK_HEADER 0x4c
#define LNK_ID_LIST 0x1u
#define LNK_INFO 0x2u
#define LNK_UNICODE 0x80u
#define LNK_EXP 0x200u /* HasExpString: the environment block names the target */
#define LNK_ENV_BLOCK 0xa0000001u

/* A NUL-terminated string of the system code page at p[off..n): ASCII kept, other bytes '?'
 * (the code page is not known here; the traits are ASCII). */
static int lnk_ansi(const unsigned char *p, size_t n, size_t off, struct tk_buf *out)
{
    int rc = 0;
    for (size_t i = off; i < n && p[i] && !rc; i++)
        rc = tk_buf_addc(out, p[i] < 0x80 ? (char)p[i] : '?');
    return rc;
}

/* A NUL-terminated UTF-16LE string at p[off..n). */
static int lnk_wide(const unsigned char *p, size_t n, size_t off, struct tk_buf *out)
{
    return off < n ? tk_utf16le_to_utf8(p + off, n - off, out) : 0;
}

/* The target from LinkInfo: the local base path, or the share's name, then the common path
 * suffix. 0 with nothing added when LinkInfo names neither. */
static int lnk_info_target(const unsigned char *li, size_t n, struct tk_buf *out)
{
    if (n < 0x1c)
        return 0;
    uint32_t header = tk_le32(li + 4), flags = tk_le32(li + 8), local = tk_le32(li + 16),
             net = tk_le32(li + 20), suffix = tk_le32(li + 24);
    bool wide = header >= 0x24 && n >= 0x24;
    int rc = 0;
    size_t before = out->len;
    if (flags & 1u) {
        uint32_t wlocal = wide ? tk_le32(li + 28) : 0;
        rc = wlocal ? lnk_wide(li, n, wlocal, out) : lnk_ansi(li, n, local, out);
    } else if ((flags & 2u) && net < n && n - net >= 12) {
        uint32_t name = tk_le32(li + net + 8);
        if (name < n - net)
            rc = lnk_ansi(li + net, n - net, name, out);
    }
    if (rc || out->len == before)
        return rc;
    if (!(flags & 1u) && out->ptr[out->len - 1] != '\\')
        rc = tk_buf_addc(out, '\\');
    uint32_t wsuffix = wide ? tk_le32(li + 32) : 0;
    if (!rc)
        rc = wsuffix ? lnk_wide(li, n, wsuffix, out) : lnk_ansi(li, n, suffix, out);
    return rc;
}

/* The file-system path an item id list names, as far as its items tell it: a volume item
 * ("C:\\") and the primary names of the file entry items after it (often 8.3 short names,
 * "PROGRA~1"); nothing when it holds no volume (a shell folder, a control panel item). */
static int lnk_id_path(const unsigned char *p, size_t n, struct tk_buf *out)
{
    size_t at = 0, before = out->len;
    bool volume = false;
    int rc = 0;
    for (int items = 0; !rc && items < 64 && n - at >= 2; items++) {
        size_t size = tk_le16(p + at);
        if (size < 3 || size > n - at)
            break;
        const unsigned char *it = p + at;
        unsigned type = it[2];
        if ((type & 0x70) == 0x20 && size > 3) { /* a volume: "C:\\" at 3 */
            tk_buf_truncate(out, before);
            volume = true;
            rc = lnk_ansi(it, size < 3 + 20 ? size : 3 + 20, 3, out);
        } else if ((type & 0x70) == 0x30 && size > 14 && volume) { /* a file entry */
            if (out->len > before && out->ptr[out->len - 1] != '\\')
                rc = tk_buf_addc(out, '\\');
            if (!rc)
                rc = type & 0x04 ? lnk_wide(it, size, 14, out) : lnk_ansi(it, size, 14, out);
        }
        at += size;
    }
    if (!rc && !volume)
        tk_buf_truncate(out, before);
    return rc;
}

/* Whether the path component s (n bytes) is the 8.3 short name Windows would derive from
 * long (m bytes): "PROGRA~1" from "Program Files", "POWERS~1.EXE" from "powershell.exe" -
 * the first letters of the name without spaces and dots, '~' and a number, and the first
 * three letters of the extension. */
static bool short_of(const char *s, size_t n, const char *l, size_t m)
{
    const char *tilde = memchr(s, '~', n);
    if (!tilde)
        return false;
    const char *sdot = memchr(tilde, '.', n - (size_t)(tilde - s));
    const char *ldot = NULL;
    for (size_t i = 0; i < m; i++)
        if (l[i] == '.')
            ldot = l + i;
    size_t lname = ldot ? (size_t)(ldot - l) : m, k = 0;
    for (const char *c = s; c < tilde; c++) { /* the stem, against the long name's letters */
        while (k < lname && (l[k] == ' ' || l[k] == '.'))
            k++;
        if (k == lname || ((*c ^ l[k]) & ~0x20) != 0)
            return false;
        k++;
    }
    if (!sdot)
        return true;
    size_t ext = n - (size_t)(sdot - s) - 1;
    return ldot && ext <= m - lname - 1 && strncasecmp(sdot + 1, ldot + 1, ext) == 0;
}

/* Two spellings of one path: equal without regard to case, component by component, where a
 * component may be the other's 8.3 short name. */
static bool same_text(const struct tk_buf *a, const struct tk_buf *b)
{
    const char *p = a->ptr, *q = b->ptr, *pe = p + a->len, *qe = q + b->len;
    while (p < pe && q < qe) {
        const char *pn = memchr(p, '\\', (size_t)(pe - p)), *qn = memchr(q, '\\', (size_t)(qe - q));
        size_t pl = pn ? (size_t)(pn - p) : (size_t)(pe - p);
        size_t ql = qn ? (size_t)(qn - q) : (size_t)(qe - q);
        if (!((pl == ql && strncasecmp(p, q, pl) == 0) || short_of(p, pl, q, ql) ||
              short_of(q, ql, p, pl)))
            return false;
        if (!pn || !qn)
            return !pn && !qn;
        p = pn + 1;
        q = qn + 1;
    }
    return p >= pe && q >= qe;
}

int tk_lnk_command(const void *raw, size_t n, struct tk_buf *out)
{
    static const unsigned char clsid[16] = { 0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                             0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 };
    const unsigned char *p = raw;
    if (n < LNK_HEADER || tk_le32(p) != LNK_HEADER || memcmp(p + 4, clsid, 16) != 0)
        return TK_EPARSE;
    uint32_t flags = tk_le32(p + 0x14);
    size_t at = LNK_HEADER;
    /* the targets the link names (their order is decided below) and its arguments; each
     * bounded by what n bytes can decode to (UTF-16 to UTF-8: at most 3 bytes for 2), so
     * that no part the link does not use can fail the whole link by its size */
    size_t cap = n / 2 * 3 + 16;
    struct tk_buf env = TK_BUF_INIT(cap), ids = TK_BUF_INIT(cap), info = TK_BUF_INIT(cap),
                  relative = TK_BUF_INIT(cap), args = TK_BUF_INIT(cap);
    int rc = 0;
    if (flags & LNK_ID_LIST) {
        if (n - at < 2)
            return TK_EPARSE;
        size_t size = tk_le16(p + at);
        if (size <= n - at - 2)
            rc = lnk_id_path(p + at + 2, size, &ids);
        at += 2 + size;
    }
    if (!rc && (flags & LNK_INFO) && at <= n && n - at >= 4) {
        uint32_t size = tk_le32(p + at);
        if (size < 4 || size > n - at)
            rc = TK_EPARSE;
        else
            rc = lnk_info_target(p + at, size, &info);
        at += size;
    }
    /* the counted strings: name, relative path, working directory, arguments, icon */
    size_t unit = flags & LNK_UNICODE ? 2 : 1;
    for (int i = 0; i < 5 && !rc; i++) {
        if (!(flags & (4u << i)))
            continue;
        if (at > n || n - at < 2) {
            rc = TK_EPARSE;
            break;
        }
        size_t len = (tk_le16(p + at)) * unit;
        at += 2;
        if (len > n - at) {
            rc = TK_EPARSE;
            break;
        }
        struct tk_buf *to = i == 1 ? &relative : i == 3 ? &args : NULL;
        if (to && unit == 2)
            rc = tk_utf16le_to_utf8(p + at, len, to);
        else if (to)
            rc = lnk_ansi(p + at, len, 0, to);
        at += len;
    }
    /* extra data: the target with its environment variables ("%windir%\\system32\\…") */
    for (int blocks = 0; !rc && blocks < 64 && at <= n && n - at >= 8; blocks++) {
        uint32_t size = tk_le32(p + at), sig = tk_le32(p + at + 4);
        if (size < 8 || size > n - at)
            break;
        if (sig == LNK_ENV_BLOCK && size >= 8 + 260 + 520 && !env.len) {
            rc = lnk_wide(p + at, 8 + 260 + 520, 8 + 260, &env);
            if (!rc && !env.len)
                rc = lnk_ansi(p + at, 8 + 260, 8, &env);
        }
        at += size;
    }
    /* shown first: the environment block when the link uses it, else the readable
     * LinkInfo path, else the id list; every other target that differs follows as
     * "(also …)", so that what runs is judged whichever it is. The relative path counts
     * only when there is nothing else. */
    struct tk_buf *order[4] = { &info, &ids, &env, &relative };
    if (flags & LNK_EXP)
        order[0] = &env, order[1] = &info, order[2] = &ids;
    struct tk_buf *shown = NULL;
    for (int i = 0; i < 4 && !rc; i++) {
        if (order[i] == &relative && shown)
            break;
        struct tk_buf *t = order[i];
        if (!t->len)
            continue;
        bool seen = false;
        for (int k = 0; k < i; k++)
            seen |= order[k]->len && same_text(order[k], t);
        if (seen)
            continue;
        if (!shown) {
            shown = t;
            bool quote = memchr(t->ptr, ' ', t->len) != NULL;
            rc = tk_buf_addf(out, quote ? "\"%s\"" : "%s", tk_buf_cstr(t));
            if (!rc && args.len)
                rc = tk_buf_addf(out, " %s", tk_buf_cstr(&args));
        } else {
            rc = tk_buf_addf(out, " (also %s)", tk_buf_cstr(t));
        }
    }
    if (!rc && !shown) {
        if (args.len)
            rc = tk_buf_add(out, args.ptr, args.len);
        else
            rc = TK_ENOENT;
    }
    tk_buf_release(&env);
    tk_buf_release(&ids);
    tk_buf_release(&info);
    tk_buf_release(&relative);
    tk_buf_release(&args);
    return rc == TK_ELIMIT ? TK_EPARSE : rc;
}

/* ---- Startup folders ---------------------------------------------------------------------- */

/* A shortcut in a Startup folder runs its target at every logon: judged by what it runs
 * ("target arguments"), like a Run value. */
static int startup_link(struct tk_collect_ctx *ctx, const char *path, const char *user)
{
    /* the command holds at most every part of the link once, decoded (see tk_lnk_command) */
    struct tk_buf raw = TK_BUF_INIT(LNK_MAX), cmd = TK_BUF_INIT(8 * LNK_MAX);
    struct tk_err e = { 0 };
    /* the first LNK_MAX bytes: padding after the link's blocks does not hide it */
    int rc = tk_fs_read_head(ctx->root, path, LNK_MAX, &raw, &e);
    if (rc) {
        if (rc != TK_ENOENT && rc != TK_EACCES)
            tk_collect_error(ctx, path, &e);
        rc = 0;
    } else {
        rc = tk_lnk_command(raw.ptr ? raw.ptr : "", raw.len, &cmd);
        if (rc == TK_EPARSE)
            tk_bundle_errorf(ctx->b, ctx->collector, path, TK_EPARSE,
                             "not a readable Windows shortcut");
        rc = rc == 0 ? judge(ctx, path, tk_buf_cstr(&cmd), NULL, user, false)
                     : rc == TK_ENOMEM ? rc : 0;
    }
    tk_buf_release(&raw);
    tk_buf_release(&cmd);
    return rc;
}

/* Programs and scripts in a Startup folder run at every logon, and so do the targets of its
 * shortcuts (.lnk, what software normally puts there; judged by what they run). 1 when
 * there is no such folder. */
static int startup(struct tk_collect_ctx *ctx, const char *dir, const char *user)
{
    static const char *const runnable[] = { ".exe", ".scr", ".com", ".pif", ".bat", ".cmd",
                                            ".vbs", ".vbe", ".js", ".jse", ".wsf", ".ps1",
                                            ".hta", ".dll", NULL };
    struct tk_fs_dir *d;
    if (tk_fs_dir_open(ctx->root, dir, &d, NULL) != 0)
        return 1;
    const char *name;
    bool is_dir;
    int rc = 0;
    for (size_t seen = 0; !rc && seen < MAX_STARTUP && (name = tk_fs_dir_next(d, &is_dir));
         seen++) {
        const char *dot = strrchr(name, '.');
        bool run = false;
        for (size_t i = 0; dot && runnable[i] && !run; i++)
            run = strcasecmp(dot, runnable[i]) == 0;
        bool link = dot && strcasecmp(dot, ".lnk") == 0;
        if (is_dir || (!run && !link))
            continue;
        struct tk_buf path = TK_BUF_INIT(8192);
        if (tk_buf_addf(&path, "%s/%s", dir, name) == 0)
            rc = link ? startup_link(ctx, tk_buf_cstr(&path), user)
                      : judge(ctx, tk_buf_cstr(&path), name, "startup-program", user, false);
        tk_buf_release(&path);
    }
    tk_fs_dir_close(d);
    return rc;
}

/* ---- running processes ------------------------------------------------------------------- */

/* Programs running from a temporary directory, Users\Public or the recycle bin: a trace of
 * kind process-location, as on Linux. tenken.exe itself (often started from Downloads or a
 * temporary folder) is not one. */
static int processes(struct tk_collect_ctx *ctx)
{
    int *pids = NULL;
    size_t n = 0;
    struct tk_err e = { 0 };
    if (tk_proc_list(&pids, &n, &e) != 0) {
        tk_collect_error(ctx, NULL, &e);
        return e.code == TK_ENOMEM ? TK_ENOMEM : 0;
    }
    int self = tk_sys_pid(), rc = 0;
    static struct tk_proc me; /* large; one scan at a time */
    bool have_me = tk_proc_identify(self, &me, &e) == 0 && me.exe[0];
    for (size_t i = 0; i < n && !rc; i++) {
        struct tk_proc p;
        /* tenken.exe itself, and other runs of the same file */
        if (pids[i] == self || tk_proc_identify(pids[i], &p, &e) != 0 || !p.exe[0] ||
            (have_me && strcasecmp(p.exe, me.exe) == 0))
            continue;
        if (!in_tmp_place(p.exe))
            continue;
        struct tk_trace *t = tk_bundle_add_trace(ctx->b);
        if (!t)
            break; /* the bundle's bound: counted as dropped */
        t->kind = "process-location";
        t->why = "tmp-path";
        t->path = tk_bundle_strdup(ctx->b, p.exe);
        t->line = -1;
        t->pid = p.pid;
        t->process = tk_bundle_strdup(ctx->b, p.comm);
        t->text = tk_bundle_clip(ctx->b, p.cmdline, strlen(p.cmdline), TEXT_MAX);
    }
    free(pids); /* tk_proc_list's contract */
    return rc;
}

/* The all-users folder is "StartUp", a user's "Startup"; an image mounted on Linux may
 * tell the two apart, so both spellings are tried (Windows itself finds the first). */
static int startup_at(struct tk_collect_ctx *ctx, const char *base, const char *user)
{
    struct tk_buf dir = TK_BUF_INIT(8192);
    int rc = 1;
    for (int i = 0; i < 2 && rc == 1; i++) {
        tk_buf_reset(&dir);
        if (tk_buf_addf(&dir, "%s/Microsoft/Windows/Start Menu/Programs/%s", base,
                        i ? "StartUp" : "Startup") == 0)
            rc = startup(ctx, tk_buf_cstr(&dir), user);
    }
    tk_buf_release(&dir);
    return rc == 1 ? 0 : rc;
}

int tk_collect_win_autostart(struct tk_collect_ctx *ctx)
{
    if (!ctx->traces) {
        ctx->note = "--no-traces";
        return 0;
    }
    ctx->b->detect.ran = ctx->b->detect.traces = true;
    size_t seen = 0;
    int rc = ctx->reg ? run_keys(ctx) : 0;
    if (!rc && ctx->reg)
        rc = services(ctx);
    if (!rc)
        rc = tasks(ctx, "/Windows/System32/Tasks", 0, &seen);
    if (!rc)
        rc = startup_at(ctx, "/ProgramData", NULL);
    if (!rc && ctx->live)
        rc = processes(ctx);
    struct tk_buf base = TK_BUF_INIT(8192);
    for (size_t u = 0; u < ctx->nusers && !rc; u++) {
        tk_buf_reset(&base);
        if (ctx->users[u].home &&
            tk_buf_addf(&base, "%s/AppData/Roaming", ctx->users[u].home) == 0)
            rc = startup_at(ctx, tk_buf_cstr(&base), ctx->users[u].name);
    }
    tk_buf_release(&base);
    return rc;
}
