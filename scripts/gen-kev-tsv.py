#!/usr/bin/env python3
"""Reduces CISA's Known Exploited Vulnerabilities JSON (CC0 1.0) to data/kev.tsv: the columns
tenken's matching needs. Usage: gen-kev-tsv.py known_exploited_vulnerabilities.json > data/kev.tsv"""
import json
import sys


def clean(s):
    return " ".join(str(s or "").split())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        kev = json.load(f)
    rows = sorted(kev["vulnerabilities"], key=lambda v: v["cveID"])
    print(f"# CISA Known Exploited Vulnerabilities catalog {kev['catalogVersion']} "
          f"({kev['dateReleased']}), {len(rows)} entries. CC0 1.0. "
          "https://www.cisa.gov/known-exploited-vulnerabilities-catalog")
    print("cve\tdate_added\tdue_date\transomware\tvendor\tproduct\tname")
    for v in rows:
        print("\t".join(clean(x) for x in (
            v["cveID"], v["dateAdded"], v["dueDate"], v.get("knownRansomwareCampaignUse", ""),
            v["vendorProject"], v["product"], v["vulnerabilityName"])))


if __name__ == "__main__":
    main()
