/* test_exposure.c - the exposure analyzer on hand-built bundles: reach of each socket,
 * severities, SMB1 and SSH rules, firewall, evidence pointers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "analyze/analyze.h"

static struct tk_bundle b;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    b.net.collected = true;
    b.net.firewall.loaded = TK_UNKNOWN;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tk_bundle_release(&b);
    return 0;
}

static void add_addr(const char *ifname, const char *addr, int family, const char *cls)
{
    struct tk_iface *f = NULL;
    for (size_t i = 0; i < b.net.nifaces; i++)
        if (strcmp(b.net.ifaces[i].name, ifname) == 0)
            f = &b.net.ifaces[i];
    if (!f) {
        f = tk_bundle_add_iface(&b);
        assert_non_null(f);
        f->name = ifname;
        f->index = (int)b.net.nifaces;
    }
    struct tk_addr *a = tk_bundle_add_addr(&b, f);
    assert_non_null(a);
    a->address = addr;
    a->family = family;
    a->prefix = family == 4 ? 24 : 64;
    a->class = cls;
}

static size_t add_sock(const char *proto, const char *addr, int family, int port,
                       const char *process)
{
    struct tk_sock *s = tk_bundle_add_sock(&b);
    assert_non_null(s);
    s->proto = proto;
    s->address = addr;
    s->family = family;
    s->port = port;
    s->process = process;
    return b.net.nsocks - 1;
}

static const struct tk_finding *find(const char *id)
{
    for (size_t i = 0; i < b.nfindings; i++)
        if (strcmp(b.findings[i].id, id) == 0)
            return &b.findings[i];
    return NULL;
}

static void analyze(void)
{
    struct tk_err err;
    assert_int_equal(tk_analyze(&b, NULL, &err), 0);
}

static void test_nothing_collected_nothing_found(void **state)
{
    (void)state;
    b.net.collected = false;
    add_sock("tcp", "0.0.0.0", 4, 445, "smbd");
    analyze();
    assert_int_equal(b.nfindings, 0);
}

static void test_wildcard_with_public_address_is_public(void **state)
{
    (void)state;
    add_addr("eth0", "203.0.114.7", 4, "public");
    add_sock("tcp", "0.0.0.0", 4, 445, "smbd");
    add_sock("tcp", "::", 6, 3389, "xrdp");
    analyze();
    const struct tk_finding *f = find("TK-EXP-SMB-PUBLIC");
    assert_non_null(f);
    assert_int_equal(f->severity, TK_SEV_HIGH);
    assert_string_equal(f->evidence[0].ref, "/network/listening/0");
    assert_string_equal(f->evidence[0].text, "tcp 0.0.0.0:445 smbd");
    /* An IPv6 wildcard socket takes IPv4 too. */
    f = find("TK-EXP-RDP-PUBLIC");
    assert_non_null(f);
    assert_string_equal(f->evidence[0].text, "tcp [::]:3389 xrdp");
    f = find("TK-EXP-PUBLIC-IPV4");
    assert_non_null(f);
    assert_int_equal(f->severity, TK_SEV_MEDIUM);
    assert_string_equal(f->evidence[0].ref, "/network/interfaces/0/addresses/0");
    assert_null(find("TK-EXP-SMB-ALL"));
}

static void test_wildcard_without_public_address_is_all_interfaces(void **state)
{
    (void)state;
    add_addr("eth0", "192.168.1.5", 4, "private");
    add_sock("tcp", "0.0.0.0", 4, 139, NULL);
    analyze();
    const struct tk_finding *f = find("TK-EXP-SMB-ALL");
    assert_non_null(f);
    assert_int_equal(f->severity, TK_SEV_MEDIUM);
    assert_string_equal(f->evidence[0].text, "tcp 0.0.0.0:139");
    assert_null(find("TK-EXP-SMB-PUBLIC"));
    assert_null(find("TK-EXP-PUBLIC-IPV4"));
}

static void test_specific_addresses(void **state)
{
    (void)state;
    add_addr("eth0", "192.168.1.5", 4, "private");
    add_sock("tcp", "192.168.1.5", 4, 445, "smbd");
    add_sock("tcp", "127.0.0.1", 4, 3389, "xrdp");
    add_sock("tcp", "2001:db9::1", 6, 5900, "vnc");
    add_sock("udp", "0.0.0.0", 4, 445, NULL); /* UDP 445 is not SMB */
    analyze();
    assert_non_null(find("TK-EXP-SMB-LAN"));
    assert_null(find("TK-EXP-RDP-LAN"));
    assert_null(find("TK-EXP-RDP-ALL"));
    assert_non_null(find("TK-EXP-VNC-PUBLIC"));
    assert_int_equal(find("TK-EXP-SMB-LAN")->nevidence, 1);
}

static void test_global_ipv6_only_is_info_and_reaches_v6_wildcards(void **state)
{
    (void)state;
    add_addr("wlan0", "2001:db9::5", 6, "global-v6");
    add_sock("tcp", "0.0.0.0", 4, 23, "telnetd");
    add_sock("tcp", "::", 6, 23, "telnetd");
    analyze();
    assert_int_equal(find("TK-EXP-GLOBAL-IPV6")->severity, TK_SEV_INFO);
    const struct tk_finding *pub = find("TK-EXP-TELNET-PUBLIC"), *all = find("TK-EXP-TELNET-ALL");
    assert_non_null(pub);
    assert_non_null(all);
    assert_string_equal(pub->evidence[0].ref, "/network/listening/1");
    assert_string_equal(all->evidence[0].ref, "/network/listening/0");
}

