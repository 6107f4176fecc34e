/* test_bundle_read.c - reading a bundle back from JSON (bundle/bundle_read.h): a full round
 * trip through the writer, field by field and byte for byte; hostile documents with a wrong
 * type at each level (TK_EPARSE naming the JSON pointer), refused enumerations, versions and
 * socket references; bounds on huge arrays; roots that are not bundles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle_json.h"
#include "bundle/bundle_read.h"
#include "core/addr.h"
#include "core/buf.h"

#define NAME "b.json"

/* ---- building and writing ----------------------------------------------------------------- */

static const char *ip_class(const char *addr)
{
    struct tk_ip ip;
    assert_true(tk_ip_parse(tk_str_c(addr), &ip));
    return tk_ip_class(&ip);
}

static void add_addr(struct tk_bundle *b, struct tk_iface *f, const char *addr, int prefix,
                     int family, const char *scope, bool tmp, bool depr, bool tent)
{
    struct tk_addr *a = tk_bundle_add_addr(b, f);
    assert_non_null(a);
    a->address = addr;
    a->prefix = prefix;
    a->family = family;
    a->class = ip_class(addr);
    a->scope = scope;
    a->temporary = tmp;
    a->deprecated = depr;
    a->tentative = tent;
}

static void add_sock(struct tk_bundle *b, const char *proto, int family, const char *addr, int port,
                     int pid, const char *process, int64_t uid)
{
    struct tk_sock *s = tk_bundle_add_sock(b);
    assert_non_null(s);
    s->proto = proto;
    s->family = family;
    s->address = addr;
    s->port = port;
    s->pid = pid;
    s->process = process;
    s->uid = uid;
}

/* A bundle using every part of the format the reader reads. */
static void build(struct tk_bundle *b)
{
    assert_int_equal(tk_bundle_init(b, NULL), 0);
    struct tk_host *h = &b->host;
    h->hostname = "pc-01 \xe6\x97\xa5\"\\\x01";
    h->endpoint_id = "0f0e0d0c0b0a09080706050403020100";
    h->os_family = "linux";
    h->os_id = "debian";
    h->os_version_id = "12";
    h->os_name = "Debian GNU/Linux 12 (bookworm)";
    h->os_codename = "bookworm";
    h->kernel_release = "6.1.0-18-amd64";
    h->kernel_version = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)";
    h->arch = "x86_64";
    h->boot_time = 1700000000;
    h->timezone = "Asia/Tokyo";
    h->collector_version = "0.1.0";
    h->started = 1700000100;
    h->finished = 1700000160;
    b->scan.root = "/";
    b->scan.live = true;
    b->scan.privileged = false;
    b->scan.users_complete = true;

    struct tk_item *it = tk_bundle_add_item(b);
    it->name = "openssh-server";
    it->version = "1:9.2p1-2+deb12u3";
    it->source = "dpkg";
    it->kind = "package";
    it->arch = "amd64";
    it->status = "installed";
    it->source_package = "openssh";
    it->source_version = "1:9.2p1-2+deb12u3";
    it = tk_bundle_add_item(b);
    it->name = "Helper";
    it->version = "2.0";
    it->source = "browser-extension";
    it->kind = "extension";
    it->vendor = "Example";
    it->path = "/home/bob/.mozilla/firefox/p/extensions/helper.xpi";
    it->user = "bob";
    it->id = "helper@example.invalid";
    it->browser = "firefox";
    it->profile = "default-esr";
    it->enabled = TK_NO;
    it->version_from = "extensions.json";
    it = tk_bundle_add_item(b);
    it->name = "Example Tool";
    it->source = "dir";
    it->kind = "application";
    it->path = "/opt/example";
    it->enabled = TK_YES;

    b->net.collected = true;
    struct tk_iface *f = tk_bundle_add_iface(b);
    f->name = "lo";
    f->index = 1;
    f->state = "unknown";
    f->mtu = 65536;
    f->loopback = true;
    add_addr(b, f, "127.0.0.1", 8, 4, "host", false, false, false);
    add_addr(b, f, "::1", 128, 6, "host", false, false, false);
    f = tk_bundle_add_iface(b);
    f->name = "eth0";
    f->index = 2;
    f->mac = "52:54:00:12:34:56";
    f->state = "up";
    f->mtu = 1500;
    add_addr(b, f, "192.168.1.5", 24, 4, "global", false, false, false);
    add_addr(b, f, "fe80::5054:ff:fe12:3456", 64, 6, "link", false, false, true);
    add_addr(b, f, "2001:db8::5", 64, 6, "global", true, true, false);
    struct tk_route *r = tk_bundle_add_route(b);
    r->family = 4;
    r->gateway = "192.168.1.1";
    r->iface = "eth0";
    r->metric = 100;
    r = tk_bundle_add_route(b);
    r->family = 6;
    r->gateway = "fe80::1";
    r->iface = "eth0";
    r->metric = 1024;
    add_sock(b, "tcp", 4, "0.0.0.0", 445, 812, "smbd", 0);
    add_sock(b, "tcp", 6, "::", 3389, -1, NULL, 117);
    add_sock(b, "udp", 4, "127.0.0.53", 53, 500, "systemd-resolve", 101);
    add_sock(b, "tcp", 4, "0.0.0.0", 22, 700, "sshd", 0);
    static const char *const names[] = { "smb", "rdp", "ssh" };
    for (int i = 0; i < 3; i++) {
        b->net.services[i].name = names[i];
        b->net.services[i].smb1_allowed = TK_UNKNOWN;
        b->net.services[i].password_authentication = TK_UNKNOWN;
    }
    b->net.nservices = 3;
    struct tk_service *s = &b->net.services[0];
    s->product = "samba";
    s->installed = true;
    s->config = "/etc/samba/smb.conf";
    s->min_protocol = "NT1";
    s->min_protocol_basis = "setting";
    s->smb1_allowed = TK_YES;
    assert_int_equal(tk_service_add_socket(b, s, 0), 0);
    s = &b->net.services[1];
    s->product = "xrdp";
    s->installed = true;
    assert_int_equal(tk_service_add_socket(b, s, 1), 0);
    s = &b->net.services[2];
    s->product = "openssh";
    s->installed = true;
    s->config = "/etc/ssh/sshd_config";
    s->password_authentication = TK_YES;
    s->permit_root_login = "prohibit-password";
    assert_int_equal(tk_service_add_socket(b, s, 3), 0);
    b->net.firewall.loaded = TK_NO;
    assert_int_equal(tk_firewall_add_evidence(b, "nftables: no ruleset"), 0);
    tk_bundle_errorf(b, "dpkg", "/var/lib/dpkg/status", TK_EPARSE, "line 3: no Package field");
    tk_bundle_errorf(b, "users", NULL, TK_EACCES, "/home/alice: permission denied");
}

