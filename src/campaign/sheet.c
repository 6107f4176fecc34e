/* sheet.c - a campaign's cases to XLSX and CSV and back (sheet.h): the column layout, the
 * writers (libxlsxwriter; CSV through tk_escape_csv, in UTF-8 or CP932 through iconv), the
 * bounded readers (libzip + expat; RFC 4180) and the mapping of a sheet read back to case
 * fields. Nothing here prints: every failure is one sentence in a struct tk_err. */
#include "campaign/sheet.h"

#include <errno.h>
#include <expat.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "compat/fs.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/str.h"
#include "core/time.h"
#include "core/utf8.h"

/* ---- the columns ----------------------------------------------------------------------- */

/* The columns before the fields: what the officer needs to know about the case, and the id
 * and version the import needs. Only case and version are read back. */
enum {
    C_CASE,
    C_VERSION,
    C_ORG_KEY,
    C_ORG_NAME,
    C_CORP,
    C_PREF,
    C_DEVICES,
    C_VULN,
    C_PRODUCTS,
    C_CVES,
    NFIXED
};
#define NCOLS (NFIXED + TK_CF_COUNT)

static const struct fixed_col {
    const char *name, *en, *ja;
    bool number;
} fixed_cols[NFIXED] = {
    [C_CASE] = { "case", "case", "ケース番号", true },
    [C_VERSION] = { "version", "version", "版", true },
    [C_ORG_KEY] = { "org_key", "organisation key", "組織キー", false },
    [C_ORG_NAME] = { "org_name", "organisation", "組織名", false },
    [C_CORP] = { "corporate_number", "corporate number", "法人番号", false },
    [C_PREF] = { "prefecture", "prefecture", "都道府県", false },
    [C_DEVICES] = { "devices", "devices", "機器数", true },
    [C_VULN] = { "vulnerable", "still vulnerable", "未対策の機器数", true },
    [C_PRODUCTS] = { "products", "products", "製品", false },
    [C_CVES] = { "cves", "CVEs", "CVE", false },
};

#define SET_SEP_JA "、"
#define SET_SEP_EN ", "

static const char *col_label(int col, bool ja)
{
    if (col < NFIXED)
        return ja ? fixed_cols[col].ja : fixed_cols[col].en;
    const struct tk_case_field_def *d = &tk_case_fields[col - NFIXED];
    return ja ? d->label_ja : d->label_en;
}

static const char *col_name(int col)
{
    return col < NFIXED ? fixed_cols[col].name : tk_case_fields[col - NFIXED].name;
}

int tk_case_sheet_format(const char *path, enum tk_case_sheet_format *out)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && strcasecmp(dot, ".xlsx") == 0)
        *out = TK_CSHEET_XLSX;
    else if (dot && strcasecmp(dot, ".csv") == 0)
        *out = TK_CSHEET_CSV;
    else
        return TK_EINVAL;
    return 0;
}

/* Field f's value v as the sheet shows it: a choice as its label in the language, a set as
 * its members' labels joined with "、" (ja) or ", " (en), text and dates as they are. */
static int field_text(struct tk_buf *b, enum tk_case_field f, const char *v, bool ja)
{
    const struct tk_case_field_def *d = &tk_case_fields[f];
    const char *lang = ja ? "ja" : "en";
    if (d->kind == TK_FK_CHOICE)
        return tk_buf_adds(b, tk_case_value_label(f, v, lang));
    if (d->kind != TK_FK_SET)
        return tk_buf_adds(b, v);
    int rc = 0;
    for (const char *p = v; *p && !rc;) {
        size_t k = strcspn(p, ",");
        char item[64];
        if (b->len)
            rc = tk_buf_adds(b, ja ? SET_SEP_JA : SET_SEP_EN);
        if (!rc && k < sizeof item) {
            memcpy(item, p, k);
            item[k] = '\0';
            rc = tk_buf_adds(b, tk_case_value_label(f, item, lang));
        } else if (!rc) {
            rc = tk_buf_add(b, p, k);
        }
        p += k + (p[k] == ',');
    }
    return rc;
}

/* Column col of case c as text into b (after a reset); numbers in decimal. */
static int cell_text(struct tk_buf *b, const struct tk_case *c, const char *cves, int col, bool ja)
{
    tk_buf_reset(b);
    switch (col) {
    case C_CASE:
        return tk_buf_addf(b, "%lld", (long long)c->id);
    case C_VERSION:
        return tk_buf_addf(b, "%lld", (long long)c->version);
    case C_ORG_KEY:
        return tk_buf_adds(b, c->org_key ? c->org_key : "");
    case C_ORG_NAME:
        return tk_buf_adds(b, c->org_name ? c->org_name : "");
    case C_CORP:
        return tk_buf_adds(b, c->corporate_number ? c->corporate_number : "");
    case C_PREF:
        return tk_buf_adds(b, c->prefecture ? c->prefecture : "");
    case C_DEVICES:
        return tk_buf_addf(b, "%d", c->ndevices);
    case C_VULN:
        return tk_buf_addf(b, "%d", c->nvulnerable);
    case C_PRODUCTS:
        return tk_buf_adds(b, c->products ? c->products : "");
    case C_CVES:
        return tk_buf_adds(b, cves ? cves : "");
    default:
        return field_text(b, (enum tk_case_field)(col - NFIXED),
                          c->f[col - NFIXED] ? c->f[col - NFIXED] : "", ja);
    }
}

/* ---- XLSX ------------------------------------------------------------------------------ */

#define XL_CELL_MAX 32767 /* UTF-16 units Excel keeps in a cell */
#define XL_WIDTH_MIN 8
#define XL_WIDTH_MAX 48

static bool hex4(const char *s, uint32_t *u)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *u = v;
    return true;
}

/* Whether s[i..n) starts with Excel's escape of one UTF-16 unit, "_xHHHH_". */
static bool xl_escape_at(const char *s, size_t n, size_t i, uint32_t *u)
{
    return i + 7 <= n && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_' && hex4(s + i + 2, u);
}

/* s as an XLSX cell carries it and Excel reads it back: characters XML cannot hold (C0 but
 * tab and newline, U+FFFE, U+FFFF) as Excel's "_xHHHH_" escapes, and the underscore of text
 * that starts like such an escape as one ("_x005F_"): also without its closing underscore,
 * which an escape after it would supply ("_x0041" then CR). So the reader's unescaping gives
 * s back exactly. Invalid UTF-8 becomes U+FFFD; at most XL_CELL_MAX units. */
static const char *xl_text(struct tk_buf *b, const char *s)
{
    tk_buf_reset(b);
    size_t n = strlen(s), units = 0;
    for (size_t i = 0; i < n && units < XL_CELL_MAX - 8;) {
        uint32_t cp, u;
        size_t k = tk_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k) {
            tk_buf_adds(b, "\xEF\xBF\xBD");
            i++;
            units++;
            continue;
        }
        if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xFFFE || cp == 0xFFFF) {
            tk_buf_addf(b, "_x%04X_", (unsigned)cp);
            units += 7;
        } else if (cp == '_' && i + 6 <= n && s[i + 1] == 'x' && hex4(s + i + 2, &u)) {
            tk_buf_adds(b, "_x005F_");
            units += 7;
        } else {
            tk_buf_add(b, s + i, k);
            units += cp > 0xFFFF ? 2 : 1;
        }
        i += k;
    }
    return tk_buf_cstr(b);
}

