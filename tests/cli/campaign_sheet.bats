#!/usr/bin/env bats
# `tenken campaign export` and `import`: a campaign (tests/data/campaign/) to XLSX and CSV
# (UTF-8 and Shift_JIS) for the officers and back. Values with Japanese text, quotes, commas,
# line breaks and formula characters survive every round trip unchanged; edits made in the
# files (rewritten here with python3's csv and zipfile modules) are applied and audited; an
# edit against an older case version is reported and not applied; invalid values name the
# file, row and column; hostile XLSX files are refused.

load helpers

setup() {
    DATA="$BATS_TEST_TMPDIR/data"
    FIX="$SRCDIR/tests/data/campaign"
    W="$BATS_TEST_TMPDIR"
    export USER=analyst1
    "$TENKEN" campaign create kanagawa "$FIX/identify-v1.jsonl" --prefecture 14 --data "$DATA" \
        >/dev/null 2>&1
}

# The id of the case of an organisation key ("org-a", "ip:192.0.2.77").
case_of() {
    "$TENKEN" campaign cases kanagawa --format json --data "$DATA" |
        jq -r --arg k "$1" '.[] | select(.org_key == $k) | .case'
}

# Every case with its fields and version, to compare before and after an import.
cases_json() {
    "$TENKEN" campaign cases kanagawa --format json --data "$DATA"
}

# Values that have broken spreadsheets before: Japanese text, quotes, commas, a line break,
# formula characters, an apostrophe before one, sets and an empty outcome.
tricky() {
    a=$(case_of org-a) b=$(case_of org-b) c=$(case_of org-c)
    "$TENKEN" campaign set "$a" 'note=日本語のメモ, "引用" と改行
二行目' 'reason-note==cmd|calc' 'contact-name=@担当 山田' aware=no manager=vendor \
        reasons=maintenance-contract,never-updated,cost follow-up=2026-12-01 --data "$DATA"
    "$TENKEN" campaign set "$b" "note=+81-45-000-0000, 'ext' -5" "reason-note='=A1" \
        "contact-name=-田中" reasons=other outcome=in-progress status=contacted --data "$DATA"
    "$TENKEN" campaign set "$c" $'note=_x0041_ stays _x0041\r_x0042_\x01' aware=yes --data "$DATA"
}

# csv_edit FILE ENCODING CASE COLUMN VALUE: sets one cell, found by case id and header text,
# and writes the file back as a spreadsheet would (every field quoted, CRLF).
csv_edit() {
    "$PYTHON" - "$@" <<'PY'
import csv, io, sys
path, enc, case, column, value = sys.argv[1:6]
enc = {"utf-8": "utf-8-sig", "shift_jis": "cp932"}[enc]
rows = list(csv.reader(io.open(path, encoding=enc, newline="")))
col = rows[0].index(column)
hit = [r for r in rows[1:] if r[0] == case]
assert len(hit) == 1, hit
hit[0][col] = value
with io.open(path, "w", encoding=enc, newline="") as f:
    csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
PY
}

