/* fuzz_dns.c - DNS answers (domains/resolve.h tk_dns_parse): any bytes as a message, for each
 * record type; records stay within their bounds and are NUL-terminated. */
#include <arpa/nameser.h>
#include <string.h>

#include "domains/resolve.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int types[] = { ns_t_a, ns_t_aaaa, ns_t_mx };
    struct tk_dns_answer ans;
    memset(&ans, 0, sizeof ans);
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        tk_dns_parse(data, size, types[i], &ans);
    FUZZ_CHECK(ans.na <= TK_DNS_MAX_RECORDS && ans.naaaa <= TK_DNS_MAX_RECORDS &&
               ans.nmx <= TK_DNS_MAX_RECORDS);
    for (int i = 0; i < ans.nmx; i++)
        FUZZ_CHECK(memchr(ans.mx[i], '\0', sizeof ans.mx[i]) != NULL);
    for (int i = 0; i < ans.na; i++)
        FUZZ_CHECK(strchr(ans.a[i], '.') != NULL);
    return 0;
}
