#!/usr/bin/env python3
"""gen-version-pairs.py - a reproducible corpus of version pairs for checking tenken's dpkg and
rpm comparators against dpkg and rpm themselves (tests/cli/vercmp.bats).

Prints one pair "A B" per line: first a fixed list of known tricky pairs, then --count
generated ones from a fixed --seed. Generated versions mix epochs, tildes, carets, plus
signs, dots, letters, revisions/releases, leading zeros, long digit runs and empty parts
("1..0", "1.0~", "0:"); about half of the pairs are near misses made by mutating the first
version, so equal and almost-equal pairs are common. Every version is one the reference
tool accepts (dpkg may warn about some, on purpose: odd characters exercise the ordering of
non-letters); none contains a blank.

usage: gen-version-pairs.py --scheme dpkg|rpm [--count N] [--seed S]
"""
import argparse
import random
import sys

FIXED = {
    "dpkg": [
        ("1.0~rc1", "1.0"), ("1:0.9", "2.0"), ("0:1.0", "1.0"), ("1.0", "1.0-0"),
        ("1.0", "1.0.0"), ("1.0.0-1", "1.0-1"), ("1.0", "1.0+deb12u1"), ("1.0+dfsg", "1.0"),
        ("2.0-1", "2.0-1~bpo12+1"), ("3.0.11-1~deb12u2", "3.0.11-1"), ("1.0-1", "1.0-1.1"),
        ("1.0~~", "1.0~"), ("1.10", "1.9"), ("1.2.3a", "1.2.3"), ("1.0.1", "1.0a"),
        ("5.17.11.34827", "5.17.11"), ("10.2.9-h1", "10.2.10"), ("22.7R2.5", "22.7R2.10"),
        ("13.1-49.15", "13.1-49.9"), ("1.0~", "1.0"), ("1.0~a", "1.0~"), ("1.0a", "1.0+"),
        ("1.0a", "1.0."), ("1.0.", "1.0+"), ("1.0-a", "1.0-0"), ("01:1.0", "1:1.0"),
        ("+1:1.0", "1:1.0"), ("-0:1.0", "1.0"), ("1:1.0-2:3", "1:1.0-2"), ("1-2-3", "1-2-4"),
        ("1.00001", "1.1"), ("99999999999999999999999", "99999999999999999999998"),
        ("1.0\xe9", "1.0a"), ("1.0\xe9", "1.0+"), ("1.0~\xe9", "1.0~z"), ("1.0_1", "1.0.1"),
        ("a1.0", "1.0"), ("~", "0"), ("1.0+~", "1.0+"),
    ],
    "rpm": [
        ("1.0~rc1", "1.0"), ("1:0.9", "2.0"), ("1.0", "1.0.0"), ("1.0.0-1", "1.0-1"),
        ("1.0^git1", "1.0"), ("1.0^git1", "1.0.1"), ("1.0~rc1^1", "1.0~rc1"),
        ("1.0-1.el9", "1.0-1.el9_2"), ("2.0.1", "2.0_1"), ("1.10", "1.9"), ("1.2.3a", "1.2.3"),
        ("1.0.1", "1.0a"), ("5.17.11.34827", "5.17.11"), ("1.0", "1.0-1"), ("1.0", "1.0-"),
        ("1.0-", "1.0-0"), ("1.0^", "1.0"), ("1.0^", "1.0.1"), ("1.0~", "1.0^"), ("1.0a", "1.0.a"),
        ("1.0", "1.0."), ("a", "1"), ("1.0~~", "1.0~"), ("0:1.0", "1.0"), (":1.0", "1.0"),
        ("1:", "1"), ("9.16(4)38", "9.16.4.38"), ("9.16(4)", "9.16(4)38"), ("1-2-3", "1-2-4"),
        ("001", "1"), ("1.0-1.fc39", "1.0-1.fc39"), ("abc", "abd"), ("1.0^a", "1.0^1"),
    ],
}


def digits(r):
    k = r.random()
    if k < 0.45:
        return str(r.randrange(10))
    if k < 0.75:
        return str(r.randrange(10, 100))
    if k < 0.85:
        return "0" * r.randrange(1, 3) + str(r.randrange(10))  # leading zeros
    if k < 0.95:
        return str(r.randrange(100, 100000))
    return str(r.randrange(10 ** 19, 10 ** 25))  # wider than 64 bits


LETTERS = ["a", "b", "z", "A", "Z", "rc", "beta", "dfsg", "git", "deb", "el", "fc", "p", "x"]


def word(r):
    return r.choice(LETTERS)


