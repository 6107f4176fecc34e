/* driver.c - replays fuzz inputs without libFuzzer, as a TAP test.
 *
 * Linked with one harness in the normal build: every file named on the command line, and
 * every file under every directory named (recursively, in sorted order), goes through
 * LLVMFuzzerTestOneInput once and is one TAP test case. A crash or a failed invariant
 * aborts the program, so meson reports the test as failed. Each input is copied into a
 * buffer of exactly its size so the sanitizers catch reads past its end, as under libFuzzer. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define DRIVER_MAX_INPUT ((size_t)16 << 20)

struct list {
    char **v;
    size_t n, cap;
};

static int list_add(struct list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(path)))
        return -1;
    l->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds path, or the files below it when it is a directory (hidden entries skipped). */
static int collect(struct list *l, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return list_add(l, path);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    struct list sub = { 0 };
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *full = malloc(n);
        if (!full) {
            rc = -1;
            break;
        }
        snprintf(full, n, "%s/%s", path, e->d_name);
        rc = list_add(&sub, full);
        free(full);
    }
    closedir(d);
    if (sub.n)
        qsort(sub.v, sub.n, sizeof *sub.v, cmp_str);
    for (size_t i = 0; i < sub.n; i++) {
        if (!rc)
            rc = collect(l, sub.v[i]);
        free(sub.v[i]);
    }
    free(sub.v);
    return rc;
}

/* Reads the whole file into a heap buffer of exactly its size. */
static int slurp(const char *path, uint8_t **data, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *p = NULL;
    size_t n = 0;
    *data = NULL;
    *size = 0;
    if (!fp)
        return -1;
    for (;;) {
        uint8_t chunk[65536];
        size_t k = fread(chunk, 1, sizeof chunk, fp);
        if (k == 0)
            break;
        if (n + k > DRIVER_MAX_INPUT) {
            free(p);
            fclose(fp);
            return -1;
        }
        uint8_t *q = realloc(p, n + k);
        if (!q) {
            free(p);
            fclose(fp);
            return -1;
        }
        p = q;
        memcpy(p + n, chunk, k);
        n += k;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(p);
        return -1;
    }
    if (!p && !(p = malloc(0))) /* libFuzzer never passes NULL, even for empty input */
        return -1;
    *data = p;
    *size = n;
    return 0;
}

int main(int argc, char **argv)
{
    struct list files = { 0 };
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (collect(&files, argv[i]) != 0)
            return 2;
    printf("1..%zu\n", files.n);
    fflush(stdout);
    int failed = 0;
    for (size_t i = 0; i < files.n; i++) {
        uint8_t *data;
        size_t size;
        if (slurp(files.v[i], &data, &size) != 0) {
            printf("not ok %zu - %s # cannot read\n", i + 1, files.v[i]);
            failed = 1;
        } else {
            /* Announce the input first: if it crashes, the log names it. */
            fprintf(stderr, "running %s (%zu bytes)\n", files.v[i], size);
            LLVMFuzzerTestOneInput(data, size);
            free(data);
            printf("ok %zu - %s\n", i + 1, files.v[i]);
        }
        fflush(stdout);
        free(files.v[i]);
    }
    free(files.v);
    return failed;
}
