/* fuzz_campaign.c - the campaign readers (campaign/campaign.h): an identify JSONL file read
 * into the cases of a new campaign (with and without filters) and for verification, and
 * case field values normalised.
 *
 * Invariants: counts add up (devices and duplicates within records, bad <= records), every
 * device has an address and a state, a normalised value normalises to itself, and a
 * verification answer is one of the three states. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/campaign.h"
#include "fuzz.h"

static void check_fields(const uint8_t *data, size_t size)
{
    char value[256], out[TK_CASE_TEXT_MAX + 1], again[TK_CASE_TEXT_MAX + 1];
    size_t n = size < sizeof value - 1 ? size : sizeof value - 1;
    memcpy(value, data, n);
    value[n] = '\0';
    for (int f = 0; f < TK_CF_COUNT; f++) {
        if (tk_case_field_normalize((enum tk_case_field)f, value, out, sizeof out, NULL) != 0)
            continue;
        FUZZ_CHECK(tk_case_field_normalize((enum tk_case_field)f, out, again, sizeof again, NULL) ==
                   0);
        FUZZ_CHECK(strcmp(out, again) == 0);
        FUZZ_CHECK(tk_case_value_label((enum tk_case_field)f, out, "ja") != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_fields(data, size);
    char path[] = "/tmp/fuzz-campaign-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    bool written = write(fd, data, size) == (ssize_t)size;
    close(fd);
    if (!written) {
        unlink(path);
        return 0;
    }
    static const struct tk_campaign_filter filters[] = {
        { 0 },
        { .prefecture = 14, .kev_only = true },
        { .all = true, .product = "forti" },
    };
    for (size_t i = 0; i < sizeof filters / sizeof *filters; i++) {
        struct tk_campaign_draft d;
        tk_campaign_draft_init(&d);
        int rc = tk_campaign_draft_read(&d, path, &filters[i], NULL);
        if (!rc)
            rc = tk_campaign_draft_finish(&d, NULL);
        if (!rc) {
            FUZZ_CHECK(d.bad <= d.records);
            FUZZ_CHECK(d.ncases <= d.ndevs && d.ndevs + d.duplicates <= d.records);
            size_t total = 0;
            for (size_t c = 0; c < d.ncases; c++) {
                FUZZ_CHECK(d.cases[c].org_key && *d.cases[c].org_key);
                FUZZ_CHECK(d.cases[c].ndevices >= 1);
                for (size_t k = 0; k < d.cases[c].ndevices; k++) {
                    const struct tk_case_device *dev = &d.cases[c].devices[k];
                    FUZZ_CHECK(dev->ip && *dev->ip && dev->product && dev->state);
                    FUZZ_CHECK(dev->port >= 0 && dev->port <= 65535);
                }
                total += d.cases[c].ndevices;
            }
            FUZZ_CHECK(total == d.ndevs);
        }
        tk_campaign_draft_release(&d);
    }
    struct tk_campaign_check c;
    tk_campaign_check_init(&c);
    if (tk_campaign_check_read(&c, path, NULL) == 0) {
        FUZZ_CHECK(c.bad <= c.records);
        int64_t at;
        const char *st = tk_campaign_check_state(&c, "203.0.113.10", 443, &at);
        FUZZ_CHECK(!st || !strcmp(st, "vulnerable") || !strcmp(st, "fixed") || !strcmp(st, "gone"));
        FUZZ_CHECK(at > 0);
    }
    tk_campaign_check_release(&c);
    unlink(path);
    return 0;
}
