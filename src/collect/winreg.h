/* winreg.h - reading a Windows registry, live or from the hive files of an offline image.
 *
 * The Windows collectors ask for keys by the path Windows users know
 * ("HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall", "HKU\S-1-5-21-…\Software\…")
 * and get the same answers from either backend: the running system's registry
 * (compat/win/reg.c, 64-bit view; the 32-bit view is the WOW6432Node key, named as such) or
 * the SOFTWARE, SYSTEM and NTUSER.DAT hives of an image read with libhivex
 * (winreg_hive.c). Roots are HKLM\SOFTWARE, HKLM\SYSTEM and HKU\SID; in the hives,
 * "CurrentControlSet" is the control set SYSTEM\Select\Current names, and HKU\SID is the
 * NTUSER.DAT of the profile directory SOFTWARE's ProfileList gives for SID.
 *
 * Nothing here writes. Names and string values come back as UTF-8; lookups ignore case as
 * Windows does. Keys with more subkeys or values than TK_WINREG_MAX_CHILDREN are read up to
 * that bound, so a hostile hive cannot make a scan unbounded. */
#ifndef TK_COLLECT_WINREG_H
#define TK_COLLECT_WINREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat/fs.h"
#include "core/buf.h"
#include "core/err.h"

#define TK_WINREG_MAX_CHILDREN 100000
#define TK_WINREG_MAX_VALUE (1u << 20)

/* Registry value types, as Windows numbers them. */
enum {
    TK_REG_NONE = 0, TK_REG_SZ = 1, TK_REG_EXPAND_SZ = 2, TK_REG_BINARY = 3,
    TK_REG_DWORD = 4, TK_REG_MULTI_SZ = 7, TK_REG_QWORD = 11,
};

struct tk_winreg;
struct tk_winreg_key;

/* What a backend provides; keys are its own handles. open() gets a root ("SOFTWARE",
 * "SYSTEM" or a SID for HKU) and the path below it with '\' separators (may be "").
 * Each returns 0, TK_ENOENT (no such key / value / index), or another TK_E* code. */
struct tk_winreg_ops {
    int (*open)(struct tk_winreg *r, const char *root, const char *path, void **key,
                struct tk_err *err);
    void (*close)(struct tk_winreg *r, void *key);
    /* The i-th subkey's name into name (replaced). */
    int (*subkey)(struct tk_winreg *r, void *key, size_t i, struct tk_buf *name);
    /* A value's type and raw bytes (strings as UTF-16LE) into data (replaced). */
    int (*value)(struct tk_winreg *r, void *key, const char *name, uint32_t *type,
                 struct tk_buf *data);
    /* The i-th value's name, type and raw bytes. */
    int (*value_at)(struct tk_winreg *r, void *key, size_t i, struct tk_buf *name,
                    uint32_t *type, struct tk_buf *data);
    void (*free)(struct tk_winreg *r);
};

struct tk_winreg {
    const struct tk_winreg_ops *ops;
    const char *label; /* "registry" or the image's hive directory, for errors */
    struct tk_err warning; /* a part that could not be opened (code 0: none) */
};

/* The registry of the running system (Windows builds only; TK_EUNSUPP elsewhere). */
int tk_winreg_open_live(struct tk_winreg **out, struct tk_err *err);
/* The hives of the Windows image whose system drive is fs's root (builds with libhivex
 * only; TK_EUNSUPP otherwise). TK_ENOENT when SOFTWARE is not there. */
int tk_winreg_open_image(struct tk_winreg **out, struct tk_fs *fs, struct tk_err *err);
void tk_winreg_free(struct tk_winreg *r);
/* Whether fs's root is a Windows system drive: its SOFTWARE hive is where Windows keeps it. */
bool tk_winreg_image_present(struct tk_fs *fs);
/* A path on the system drive as Windows writes it ("C:\Users\alice",
 * "%SystemDrive%\Users\alice") as the image sees it ("/Users/alice"), appended to out.
 * TK_ENOENT for another drive or a network path. */
int tk_winreg_image_path(const char *win, struct tk_buf *out);

/* Opens "HKLM\SOFTWARE\…", "HKLM\SYSTEM\…" or "HKU\SID\…" (HKEY_LOCAL_MACHINE and
 * HKEY_USERS spelled out work too). TK_ENOENT when it does not exist. */
int tk_winreg_key_open(struct tk_winreg *r, const char *path, struct tk_winreg_key **out,
                       struct tk_err *err);
void tk_winreg_key_close(struct tk_winreg_key *k);
/* The path the key was opened with (borrowed). */
const char *tk_winreg_key_path(const struct tk_winreg_key *k);

/* Subkey names, i from 0; NULL at the end (the name is borrowed from name). */
const char *tk_winreg_subkey(struct tk_winreg_key *k, size_t i, struct tk_buf *name);
/* A value's raw type and bytes: 0 or TK_ENOENT. */
int tk_winreg_raw(struct tk_winreg_key *k, const char *value, uint32_t *type,
                  struct tk_buf *data);
/* i-th value: 0, TK_ENOENT at the end. */
int tk_winreg_raw_at(struct tk_winreg_key *k, size_t i, struct tk_buf *name, uint32_t *type,
                     struct tk_buf *data);
/* A string value (REG_SZ, REG_EXPAND_SZ unexpanded, the first string of REG_MULTI_SZ; a
 * DWORD as its decimal) as UTF-8 into out (replaced): 0, TK_ENOENT when absent or empty,
 * TK_EPARSE for another type. */
int tk_winreg_str(struct tk_winreg_key *k, const char *value, struct tk_buf *out);
/* A REG_DWORD (or a REG_QWORD that fits, or a decimal REG_SZ): 0, TK_ENOENT, TK_EPARSE. */
int tk_winreg_dword(struct tk_winreg_key *k, const char *value, uint32_t *out);
/* Opens path and reads one string / DWORD value of it. */
int tk_winreg_get_str(struct tk_winreg *r, const char *path, const char *value,
                      struct tk_buf *out);
int tk_winreg_get_dword(struct tk_winreg *r, const char *path, const char *value,
                        uint32_t *out);

#endif
