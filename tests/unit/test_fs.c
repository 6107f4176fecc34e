/* test_fs.c - rooted read-only file access on a temporary tree: symlinks and ".." stay inside
 * the root (openat2 and the fallback resolver), FIFOs are refused, bounds, listing, lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compat/fs.h"
#include "core/buf.h"
#include "core/err.h"

/* Test hook exported by src/compat/posix/fs.c. */
void tk_fs_force_fallback(struct tk_fs *fs);

#define MARKER "MARKER inside the fixture root\n"

static char root[256];

/* ---- fixture ------------------------------------------------------------------------ */

static void mk(const char *rel, const char *content, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (n)
        assert_int_equal(fwrite(content, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static void mkfile(const char *rel, const char *content)
{
    mk(rel, content, strlen(content));
}

static void mkfill(const char *rel, char c, size_t n)
{
    char *p = malloc(n);
    assert_non_null(p);
    memset(p, c, n);
    mk(rel, p, n);
    free(p);
}

static void mkd(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void mkl(const char *target, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(symlink(target, path), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(root, sizeof root, "%s/tk-test-fs-XXXXXX", tmp);
    if (!mkdtemp(root))
        return -1;
    mkd("etc");
    mkfile("etc/passwd", MARKER);
    mkl("/a", "etc/dirlink");
    mkd("a");
    mkd("a/b");
    mkfile("a/b/file", "file-b");
    mkl("/etc/passwd", "a/b/abs");
    mkl("../../../../../../../../etc/passwd", "a/b/rel");
    mkl("../..", "a/b/dotdot");
    mkl("abs", "a/b/chain");
    mkl("..", "up");
    mkl("/", "hostroot");
    mkl("loop2", "loop1");
    mkl("loop1", "loop2");
    mkl("/nonexistent", "dangling");
    mkl("/dev/null", "devnull");
    mkl("/fifo", "fifolink");
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/fifo", root);
    if (mkfifo(fifo, 0644) != 0)
        return -1;
    mkfill("big", 'B', 10000);
    mkfill("huge", 'H', 200000);
    mkfile("digits", "0123456789");
    mk("empty", "", 0);
    mkd("list");
    mkfile("list/x", "x");
    mkfile("list/y", "y");
    mkd("list/sub");
    mkl("sub", "list/ln");
    mkd("emptydir");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (root[0])
        nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    struct stat st;
    return stat(root, &st) == 0 ? -1 : 0; /* the tree must be gone */
}

/* Opens the fixture; *state selects the resolver (non-NULL: the fallback walk). */
static struct tk_fs *open_fs(void **state)
{
    struct tk_fs *fs = NULL;
    struct tk_err err = { 0 };
    assert_int_equal(tk_fs_open(&fs, root, "", &err), 0);
    assert_non_null(fs);
    if (*state)
        tk_fs_force_fallback(fs);
    return fs;
}

static int fallback_mode = 1;

/* Each resolver-dependent check runs twice, under its own name: with openat2 (when the
 * kernel offers it) and with the fallback walk forced. */
#define BOTH_RESOLVERS(f)                                                                      \
    static void f##_openat2(void **state)                                                      \
    {                                                                                          \
        (void)state;                                                                           \
        void *mode = NULL;                                                                     \
        f(&mode);                                                                              \
    }                                                                                          \
    static void f##_fallback(void **state)                                                     \
    {                                                                                          \
        (void)state;                                                                           \
        void *mode = &fallback_mode;                                                           \
        f(&mode);                                                                              \
    }

/* Reads path and expects exactly the marker file's content. */
static void expect_marker(struct tk_fs *fs, const char *path)
{
    struct tk_buf b = TK_BUF_INIT(4096);
    struct tk_err err = { 0 };
    int rc = tk_fs_read(fs, path, &b, &err);
    if (rc != 0)
        fail_msg("%s: rc %d (%s)", path, rc, err.msg);
    if (strcmp(tk_buf_cstr(&b), MARKER) != 0)
        fail_msg("%s: read \"%.40s\", not the fixture's file", path, tk_buf_cstr(&b));
    tk_buf_release(&b);
}

static int read_rc(struct tk_fs *fs, const char *path, size_t max)
{
    struct tk_buf b = TK_BUF_INIT(max);
    struct tk_err err = { 0 };
    int rc = tk_fs_read(fs, path, &b, &err);
    if (rc)
        assert_int_equal(err.code, rc);
    tk_buf_release(&b);
    return rc;
}

static ino_t real_ino(const char *rel)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(lstat(path, &st), 0);
    return st.st_ino;
}

/* ---- tests run with both resolvers ---------------------------------------------------- */

static void test_symlinks_stay_inside(void **state)
{
    struct tk_fs *fs = open_fs(state);
    expect_marker(fs, "/etc/passwd");
    expect_marker(fs, "etc/passwd");
    expect_marker(fs, "//etc//passwd");
    expect_marker(fs, "/./etc/./passwd");
    expect_marker(fs, "/a/b/abs");      /* absolute symlink -> <root>/etc/passwd */
    expect_marker(fs, "/a/b/rel");      /* ../../../.. past the root */
    expect_marker(fs, "/a/b/chain");    /* link to a link */
    expect_marker(fs, "/a/b/dotdot/etc/passwd");
    expect_marker(fs, "/etc/dirlink/b/abs");
    expect_marker(fs, "/etc/dirlink/b/rel");
    expect_marker(fs, "/up/up/up/etc/passwd");
    expect_marker(fs, "/hostroot/etc/passwd");
    expect_marker(fs, "/hostroot/hostroot/a/b/abs");
    /* ".." after a symlinked directory is the target's parent (physical, like the kernel):
     * /etc/dirlink -> /a, so /etc/dirlink/.. is the root. */
    expect_marker(fs, "/etc/dirlink/../etc/passwd");
    /* The host's /dev/null is not reachable through an absolute link. */
    assert_int_equal(read_rc(fs, "/devnull", 4096), TK_ENOENT);
    tk_fs_free(fs);
}

static void test_dotdot_stays_inside(void **state)
{
    struct tk_fs *fs = open_fs(state);
    expect_marker(fs, "/../../../etc/passwd");
    expect_marker(fs, "../../etc/passwd");
    expect_marker(fs, "etc/../../../etc/passwd");
    expect_marker(fs, "/a/b/../../../../etc/passwd");
    expect_marker(fs, "/a/../a/b/../../etc/passwd");

    /* The root itself, however it is spelled, is the fixture directory. */
    struct stat st;
    struct tk_err err = { 0 };
    char rootcopy[300];
    snprintf(rootcopy, sizeof rootcopy, "%s", root);
    struct stat want;
    assert_int_equal(stat(rootcopy, &want), 0);
    static const char *const roots[] = { "/", "", ".", "..", "/../..", "/up", "/hostroot",
                                         "/a/b/dotdot", "/etc/dirlink/.." };
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        if (tk_fs_stat(fs, roots[i], true, &st, &err) != 0)
            fail_msg("stat %s: %s", roots[i], err.msg);
        if (st.st_ino != want.st_ino || st.st_dev != want.st_dev)
            fail_msg("\"%s\" is not the root", roots[i]);
    }
    tk_fs_free(fs);
}

static void test_bad_links(void **state)
{
    struct tk_fs *fs = open_fs(state);
    assert_int_equal(read_rc(fs, "/loop1", 4096), TK_ELIMIT); /* ELOOP */
    assert_int_equal(read_rc(fs, "/loop1/x", 4096), TK_ELIMIT);
    assert_int_equal(read_rc(fs, "/dangling", 4096), TK_ENOENT);
    assert_int_equal(read_rc(fs, "/missing", 4096), TK_ENOENT);
    assert_int_equal(read_rc(fs, "/missing/deeper/file", 4096), TK_ENOENT);
    assert_int_equal(read_rc(fs, "/etc/passwd/x", 4096), TK_ENOENT); /* ENOTDIR */
    tk_fs_free(fs);
}

static void test_stat_follow(void **state)
{
    struct tk_fs *fs = open_fs(state);
    struct stat st;
    struct tk_err err = { 0 };
    assert_int_equal(tk_fs_stat(fs, "/a/b/abs", false, &st, &err), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(st.st_ino, real_ino("a/b/abs"));
    assert_int_equal(tk_fs_stat(fs, "/a/b/abs", true, &st, &err), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_ino, real_ino("etc/passwd"));
    assert_int_equal(tk_fs_stat(fs, "/a/b/rel", true, &st, &err), 0);
    assert_int_equal(st.st_ino, real_ino("etc/passwd"));
    assert_int_equal(tk_fs_stat(fs, "/missing", true, &st, &err), TK_ENOENT);
    assert_int_equal(err.code, TK_ENOENT);

    assert_true(tk_fs_exists(fs, "/etc/passwd"));
    assert_true(tk_fs_exists(fs, "/dangling")); /* the link itself exists */
    assert_true(tk_fs_exists(fs, "/loop1"));
    assert_false(tk_fs_exists(fs, "/missing"));
    assert_true(tk_fs_is_dir(fs, "/list"));
    assert_true(tk_fs_is_dir(fs, "/list/ln"));     /* follows the link */
    assert_true(tk_fs_is_dir(fs, "/etc/dirlink")); /* -> <root>/a */
    assert_false(tk_fs_is_dir(fs, "/etc/passwd"));
    assert_false(tk_fs_is_dir(fs, "/missing"));
    assert_false(tk_fs_is_dir(fs, "/dangling"));
    tk_fs_free(fs);
}

static void test_readlink(void **state)
{
    struct tk_fs *fs = open_fs(state);
    struct tk_buf b = TK_BUF_INIT(4096);
    struct tk_err err = { 0 };
    tk_buf_adds(&b, "old content is replaced");
    assert_int_equal(tk_fs_readlink(fs, "/a/b/abs", &b, &err), 0);
    assert_string_equal(tk_buf_cstr(&b), "/etc/passwd");
    assert_int_equal(tk_fs_readlink(fs, "/a/b/rel", &b, &err), 0);
    assert_string_equal(tk_buf_cstr(&b), "../../../../../../../../etc/passwd");
    /* Intermediate links are followed inside the root; the last one is read, not followed. */
    assert_int_equal(tk_fs_readlink(fs, "/etc/dirlink/b/chain", &b, &err), 0);
    assert_string_equal(tk_buf_cstr(&b), "abs");
    assert_int_equal(tk_fs_readlink(fs, "/loop1", &b, &err), 0);
    assert_string_equal(tk_buf_cstr(&b), "loop2");
    assert_int_equal(tk_fs_readlink(fs, "/dangling", &b, &err), 0);
    assert_string_equal(tk_buf_cstr(&b), "/nonexistent");

    assert_int_not_equal(tk_fs_readlink(fs, "/etc/passwd", &b, &err), 0); /* not a link */
    assert_int_equal(tk_fs_readlink(fs, "/missing", &b, &err), TK_ENOENT);
    tk_buf_release(&b);
    tk_fs_free(fs);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_fifo_refused(void **state)
{
    struct tk_fs *fs = open_fs(state);
    /* Opening a FIFO for reading blocks until a writer comes; if the code ever did that,
     * the alarm ends the test instead of hanging the suite. */
    alarm(20);
    double t0 = now();
    struct tk_buf b = TK_BUF_INIT(4096);
    struct tk_err err = { 0 };
    assert_int_equal(tk_fs_read(fs, "/fifo", &b, &err), TK_EINVAL);
    assert_non_null(strstr(err.msg, "/fifo"));
    assert_int_equal(tk_fs_read(fs, "/fifolink", &b, &err), TK_EINVAL);
    assert_int_equal(tk_fs_read_head(fs, "/fifo", 10, &b, &err), TK_EINVAL);
    assert_int_equal(tk_fs_read_range(fs, "/fifo", 0, 1, &b, &err), TK_EINVAL);
    int fd = -1;
    assert_int_equal(tk_fs_open_read(fs, "/fifo", &fd, &err), TK_EINVAL);
    struct tk_lines r;
    assert_int_equal(tk_lines_open(&r, fs, "/fifo", 100, &err), TK_EINVAL);
    tk_lines_close(&r);
    assert_int_equal(b.len, 0);
    assert_true(now() - t0 < 5.0);
    alarm(0);

    /* Directories are not regular files either. */
    assert_int_equal(tk_fs_read(fs, "/etc", &b, &err), TK_EINVAL);
    assert_int_equal(tk_fs_read(fs, "/", &b, &err), TK_EINVAL);
    assert_int_equal(tk_fs_read(fs, "/etc/dirlink", &b, &err), TK_EINVAL);
    tk_buf_release(&b);
    tk_fs_free(fs);
}

static void test_dir_listing(void **state)
{
    struct tk_fs *fs = open_fs(state);
    struct tk_fs_dir *d = NULL;
    struct tk_err err = { 0 };
    assert_int_equal(tk_fs_dir_open(fs, "/list", &d, &err), 0);
    bool seen_x = false, seen_y = false, seen_sub = false, seen_ln = false;
    int count = 0;
    const char *name;
    bool is_dir;
    while ((name = tk_fs_dir_next(d, &is_dir))) {
        count++;
        assert_string_not_equal(name, ".");
        assert_string_not_equal(name, "..");
        if (strcmp(name, "x") == 0) {
            seen_x = true;
            assert_false(is_dir);
        } else if (strcmp(name, "y") == 0) {
            seen_y = true;
            assert_false(is_dir);
        } else if (strcmp(name, "sub") == 0) {
            seen_sub = true;
            assert_true(is_dir);
        } else if (strcmp(name, "ln") == 0) {
            seen_ln = true;
            assert_false(is_dir); /* a link to a directory is not followed */
        } else {
            fail_msg("unexpected entry %s", name);
        }
    }
    assert_int_equal(count, 4);
    assert_true(seen_x && seen_y && seen_sub && seen_ln);
    assert_null(tk_fs_dir_next(d, NULL)); /* stays at the end */

    struct tk_buf b = TK_BUF_INIT(256);
    assert_int_equal(tk_fs_dir_readlink(d, "ln", &b), 0);
    assert_string_equal(tk_buf_cstr(&b), "sub");
    assert_int_not_equal(tk_fs_dir_readlink(d, "x", &b), 0);
    tk_buf_release(&b);
    tk_fs_dir_close(d);

    /* Empty directory: nothing at all, not even . and .. */
    assert_int_equal(tk_fs_dir_open(fs, "/emptydir", &d, &err), 0);
    assert_null(tk_fs_dir_next(d, &is_dir));
    tk_fs_dir_close(d);

    /* Listing through links stays inside: /etc/dirlink -> <root>/a holds only "b". */
    assert_int_equal(tk_fs_dir_open(fs, "/etc/dirlink", &d, &err), 0);
    name = tk_fs_dir_next(d, &is_dir);
    assert_non_null(name);
    assert_string_equal(name, "b");
    assert_true(is_dir);
    assert_null(tk_fs_dir_next(d, &is_dir));
    tk_fs_dir_close(d);

    /* /hostroot -> "/" lists the fixture root, which holds "list" and no host "usr". */
    assert_int_equal(tk_fs_dir_open(fs, "/hostroot", &d, &err), 0);
    bool has_list = false;
    while ((name = tk_fs_dir_next(d, NULL))) {
        if (strcmp(name, "list") == 0)
            has_list = true;
        assert_string_not_equal(name, "usr");
    }
    assert_true(has_list);
    tk_fs_dir_close(d);

    assert_int_equal(tk_fs_dir_open(fs, "/missing", &d, &err), TK_ENOENT);
    assert_null(d);
    assert_int_not_equal(tk_fs_dir_open(fs, "/etc/passwd", &d, &err), 0);
    assert_null(d);
    tk_fs_dir_close(NULL);
    tk_fs_free(fs);
}

/* Reference model of tk_lines: lines end at '\n'; one '\r' before it is dropped; a line
 * (counted with its '\r') longer than max_line is an error; a final unterminated line
 * counts too. Compares the reader with it on pseudo-random files. */
static void test_lines_differential(void **state)
{
    struct tk_fs *fs = open_fs(state);
    /* Newline and CR odds per 100000 bytes: dense, sparse, and lines longer than the
     * reader's whole buffer (max_line + 64 KiB). */
    static const unsigned nl_odds[] = { 4000, 100, 2, 1 };
    unsigned seed = 4242;
    size_t too_long = 0, good = 0;
    for (int iter = 0; iter < 40; iter++) {
        seed = seed * 1103515245u + 12345u;
        unsigned odds = nl_odds[iter % 4];
        size_t max_line = (iter % 3 == 0) ? (seed >> 8) % 4 : (seed >> 8) % 3000 + 1;
        size_t size = odds <= 2 ? 400000 : (seed >> 4) % 30000;
        char *data = malloc(size + 1);
        assert_non_null(data);
        for (size_t i = 0; i < size; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 8) % 100000;
            data[i] = r < odds ? '\n' : r < 2 * odds ? '\r' : (char)('a' + r % 26);
        }
        mk("diff.txt", data, size);

        struct tk_lines r;
        struct tk_err err = { 0 };
        assert_int_equal(tk_lines_open(&r, fs, "/diff.txt", max_line, &err), 0);
        size_t pos = 0;
        uint64_t lineno = 0;
        while (pos < size) {
            const char *nl = memchr(data + pos, '\n', size - pos);
            size_t raw = nl ? (size_t)(nl - (data + pos)) : size - pos;
            size_t len = raw;
            if (nl && len && data[pos + len - 1] == '\r')
                len--;
            lineno++;
            struct tk_str line;
            int rc = tk_lines_next(&r, &line, &err);
            if (raw > max_line) {
                if (rc != TK_ELIMIT)
                    fail_msg("iter %d line %llu: rc %d, want TK_ELIMIT", iter,
                             (unsigned long long)lineno, rc);
                too_long++;
            } else {
                if (rc != 1 || line.n != len || memcmp(line.p, data + pos, len) != 0)
                    fail_msg("iter %d line %llu: rc %d len %zu, want len %zu", iter,
                             (unsigned long long)lineno, rc, rc == 1 ? line.n : 0, len);
                good++;
            }
            assert_int_equal(r.lineno, lineno);
            pos += raw + (nl ? 1 : 0);
        }
        struct tk_str line;
        assert_int_equal(tk_lines_next(&r, &line, &err), 0);
        tk_lines_close(&r);
        free(data);
    }
    assert_true(too_long > 100);
    assert_true(good > 1000);
    tk_fs_free(fs);
}

/* Regression: the fallback resolver treats a trailing slash as openat2 does: "/etc/passwd/"
 * is ENOTDIR, and "link/" follows the final symlink even under O_NOFOLLOW. */
static void test_trailing_slash(void **state)
{
    /* Results are gathered first and asserted after cleanup, so a failure leaks nothing. */
    struct tk_fs *fs = open_fs(state);
    int file_slash = read_rc(fs, "/etc/passwd/", 4096);
    int link_slash = read_rc(fs, "/a/b/abs/", 4096);
    struct stat st;
    int dir_rc = tk_fs_stat(fs, "/etc/dirlink/", false, &st, NULL);
    tk_fs_free(fs);
    assert_int_equal(file_slash, TK_ENOENT);
    assert_int_equal(link_slash, TK_ENOENT);
    assert_int_equal(dir_rc, 0);
    assert_true(S_ISDIR(st.st_mode));
}

/* Regression: a path longer than the fallback walk's buffer is TK_ELIMIT (ENAMETOOLONG, as
 * openat2 reports), not TK_ENOMEM. */
static void test_overlong_path(void **state)
{
    struct tk_fs *fs = open_fs(state);
    size_t n = 70000;
    char *path = malloc(n + 1);
    assert_non_null(path);
    for (size_t i = 0; i < n; i += 2)
        memcpy(path + i, "/a", 2);
    path[n] = '\0';
    int rc = read_rc(fs, path, 4096);
    free(path);
    tk_fs_free(fs);
    assert_int_equal(rc, TK_ELIMIT);
}

/* ---- tests independent of the resolver ------------------------------------------------ */

static void test_open_and_labels(void **state)
{
    (void)state;
    struct tk_fs *fs = NULL;
    struct tk_err err = { 0 };
    assert_int_equal(tk_fs_open(&fs, root, "/img", &err), 0);
    assert_string_equal(tk_fs_root(fs), root);
    assert_string_equal(tk_fs_label(fs), "/img");
    struct tk_buf b = TK_BUF_INIT(64);
    assert_int_equal(tk_fs_read(fs, "/missing", &b, &err), TK_ENOENT);
    assert_int_equal(err.code, TK_ENOENT);
    /* Messages name the path as the scanned system sees it, prefixed by the label. */
    assert_true(strncmp(err.msg, "/img/missing", 12) == 0);
    tk_buf_release(&b);
    tk_fs_free(fs);

    assert_int_equal(tk_fs_open(&fs, root, NULL, &err), 0);
    assert_string_equal(tk_fs_label(fs), "");
    tk_fs_free(fs);
    tk_fs_free(NULL);

    char missing[512];
    snprintf(missing, sizeof missing, "%s/no-such-root", root);
    fs = (struct tk_fs *)&err; /* must be reset to NULL on failure */
    assert_int_equal(tk_fs_open(&fs, missing, "", &err), TK_ENOENT);
    assert_null(fs);
    assert_non_null(strstr(err.msg, "no-such-root"));

    char file_root[512];
    snprintf(file_root, sizeof file_root, "%s/etc/passwd", root);
    assert_int_not_equal(tk_fs_open(&fs, file_root, "", &err), 0);
    assert_null(fs);
}

static void test_read_bounds(void **state)
{
    struct tk_fs *fs = open_fs(state);
    struct tk_err err = { 0 };
    assert_int_equal(read_rc(fs, "/big", 4096), TK_ELIMIT);
    assert_int_equal(read_rc(fs, "/big", 9999), TK_ELIMIT);
    assert_int_equal(read_rc(fs, "/big", 10000), 0);
    assert_int_equal(read_rc(fs, "/huge", 199999), TK_ELIMIT);

    struct tk_buf b = TK_BUF_INIT(200000);
    assert_int_equal(tk_fs_read(fs, "/huge", &b, &err), 0);
    assert_int_equal(b.len, 200000);
    assert_int_equal(b.ptr[0], 'H');
    assert_int_equal(b.ptr[199999], 'H');
    tk_buf_release(&b);

    /* The limit error names the file and the bound. */
    struct tk_buf small = TK_BUF_INIT(100);
    assert_int_equal(tk_fs_read(fs, "/big", &small, &err), TK_ELIMIT);
    assert_non_null(strstr(err.msg, "/big"));
    assert_non_null(strstr(err.msg, "100"));
    assert_true(small.len <= 100);
    tk_buf_release(&small);

    /* Reading appends; an empty file adds nothing. */
    struct tk_buf acc = TK_BUF_INIT(4096);
    tk_buf_adds(&acc, "pre:");
    assert_int_equal(tk_fs_read(fs, "/digits", &acc, &err), 0);
    assert_int_equal(tk_fs_read(fs, "/empty", &acc, &err), 0);
    assert_string_equal(tk_buf_cstr(&acc), "pre:0123456789");
    tk_buf_release(&acc);
    tk_fs_free(fs);
}

static void test_read_head(void **state)
{
    struct tk_fs *fs = open_fs(state);
    struct tk_err err = { 0 };
    struct tk_buf b = TK_BUF_INIT(1 << 20);
    assert_int_equal(tk_fs_read_head(fs, "/etc/passwd", 6, &b, &err), 0);
    assert_string_equal(tk_buf_cstr(&b), "MARKER");
    tk_buf_reset(&b);
    assert_int_equal(tk_fs_read_head(fs, "/a/b/abs", 1000, &b, &err), 0); /* whole file */
    assert_string_equal(tk_buf_cstr(&b), MARKER);
    tk_buf_reset(&b);
    assert_int_equal(tk_fs_read_head(fs, "/digits", 0, &b, &err), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(tk_fs_read_head(fs, "/big", 4196, &b, &err), 0); /* over a chunk */
    assert_int_equal(b.len, 4196);
    tk_buf_reset(&b);
    assert_int_equal(tk_fs_read_head(fs, "/empty", 10, &b, &err), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(tk_fs_read_head(fs, "/missing", 10, &b, &err), TK_ENOENT);
    tk_buf_release(&b);
    tk_fs_free(fs);
}

static void test_read_range_and_open_read(void **state)
{
    struct tk_fs *fs = open_fs(state);
    struct tk_err err = { 0 };
    struct tk_buf b = TK_BUF_INIT(4096);
    assert_int_equal(tk_fs_read_range(fs, "/digits", 2, 3, &b, &err), 0);
    assert_string_equal(tk_buf_cstr(&b), "234");
    assert_int_equal(tk_fs_read_range(fs, "/digits", 10, 0, &b, &err), 0);
    assert_int_equal(tk_fs_read_range(fs, "/digits", 8, 5, &b, &err), TK_EPARSE);
    assert_int_equal(tk_fs_read_range(fs, "/digits", 11, 0, &b, &err), TK_EPARSE);
    assert_int_equal(tk_fs_read_range(fs, "/digits", UINT64_MAX, 1, &b, &err), TK_EPARSE);
    assert_string_equal(tk_buf_cstr(&b), "234");
    tk_buf_release(&b);

    struct tk_buf small = TK_BUF_INIT(10);
    assert_int_equal(tk_fs_read_range(fs, "/big", 0, 5000, &small, &err), TK_ELIMIT);
    tk_buf_release(&small);

    int fd = -1;
    assert_int_equal(tk_fs_open_read(fs, "/a/b/abs", &fd, &err), 0);
    assert_true(fd >= 0);
    char tmp[64] = { 0 };
    assert_int_equal(read(fd, tmp, sizeof tmp - 1), (ssize_t)strlen(MARKER));
    assert_string_equal(tmp, MARKER);
    close(fd);
    assert_int_equal(tk_fs_open_read(fs, "/missing", &fd, &err), TK_ENOENT);
    tk_fs_free(fs);
}

static void write_lines_fixture(const char *rel, const char *const *parts, size_t nparts)
{
    size_t total = 0;
    for (size_t i = 0; i < nparts; i++)
        total += strlen(parts[i]);
    char *p = malloc(total + 1), *q = p;
    assert_non_null(p);
    for (size_t i = 0; i < nparts; i++) {
        size_t n = strlen(parts[i]);
        memcpy(q, parts[i], n);
        q += n;
    }
    mk(rel, p, total);
    free(p);
}

static char *repeat(char c, size_t n)
{
    char *p = malloc(n + 1);
    assert_non_null(p);
    memset(p, c, n);
    p[n] = '\0';
    return p;
}

static void expect_line(struct tk_lines *r, const char *want, uint64_t lineno)
{
    struct tk_str line;
    struct tk_err err = { 0 };
    int rc = tk_lines_next(r, &line, &err);
    if (rc != 1)
        fail_msg("line %llu: rc %d (%s)", (unsigned long long)lineno, rc, err.msg);
    assert_int_equal(line.n, strlen(want));
    assert_memory_equal(line.p, want, line.n);
    assert_int_equal(r->lineno, lineno);
}

static void expect_too_long(struct tk_lines *r, uint64_t lineno)
{
    struct tk_str line;
    struct tk_err err = { 0 };
    assert_int_equal(tk_lines_next(r, &line, &err), TK_ELIMIT);
    assert_int_equal(err.code, TK_ELIMIT);
    assert_int_equal(r->lineno, lineno);
    char where[32];
    snprintf(where, sizeof where, ":%llu:", (unsigned long long)lineno);
    assert_non_null(strstr(err.msg, where));
}

static void expect_end(struct tk_lines *r)
{
    struct tk_str line;
    struct tk_err err = { 0 };
    assert_int_equal(tk_lines_next(r, &line, &err), 0);
    assert_int_equal(tk_lines_next(r, &line, &err), 0); /* stays at the end */
}

static void test_lines(void **state)
{
    struct tk_fs *fs = open_fs(state);
    struct tk_err err = { 0 };
    char *x150 = repeat('x', 150), *y100 = repeat('y', 100);
    const char *const parts[] = { "one\ntwo\r\n", x150, "\nthree\n\n", y100, "\nlast" };
    write_lines_fixture("lines.txt", parts, sizeof parts / sizeof parts[0]);

    struct tk_lines r;
    assert_int_equal(tk_lines_open(&r, fs, "/lines.txt", 100, &err), 0);
    expect_line(&r, "one", 1);
    expect_line(&r, "two", 2); /* CRLF */
    expect_too_long(&r, 3);    /* 150 > 100: reported, then reading goes on */
    expect_line(&r, "three", 4);
    expect_line(&r, "", 5);
    expect_line(&r, y100, 6);  /* exactly max_line is fine */
    expect_line(&r, "last", 7); /* no final newline */
    expect_end(&r);
    tk_lines_close(&r);
    tk_lines_close(&r); /* twice is harmless */
    free(x150);
    free(y100);
    tk_fs_free(fs);
}

static void test_lines_longer_than_buffer(void **state)
{
    struct tk_fs *fs = open_fs(state);
    struct tk_err err = { 0 };
    /* Lines far longer than the reader's whole buffer (max_line + 64 KiB). */
    char *z = repeat('z', 300000), *q = repeat('q', 300000);
    const char *const parts[] = { z, "\nafter\n", q };
    write_lines_fixture("long.txt", parts, sizeof parts / sizeof parts[0]);

    struct tk_lines r;
    assert_int_equal(tk_lines_open(&r, fs, "/long.txt", 1000, &err), 0);
    expect_too_long(&r, 1);
    expect_line(&r, "after", 2);
    expect_too_long(&r, 3); /* at end of file, without a newline */
    expect_end(&r);
    tk_lines_close(&r);

    /* Through a symlink, an empty file, and a missing one. */
    assert_int_equal(tk_lines_open(&r, fs, "/a/b/abs", 1000, &err), 0);
    expect_line(&r, "MARKER inside the fixture root", 1);
    expect_end(&r);
    tk_lines_close(&r);
    assert_int_equal(tk_lines_open(&r, fs, "/empty", 10, &err), 0);
    expect_end(&r);
    tk_lines_close(&r);
    assert_int_equal(tk_lines_open(&r, fs, "/missing", 10, &err), TK_ENOENT);
    tk_lines_close(&r);
    free(z);
    free(q);
    tk_fs_free(fs);
}

BOTH_RESOLVERS(test_symlinks_stay_inside)
BOTH_RESOLVERS(test_dotdot_stays_inside)
BOTH_RESOLVERS(test_bad_links)
BOTH_RESOLVERS(test_stat_follow)
BOTH_RESOLVERS(test_readlink)
BOTH_RESOLVERS(test_fifo_refused)
BOTH_RESOLVERS(test_dir_listing)
BOTH_RESOLVERS(test_read_bounds)
BOTH_RESOLVERS(test_read_head)
BOTH_RESOLVERS(test_read_range_and_open_read)
BOTH_RESOLVERS(test_lines)
BOTH_RESOLVERS(test_lines_longer_than_buffer)
BOTH_RESOLVERS(test_trailing_slash)
BOTH_RESOLVERS(test_overlong_path)

int main(void)
{
#define BOTH(f) cmocka_unit_test(f##_openat2), cmocka_unit_test(f##_fallback)
    const struct CMUnitTest tests[] = {
        BOTH(test_symlinks_stay_inside),
        BOTH(test_dotdot_stays_inside),
        BOTH(test_bad_links),
        BOTH(test_stat_follow),
        BOTH(test_readlink),
        BOTH(test_fifo_refused),
        BOTH(test_dir_listing),
        cmocka_unit_test(test_open_and_labels),
        BOTH(test_read_bounds),
        BOTH(test_read_head),
        BOTH(test_read_range_and_open_read),
        BOTH(test_lines),
        BOTH(test_lines_longer_than_buffer),
        cmocka_unit_test(test_lines_differential),
        BOTH(test_trailing_slash),
        BOTH(test_overlong_path),
    };
#undef BOTH
    return cmocka_run_group_tests(tests, setup, teardown);
}
