/*
 * Offensive tools found on compromised hosts: credential dumpers, post-exploitation frameworks
 * and tunnelling tools. Each rule names strings the tool's public source code or release
 * binaries carry (module names, command words, package paths), combined so that a single
 * common word is never enough. Sources: the tools' public repositories, given as reference.
 */

rule TK_HackTool_Mimikatz
{
    meta:
        description = "Mimikatz credential dumper (binary or source)"
        author = "tenken"
        reference = "https://github.com/gentilkiwi/mimikatz"
        score = 90
    strings:
        $cmd1 = "sekurlsa::logonpasswords" ascii wide nocase
        $cmd2 = "lsadump::sam" ascii wide nocase
        $cmd3 = "privilege::debug" ascii wide nocase
        $cmd4 = "kerberos::golden" ascii wide nocase
        $mod1 = "kuhl_m_sekurlsa" ascii wide
        $mod2 = "kull_m_process" ascii wide
        $who = "gentilkiwi" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and (2 of ($cmd*) or (1 of ($mod*) and ($who or 1 of ($cmd*))))
}

rule TK_HackTool_Rubeus
{
    meta:
        description = "Rubeus Kerberos abuse tool (.NET)"
        author = "tenken"
        reference = "https://github.com/GhostPack/Rubeus"
        score = 85
    strings:
        $name = "Rubeus" ascii wide
        $c1 = "asktgt" ascii wide
        $c2 = "kerberoast" ascii wide
        $c3 = "asreproast" ascii wide
        $c4 = "s4u" ascii wide fullword
    condition:
        uint16(0) == 0x5A4D and $name and 2 of ($c*)
}

rule TK_HackTool_Meterpreter_Stage
{
    meta:
        description = "Metasploit Meterpreter server DLL (metsrv) or reflective stage"
        author = "tenken"
        reference = "https://github.com/rapid7/metasploit-payloads"
        score = 85
    strings:
        $metsrv = "metsrv.dll" ascii wide nocase
        $refl = "ReflectiveLoader" ascii
        $core1 = "core_channel_open" ascii
        $core2 = "core_migrate" ascii
        $core3 = "stdapi_sys_process_execute" ascii
    condition:
        (uint16(0) == 0x5A4D or uint32(0) == 0x464C457F) and (($metsrv and $refl) or 2 of ($core*))
}

rule TK_HackTool_Sliver_Implant
{
    meta:
        description = "Sliver C2 implant (Go binary carrying the sliverpb protocol package)"
        author = "tenken"
        reference = "https://github.com/BishopFox/sliver"
        score = 85
    strings:
        $pb = "sliverpb" ascii
        $pkg = "github.com/bishopfox/sliver/protobuf" ascii
        $m1 = "(*SliverHTTPClient)" ascii
        $m2 = "RegisterSliver" ascii
    condition:
        (uint16(0) == 0x5A4D or uint32(0) == 0x464C457F or uint32(0) == 0xFEEDFACF or
         uint32(0) == 0xCFFAEDFE) and (($pb and $pkg) or ($pkg and 1 of ($m*)))
}

rule TK_HackTool_Chisel
{
    meta:
        description = "Chisel TCP/UDP tunnel over HTTP (often used to reach internal networks)"
        author = "tenken"
        reference = "https://github.com/jpillora/chisel"
        score = 70
    strings:
        $pkg1 = "github.com/jpillora/chisel/client" ascii
        $pkg2 = "github.com/jpillora/chisel/server" ascii
        $p = "chisel-v3" ascii
    condition:
        (uint16(0) == 0x5A4D or uint32(0) == 0x464C457F or uint32(0) == 0xFEEDFACF or
         uint32(0) == 0xCFFAEDFE) and 1 of ($pkg*) and $p
}

rule TK_HackTool_LaZagne
{
    meta:
        description = "LaZagne password recovery tool (Python source or frozen binary)"
        author = "tenken"
        reference = "https://github.com/AlessandroZ/LaZagne"
        score = 80
    strings:
        $a = /lazagne\.config\.[a-z_]{3,}/
        $b = /lazagne\.softwares\.[a-z_]{3,}/
        $c = /laZagne\.(py|exe)/
    condition:
        2 of them
}

rule TK_HackTool_Impacket_Exec
{
    meta:
        description = "Impacket remote-execution script (psexec/smbexec/wmiexec/atexec)"
        author = "tenken"
        reference = "https://github.com/fortra/impacket"
        score = 65
    strings:
        $imp = /from\s+impacket(\.[a-z0-9_.]+)?\s+import\s/
        $e1 = /class\s+PSEXEC\b/
        $e2 = /class\s+CMDEXEC\b/
        $e3 = /class\s+WMIEXEC\b/
        $e4 = /class\s+TSCH_EXEC\b/
    condition:
        filesize < 500KB and $imp and 1 of ($e*)
}
