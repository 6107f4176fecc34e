/* kbgen.c - build-time tool: compiles the data directory into a knowledge base file, which
 * the build then embeds in the tenken binary as the built-in KB.
 * Usage: tk-kbgen DATA_DIR OUT.sqlite */
#include <stdio.h>

#include "kb/data.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: tk-kbgen DATA_DIR OUT.sqlite\n");
        return 2;
    }
    struct tk_kb *kb;
    struct tk_err err = { 0 };
    struct tk_data_stats stats;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.build", argv[2]);
    remove(tmp);
    int rc = tk_kb_open(&kb, tmp, TK_KB_CREATE, &err);
    if (!rc) {
        rc = tk_kb_load_data(kb, argv[1], &stats, &err);
        if (!rc)
            rc = tk_kb_save(kb, argv[2], &err);
        tk_kb_close(kb);
    }
    remove(tmp);
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", tmp);
    remove(wal);
    snprintf(wal, sizeof wal, "%s-shm", tmp);
    remove(wal);
    if (rc) {
        fprintf(stderr, "tk-kbgen: %s\n", err.msg);
        return 1;
    }
    return 0;
}