/* The bundle as compact JSON; caller frees with free(). */
static char *write_json(const struct tk_bundle *b, size_t *n)
{
    struct tk_buf out = TK_BUF_INIT((size_t)1 << 28);
    struct tk_json w;
    tk_json_init_buf(&w, &out, 0);
    assert_int_equal(tk_bundle_write_json(b, &w), 0);
    *n = out.len;
    char *s = strdup(tk_buf_cstr(&out));
    assert_non_null(s);
    tk_buf_release(&out);
    return s;
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

#define assert_str_same(a, b)                                                                      \
    do {                                                                                           \
        if (!str_eq((a), (b)))                                                                     \
            fail_msg("%s: \"%s\" != \"%s\"", #a, (a) ? (a) : "(null)", (b) ? (b) : "(null)");      \
    } while (0)

/* ---- round trip --------------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    struct tk_bundle a, b;
    struct tk_err err = { 0 };
    size_t n1, n2;
    build(&a);
    char *text = write_json(&a, &n1);
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    int rc = tk_bundle_read_json(&b, text, n1, NAME, &err);
    if (rc)
        fail_msg("round trip refused: %s", err.msg);

    assert_string_equal(b.bundle_id, a.bundle_id);
    const struct tk_host *x = &a.host, *y = &b.host;
    assert_str_same(y->hostname, x->hostname);
    assert_str_same(y->endpoint_id, x->endpoint_id);
    assert_str_same(y->os_family, x->os_family);
    assert_str_same(y->os_id, x->os_id);
    assert_str_same(y->os_version_id, x->os_version_id);
    assert_str_same(y->os_name, x->os_name);
    assert_str_same(y->os_codename, x->os_codename);
    assert_str_same(y->kernel_release, x->kernel_release);
    assert_str_same(y->kernel_version, x->kernel_version);
    assert_str_same(y->arch, x->arch);
    assert_int_equal(y->boot_time, x->boot_time);
    assert_str_same(y->timezone, x->timezone);
    assert_str_same(y->collector_version, x->collector_version);
    assert_int_equal(y->started, x->started);
    assert_int_equal(y->finished, x->finished);
    assert_str_same(b.scan.root, a.scan.root);
    assert_int_equal(b.scan.live, a.scan.live);
    assert_int_equal(b.scan.privileged, a.scan.privileged);
    assert_int_equal(b.scan.users_complete, a.scan.users_complete);

    assert_int_equal(b.nitems, a.nitems);
    for (size_t i = 0; i < a.nitems; i++) {
        const struct tk_item *p = &a.items[i], *q = &b.items[i];
        assert_str_same(q->name, p->name);
        assert_str_same(q->version, p->version);
        assert_str_same(q->source, p->source);
        assert_str_same(q->kind, p->kind);
        assert_str_same(q->vendor, p->vendor);
        assert_str_same(q->path, p->path);
        assert_str_same(q->user, p->user);
        assert_str_same(q->arch, p->arch);
        assert_str_same(q->id, p->id);
        assert_str_same(q->status, p->status);
        assert_str_same(q->source_package, p->source_package);
        assert_str_same(q->source_version, p->source_version);
        assert_str_same(q->browser, p->browser);
        assert_str_same(q->profile, p->profile);
        assert_int_equal(q->enabled, p->enabled);
        assert_str_same(q->version_from, p->version_from);
    }

    assert_int_equal(b.net.collected, a.net.collected);
    assert_int_equal(b.net.nifaces, a.net.nifaces);
    for (size_t i = 0; i < a.net.nifaces; i++) {
        const struct tk_iface *p = &a.net.ifaces[i], *q = &b.net.ifaces[i];
        assert_str_same(q->name, p->name);
        assert_int_equal(q->index, p->index);
        assert_str_same(q->mac, p->mac);
        assert_str_same(q->state, p->state);
        assert_int_equal(q->mtu, p->mtu);
        assert_int_equal(q->loopback, p->loopback);
        assert_int_equal(q->naddrs, p->naddrs);
        for (size_t k = 0; k < p->naddrs; k++) {
            const struct tk_addr *u = &p->addrs[k], *v = &q->addrs[k];
            assert_str_same(v->address, u->address);
            assert_int_equal(v->prefix, u->prefix);
            assert_int_equal(v->family, u->family);
            assert_str_same(v->class, u->class);
            assert_str_same(v->scope, u->scope);
            assert_int_equal(v->temporary, u->temporary);
            assert_int_equal(v->deprecated, u->deprecated);
            assert_int_equal(v->tentative, u->tentative);
        }
    }
    assert_int_equal(b.net.nroutes, a.net.nroutes);
    for (size_t i = 0; i < a.net.nroutes; i++) {
        assert_int_equal(b.net.routes[i].family, a.net.routes[i].family);
        assert_str_same(b.net.routes[i].gateway, a.net.routes[i].gateway);
        assert_str_same(b.net.routes[i].iface, a.net.routes[i].iface);
        assert_int_equal(b.net.routes[i].metric, a.net.routes[i].metric);
    }
    assert_int_equal(b.net.nsocks, a.net.nsocks);
    for (size_t i = 0; i < a.net.nsocks; i++) {
        const struct tk_sock *p = &a.net.socks[i], *q = &b.net.socks[i];
        assert_str_same(q->proto, p->proto);
        assert_int_equal(q->family, p->family);
        assert_str_same(q->address, p->address);
        assert_int_equal(q->port, p->port);
        assert_int_equal(q->pid, p->pid);
        assert_str_same(q->process, p->process);
        assert_int_equal(q->uid, p->uid);
    }
    assert_int_equal(b.net.nservices, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct tk_service *p = &a.net.services[i], *q = &b.net.services[i];
        assert_str_same(q->name, p->name);
        assert_str_same(q->product, p->product);
        assert_int_equal(q->installed, p->installed);
        assert_str_same(q->config, p->config);
        assert_int_equal(q->nsockets, p->nsockets);
        for (size_t k = 0; k < p->nsockets; k++)
            assert_int_equal(q->sockets[k], p->sockets[k]);
        assert_str_same(q->min_protocol, p->min_protocol);
        assert_str_same(q->min_protocol_basis, p->min_protocol_basis);
        assert_int_equal(q->smb1_allowed, p->smb1_allowed);
        assert_int_equal(q->password_authentication, p->password_authentication);
        assert_str_same(q->permit_root_login, p->permit_root_login);
    }
    assert_int_equal(b.net.firewall.loaded, a.net.firewall.loaded);
    assert_int_equal(b.net.firewall.nevidence, 1);
    assert_string_equal(b.net.firewall.evidence[0], "nftables: no ruleset");
    assert_int_equal(b.nerrors, a.nerrors);
    for (size_t i = 0; i < a.nerrors; i++) {
        assert_str_same(b.errors[i].collector, a.errors[i].collector);
        assert_str_same(b.errors[i].path, a.errors[i].path);
        assert_str_same(b.errors[i].kind, a.errors[i].kind);
        assert_str_same(b.errors[i].message, a.errors[i].message);
    }
    assert_int_equal(b.nfindings, 0); /* findings are derived anew, never read */

    /* Written again, the read bundle gives the very same document. */
    char *again = write_json(&b, &n2);
    assert_int_equal(n2, n1);
    assert_string_equal(again, text);
    free(again);
    free(text);
    tk_bundle_release(&a);
    tk_bundle_release(&b);
}

static void test_round_trip_of_empty_bundle(void **state)
{
    (void)state;
    struct tk_bundle a, b;
    struct tk_err err = { 0 };
    size_t n1, n2;
    assert_int_equal(tk_bundle_init(&a, NULL), 0);
    a.host.os_family = "linux";
    char *text = write_json(&a, &n1);
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    int rc = tk_bundle_read_json(&b, text, n1, NAME, &err);
    if (rc)
        fail_msg("empty bundle refused: %s", err.msg);
    assert_int_equal(b.nitems, 0);
    assert_int_equal(b.net.nsocks, 0);
    assert_int_equal(b.host.boot_time, -1);
    assert_int_equal(b.net.firewall.loaded, TK_UNKNOWN);
    char *again = write_json(&b, &n2);
    /* The reader fills in the three services; the rest is unchanged. */
    assert_int_equal(b.net.nservices, 3);
    json_t *j1 = json_loads(text, 0, NULL), *j2 = json_loads(again, 0, NULL);
    assert_non_null(j1);
    assert_non_null(j2);
    json_object_del(json_object_get(j1, "network"), "services");
    json_object_del(json_object_get(j2, "network"), "services");
    assert_true(json_equal(j1, j2));
    json_decref(j1);
    json_decref(j2);
    free(text);
    free(again);
    tk_bundle_release(&a);
    tk_bundle_release(&b);
}

/* ---- hostile documents -------------------------------------------------------------------- */

static char *base_text;
static size_t base_len;

static int setup_base(void **state)
{
    (void)state;
    struct tk_bundle a;
    build(&a);
    base_text = write_json(&a, &base_len);
    tk_bundle_release(&a);
    return 0;
}

static int teardown_base(void **state)
{
    (void)state;
    free(base_text);
    base_text = NULL;
    return 0;
}

static int read_text(const char *text, size_t n, struct tk_err *err)
{
    struct tk_bundle b;
    tk_err_clear(err);
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    int rc = tk_bundle_read_json(&b, text, n, NAME, err);
    tk_bundle_release(&b);
    return rc;
}

/* Replaces (or, with replacement NULL, removes) the value at a JSON pointer in the base
 * document and reads the result. */
static int read_modified(const char *pointer, const char *replacement, struct tk_err *err)
{
    json_error_t je;
    json_t *root = json_loads(base_text, 0, &je);
    assert_non_null(root);
    json_t *parent = NULL, *cur = root;
    char token[128];
    const char *p = pointer;
    while (*p == '/') {
        const char *end = strchr(p + 1, '/');
        size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
        assert_true(len < sizeof token);
        memcpy(token, p + 1, len);
        token[len] = '\0';
        p += 1 + len;
        parent = cur;
        if (*p == '\0')
            break;
        cur = json_is_array(parent) ? json_array_get(parent, strtoul(token, NULL, 10))
                                    : json_object_get(parent, token);
        if (!cur)
            fail_msg("%s: no such member in the base document", pointer);
    }
    assert_non_null(parent);
    json_t *v = NULL;
    if (replacement) {
        v = json_loads(replacement, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!v)
            fail_msg("bad replacement %s: %s", replacement, je.text);
    }
    if (json_is_array(parent)) {
        size_t i = strtoul(token, NULL, 10);
        if (v)
            assert_int_equal(json_array_set_new(parent, i, v), 0);
        else
            assert_int_equal(json_array_remove(parent, i), 0);
    } else {
        if (v)
            assert_int_equal(json_object_set_new(parent, token, v), 0);
        else
            assert_int_equal(json_object_del(parent, token), 0);
    }
    char *text = json_dumps(root, JSON_COMPACT);
    assert_non_null(text);
    json_decref(root);
    int rc = read_text(text, strlen(text), err);
    free(text);
    return rc;
}

struct hostile {
    const char *pointer, *replacement; /* replacement NULL: the member is removed */
    const char *want;                  /* in the message, after "b.json: " */
};

/* Runs the cases; returns how many did not give TK_EPARSE with want in the message. */
static int run_hostile(const struct hostile *c, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        struct tk_err err;
        int rc = read_modified(c[i].pointer, c[i].replacement, &err);
        bool ok = rc == TK_EPARSE && strncmp(err.msg, NAME ": ", strlen(NAME ": ")) == 0 &&
                  strstr(err.msg, c[i].want) != NULL;
        if (!ok) {
            print_message("# %s = %s: expected TK_EPARSE with \"%s\", got %d \"%s\"\n", c[i].pointer,
                          c[i].replacement ? c[i].replacement : "(removed)", c[i].want, rc,
                          rc ? err.msg : "");
            failed++;
        }
    }
    return failed;
}

