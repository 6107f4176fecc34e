/* sheet.h - the survey as a spreadsheet (XLSX, libxlsxwriter): a Summary sheet, a Devices
 * sheet with one row per device x vulnerability x organisation (the columns of
 * tk_device_rows), and one sheet per summary table (products, versions, vulnerabilities,
 * prefectures, organisations), headings in Japanese or English.
 *
 * Rows are streamed to disk as they come (libxlsxwriter's constant-memory mode), so a large
 * survey does not grow memory. Cell text is written as text, never as a formula, after
 * invalid UTF-8 and control characters are replaced (XML cannot carry them) and cut at
 * Excel's 32767 characters. Past Excel's 1048576 rows the Devices sheet stops and the
 * Summary sheet says how many rows were left out. */
#ifndef TK_SURFACE_SHEET_H
#define TK_SURFACE_SHEET_H

#include "core/err.h"
#include "report/summary.h"
#include "surface/summary.h"

struct tk_sheet;

/* Starts the workbook for path (written beside it, and renamed over it only by a
 * tk_sheet_close that keeps it) and writes the Devices heading. TK_EIO naming path. */
int tk_sheet_open(struct tk_sheet **out, const char *path, enum tk_lang lang, struct tk_err *err);
/* One Devices row: fields as tk_device_rows gives them. 0 or TK_EIO. */
int tk_sheet_row(struct tk_sheet *sh, const char *const *fields);
/* keep: writes the summary sheets from sum (may be NULL: Summary only says what it can),
 * closes the workbook and puts it in place of path, 0 or TK_EIO naming the file. !keep (the
 * job failed): throws it away, path untouched. Frees sh either way. */
int tk_sheet_close(struct tk_sheet *sh, struct tk_summary *sum, bool keep, struct tk_err *err);

#endif
