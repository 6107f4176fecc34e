/* bundle_json.c - the bundle's JSON form. Field names and shapes here are the contract
 * described in docs/bundle.md and checked by docs/bundle.schema.json: change all three
 * together, and bump TK_BUNDLE_FORMAT_VERSION for anything a reader could trip over. */
#include "bundle/bundle_json.h"

#include <stdio.h>
#include <string.h>

#include "compat/sys.h"
#include "core/time.h"

static void ktime(struct tk_json *w, const char *key, int64_t t)
{
    char buf[32];
    tk_json_key(w, key);
    if (t < 0) {
        tk_json_null(w);
        return;
    }
    tk_time_iso8601(t, buf);
    tk_json_str(w, buf);
}

static void ktri(struct tk_json *w, const char *key, enum tk_tri v)
{
    tk_json_key(w, key);
    if (v == TK_UNKNOWN)
        tk_json_null(w);
    else
        tk_json_bool(w, v == TK_YES);
}

static void write_host(const struct tk_bundle *b, struct tk_json *w)
{
    const struct tk_host *h = &b->host;
    tk_json_key(w, "host");
    tk_json_obj_begin(w);
    tk_json_kstr(w, "hostname", h->hostname);
    tk_json_kstr(w, "endpoint_id", h->endpoint_id);
    tk_json_key(w, "os");
    tk_json_obj_begin(w);
    tk_json_kstr(w, "family", h->os_family);
    tk_json_kstr(w, "id", h->os_id);
    tk_json_kstr(w, "version_id", h->os_version_id);
    tk_json_kstr(w, "name", h->os_name);
    tk_json_kstr_opt(w, "codename", h->os_codename);
    tk_json_obj_end(w);
    tk_json_key(w, "kernel");
    tk_json_obj_begin(w);
    tk_json_kstr(w, "release", h->kernel_release);
    tk_json_kstr(w, "version", h->kernel_version);
    tk_json_obj_end(w);
    tk_json_kstr(w, "arch", h->arch);
    ktime(w, "boot_time", h->boot_time);
    tk_json_kstr(w, "timezone", h->timezone);
    if (h->nupdates)
        tk_json_kstrs(w, "updates", h->updates, h->nupdates);
    tk_json_kstr(w, "collector_version", h->collector_version);
    ktime(w, "started_at", h->started);
    ktime(w, "finished_at", h->finished);
    tk_json_obj_end(w);
}

static void write_scan(const struct tk_bundle *b, struct tk_json *w)
{
    tk_json_key(w, "scan");
    tk_json_obj_begin(w);
    tk_json_kstr(w, "root", b->scan.root);
    tk_json_kbool(w, "live", b->scan.live);
    tk_json_kbool(w, "privileged", b->scan.privileged);
    tk_json_kbool(w, "users_complete", b->scan.users_complete);
    tk_json_key(w, "collectors");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < b->nstats; i++) {
        const struct tk_collector_stat *s = &b->stats[i];
        tk_json_obj_begin(w);
        tk_json_kstr(w, "name", s->name);
        tk_json_kint(w, "items", (int64_t)s->items);
        tk_json_kint(w, "errors", (int64_t)s->errors);
        tk_json_key(w, "seconds");
        tk_json_double(w, (double)(int64_t)(s->seconds * 1000 + 0.5) / 1000);
        tk_json_kstr_opt(w, "note", s->note);
        tk_json_obj_end(w);
    }
    tk_json_arr_end(w);
    tk_json_obj_end(w);
}

static void write_item(const struct tk_item *it, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "name", it->name);
    tk_json_kstr(w, "version", it->version);
    tk_json_kstr(w, "source", it->source);
    tk_json_kstr_opt(w, "kind", it->kind);
    tk_json_kstr_opt(w, "vendor", it->vendor);
    tk_json_kstr_opt(w, "path", it->path);
    tk_json_kstr_opt(w, "user", it->user);
    tk_json_kstr_opt(w, "arch", it->arch);
    tk_json_kstr_opt(w, "id", it->id);
    tk_json_kstr_opt(w, "status", it->status);
    tk_json_kstr_opt(w, "source_package", it->source_package);
    tk_json_kstr_opt(w, "source_version", it->source_version);
    tk_json_kstr_opt(w, "browser", it->browser);
    tk_json_kstr_opt(w, "profile", it->profile);
    if (it->enabled != TK_UNKNOWN)
        tk_json_kbool(w, "enabled", it->enabled == TK_YES);
    tk_json_kstr_opt(w, "version_from", it->version_from);
    tk_json_obj_end(w);
}