struct xl {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *head, *head_fixed, *fixed, *text;
    lxw_error failed;
    struct tk_buf val, esc;
};

static void xl_check(struct xl *x, lxw_error e)
{
    if (e && !x->failed)
        x->failed = e;
}

/* A column's width in characters: its longest first line (East Asian wide ones count two),
 * within bounds. */
static double xl_width(struct xl *x, const struct tk_case *cases, const char *const *cves, size_t n,
                       int col, bool ja)
{
    const char *h = col_label(col, ja);
    size_t w = tk_utf8_width(h, strlen(h)) + 3; /* the autofilter button */
    for (size_t i = 0; i < n && w < XL_WIDTH_MAX; i++) {
        cell_text(&x->val, &cases[i], cves ? cves[i] : NULL, col, ja);
        const char *s = tk_buf_cstr(&x->val);
        size_t k = tk_utf8_width(s, strcspn(s, "\n"));
        w = k > w ? k : w;
    }
    w += 1;
    return (double)(w < XL_WIDTH_MIN ? XL_WIDTH_MIN : w > XL_WIDTH_MAX ? XL_WIDTH_MAX : w);
}

/* The format of a column's cells: grey for what is not to be edited, text for the text and
 * date fields (Excel would turn a date or a number typed there into a value). */
static lxw_format *xl_format(struct xl *x, int col)
{
    if (col < NFIXED)
        return x->fixed;
    enum tk_field_kind k = tk_case_fields[col - NFIXED].kind;
    return k == TK_FK_TEXT || k == TK_FK_DATE ? x->text : NULL;
}

/* The dropdown of a choice field's column: its labels in the language. */
static void xl_dropdown(struct xl *x, int col, size_t n, bool ja)
{
    const struct tk_case_field_def *d = &tk_case_fields[col - NFIXED];
    char *list[TK_STATS_MAX_VALUES + 1];
    size_t k = 0;
    for (; d->values[k] && k < TK_STATS_MAX_VALUES; k++)
        list[k] = (char *)(ja ? d->values_ja[k] : d->values_en[k]);
    list[k] = NULL;
    lxw_data_validation v = { .validate = LXW_VALIDATION_TYPE_LIST,
                              .ignore_blank = LXW_VALIDATION_ON,
                              .dropdown = LXW_VALIDATION_ON,
                              .value_list = list,
                              .error_title = (char *)(ja ? "入力できない値" : "Not a value"),
                              .error_message = (char *)(ja ? "一覧から選んでください。"
                                                           : "Choose a value from the list.") };
    xl_check(x, worksheet_data_validation_range(x->ws, 1, (lxw_col_t)col, (lxw_row_t)n,
                                                (lxw_col_t)col, &v));
}

static int write_xlsx(const char *path, const char *tmp, const struct tk_case_sheet_opts *o,
                      const struct tk_case *cases, const char *const *cves, size_t n,
                      struct tk_err *err)
{
    bool ja = strcmp(o->lang, "ja") == 0;
    if (n >= LXW_ROW_MAX)
        return tk_err_set(err, TK_ELIMIT, "%s: %zu cases are more than a sheet holds", path, n);
    struct xl x = { .val = TK_BUF_INIT((size_t)16 << 20), .esc = TK_BUF_INIT((size_t)16 << 20) };
    /* constant memory: rows go to disk as written, however many cases */
    lxw_workbook_options wo = { .constant_memory = LXW_TRUE };
    if (!(x.wb = workbook_new_opt(tmp, &wo)))
        return tk_err_set(err, TK_EIO, "%s: cannot create the spreadsheet", path);
    x.ws = workbook_add_worksheet(x.wb, ja ? "ケース" : "Cases");
    x.head = workbook_add_format(x.wb);
    x.head_fixed = workbook_add_format(x.wb);
    x.fixed = workbook_add_format(x.wb);
    x.text = workbook_add_format(x.wb);
    if (!x.ws || !x.head || !x.head_fixed || !x.fixed || !x.text) {
        workbook_close(x.wb);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", path);
    }
    format_set_bold(x.head);
    format_set_bold(x.head_fixed);
    /* grey: what the officer should not change */
    format_set_pattern(x.head_fixed, LXW_PATTERN_SOLID);
    format_set_bg_color(x.head_fixed, 0xD9D9D9);
    format_set_pattern(x.fixed, LXW_PATTERN_SOLID);
    format_set_bg_color(x.fixed, 0xEDEDED);
    format_set_font_color(x.fixed, 0x595959);
    format_set_num_format(x.text, "@");

    for (int col = 0; col < NCOLS; col++) {
        lxw_format *f = xl_format(&x, col);
        xl_check(&x, worksheet_set_column(x.ws, (lxw_col_t)col, (lxw_col_t)col,
                                          xl_width(&x, cases, cves, n, col, ja),
                                          f == x.text ? f : NULL));
        if (col >= NFIXED && tk_case_fields[col - NFIXED].kind == TK_FK_CHOICE && n)
            xl_dropdown(&x, col, n, ja);
    }
    worksheet_freeze_panes(x.ws, 1, 0);
    xl_check(&x, worksheet_autofilter(x.ws, 0, 0, (lxw_row_t)n, NCOLS - 1));
    for (int col = 0; col < NCOLS; col++)
        xl_check(&x, worksheet_write_string(x.ws, 0, (lxw_col_t)col, col_label(col, ja),
                                            col < NFIXED ? x.head_fixed : x.head));
    for (size_t i = 0; i < n; i++) {
        lxw_row_t r = (lxw_row_t)(i + 1);
        for (int col = 0; col < NCOLS; col++) {
            lxw_format *f = xl_format(&x, col);
            if (cell_text(&x.val, &cases[i], cves ? cves[i] : NULL, col, ja) != 0) {
                xl_check(&x, LXW_ERROR_MEMORY_MALLOC_FAILED);
                continue;
            }
            const char *s = tk_buf_cstr(&x.val);
            /* user data is only ever written as a string, never as a formula */
            if (col < NFIXED && fixed_cols[col].number)
                xl_check(&x, worksheet_write_number(x.ws, r, (lxw_col_t)col,
                                                    (double)strtoll(s, NULL, 10), f));
            else if (*s)
                xl_check(&x,
                         worksheet_write_string(x.ws, r, (lxw_col_t)col, xl_text(&x.esc, s), f));
            else if (f)
                xl_check(&x, worksheet_write_blank(x.ws, r, (lxw_col_t)col, f));
        }
    }
    lxw_error e = workbook_close(x.wb);
    int rc = 0;
    if (x.failed || e)
        rc = tk_err_set(err, TK_EIO, "%s: writing the spreadsheet failed: %s", path,
                        lxw_strerror(x.failed ? x.failed : e));
    tk_buf_release(&x.val);
    tk_buf_release(&x.esc);
    return rc;
}

/* ---- CSV ------------------------------------------------------------------------------- */

/* Whether s is apostrophes followed by a character tk_escape_csv guards against. */
static bool quoted_formula(const char *s)
{
    size_t k = strspn(s, "'");
    return k && s[k] && strchr("=+-@\t\r", s[k]) != NULL;
}

