/*
 * Test files: the EICAR anti-virus test file and the ClamAV project's test samples (Debian
 * package clamav-testfiles), so that anyone can check that a scan finds what it should.
 *
 * The EICAR string is matched as two halves at fixed offsets, so this file (and tenken's
 * binary, which embeds it) never contains the whole test string and is not itself detected.
 * Facts: the EICAR test file is 68 ASCII characters at the start of a file, possibly followed
 * by white space, 128 bytes at most (https://www.eicar.org/download-anti-malware-testfile/).
 * ClamAV's test samples are builds of one small PE program that shows a message box titled
 * [CLAMAV], stored raw, packed, archived and encoded in many ways.
 *
 * Strings this file would itself contain are written as hex or as regular expressions with
 * escapes, so that scanning tenken's own source tree finds nothing.
 */

rule TK_EICAR_Test_File
{
    meta:
        description = "EICAR anti-virus test file"
        author = "tenken"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
        score = 100
    strings:
        $head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
        $tail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        filesize <= 128 and $head at 0 and $tail at 28
}

rule TK_ClamAV_Test_File_Raw
{
    meta:
        description = "ClamAV test program (unpacked code), e.g. clam.exe of clamav-testfiles"
        author = "tenken"
        reference = "https://packages.debian.org/bookworm/clamav-testfiles"
        score = 60
    strings:
        /* mov ebx, 0x401071; xor eax, eax; push eax; push eax; mov esi, ebx */
        $code = { BB 71 10 40 00 33 C0 50 50 8B F3 }
        $title = "CLAMessageBoxA"
    condition:
        all of them
}

rule TK_ClamAV_Test_File_Base64
{
    meta:
        description = "ClamAV test program, Base64-encoded (mail and HTML samples)"
        author = "tenken"
        reference = "https://packages.debian.org/bookworm/clamav-testfiles"
        score = 60
    strings:
        /* the Base64 form of the program's first twelve bytes (as hex, so that this file does
         * not match itself) */
        $b64 = { 54 56 70 51 41 41 49 41 41 41 41 45 41 41 38 41 }
    condition:
        $b64
}

rule TK_ClamAV_Test_File_Hex
{
    meta:
        description = "ClamAV test program, hex-encoded (RTF sample)"
        author = "tenken"
        reference = "https://packages.debian.org/bookworm/clamav-testfiles"
        score = 60
    strings:
        /* the first fourteen bytes as hex text, either case (hex here so that this file does
         * not match itself) */
        $hex = { 34 (64|44) 35 (61|41) 35 30 30 30 30 32 30 30 30 30 30 30 30 34 30 30 30 (66|46)
                 30 30 (66|46) (66|46) (66|46) (66|46) }
    condition:
        $hex
}
