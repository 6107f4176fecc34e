/* fields.c - the editable fields of a case (campaign.h): names, kinds, allowed values and
 * their labels in English and Japanese, and normalisation of what users type. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "campaign/campaign.h"
#include "core/str.h"
#include "core/time.h"
#include "core/utf8.h"

static const char *const status_v[] = { "identified", "contacted", "responded", "closed", NULL };
static const char *const status_en[] = { "identified", "contacted", "responded", "closed" };
static const char *const status_ja[] = { "特定済み", "連絡済み", "回答あり", "完了" };

static const char *const outcome_v[] = { "",         "remediated",  "in-progress", "not-started",
                                         "declined", "unreachable", NULL };
static const char *const outcome_en[] = { "(none)",      "remediated", "in progress",
                                          "not started", "declined",   "unreachable" };
static const char *const outcome_ja[] = { "(未設定)", "対策済み", "対策中",
                                          "未着手",   "対応拒否", "連絡不能" };

static const char *const aware_v[] = { "unknown", "yes", "no", NULL };
static const char *const aware_en[] = { "unknown", "knew", "did not know" };
static const char *const aware_ja[] = { "不明", "認識あり", "認識なし" };

static const char *const notice_v[] = { "unknown", "already-done", "in-progress", "not-started",
                                        NULL };
static const char *const notice_en[] = { "unknown", "already done", "in progress", "not started" };
static const char *const notice_ja[] = { "不明", "対策済み", "対策中", "未着手" };

static const char *const manager_v[] = { "unknown", "in-house", "vendor", "affiliate", NULL };
static const char *const manager_en[] = { "unknown", "in-house", "vendor", "affiliate" };
static const char *const manager_ja[] = { "不明", "自社", "委託先ベンダー", "関連会社" };

static const char *const reasons_v[] = { "maintenance-contract",
                                         "vendor-unavailable",
                                         "forgotten",
                                         "too-busy",
                                         "never-updated",
                                         "affiliate-device",
                                         "cost",
                                         "other",
                                         NULL };
static const char *const reasons_en[] = { "maintenance contract excludes upgrades",
                                          "vendor unavailable",
                                          "forgotten",
                                          "too busy",
                                          "never updated since installation",
                                          "device belongs to an affiliate",
                                          "cost",
                                          "other" };
static const char *const reasons_ja[] = {
    "保守契約にアップデートが含まれない", "ベンダーと連絡が取れない", "失念", "多忙",
    "導入以来一度も更新していない",       "関連会社の機器",           "費用", "その他"
};

const struct tk_case_field_def tk_case_fields[TK_CF_COUNT] = {
    [TK_CF_STATUS] = { "status", TK_FK_CHOICE, status_v, status_en, status_ja, "status",
                       "ステータス", "identified" },
    [TK_CF_OUTCOME] = { "outcome", TK_FK_CHOICE, outcome_v, outcome_en, outcome_ja, "outcome",
                        "結果", "" },
    [TK_CF_AWARE] = { "aware", TK_FK_CHOICE, aware_v, aware_en, aware_ja,
                      "aware of the need to upgrade", "アップデートの必要性の認識", "unknown" },
    [TK_CF_AT_NOTICE] = { "at-notice", TK_FK_CHOICE, notice_v, notice_en, notice_ja,
                          "state at notification", "通知時点の状況", "unknown" },
    [TK_CF_MANAGER] = { "manager", TK_FK_CHOICE, manager_v, manager_en, manager_ja,
                        "who manages the device", "機器の管理者", "unknown" },
    [TK_CF_REASONS] = { "reasons", TK_FK_SET, reasons_v, reasons_en, reasons_ja, "delay reasons",
                        "対応が遅れた理由", "" },
    [TK_CF_REASON_NOTE] = { "reason-note", TK_FK_TEXT, NULL, NULL, NULL, "about the reasons",
                            "理由の補足", "" },
    [TK_CF_FOLLOW_UP] = { "follow-up", TK_FK_DATE, NULL, NULL, NULL, "follow-up date", "次回確認日",
                          "" },
    [TK_CF_CONTACT_NAME] = { "contact-name", TK_FK_TEXT, NULL, NULL, NULL, "contact person",
                             "担当者", "" },
    [TK_CF_NOTE] = { "note", TK_FK_TEXT, NULL, NULL, NULL, "note", "メモ", "" },
};

const char *const tk_contact_channels[] = { "phone", "email", "visit", "letter", "other", NULL };

int tk_case_field_find(const char *name)
{
    for (int i = 0; name && i < TK_CF_COUNT; i++)
        if (strcmp(tk_case_fields[i].name, name) == 0)
            return i;
    return -1;
}

/* The index of value among the field's values (by name or by either label), or -1. */
static int value_index(const struct tk_case_field_def *d, struct tk_str v)
{
    for (int i = 0; d->values[i]; i++) {
        if ((v.n == strlen(d->values[i]) && strncasecmp(v.p, d->values[i], v.n) == 0) ||
            tk_str_eq_c(v, d->values_ja[i]) ||
            (v.n == strlen(d->values_en[i]) && strncasecmp(v.p, d->values_en[i], v.n) == 0))
            return i;
    }
    return -1;
}