struct cp932 {
    iconv_t to, from; /* UTF-8 -> CP932 and back */
    struct tk_buf out, back;
};

/* Converts n bytes of UTF-8 at s with cd into out (appended); false when iconv refuses. */
static bool iconv_all(iconv_t cd, const char *s, size_t n, struct tk_buf *out)
{
    iconv(cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)s;
    size_t il = n;
    while (il) {
        char tmp[4096];
        char *op = tmp;
        size_t ol = sizeof tmp;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        if (tk_buf_add(out, tmp, (size_t)(op - tmp)) != 0)
            return false;
        if (r == (size_t)-1 && errno != E2BIG)
            return false;
    }
    char tmp[64];
    char *op = tmp;
    size_t ol = sizeof tmp;
    if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
        return false;
    return tk_buf_add(out, tmp, (size_t)(op - tmp)) == 0;
}

/* s in CP932 appended to dst when it reads back unchanged (U+301C WAVE DASH, for one, goes
 * to the byte pair that reads back as U+FF5E); else the first character that does not, in
 * *bad. */
static bool to_cp932(struct cp932 *cv, const char *s, size_t n, struct tk_buf *dst, uint32_t *bad)
{
    tk_buf_reset(&cv->out);
    tk_buf_reset(&cv->back);
    if (iconv_all(cv->to, s, n, &cv->out) &&
        iconv_all(cv->from, cv->out.ptr, cv->out.len, &cv->back) && cv->back.len == n &&
        memcmp(cv->back.ptr, s, n) == 0)
        return tk_buf_add(dst, cv->out.ptr, cv->out.len) == 0;
    /* which character: each on its own */
    *bad = 0xFFFD;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = tk_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k)
            break;
        tk_buf_reset(&cv->out);
        tk_buf_reset(&cv->back);
        if (!iconv_all(cv->to, s + i, k, &cv->out) ||
            !iconv_all(cv->from, cv->out.ptr, cv->out.len, &cv->back) || cv->back.len != k ||
            memcmp(cv->back.ptr, s + i, k) != 0) {
            *bad = cp;
            break;
        }
        i += k;
    }
    return false;
}

static int write_csv(FILE *fp, const char *path, const struct tk_case_sheet_opts *o,
                     const struct tk_case *cases, const char *const *cves, size_t n,
                     struct tk_err *err)
{
    bool ja = strcmp(o->lang, "ja") == 0;
    struct cp932 cv = { (iconv_t)-1, (iconv_t)-1, TK_BUF_INIT((size_t)64 << 20),
                        TK_BUF_INIT((size_t)64 << 20) };
    struct tk_buf val = TK_BUF_INIT((size_t)16 << 20), pre = TK_BUF_INIT((size_t)16 << 20),
                  cell = TK_BUF_INIT((size_t)32 << 20), line = TK_BUF_INIT((size_t)256 << 20);
    int rc = 0;
    if (o->sjis) {
        cv.to = iconv_open("CP932", "UTF-8");
        cv.from = iconv_open("UTF-8", "CP932");
        if (cv.to == (iconv_t)-1 || cv.from == (iconv_t)-1) {
            rc = tk_err_set(err, TK_EUNSUPP,
                            "%s: this system cannot convert to Shift_JIS (CP932): no iconv "
                            "converter",
                            path);
            goto out;
        }
    } else if (fputs("\xEF\xBB\xBF", fp) == EOF) { /* Excel sees UTF-8 only after a BOM */
        rc = tk_err_sys(err, errno, "%s: cannot write", path);
        goto out;
    }
    for (size_t i = 0; i <= n && !rc; i++) {
        tk_buf_reset(&line);
        for (int col = 0; col < NCOLS && !rc; col++) {
            const struct tk_case *c = i ? &cases[i - 1] : NULL;
            tk_buf_reset(&val);
            rc = c ? cell_text(&val, c, cves ? cves[i - 1] : NULL, col, ja)
                   : tk_buf_adds(&val, col_label(col, ja));
            tk_buf_reset(&cell);
            /* one apostrophe more before a value of apostrophes and a formula character,
             * which tk_escape_csv leaves alone, so that the reader, which takes one off,
             * gives the value back */
            if (!rc && quoted_formula(tk_buf_cstr(&val))) {
                tk_buf_reset(&pre);
                rc = tk_buf_addc(&pre, '\'');
                if (!rc)
                    rc = tk_buf_add(&pre, val.ptr, val.len);
                if (!rc)
                    rc = tk_escape_csv(&cell, pre.ptr, pre.len);
            } else if (!rc) {
                rc = tk_escape_csv(&cell, tk_buf_cstr(&val), val.len);
            }
            if (!rc)
                rc = tk_buf_adds(&cell, col == NCOLS - 1 ? "\r\n" : ",");
            if (rc) {
                rc = tk_err_set(err, rc, "%s: case %lld: column %s is too long", path,
                                c ? (long long)c->id : 0LL, col_name(col));
                break;
            }
            uint32_t bad = 0;
            if (!o->sjis) {
                rc = tk_buf_add(&line, cell.ptr, cell.len);
            } else if (!to_cp932(&cv, cell.ptr, cell.len, &line, &bad)) {
                char ch[8] = "";
                if (bad != 0xFFFD && bad >= 0x20)
                    ch[tk_utf8_encode(bad, (unsigned char *)ch)] = '\0';
                if (c)
                    rc = tk_err_set(err, TK_EINVAL,
                                    "%s: case %lld, column %s (%s): U+%04X \"%s\" cannot be "
                                    "written in Shift_JIS (CP932) so that it reads back "
                                    "unchanged; export as XLSX or UTF-8 CSV instead",
                                    path, (long long)c->id, col_label(col, ja), col_name(col),
                                    (unsigned)bad, ch);
                else
                    rc = tk_err_set(err, TK_EINVAL,
                                    "%s: the header cannot be written in Shift_JIS (CP932)", path);
            }
        }
        if (!rc && fwrite(line.ptr, 1, line.len, fp) != line.len)
            rc = tk_err_sys(err, errno, "%s: cannot write", path);
    }
out:
    if (cv.to != (iconv_t)-1)
        iconv_close(cv.to);
    if (cv.from != (iconv_t)-1)
        iconv_close(cv.from);
    tk_buf_release(&cv.out);
    tk_buf_release(&cv.back);
    tk_buf_release(&val);
    tk_buf_release(&pre);
    tk_buf_release(&cell);
    tk_buf_release(&line);
    return rc;
}

int tk_case_sheet_write(const char *path, const struct tk_case_sheet_opts *o,
                        const struct tk_case *cases, const char *const *cves, size_t n,
                        struct tk_err *err)
{
    struct tk_atomic_file af;
    int rc = tk_atomic_open(&af, path, err);
    if (rc)
        return rc;
    if (o->format == TK_CSHEET_CSV) {
        rc = write_csv(af.fp, path, o, cases, cves, n, err);
    } else {
        /* libxlsxwriter writes the file by name at the end: the temporary file, which it
         * truncates and fills; the commit below then syncs and renames it into place */
        rc = write_xlsx(path, af.tmp, o, cases, cves, n, err);
    }
    if (rc) {
        tk_atomic_abort(&af);
        return rc;
    }
    return tk_atomic_commit(&af, err);
}

