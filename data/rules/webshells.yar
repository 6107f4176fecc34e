/*
 * Web shells: server-side scripts that run what an HTTP request tells them to. The rules look
 * for a request parameter flowing straight into an evaluator or a command runner within a
 * short span, which ordinary application code rarely does, plus the China Chopper one-liners.
 * Facts: public analyses of web shells (CISA/NSA "Detect and prevent web shell malware",
 * https://media.defense.gov/2020/Jun/09/2002313081/-1/-1/0/CSI-DETECT-AND-PREVENT-WEB-SHELL-MALWARE-20200422.PDF).
 */

rule TK_Webshell_PHP_Request_Eval
{
    meta:
        description = "PHP code evaluating or running request input"
        author = "tenken"
        reference = "https://media.defense.gov/2020/Jun/09/2002313081/-1/-1/0/CSI-DETECT-AND-PREVENT-WEB-SHELL-MALWARE-20200422.PDF"
        score = 75
    strings:
        $php = "<?" ascii
        $r1 = /(eval|assert|system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*(base64_decode\s*\(\s*|gzinflate\s*\(\s*|str_rot13\s*\(\s*|stripslashes\s*\(\s*)*\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[/ nocase
        $r2 = /preg_replace\s*\(\s*['"][^'"]{1,32}\/e['"]\s*,\s*\$_(GET|POST|REQUEST)/ nocase
        $r3 = /create_function\s*\(\s*['"]['"]\s*,\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
    condition:
        filesize < 2MB and $php and 1 of ($r*)
}

rule TK_Webshell_China_Chopper
{
    meta:
        description = "China Chopper one-line web shell (PHP, ASP or ASPX)"
        author = "tenken"
        reference = "https://www.cisa.gov/news-events/cybersecurity-advisories/aa20-302a"
        score = 85
    strings:
        $asp = /<%\s*eval\s*\(?\s*request\s*\(\s*["'][^"']{1,32}["']\s*\)/ nocase
        $aspx = /<%@\s*Page\s+Language\s*=\s*["']?Jscript["']?\s*%>\s*<%\s*eval\s*\(\s*Request\.Item\s*\[/ nocase
        $php = /<\?php\s+@eval\s*\(\s*\$_POST\s*\[\s*['"][^'"]{1,32}['"]\s*\]\s*\)\s*;?\s*\?>/ nocase
    condition:
        filesize < 64KB and any of them
}

rule TK_Webshell_JSP_Runtime_Exec
{
    meta:
        description = "JSP page running a command taken from the request"
        author = "tenken"
        reference = "https://media.defense.gov/2020/Jun/09/2002313081/-1/-1/0/CSI-DETECT-AND-PREVENT-WEB-SHELL-MALWARE-20200422.PDF"
        score = 75
    strings:
        $jsp = "<%" ascii
        $exec = /Runtime\.getRuntime\(\)\.exec\s*\(\s*request\.getParameter\s*\(/
        $pb = /new\s+ProcessBuilder\s*\(\s*(new\s+String\[\]\s*\{[^}]{0,80})?request\.getParameter\s*\(/
    condition:
        filesize < 1MB and $jsp and ($exec or $pb)
}

rule TK_Webshell_ASPX_Process_Start
{
    meta:
        description = "ASP.NET page starting a process with request input"
        author = "tenken"
        reference = "https://media.defense.gov/2020/Jun/09/2002313081/-1/-1/0/CSI-DETECT-AND-PREVENT-WEB-SHELL-MALWARE-20200422.PDF"
        score = 75
    strings:
        $page = "<%@" ascii nocase
        $proc = "Process.Start" ascii nocase
        $psi = "ProcessStartInfo" ascii nocase
        $req = /Request(\.Form|\.QueryString|\.Item)?\s*\[\s*["']/ nocase
        $cmd = "cmd.exe" ascii nocase
    condition:
        filesize < 1MB and $page and ($proc or $psi) and $req and $cmd
}
