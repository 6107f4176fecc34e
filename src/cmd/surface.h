/* surface.h - the parts of `tenken surface` in their own files: the parsed command line
 * (surface.c parses it once for every subcommand) and the subcommands beyond ingest,
 * identify and fingerprints. */
#ifndef TK_CMD_SURFACE_H
#define TK_CMD_SURFACE_H

#include <stdbool.h>

#include "cmd/cmd.h"
#include "surface/ingest.h"

struct tk_surface_args {
    enum tk_obs_format format;
    const char *oformat; /* --output-format as given, NULL: the subcommand's default */
    const char *out;     /* -o FILE, NULL: standard output */
    const char *fpdir, *kb;
    bool bodies, check, quiet, kev_only, no_progress;
    /* identify: attribution and filters */
    const char *orgs, *mmdb, *nsp, *summary, *lang;
    const char **whois; /* NULL-terminated */
    const char *country, *product;
    int prefecture; /* 0: any */
    long jobs;      /* 0: as many as CPUs */
    /* probe */
    long rate, concurrency, timeout;
    const char *ports, *contact;
    /* positional arguments after the subcommand: files, or probe targets */
    char **files;
    int nfiles;
};

/* `tenken surface probe TARGET...` (surface_probe.c); returns an exit code. */
int tk_surface_probe_cmd(struct tk_cli *cli, const struct tk_surface_args *a);
/* `tenken surface trend OLD NEW` (surface_trend.c); returns an exit code. */
int tk_surface_trend_cmd(struct tk_cli *cli, const struct tk_surface_args *a);

#endif