/* ---- reading: the table ---------------------------------------------------------------- */

#define TABLE_ARENA_MAX ((size_t)512 << 20)
#define XLSX_READ_MAX ((uint64_t)256 << 20) /* uncompressed bytes of all members read */
#define XML_DEPTH_MAX 64
#define SST_MAX ((size_t)1 << 22)

void tk_table_init(struct tk_table *t)
{
    memset(t, 0, sizeof *t);
    tk_arena_init(&t->arena, TABLE_ARENA_MAX);
}

void tk_table_release(struct tk_table *t)
{
    tk_arena_release(&t->arena);
    tk_free(t->rows);
    memset(t, 0, sizeof *t);
}

static int cell_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct tk_table_cell *)a)->col, y = ((const struct tk_table_cell *)b)->col;
    return x < y ? -1 : x > y;
}

/* Column letters ("A", "AB") of a 0-based column into out (8 bytes). */
static void col_letters(uint32_t col, char *out)
{
    char tmp[8];
    size_t k = 0;
    for (uint32_t c = col + 1; c && k < sizeof tmp - 1; c = (c - 1) / 26)
        tmp[k++] = (char)('A' + (c - 1) % 26);
    for (size_t i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    out[k] = '\0';
}

/* Stores row num with its cells (copied into the arena, sorted by column). */
static int table_add_row(struct tk_table *t, uint32_t num, struct tk_table_cell *cells, size_t n,
                         const char *name, struct tk_err *err)
{
    if (!n)
        return 0;
    if (t->nrows && num <= t->rows[t->nrows - 1].num)
        return tk_err_set(err, TK_EPARSE, "%s: row %u comes after row %u", name, num,
                          t->rows[t->nrows - 1].num);
    qsort(cells, n, sizeof *cells, cell_cmp);
    for (size_t i = 1; i < n; i++)
        if (cells[i].col == cells[i - 1].col) {
            char ref[8];
            col_letters(cells[i].col, ref);
            return tk_err_set(err, TK_EPARSE, "%s: cell %s%u appears twice", name, ref, num);
        }
    if (tk_grow((void **)&t->rows, &t->cap, t->nrows + 1, sizeof *t->rows, TK_TABLE_MAX_ROWS))
        return tk_err_set(err, TK_ELIMIT, "%s: more than %u rows", name, TK_TABLE_MAX_ROWS);
    struct tk_table_cell *copy = tk_arena_alloc(&t->arena, n * sizeof *copy);
    if (!copy)
        return tk_err_set(err, TK_ELIMIT, "%s: more than %zu MiB of cells", name,
                          TABLE_ARENA_MAX >> 20);
    memcpy(copy, cells, n * sizeof *copy);
    t->rows[t->nrows++] = (struct tk_table_row){ num, (uint32_t)n, copy };
    return 0;
}

/* Appends a cell to a row being read. */
static int row_cell(struct tk_table_cell **cells, size_t *n, size_t *cap, uint32_t col, bool number,
                    const char *text)
{
    if (tk_grow((void **)cells, cap, *n + 1, sizeof **cells, TK_TABLE_MAX_COLS))
        return TK_ELIMIT;
    (*cells)[(*n)++] = (struct tk_table_cell){ col, number, text };
    return 0;
}

const struct tk_table_cell *tk_table_cell(const struct tk_table_row *r, uint32_t col)
{
    size_t lo = 0, hi = r->ncells;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->cells[mid].col == col)
            return &r->cells[mid];
        if (r->cells[mid].col < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool tk_table_row_blank(const struct tk_table_row *r)
{
    for (uint32_t i = 0; i < r->ncells; i++)
        if (tk_str_trim(tk_str_c(r->cells[i].text)).n)
            return false;
    return true;
}

/* Excel's "_xHHHH_" escapes decoded (surrogate pairs joined; a lone surrogate or NUL becomes
 * U+FFFD), into the arena. The result is never longer than s. */
static char *xl_unescape(struct tk_arena *a, const char *s, size_t n)
{
    char *out = tk_arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; out && i < n;) {
        uint32_t u, lo;
        if (!xl_escape_at(s, n, i, &u)) {
            out[k++] = s[i++];
            continue;
        }
        i += 7;
        if (u >= 0xD800 && u <= 0xDBFF && xl_escape_at(s, n, i, &lo) && lo >= 0xDC00 &&
            lo <= 0xDFFF) {
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 7;
        } else if ((u >= 0xD800 && u <= 0xDFFF) || u == 0) {
            u = 0xFFFD;
        }
        k += tk_utf8_encode(u, (unsigned char *)out + k);
    }
    if (out)
        out[k] = '\0';
    return out;
}

/* ---- reading XLSX ---------------------------------------------------------------------- */

enum xml_kind { X_WORKBOOK, X_RELS, X_SST, X_SHEET };

struct xlsx {
    struct tk_table *t;
    const char *name;
    struct tk_err *err;
    zip_t *z;
    uint64_t read;
    /* the member being parsed */
    XML_Parser p;
    enum xml_kind kind;
    const char *member;
    int rc;
    unsigned depth;
    struct tk_buf text; /* of the string, value or inline string being read */
    bool in_si, in_t, in_v, in_is, in_c, in_row;
    unsigned in_rph; /* inside phonetic runs, whose text is not the cell's */
    /* the workbook and its relationships */
    const char *sheet_rid, *sheet_target, *sst_target;
    bool have_sheet;
    /* shared strings */
    const char **sst;
    size_t nsst, cap_sst;
    /* the row and cell being read */
    uint32_t row, last_row, col, next_col;
    char ctype[12];
    struct tk_table_cell *cells;
    size_t ncells, cap_cells;
};

static int xfail(struct xlsx *x, int code, const char *what)
{
    if (!x->rc)
        x->rc = tk_err_set(x->err, code, "%s: %s:%lu: %s", x->name, x->member,
                           (unsigned long)XML_GetCurrentLineNumber(x->p), what);
    XML_StopParser(x->p, XML_FALSE);
    return x->rc;
}

/* The local part of an element or attribute name ("x:sheet" -> "sheet"). */
static const char *local(const char *n)
{
    const char *c = strrchr(n, ':');
    return c ? c + 1 : n;
}

/* The value of the attribute whose local name is lname; prefixed: only one with a prefix
 * (r:id), else only one without. */
static const char *attr(const XML_Char **atts, const char *lname, bool prefixed)
{
    for (size_t i = 0; atts[i] && atts[i + 1]; i += 2)
        if ((strchr(atts[i], ':') != NULL) == prefixed && strcmp(local(atts[i]), lname) == 0)
            return atts[i + 1];
    return NULL;
}

/* A 1-based row number from text: 1 to TK_TABLE_MAX_ROWS, else 0. */
static uint32_t row_number(const char *s, size_t n)
{
    uint64_t v = 0;
    if (!n || n > 7)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v >= 1 && v <= TK_TABLE_MAX_ROWS ? (uint32_t)v : 0;
}

/* The 0-based column of a cell reference ("C12"), or -1. */
static int64_t ref_col(const char *r)
{
    int64_t c = 0;
    size_t i = 0;
    for (; (r[i] >= 'A' && r[i] <= 'Z') || (r[i] >= 'a' && r[i] <= 'z'); i++) {
        c = c * 26 + ((r[i] | 0x20) - 'a' + 1);
        if (c > TK_TABLE_MAX_COLS)
            return -1;
    }
    if (!i || !row_number(r + i, strlen(r + i)))
        return -1;
    return c - 1;
}

static void x_start_sheet(struct xlsx *x, const char *ln, const XML_Char **atts)
{
    if (strcmp(ln, "row") == 0) {
        const char *r = attr(atts, "r", false);
        x->row = r ? row_number(r, strlen(r)) : x->last_row + 1;
        if (!x->row || x->row > TK_TABLE_MAX_ROWS) {
            xfail(x, TK_EPARSE, "a row number is not 1 to 1048576");
            return;
        }
        x->in_row = true;
        x->ncells = 0;
        x->next_col = 0;
    } else if (strcmp(ln, "c") == 0 && x->in_row) {
        const char *r = attr(atts, "r", false), *t = attr(atts, "t", false);
        int64_t col = r ? ref_col(r) : (int64_t)x->next_col;
        if (col < 0 || col >= TK_TABLE_MAX_COLS) {
            xfail(x, TK_EPARSE, "a cell reference is not a column A to XFD and a row");
            return;
        }
        x->col = (uint32_t)col;
        x->next_col = x->col + 1;
        snprintf(x->ctype, sizeof x->ctype, "%s", t ? t : "n");
        x->in_c = true;
        tk_buf_reset(&x->text);
    } else if (strcmp(ln, "v") == 0 && x->in_c) {
        x->in_v = true;
    } else if (strcmp(ln, "is") == 0 && x->in_c) {
        x->in_is = true;
    } else if (strcmp(ln, "rPh") == 0) {
        x->in_rph++;
    } else if (strcmp(ln, "t") == 0 && x->in_is && !x->in_rph) {
        x->in_t = true;
    }
}

/* The end of a cell: its text by type, stored when not empty. */
static void x_cell(struct xlsx *x)
{
    struct tk_table *t = x->t;
    const char *s = tk_buf_cstr(&x->text), *v = NULL;
    bool number = false;
    char ref[8];
    col_letters(x->col, ref);
    if (strcmp(x->ctype, "s") == 0) {
        struct tk_str k = tk_str_trim(tk_str_c(s));
        uint64_t i;
        if (!k.n)
            return;
        if (!tk_str_to_u64(k, &i) || i >= x->nsst) {
            char what[96];
            snprintf(what, sizeof what, "cell %s%u names shared string %.20s, of %zu", ref, x->row,
                     s, x->nsst);
            xfail(x, TK_EPARSE, what);
            return;
        }
        v = x->sst[i];
    } else if (strcmp(x->ctype, "inlineStr") == 0 || strcmp(x->ctype, "str") == 0) {
        v = xl_unescape(&t->arena, s, x->text.len);
    } else if (strcmp(x->ctype, "b") == 0) {
        v = strcmp(s, "1") == 0 ? "TRUE" : strcmp(s, "0") == 0 ? "FALSE" : s;
        v = tk_arena_strdup(&t->arena, v);
    } else {
        number = strcmp(x->ctype, "n") == 0;
        v = tk_arena_strdup(&t->arena, s);
    }
    if (!v) {
        xfail(x, TK_ELIMIT, "the cells take more memory than the limit");
        return;
    }
    if (*v && row_cell(&x->cells, &x->ncells, &x->cap_cells, x->col, number, v))
        xfail(x, TK_ELIMIT, "a row has more cells than columns A to XFD");
}

static void x_end_sheet(struct xlsx *x, const char *ln)
{
    if (strcmp(ln, "v") == 0) {
        x->in_v = false;
    } else if (strcmp(ln, "t") == 0) {
        x->in_t = false;
    } else if (strcmp(ln, "is") == 0) {
        x->in_is = false;
    } else if (strcmp(ln, "rPh") == 0) {
        x->in_rph -= x->in_rph > 0;
    } else if (strcmp(ln, "c") == 0 && x->in_c) {
        x->in_c = x->in_v = x->in_is = x->in_t = false;
        x_cell(x);
    } else if (strcmp(ln, "row") == 0 && x->in_row) {
        x->in_row = false;
        x->last_row = x->row;
        int rc = table_add_row(x->t, x->row, x->cells, x->ncells, x->name, x->err);
        if (rc) {
            x->rc = rc;
            XML_StopParser(x->p, XML_FALSE);
        }
    }
}

static void x_start_sst(struct xlsx *x, const char *ln)
{
    if (strcmp(ln, "si") == 0) {
        x->in_si = true;
        x->in_rph = 0;
        tk_buf_reset(&x->text);
    } else if (strcmp(ln, "rPh") == 0) {
        x->in_rph++;
    } else if (strcmp(ln, "t") == 0 && x->in_si && !x->in_rph) {
        x->in_t = true;
    }
}

static void x_end_sst(struct xlsx *x, const char *ln)
{
    if (strcmp(ln, "t") == 0) {
        x->in_t = false;
    } else if (strcmp(ln, "rPh") == 0) {
        x->in_rph -= x->in_rph > 0;
    } else if (strcmp(ln, "si") == 0 && x->in_si) {
        x->in_si = false;
        const char *s = xl_unescape(&x->t->arena, tk_buf_cstr(&x->text), x->text.len);
        if (!s || tk_grow((void **)&x->sst, &x->cap_sst, x->nsst + 1, sizeof *x->sst, SST_MAX))
            xfail(x, TK_ELIMIT, "more shared strings than the limit");
        else
            x->sst[x->nsst++] = s;
    }
}

static void x_start_rels(struct xlsx *x, const char *ln, const XML_Char **atts)
{
    if (strcmp(ln, "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id", false), *type = attr(atts, "Type", false),
               *target = attr(atts, "Target", false), *mode = attr(atts, "TargetMode", false);
    if (!target || (mode && strcmp(mode, "External") == 0))
        return;
    struct tk_str ty = tk_str_c(type);
    if (id && x->sheet_rid && strcmp(id, x->sheet_rid) == 0 && !x->sheet_target)
        x->sheet_target = tk_arena_strdup(&x->t->arena, target);
    else if (tk_str_has_suffix(ty, "/sharedStrings") && !x->sst_target)
        x->sst_target = tk_arena_strdup(&x->t->arena, target);
}

static void XMLCALL x_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    struct xlsx *x = ud;
    if (++x->depth > XML_DEPTH_MAX) {
        xfail(x, TK_ELIMIT, "elements nested deeper than 64");
        return;
    }
    const char *ln = local(el);
    switch (x->kind) {
    case X_WORKBOOK:
        if (strcmp(ln, "sheet") == 0 && !x->have_sheet) {
            const char *rid = attr(atts, "id", true);
            x->have_sheet = true;
            x->sheet_rid = rid ? tk_arena_strdup(&x->t->arena, rid) : NULL;
        } else if (strcmp(ln, "workbookPr") == 0) {
            const char *d = attr(atts, "date1904", false);
            x->t->date1904 = d && (strcmp(d, "1") == 0 || strcasecmp(d, "true") == 0);
        }
        break;
    case X_RELS:
        x_start_rels(x, ln, atts);
        break;
    case X_SST:
        x_start_sst(x, ln);
        break;
    case X_SHEET:
        x_start_sheet(x, ln, atts);
        break;
    }
}

static void XMLCALL x_end(void *ud, const XML_Char *el)
{
    struct xlsx *x = ud;
    x->depth--;
    if (x->kind == X_SST)
        x_end_sst(x, local(el));
    else if (x->kind == X_SHEET)
        x_end_sheet(x, local(el));
}

static void XMLCALL x_text(void *ud, const XML_Char *s, int len)
{
    struct xlsx *x = ud;
    bool keep = x->kind == X_SST ? x->in_t : x->kind == X_SHEET && (x->in_v || x->in_t);
    if (keep && tk_buf_add(&x->text, s, (size_t)len) != 0)
        xfail(x, TK_ELIMIT, "a cell holds more than 256 KiB of text");
}

static void XMLCALL x_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                              const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    xfail(ud, TK_EPARSE, "a DOCTYPE declaration is refused");
}

