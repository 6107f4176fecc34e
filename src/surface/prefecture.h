/* prefecture.h - Japan's prefectures (ISO 3166-2:JP, JP-01 Hokkaido .. JP-47 Okinawa): names
 * and parsing, implemented in attrib.c. A header of its own so that code outside attribution
 * (campaigns) can use it. */
#ifndef TK_SURFACE_PREFECTURE_H
#define TK_SURFACE_PREFECTURE_H

#include <stdbool.h>

#include "core/str.h"

#define TK_PREF_COUNT 47

/* "神奈川県" (ja) or "Kanagawa" (en) for 1..47; NULL for any other code. Static string. */
const char *tk_prefecture_name(int code, bool ja);

/* 1..47, or 0 when text names no prefecture. Accepts, around ASCII blanks: "14", "JP-14",
 * "JP14", "jp-14"; English names in any case, with macrons or not and with an optional
 * "-ken"/"-to"/"-fu"/" Prefecture" ("Kanagawa", "TOKYO-TO", "Hyōgo Prefecture"); Japanese
 * names with or without 都/府/県 ("神奈川県", "神奈川", "東京都", "北海道"). */
int tk_prefecture_parse(const char *text);
int tk_prefecture_parse_str(struct tk_str text);

#endif
