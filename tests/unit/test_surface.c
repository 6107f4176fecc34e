/* test_surface.c - the observation helpers (surface/obs.h) and time parsing (core/time.h):
 * Shodan's favicon hash, MurmurHash3 vectors, raw HTTP heads, titles, merging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/time.h"
#include "surface/obs.h"

static void murmur_vectors(void **state)
{
    (void)state;
    /* published MurmurHash3_x86_32 vectors, seed 0, as signed numbers */
    assert_int_equal((int32_t)tk_murmur3_32("foo", 3, 0), -156908512);
    assert_int_equal((int32_t)tk_murmur3_32("hello", 5, 0), 613153351);
    assert_int_equal((int32_t)tk_murmur3_32("hello world", 11, 0), 1586663183);
    assert_int_equal((int32_t)tk_murmur3_32("test", 4, 0), -1167338989);
}

static void favicon_vectors(void **state)
{
    (void)state;
    const unsigned char three[] = { 0, 1, 2 };
    assert_int_equal(tk_favicon_hash(three, 3), 304933308);
    unsigned char all[1024];
    for (int i = 0; i < 1024; i++)
        all[i] = (unsigned char)(i & 0xff);
    assert_int_equal(tk_favicon_hash(all, sizeof all), -1082603952);
}

static void time_parse(void **state)
{
    (void)state;
    int64_t t;
    assert_true(tk_time_parse(tk_str_c("2022-03-28T06:04:20Z"), &t));
    assert_int_equal(t, 1648447460);
    assert_true(tk_time_parse(tk_str_c("2022-03-28 15:04:20+09:00"), &t));
    assert_int_equal(t, 1648447460);
    assert_true(tk_time_parse(tk_str_c("2019-08-21T20:54:50.123456Z"), &t));
    assert_int_equal(t, 1566420890);
    assert_true(tk_time_parse(tk_str_c("Wed, 21 Aug 2019 20:54:50 GMT"), &t));
    assert_int_equal(t, 1566420890);
    assert_true(tk_time_parse(tk_str_c("Wednesday, 21-Aug-19 20:54:50 GMT"), &t));
    assert_int_equal(t, 1566420890);
    assert_true(tk_time_parse(tk_str_c("Wed Aug 21 20:54:50 2019"), &t));
    assert_int_equal(t, 1566420890);
    assert_true(tk_time_parse(tk_str_c("1566420890"), &t));
    assert_int_equal(t, 1566420890);
    assert_true(tk_time_parse(tk_str_c("1969-12-31"), &t));
    assert_int_equal(t, -86400);
    assert_false(tk_time_parse(tk_str_c("2019-02-30"), &t));
    assert_false(tk_time_parse(tk_str_c("2019-02-29"), &t)); /* not a leap year */
    assert_false(tk_time_parse(tk_str_c("1900-02-29T00:00:00Z"), &t));
    assert_true(tk_time_parse(tk_str_c("2000-02-29"), &t));
    assert_true(tk_time_parse(tk_str_c("20240229120000Z"), &t)); /* GeneralizedTime */
    assert_int_equal(t, 1709208000);
    assert_false(tk_time_parse(tk_str_c("230229120000Z"), &t));  /* UTCTime, 2023 */
    assert_false(tk_time_parse(tk_str_c("2019-08-21T25:00:00Z"), &t));
    assert_false(tk_time_parse(tk_str_c("yesterday"), &t));
    assert_false(tk_time_parse(tk_str_c(""), &t));
    assert_false(tk_time_parse(tk_str_c("2019-08-21Tgarbage"), &t));
}

static void raw_http(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_obs o;
    tk_obs_init(&o, &a);
    assert_true(tk_obs_set_ip(&o, tk_str_c("::ffff:192.0.2.1")));
    assert_string_equal(o.ip, "192.0.2.1");
    struct tk_obs_http *h = tk_obs_http_add(&o, tk_str_c("/x"));
    const char raw[] = "HTTP/1.1 302 Found\r\nServer: PanWeb Server/ - \r\nX-Long: a\r\n b\r\n"
                       "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n<title> Hi \n there </title>";
    assert_int_equal(tk_obs_http_parse_raw(&o, h, (struct tk_str){ raw, sizeof raw - 1 }), 0);
    assert_int_equal(h->status, 302);
    assert_string_equal(tk_obs_header(h, "server"), "PanWeb Server/ -");
    assert_string_equal(tk_obs_header(h, "x-long"), "a b");
    assert_int_equal(h->nheaders, 4);
    assert_non_null(h->body);
    assert_int_equal(tk_obs_finish(&o), 0);
    assert_string_equal(h->title, "Hi there");
    assert_int_equal(strlen(h->body_sha256), 64);
    /* bounds: responses past the limit are dropped and counted */
    for (int i = 0; i < TK_OBS_MAX_HTTP + 3; i++)
        tk_obs_http_add(&o, tk_str_c("/y"));
    assert_int_equal(o.nhttp, TK_OBS_MAX_HTTP);
    assert_int_equal(o.truncated, 4);
    tk_arena_release(&a);
}

static void merge(void **state)
{
    (void)state;
    struct tk_arena a, b;
    tk_arena_init(&a, 1 << 20);
    tk_arena_init(&b, 1 << 20);
    struct tk_obs x, y;
    tk_obs_init(&x, &a);
    tk_obs_init(&y, &b);
    tk_obs_http_add(&x, tk_str_c("/"));
    struct tk_obs_http *h = tk_obs_http_add(&y, tk_str_c("/favicon.ico"));
    h->status = 200;
    const unsigned char three[] = { 0, 1, 2 };
    tk_obs_body_set(&y, h, three, 3);
    tk_obs_hostname_add(&y, tk_str_c("vpn.example.jp"));
    assert_int_equal(tk_obs_merge(&x, &y), 0);
    tk_arena_release(&b); /* x owns copies */
    assert_int_equal(x.nhttp, 2);
    assert_int_equal(tk_obs_finish(&x), 0);
    assert_true(x.has_favicon);
    assert_int_equal(x.favicon_hash, 304933308);
    assert_string_equal(x.hostnames[0], "vpn.example.jp");
    tk_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(murmur_vectors), cmocka_unit_test(favicon_vectors),
        cmocka_unit_test(time_parse),     cmocka_unit_test(raw_http),
        cmocka_unit_test(merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