static void XMLCALL x_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                             int value_len, const XML_Char *base, const XML_Char *sysid,
                             const XML_Char *pubid, const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid;
    (void)pubid, (void)notation;
    xfail(ud, TK_EPARSE, "entity declarations are refused");
}

/* Parses one member with expat; 1 when it is missing and optional. The declared size is
 * checked before anything is inflated and the actual size while inflating, so a zip bomb
 * stops at the limit. */
static int x_member(struct xlsx *x, const char *member, enum xml_kind kind, bool optional)
{
    zip_int64_t idx = zip_name_locate(x->z, member, 0);
    if (idx < 0)
        return optional ? 1
                        : tk_err_set(x->err, TK_EPARSE,
                                     "%s: no %s in the archive: not an XLSX "
                                     "workbook",
                                     x->name, member);
    zip_stat_t zs;
    if (zip_stat_index(x->z, (zip_uint64_t)idx, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE))
        return tk_err_set(x->err, TK_EPARSE, "%s: %s: cannot read its size", x->name, member);
    if (zs.size > TK_TABLE_MEMBER_MAX || x->read + zs.size > XLSX_READ_MAX)
        return tk_err_set(x->err, TK_ELIMIT,
                          "%s: %s would be %llu bytes uncompressed, more than the limit of %u "
                          "MiB",
                          x->name, member, (unsigned long long)zs.size, TK_TABLE_MEMBER_MAX >> 20);
    zip_file_t *f = zip_fopen_index(x->z, (zip_uint64_t)idx, 0);
    if (!f)
        return tk_err_set(x->err, TK_EPARSE, "%s: %s: cannot be read: %s", x->name, member,
                          zip_strerror(x->z));
    x->p = XML_ParserCreate(NULL);
    if (!x->p) {
        zip_fclose(f);
        return tk_err_set(x->err, TK_ENOMEM, "%s: out of memory", x->name);
    }
    x->kind = kind;
    x->member = member;
    x->depth = 0;
    x->in_si = x->in_t = x->in_v = x->in_is = x->in_c = x->in_row = false;
    x->in_rph = 0;
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, x_start, x_end);
    XML_SetCharacterDataHandler(x->p, x_text);
    XML_SetStartDoctypeDeclHandler(x->p, x_doctype);
    XML_SetEntityDeclHandler(x->p, x_entity);
    XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
    uint64_t got = 0;
    for (;;) {
        enum { CHUNK = 65536 };
        void *buf = XML_GetBuffer(x->p, CHUNK);
        if (!buf) {
            x->rc = tk_err_set(x->err, TK_ENOMEM, "%s: out of memory", x->name);
            break;
        }
        zip_int64_t k = zip_fread(f, buf, CHUNK);
        if (k < 0) {
            x->rc = tk_err_set(x->err, TK_EPARSE, "%s: %s is damaged: %s", x->name, member,
                               zip_file_strerror(f));
            break;
        }
        got += (uint64_t)k;
        if (got > zs.size) {
            x->rc =
                tk_err_set(x->err, TK_ELIMIT, "%s: %s inflates past the size it declares: refused",
                           x->name, member);
            break;
        }
        enum XML_Status st = XML_ParseBuffer(x->p, (int)k, k == 0);
        if (x->rc)
            break;
        if (st != XML_STATUS_OK) {
            x->rc = tk_err_set(x->err, TK_EPARSE, "%s: %s:%lu:%lu: not well-formed XML: %s",
                               x->name, member, (unsigned long)XML_GetCurrentLineNumber(x->p),
                               (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1,
                               XML_ErrorString(XML_GetErrorCode(x->p)));
            break;
        }
        if (k == 0)
            break;
    }
    if (!x->rc && got != zs.size)
        x->rc = tk_err_set(x->err, TK_EPARSE, "%s: %s is shorter than it declares: damaged",
                           x->name, member);
    x->read += got;
    zip_fclose(f);
    XML_ParserFree(x->p);
    x->p = NULL;
    return x->rc;
}

