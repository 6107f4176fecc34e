#!/usr/bin/env python3
"""Generates an NVD-scale feed in the NVD CVE API 2.0 JSON shape, deterministically:
gen-nvd.py CVES OUTDIR [FILES]. About 4.2 cpeMatch entries per CVE; vendors and products
are synthetic except for the real catalog products (google:chrome, mozilla:firefox, …),
so catalog items in the benchmark inventories meet real-looking ranges. Synthetic data
only: no CVE text is copied from anywhere."""
import json
import os
import random
import sys

CATALOG = [("google", "chrome", 4), ("mozilla", "firefox", 3), ("mozilla", "firefox_esr", 3),
           ("microsoft", "edge_chromium", 4), ("zoom", "zoom", 3), ("oracle", "jre", 3),
           ("adobe", "acrobat_reader_dc", 3), ("cisco", "webex_meetings", 3),
           ("teamviewer", "teamviewer", 3), ("fortinet", "fortios", 3)]
PLATFORMS = ["cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*",
             "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*",
             "cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*"]
WORDS = "buffer overflow use after free type confusion injection traversal bypass crafted " \
        "request remote attacker local user privilege escalation denial of service".split()


def version(rng, parts):
    return ".".join(str(rng.randint(0, 150 if i == 0 else 30)) for i in range(parts))


def match(rng, vendor, product, parts):
    m = {"vulnerable": True, "criteria": f"cpe:2.3:a:{vendor}:{product}:*:*:*:*:*:*:*:*",
         "matchCriteriaId": "%08X-0000-0000-0000-000000000000" % rng.getrandbits(32)}
    kind = rng.random()
    lo, hi = sorted([version(rng, parts), version(rng, parts)])
    if kind < 0.55:
        m["versionEndExcluding"] = hi
    elif kind < 0.8:
        m["versionStartIncluding"] = lo
        m["versionEndExcluding"] = hi
    elif kind < 0.92:
        m["versionEndIncluding"] = hi
    else:
        m["criteria"] = f"cpe:2.3:a:{vendor}:{product}:{hi}:*:*:*:*:*:*:*"
    return m


def cve(rng, n, products):
    year = 2000 + n % 26
    desc = " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60)))
    nodes_cfg = []
    for _ in range(rng.choice([1, 1, 1, 2])):
        vendor, product, parts = rng.choice(CATALOG) if rng.random() < 0.05 else rng.choice(products)
        matches = [match(rng, vendor, product, parts) for _ in range(rng.randint(1, 6))]
        cfg = {"nodes": [{"operator": "OR", "negate": False, "cpeMatch": matches}]}
        if rng.random() < 0.2:
            cfg["operator"] = "AND"
            cfg["nodes"].append({"operator": "OR", "negate": False, "cpeMatch": [
                {"vulnerable": False, "criteria": rng.choice(PLATFORMS),
                 "matchCriteriaId": "00000000-0000-0000-0000-000000000001"}]})
        nodes_cfg.append(cfg)
    score = round(rng.uniform(2.0, 10.0), 1)
    sev = "CRITICAL" if score >= 9 else "HIGH" if score >= 7 else "MEDIUM" if score >= 4 else "LOW"
    return {"cve": {
        "id": f"CVE-{year}-{100000 + n}", "sourceIdentifier": "bench@example.invalid",
        "published": f"{year}-01-01T00:00:00.000", "lastModified": f"{year}-02-01T00:00:00.000",
        "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": desc}, {"lang": "es", "value": desc[:80]}],
        "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {
            "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
            "baseScore": score, "baseSeverity": sev}, "exploitabilityScore": 2.8,
            "impactScore": 5.9}]},
        "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary",
                        "description": [{"lang": "en", "value": f"CWE-{rng.randint(20, 1000)}"}]}],
        "configurations": nodes_cfg,
        "references": [{"url": f"https://example.invalid/advisory/{n}", "source": "bench"}]}}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    total, out = int(sys.argv[1]), sys.argv[2]
    files = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    rng = random.Random(20261122)
    products = [(f"vendor{v}", f"product{v}_{p}", rng.choice([2, 3, 4]))
                for v in range(4000) for p in range(5)]
    os.makedirs(out, exist_ok=True)
    per = (total + files - 1) // files
    n = 0
    for f in range(files):
        count = min(per, total - n)
        path = os.path.join(out, f"nvdcve-2.0-bench-{f:02d}.json")
        with open(path, "w") as fp:
            fp.write('{"resultsPerPage":%d,"startIndex":0,"totalResults":%d,"format":"NVD_CVE",'
                     '"version":"2.0","timestamp":"2026-11-22T00:00:00.000","vulnerabilities":['
                     % (count, count))
            for i in range(count):
                if i:
                    fp.write(",")
                json.dump(cve(rng, n, products), fp, separators=(",", ":"))
                n += 1
            fp.write("]}")


if __name__ == "__main__":
    main()