def part(r, seps, odd, first_digit=True):
    """A run of tokens: digit runs, letter runs and separators, possibly with empty fields."""
    out = [digits(r) if first_digit else r.choice([word(r), "~", "."])]
    for _ in range(r.randrange(0, 6)):
        k = r.random()
        if k < 0.55:
            out.append(r.choice(seps))
            out.append(digits(r) if r.random() < 0.7 else word(r))
        elif k < 0.7:
            out.append(word(r))
        elif k < 0.8:
            out.append(digits(r))
        elif k < 0.9:
            out.append(r.choice(seps))  # empty field or trailing separator
        else:
            out.append(r.choice(odd) if odd and r.random() < 0.5 else r.choice(seps))
    return "".join(out)


def dpkg_version(r):
    v = ""
    if r.random() < 0.25:
        v = r.choice(["0", "1", "2", "10", "01", "99"]) + ":"
    up = part(r, [".", "+", "~", ".", "."], ["_", "%", "=", "@", "\xe9"], r.random() > 0.03)
    if v and r.random() < 0.1:
        up += ":" + digits(r)  # a colon is allowed in upstream once there is an epoch
    rev = ""
    if r.random() < 0.55:
        rev = "-" + part(r, [".", "+", "~"], [], r.random() > 0.1)
        if r.random() < 0.1:
            up += "-" + digits(r)  # hyphens in upstream, allowed with a revision
    return v + up + rev


def rpm_version(r):
    v = ""
    if r.random() < 0.2:
        v = r.choice(["0", "1", "2", "10", "01", ""]) + ":"
    ver = part(r, [".", ".", "_", "+", "~", "^", "%", "(", ")"], [], r.random() > 0.05)
    rel = ""
    if r.random() < 0.6:
        rel = "-" + part(r, [".", "_", "+", "~", "^"], [], r.random() > 0.1)
    return v + ver + rel


def mutate(r, v, scheme):
    k = r.random()
    if k < 0.12:
        return v
    if k < 0.3:
        # bump, shrink or re-pad one digit run
        idx = [i for i, c in enumerate(v) if c.isdigit()]
        if idx:
            i = r.choice(idx)
            d = int(v[i])
            return v[:i] + r.choice([str((d + 1) % 10), str(max(d - 1, 0)), "0" + v[i]]) + v[i + 1:]
    if k < 0.5:
        suffixes = ["~rc1", "~", "+deb12u1", ".0", "a", ".1", "+", "~~", "~bpo12+1", "0"]
        if scheme == "rpm":
            suffixes += ["^git1", "^", "_1", ".el9"]
        return v + r.choice(suffixes)
    if k < 0.6 and len(v) > 1:
        return v[: r.randrange(1, len(v))]
    if k < 0.7:
        if ":" in v.split("-")[0]:
            return v.split(":", 1)[1]
        return r.choice(["0:", "1:"]) + v
    if k < 0.8:
        if "-" in v:
            return v.rsplit("-", 1)[0]
        return v + "-" + r.choice(["0", "1", "1.1", "1~", "0+b1"])
    if k < 0.9:
        seps = [".", "+", "~"] if scheme == "dpkg" else [".", "_", "+", "~", "^"]
        idx = [i for i, c in enumerate(v) if c in seps]
        if idx:
            i = r.choice(idx)
            return v[:i] + r.choice(seps) + v[i + 1:]
    return v.swapcase() if scheme == "rpm" else v + "a"


def acceptable(v, scheme):
    """Keeps only versions the reference tool compares (dpkg refuses some outright)."""
    if not v or any(c in v for c in " \t\n"):
        return False
    if scheme == "rpm":
        return True
    if ":" in v:
        e, rest = v.split(":", 1)
        if not e.isdigit() or int(e) > 2 ** 31 - 1 or not rest:
            return False
    else:
        rest = v
    if "-" in rest:
        up, rev = rest.rsplit("-", 1)
        if not rev or not up:
            return False
    return bool(rest)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scheme", choices=["dpkg", "rpm"], required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20241122)
    args = ap.parse_args()
    r = random.Random(args.seed)
    gen = dpkg_version if args.scheme == "dpkg" else rpm_version
    pairs = list(FIXED[args.scheme])
    made = 0
    while made < args.count:
        a = gen(r)
        b = mutate(r, a, args.scheme) if r.random() < 0.55 else gen(r)
        if r.random() < 0.5:
            a, b = b, a
        if acceptable(a, args.scheme) and acceptable(b, args.scheme):
            pairs.append((a, b))
            made += 1
    out = sys.stdout.buffer
    for a, b in pairs:
        out.write(("%s %s\n" % (a, b)).encode("latin-1"))


if __name__ == "__main__":
    main()
