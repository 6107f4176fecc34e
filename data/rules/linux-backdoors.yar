/*
 * Linux malware and backdoors found on servers and IoT devices, and the shell one-liners
 * attackers leave behind. Strings come from public analyses and leaked or published source
 * code, named in each rule's reference.
 */

rule TK_Linux_Mirai_Bot
{
    meta:
        description = "Mirai IoT bot or a close variant"
        author = "tenken"
        reference = "https://github.com/jgamblin/Mirai-Source-Code"
        score = 85
    strings:
        $s1 = "/bin/busybox MIRAI" ascii
        $s2 = "TSource Engine Query" ascii
        $s3 = "/dev/watchdog" ascii
        $s4 = "/dev/misc/watchdog" ascii
        $s5 = "POST /cdn-cgi/" ascii
        $s6 = "MIRAI: applet not found" ascii
    condition:
        uint32(0) == 0x464C457F and ($s1 or $s6 or ($s2 and $s3 and $s4 and $s5))
}

rule TK_Linux_Kaiten_Tsunami_IRC_Bot
{
    meta:
        description = "Kaiten/Tsunami IRC flooding bot"
        author = "tenken"
        reference = "https://www.fortinet.com/blog/threat-research/new-variant-of-kaiten-tsunami-botnet"
        score = 85
    strings:
        /* \x20 for the spaces, so that this file does not match itself */
        $a = /NOTICE\x20%s\x20:Kaiten/ nocase
        $b = /PRIVMSG\x20%s\x20:>bot\x20\+std/
        $c = /NOTICE\x20%s\x20:TSUNAMI/
        $d = /NOTICE\x20%s\x20:Killing\x20pid\x20%d/
        $e = /NOTICE\x20%s\x20:Unable\x20to\x20resolve/
    condition:
        $a or $b or ($c and ($d or $e))
}

rule TK_Linux_BPFDoor
{
    meta:
        description = "BPFDoor passive backdoor (BPF-filtered magic packets)"
        author = "tenken"
        reference = "https://www.sandflysecurity.com/blog/bpfdoor-an-evasive-linux-backdoor-technical-analysis/"
        score = 90
    strings:
        $p1 = "/dev/shm/kdmtmpflush" ascii
        $p2 = "/var/run/haldrund.pid" ascii
        $p3 = "/var/run/hald-addon.pid" ascii
        $n1 = "hald-addon-acpi: listening on acpi kernel interface /proc/acpi/event" ascii
        $n2 = "dbus-daemon --system" ascii
        $e = "HISTFILE=/dev/null" ascii
    condition:
        uint32(0) == 0x464C457F and (1 of ($p*)) and (1 of ($n*) or $e)
}

rule TK_Linux_Userland_Rootkit_Preload
{
    meta:
        description = "LD_PRELOAD user-land rootkit hiding processes or files (libprocesshider, Jynx, Azazel families)"
        author = "tenken"
        reference = "https://github.com/gianlucaborello/libprocesshider"
        score = 80
    strings:
        $hide1 = "process_to_filter" ascii
        $hide2 = "get_process_name" ascii
        $j1 = "jynx" ascii nocase
        $j2 = "XOR_MAGIC" ascii
        $az1 = "azazel" ascii nocase
        $az2 = "HIDE_THIS_SHELL" ascii
        $rd = "readdir" ascii
        $dl = "dlsym" ascii
    condition:
        uint32(0) == 0x464C457F and $rd and $dl and
        (($hide1 and $hide2) or ($j1 and $j2) or ($az1 and $az2))
}

rule TK_Shell_Reverse_Shell_OneLiner
{
    meta:
        description = "Reverse shell one-liner in a script or shell history"
        author = "tenken"
        reference = "https://attack.mitre.org/techniques/T1059/004/"
        score = 70
    strings:
        $bash = /bash\s+-i\s*>&\s*\/dev\/tcp\/[0-9a-z.-]{1,64}\/\d{1,5}\s+0>&1/
        $sh = /\/bin\/sh\s+-i\s*[<>|&]+\s*\/dev\/tcp\/[0-9a-z.-]{1,64}\/\d{1,5}/
        $nc = /\bnc(at)?\s+(-[a-z]+\s+)*-e\s+\/bin\/(ba)?sh\s+[0-9a-z.-]{1,64}\s+\d{1,5}/
        $py = /socket\.socket\(.{0,200}\.connect\(\(.{0,200}os\.dup2\(.{0,200}(pty\.spawn|subprocess\.call)\(\s*\[?\s*["']\/bin\/(ba)?sh/ 
        $mk = /mkfifo\s+\/tmp\/[a-z0-9_.]{1,16};\s*(cat|nc)\s+\/tmp\/[a-z0-9_.]{1,16}\s*\|\s*\/bin\/(ba)?sh\s+-i/
    condition:
        filesize < 5MB and any of them
}
