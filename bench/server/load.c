/* load.c - the upload benchmark's client: ORGS x ENDPOINTS bundles made from templates
 * (placeholders @@BID@@, @@EID@@, @@HOST@@ replaced per endpoint), gzip-compressed before
 * the clock starts, then sent by CONCURRENCY parallel transfers (libcurl multi) as POSTs to
 * tenken's upload API or, with --put, as PUTs of the same bodies to a WebDAV location
 * (nginx writing them to disk: the ceiling). Prints one JSON line: requests, failures,
 * seconds, requests/s, p50/p99 latency. Built and run by bench/server/run. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

struct body {
    unsigned char *p;
    size_t n;
    int org;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    rewind(fp);
    char *p = malloc((size_t)len + 1);
    if (p && fread(p, 1, (size_t)len, fp) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(fp);
    if (p)
        p[len] = '\0', *n = (size_t)len;
    return p;
}

/* template with the three placeholders replaced */
static char *fill(const char *t, const char *bid, const char *eid, const char *host, size_t *n)
{
    size_t cap = strlen(t) + 256, len = 0;
    char *out = malloc(cap);
    const char *keys[3] = { "@@BID@@", "@@EID@@", "@@HOST@@" }, *vals[3] = { bid, eid, host };
    while (*t) {
        int k = -1;
        if (t[0] == '@' && t[1] == '@')
            for (int i = 0; i < 3; i++)
                if (strncmp(t, keys[i], strlen(keys[i])) == 0)
                    k = i;
        if (k >= 0) {
            size_t vl = strlen(vals[k]);
            memcpy(out + len, vals[k], vl);
            len += vl;
            t += strlen(keys[k]);
        } else {
            out[len++] = *t++;
        }
    }
    *n = len;
    return out;
}

static unsigned char *gz(const char *p, size_t n, size_t *out_n)
{
    z_stream z = { 0 };
    deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, n);
    unsigned char *out = malloc(cap);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
    (void)p, (void)ud;
    return s * n;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *tokens_path = NULL;
    int orgs = 30, endpoints = 500, conc = 32, put = 0, ntemplates = 0;
    char *templates[16];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--url") && i + 1 < argc) url = argv[++i];
        else if (!strcmp(argv[i], "--tokens") && i + 1 < argc) tokens_path = argv[++i];
        else if (!strcmp(argv[i], "--orgs") && i + 1 < argc) orgs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--endpoints") && i + 1 < argc) endpoints = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--concurrency") && i + 1 < argc) conc = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--put")) put = 1;
        else if (ntemplates < 16) {
            size_t n;
            if (!(templates[ntemplates++] = slurp(argv[i], &n))) {
                fprintf(stderr, "load: cannot read %s\n", argv[i]);
                return 2;
            }
        }
    }
    if (!url || !ntemplates || orgs < 1 || endpoints < 1 || conc < 1) {
        fprintf(stderr, "usage: load --url URL [--tokens FILE] [--orgs N] [--endpoints M] "
                        "[--concurrency C] [--put] TEMPLATE...\n");
        return 2;
    }
    char (*tokens)[128] = calloc((size_t)orgs, sizeof *tokens);
    if (tokens_path) {
        FILE *fp = fopen(tokens_path, "r");
        for (int o = 0; fp && o < orgs && fgets(tokens[o], sizeof tokens[o], fp); o++)
            tokens[o][strcspn(tokens[o], "\r\n")] = '\0';
        if (fp)
            fclose(fp);
    }
    size_t total = (size_t)orgs * (size_t)endpoints, bytes = 0;
    struct body *bodies = calloc(total, sizeof *bodies);
    for (size_t k = 0; k < total; k++) { /* interleaved: org k % orgs */
        int o = (int)(k % (size_t)orgs), e = (int)(k / (size_t)orgs);
        char bid[48], eid[40], host[40];
        snprintf(bid, sizeof bid, "00000000-0000-4000-8000-%04x%08x", (unsigned)o & 0xffffu,
                 (unsigned)e);
        snprintf(eid, sizeof eid, "%016x%016x", o + 1, e + 1);
        snprintf(host, sizeof host, "pc-%02d-%03d", o, e);
        size_t n;
        char *json = fill(templates[e % ntemplates], bid, eid, host, &n);
        bodies[k].p = gz(json, n, &bodies[k].n);
        bodies[k].org = o;
        bytes += bodies[k].n;
        free(json);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
    double *lat = calloc(total, sizeof *lat), *start = calloc(total, sizeof *start);
    struct curl_slist **hdrs = calloc(total, sizeof *hdrs);
    size_t next = 0, done = 0, failed = 0;
    int running = 0;
    double t0 = now();
    for (;;) {
        while (next < total && running < conc) {
            CURL *c = curl_easy_init();
            char u[512], auth[200];
            struct curl_slist *h = NULL;
            if (put) {
                snprintf(u, sizeof u, "%s/%zu.json.gz", url, next);
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
            } else {
                snprintf(u, sizeof u, "%s/api/v1/bundles", url);
                snprintf(auth, sizeof auth, "Authorization: Bearer %s", tokens[bodies[next].org]);
                h = curl_slist_append(h, auth);
            }
            h = curl_slist_append(h, "Content-Type: application/json");
            h = curl_slist_append(h, "Content-Encoding: gzip");
            h = curl_slist_append(h, "Expect:");
            hdrs[next] = h;
            curl_easy_setopt(c, CURLOPT_URL, u);
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, bodies[next].p);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodies[next].n);
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
            curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)next);
            start[next] = now();
            curl_multi_add_handle(m, c);
            next++;
            running++;
        }
        int still;
        curl_multi_perform(m, &still);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *c = msg->easy_handle;
            void *priv;
            long status = 0;
            curl_easy_getinfo(c, CURLINFO_PRIVATE, &priv);
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            size_t i = (size_t)priv;
            lat[i] = now() - start[i];
            if (msg->data.result != CURLE_OK || (status != 201 && status != 204))
                failed++;
            curl_multi_remove_handle(m, c);
            curl_easy_cleanup(c);
            curl_slist_free_all(hdrs[i]);
            free(bodies[i].p);
            done++;
            running--;
        }
        if (done == total)
            break;
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double secs = now() - t0;
    qsort(lat, total, sizeof *lat, cmpd);
    printf("{\"requests\":%zu,\"failed\":%zu,\"gzip_bytes\":%zu,\"seconds\":%.2f,"
           "\"rps\":%.1f,\"p50_ms\":%.1f,\"p99_ms\":%.1f}\n",
           total, failed, bytes, secs, total / secs, lat[total / 2] * 1000,
           lat[(size_t)(total * 0.99)] * 1000);
    curl_multi_cleanup(m);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
