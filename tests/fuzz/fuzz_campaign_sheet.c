/* fuzz_campaign_sheet.c - the spreadsheet readers of `tenken campaign import`
 * (campaign/sheet.h): the first byte picks XLSX (libzip + expat), CSV in UTF-8, CSV in
 * Shift_JIS, or a round trip; the rest is the file, or for the round trip the field values
 * of one case (separated by 0x1f).
 *
 * Invariants: rows ascend, cells ascend by column, each once, non-empty valid UTF-8 within
 * the cell bound and found again by tk_table_cell; a row read into an entry has case and
 * version numbers of at least 1 and values that normalise to themselves; and a case written
 * to XLSX, UTF-8 CSV and (when it can be) Shift_JIS CSV reads back with every field value
 * unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/sheet.h"
#include "core/alloc.h"
#include "core/utf8.h"
#include "fuzz.h"

static struct tk_case_sheet_entry entry;

static void check_table(const struct tk_table *t)
{
    for (size_t i = 0; i < t->nrows; i++) {
        const struct tk_table_row *r = &t->rows[i];
        FUZZ_CHECK(r->num >= 1 && r->num <= TK_TABLE_MAX_ROWS);
        FUZZ_CHECK(i == 0 || r->num > t->rows[i - 1].num);
        FUZZ_CHECK(r->ncells >= 1);
        for (uint32_t k = 0; k < r->ncells; k++) {
            const struct tk_table_cell *c = &r->cells[k];
            FUZZ_CHECK(c->col < TK_TABLE_MAX_COLS);
            FUZZ_CHECK(k == 0 || c->col > r->cells[k - 1].col);
            FUZZ_CHECK(c->text && *c->text);
            size_t n = strlen(c->text);
            FUZZ_CHECK(n <= TK_TABLE_CELL_MAX);
            FUZZ_CHECK(tk_utf8_valid(c->text, n));
            FUZZ_CHECK(tk_table_cell(r, c->col) == c);
        }
    }
}

static void check_entries(const struct tk_table *t)
{
    struct tk_case_sheet_map m;
    if (tk_case_sheet_map(&m, t, "fuzz", NULL) != 0)
        return;
    FUZZ_CHECK(m.case_col >= 0 && m.version_col >= 0);
    for (size_t i = 1; i < t->nrows; i++) {
        if (tk_table_row_blank(&t->rows[i]) ||
            tk_case_sheet_entry(&m, t, &t->rows[i], "fuzz", &entry, NULL) != 0)
            continue;
        FUZZ_CHECK(entry.id >= 1 && entry.version >= 1);
        for (int f = 0; f < TK_CF_COUNT; f++) {
            static char again[TK_CASE_TEXT_MAX + 1];
            if (!entry.present[f])
                continue;
            FUZZ_CHECK(tk_case_field_normalize((enum tk_case_field)f, entry.value[f], again,
                                               sizeof again, NULL) == 0);
            FUZZ_CHECK(strcmp(again, entry.value[f]) == 0);
        }
    }
}

/* One case with the values in data written in each format and read back unchanged. */
static void round_trip(const uint8_t *data, size_t size)
{
    static char values[TK_CF_COUNT][TK_CASE_TEXT_MAX + 1];
    struct tk_case c = { .id = 7,
                         .version = 3,
                         .org_key = "org-x",
                         .org_name = "エックス=1",
                         .products = "A, B",
                         .ndevices = 2,
                         .nvulnerable = 1 };
    const char *p = (const char *)data, *end = p + size;
    for (int f = 0; f < TK_CF_COUNT; f++) {
        const char *sep = memchr(p, 0x1f, (size_t)(end - p));
        size_t n = (size_t)((sep ? sep : end) - p);
        char raw[TK_CASE_TEXT_MAX + 1];
        n = n < sizeof raw - 1 ? n : sizeof raw - 1;
        memcpy(raw, p, n);
        raw[n] = '\0';
        if (tk_case_field_normalize((enum tk_case_field)f, raw, values[f], sizeof values[f],
                                    NULL) != 0)
            snprintf(values[f], sizeof values[f], "%s", tk_case_fields[f].initial);
        c.f[f] = values[f];
        p = sep ? sep + 1 : end;
    }
    static const struct tk_case_sheet_opts opts[] = {
        { TK_CSHEET_XLSX, "ja", false },
        { TK_CSHEET_XLSX, "en", false },
        { TK_CSHEET_CSV, "ja", false },
        { TK_CSHEET_CSV, "en", true },
    };
    /* on tmpfs when there is one: the writer syncs what it writes, which a disk makes slow */
    char path[64];
    snprintf(path, sizeof path, "%s/fuzz-campaign-sheet-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return;
    close(fd);
    const char *cves = "CVE-2024-1, CVE-2024-2";
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
        struct tk_err err = { 0 };
        int rc = tk_case_sheet_write(path, &opts[i], &c, &cves, 1, &err);
        if (rc) {
            /* only Shift_JIS may refuse, for a character it cannot carry back */
            FUZZ_CHECK(opts[i].sjis && rc == TK_EINVAL);
            continue;
        }
        struct tk_table t;
        tk_table_init(&t);
        FUZZ_CHECK(tk_table_read_file(&t, path, opts[i].format, opts[i].sjis, &err) == 0);
        check_table(&t);
        struct tk_case_sheet_map m;
        FUZZ_CHECK(tk_case_sheet_map(&m, &t, "fuzz", NULL) == 0);
        FUZZ_CHECK(t.nrows == 2);
        FUZZ_CHECK(tk_case_sheet_entry(&m, &t, &t.rows[1], "fuzz", &entry, NULL) == 0);
        FUZZ_CHECK(entry.id == 7 && entry.version == 3);
        for (int f = 0; f < TK_CF_COUNT; f++) {
            FUZZ_CHECK(entry.present[f]);
            if (strcmp(entry.value[f], values[f]) != 0) {
                fprintf(stderr, "%s: \"%s\" read back as \"%s\"\n", tk_case_fields[f].name,
                        values[f], entry.value[f]);
                FUZZ_CHECK(!"a value survives the round trip");
            }
        }
        tk_table_release(&t);
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    unsigned mode = data[0] % 4;
    data++, size--;
    if (mode == 3) {
        round_trip(data, size);
        return 0;
    }
    struct tk_table t;
    tk_table_init(&t);
    int rc = mode == 0 ? tk_table_read_xlsx(&t, "fuzz.xlsx", data, size, NULL)
                       : tk_table_read_csv(&t, "fuzz.csv", data, size, mode == 2, NULL);
    if (rc == 0) {
        check_table(&t);
        check_entries(&t);
    }
    tk_table_release(&t);
    return 0;
}