static void test_base_document_is_accepted(void **state)
{
    (void)state;
    struct tk_err err;
    if (read_text(base_text, base_len, &err))
        fail_msg("%s", err.msg);
}

static void test_wrong_types_name_the_pointer(void **state)
{
    (void)state;
    static const struct hostile cases[] = {
        { "/format", "\"other-bundle\"", "/format: not a tenken bundle" },
        { "/format", "1", "/format: not a tenken bundle" },
        { "/format", NULL, "/format: not a tenken bundle" },
        { "/bundle_id", "\"short\"", "/bundle_id: expected a UUID" },
        { "/bundle_id", "42", "/bundle_id: expected a UUID" },
        { "/host", "5", "/host: expected an object" },
        { "/host", NULL, "/host: expected an object" },
        { "/host/hostname", "5", "/host/hostname: expected a string" },
        { "/host/endpoint_id", "[]", "/host/endpoint_id: expected a string" },
        { "/host/os", "\"linux\"", "/host/os: expected an object" },
        { "/host/os/family", "1", "/host/os/family: expected a string" },
        { "/host/os/family", NULL, "/host/os/family: expected a string" },
        { "/host/os/id", "{}", "/host/os/id: expected a string" },
        { "/host/os/codename", "true", "/host/os/codename: expected a string" },
        { "/host/kernel", "1", "/host/kernel: expected an object" },
        { "/host/arch", "64", "/host/arch: expected a string" },
        { "/host/boot_time", "\"yesterday\"", "/host/boot_time: expected a UTC time" },
        { "/host/started_at", "\"2024-01-01\"", "/host/started_at: expected a UTC time" },
        { "/host/timezone", "0", "/host/timezone: expected a string" },
        { "/scan", "[]", "/scan: expected an object" },
        { "/scan", NULL, "/scan: expected an object" },
        { "/inventory", "{}", "/inventory: expected an array" },
        { "/inventory", NULL, "/inventory: expected an array" },
        { "/inventory/0", "\"x\"", "/inventory/0" },
        { "/inventory/1", "[]", "/inventory/1" },
        { "/inventory/0/name", "1", "/inventory/0/name: expected a string" },
        { "/inventory/0/name", "null", "/inventory/0/name: missing" },
        { "/inventory/0/name", NULL, "/inventory/0/name: missing" },
        { "/inventory/2/version", "2.5", "/inventory/2/version: expected a string" },
        { "/inventory/1/vendor", "{}", "/inventory/1/vendor: expected a string" },
        { "/inventory/1/enabled", "\"yes\"", "/inventory/1/enabled: expected true, false or null" },
        { "/inventory/1/enabled", "0", "/inventory/1/enabled" },
        { "/network", "null", "/network: expected an object" },
        { "/network", NULL, "/network: expected an object" },
        { "/network/collected", "1", "/network/collected: expected true or false" },
        { "/network/interfaces", "\"eth0\"", "/network/interfaces: expected an array" },
        { "/network/interfaces", NULL, "/network/interfaces: expected an array" },
        { "/network/interfaces/1/name", "2", "/network/interfaces/1/name: expected a string" },
        { "/network/interfaces/1/name", NULL, "/network/interfaces/1/name: missing" },
        { "/network/interfaces/1/index", "\"2\"",
          "/network/interfaces/1/index: expected an integer" },
        { "/network/interfaces/1/mtu", "1500.0", "/network/interfaces/1/mtu: expected an integer" },
        { "/network/interfaces/0/loopback", "\"true\"",
          "/network/interfaces/0/loopback: expected true or false" },
        { "/network/interfaces/0/addresses", "{}",
          "/network/interfaces/0/addresses: expected an array" },
        { "/network/default_routes", "1", "/network/default_routes: expected an array" },
        { "/network/listening", "{}", "/network/listening: expected an array" },
        { "/network/listening/0/port", "\"445\"",
          "/network/listening/0/port: expected an integer" },
        { "/network/listening/0/pid", "1.5", "/network/listening/0/pid: expected an integer" },
        { "/network/listening/0/process", "7", "/network/listening/0/process: expected a string" },
        { "/network/listening/0/address", "null", "/network/listening/0/address: missing" },
        { "/network/listening/2/uid", "\"root\"", "/network/listening/2/uid: expected an integer" },
        { "/network/services", "[]", "/network/services: expected an object" },
        { "/network/firewall", "true", "/network/firewall: expected an object" },
    };
    assert_int_equal(run_hostile(cases, sizeof cases / sizeof cases[0]), 0);
}

