#!/usr/bin/env python3
"""nsp-samples.py PROBES OUT - a banner for each match line of an nmap-service-probes file.

For the differential test of the service-probe prefilter (tests/unit/test_nsp.c): each
banner is built from its line's regex (the first alternative, the least repeats, a member of
each class), so that it reaches that line's regex, which a random banner would not. Written
as `PROBE <tab> tcp|udp <tab> LINE <tab> HEX` lines, each byte XORed with 0x5A first: some of
nmap's patterns are the first bytes of test malware samples, and this file must not look like
one to tenken's own scan of the machine the tests run on (tests/cli/live.bats). A regex Python's parser does not read is
skipped; a missing PROBES file gives an empty OUT (the test then skips)."""
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import re._parser as sp  # Python 3.11+
        import re._constants as sc
    except ImportError:  # pragma: no cover - older Pythons
        import sre_parse as sp
        import sre_constants as sc

CATEGORY_SAMPLE = {
    sc.CATEGORY_DIGIT: "7",
    sc.CATEGORY_NOT_DIGIT: "a",
    sc.CATEGORY_SPACE: " ",
    sc.CATEGORY_NOT_SPACE: "a",
    sc.CATEGORY_WORD: "a",
    sc.CATEGORY_NOT_WORD: "-",
}
CANDIDATES = "a7 -./:_Az\r\n\x00\x01\xff" + "".join(chr(c) for c in range(256))


def in_class(items, ch):
    neg = False
    hit = False
    for op, av in items:
        if op is sc.NEGATE:
            neg = True
        elif op is sc.LITERAL:
            hit = hit or ord(ch) == av
        elif op is sc.RANGE:
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is sc.CATEGORY:
            c = ord(ch)
            digit = 48 <= c <= 57
            space = ch in " \t\n\r\f\v"
            word = ch.isascii() and (ch.isalnum() or ch == "_")
            hit = hit or {
                sc.CATEGORY_DIGIT: digit,
                sc.CATEGORY_NOT_DIGIT: not digit,
                sc.CATEGORY_SPACE: space,
                sc.CATEGORY_NOT_SPACE: not space,
                sc.CATEGORY_WORD: word,
                sc.CATEGORY_NOT_WORD: not word,
            }.get(av, False)
    return hit != neg


def gen(tree, groups):
    out = []
    for op, av in tree:
        if op is sc.LITERAL:
            out.append(chr(av))
        elif op is sc.NOT_LITERAL:
            out.append("a" if av != ord("a") else "b")
        elif op is sc.ANY:
            out.append("a")
        elif op is sc.IN:
            out.append(next((c for c in CANDIDATES if in_class(av, c)), "a"))
        elif op is sc.BRANCH:
            out.append(gen(av[1][0], groups))
        elif op is sc.SUBPATTERN:
            text = gen(av[-1], groups)
            if av[0] is not None:
                groups[av[0]] = text
            out.append(text)
        elif op in (sc.MAX_REPEAT, sc.MIN_REPEAT, getattr(sc, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            times = lo if lo > 0 else (1 if hi != 0 else 0)
            out.append(gen(sub, groups) * min(times, 64))
        elif op is sc.GROUPREF:
            out.append(groups.get(av, ""))
        elif op is sc.CATEGORY:
            out.append(CATEGORY_SAMPLE.get(av, "a"))
        # AT (anchors), ASSERT, ASSERT_NOT, ATOMIC_GROUP bodies: nothing
        elif op is getattr(sc, "ATOMIC_GROUP", None):
            out.append(gen(av, groups))
    return "".join(out)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = []
    try:
        lines = open(src, "rb").read().decode("latin-1").splitlines()
    except OSError:
        lines = []
    probe, udp = None, False
    for no, line in enumerate(lines, 1):
        if line.startswith("Probe "):
            parts = line.split(" ", 3)
            udp, probe = parts[1] == "UDP", parts[2]
            continue
        if not (line.startswith("match ") or line.startswith("softmatch ")) or probe is None:
            continue
        rest = line.split(" ", 2)
        if len(rest) < 3 or not rest[2].startswith("m") or len(rest[2]) < 3:
            continue
        delim = rest[2][1]
        end = rest[2].find(delim, 2)
        if end < 0:
            continue
        pattern = rest[2][2:end]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = sp.parse(pattern, 0)
            banner = gen(tree, {})
        except Exception:  # noqa: BLE001 - PCRE syntax Python does not read
            continue
        data = banner.encode("latin-1", "replace")[:4096]
        rows.append("%s\t%s\t%d\t%s\n" % (probe, "udp" if udp else "tcp", no, bytes(b ^ 0x5A for b in data).hex()))
    with open(dst, "w") as f:
        f.writelines(rows)


if __name__ == "__main__":
    main()
