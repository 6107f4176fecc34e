/* places.c - the quick scan's list of places (see places.h). */
#include "scan/places.h"

#include <string.h>

#include "core/buf.h"

/* Fixed places, in scan order; those that do not exist are left out, so one list serves
 * Linux and Windows systems (the last line: profiles, shared program data, temporary files
 * and web roots of a Windows system drive). Homes come from /home and /root below. */
static const char *const fixed[] = {
    "/root",          "/tmp",           "/var/tmp",          "/dev/shm",
    "/opt",           "/usr/local",     "/var/www",          "/srv",
    "/etc/cron.d",    "/etc/cron.daily", "/etc/cron.hourly", "/etc/cron.weekly",
    "/etc/cron.monthly", "/var/spool/cron", "/etc/systemd/system", "/etc/xdg/autostart",
    "/etc/init.d",    "/etc/rc.d",      "/etc/profile.d",    "/etc/update-motd.d",
    "/usr/lib/systemd/user", "/etc/systemd/user",
    "/Users", "/ProgramData", "/Windows/Temp", "/PerfLogs", "/inetpub/wwwroot",
};

static int add(struct tk_arena *a, const char **list, size_t *n, size_t max, const char *p)
{
    for (size_t i = 0; i < *n; i++) {
        size_t k = strlen(list[i]);
        /* Already listed, or inside something listed. */
        if (strncmp(p, list[i], k) == 0 && (p[k] == '\0' || p[k] == '/'))
            return 0;
    }
    if (*n >= max)
        return 0;
    const char *copy = tk_arena_strdup(a, p);
    if (!copy)
        return -1;
    list[(*n)++] = copy;
    return 0;
}

size_t tk_quick_places(struct tk_fs *fs, struct tk_arena *a, const char ***out, size_t max)
{
    const char **list = tk_arena_alloc(a, max * sizeof *list);
    size_t n = 0;
    *out = list;
    if (!list)
        return 0;
    if (tk_fs_is_dir(fs, "/home"))
        add(a, list, &n, max, "/home");
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (tk_fs_is_dir(fs, fixed[i]))
            add(a, list, &n, max, fixed[i]);
    return n;
}