# xlsx_edit FILE CASE COLUMN VALUE [number]: replaces one cell of the first sheet (found by
# case id and header text) with an inline string, or a number cell with "number".
xlsx_edit() {
    "$PYTHON" - "$@" <<'PY'
import re, sys, zipfile
from xml.sax.saxutils import escape
path, case, column, value = sys.argv[1:5]
number = len(sys.argv) > 5
z = zipfile.ZipFile(path)
members = {n: z.read(n) for n in z.namelist()}
z.close()
sheet = members["xl/worksheets/sheet1.xml"].decode()
sst = []
if "xl/sharedStrings.xml" in members:
    for si in re.findall(r"<si>(.*?)</si>", members["xl/sharedStrings.xml"].decode(), re.S):
        si = re.sub(r"<rPh.*?</rPh>", "", si, flags=re.S)
        sst.append("".join(re.findall(r"<t[^>]*>(.*?)</t>", si, re.S)))
def cells(row):
    out = {}
    for ref, attrs, body in re.findall(r'<c r="([A-Z]+)\d+"([^>]*?)(?:/>|>(.*?)</c>)', row, re.S):
        v = re.search(r"<v>(.*?)</v>", body or "")
        if 't="s"' in attrs:
            out[ref] = sst[int(v.group(1))]
        elif v:
            out[ref] = v.group(1)
        else:
            out[ref] = "".join(re.findall(r"<t[^>]*>(.*?)</t>", body or "", re.S))
    return out
rows = re.findall(r'<row r="(\d+)"[^>]*>(.*?)</row>', sheet, re.S)
head = cells(rows[0][1])
col = [k for k, v in head.items() if v == column][0]
num = [n for n, r in rows[1:] if cells(r).get("A") == case][0]
ref = col + num
new = ('<c r="%s"><v>%s</v></c>' % (ref, value) if number else
       '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(value)))
pat = re.compile(r'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref, re.S)
if pat.search(sheet):
    sheet = pat.sub(lambda m: new, sheet, count=1)
else:  # no cell there yet: put it at the end of its row (the reader sorts by reference)
    sheet = re.sub(r'(<row r="%s"[^>]*>.*?)(</row>)' % num, lambda m: m.group(1) + new + m.group(2),
                   sheet, count=1, flags=re.S)
members["xl/worksheets/sheet1.xml"] = sheet.encode()
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
    for n, data in members.items():
        out.writestr(n, data)
PY
}

# xlsx_shared FILE: the sheet's inline strings moved into a shared string table, as Excel
# saves a workbook, with a phonetic run (furigana) in one string that must not be read.
xlsx_shared() {
    "$PYTHON" - "$@" <<'PY'
import re, sys, zipfile
path = sys.argv[1]
z = zipfile.ZipFile(path)
members = {n: z.read(n) for n in z.namelist()}
z.close()
sheet = members["xl/worksheets/sheet1.xml"].decode()
sst = []
def share(m):
    sst.append(m.group(3))
    return '<c r="%s"%s t="s"><v>%d</v></c>' % (m.group(1), m.group(2), len(sst) - 1)
sheet = re.sub(r'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>',
               share, sheet, flags=re.S)
def si(t):
    if t == "組織名":  # furigana, as Excel keeps it for Japanese input
        return '<si><t>%s</t><rPh sb="0" eb="3"><t>ソシキメイ</t></rPh><phoneticPr fontId="1"/></si>' % t
    return '<si><t xml:space="preserve">%s</t></si>' % t
members["xl/worksheets/sheet1.xml"] = sheet.encode()
members["xl/sharedStrings.xml"] = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
    'uniqueCount="%d">%s</sst>' % (len(sst), len(sst), "".join(si(t) for t in sst))).encode()
rels = members["xl/_rels/workbook.xml.rels"].decode()
if "sharedStrings" not in rels:
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdS" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>')
members["xl/_rels/workbook.xml.rels"] = rels.encode()
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
    for n, data in members.items():
        out.writestr(n, data)
PY
}

@test "export to XLSX (ja, en) and CSV (UTF-8, Shift_JIS), import unchanged: nothing applied" {
    tricky
    cases_json >"$W/before.json"
    run "$TENKEN" campaign export kanagawa -o "$W/a.xlsx" --data "$DATA"
    [ "$status" -eq 0 ]
    [[ "$output" == *"5 case(s) written to"* ]]
    "$TENKEN" campaign export kanagawa -o "$W/b.xlsx" --lang en --data "$DATA" 2>/dev/null
    "$TENKEN" campaign export kanagawa -o "$W/c.csv" --data "$DATA" 2>/dev/null
    "$TENKEN" campaign export kanagawa -o "$W/d.csv" --encoding shift_jis --data "$DATA" 2>/dev/null
    "$TENKEN" campaign export kanagawa -o "$W/e.csv" --lang en --data "$DATA" 2>/dev/null
    cp "$W/a.xlsx" "$W/f.xlsx"
    xlsx_shared "$W/f.xlsx"
    for f in a.xlsx b.xlsx c.csv e.csv f.xlsx; do
        run "$TENKEN" campaign import kanagawa "$W/$f" --data "$DATA"
        echo "$f: $output"
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = "5 row(s) read, 0 applied, 5 unchanged, 0 conflict(s), 0 invalid" ]
    done
    run "$TENKEN" campaign import kanagawa "$W/d.csv" --encoding shift_jis --data "$DATA"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "5 row(s) read, 0 applied, 5 unchanged, 0 conflict(s), 0 invalid" ]
    cases_json >"$W/after.json"
    cmp "$W/before.json" "$W/after.json"
    # the files, read back with other tools, carry the values unchanged
    "$PYTHON" - "$W" "$(case_of org-a)" <<'PY'
