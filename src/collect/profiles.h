/* profiles.h - where browsers keep per-user data, and iteration over their profiles.
 * Shared by the browser collector (what each user last ran) and the extension collector. */
#ifndef TK_COLLECT_PROFILES_H
#define TK_COLLECT_PROFILES_H

#include "collect/collect.h"

struct tk_browser_root {
    const char *browser; /* product name, as in the inventory */
    const char *dir;     /* user-data directory relative to the home directory */
};

extern const struct tk_browser_root tk_chromium_roots[];
extern const size_t tk_chromium_nroots;
extern const char *const tk_firefox_roots[];
extern const size_t tk_firefox_nroots;

/* Called for each profile directory; a non-zero return stops the walk. userdata is the
 * browser's user-data directory, profile the profile directory's name inside it (Chromium)
 * or its full path (Firefox). */
typedef int (*tk_profile_fn)(struct tk_collect_ctx *ctx, const struct tk_user *u,
                             const char *browser, const char *userdata, const char *profile,
                             void *ud);

/* Chromium family: "Default", "Profile N" and any other directory holding Preferences. */
int tk_chromium_each_profile(struct tk_collect_ctx *ctx, const struct tk_user *u,
                             tk_profile_fn fn, void *ud);
/* Firefox: the profiles listed in profiles.ini (relative or absolute paths). */
int tk_firefox_each_profile(struct tk_collect_ctx *ctx, const struct tk_user *u,
                            tk_profile_fn fn, void *ud);

#endif