static void write_interfaces(const struct tk_network *n, struct tk_json *w)
{
    tk_json_key(w, "interfaces");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < n->nifaces; i++) {
        const struct tk_iface *f = &n->ifaces[i];
        tk_json_obj_begin(w);
        tk_json_kstr(w, "name", f->name);
        tk_json_kint(w, "index", f->index);
        tk_json_kstr_opt(w, "mac", f->mac);
        tk_json_kstr(w, "state", f->state ? f->state : "unknown");
        tk_json_kint_opt(w, "mtu", f->mtu > 0 ? f->mtu : -1);
        tk_json_kbool(w, "loopback", f->loopback);
        tk_json_key(w, "addresses");
        tk_json_arr_begin(w);
        for (size_t k = 0; k < f->naddrs; k++) {
            const struct tk_addr *a = &f->addrs[k];
            tk_json_obj_begin(w);
            tk_json_kstr(w, "address", a->address);
            tk_json_kint(w, "prefix", a->prefix);
            tk_json_kstr(w, "family", a->family == 6 ? "inet6" : "inet");
            tk_json_kstr(w, "class", a->class);
            tk_json_kstr_opt(w, "scope", a->scope);
            if (a->temporary)
                tk_json_kbool(w, "temporary", true);
            if (a->deprecated)
                tk_json_kbool(w, "deprecated", true);
            if (a->tentative)
                tk_json_kbool(w, "tentative", true);
            tk_json_obj_end(w);
        }
        tk_json_arr_end(w);
        tk_json_obj_end(w);
    }
    tk_json_arr_end(w);
}

static void write_service(const struct tk_service *s, struct tk_json *w)
{
    char ref[64];
    tk_json_key(w, s->name);
    tk_json_obj_begin(w);
    tk_json_kstr_opt(w, "product", s->product);
    tk_json_kbool(w, "installed", s->installed);
    tk_json_kbool(w, "listening", s->nsockets > 0);
    tk_json_key(w, "sockets");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < s->nsockets; i++) {
        snprintf(ref, sizeof ref, "/network/listening/%zu", s->sockets[i]);
        tk_json_str(w, ref);
    }
    tk_json_arr_end(w);
    tk_json_kstr_opt(w, "config", s->config);
    if (s->min_protocol || s->smb1_allowed != TK_UNKNOWN || s->min_protocol_basis) {
        tk_json_kstr_opt(w, "min_protocol", s->min_protocol);
        tk_json_kstr_opt(w, "min_protocol_basis", s->min_protocol_basis);
        ktri(w, "smb1_allowed", s->smb1_allowed);
    }
    if (s->password_authentication != TK_UNKNOWN || s->permit_root_login) {
        ktri(w, "password_authentication", s->password_authentication);
        tk_json_kstr_opt(w, "permit_root_login", s->permit_root_login);
    }
    if (s->enabled != TK_UNKNOWN || s->nla_required != TK_UNKNOWN || s->port > 0) {
        ktri(w, "enabled", s->enabled);
        ktri(w, "nla_required", s->nla_required);
        if (s->port > 0)
            tk_json_kint(w, "port", s->port);
    }
    tk_json_obj_end(w);
}