import csv, io, re, sys, zipfile
w, a = sys.argv[1], sys.argv[2]
note = '日本語のメモ, "引用" と改行\n二行目'
for name, enc in (("c.csv", "utf-8-sig"), ("d.csv", "cp932")):
    rows = list(csv.reader(io.open(w + "/" + name, encoding=enc, newline="")))
    row = dict(zip(rows[0], [r for r in rows if r[0] == a][0]))
    assert row["メモ"] == note, row
    assert row["理由の補足"] == "'=cmd|calc", row      # guarded against formulas
    assert row["担当者"] == "'@担当 山田", row
    assert row["対応が遅れた理由"] == "保守契約にアップデートが含まれない、導入以来一度も更新していない、費用", row
    assert row["アップデートの必要性の認識"] == "認識なし", row
rows = list(csv.reader(io.open(w + "/e.csv", encoding="utf-8-sig", newline="")))
row = dict(zip(rows[0], [r for r in rows if r[0] == a][0]))
assert row["delay reasons"] == ("maintenance contract excludes upgrades, never updated since "
                                "installation, cost"), row
assert row["aware of the need to upgrade"] == "did not know", row
sheet = zipfile.ZipFile(w + "/a.xlsx").read("xl/worksheets/sheet1.xml").decode()
assert "<t>=cmd|calc</t>" in sheet and "二行目" in sheet
PY
}

@test "XLSX: strings stay strings, headers and dropdowns in the language, frozen header row" {
    tricky
    "$TENKEN" campaign export kanagawa -o "$W/a.xlsx" --data "$DATA" 2>/dev/null
    "$TENKEN" campaign export kanagawa -o "$W/b.xlsx" --lang en --data "$DATA" 2>/dev/null
    "$PYTHON" - "$W" <<'PY'
import re, sys, zipfile
w = sys.argv[1]
for name, head, labels in (("a.xlsx", "アップデートの必要性の認識", "不明,認識あり,認識なし"),
                           ("b.xlsx", "aware of the need to upgrade", "unknown,knew,did not know")):
    z = zipfile.ZipFile(w + "/" + name)
    assert z.testzip() is None
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet, "a formula"
    assert head in sheet
    # every cell from column K on (the fields) is a string, never a number or formula
    for ref, attrs in re.findall(r'<c r="([K-T]\d+)"([^>/]*)>', sheet):
        assert 't="inlineStr"' in attrs or 't="s"' in attrs, (ref, attrs)
    assert re.search(r'<c r="Q\d+"[^>]*><is><t>=cmd\|calc</t>', sheet)
    assert 'state="frozen"' in sheet and 'ySplit="1"' in sheet
    lists = re.findall(r'<dataValidation type="list"[^>]*sqref="([A-Z]+)2:[A-Z]+6"><formula1>"(.*?)"</formula1>', sheet)
    assert len(lists) == 5, lists                   # status, outcome, aware, at-notice, manager
    assert ("M", labels) in lists, lists
    assert re.search(r'<col min="1" max="1" width="[0-9.]+"', sheet)
PY
}

@test "CSV: UTF-8 with a BOM; Shift_JIS that is really Shift_JIS, and refused as UTF-8" {
    tricky
    "$TENKEN" campaign export kanagawa -o "$W/c.csv" --data "$DATA" 2>/dev/null
    "$TENKEN" campaign export kanagawa -o "$W/d.csv" --encoding shift_jis --data "$DATA" 2>/dev/null
    [ "$(head -c 3 "$W/c.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
    iconv -f CP932 -t UTF-8 "$W/d.csv" >"$W/d-utf8.csv"
    run iconv -f UTF-8 -t UTF-8 "$W/d.csv"
    [ "$status" -ne 0 ]
    grep -q '"ケース番号","版"' "$W/d-utf8.csv"
    grep -q '日本語のメモ' "$W/d-utf8.csv"
    # the same content as the UTF-8 export, BOM aside
    tail -c +4 "$W/c.csv" | cmp - "$W/d-utf8.csv"
    run "$TENKEN" campaign import kanagawa "$W/d.csv" --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"d.csv:1: not valid UTF-8"*"--encoding shift_jis"* ]]
}