static void test_smb1_listening_vs_configured(void **state)
{
    (void)state;
    struct tk_service *smb = &b.net.services[0];
    b.net.nservices = 1;
    smb->name = "smb";
    smb->installed = true;
    smb->smb1_allowed = TK_YES;
    smb->min_protocol = "NT1";
    smb->min_protocol_basis = "setting";
    analyze();
    assert_non_null(find("TK-CFG-SMB1-CONFIGURED"));
    assert_null(find("TK-CFG-SMB1"));
    size_t i = add_sock("tcp", "0.0.0.0", 4, 445, "smbd");
    assert_int_equal(tk_service_add_socket(&b, smb, i), 0);
    analyze(); /* re-analysis replaces the findings */
    assert_non_null(find("TK-CFG-SMB1"));
    assert_null(find("TK-CFG-SMB1-CONFIGURED"));
    assert_string_equal(find("TK-CFG-SMB1")->evidence[0].text, "server min protocol = NT1 (setting)");
}

static void test_ssh_rules(void **state)
{
    (void)state;
    struct tk_service *ssh = &b.net.services[0];
    b.net.nservices = 1;
    ssh->name = "ssh";
    ssh->installed = true;
    ssh->password_authentication = TK_YES;
    ssh->permit_root_login = "yes";
    size_t i = add_sock("tcp", "127.0.0.1", 4, 22, "sshd");
    assert_int_equal(tk_service_add_socket(&b, ssh, i), 0);
    analyze();
    assert_null(find("TK-CFG-SSH-PASSWORD")); /* loopback only */
    add_addr("eth0", "198.51.99.1", 4, "public");
    i = add_sock("tcp", "0.0.0.0", 4, 22, "sshd");
    assert_int_equal(tk_service_add_socket(&b, ssh, i), 0);
    analyze();
    assert_int_equal(find("TK-CFG-SSH-PASSWORD-PUBLIC")->severity, TK_SEV_MEDIUM);
    assert_non_null(find("TK-CFG-SSH-ROOT-LOGIN"));
    ssh->password_authentication = TK_NO;
    analyze();
    assert_null(find("TK-CFG-SSH-PASSWORD-PUBLIC"));
    assert_null(find("TK-CFG-SSH-ROOT-LOGIN"));
}

static void test_firewall(void **state)
{
    (void)state;
    add_sock("tcp", "0.0.0.0", 4, 8080, "web");
    b.net.firewall.loaded = TK_UNKNOWN;
    analyze();
    assert_null(find("TK-EXP-NO-FIREWALL"));
    b.net.firewall.loaded = TK_NO;
    analyze();
    assert_int_equal(find("TK-EXP-NO-FIREWALL")->severity, TK_SEV_LOW);
    add_addr("eth0", "203.0.114.7", 4, "public");
    analyze();
    assert_int_equal(find("TK-EXP-NO-FIREWALL-PUBLIC")->severity, TK_SEV_MEDIUM);
    b.net.firewall.loaded = TK_YES;
    analyze();
    assert_null(find("TK-EXP-NO-FIREWALL-PUBLIC"));
}

static void test_loopback_only_host_has_no_firewall_finding(void **state)
{
    (void)state;
    add_sock("tcp", "127.0.0.1", 4, 631, "cupsd");
    add_sock("tcp", "::1", 6, 631, "cupsd");
    b.net.firewall.loaded = TK_NO;
    analyze();
    assert_int_equal(b.nfindings, 0);
}

static void test_every_finding_is_bilingual(void **state)
{
    (void)state;
    add_addr("eth0", "203.0.114.7", 4, "public");
    add_addr("eth0", "2001:db9::7", 6, "global-v6");
    static const int ports[] = { 445, 139, 3389, 5900, 23 };
    for (size_t i = 0; i < 5; i++) {
        add_sock("tcp", "0.0.0.0", 4, ports[i], NULL);
        add_sock("tcp", "192.168.0.1", 4, ports[i], NULL);
    }
    b.net.firewall.loaded = TK_NO;
    analyze();
    assert_true(b.nfindings >= 8);
    for (size_t i = 0; i < b.nfindings; i++) {
        const struct tk_finding *f = &b.findings[i];
        assert_true(strlen(f->title_en) > 10 && strlen(f->title_ja) > 10);
        assert_true(strlen(f->remediation_en) > 10 && strlen(f->remediation_ja) > 10);
        assert_true(f->nevidence >= 1);
        assert_true(strncmp(f->id, "TK-", 3) == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nothing_collected_nothing_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wildcard_with_public_address_is_public, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wildcard_without_public_address_is_all_interfaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_specific_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_ipv6_only_is_info_and_reaches_v6_wildcards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smb1_listening_vs_configured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_firewall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback_only_host_has_no_firewall_finding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_finding_is_bilingual, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
