/* filetype.h - a file's type label from its first bytes (and, for scripts, its extension).
 *
 * The labels are those THOR passes to YARA rules as the `filetype` external ("EXE", "ELF",
 * "MACH-O", "PDF", "PHP", ...), since community rules compare against exactly these strings;
 * "UNKNOWN" when nothing matches. The magic values are facts collected from the public
 * signature-base list misc/file-type-signatures.txt and format specifications; see
 * filetype.c. */
#ifndef TK_SCAN_FILETYPE_H
#define TK_SCAN_FILETYPE_H

#include <stddef.h>

/* The longest magic in the table; callers pass at least this many bytes when the file has
 * them. */
#define TK_FILETYPE_HEAD 16

/* head: the file's first n bytes; ext: its extension with the dot, lower-case ("" when none).
 * Returns a static string. */
const char *tk_filetype(const unsigned char *head, size_t n, const char *ext);

#endif