@test "Shift_JIS export refuses a character that would not read back unchanged" {
    a=$(case_of org-a)
    # U+301C WAVE DASH becomes the CP932 byte pair that reads back as U+FF5E
    "$TENKEN" campaign set "$a" 'note=10時〜12時' --data "$DATA"
    run "$TENKEN" campaign export kanagawa -o "$W/d.csv" --encoding shift_jis --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"case $a, column メモ (note): U+301C"*"Shift_JIS"* ]]
    [ ! -e "$W/d.csv" ]
    [ -z "$(find "$W" -name 'd.csv.tmp-*')" ]
    run "$TENKEN" campaign export kanagawa -o "$W/c.csv" --data "$DATA"
    [ "$status" -eq 0 ]
    run "$TENKEN" campaign import kanagawa "$W/c.csv" --data "$DATA"
    [ "${lines[-1]}" = "5 row(s) read, 0 applied, 5 unchanged, 0 conflict(s), 0 invalid" ]
}

@test "CSV edits (UTF-8 and Shift_JIS) are applied and audited with --who" {
    tricky
    b=$(case_of org-b) c=$(case_of org-c)
    "$TENKEN" campaign export kanagawa -o "$W/c.csv" --data "$DATA" 2>/dev/null
    csv_edit "$W/c.csv" utf-8 "$b" アップデートの必要性の認識 認識なし
    csv_edit "$W/c.csv" utf-8 "$b" メモ $'新しいメモ, "引用"\n=SUM(A1)'
    csv_edit "$W/c.csv" utf-8 "$b" 対応が遅れた理由 '失念、費用'
    csv_edit "$W/c.csv" utf-8 "$b" 次回確認日 2027/1/5
    run "$TENKEN" campaign import kanagawa "$W/c.csv" --who officer9 --data "$DATA"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "5 row(s) read, 1 applied, 4 unchanged, 0 conflict(s), 0 invalid" ]
    "$TENKEN" campaign show "$b" --format json --data "$DATA" >"$W/b.json"
    jq -e '.aware == "no" and .note == "新しいメモ, \"引用\"\n=SUM(A1)"
        and .reasons == "forgotten,cost" and .["follow-up"] == "2027-01-05"
        and .version == 3 and .status == "contacted" and .outcome == "in-progress"
        and ([.audit[] | select(.version == 3) | .who] | unique) == ["officer9"]
        and ([.audit[] | select(.version == 3) | .field] | sort) ==
            ["aware","follow-up","note","reasons"]' "$W/b.json"

    "$TENKEN" campaign export kanagawa -o "$W/d.csv" --encoding shift_jis --data "$DATA" 2>/dev/null
    csv_edit "$W/d.csv" shift_jis "$c" 機器の管理者 委託先ベンダー
    csv_edit "$W/d.csv" shift_jis "$c" 担当者 '＝全角 ①'
    run "$TENKEN" campaign import kanagawa "$W/d.csv" --encoding shift_jis --who officer9 \
        --data "$DATA"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "5 row(s) read, 1 applied, 4 unchanged, 0 conflict(s), 0 invalid" ]
    "$TENKEN" campaign show "$c" --format json --data "$DATA" |
        jq -e '.manager == "vendor" and .["contact-name"] == "＝全角 ①"'
}

