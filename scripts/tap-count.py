#!/usr/bin/env python3
"""Counts test cases in meson's testlog.json: TAP 'ok'/'not ok' lines for TAP tests (skips
count as passed), one case for any other test. Prints failures, then "N passed, N failed"."""
import json
import re
import sys

log, status = sys.argv[1], int(sys.argv[2])
passed = failed = 0
tap_line = re.compile(r"^(ok|not ok)\b(.*)$")
try:
    entries = [json.loads(line) for line in open(log, encoding="utf-8", errors="replace")]
except OSError as e:
    print(f"run-tests: cannot read {log}: {e}", file=sys.stderr)
    entries = []
for t in entries:
    cases = 0
    for line in (t.get("stdout") or "").splitlines():
        m = tap_line.match(line)
        if not m:
            continue
        cases += 1
        if m.group(1) == "ok":
            passed += 1
        else:
            failed += 1
            print(f"FAILED {t['name']}:{m.group(2)}")
    ok = t.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
    if cases == 0:
        passed += ok
        failed += not ok
        if not ok:
            print(f"FAILED {t['name']} ({t.get('result')})")
    elif not ok and not any(tap_line.match(l) and l.startswith("not ok")
                            for l in (t.get("stdout") or "").splitlines()):
        failed += 1  # crashed or timed out after its last TAP line
        print(f"FAILED {t['name']} ({t.get('result')})")
if not entries:
    failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or (status != 0 and not entries) else 0)
