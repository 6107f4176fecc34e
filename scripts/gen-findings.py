#!/usr/bin/env python3
"""Compiles data/findings.txt (the finding catalog) into C: a header with one enum value per
finding (TK_F_EXP_SMB_PUBLIC for TK-EXP-SMB-PUBLIC), so analyzers refer to findings checked
by the compiler, and a source file with the table. Refuses a malformed catalog with
file:line: reason.  Usage: gen-findings.py CATALOG OUT.h OUT.c"""
import re
import sys

FIELDS = ["id", "severity", "category", "title.en", "title.ja", "remediation.en", "remediation.ja"]
SEVERITIES = ["info", "low", "medium", "high", "critical"]
CATEGORIES = ["exposure", "configuration", "vulnerability", "malware", "trace"]


def fail(path, line, msg):
    sys.exit(f"{path}:{line}: {msg}")


def parse(path):
    stanzas, cur, last, start = [], {}, None, 0
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur:
                    stanzas.append((start, cur))
                cur, last = {}, None
                continue
            if line[0] in " \t":
                if last is None:
                    fail(path, n, "continuation line without a field")
                cur[last] += " " + line.strip()
                continue
            key, sep, value = line.partition(":")
            if not sep:
                fail(path, n, 'expected "field: value"')
            key = key.strip()
            if key not in FIELDS:
                fail(path, n, f"unknown field {key!r}")
            if key in cur:
                fail(path, n, f"field {key!r} given twice")
            if not cur:
                start = n
            cur[key], last = value.strip(), key
    if cur:
        stanzas.append((start, cur))
    seen = set()
    for line, s in stanzas:
        for k in FIELDS:
            if not s.get(k):
                fail(path, line, f"finding {s.get('id', '?')} lacks {k}")
        if not re.fullmatch(r"TK(-[A-Z0-9]+)+", s["id"]):
            fail(path, line, f"bad id {s['id']!r}")
        if s["id"] in seen:
            fail(path, line, f"duplicate id {s['id']}")
        seen.add(s["id"])
        if s["severity"] not in SEVERITIES:
            fail(path, line, f"bad severity {s['severity']!r}")
        if s["category"] not in CATEGORIES:
            fail(path, line, f"bad category {s['category']!r}")
    return [s for _, s in stanzas]


def c_string(s):
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + out + '"'


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    defs = parse(sys.argv[1])
    enum = [("TK_F_" + d["id"][3:].replace("-", "_"), d) for d in defs]
    with open(sys.argv[2], "w", encoding="utf-8") as h:
        h.write("/* Generated from data/findings.txt by scripts/gen-findings.py; do not edit. */\n")
        h.write("#ifndef TK_FINDINGS_IDS_H\n#define TK_FINDINGS_IDS_H\n\nenum tk_finding_id {\n")
        for name, _ in enum:
            h.write(f"    {name},\n")
        h.write("    TK_F_COUNT\n};\n\n#endif\n")
    with open(sys.argv[3], "w", encoding="utf-8") as c:
        c.write("/* Generated from data/findings.txt by scripts/gen-findings.py; do not edit. */\n")
        c.write('#include "analyze/catalog.h"\n\n')
        c.write("const struct tk_finding_def tk_finding_defs[TK_F_COUNT] = {\n")
        for name, d in enum:
            c.write(f"    [{name}] = {{\n")
            c.write(f"        {c_string(d['id'])}, TK_SEV_{d['severity'].upper()}, "
                    f"{c_string(d['category'])},\n")
            for k in FIELDS[3:]:
                c.write(f"        {c_string(d[k])},\n")
            c.write("    },\n")
        c.write("};\n")


if __name__ == "__main__":
    main()