static void test_refused_values(void **state)
{
    (void)state;
    static const struct hostile cases[] = {
        /* Enumerations the bundle keeps as static strings. */
        { "/host/os/family", "\"plan9\"", "/host/os/family: not an allowed value" },
        { "/inventory/0/source", "\"apt\"", "/inventory/0/source: not an allowed value" },
        { "/inventory/0/source", "\"DPKG\"", "/inventory/0/source: not an allowed value" },
        { "/inventory/0/source", "\"\"", "/inventory/0/source: not an allowed value" },
        { "/inventory/0/source", "null", "/inventory/0/source: expected a string" },
        { "/inventory/0/source", NULL, "/inventory/0/source: expected a string" },
        { "/inventory/1/kind", "\"virus\"", "/inventory/1/kind: not an allowed value" },
        { "/inventory/1/kind", "3", "/inventory/1/kind: expected a string" },
        { "/network/interfaces/1/state", "\"sideways\"",
          "/network/interfaces/1/state: not an allowed value" },
        { "/network/listening/0/proto", "\"sctp\"",
          "/network/listening/0/proto: not an allowed value" },
        { "/network/listening/0/proto", NULL, "/network/listening/0/proto: expected a string" },
        /* Ports out of range. */
        { "/network/listening/0/port", "70000", "/network/listening/0/port: out of range" },
        { "/network/listening/0/port", "-1", "/network/listening/0/port: out of range" },
        /* Socket references of services must point at a listening socket. */
        { "/network/services/smb/sockets/0", "\"/network/listening/4\"",
          "socket reference out of range" },
        { "/network/services/smb/sockets/0", "\"/network/listening/99999999999999999999\"",
          "socket reference out of range" },
        { "/network/services/ssh/sockets/0", "\"/network/listening/-1\"",
          "socket reference out of range" },
        { "/network/services/ssh/sockets/0", "\"/network/interfaces/0\"",
          "socket reference out of range" },
        { "/network/services/rdp/sockets/0", "\"\"", "socket reference out of range" },
        { "/network/services/rdp/sockets/0", "1", "socket reference out of range" },
        { "/network/services/smb/min_protocol_basis", "\"guess\"",
          "min_protocol_basis: not an allowed value" },
        { "/network/services/smb/smb1_allowed", "\"no\"",
          "smb1_allowed: expected true, false or null" },
        /* A NUL character: C strings would cut the value, and ids would no longer match. */
        { "/bundle_id", "\"7d9c1f0e-3c2a-4b8e-9f1a-2b3c4d5e6f70\\u0000\"",
          "/bundle_id: expected a UUID" },
        { "/host/hostname", "\"pc\\u0000x\"", "/host/hostname: holds a NUL character" },
        { "/inventory/0/name", "\"\\u0000\"", "/inventory/0/name: holds a NUL character" },
        { "/network/firewall/evidence/0", "\"nft\\u0000\"",
          "/network/firewall/evidence/0: holds a NUL character" },
    };
    assert_int_equal(run_hostile(cases, sizeof cases / sizeof cases[0]), 0);
}

