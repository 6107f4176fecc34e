/* reg.c - the live registry (collect/winreg.h) on a system that has none. */
#include "collect/winreg.h"

int tk_winreg_open_live(struct tk_winreg **out, struct tk_err *err)
{
    *out = NULL;
    return tk_err_set(err, TK_EUNSUPP, "the live registry exists only on Windows");
}