/* A relationship target as a member name: relative to xl/ or, with a leading '/', to the
 * root; "." and ".." resolved, never above the root. NULL when too long. */
static const char *member_path(struct tk_arena *a, const char *target)
{
    char path[1024];
    size_t k = 0;
    struct tk_str rest = tk_str_c(target), seg;
    if (target[0] != '/') {
        memcpy(path, "xl", 2);
        k = 2;
    }
    while (rest.n) {
        const char *slash = memchr(rest.p, '/', rest.n);
        seg = (struct tk_str){ rest.p, slash ? (size_t)(slash - rest.p) : rest.n };
        rest = slash ? (struct tk_str){ slash + 1, rest.n - seg.n - 1 }
                     : (struct tk_str){ rest.p + rest.n, 0 };
        if (!seg.n || tk_str_eq_c(seg, "."))
            continue;
        if (tk_str_eq_c(seg, "..")) {
            while (k && path[k - 1] != '/')
                k--;
            k -= k > 0;
            continue;
        }
        if (k + seg.n + 2 > sizeof path)
            return NULL;
        if (k)
            path[k++] = '/';
        memcpy(path + k, seg.p, seg.n);
        k += seg.n;
    }
    return tk_arena_strndup(a, path, k);
}

int tk_table_read_xlsx(struct tk_table *t, const char *name, const void *data, size_t n,
                       struct tk_err *err)
{
    struct xlsx x = { .t = t, .name = name, .err = err, .text = TK_BUF_INIT(TK_TABLE_CELL_MAX) };
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = n ? zip_source_buffer_create(data, n, 0, &ze) : NULL;
    if (src && !(x.z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)))
        zip_source_free(src);
    if (!x.z) {
        int rc = tk_err_set(err, TK_EPARSE, "%s: not an XLSX file (not a readable ZIP archive: %s)",
                            name, n ? zip_error_strerror(&ze) : "empty");
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    int rc = x_member(&x, "xl/workbook.xml", X_WORKBOOK, false);
    if (!rc && !x.have_sheet)
        rc = tk_err_set(err, TK_EPARSE, "%s: the workbook has no worksheet", name);
    if (!rc && x.sheet_rid)
        rc = x_member(&x, "xl/_rels/workbook.xml.rels", X_RELS, true);
    rc = rc > 0 ? 0 : rc;
    const char *sheet =
        x.sheet_target ? member_path(&t->arena, x.sheet_target) : "xl/worksheets/sheet1.xml";
    const char *sst = x.sst_target ? member_path(&t->arena, x.sst_target) : "xl/sharedStrings.xml";
    if (!rc && (!sheet || !sst))
        rc = tk_err_set(err, TK_EPARSE, "%s: a relationship names a member too long", name);
    if (!rc)
        rc = x_member(&x, sst, X_SST, true);
    rc = rc > 0 ? 0 : rc;
    if (!rc)
        rc = x_member(&x, sheet, X_SHEET, false);
    tk_free(x.sst);
    tk_free(x.cells);
    tk_buf_release(&x.text);
    zip_discard(x.z);
    return rc;
}