static int not_allowed(const struct tk_case_field_def *d, struct tk_str v, struct tk_err *err)
{
    char list[512];
    size_t k = 0;
    list[0] = '\0';
    for (int i = 0; d->values[i] && k < sizeof list; i++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "",
                              d->values[i][0] ? d->values[i] : "\"\"");
    return tk_err_set(err, TK_EINVAL, "%s: \"%.*s\" is not one of %s", d->name,
                      (int)(v.n > 64 ? 64 : v.n), v.p, list);
}

/* YYYY-MM-DD, a real day from 1970 on (tk_time_parse checks the calendar). */
static bool valid_date(struct tk_str v)
{
    int64_t t;
    return v.n == 10 && v.p[4] == '-' && v.p[7] == '-' && tk_time_parse(v, &t) && t >= 0;
}

int tk_case_field_normalize(enum tk_case_field f, const char *value, char *out, size_t cap,
                            struct tk_err *err)
{
    if ((unsigned)f >= TK_CF_COUNT || !cap)
        return tk_err_set(err, TK_EINVAL, "no such field");
    const struct tk_case_field_def *d = &tk_case_fields[f];
    struct tk_str v = tk_str_trim(tk_str_c(value));
    out[0] = '\0';
    switch (d->kind) {
    case TK_FK_CHOICE: {
        int i = value_index(d, v);
        if (i < 0)
            return not_allowed(d, v, err);
        snprintf(out, cap, "%s", d->values[i]);
        return 0;
    }
    case TK_FK_SET: {
        bool on[32] = { false };
        struct tk_str rest = v, item;
        while (rest.n) {
            const char *comma = memchr(rest.p, ',', rest.n);
            const char *semi = memchr(rest.p, ';', rest.n);
            const char *cut = comma && (!semi || comma < semi) ? comma : semi;
            item = (struct tk_str){ rest.p, cut ? (size_t)(cut - rest.p) : rest.n };
            rest = cut ? (struct tk_str){ cut + 1, (size_t)(rest.p + rest.n - cut - 1) }
                       : (struct tk_str){ rest.p + rest.n, 0 };
            item = tk_str_trim(item);
            if (!item.n)
                continue;
            int i = value_index(d, item);
            if (i < 0)
                return not_allowed(d, item, err);
            on[i] = true;
        }
        size_t k = 0;
        for (int i = 0; d->values[i]; i++) {
            if (!on[i])
                continue;
            int w = snprintf(out + k, cap - k, "%s%s", k ? "," : "", d->values[i]);
            if (w < 0 || (size_t)w >= cap - k)
                return tk_err_set(err, TK_ELIMIT, "%s: too long", d->name);
            k += (size_t)w;
        }
        return 0;
    }
    case TK_FK_TEXT:
        if (v.n > TK_CASE_TEXT_MAX || v.n >= cap)
            return tk_err_set(err, TK_ELIMIT, "%s: longer than %d bytes", d->name,
                              TK_CASE_TEXT_MAX);
        if (!tk_utf8_valid(v.p, v.n))
            return tk_err_set(err, TK_EINVAL, "%s: not valid UTF-8", d->name);
        memcpy(out, v.p, v.n);
        out[v.n] = '\0';
        return 0;
    case TK_FK_DATE:
        if (v.n && !valid_date(v))
            return tk_err_set(err, TK_EINVAL, "%s: \"%.*s\" is not a date (YYYY-MM-DD)", d->name,
                              (int)(v.n > 32 ? 32 : v.n), v.p);
        if (v.n >= cap)
            return tk_err_set(err, TK_ELIMIT, "%s: too long", d->name);
        memcpy(out, v.p, v.n);
        out[v.n] = '\0';
        return 0;
    }
    return tk_err_set(err, TK_EINVAL, "no such field");
}

const char *tk_case_value_label(enum tk_case_field f, const char *value, const char *lang)
{
    const struct tk_case_field_def *d = &tk_case_fields[f];
    if ((unsigned)f >= TK_CF_COUNT || !d->values || !value)
        return value;
    for (int i = 0; d->values[i]; i++)
        if (strcmp(d->values[i], value) == 0)
            return lang && strcmp(lang, "ja") == 0 ? d->values_ja[i] : d->values_en[i];
    return value;
}

bool tk_case_close_suggested(const struct tk_case *c)
{
    const char *st = c->f[TK_CF_STATUS];
    return c->ndevices > 0 && c->nvulnerable == 0 && (!st || strcmp(st, "closed") != 0);
}
