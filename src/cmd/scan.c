/* scan.c - `tenken scan`: collect, judge, write the bundle, print the summary. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "bundle/bundle_json.h"
#include "cmd/cmd.h"
#include "collect/collect.h"
#include "kb/match.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/time.h"
#include "report/summary.h"
#include "scan/scan.h"
#include "tk_config.h"

enum {
    O_OUT, O_FORMAT, O_ROOT, O_PROC, O_ONLY, O_FAIL_ON, O_LANG, O_NO_PROGRESS, O_KB,
    O_QUICK, O_FULL, O_PATH, O_NO_DISK, O_RULES, O_NO_BUILTIN_RULES, O_IOCS,
    O_NO_BUILTIN_IOCS, O_EXCLUDE, O_EXCLUDE_REGEX, O_MAX_SIZE, O_THREADS, O_TIMEOUT, O_NICE,
    O_CPU_LIMIT, O_CACHE, O_CROSS_FS, O_ALL_FS, O_NO_MEMORY, O_PID, O_MAX_PROCESS_SIZE, O_NO_TRACES,
    O_UPLOAD, O_TOKEN, O_TOKEN_FILE, O_CA, O_UPLOAD_RETRIES, O_OS,
};
static const struct tk_opt opts[] = {
    [O_OUT] = { "out", 'o', "FILE",
                "Write the bundle to FILE (default: tenken-HOST-UTCTIME.json in the current "
                "directory). The file appears atomically, complete or not at all." },
    [O_FORMAT] = { "format", 0, "FORMAT", "Print the summary as text (default) or json." },
    [O_ROOT] = { "root", 0, "DIR",
                 "Scan the system mounted at DIR (an offline disk image) instead of this "
                 "machine. Live network state is then not collected." },
    [O_PROC] = { "proc", 0, "DIR",
                 "Read process and network state from DIR instead of /proc (for tests)." },
    [O_ONLY] = { "only", 0, "LIST",
                 "Run only these collectors and checks (comma-separated names; 'files' and "
                 "'memory' are the malware scans of files and of running processes, 'c2' the "
                 "check of connections and the hosts file against C2 IOCs, 'traces' the "
                 "traces of compromise)." },
    [O_FAIL_ON] = { "fail-on", 0, "SEVERITY",
                    "Exit with status 1 when a finding is at or above SEVERITY (info, low, "
                    "medium, high, critical)." },
    [O_LANG] = { "lang", 0, "LANG",
                 "Language of the summary: en or ja (default: from LANG)." },
    [O_NO_PROGRESS] = { "no-progress", 0, NULL, "Do not show the progress line." },
    [O_KB] = { "kb", 0, "PATH",
               "Judge software with this knowledge base (default: the one imported with "
               "'tenken kb import', else the one built into tenken)." },
    [O_QUICK] = { "quick", 0, NULL,
                  "Scan the files of the places malware lives: home directories, /tmp, "
                  "/var/tmp, /dev/shm, /opt, /usr/local, web roots and autostart locations "
                  "(the default)." },
    [O_FULL] = { "full", 0, NULL,
                 "Scan the files of the whole local file system (all local disks; pseudo and "
                 "network file systems are skipped)." },
    [O_PATH] = { "path", 'p', "DIR",
                 "Scan the files under DIR (or the file DIR) instead of the quick places; "
                 "repeatable." },
    [O_NO_DISK] = { "no-disk", 0, NULL, "Do not scan files for malware." },
    [O_RULES] = { "rules", 0, "PATH",
                  "Also scan with the YARA rules in PATH: a .yar/.yara file, a directory of "
                  "them (each file in its own namespace), or rules compiled by yarac; "
                  "repeatable." },
    [O_NO_BUILTIN_RULES] = { "no-builtin-rules", 0, NULL,
                             "Do not use tenken's built-in YARA rules." },
    [O_IOCS] = { "iocs", 0, "PATH",
                 "Also check the IOCs in PATH: hash, filename and C2 lists in LOKI/THOR "
                 "format (the kind is taken from the file name) or STIX 2.1 bundles (.json), "
                 "or a directory of them; repeatable." },
    [O_NO_BUILTIN_IOCS] = { "no-builtin-iocs", 0, NULL, "Do not use tenken's built-in IOCs." },
    [O_EXCLUDE] = { "exclude", 0, "GLOB",
                    "Skip files and directories whose path matches GLOB ('*' matches any "
                    "characters, '/' included); repeatable. Excluded directories are not "
                    "entered, and traces naming such a path (a file or a process's program) "
                    "are not reported." },
    [O_EXCLUDE_REGEX] = { "exclude-regex", 0, "REGEX",
                          "Skip files and directories whose path contains a match of REGEX "
                          "(PCRE2), as --exclude does; repeatable." },
    [O_MAX_SIZE] = { "max-size", 0, "SIZE",
                     "Do not read files larger than SIZE (bytes, or with K, M or G; default "
                     "64M; 0 means no limit)." },
    [O_THREADS] = { "threads", 'j', "N", "Scan files with N threads (default: one per core)." },
    [O_TIMEOUT] = { "timeout", 0, "SECONDS",
                    "Give up the YARA scan of one file after SECONDS (default 60)." },
    [O_NICE] = { "nice", 0, NULL,
                 "Run at the lowest CPU and I/O priority, so the PC stays usable." },
    [O_CPU_LIMIT] = { "cpu-limit", 0, "PERCENT",
                      "Keep the file scan's CPU use at about PERCENT of the machine (1 to "
                      "100)." },
    [O_CACHE] = { "cache", 0, "FILE",
                  "Remember what was scanned in FILE (SQLite) and do not read files again "
                  "that are unchanged since a scan with the same rules." },
    [O_CROSS_FS] = { "cross-fs", 0, NULL,
                     "Enter other local file systems mounted below the scanned directories." },
    [O_ALL_FS] = { "all-fs", 0, NULL,
                   "Also enter pseudo and network file systems (NFS, SMB, FUSE, ...)." },
    [O_NO_MEMORY] = { "no-memory", 0, NULL,
                      "Do not check running processes: their memory with YARA rules and "
                      "their program files against hash IOCs." },
    [O_PID] = { "pid", 0, "PID",
                "Scan the memory of process PID only (default: every process); repeatable." },
    [O_MAX_PROCESS_SIZE] = { "max-process-size", 0, "SIZE",
                             "Read at most SIZE of one process's memory (default 1G)." },
    [O_NO_TRACES] = { "no-traces", 0, NULL,
                      "Do not look for traces of compromise (suspicious autostart entries, "
                      "preloaded libraries, processes running from temporary or deleted "
                      "files, hidden processes, set-id files and kernel modules no package "
                      "installed, SSH keys)." },
    [O_UPLOAD] = { "upload", 0, "URL",
                   "After the scan, send the bundle to the analysis server at URL (HTTPS, "
                   "certificate verified). When it cannot be reached the bundle stays in its "
                   "file and the last line says how to send it later (tenken upload)." },
    [O_TOKEN] = { "token", 0, "TOKEN",
                  "The organisation's enrollment token for --upload (or --token-file, or the "
                  "TENKEN_TOKEN variable)." },
    [O_TOKEN_FILE] = { "token-file", 0, "FILE", "Read the enrollment token from FILE." },
    [O_CA] = { "ca", 0, "FILE", "Also trust this CA certificate for --upload." },
    [O_UPLOAD_RETRIES] = { "upload-retries", 0, "N",
                           "Attempts after the first when the server cannot be reached "
                           "(default 4, waiting 1, 2, 4, 8 s)." },
    [O_OS] = { "os", 0, "OS",
                "The system under --root is linux or windows (default: windows when the "
                "root holds Windows/System32/config/SOFTWARE). A Windows image is read from "
                "its registry hives (SOFTWARE, SYSTEM, each profile's NTUSER.DAT) and files." },
    { NULL, 0, NULL, NULL },
};

struct progress {
    bool on;
    double t0;
};

static void show_progress(void *ud, const char *name, const char *desc, size_t i, size_t n)
{
    struct progress *p = ud;
    if (!p->on)
        return;
    fprintf(stderr, "\r\033[2K[%2zu/%zu] %s: %s", i + 1, n, name, desc);
    fflush(stderr);
}

static void end_progress(struct progress *p)
{
    if (p->on) {
        fputs("\r\033[2K", stderr);
        fflush(stderr);
    }
}

/* tenken-HOST-20261122T045200Z.json, with HOST reduced to file-name-safe characters. */
static int default_out(struct tk_buf *out, const char *host, int64_t t)
{
    char ts[32];
    tk_time_compact(t, ts);
    int rc = tk_buf_adds(out, "tenken-");
    for (const char *p = host && *host ? host : "unknown"; *p && !rc && out->len < 70; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || (c == '.' && out->len > 7);
        rc = tk_buf_addc(out, ok ? c : '_');
    }
    if (!rc)
        rc = tk_buf_addf(out, "-%s.json", ts);
    return rc;
}

