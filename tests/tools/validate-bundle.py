#!/usr/bin/env python3
"""Validates tenken bundles against docs/bundle.schema.json (python3-jsonschema) and checks
what a schema cannot: every finding's evidence ref resolves to a node in the same bundle,
service socket refs point at listening entries, started_at <= finished_at.
Usage: validate-bundle.py SCHEMA BUNDLE... ; exit 0 when all are valid."""
import json
import sys

import jsonschema


def resolve(doc, pointer):
    node = doc
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node[part]
    return node


def check(schema, path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    problems = []
    validator = jsonschema.Draft202012Validator(schema)
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
        where = "/" + "/".join(str(p) for p in e.path)
        problems.append(f"{path}: {where}: {e.message}")
    for i, f in enumerate(doc.get("findings", [])):
        for ev in f.get("evidence", []):
            ref = ev.get("ref")
            if ref:
                try:
                    resolve(doc, ref)
                except (KeyError, IndexError, ValueError, TypeError):
                    problems.append(f"{path}: /findings/{i}: evidence ref {ref} does not resolve")
    for name, svc in doc.get("network", {}).get("services", {}).items():
        for ref in svc.get("sockets", []):
            try:
                resolve(doc, ref)
            except (KeyError, IndexError, ValueError):
                problems.append(f"{path}: services/{name}: socket ref {ref} does not resolve")
    h = doc.get("host", {})
    if h.get("started_at") and h.get("finished_at") and h["started_at"] > h["finished_at"]:
        problems.append(f"{path}: host: started_at after finished_at")
    return problems


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    bad = 0
    for path in sys.argv[2:]:
        problems = check(schema, path)
        for p in problems:
            print(p)
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