static void test_format_version(void **state)
{
    (void)state;
    struct tk_err err;
    assert_int_equal(read_modified("/format_version", "2", &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, NAME ": bundle format_version 2 is not one this tenken reads"));
    assert_int_equal(read_modified("/format_version", "0", &err), TK_EPARSE);
    assert_int_equal(read_modified("/format_version", "\"1\"", &err), TK_EPARSE);
    assert_int_equal(read_modified("/format_version", "1.0", &err), TK_EPARSE);
    assert_int_equal(read_modified("/format_version", NULL, &err), TK_EPARSE);
    assert_int_equal(read_modified("/format_version", "4294967297", &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "4294967297"));
    assert_int_equal(read_modified("/format_version", "1", &err), 0);
}

static void test_not_a_bundle(void **state)
{
    (void)state;
    static const char *const docs[] = { "[]",
                                        "[1,2]",
                                        "42",
                                        "\"tenken-bundle\"",
                                        "null",
                                        "true",
                                        "",
                                        " ",
                                        "{",
                                        "{\"format\":\"tenken-bundle\"",
                                        "{\"format\":\"tenken-bundle\",\"format_version\":1}",
                                        "\xef\xbb\xbf[]",
                                        "\xff\xfe{\0}",
                                        "{}" };
    struct tk_err err;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        size_t n = strlen(docs[i]);
        if (i == 12)
            n = 5;
        int rc = read_text(docs[i], n, &err);
        if (rc != TK_EPARSE)
            fail_msg("document %zu (%s): expected TK_EPARSE, got %d", i, docs[i], rc);
        assert_int_equal(strncmp(err.msg, NAME ":", strlen(NAME ":")), 0);
    }
    /* A syntax error names line and column. */
    assert_int_equal(read_text("{\n  \"format\": tenken\n}", 21, &err), TK_EPARSE);
    assert_int_equal(strncmp(err.msg, NAME ":2:", strlen(NAME ":2:")), 0);
}

