/* sheet.c - the XLSX form of a survey (sheet.h). */
#include "surface/sheet.h"

#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "compat/sys.h"
#include "core/utf8.h"
#include "surface/assess.h"
#include "surface/attrib.h"

#define CELL_MAX 32767 /* characters Excel keeps in a cell */

struct tk_sheet {
    lxw_workbook *wb;
    struct tk_atomic_file af; /* libxlsxwriter writes af.tmp by name; renamed at the end */
    lxw_worksheet *summary, *devices, *tables[TK_SUM_DIMS];
    lxw_format *head;
    enum tk_lang lang;
    char *path;
    lxw_row_t row;      /* next Devices row */
    uint64_t left_out;  /* rows past Excel's limit */
    lxw_error failed;   /* first error */
    struct tk_buf text; /* cell text, cleaned */
};

#define L(sh, en, ja) ((sh)->lang == TK_LANG_JA ? (ja) : (en))

/* Device columns (tk_device_columns order) in Japanese. */
static const char *const columns_ja[] = {
    "IPアドレス", "ポート", "プロトコル", "ベンダー", "製品", "バージョン", "バージョン精度",
    "判定", "CVE", "CVE判定", "KEV", "KEV登録日", "KEV対応期限", "深刻度", "更新先",
    "露出", "組織ID", "組織名", "都道府県", "国", "地域", "帰属の確度", "サービス",
    "観測日時", "入力",
};

/* s as XML can carry it: invalid UTF-8 and control characters (but tab and newline) become
 * U+FFFD, at most CELL_MAX characters. */
static const char *clean(struct tk_sheet *sh, const char *s)
{
    struct tk_buf *b = &sh->text;
    tk_buf_reset(b);
    size_t n = strlen(s), chars = 0;
    for (size_t i = 0; i < n && chars < CELL_MAX; chars++) {
        uint32_t cp;
        size_t k = tk_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xFFFE || cp == 0xFFFF) {
            tk_buf_adds(b, "\xEF\xBF\xBD");
            i += k ? k : 1;
        } else {
            tk_buf_add(b, s + i, k);
            i += k;
        }
    }
    return tk_buf_cstr(b);
}

static void put(struct tk_sheet *sh, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                lxw_format *f)
{
    if (!s || !*s)
        return;
    lxw_error e = worksheet_write_string(ws, r, c, clean(sh, s), f);
    if (e && !sh->failed)
        sh->failed = e;
}

static void num(struct tk_sheet *sh, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, uint64_t v)
{
    lxw_error e = worksheet_write_number(ws, r, c, (double)v, NULL);
    if (e && !sh->failed)
        sh->failed = e;
}

static const char *dim_title(const struct tk_sheet *sh, enum tk_sum_dim d)
{
    static const char *const en[] = { "Products", "Versions", "Vulnerabilities", "Prefectures",
                                      "Organisations" };
    static const char *const ja[] = { "製品", "バージョン", "脆弱性", "都道府県", "組織" };
    return sh->lang == TK_LANG_JA ? ja[d] : en[d];
}

int tk_sheet_open(struct tk_sheet **out, const char *path, enum tk_lang lang, struct tk_err *err)
{
    struct tk_sheet *sh = tk_calloc(1, sizeof *sh);
    if (!sh || !(sh->path = tk_strdup(path))) {
        tk_free(sh);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", path);
    }
    sh->lang = lang;
    tk_buf_init(&sh->text, 4 * CELL_MAX + 8);
    int rc = tk_atomic_open(&sh->af, path, err);
    lxw_workbook_options o = { .constant_memory = LXW_TRUE };
    if (rc || !(sh->wb = workbook_new_opt(sh->af.tmp, &o))) {
        if (!rc)
            tk_atomic_abort(&sh->af);
        tk_buf_release(&sh->text);
        tk_free(sh->path);
        tk_free(sh);
        return rc ? rc : tk_err_set(err, TK_EIO, "%s: cannot create the spreadsheet", path);
    }
    sh->summary = workbook_add_worksheet(sh->wb, L(sh, "Summary", "概要"));
    sh->devices = workbook_add_worksheet(sh->wb, L(sh, "Devices", "機器"));
    for (int d = 0; d < TK_SUM_DIMS; d++)
        sh->tables[d] = workbook_add_worksheet(sh->wb, dim_title(sh, (enum tk_sum_dim)d));
    sh->head = workbook_add_format(sh->wb);
    format_set_bold(sh->head);
    for (size_t c = 0; c < tk_device_ncolumns; c++)
        put(sh, sh->devices, 0, (lxw_col_t)c,
            lang == TK_LANG_JA ? columns_ja[c] : tk_device_columns[c], sh->head);
    worksheet_freeze_panes(sh->devices, 1, 0);
    worksheet_set_column(sh->devices, 0, 0, 16, NULL);
    worksheet_set_column(sh->devices, 3, 5, 18, NULL);
    worksheet_set_column(sh->devices, 8, 8, 16, NULL);
    worksheet_set_column(sh->devices, 17, 17, 28, NULL);
    sh->row = 1;
    *out = sh;
    return 0;
}

