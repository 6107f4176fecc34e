/* domains.c - `tenken domains`: lookalike domains of brands (permute) and, the other way
 * round, names from newly registered or certificate feeds that imitate a brand or ride a
 * topical lure (watch). The options are parsed here; each subcommand has its own file. */
#include <stdlib.h>
#include <string.h>

#include "cmd/domains.h"

enum {
    O_FORMAT,
    O_ALGORITHMS,
    O_DICTIONARY,
    O_TLDS,
    O_BRANDS,
    O_KEYWORDS,
    O_OUTPUT,
    O_THRESHOLD,
    O_RESOLVE,
    O_RESOLVER,
    O_TIMEOUT,
    O_COUNT
};

/* Which subcommand an option belongs to: one given to the other is a usage error. */
enum { PERMUTE = 1, WATCH = 2 };
static const unsigned char option_of[O_COUNT] = {
    [O_FORMAT] = PERMUTE | WATCH, [O_ALGORITHMS] = PERMUTE, [O_DICTIONARY] = PERMUTE,
    [O_TLDS] = PERMUTE,           [O_BRANDS] = WATCH,       [O_KEYWORDS] = WATCH,
    [O_OUTPUT] = PERMUTE | WATCH, [O_THRESHOLD] = WATCH,    [O_RESOLVE] = WATCH,
    [O_RESOLVER] = WATCH,         [O_TIMEOUT] = WATCH,
};
static const struct tk_opt opts[] = {
    [O_FORMAT] = { "format", 0, "FORMAT",
                   "permute: list (default), csv or json; watch: jsonl (default), csv or "
                   "text." },
    [O_ALGORITHMS] = { "algorithms", 0, "LIST",
                       "permute: only these algorithms (comma-separated; default: all)." },
    [O_DICTIONARY] = { "dictionary", 0, "FILE",
                       "permute: words for the dictionary algorithm, one per line." },
    [O_TLDS] = { "tld", 0, "FILE", "permute: top-level domains for tld-swap, one per line." },
    [O_BRANDS] = { "brands", 0, "FILE",
                   "watch: the brands to protect, one domain per line (default: the shipped "
                   "set of meeting tools, Japanese banks, government and benefit services)." },
    [O_KEYWORDS] = { "keywords", 0, "FILE",
                     "watch: lure keywords, one per line as WORD [WEIGHT] (default: the "
                     "shipped set: covid, corona, vaccine, zoom, teams, webex, kyufukin ...)." },
    [O_OUTPUT] = { "output", 'o', "FILE", "Write to FILE instead of standard output." },
    [O_THRESHOLD] = { "threshold", 0, "N", "watch: report names scoring N or more (default 60)." },
    [O_RESOLVE] = { "resolve", 0, NULL, "watch: look up A, AAAA and MX of every flagged name." },
    [O_RESOLVER] = { "resolver", 0, "ADDR[:PORT]",
                     "watch --resolve: the DNS server to ask (default: the system's)." },
    [O_TIMEOUT] = { "timeout", 0, "MS", "watch --resolve: per query (default 2000)." },
    { NULL, 0, NULL, NULL },
};

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    struct tk_domains_args a = { .timeout_ms = 2000 };
    bool given[O_COUNT] = { false };
    const char *val;
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        long n;
        if (idx < O_COUNT)
            given[idx] = true;
        switch (idx) {
        case O_FORMAT:
            a.format = val;
            break;
        case O_ALGORITHMS:
            a.algorithms = val;
            break;
        case O_DICTIONARY:
            a.dictionary = val;
            break;
        case O_TLDS:
            a.tlds = val;
            break;
        case O_BRANDS:
            a.brands = val;
            break;
        case O_KEYWORDS:
            a.keywords = val;
            break;
        case O_OUTPUT:
            a.output = val;
            break;
        case O_RESOLVE:
            a.resolve = true;
            break;
        case O_RESOLVER:
            a.resolver = val;
            break;
        case O_THRESHOLD:
        case O_TIMEOUT:
            if (!tk_parse_long(val, idx == O_THRESHOLD ? 1 : 10, idx == O_THRESHOLD ? 1000 : 60000,
                               &n)) {
                p.exit_code =
                    tk_usage_error(cli, "--%s: '%s' is out of range", opts[idx].name, val);
                idx = TK_OPT_STOP;
                break;
            }
            if (idx == O_THRESHOLD)
                a.threshold = (int)n;
            else
                a.timeout_ms = (int)n;
            break;
        default:
            break;
        }
        if (idx == TK_OPT_STOP)
            break;
    }
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
        goto out;
    }
    a.pos = p.pos;
    a.npos = p.npos;
    static const char *const subs[] = { "permute", "watch", NULL };
    int k = tk_cli_subcommand(cli, a.npos ? a.pos[0] : NULL, subs);
    for (int o = 0; k >= 0 && o < O_COUNT; o++)
        if (given[o] && !(option_of[o] & (k == 0 ? PERMUTE : WATCH))) {
            rc = tk_usage_error(cli, "--%s is an option of 'domains %s'", opts[o].name,
                                k == 0 ? "watch" : "permute");
            goto out;
        }
    if (k == 1 && !a.resolve && (given[O_RESOLVER] || given[O_TIMEOUT])) {
        rc = tk_usage_error(cli, "--%s is for --resolve, which is not given",
                            opts[given[O_RESOLVER] ? O_RESOLVER : O_TIMEOUT].name);
        goto out;
    }
    if (k < 0)
        rc = TK_EXIT_USAGE;
    else
        rc = k == 0 ? tk_domains_permute_cmd(cli, &a) : tk_domains_watch_cmd(cli, &a);
out:
    tk_optparse_release(&p);
    return rc;
}

const struct tk_cmd tk_cmd_domains = {
    .name = "domains",
    .run = run,
    .args = "permute BRAND... | watch [INPUT...] [OPTIONS]",
    .summary = "Lookalike domains of brands, and newly seen names that imitate them or carry "
               "topical lures.",
    .description =
        "'domains permute BRAND...' lists candidate lookalikes of each brand domain with "
        "every algorithm dnstwist has (addition, bitsquatting, cyrillic, homoglyph, "
        "hyphenation, insertion, omission, plural, repetition, replacement, subdomain, "
        "transposition, vowel-swap, various, dictionary, tld-swap), keyboard adjacency and "
        "IDN homographs from Unicode's confusables: the algorithm, the punycode and the "
        "Unicode form of each.\n"
        "\n"
        "'domains watch' goes the other way: it reads a stream of names (a list of newly "
        "registered domains, zone-file differences, or certificate-transparency JSON lines "
        "such as certstream's) and reports every name that imitates a watched brand or "
        "carries a lure keyword, with a score and the reasons.\n"
        "\n"
        "Examples:\n"
        "  tenken domains permute zoom.us --format csv\n"
        "  tenken domains watch nrd-2026-11-22.txt --format text",
    .opts = opts,
};