/* ---- reading CSV ----------------------------------------------------------------------- */

static unsigned long line_at(const char *s, size_t off)
{
    unsigned long line = 1;
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + off - p))) != NULL; p++)
        line++;
    return line;
}

/* Shift_JIS (CP932) to UTF-8, into a buffer the caller frees with tk_free. */
static int sjis_decode(const char *name, const char *in, size_t n, char **out, size_t *outn,
                       struct tk_err *err)
{
    iconv_t cd = iconv_open("UTF-8", "CP932");
    if (cd == (iconv_t)-1)
        return tk_err_set(err, TK_EUNSUPP,
                          "%s: this system cannot convert from Shift_JIS (CP932): no iconv "
                          "converter",
                          name);
    size_t cap = 3 * n + 1; /* a half-width katakana byte becomes three */
    char *buf = tk_malloc(cap), *ip = (char *)in, *op = buf;
    size_t il = n, ol = cap - 1;
    int rc = 0;
    if (!buf)
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
    else if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ||
             iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
        rc = tk_err_set(err, TK_EPARSE, "%s:%lu: not valid Shift_JIS (CP932)", name,
                        line_at(in, (size_t)(ip - in)));
    iconv_close(cd);
    if (rc) {
        tk_free(buf);
        return rc;
    }
    *op = '\0';
    *out = buf;
    *outn = (size_t)(op - buf);
    return 0;
}

/* A read field as a cell: the apostrophe tk_escape_csv put before a formula-like value (and
 * the writer before one that starts with apostrophes already) taken off. */
static int csv_cell(struct tk_table *t, struct tk_table_cell **cells, size_t *n, size_t *cap,
                    uint32_t col, const struct tk_buf *b)
{
    const char *s = tk_buf_cstr(b);
    size_t len = b->len;
    if (quoted_formula(s))
        s++, len--;
    if (!len)
        return 0;
    const char *v = tk_arena_strndup(&t->arena, s, len);
    if (!v)
        return TK_ELIMIT;
    return row_cell(cells, n, cap, col, false, v);
}

static int csv_parse(struct tk_table *t, const char *name, const char *s, size_t n,
                     struct tk_err *err)
{
    struct tk_buf field = TK_BUF_INIT(TK_TABLE_CELL_MAX);
    struct tk_table_cell *cells = NULL;
    size_t ncells = 0, cap = 0, i = 0;
    unsigned long line = 1;
    uint32_t rec = 0;
    int rc = 0;
    while (i < n && !rc) {
        if (++rec > TK_TABLE_MAX_ROWS) {
            rc = tk_err_set(err, TK_ELIMIT, "%s: more than %u rows", name, TK_TABLE_MAX_ROWS);
            break;
        }
        ncells = 0;
        for (uint32_t col = 0; !rc; col++) {
            tk_buf_reset(&field);
            if (col >= TK_TABLE_MAX_COLS) {
                rc = tk_err_set(err, TK_ELIMIT, "%s:%lu: more than %u columns", name, line,
                                TK_TABLE_MAX_COLS);
                break;
            }
            if (i < n && s[i] == '"') {
                unsigned long start = line;
                for (i++;;) {
                    const char *q = memchr(s + i, '"', n - i);
                    if (!q) {
                        rc = tk_err_set(err, TK_EPARSE, "%s:%lu: a quoted field is not closed",
                                        name, start);
                        break;
                    }
                    size_t k = (size_t)(q - (s + i));
                    line += line_at(s + i, k) - 1;
                    if (tk_buf_add(&field, s + i, k) != 0) {
                        rc = tk_err_set(err, TK_ELIMIT, "%s:%lu: a field is longer than %u KiB",
                                        name, start, TK_TABLE_CELL_MAX >> 10);
                        break;
                    }
                    i += k + 1;
                    if (i < n && s[i] == '"') {
                        tk_buf_addc(&field, '"');
                        i++;
                        continue;
                    }
                    break;
                }
                if (!rc && i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n')
                    rc = tk_err_set(err, TK_EPARSE,
                                    "%s:%lu: text after the closing quote of a "
                                    "field",
                                    name, line);
            } else {
                size_t k = i;
                while (k < n && s[k] != ',' && s[k] != '\r' && s[k] != '\n')
                    k++;
                if (tk_buf_add(&field, s + i, k - i) != 0)
                    rc = tk_err_set(err, TK_ELIMIT, "%s:%lu: a field is longer than %u KiB", name,
                                    line, TK_TABLE_CELL_MAX >> 10);
                i = k;
            }
            if (!rc && csv_cell(t, &cells, &ncells, &cap, col, &field) != 0)
                rc = tk_err_set(err, TK_ELIMIT,
                                "%s:%lu: the cells take more memory than the "
                                "limit",
                                name, line);
            if (rc)
                break;
            if (i < n && s[i] == ',') {
                i++;
                continue;
            }
            /* the end of the record: CRLF, LF or a lone CR */
            if (i < n && s[i] == '\r')
                i++;
            if (i < n && s[i] == '\n')
                i++;
            line++;
            break;
        }
        if (!rc)
            rc = table_add_row(t, rec, cells, ncells, name, err);
    }
    tk_free(cells);
    tk_buf_release(&field);
    return rc;
}

int tk_table_read_csv(struct tk_table *t, const char *name, const void *data, size_t n, bool sjis,
                      struct tk_err *err)
{
    const char *s = data;
    char *conv = NULL;
    int rc = 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3, n -= 3; /* a BOM says UTF-8, whatever was asked */
    } else if (sjis) {
        if ((rc = sjis_decode(name, s, n, &conv, &n, err)) != 0)
            return rc;
        s = conv;
    }
    for (size_t i = 0; i < n && !rc;) {
        uint32_t cp;
        size_t k = tk_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k) {
            t->not_utf8 = true;
            rc = tk_err_set(err, TK_EPARSE, "%s:%lu: not valid UTF-8", name, line_at(s, i));
        } else if (!cp) {
            rc = tk_err_set(err, TK_EPARSE, "%s:%lu: a NUL byte: not a text file", name,
                            line_at(s, i));
        }
        i += k;
    }
    if (!rc)
        rc = csv_parse(t, name, s, n, err);
    tk_free(conv);
    return rc;
}

int tk_table_read_file(struct tk_table *t, const char *path, enum tk_case_sheet_format format,
                       bool sjis, struct tk_err *err)
{
    struct tk_buf b = TK_BUF_INIT(TK_TABLE_FILE_MAX);
    int rc = tk_read_file(path, &b, err);
    if (!rc)
        rc = format == TK_CSHEET_XLSX ? tk_table_read_xlsx(t, path, b.ptr, b.len, err)
                                      : tk_table_read_csv(t, path, b.ptr, b.len, sjis, err);
    tk_buf_release(&b);
    return rc;
}