static void test_huge_arrays_are_bounded(void **state)
{
    (void)state;
    struct tk_err err;
    struct tk_buf doc = TK_BUF_INIT((size_t)64 << 20);
    const char *inv = strstr(base_text, "\"inventory\":[");
    assert_non_null(inv);
    inv += strlen("\"inventory\":[");
    /* One inventory item past TK_BUNDLE_MAX_ITEMS: refused with TK_ELIMIT. */
    tk_buf_add(&doc, base_text, (size_t)(inv - base_text));
    for (size_t i = 0; i <= TK_BUNDLE_MAX_ITEMS; i++)
        tk_buf_adds(&doc, "{\"name\":\"p\",\"source\":\"dpkg\"},");
    tk_buf_adds(&doc, inv);
    assert_int_equal(read_text(doc.ptr, doc.len, &err), TK_ELIMIT);
    assert_non_null(strstr(err.msg, "too many inventory items"));

    /* Interfaces, addresses, routes and firewall evidence past their bounds are cut off, not
     * grown without limit. */
    json_t *root = json_loads(base_text, 0, NULL);
    json_t *net = json_object_get(root, "network");
    json_t *ifs = json_array(), *routes = json_array(), *ev = json_array(), *addrs = json_array();
    for (int i = 0; i < 5000; i++) {
        json_array_append_new(ifs,
                              json_pack("{s:s,s:i,s:[]}", "name", "x", "index", i, "addresses"));
        json_array_append_new(routes,
                              json_pack("{s:s,s:s}", "family", "inet", "gateway", "10.0.0.1"));
    }
    for (int i = 0; i < 70000; i++)
        json_array_append_new(addrs, json_pack("{s:s,s:i}", "address", "10.0.0.1", "prefix", 8));
    json_object_set_new(json_array_get(ifs, 0), "addresses", addrs);
    for (int i = 0; i < 1000; i++)
        json_array_append_new(ev, json_string("rule"));
    json_object_set_new(net, "interfaces", ifs);
    json_object_set_new(net, "default_routes", routes);
    /* Strings past their bounds are cut at a character's start: the host name at 255 bytes,
     * any other at TK_BUNDLE_STR_MAX (a hostile machine's would ride into every report). */
    struct tk_buf longs = TK_BUF_INIT(TK_BUNDLE_STR_MAX * 2 + 16);
    for (size_t i = 0; i < TK_BUNDLE_STR_MAX; i++) /* 2 bytes each: twice the bound */
        tk_buf_adds(&longs, "\xc3\xa9");
    json_object_set_new(json_object_get(root, "host"), "hostname", json_stringn(longs.ptr, 400));
    json_object_set_new(json_array_get(json_object_get(root, "inventory"), 0), "name",
                        json_stringn(longs.ptr, longs.len));
    tk_buf_release(&longs);
    json_object_set_new(json_object_get(net, "firewall"), "evidence", ev);
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct tk_bundle b;
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    int rc = tk_bundle_read_json(&b, text, strlen(text), NAME, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_true(b.net.nifaces <= 4096);
    assert_true(b.net.ifaces[0].naddrs <= 65536);
    assert_true(b.net.nroutes <= 4096);
    assert_true(b.net.firewall.nevidence <= 256);
    assert_int_equal(strlen(b.host.hostname), 254);
    assert_int_equal(strlen(b.items[0].name), TK_BUNDLE_STR_MAX);
    tk_bundle_release(&b);
    free(text);
    tk_buf_release(&doc);
}

/* ---- regressions -------------------------------------------------------------------------- */

static void test_pointer_names_nested_members(void **state)
{
    (void)state;
    /* Errors name the JSON pointer of the member at fault, also for nested members (host/kernel,
     * scan, interface addresses, routes, services, firewall) and for non-object array entries. */
    static const struct hostile cases[] = {
        { "/inventory/1", "7", "/inventory/1: expected an object" }, /* not ".../1/: " */
        { "/host/kernel/release", "1", "/host/kernel/release: expected a string" },
        { "/scan/live", "\"yes\"", "/scan/live: expected true or false" },
        { "/scan/root", "1", "/scan/root: expected a string" },
        { "/network/interfaces/1/addresses/0/address", "1",
          "/network/interfaces/1/addresses/0/address: expected a string" },
        { "/network/interfaces/1/addresses/2/scope", "\"galaxy\"",
          "/network/interfaces/1/addresses/2/scope: not an allowed value" },
        { "/network/default_routes/0/gateway", "1",
          "/network/default_routes/0/gateway: expected a string" },
        { "/network/default_routes/1/metric", "\"low\"",
          "/network/default_routes/1/metric: expected an integer" },
        { "/network/services/smb/product", "1",
          "/network/services/smb/product: expected a string" },
        { "/network/services/smb/sockets/0", "\"/network/listening/99\"",
          "/network/services/smb/sockets/0: socket reference out of range" },
        { "/network/firewall/loaded", "\"yes\"",
          "/network/firewall/loaded: expected true, false or null" },
    };
    assert_int_equal(run_hostile(cases, sizeof cases / sizeof cases[0]), 0);
}

static void test_nested_wrong_types_refused(void **state)
{
    (void)state;
    /* The reader accepts exactly what the writer produces: nested members of the wrong type are
     * refused, and a port beyond int range is refused rather than truncated (4294967376 is not
     * 80). */
    static const struct hostile cases[] = {
        { "/network/services/smb", "5", "/network/services/smb: expected an object" },
        { "/network/services/ssh/sockets", "\"/network/listening/3\"",
          "/network/services/ssh/sockets: expected an array" },
        { "/host/boot_time", "1700000000", "/host/boot_time: expected a UTC time" },
        { "/network/default_routes/0", "\"10.0.0.1\"",
          "/network/default_routes/0: expected an object" },
        { "/network/firewall/evidence/0", "5", "/network/firewall/evidence/0: expected a string" },
        { "/network/listening/0/port", "4294967376", "/network/listening/0/port: out of range" },
        { "/network/interfaces/1/addresses/0", "\"10.0.0.1\"",
          "/network/interfaces/1/addresses/0: expected an object" },
    };
    assert_int_equal(run_hostile(cases, sizeof cases / sizeof cases[0]), 0);
}

static void test_times_validated(void **state)
{
    (void)state;
    /* Times are "YYYY-MM-DDTHH:MM:SSZ" in range: an offset, a missing 'Z' or out-of-range fields
     * are refused rather than misread. */
    static const struct hostile cases[] = {
        { "/host/started_at", "\"2023-11-14T22:13:20+09:00\"",
          "/host/started_at: expected a UTC time" },
        { "/host/finished_at", "\"2023-11-14T22:13:20\"",
          "/host/finished_at: expected a UTC time" },
        { "/host/boot_time", "\"9999-99-99T99:99:99Z\"", "/host/boot_time: expected a UTC time" },
        { "/host/boot_time", "\"2024-13-01T00:00:00Z\"", "/host/boot_time: expected a UTC time" },
    };
    assert_int_equal(run_hostile(cases, sizeof cases / sizeof cases[0]), 0);
}

static void test_accepted_bundle_readable_once_written(void **state)
{
    (void)state;
    /* Found by fuzz_bundle: a time whose fields were out of range was accepted, written with a
     * five-digit year and then refused. Whatever the reader accepts must read back once
     * written. */
    json_t *root = json_loads(base_text, 0, NULL);
    assert_non_null(root);
    json_object_set_new(json_object_get(root, "host"), "boot_time",
                        json_string("9999-99-99T99:99:99Z"));
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct tk_bundle b, b2;
    struct tk_err err = { 0 };
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    int rc = tk_bundle_read_json(&b, text, strlen(text), NAME, &err);
    free(text);
    if (rc == 0) { /* accepted: it must read back once written */
        size_t n;
        char *again = write_json(&b, &n);
        assert_int_equal(tk_bundle_init(&b2, NULL), 0);
        rc = tk_bundle_read_json(&b2, again, n, NAME, &err);
        if (rc)
            print_message("# reader refuses what it accepted, once written: %s\n", err.msg);
        tk_bundle_release(&b2);
        free(again);
    }
    tk_bundle_release(&b);
    assert_int_equal(rc, TK_EPARSE); /* refused on the first read, never after a write */
    assert_non_null(strstr(err.msg, "/host/boot_time: expected a UTC time"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_of_empty_bundle),
        cmocka_unit_test(test_base_document_is_accepted),
        cmocka_unit_test(test_wrong_types_name_the_pointer),
        cmocka_unit_test(test_refused_values),
        cmocka_unit_test(test_format_version),
        cmocka_unit_test(test_not_a_bundle),
        cmocka_unit_test(test_huge_arrays_are_bounded),
        cmocka_unit_test(test_pointer_names_nested_members),
        cmocka_unit_test(test_nested_wrong_types_refused),
        cmocka_unit_test(test_times_validated),
        cmocka_unit_test(test_accepted_bundle_readable_once_written),
    };
    return cmocka_run_group_tests(tests, setup_base, teardown_base);
}
