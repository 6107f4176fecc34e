/* win.h - helpers compat/win/fs.c defines for the rest of compat/win (not a public
 * interface: nothing outside this directory includes it). */
#ifndef TK_COMPAT_WIN_WIN_H
#define TK_COMPAT_WIN_WIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <wchar.h>
#include <windows.h>
#include <winternl.h>

#include "core/buf.h"

/* A Win32 error as a TK_E* code. */
int tk_win_errno(DWORD e);
/* UTF-8 to a tk_malloc'd wide string, and wide (n units) to UTF-8 appended to out. */
int tk_win_wide(const char *s, wchar_t **out);
int tk_win_utf8(const wchar_t *w, size_t n, struct tk_buf *out);
/* path as a tk_malloc'd absolute wide path ("\\?\" prefixed where needed). */
int tk_win_full_path(const char *path, wchar_t **out);
/* NtCreateFile of name (len units) relative to dir, never following a reparse point. */
DWORD tk_win_open_at(HANDLE dir, const wchar_t *name, size_t len, ACCESS_MASK access, ULONG options,
                     HANDLE *out);
DWORD tk_win_stat(HANDLE h, struct stat *st, DWORD *attrs, uint64_t *id);
void tk_win_stat_listed(struct stat *st, DWORD attrs, int64_t size, int64_t write, int64_t change,
                        int64_t access, uint64_t id, DWORD volume);
bool tk_win_regular(DWORD attrs);

#endif