static void write_network(const struct tk_bundle *b, struct tk_json *w)
{
    const struct tk_network *n = &b->net;
    tk_json_key(w, "network");
    tk_json_obj_begin(w);
    tk_json_kbool(w, "collected", n->collected);
    write_interfaces(n, w);
    tk_json_key(w, "default_routes");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < n->nroutes; i++) {
        const struct tk_route *r = &n->routes[i];
        tk_json_obj_begin(w);
        tk_json_kstr(w, "family", r->family == 6 ? "inet6" : "inet");
        tk_json_kstr(w, "gateway", r->gateway);
        tk_json_kstr(w, "interface", r->iface);
        tk_json_kint(w, "metric", r->metric);
        tk_json_obj_end(w);
    }
    tk_json_arr_end(w);
    tk_json_key(w, "listening");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < n->nsocks; i++) {
        const struct tk_sock *s = &n->socks[i];
        tk_json_obj_begin(w);
        tk_json_kstr(w, "proto", s->proto);
        tk_json_kstr(w, "family", s->family == 6 ? "inet6" : "inet");
        tk_json_kstr(w, "address", s->address);
        tk_json_kint(w, "port", s->port);
        tk_json_key(w, "pid");
        if (s->pid >= 0)
            tk_json_int(w, s->pid);
        else
            tk_json_null(w);
        tk_json_kstr(w, "process", s->process);
        tk_json_key(w, "uid"); /* Windows sockets have no uid */
        if (s->uid >= 0)
            tk_json_int(w, s->uid);
        else
            tk_json_null(w);
        tk_json_obj_end(w);
    }
    tk_json_arr_end(w);
    tk_json_key(w, "services");
    tk_json_obj_begin(w);
    for (size_t i = 0; i < n->nservices; i++)
        write_service(&n->services[i], w);
    tk_json_obj_end(w);
    tk_json_key(w, "firewall");
    tk_json_obj_begin(w);
    ktri(w, "loaded", n->firewall.loaded);
    tk_json_kstrs(w, "evidence", n->firewall.evidence, n->firewall.nevidence);
    tk_json_obj_end(w);
    tk_json_obj_end(w);
}

static void kscore(struct tk_json *w, const char *key, double score, const char *vector,
                   const char *severity)
{
    if (score < 0)
        return;
    tk_json_key(w, key);
    tk_json_obj_begin(w);
    tk_json_key(w, "score");
    tk_json_double(w, score);
    tk_json_kstr_opt(w, "vector", vector);
    tk_json_kstr_opt(w, "severity", severity);
    tk_json_obj_end(w);
}

static void write_cve(const struct tk_vuln_cve *c, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "cve", c->cve);
    tk_json_kstr(w, "basis", c->basis);
    tk_json_kstr_opt(w, "rule", c->rule);
    tk_json_kstr_opt(w, "title", c->title);
    tk_json_kstr(w, "confidence", c->confidence);
    if (c->possible)
        tk_json_kbool(w, "possible", true);
    tk_json_kstr(w, "severity", tk_severity_name(c->severity));
    kscore(w, "cvss3", c->cvss3, c->cvss3_vector, c->cvss3_severity);
    kscore(w, "cvss4", c->cvss4, c->cvss4_vector, c->cvss4_severity);
    tk_json_kstr_opt(w, "cwe", c->cwe);
    if (c->kev_added) {
        tk_json_key(w, "kev");
        tk_json_obj_begin(w);
        tk_json_kstr(w, "date_added", c->kev_added);
        tk_json_kstr_opt(w, "due_date", c->kev_due);
        tk_json_kstr_opt(w, "ransomware", c->kev_ransomware);
        tk_json_kstr_opt(w, "name", c->kev_name);
        tk_json_obj_end(w);
    }
    if (c->epss >= 0) {
        tk_json_key(w, "epss");
        tk_json_obj_begin(w);
        tk_json_key(w, "score");
        tk_json_double(w, c->epss);
        tk_json_key(w, "percentile");
        tk_json_double(w, c->epss_percentile);
        tk_json_obj_end(w);
    }
    if (c->nfixed)
        tk_json_kstrs(w, "fixed", c->fixed, c->nfixed);
    tk_json_kstr_opt(w, "update_to", c->update_to);
    if (c->jvn_id) {
        tk_json_key(w, "jvn");
        tk_json_obj_begin(w);
        tk_json_kstr(w, "id", c->jvn_id);
        tk_json_kstr_opt(w, "title", c->jvn_title);
        tk_json_obj_end(w);
    }
    if (c->nsources)
        tk_json_kstrs(w, "sources", c->sources, c->nsources);
    tk_json_obj_end(w);
}