/* ---- importing ------------------------------------------------------------------------- */

/* Whether header text h names a column: its machine name or English label (any case), or
 * its Japanese label. */
static bool names(const char *h, const char *name, const char *en, const char *ja)
{
    struct tk_str s = tk_str_trim(tk_str_c(h));
    return tk_str_eqcase_c(s, name) || tk_str_eqcase_c(s, en) || tk_str_eq_c(s, ja);
}

int tk_case_sheet_map(struct tk_case_sheet_map *m, const struct tk_table *t, const char *name,
                      struct tk_err *err)
{
    memset(m, 0, sizeof *m);
    m->case_col = m->version_col = -1;
    for (int f = 0; f < TK_CF_COUNT; f++)
        m->field_col[f] = -1;
    if (!t->nrows)
        return tk_err_set(err, TK_EPARSE, "%s: the sheet is empty: no header row", name);
    const struct tk_table_row *h = &t->rows[0];
    for (uint32_t i = 0; i < h->ncells; i++) {
        const char *text = h->cells[i].text;
        int what = -1;
        for (int f = 0; f < TK_CF_COUNT && what < 0; f++) {
            const struct tk_case_field_def *d = &tk_case_fields[f];
            if (names(text, d->name, d->label_en, d->label_ja))
                what = f;
        }
        if (what < 0 &&
            names(text, fixed_cols[C_CASE].name, fixed_cols[C_CASE].en, fixed_cols[C_CASE].ja))
            what = TK_CF_COUNT;
        if (what < 0 && names(text, fixed_cols[C_VERSION].name, fixed_cols[C_VERSION].en,
                              fixed_cols[C_VERSION].ja))
            what = TK_CF_COUNT + 1;
        if (what < 0)
            continue;
        int64_t *slot = what == TK_CF_COUNT       ? &m->case_col
                        : what == TK_CF_COUNT + 1 ? &m->version_col
                                                  : &m->field_col[what];
        if (*slot >= 0) {
            char a[8], b[8];
            col_letters((uint32_t)*slot, a);
            col_letters(h->cells[i].col, b);
            return tk_err_set(err, TK_EPARSE, "%s:%u: columns %s and %s both name \"%.64s\"", name,
                              h->num, a, b, m->head[what]);
        }
        *slot = h->cells[i].col;
        m->head[what] = text;
    }
    if (m->case_col < 0 || m->version_col < 0)
        return tk_err_set(err, TK_EPARSE,
                          "%s:%u: no %s column (\"%s\" or \"%s\"): not a sheet of tenken "
                          "campaign export",
                          name, h->num, m->case_col < 0 ? "case" : "version",
                          fixed_cols[m->case_col < 0 ? C_CASE : C_VERSION].en,
                          fixed_cols[m->case_col < 0 ? C_CASE : C_VERSION].ja);
    return 0;
}

/* A whole number of at least 1 from a cell ("12", or "12.0" as a spreadsheet may write it). */
static bool cell_int(const struct tk_table_cell *c, int64_t *out)
{
    struct tk_str s = tk_str_trim(tk_str_c(c ? c->text : NULL)), before, after;
    uint64_t v;
    if (tk_str_cut(s, '.', &before, &after)) {
        for (size_t i = 0; i < after.n; i++)
            if (after.p[i] != '0')
                return false;
        s = before;
    }
    if (!s.n || !tk_str_to_u64(s, &v) || v < 1 || v > INT64_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

/* A date column's cell in the form the field takes: a day number of a numeric cell (what a
 * date typed in Excel becomes) and "2026/1/5" or "2026.1.5" as YYYY-MM-DD; else as it is. */
static const char *date_text(const struct tk_table *t, const struct tk_table_cell *c, char *buf,
                             size_t cap)
{
    const char *s = c->text;
    unsigned y, m, d;
    char s1, s2, extra;
    if (c->number) {
        struct tk_str v = tk_str_trim(tk_str_c(s)), day, frac;
        uint64_t n;
        if (!tk_str_cut(v, '.', &day, &frac))
            day = v;
        /* the 1900 system counts 1900-02-29, which never was: 25569 is 1970-01-01 */
        int64_t epoch = t->date1904 ? 24107 : 25569;
        if (tk_str_to_u64(day, &n) && n >= (uint64_t)epoch && n <= 2958465) {
            char iso[32];
            tk_time_iso8601(((int64_t)n - epoch) * 86400, iso);
            snprintf(buf, cap, "%.10s", iso);
            return buf;
        }
        return s;
    }
    if (sscanf(s, " %4u%c%2u%c%2u %c", &y, &s1, &m, &s2, &d, &extra) == 5 && s1 == s2 &&
        (s1 == '/' || s1 == '.' || s1 == '-') && y >= 1000) {
        snprintf(buf, cap, "%04u-%02u-%02u", y, m, d);
        return buf;
    }
    return s;
}

/* A set column's cell with the separators a Japanese sheet uses ("、", "，") as commas. */
static const char *set_text(const char *s, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; s[i] && k + 1 < cap;) {
        if (strncmp(s + i, "、", 3) == 0 || strncmp(s + i, "，", 3) == 0) {
            buf[k++] = ',';
            i += 3;
        } else {
            buf[k++] = s[i++];
        }
    }
    buf[k] = '\0';
    return buf;
}

int tk_case_sheet_entry(const struct tk_case_sheet_map *m, const struct tk_table *t,
                        const struct tk_table_row *r, const char *name,
                        struct tk_case_sheet_entry *e, struct tk_err *err)
{
    memset(e->present, 0, sizeof e->present);
    const struct tk_table_cell *c = tk_table_cell(r, (uint32_t)m->case_col);
    if (!cell_int(c, &e->id))
        return tk_err_set(err, TK_EINVAL, "%s:%u:%s: \"%.32s\" is not a case number", name, r->num,
                          m->head[TK_CF_COUNT], c ? c->text : "");
    c = tk_table_cell(r, (uint32_t)m->version_col);
    if (!cell_int(c, &e->version))
        return tk_err_set(err, TK_EINVAL, "%s:%u:%s: \"%.32s\" is not a version number", name,
                          r->num, m->head[TK_CF_COUNT + 1], c ? c->text : "");
    for (int f = 0; f < TK_CF_COUNT; f++) {
        if (m->field_col[f] < 0)
            continue;
        c = tk_table_cell(r, (uint32_t)m->field_col[f]);
        const char *v = c ? c->text : "";
        char buf[TK_CASE_TEXT_MAX + 64];
        if (c && tk_case_fields[f].kind == TK_FK_DATE)
            v = date_text(t, c, buf, sizeof buf);
        else if (c && tk_case_fields[f].kind == TK_FK_SET && strlen(v) < sizeof buf)
            v = set_text(v, buf, sizeof buf);
        struct tk_err ferr = { 0 };
        if (tk_case_field_normalize((enum tk_case_field)f, v, e->value[f], sizeof e->value[f],
                                    &ferr) != 0)
            return tk_err_set(err, TK_EINVAL, "%s:%u:%s: %s", name, r->num, m->head[f], ferr.msg);
        e->present[f] = true;
    }
    return 0;
}
