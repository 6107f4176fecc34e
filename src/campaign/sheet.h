/* sheet.h - a campaign's cases as a spreadsheet for the officers who make the calls (XLSX or
 * CSV), and their edits read back (`tenken campaign export` and `import`).
 *
 * One row per case: its id and version, what identifies the organisation and its devices
 * (not to be edited), then every field of tk_case_fields with values as labels in Japanese
 * or English. Reading maps headers back by machine name or either label, so a sheet exported
 * in one language imports whatever language it was made in, and turns each row into normal
 * forms (tk_case_field_normalize) the store compares and applies against the row's version.
 *
 * The readers take hostile files: XLSX through libzip and expat with bounded members (declared
 * and actual uncompressed size), no DOCTYPE, bounded depth and cell text; CSV (RFC 4180,
 * UTF-8 with or without a BOM, or Shift_JIS/CP932) with bounded size, rows and columns. What
 * they read lives in the table's arena. */
#ifndef TK_CAMPAIGN_SHEET_H
#define TK_CAMPAIGN_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "campaign/campaign.h"
#include "core/arena.h"
#include "core/err.h"

enum tk_case_sheet_format { TK_CSHEET_XLSX, TK_CSHEET_CSV };

/* The format a file name's extension says (.xlsx or .csv, any case); TK_EINVAL otherwise. */
int tk_case_sheet_format(const char *path, enum tk_case_sheet_format *out);

/* ---- writing --------------------------------------------------------------------------- */

struct tk_case_sheet_opts {
    enum tk_case_sheet_format format;
    const char *lang; /* "ja" or "en": headers and value labels */
    bool sjis;        /* CSV in Shift_JIS (CP932) rather than UTF-8 with a byte-order mark */
};

/* Writes cases[0..n) (cves[i]: the case's CVEs, comma-separated, or NULL) to path, replacing
 * it atomically. TK_EINVAL naming the case and column when a value cannot be written in
 * Shift_JIS unchanged (nothing is written then), TK_EIO naming path. */
int tk_case_sheet_write(const char *path, const struct tk_case_sheet_opts *o,
                        const struct tk_case *cases, const char *const *cves, size_t n,
                        struct tk_err *err);

/* ---- reading --------------------------------------------------------------------------- */

#define TK_TABLE_MAX_ROWS 1048576u      /* Excel's */
#define TK_TABLE_MAX_COLS 16384u        /* Excel's (XFD) */
#define TK_TABLE_FILE_MAX (64u << 20)   /* bytes of an XLSX or CSV file */
#define TK_TABLE_MEMBER_MAX (64u << 20) /* uncompressed bytes of one XLSX member */
#define TK_TABLE_CELL_MAX (256u << 10)  /* bytes of one cell's text as stored */

/* One non-empty cell: text is NUL-terminated UTF-8 (numbers as written, "TRUE"/"FALSE"). */
struct tk_table_cell {
    uint32_t col; /* 0 = column A */
    bool number;  /* an XLSX numeric cell (a date typed in Excel is a day number) */
    const char *text;
};

struct tk_table_row {
    uint32_t num; /* 1-based: the sheet's row number, or the CSV record's */
    uint32_t ncells;
    const struct tk_table_cell *cells; /* by column, each column once */
};

struct tk_table {
    struct tk_arena arena;     /* everything below points into it */
    struct tk_table_row *rows; /* by num, ascending */
    size_t nrows, cap;
    bool date1904; /* XLSX: day numbers count from 1904 (old Mac workbooks) */
    bool not_utf8; /* CSV read failed because it is not UTF-8 (Shift_JIS, perhaps) */
};

void tk_table_init(struct tk_table *t);
void tk_table_release(struct tk_table *t); /* accepts a table never read into */

/* The first worksheet of an XLSX file in memory (name: for messages). TK_EPARSE (not a ZIP,
 * damaged, not well-formed, refused DOCTYPE), TK_ELIMIT (a bound above), each naming name. */
int tk_table_read_xlsx(struct tk_table *t, const char *name, const void *data, size_t n,
                       struct tk_err *err);
/* A CSV file in memory: UTF-8 (a BOM is skipped; sjis is then ignored) or, with sjis,
 * Shift_JIS (CP932). A leading apostrophe that tk_escape_csv put before a formula-like cell
 * is removed. TK_EPARSE naming name and line. */
int tk_table_read_csv(struct tk_table *t, const char *name, const void *data, size_t n, bool sjis,
                      struct tk_err *err);
/* Reads path (at most TK_TABLE_FILE_MAX bytes) with one of the above. */
int tk_table_read_file(struct tk_table *t, const char *path, enum tk_case_sheet_format format,
                       bool sjis, struct tk_err *err);

/* The cell of row r in column col, or NULL when it is empty. Borrowed from the table. */
const struct tk_table_cell *tk_table_cell(const struct tk_table_row *r, uint32_t col);
/* Whether every cell of r is blank (white space only): a row to skip. */
bool tk_table_row_blank(const struct tk_table_row *r);

/* ---- importing ------------------------------------------------------------------------- */

/* Which column holds what, from the header row; -1 when absent. */
struct tk_case_sheet_map {
    int64_t case_col, version_col, field_col[TK_CF_COUNT];
    const char *head[TK_CF_COUNT + 2]; /* the header texts, for messages: fields, case, version */
};

/* Maps the header row (the table's first): machine names or either language's labels, any
 * case; unknown columns are ignored. TK_EPARSE "name:ROW: ..." when there is no case or
 * version column, or two columns name the same thing. */
int tk_case_sheet_map(struct tk_case_sheet_map *m, const struct tk_table *t, const char *name,
                      struct tk_err *err);

/* One data row, read: the values of the mapped field columns in normal form. */
struct tk_case_sheet_entry {
    int64_t id, version;
    bool present[TK_CF_COUNT];
    char value[TK_CF_COUNT][TK_CASE_TEXT_MAX + 1];
};

/* Reads row r into e. TK_EINVAL "name:ROW:COLUMN: reason" naming the first value that does
 * not normalise (sets joined with "、" as exported in Japanese are accepted; a day number in a
 * date column is a date). */
int tk_case_sheet_entry(const struct tk_case_sheet_map *m, const struct tk_table *t,
                        const struct tk_table_row *r, const char *name,
                        struct tk_case_sheet_entry *e, struct tk_err *err);

#endif