@test "XLSX edits are applied: inline and shared strings, a date typed as a day number" {
    tricky
    b=$(case_of org-b) c=$(case_of org-c) d=$(case_of org-d)
    "$TENKEN" campaign export kanagawa -o "$W/a.xlsx" --data "$DATA" 2>/dev/null
    xlsx_edit "$W/a.xlsx" "$b" 機器の管理者 関連会社
    xlsx_edit "$W/a.xlsx" "$b" メモ '=HYPERLINK("http://x") & <tag>'
    xlsx_edit "$W/a.xlsx" "$c" 次回確認日 46346 number
    run "$TENKEN" campaign import kanagawa "$W/a.xlsx" --who officer3 --data "$DATA"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "5 row(s) read, 2 applied, 3 unchanged, 0 conflict(s), 0 invalid" ]
    "$TENKEN" campaign show "$b" --format json --data "$DATA" |
        jq -e '.manager == "affiliate" and .note == "=HYPERLINK(\"http://x\") & <tag>"
            and ([.audit[] | select(.who == "officer3") | .field] | sort) == ["manager","note"]'
    "$TENKEN" campaign show "$c" --format json --data "$DATA" | jq -e '.["follow-up"] == "2026-11-20"'

    # as Excel saves it: shared strings, with furigana that is not part of the text
    "$TENKEN" campaign export kanagawa -o "$W/e.xlsx" --lang en --data "$DATA" 2>/dev/null
    xlsx_shared "$W/e.xlsx"
    xlsx_edit "$W/e.xlsx" "$d" "delay reasons" "cost, too busy"
    run "$TENKEN" campaign import kanagawa "$W/e.xlsx" --data "$DATA"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "5 row(s) read, 1 applied, 4 unchanged, 0 conflict(s), 0 invalid" ]
    "$TENKEN" campaign show "$d" --format json --data "$DATA" | jq -e '.reasons == "too-busy,cost"'
}

@test "an edit against a case changed since the export is reported, not applied: exit 4" {
    b=$(case_of org-b) c=$(case_of org-c)
    "$TENKEN" campaign export kanagawa -o "$W/c.csv" --data "$DATA" 2>/dev/null
    "$TENKEN" campaign export kanagawa -o "$W/a.xlsx" --data "$DATA" 2>/dev/null
    "$TENKEN" campaign set "$b" note=newer --who analyst2 --data "$DATA"
    csv_edit "$W/c.csv" utf-8 "$b" メモ "older edit"
    csv_edit "$W/c.csv" utf-8 "$c" アップデートの必要性の認識 認識あり
    run "$TENKEN" campaign import kanagawa "$W/c.csv" --data "$DATA"
    echo "$output"
    [ "$status" -eq 4 ]
    [[ "$output" == *"c.csv:3: case $b changed since version 1 (now 2): not applied"* ]]
    [ "${lines[-1]}" = "5 row(s) read, 1 applied, 3 unchanged, 1 conflict(s), 0 invalid" ]
    "$TENKEN" campaign show "$b" --format json --data "$DATA" | jq -e '.note == "newer" and .version == 2'
    "$TENKEN" campaign show "$c" --format json --data "$DATA" | jq -e '.aware == "yes"'
    # an old export differs from the case changed since even where no one edited it: that
    # is a conflict too, as nothing tells which of the two is newer
    xlsx_edit "$W/a.xlsx" "$b" メモ newer
    run "$TENKEN" campaign import kanagawa "$W/a.xlsx" --data "$DATA"
    [ "$status" -eq 4 ]
    [[ "$output" == *"a.xlsx:4: case $c changed since version 1 (now 2): not applied"* ]]
}

@test "invalid values name FILE:ROW:COLUMN, the row is not applied: exit 3" {
    b=$(case_of org-b) c=$(case_of org-c)
    "$TENKEN" campaign export kanagawa -o "$W/c.csv" --data "$DATA" 2>/dev/null
    csv_edit "$W/c.csv" utf-8 "$b" アップデートの必要性の認識 maybe
    csv_edit "$W/c.csv" utf-8 "$b" メモ "not applied either"
    csv_edit "$W/c.csv" utf-8 "$c" 次回確認日 2026-02-30
    csv_edit "$W/c.csv" utf-8 "$c" 版 0
    run "$TENKEN" campaign import kanagawa "$W/c.csv" --data "$DATA"
    echo "$output"
    [ "$status" -eq 3 ]
    [[ "$output" == *"c.csv:3:アップデートの必要性の認識: aware: \"maybe\" is not one of unknown, yes, no"* ]]
    [[ "$output" == *"c.csv:4:版: \"0\" is not a version number"* ]]
    [ "${lines[-1]}" = "5 row(s) read, 0 applied, 3 unchanged, 0 conflict(s), 2 invalid" ]
    "$TENKEN" campaign show "$b" --format json --data "$DATA" | jq -e '.note == "" and .version == 1'
    # a case of another campaign
    "$TENKEN" campaign create other "$FIX/identify-v1.jsonl" --data "$DATA" 2>/dev/null
    "$TENKEN" campaign export other -o "$W/o.csv" --data "$DATA" 2>/dev/null
    run "$TENKEN" campaign import kanagawa "$W/o.csv" --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"o.csv:2:ケース番号: case "*" is not in campaign kanagawa"* ]]
    # not a sheet of ours
    printf 'a,b\n1,2\n' >"$W/x.csv"
    run "$TENKEN" campaign import kanagawa "$W/x.csv" --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"x.csv:1: no case column"* ]]
}

