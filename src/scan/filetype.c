/* filetype.c - magic-byte table for tk_filetype.
 *
 * Sources for the magic values: Neo23x0/signature-base misc/file-type-signatures.txt (labels
 * as THOR uses them), the ELF, PE/COFF and Mach-O specifications, and the minidump header
 * ("MDMP"). The longest matching magic wins, so "PK\3\4\x14\0\6\0" is Office, not ZIP. Text
 * formats without a magic (VBS, BATCH, Python, PowerShell, ASP) are named by extension when the
 * head is not a known binary type. */
#include "scan/filetype.h"

#include <string.h>

struct magic {
    const char *bytes; /* may contain NUL: len gives the size */
    unsigned char len;
    const char *label;
};

#define M(s, label) { s, sizeof(s) - 1, label }

/* Ordered longest first so the first match is the most specific. */
static const struct magic magics[] = {
    M("\xFF\xFE\x3C\x00\x3F\x00\x78\x00\x6D\x00\x6C", "Windows At Job"),
    M("\x30\x00\x00\x00\x4C\x66\x4C\x65", "EVT"),
    M("PK\x03\x04\x14\x00\x06\x00", "Office"),
    M("PK\x03\x04\x14\x00\x08\x00", "JAR"),
    M("\xFF" "KEYB   ", "SYS Keyboard Driver"),
    M("# Disk D", "VMDK"),
    M("L\x00\x00\x00\x01\x14\x02\x00", "LNK"),
    M("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "OLE"),
    M("conectix", "VHD"),
    M("Function", "VBS"),
    M("\xFF\xFE\x3C\x00\x25\x00\x40", "JSP"),
    M("7z\xBC\xAF\x27\x1C", "7Zip"),
    M("Rar!\x1A\x07", "RAR"),
    M("WinZip", "WinZIP"),
    M("{\\rtf1", "RTF"),
    M("ElfFil", "EVTX"),
    M("JARCS\x00", "JARCS"),
    M("_CASE_", "Encase File"),
    M("PKSpX", "PKSFX"),
    M("<?php", "PHP"),
    M("ustar", "TAR"), /* at offset 0 as the list has it (real tar headers put it at 257) */
    M("%PDF", "PDF"),
    M("PK\x05\x06", "PKZIP"),
    M("PK\x03\x04", "ZIP"),
    M("regf", "Registry Hive"),
    M("\xD4\xC3\xB2\xA1", "WINPCAP"),
    M("\xA1\xB2\xC3\xD4", "LIBPCAP"),
    M("\xA1\xB2\xCD\x34", "LIBPCAP"),
    M("\xFE\xED\xFA\xCE", "MACH-O"),
    M("\xFE\xED\xFA\xCF", "MACH-O"),
    M("\xCE\xFA\xED\xFE", "MACH-O"),
    M("\xCF\xFA\xED\xFE", "MACH-O"),
    M("\xCA\xFE\xBA\xBE", "Class"), /* also a Mach-O universal binary; the list says Class */
    M("MDMP", "MDMP"),
    M("_'\xA8\x89", "JAR"),
    M("\x0D" "DOC", "DOC"),
    M("COWD", "VMDK"),
    M("<?xm", "XML"),
    M("<?XM", "XML"),
    M("FILE", "NTFS MFT"),
    M("MSCF", "CAB"),
    M("\x1F\x8B\x08", "GZIP"),
    M("BZh", "BZip2"),
    M("CWS", "SWF"),
    M("ZWS", "SWF"),
    M("FWS", "FWS (Flash)"),
    M("GIF", "GIF"),
    M("\xFF\xD8\xFF", "JPEG"),
    M("AES", "AESCrypt"),
    M("KDM", "VMDK"),
    M("#!/", "UNIX SCRIPT"),
    M("\x7F" "ELF", "ELF"), /* the list has 7F 45; the full ELF magic is four bytes */
    M("#!", "Script"),
    M("<%", "JSP"),
    M("MZ", "EXE"),
    M("`\xEA", "ARJ"),
    M("\x1F\x9D", "TARZ"),
    M("\x1F\xA0", "TARZ"),
};

/* Text types named by extension (lower-case, with the dot). */
static const struct {
    const char *ext, *label;
} by_ext[] = {
    { ".vbs", "VBS" },        { ".vbe", "VBS" },        { ".bat", "BATCH" },
    { ".cmd", "BATCH" },      { ".py", "Python" },      { ".pyw", "Python" },
    { ".ps1", "PowerShell" }, { ".psm1", "PowerShell" }, { ".psd1", "PowerShell" },
    { ".php", "PHP" },        { ".phtml", "PHP" },      { ".jsp", "JSP" },
    { ".jspx", "JSP" },       { ".asp", "ASP" },        { ".aspx", "ASP" },
    { ".ashx", "ASP" },       { ".asmx", "ASP" },       { ".dmp", "MDMP" },
};

const char *tk_filetype(const unsigned char *head, size_t n, const char *ext)
{
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        const struct magic *m = &magics[i];
        if (n >= m->len && memcmp(head, m->bytes, m->len) == 0)
            return m->label;
    }
    for (size_t i = 0; ext && i < sizeof by_ext / sizeof by_ext[0]; i++)
        if (strcmp(ext, by_ext[i].ext) == 0)
            return by_ext[i].label;
    return "UNKNOWN";
}
