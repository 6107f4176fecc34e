/* version_compare.c - `tenken version-compare`: compares two versions under one of the
 * knowledge base's version schemes (kb/vercmp.h) and prints <, = or >; with --batch, many
 * pairs from standard input, for scripts and for checking the comparators against dpkg/rpm. */
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/str.h"
#include "kb/vercmp.h"

/* A batch line holds two versions; anything longer is not a version pair. */
#define BATCH_LINE_MAX 65536

enum { O_SCHEME, O_BATCH };
static const struct tk_opt opts[] = {
    [O_SCHEME] = { "scheme", 0, "SCHEME",
                   "How to read the versions: dpkg, rpm, semver, dotted, ext, chromium, panos, "
                   "ivanti, netscaler, checkpoint, junos, fortios, bigip, sonicwall, fireware, "
                   "zyxel-zld, cisco-asa or sophos-utm (required)." },
    [O_BATCH] = { "batch", 0, NULL,
                  "Read pairs \"A B\" (separated by blanks) from standard input, one per line, "
                  "and print one result per line." },
    { NULL, 0, NULL, NULL },
};

static char result(int c)
{
    return c < 0 ? '<' : c > 0 ? '>' : '=';
}

static void scheme_list(struct tk_buf *b)
{
    for (int i = 0; i < TK_VSCHEME_COUNT; i++)
        tk_buf_addf(b, "%s%s", i ? ", " : "", tk_vscheme_name((enum tk_vscheme)i));
}

/* Reads one line (without "\n" or "\r\n") into line; 1 when one was read, 0 at the end,
 * -1 when it is longer than the buffer's maximum. */
static int read_line(FILE *in, struct tk_buf *line)
{
    int ch;
    tk_buf_reset(line);
    while ((ch = getc(in)) != EOF && ch != '\n')
        if (tk_buf_addc(line, (char)ch) != 0)
            return -1;
    if (ch == EOF && line->len == 0)
        return 0;
    if (line->len && line->ptr[line->len - 1] == '\r')
        tk_buf_truncate(line, line->len - 1);
    return 1;
}

static int batch(struct tk_cli *cli, enum tk_vscheme s, FILE *in)
{
    struct tk_buf line = TK_BUF_INIT(BATCH_LINE_MAX);
    size_t lineno = 0;
    int rc = TK_EXIT_OK, got;
    while ((got = read_line(in, &line)) == 1) {
        struct tk_str rest = { tk_buf_cstr(&line), line.len }, a, b, extra;
        lineno++;
        if (!tk_str_next_field(&rest, &a) || !tk_str_next_field(&rest, &b) ||
            tk_str_next_field(&rest, &extra)) {
            fflush(cli->out);
            tk_log(&cli->log, TK_LOG_ERROR,
                   "version-compare: stdin:%zu: expected two versions separated by blanks", lineno);
            rc = TK_EXIT_RUNTIME;
            break;
        }
        fprintf(cli->out, "%c\n", result(tk_vercmp(s, a, b)));
    }
    /* The answers so far come out before the error that ends them. */
    fflush(cli->out);
    if (got < 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "version-compare: stdin:%zu: line longer than %d bytes",
               lineno + 1, BATCH_LINE_MAX);
        rc = TK_EXIT_RUNTIME;
    } else if (rc == TK_EXIT_OK && ferror(in)) {
        tk_log(&cli->log, TK_LOG_ERROR, "version-compare: cannot read standard input");
        rc = TK_EXIT_RUNTIME;
    }
    tk_buf_release(&line);
    return rc;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val, *scheme = NULL;
    bool use_batch = false;
    int idx, rc = TK_EXIT_OK;
    enum tk_vscheme s = TK_VSCHEME_DOTTED;

    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        if (idx == O_SCHEME)
            scheme = val;
        else if (idx == O_BATCH)
            use_batch = true;
    }
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
        goto done;
    }
    if (!scheme || tk_vscheme_parse(scheme, &s) != 0) {
        struct tk_buf names = TK_BUF_INIT(1024);
        scheme_list(&names);
        if (scheme)
            rc = tk_usage_error(cli, "--scheme must be one of %s, not '%s'", tk_buf_cstr(&names),
                                scheme);
        else
            rc = tk_usage_error(cli, "--scheme is required (one of %s)", tk_buf_cstr(&names));
        tk_buf_release(&names);
        goto done;
    }
    if (use_batch) {
        if (p.npos)
            rc = tk_usage_error(cli, "--batch reads versions from standard input, not '%s'",
                                p.pos[0]);
        else
            rc = batch(cli, s, stdin);
    } else if (p.npos != 2) {
        rc = tk_usage_error(cli, "expected two versions A and B, got %d argument%s", p.npos,
                            p.npos == 1 ? "" : "s");
    } else {
        int c = tk_vercmp(s, tk_str_c(p.pos[0]), tk_str_c(p.pos[1]));
        fprintf(cli->out, "%c\n", result(c));
    }
done:
    tk_optparse_release(&p);
    return rc;
}

const struct tk_cmd tk_cmd_version_compare = {
    .name = "version-compare",
    .run = run,
    .args = "--scheme SCHEME [--batch] [A B]",
    .summary = "Compare two versions the way the vulnerability matcher does.",
    .description =
        "Prints < when version A is older than B, = when the scheme ranks them equal "
        "(\"1.0\" and \"1.0.0\" under dotted) and > when A is newer. Every scheme gives an "
        "answer for any string, also for one outside its grammar, so results are stable "
        "enough to sort by. Put -- before a version that starts with a dash.\n"
        "\n"
        "Schemes:\n"
        "  dpkg       Debian: [epoch:]upstream[-revision], as dpkg --compare-versions\n"
        "  rpm        RPM: [epoch:]version[-release], as rpm (~ pre-release, ^ post-release)\n"
        "  semver     Semantic Versioning 2.0.0 precedence; build metadata ignored\n"
        "  dotted     numeric fields, missing ones 0; then b2/rc1 before, esr/p1 after\n"
        "  ext        browser extensions: 1 to 4 integers (chromium: Chrome itself)\n"
        "  panos      PAN-OS: 10.2.9 < 10.2.9-h1 < 10.2.10\n"
        "  ivanti     Ivanti Connect Secure: 22.7R2.5 < 22.7R2.10\n"
        "  netscaler  NetScaler ADC/Gateway: release then build, 13.1-49.9 < 13.1-49.15\n"
        "  checkpoint Check Point: R80.40 < R81 < R81.20\n"
        "  junos      Juniper Junos: 20.4R3 < 20.4R3-S8 < 20.4R3-S10 < 20.4R4\n"
        "  fortios, bigip, sonicwall, fireware and zyxel-zld compare as dotted, cisco-asa as\n"
        "  rpm (9.16(4)38 = 9.16.4.38) and sophos-utm as netscaler (9.607-7).\n"
        "\n"
        "Examples:\n"
        "  tenken version-compare --scheme dpkg 1.0~rc1 1.0\n"
        "  printf '1.0 1.0.0\\n' | tenken version-compare --scheme dotted --batch\n"
        "\n"
        "With --batch, a line that does not hold exactly two versions stops the command with "
        "exit status 3.",
    .opts = opts,
};