int tk_sheet_row(struct tk_sheet *sh, const char *const *fields)
{
    if (sh->row >= LXW_ROW_MAX) {
        sh->left_out++;
        return 0;
    }
    for (size_t c = 0; c < tk_device_ncolumns; c++) {
        if (c == 1) /* the port, as a number */
            num(sh, sh->devices, sh->row, 1, strtoull(fields[1], NULL, 10));
        else
            put(sh, sh->devices, sh->row, (lxw_col_t)c, fields[c], NULL);
    }
    sh->row++;
    return sh->failed ? TK_EIO : 0;
}

static void summary_sheet(struct tk_sheet *sh, struct tk_summary *sum)
{
    lxw_worksheet *ws = sh->summary;
    worksheet_set_column(ws, 0, 0, 40, NULL);
    put(sh, ws, 0, 0, L(sh, "Attack surface survey (tenken)", "攻撃対象領域調査 (tenken)"),
        sh->head);
    struct tk_sum_totals t = { 0 };
    if (sum)
        tk_summary_totals(sum, &t);
    lxw_row_t r = 2;
    for (size_t i = 0; i < tk_sum_ntotal_fields; i++, r++) {
        put(sh, ws, r, 0, L(sh, tk_sum_total_fields[i].en, tk_sum_total_fields[i].ja), NULL);
        num(sh, ws, r, 1, tk_sum_total(&t, i));
    }
    if (sh->left_out) {
        put(sh, ws, ++r, 0,
            L(sh, "Device rows left out (past the sheet's row limit)",
              "行数上限のため省略した機器の行"),
            NULL);
        num(sh, ws, r, 1, sh->left_out);
    }
}

static void table_sheet(struct tk_sheet *sh, struct tk_summary *sum, enum tk_sum_dim d)
{
    static const char *const heads_en[TK_SUM_DIMS][3] = {
        { "Vendor", "Product", NULL },
        { "Vendor", "Product", "Version" },
        { "CVE", "KEV", "Severity" },
        { "Code", "Prefecture", NULL },
        { "Org ID", "Organisation", "Prefecture" },
    };
    static const char *const heads_ja[TK_SUM_DIMS][3] = {
        { "ベンダー", "製品", NULL },
        { "ベンダー", "製品", "バージョン" },
        { "CVE", "KEV", "深刻度" },
        { "コード", "都道府県", NULL },
        { "組織ID", "組織名", "都道府県" },
    };
    lxw_worksheet *ws = sh->tables[d];
    const char *const *heads = sh->lang == TK_LANG_JA ? heads_ja[d] : heads_en[d];
    lxw_col_t c = 0;
    for (int k = 0; k < 3; k++)
        if (heads[k])
            put(sh, ws, 0, c++, heads[k], sh->head);
    put(sh, ws, 0, c, L(sh, "Services", "サービス数"), sh->head);
    put(sh, ws, 0, c + 1, L(sh, "Affected", "脆弱性あり"), sh->head);
    put(sh, ws, 0, c + 2, L(sh, "Possibly affected", "脆弱性の可能性"), sh->head);
    if (d != TK_SUM_CVE)
        put(sh, ws, 0, c + 3, "KEV", sh->head);
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_set_column(ws, 0, 2, 22, NULL);
    size_t n = 0;
    const struct tk_sum_row *rows = sum ? tk_summary_table(sum, d, &n) : NULL;
    for (size_t i = 0; i < n && i + 1 < LXW_ROW_MAX; i++) {
        const struct tk_sum_row *row = &rows[i];
        lxw_row_t r = (lxw_row_t)i + 1;
        c = 0;
        for (int k = 0; k < 3; k++) {
            if (!heads[k])
                continue;
            const char *v = row->key[k];
            if (d == TK_SUM_PREFECTURE && k == 1)
                v = tk_prefecture_name(tk_prefecture_parse(row->key[0]),
                                       sh->lang == TK_LANG_JA);
            if (d == TK_SUM_CVE && k == 1)
                v = *v ? "KEV" : "";
            put(sh, ws, r, c++, v, NULL);
        }
        num(sh, ws, r, c, row->services);
        num(sh, ws, r, c + 1, row->affected);
        num(sh, ws, r, c + 2, row->possibly);
        if (d != TK_SUM_CVE)
            num(sh, ws, r, c + 3, row->kev);
    }
}

int tk_sheet_close(struct tk_sheet *sh, struct tk_summary *sum, bool keep, struct tk_err *err)
{
    if (keep) {
        summary_sheet(sh, sum);
        for (int d = 0; d < TK_SUM_DIMS; d++)
            table_sheet(sh, sum, (enum tk_sum_dim)d);
    }
    lxw_error e = workbook_close(sh->wb);
    int rc = 0;
    if (keep && (sh->failed || e))
        rc = tk_err_set(err, TK_EIO, "%s: writing the spreadsheet failed: %s", sh->path,
                        lxw_strerror(sh->failed ? sh->failed : e));
    if (keep && !rc)
        rc = tk_atomic_commit(&sh->af, err);
    else
        tk_atomic_abort(&sh->af);
    tk_buf_release(&sh->text);
    tk_free(sh->path);
    tk_free(sh);
    return rc;
}