static void write_vuln(const struct tk_vuln_info *v, struct tk_json *w)
{
    tk_json_key(w, "vulnerability");
    tk_json_obj_begin(w);
    tk_json_key(w, "product");
    tk_json_obj_begin(w);
    tk_json_kstr_opt(w, "id", v->product_id);
    tk_json_kstr(w, "name", v->product_name);
    tk_json_kstr_opt(w, "kind", v->product_kind);
    tk_json_obj_end(w);
    tk_json_kstr(w, "version", v->version);
    tk_json_kstr_opt(w, "compared", v->compared);
    tk_json_kstr_opt(w, "update_to", v->update_to);
    tk_json_kstr_opt(w, "latest", v->latest);
    tk_json_kstr_opt(w, "eol", v->eol);
    if (v->ncves) {
        tk_json_key(w, "counts");
        tk_json_obj_begin(w);
        tk_json_kint(w, "cves", (int64_t)v->ncves);
        tk_json_kint(w, "kev", (int64_t)v->nkev);
        tk_json_kint(w, "possible", (int64_t)v->npossible);
        tk_json_obj_end(w);
        if (v->epss_model || v->epss_date) {
            tk_json_key(w, "epss_model");
            tk_json_obj_begin(w);
            tk_json_kstr_opt(w, "version", v->epss_model);
            tk_json_kstr_opt(w, "date", v->epss_date);
            tk_json_obj_end(w);
        }
        tk_json_key(w, "cves");
        tk_json_arr_begin(w);
        for (size_t i = 0; i < v->ncves; i++)
            write_cve(v->cves[i], w);
        tk_json_arr_end(w);
    }
    tk_json_obj_end(w);
}

void tk_bundle_write_findings(const struct tk_bundle *b, struct tk_json *w)
{
    tk_json_key(w, "findings");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < b->nfindings; i++) {
        const struct tk_finding *f = &b->findings[i];
        tk_json_obj_begin(w);
        tk_json_kstr(w, "id", f->id);
        tk_json_kstr(w, "severity", tk_severity_name(f->severity));
        tk_json_kstr(w, "category", f->category);
        tk_json_kstr(w, "confidence", f->confidence);
        tk_json_key(w, "title");
        tk_json_obj_begin(w);
        tk_json_kstr(w, "en", f->title_en);
        tk_json_kstr(w, "ja", f->title_ja);
        tk_json_obj_end(w);
        tk_json_key(w, "remediation");
        tk_json_obj_begin(w);
        tk_json_kstr(w, "en", f->remediation_en);
        tk_json_kstr(w, "ja", f->remediation_ja);
        tk_json_obj_end(w);
        tk_json_key(w, "evidence");
        tk_json_arr_begin(w);
        for (size_t k = 0; k < f->nevidence; k++) {
            tk_json_obj_begin(w);
            tk_json_kstr_opt(w, "ref", f->evidence[k].ref);
            tk_json_kstr(w, "text", f->evidence[k].text);
            tk_json_obj_end(w);
        }
        tk_json_arr_end(w);
        if (f->vuln)
            write_vuln(f->vuln, w);
        tk_json_obj_end(w);
    }
    tk_json_arr_end(w);
}

static void kint_opt(struct tk_json *w, const char *key, int64_t v)
{
    if (v >= 0)
        tk_json_kint(w, key, v);
}

static void write_detect_info(const struct tk_detect_info *d, struct tk_json *w)
{
    tk_json_key(w, "detect");
    tk_json_obj_begin(w);
    tk_json_kbool(w, "disk", d->disk);
    tk_json_kbool(w, "memory", d->memory);
    tk_json_kbool(w, "traces", d->traces);
    tk_json_kstr_opt(w, "profile", d->profile);
    tk_json_kstrs(w, "paths", d->paths, d->npaths);
    tk_json_kint(w, "rules", (int64_t)d->rules);
    tk_json_kstr_opt(w, "rules_hash", d->rules_hash);
    tk_json_key(w, "iocs");
    tk_json_obj_begin(w);
    tk_json_kint(w, "hashes", (int64_t)d->ioc_hashes);
    tk_json_kint(w, "filenames", (int64_t)d->ioc_filenames);
    tk_json_kint(w, "c2", (int64_t)d->ioc_c2);
    tk_json_obj_end(w);
    tk_json_kint(w, "files", (int64_t)d->files);
    tk_json_kint(w, "bytes", (int64_t)d->bytes);
    tk_json_kint(w, "cached", (int64_t)d->cached);
    tk_json_key(w, "skipped");
    tk_json_obj_begin(w);
    tk_json_kint(w, "too_large", (int64_t)d->too_large);
    tk_json_kint(w, "special", (int64_t)d->special);
    tk_json_kint(w, "excluded", (int64_t)d->excluded);
    tk_json_kint(w, "other_fs", (int64_t)d->other_fs);
    tk_json_kint(w, "errors", (int64_t)d->errors);
    tk_json_kint(w, "timeouts", (int64_t)d->timeouts);
    tk_json_obj_end(w);
    tk_json_kint(w, "processes", (int64_t)d->processes);
    tk_json_kint(w, "process_bytes", (int64_t)d->process_bytes);
    tk_json_kint(w, "processes_skipped", (int64_t)d->processes_skipped);
    tk_json_kint(w, "threads", d->threads);
    tk_json_key(w, "seconds");
    tk_json_double(w, (double)(int64_t)(d->seconds * 1000 + 0.5) / 1000);
    tk_json_obj_end(w);
}