@test "hostile and broken files are refused with a clear message: exit 3" {
    "$TENKEN" campaign export kanagawa -o "$W/a.xlsx" --data "$DATA" 2>/dev/null
    head -c 1500 "$W/a.xlsx" >"$W/trunc.xlsx"
    echo "hello" >"$W/text.xlsx"
    : >"$W/empty.xlsx"
    "$PYTHON" - "$W" <<'PY'
import sys, zipfile
w = sys.argv[1]
z = zipfile.ZipFile(w + "/a.xlsx")
members = {n: z.read(n) for n in z.namelist()}
def build(name, changes, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(w + "/" + name, "w", method) as out:
        for n, data in {**members, **changes}.items():
            out.writestr(n, data)
laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
          b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
          b'</row></sheetData></worksheet>')
build("laughs.xlsx", {"xl/worksheets/sheet1.xml": laughs})
build("deep.xlsx", {"xl/worksheets/sheet1.xml": b"<worksheet>" + b"<a>" * 5000 + b"</a>" * 5000
                    + b"</worksheet>"})
build("bomb.xlsx", {"xl/worksheets/sheet1.xml": b"<worksheet>" + b" " * (80 << 20) + b"</worksheet>"})
build("nosheet.xlsx", {"xl/workbook.xml": b"<workbook><sheets/></workbook>"})
build("badxml.xlsx", {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"})
PY
    for f in trunc text empty laughs deep bomb nosheet badxml; do
        run "$TENKEN" campaign import kanagawa "$W/$f.xlsx" --data "$DATA"
        echo "$f: $output"
        [ "$status" -eq 3 ]
        [[ "$output" == *"$f.xlsx"* ]]
    done
    run "$TENKEN" campaign import kanagawa "$W/trunc.xlsx" --data "$DATA"
    [[ "$output" == *"not an XLSX file"* ]]
    run "$TENKEN" campaign import kanagawa "$W/laughs.xlsx" --data "$DATA"
    [[ "$output" == *"DOCTYPE declaration is refused"* ]]
    run "$TENKEN" campaign import kanagawa "$W/deep.xlsx" --data "$DATA"
    [[ "$output" == *"nested deeper than 64"* ]]
    run "$TENKEN" campaign import kanagawa "$W/bomb.xlsx" --data "$DATA"
    [[ "$output" == *"more than the limit of 64 MiB"* ]]
    # a CSV with an unclosed quote
    printf '"ケース番号","版"\n"1","1\n' >"$W/open.csv"
    run "$TENKEN" campaign import kanagawa "$W/open.csv" --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"open.csv:2: a quoted field is not closed"* ]]
    # nothing changed
    run "$TENKEN" campaign cases kanagawa --format json --data "$DATA"
    echo "$output" | jq -e 'all(.[]; .version == 1)'
}

@test "usage errors: the format from the extension, --encoding only for CSV" {
    run "$TENKEN" campaign export kanagawa -o "$W/x.txt" --data "$DATA"
    [ "$status" -eq 2 ]
    [[ "$output" == *".xlsx or .csv"* ]]
    run "$TENKEN" campaign export kanagawa --data "$DATA"
    [ "$status" -eq 2 ]
    run "$TENKEN" campaign export kanagawa -o "$W/x.xlsx" --encoding shift_jis --data "$DATA"
    [ "$status" -eq 2 ]
    run "$TENKEN" campaign import kanagawa --data "$DATA"
    [ "$status" -eq 2 ]
    run "$TENKEN" campaign import kanagawa "$W/x.ods" --data "$DATA"
    [ "$status" -eq 2 ]
    run "$TENKEN" campaign export nosuch -o "$W/x.csv" --data "$DATA"
    [ "$status" -eq 3 ]
}