/* "64M" -> bytes; false when not a size. */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

static bool parse_int(const char *s, long lo, long hi, int *out)
{
    long v;
    if (!tk_parse_long(s, lo, hi, &v))
        return false;
    *out = (int)v;
    return true;
}


static void show_file_progress(void *ud, const struct tk_filescan_progress *fp)
{
    struct progress *p = ud;
    if (!p->on)
        return;
    char path[60] = "";
    if (fp->path) {
        size_t n = strlen(fp->path);
        snprintf(path, sizeof path, "%s%s", n > 50 ? "…" : "", fp->path + (n > 50 ? n - 50 : 0));
        /* The path is from the scanned machine: keep control characters off the terminal. */
        for (char *c = path; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
    }
    fprintf(stderr, "\r\033[2K[files] %llu files, %llu MB, %llu hits %s",
            (unsigned long long)fp->files, (unsigned long long)(fp->bytes >> 20),
            (unsigned long long)fp->detections, path);
    fflush(stderr);
}

/* The local judgement: the knowledge base's matcher over the bundle. A build without the
 * knowledge base (tenken.exe: no SQLite) writes the bundle unjudged; the analysis server
 * judges it on upload. */
struct judge {
    struct tk_kb *kb;
    struct tk_analysis an;
};

static int judge_open(struct tk_cli *cli, const char *kbpath, struct judge *j)
{
#if TK_HAVE_KB
    struct tk_err err = { 0 };
    int rc = tk_cli_open_kb(cli, kbpath, TK_KB_READONLY, &j->kb);
    if (rc)
        return rc;
    if (tk_matcher_new(&j->an.matcher, j->kb, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        tk_kb_close(j->kb);
        j->kb = NULL;
        return TK_EXIT_RUNTIME;
    }
    return 0;
#else
    if (kbpath)
        return tk_usage_error(cli, "--kb: this build of tenken has no knowledge base; the "
                                   "analysis server judges the bundle");
    return 0;
#endif
}

static int judge_run(struct judge *j, struct tk_bundle *b, struct tk_err *err)
{
#if TK_HAVE_KB
    b->analysis.kb = tk_kb_name(j->kb);
    b->analysis.kb_date = tk_matcher_kb_date(j->an.matcher);
    b->analysis.analyzed_at = b->host.finished;
    return tk_analyze(b, &j->an, err);
#else
    return 0;
#endif
}

static void judge_close(struct judge *j)
{
#if TK_HAVE_KB
    tk_matcher_free(j->an.matcher);
    tk_kb_close(j->kb);
#endif
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    struct tk_collect_opts co = { .root = "/" };
    const char **paths = tk_calloc((size_t)argc + 1, sizeof *paths);
    const char **rules = tk_calloc((size_t)argc + 1, sizeof *rules);
    const char **iocs = tk_calloc((size_t)argc + 1, sizeof *iocs);
    const char **excl = tk_calloc((size_t)argc + 1, sizeof *excl);
    const char **excl_re = tk_calloc((size_t)argc + 1, sizeof *excl_re);
    int *pids = tk_calloc((size_t)argc + 1, sizeof *pids);
    struct tk_buf messages = TK_BUF_INIT(1 << 20);
    struct tk_detect_opts dop = {
        .profile = TK_PROFILE_QUICK, .disk = true, .memory = true, .c2 = true, .traces = true, .builtin_rules = true,
        .builtin_iocs = true, .pids = pids, .paths = paths, .rules = rules, .iocs = iocs, .messages = &messages,
        .files = { .max_size = TK_FILESCAN_DEFAULT_MAX_SIZE, .exclude_globs = excl,
                   .exclude_regex = excl_re },
    };
    bool nice = false;
    if (!paths || !rules || !iocs || !excl || !excl_re || !pids) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        tk_free(paths), tk_free(rules), tk_free(iocs), tk_free(excl), tk_free(excl_re);
        tk_free(pids);
        return TK_EXIT_RUNTIME;
    }
    const char *val, *out = NULL, *format = "text", *kbpath = NULL;
    enum tk_severity fail_on = TK_SEV_CRITICAL;
    bool have_fail_on = false, no_progress = false, no_traces = false;
    enum tk_lang lang = tk_lang_from_env();
    int idx, rc = TK_EXIT_OK;
    struct tk_cli_upload up = { .retries = 4 };
    const char *token = NULL, *token_file = NULL;
    const char *profile = NULL;   /* --quick, --full or --path: which one was given */
    const char *upload_opt = NULL; /* an option that only --upload uses */
    char tok[128] = "";

    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        switch (idx) {
        case O_OUT:
            if (strcmp(val, "-") == 0) /* standard output carries the summary */
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "-o - is not possible: the bundle goes to a file, the summary to "
                         "standard output");
            out = val;
            break;
        case O_FORMAT:
            format = val;
            break;
        case O_ROOT:
            co.root = val;
            break;
        case O_PROC:
            co.proc = val;
            break;
        case O_ONLY: {
            static const char *const checks[] = { "files", "memory", "c2", "traces", NULL };
            char bad[64], names[512];
            if (tk_collect_unknown(val, checks, bad, sizeof bad)) {
                tk_collect_names(checks, names, sizeof names);
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--only: '%s' is none of %s", bad, names);
            }
            co.only = val;
            break;
        }
        case O_OS:
            if (strcmp(val, "linux") != 0 && strcmp(val, "windows") != 0)
                idx = TK_OPT_STOP,
                p.exit_code = tk_usage_error(cli, "--os must be linux or windows, not '%s'", val);
            co.os = val;
            break;
        case O_FAIL_ON:
            if (tk_severity_parse(val, &fail_on) != 0)
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--fail-on must be info, low, medium, high or critical, not '%s'", val);
            have_fail_on = true;
            break;
        case O_LANG:
            if (tk_lang_parse(val, &lang) != 0)
                idx = TK_OPT_STOP,
                p.exit_code = tk_usage_error(cli, "--lang must be en or ja, not '%s'", val);
            break;
        case O_NO_PROGRESS:
            no_progress = true;
            break;
        case O_KB:
            kbpath = val;
            break;
        case O_QUICK:
        case O_FULL:
        case O_PATH: { /* one of the three: the last would silently win */
            const char *name = idx == O_QUICK ? "--quick" : idx == O_FULL ? "--full" : "--path";
            if (profile && strcmp(profile, name) != 0) {
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "%s and %s cannot go together: give one of --quick, --full, --path",
                    profile, name);
                break;
            }
            profile = name;
            dop.profile = idx == O_QUICK  ? TK_PROFILE_QUICK
                          : idx == O_FULL ? TK_PROFILE_FULL
                                          : TK_PROFILE_PATHS;
            if (idx == O_PATH)
                paths[dop.npaths++] = val;
            break;
        }
        case O_NO_DISK:
            dop.disk = false;
            break;
        case O_RULES:
            rules[dop.nrules++] = val;
            break;
        case O_NO_BUILTIN_RULES:
            dop.builtin_rules = false;
            break;
        case O_IOCS:
            iocs[dop.niocs++] = val;
            break;
        case O_NO_BUILTIN_IOCS:
            dop.builtin_iocs = false;
            break;
        case O_EXCLUDE:
            excl[dop.files.nexclude_globs++] = val;
            break;
        case O_EXCLUDE_REGEX:
            excl_re[dop.files.nexclude_regex++] = val;
            break;
        case O_MAX_SIZE:
            if (!parse_size(val, &dop.files.max_size))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--max-size must be a size such as 64M or 1G, not '%s'", val);
            break;
        case O_THREADS:
            if (!parse_int(val, 1, 64, &dop.files.threads))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--threads must be a number from 1 to 64, not '%s'", val);
            break;
        case O_TIMEOUT:
            if (!parse_int(val, 1, 86400, &dop.files.timeout_s))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--timeout must be a number of seconds (1 to 86400), not '%s'", val);
            break;
        case O_NICE:
            nice = true;
            break;
        case O_CPU_LIMIT:
            if (!parse_int(val, 1, 100, &dop.files.cpu_limit))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--cpu-limit must be a percentage from 1 to 100, not '%s'", val);
            break;
        case O_CACHE:
            dop.files.cache = val;
            break;
        case O_CROSS_FS:
            dop.files.cross_fs = true;
            break;
        case O_ALL_FS:
            dop.files.cross_fs = dop.files.special_fs = true;
            break;
        case O_NO_MEMORY:
            dop.memory = false;
            break;
        case O_NO_TRACES:
            dop.traces = false;
            no_traces = true;
            break;
        case O_UPLOAD:
            up.server = val;
            break;
        case O_TOKEN:
            token = val;
            upload_opt = "--token";
            break;
        case O_TOKEN_FILE:
            token_file = val;
            upload_opt = "--token-file";
            break;
        case O_CA:
            up.ca = val;
            upload_opt = "--ca";
            break;
        case O_UPLOAD_RETRIES: {
            upload_opt = "--upload-retries";
            int n = 0;
            if (!parse_int(val, 0, 20, &n))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--upload-retries must be 0 to 20, not '%s'", val);
            up.retries = n;
            break;
        }
        case O_PID:
            if (!parse_int(val, 1, 0x7fffffff, &pids[dop.npids]))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--pid must be a process id, not '%s'", val);
            dop.npids++;
            break;
        case O_MAX_PROCESS_SIZE:
            if (!parse_size(val, &dop.max_process_bytes) || !dop.max_process_bytes)
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--max-process-size must be a size such as 512M or 2G, not '%s'",
                    val);
            break;
        }
        if (idx == TK_OPT_STOP)
            break;
    }
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
        tk_optparse_release(&p);
        goto out;
    }
    if (p.npos) {
        rc = tk_usage_error(cli, "unexpected argument '%s'", p.pos[0]);
        tk_optparse_release(&p);
        goto out;
    }
    tk_optparse_release(&p);
    if (co.os && strcmp(co.root, "/") == 0 && strcmp(co.os, tk_sys_os_family()) != 0) {
        rc = tk_usage_error(cli, "--os %s describes the system under --root; this machine runs %s",
                            co.os, tk_sys_os_family());
        goto out;
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        rc = tk_usage_error(cli, "--format must be text or json, not '%s'", format);
        goto out;
    }
    if (upload_opt && !up.server) {
        rc = tk_usage_error(cli, "%s is for --upload URL, which is not given", upload_opt);
        goto out;
    }
    /* the token is checked before the scan, not after minutes of work */
    if (up.server && (rc = tk_cli_token(cli, token, token_file, tok, sizeof tok)) != 0)
        goto out;
    up.token = tok;
    up.progress = !no_progress;
    dop.root = co.root;
    if (co.only && !tk_collect_selected(co.only, "files"))
        dop.disk = false;
    if (co.only && !tk_collect_selected(co.only, "memory"))
        dop.memory = false;
    if (co.only && !tk_collect_selected(co.only, "c2"))
        dop.c2 = false;
    if (co.only && !tk_collect_selected(co.only, "traces"))
        dop.traces = false;
    co.no_traces = no_traces; /* --only autostart selects that collector by itself */
    dop.offline = co.proc != NULL; /* a test's /proc: no live memory or connections */
    if (nice && tk_sys_lower_priority() != 0)
        tk_log(&cli->log, TK_LOG_WARN, "--nice: could not lower the priority");

    struct tk_bundle b;
    struct tk_err err = { 0 };
    struct tk_buf outpath = TK_BUF_INIT(8192);
    struct progress prog = {
        .on = !no_progress && cli->log.format == TK_LOG_TEXT && tk_sys_isatty(2),
        .t0 = tk_time_mono(),
    };
    co.progress = show_progress;
    co.ud = &prog;
    struct tk_user *users = NULL;
    size_t nusers = 0;
    co.users = &users;
    co.nusers = &nusers;

    struct judge judge = { 0 };
    if ((rc = judge_open(cli, kbpath, &judge)) != 0)
        goto out;
    if (tk_bundle_init(&b, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        judge_close(&judge);
        rc = TK_EXIT_RUNTIME;
        goto out;
    }
    b.host.started = tk_time_now();
    int c = tk_collect(&b, &co, &err);
    if (c == 0) {
        dop.files.progress = show_file_progress;
        dop.files.ud = &prog;
        dop.users = users;
        dop.nusers = nusers;
        c = tk_detect(&b, &dop, &err);
        if (messages.len) {
            /* Every rule compile error (or IOC warning), not just the first. */
            end_progress(&prog);
            struct tk_str rest = { tk_buf_cstr(&messages), messages.len }, line;
            while (tk_str_next_line(&rest, &line))
                tk_log(&cli->log, c == TK_EPARSE ? TK_LOG_ERROR : TK_LOG_WARN, "%.*s",
                       (int)line.n, line.p);
        }
        if (c == TK_EPARSE || c == TK_EINVAL || c == TK_ENOENT) {
            end_progress(&prog);
            if (!(c == TK_EPARSE && messages.len)) /* else already listed above */
                tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            rc = c == TK_EINVAL ? TK_EXIT_USAGE : TK_EXIT_RUNTIME;
            goto done;
        }
    }
    end_progress(&prog);
    b.host.finished = tk_time_now();
    if (b.scan.live && strcmp(tk_sys_os_family(), "windows") == 0) /* under the system drive */
        tk_bundle_native_paths(&b, tk_sys_system_root());
    if (c == 0)
        c = judge_run(&judge, &b, &err);
    if (c != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    if (out) {
        tk_buf_adds(&outpath, out);
    } else if (default_out(&outpath, b.host.hostname, b.host.started) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    if (tk_bundle_write_file(&b, tk_buf_cstr(&outpath), &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    if (strcmp(format, "json") == 0)
        c = tk_summary_json(cli->out, &b, tk_buf_cstr(&outpath));
    else
        c = tk_summary_text(cli->out, &b, tk_buf_cstr(&outpath), lang);
    if (c != 0)
        rc = TK_EXIT_RUNTIME;
    else if (have_fail_on && tk_bundle_max_severity(&b) >= (int)fail_on)
        rc = TK_EXIT_FINDINGS;
    if (up.server) {
        fflush(cli->out);
        int u = tk_cli_upload(cli, &up, tk_buf_cstr(&outpath));
        if (u)
            rc = u;
    }
done:
    tk_free(users);
    tk_buf_release(&outpath);
    tk_bundle_release(&b);
    judge_close(&judge);
out:
    tk_buf_release(&messages);
    tk_free(paths);
    tk_free(rules);
    tk_free(iocs);
    tk_free(excl);
    tk_free(excl_re);
    tk_free(pids);
    return rc;
}

const struct tk_cmd tk_cmd_scan = {
    .name = "scan",
    .run = run,
    .args = "[OPTIONS]",
    .summary = "Inventory this machine (or an offline image) and judge its exposure.",
    .description =
        "Collects installed software (dpkg, rpm, flatpak, snap, browsers and their "
        "extensions, meeting and remote-access tools), network interfaces, listening "
        "sockets and the SMB, RDP and SSH configuration; scans files and the memory of "
        "running processes with YARA rules and IOCs for malware (built-in sets, or yours "
        "with --rules and --iocs); judges what it saw, writes everything to a bundle "
        "(versioned JSON, see docs/bundle.md) and prints a summary.\n"
        "\n"
        "The scan only reads: it changes nothing on the machine, installs nothing and sends "
        "nothing anywhere unless --upload names the organisation's analysis server, which "
        "then receives the bundle (never file contents). It runs as a normal user; run as root it can also read other "
        "users' home directories and the owners of all sockets. What it could not read is "
        "listed in the bundle's errors[].\n"
        "\n"
        "Examples:\n"
        "  tenken scan\n"
        "  tenken scan --out /tmp/pc.json --format json\n"
        "  tenken scan --root /mnt/image --fail-on high\n"
        "  tenken scan --upload https://tenken.example.jp --token-file token.txt",
    .opts = opts,
};