static void write_reason(const struct tk_reason *r, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "type", r->type);
    tk_json_kstr_opt(w, "rule", r->rule);
    tk_json_kstr_opt(w, "namespace", r->ns);
    if (r->tags) {
        tk_json_key(w, "tags");
        tk_json_arr_begin(w);
        for (const char *p = r->tags; *p;) {
            const char *e = strchr(p, ' ');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n)
                tk_json_strn(w, p, n);
            p += n + (e != NULL);
        }
        tk_json_arr_end(w);
    }
    tk_json_kstr_opt(w, "ioc", r->ioc);
    tk_json_kstr_opt(w, "source", r->source);
    tk_json_kstr_opt(w, "description", r->description);
    tk_json_kstr_opt(w, "author", r->author);
    tk_json_kstr_opt(w, "reference", r->reference);
    tk_json_kint(w, "score", r->score);
    if (r->nstrings || r->total_strings) {
        tk_json_key(w, "strings");
        tk_json_arr_begin(w);
        for (size_t i = 0; i < r->nstrings; i++) {
            const struct tk_match_ref *m = &r->strings[i];
            tk_json_obj_begin(w);
            tk_json_kstr(w, "id", m->id);
            tk_json_key(w, "offset");
            tk_json_uint(w, m->offset);
            tk_json_kint(w, "length", m->length);
            tk_json_kstr(w, "hex", m->hex);
            tk_json_obj_end(w);
        }
        tk_json_arr_end(w);
        tk_json_kint(w, "strings_total", (int64_t)r->total_strings);
    }
    tk_json_obj_end(w);
}

void tk_bundle_write_detection(const struct tk_detection *d, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "kind", d->kind);
    tk_json_kstr_opt(w, "path", d->path);
    kint_opt(w, "pid", d->pid);
    tk_json_kstr_opt(w, "process", d->process);
    tk_json_kstr_opt(w, "cmdline", d->cmdline);
    tk_json_kstr_opt(w, "user", d->user);
    tk_json_kstr_opt(w, "remote", d->remote);
    kint_opt(w, "size", d->size);
    tk_json_kstr_opt(w, "owner", d->owner);
    tk_json_kstr_opt(w, "group", d->group);
    if (d->mode >= 0) {
        char mode[16];
        snprintf(mode, sizeof mode, "%04o", (unsigned)(d->mode & 07777));
        tk_json_kstr(w, "mode", mode);
    }
    if (d->mtime >= 0)
        ktime(w, "mtime", d->mtime);
    if (d->ctime >= 0)
        ktime(w, "ctime", d->ctime);
    if (d->md5 || d->sha1 || d->sha256) {
        tk_json_key(w, "hashes");
        tk_json_obj_begin(w);
        tk_json_kstr_opt(w, "md5", d->md5);
        tk_json_kstr_opt(w, "sha1", d->sha1);
        tk_json_kstr_opt(w, "sha256", d->sha256);
        tk_json_obj_end(w);
    }
    tk_json_kstr_opt(w, "filetype", d->filetype);
    tk_json_key(w, "score");
    tk_json_double(w, (double)(int64_t)(d->score * 100 + 0.5) / 100);
    tk_json_kstr(w, "level", d->level);
    tk_json_key(w, "reasons");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < d->nreasons; i++)
        write_reason(&d->reasons[i], w);
    tk_json_arr_end(w);
    tk_json_obj_end(w);
}

void tk_bundle_write_trace(const struct tk_trace *t, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "kind", t->kind);
    tk_json_kstr_opt(w, "path", t->path);
    kint_opt(w, "line", t->line);
    kint_opt(w, "pid", t->pid);
    tk_json_kstr_opt(w, "process", t->process);
    tk_json_kstr_opt(w, "user", t->user);
    tk_json_kstr_opt(w, "text", t->text);
    tk_json_kstr_opt(w, "why", t->why);
    tk_json_obj_end(w);
}

static void write_detections(const struct tk_bundle *b, struct tk_json *w)
{
    if (!b->detect.ran)
        return;
    write_detect_info(&b->detect, w);
    tk_json_key(w, "detections");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < b->ndetections; i++)
        tk_bundle_write_detection(&b->detections[i], w);
    tk_json_arr_end(w);
    tk_json_key(w, "traces");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < b->ntraces; i++)
        tk_bundle_write_trace(&b->traces[i], w);
    tk_json_arr_end(w);
}

static void write_errors(const struct tk_bundle *b, struct tk_json *w)
{
    tk_json_key(w, "errors");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < b->nerrors; i++) {
        const struct tk_bundle_error *e = &b->errors[i];
        tk_json_obj_begin(w);
        tk_json_kstr(w, "collector", e->collector);
        tk_json_kstr(w, "path", e->path);
        tk_json_kstr(w, "kind", e->kind);
        tk_json_kstr(w, "message", e->message);
        tk_json_obj_end(w);
    }
    tk_json_arr_end(w);
}

int tk_bundle_write_json(const struct tk_bundle *b, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "format", TK_BUNDLE_FORMAT);
    tk_json_kint(w, "format_version", TK_BUNDLE_FORMAT_VERSION);
    tk_json_kstr(w, "bundle_id", b->bundle_id);
    write_host(b, w);
    write_scan(b, w);
    tk_json_key(w, "inventory");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < b->nitems; i++)
        write_item(&b->items[i], w);
    tk_json_arr_end(w);
    write_network(b, w);
    if (b->antivirus.product || b->antivirus.nevidence) {
        tk_json_key(w, "antivirus");
        tk_json_obj_begin(w);
        tk_json_kstr(w, "product", b->antivirus.product);
        ktri(w, "active", b->antivirus.loaded);
        tk_json_kstrs(w, "evidence", b->antivirus.evidence, b->antivirus.nevidence);
        tk_json_obj_end(w);
    }
    write_detections(b, w);
    tk_json_key(w, "analysis");
    tk_json_obj_begin(w);
    tk_json_kstr(w, "kb", b->analysis.kb);
    tk_json_kstr(w, "kb_date", b->analysis.kb_date);
    ktime(w, "analyzed_at", b->analysis.analyzed_at > 0 ? b->analysis.analyzed_at : -1);
    tk_json_obj_end(w);
    tk_bundle_write_findings(b, w);
    write_errors(b, w);
    tk_json_key(w, "dropped");
    tk_json_obj_begin(w);
    tk_json_kint(w, "inventory", (int64_t)b->items_dropped);
    tk_json_kint(w, "errors", (int64_t)b->errors_dropped);
    if (b->detect.ran) {
        tk_json_kint(w, "detections", (int64_t)b->detections_dropped);
        tk_json_kint(w, "traces", (int64_t)b->traces_dropped);
    }
    tk_json_obj_end(w);
    tk_json_obj_end(w);
    return tk_json_finish(w);
}

int tk_bundle_write_file(const struct tk_bundle *b, const char *path, struct tk_err *err)
{
    struct tk_atomic_file af;
    int rc = tk_atomic_open(&af, path, err);
    if (rc)
        return rc;
    struct tk_json w;
    tk_json_init_file(&w, af.fp, TK_JSON_PRETTY);
    rc = tk_bundle_write_json(b, &w);
    if (rc == 0 && fputc('\n', af.fp) == EOF)
        rc = TK_EIO;
    if (rc) {
        tk_atomic_abort(&af);
        return tk_err_set(err, rc, "%s: cannot write the bundle (%s)", path, tk_err_name(rc));
    }
    return tk_atomic_commit(&af, err);
}
