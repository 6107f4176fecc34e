/* http_win.c - one HTTP POST attempt with WinHTTP (see http.h): the transport of the
 * Windows build, where libcurl is not shipped. TLS certificates and host names are verified
 * by Windows against its certificate store, and no SECURITY_FLAG_IGNORE_* is ever set, so a
 * certificate that cannot be verified fails the attempt.
 *
 * An extra CA file (http.h's ca) is refused with TK_EUNSUPP: WinHTTP only trusts the store,
 * and checking the server's certificate against a file ourselves would mean turning
 * verification off and looking at the certificate once the request (with its bearer token)
 * is already on its way. A private CA is installed in the store instead, e.g.
 * `certutil -addstore Root ca.pem` (machine) or `certutil -user -addstore Root ca.pem`. */
#include "net/http.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <windows.h>
#include <winhttp.h>

#include "core/alloc.h"

#define CHUNK 65536

/* What a failed call's error code means for the caller: retry or not, and in words. */
static const struct {
    DWORD code;
    int tk;
    const char *what;
} errors[] = {
    { ERROR_WINHTTP_CANNOT_CONNECT, TK_EIO, "cannot connect to the server" },
    { ERROR_WINHTTP_CONNECTION_ERROR, TK_EIO, "the connection was reset or closed" },
    { ERROR_WINHTTP_TIMEOUT, TK_EIO, "the server did not answer in time" },
    { ERROR_WINHTTP_NAME_NOT_RESOLVED, TK_EIO, "the server's name could not be resolved" },
    { ERROR_WINHTTP_INVALID_SERVER_RESPONSE, TK_EIO, "the server's answer is not valid HTTP" },
    /* socket errors, as some WinHTTPs (Wine's) pass them on */
    { WSAETIMEDOUT, TK_EIO, "the server did not answer in time" },
    { WSAECONNREFUSED, TK_EIO, "cannot connect to the server" },
    { WSAECONNRESET, TK_EIO, "the connection was reset or closed" },
    { WSAECONNABORTED, TK_EIO, "the connection was reset or closed" },
    { ERROR_WINHTTP_INVALID_URL, TK_EINVAL, "not a valid URL" },
    { ERROR_WINHTTP_UNRECOGNIZED_SCHEME, TK_EINVAL, "only http:// and https:// are supported" },
    { ERROR_WINHTTP_INVALID_HEADER, TK_EINVAL, "a request header is not valid" },
    { ERROR_WINHTTP_SECURE_FAILURE, TK_EINVAL, "the server's certificate could not be verified" },
    /* A handshake another attempt will not mend (TLS versions or ciphers in common, a plain
     * HTTP port); some WinHTTPs (Wine's) also report an unverifiable certificate this way. */
    { ERROR_WINHTTP_SECURE_CHANNEL_ERROR, TK_EINVAL,
      "the TLS handshake failed, or the server's certificate could not be verified" },
    { ERROR_WINHTTP_SECURE_INVALID_CA, TK_EINVAL,
      "the server's certificate is not issued by a CA in the Windows certificate store" },
    { ERROR_WINHTTP_SECURE_CERT_CN_INVALID, TK_EINVAL,
      "the server's certificate is not for this host name" },
    { ERROR_WINHTTP_SECURE_CERT_DATE_INVALID, TK_EINVAL,
      "the server's certificate has expired or is not yet valid" },
    { ERROR_WINHTTP_SECURE_CERT_REVOKED, TK_EINVAL, "the server's certificate is revoked" },
    { ERROR_WINHTTP_SECURE_CERT_REV_FAILED, TK_EINVAL,
      "the server's certificate could not be checked for revocation" },
    { ERROR_WINHTTP_SECURE_INVALID_CERT, TK_EINVAL, "the server's certificate is not valid" },
    { ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE, TK_EINVAL,
      "the server's certificate is not meant for TLS servers" },
    { ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED, TK_EINVAL, "the server wants a client certificate" },
    { ERROR_NOT_ENOUGH_MEMORY, TK_ENOMEM, "out of memory" },
    { ERROR_OUTOFMEMORY, TK_ENOMEM, "out of memory" },
};

/* Why the certificate failed, as WINHTTP_CALLBACK_STATUS_SECURE_FAILURE reports it (more
 * precise than ERROR_WINHTTP_SECURE_FAILURE); first match wins. */
static const struct {
    DWORD flag;
    DWORD code;
} cert_flags[] = {
    { WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA, ERROR_WINHTTP_SECURE_INVALID_CA },
    { WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID, ERROR_WINHTTP_SECURE_CERT_CN_INVALID },
    { WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID, ERROR_WINHTTP_SECURE_CERT_DATE_INVALID },
    { WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED, ERROR_WINHTTP_SECURE_CERT_REVOKED },
    { WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED, ERROR_WINHTTP_SECURE_CERT_REV_FAILED },
    { WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE, ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE },
    { WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT, ERROR_WINHTTP_SECURE_INVALID_CERT },
};

struct attempt {
    const struct tk_http_request *rq;
    ULONGLONG deadline; /* GetTickCount64() */
    DWORD cert_failure; /* WINHTTP_CALLBACK_STATUS_FLAG_*, from the status callback */
};

static int fail(struct attempt *at, DWORD code, const char *step, struct tk_err *err)
{
    if (code == ERROR_WINHTTP_SECURE_FAILURE)
        for (size_t i = 0; i < sizeof cert_flags / sizeof cert_flags[0]; i++)
            if (at->cert_failure & cert_flags[i].flag) {
                code = cert_flags[i].code;
                break;
            }
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == code)
            return tk_err_set(err, errors[i].tk, "%s: %s", at->rq->url, errors[i].what);
    return tk_err_set(err, TK_EIO, "%s: %s failed (WinHTTP error %lu)", at->rq->url, step,
                      (unsigned long)code);
}

static void CALLBACK on_status(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info,
                               DWORD len)
{
    (void)h;
    struct attempt *at = (struct attempt *)ctx;
    if (at && status == WINHTTP_CALLBACK_STATUS_SECURE_FAILURE && info && len >= sizeof(DWORD))
        at->cert_failure |= *(const DWORD *)info;
}

/* n bytes of UTF-8 as a NUL-terminated UTF-16 string; caller frees with tk_free. NULL when
 * the text is not UTF-8 or memory runs out. */
static wchar_t *wide(const char *s, size_t n)
{
    if (n > INT_MAX - 1)
        return NULL;
    int k = n ? MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, NULL, 0) : 0;
    if (n && k <= 0)
        return NULL;
    wchar_t *w = tk_malloc(((size_t)k + 1) * sizeof *w);
    if (w && k)
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, w, k);
    if (w)
        w[k] = L'\0';
    return w;
}

/* Milliseconds left of the attempt, at least 1 (0 means "no limit" to WinHTTP). */
static int left_ms(const struct attempt *at)
{
    ULONGLONG now = GetTickCount64();
    return now >= at->deadline ? 1 : (int)(at->deadline - now);
}

static bool expired(const struct attempt *at)
{
    return GetTickCount64() >= at->deadline;
}

/* WinHTTP's timeouts are per operation, and waiting for the answer's headers has one of its
 * own (unlimited in some WinHTTPs): before each step, all of them become what is left. */
static void limit(const struct attempt *at, HINTERNET req, int connect_ms)
{
    DWORD ms = (DWORD)left_ms(at);
    WinHttpSetTimeouts(req, connect_ms, connect_ms, (int)ms, (int)ms);
    WinHttpSetOption(req, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, &ms, sizeof ms);
}

/* The headers as one "Name: value\r\n" block for WinHttpAddRequestHeaders. A line break in a
 * name or value would smuggle in another header: refused. */
static int header_block(const struct tk_http_request *rq, struct tk_buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < rq->nheaders && !rc; i++) {
        const struct tk_http_header *h = &rq->headers[i];
        if (strpbrk(h->name, "\r\n:") || strpbrk(h->value, "\r\n"))
            return TK_EINVAL;
        rc = tk_buf_addf(out, "%s: %s\r\n", h->name, h->value);
    }
    return rc;
}

/* Options every request gets: never follow a redirect (the token goes to no other server),
 * keep no cookies, answer no authentication challenge (with the user's Windows logon or
 * anything else): what libcurl does by default. */
static bool harden(HINTERNET req)
{
    DWORD off = WINHTTP_DISABLE_REDIRECTS | WINHTTP_DISABLE_COOKIES |
                WINHTTP_DISABLE_AUTHENTICATION;
    DWORD never = WINHTTP_OPTION_REDIRECT_POLICY_NEVER;
    DWORD high = WINHTTP_AUTOLOGON_SECURITY_LEVEL_HIGH;
    if (!WinHttpSetOption(req, WINHTTP_OPTION_DISABLE_FEATURE, &off, sizeof off))
        return false;
    /* Both only restate what DISABLE_FEATURE already does; not every WinHTTP has them. */
    WinHttpSetOption(req, WINHTTP_OPTION_REDIRECT_POLICY, &never, sizeof never);
    WinHttpSetOption(req, WINHTTP_OPTION_AUTOLOGON_POLICY, &high, sizeof high);
    return true;
}

int tk_http_post(const struct tk_http_request *rq, struct tk_http_answer *ans,
                 struct tk_err *err)
{
    struct attempt at = { rq, 0, 0 };
    struct tk_buf hdrs = TK_BUF_INIT(1 << 16);
    wchar_t *wurl = NULL, *host = NULL, *path = NULL, *agent = NULL, *whdrs = NULL;
    HINTERNET session = NULL, conn = NULL, req = NULL;
    int rc = 0;
    ans->status = 0;
    int timeout_ms = (rq->timeout_s > 0 ? rq->timeout_s : 120) * 1000;
    int connect_ms = (rq->connect_timeout_s > 0 ? rq->connect_timeout_s : 20) * 1000;
    at.deadline = GetTickCount64() + (ULONGLONG)timeout_ms;
    if (rq->ca) {
        rc = tk_err_set(err, TK_EUNSUPP,
                        "%s: an extra CA file (%s) cannot be used on Windows: add the CA "
                        "certificate to the Windows certificate store (Trusted Root "
                        "Certification Authorities) instead",
                        rq->url, rq->ca);
        goto done;
    }
    if (rq->len > 0xFFFFFFFFu) {
        rc = tk_err_set(err, TK_EINVAL, "%s: the body is larger than WinHTTP can send (4 GiB)",
                        rq->url);
        goto done;
    }
    if ((rc = header_block(rq, &hdrs)) != 0) {
        rc = tk_err_set(err, rc, rc == TK_EINVAL ? "%s: a request header holds a line break"
                                                 : "%s: out of memory while preparing the "
                                                   "request", rq->url);
        goto done;
    }
    if (!(wurl = wide(rq->url, strlen(rq->url)))) {
        rc = tk_err_set(err, TK_EINVAL, "%s: not a valid URL", rq->url);
        goto done;
    }
    URL_COMPONENTS u = { .dwStructSize = sizeof u };
    u.dwSchemeLength = u.dwHostNameLength = u.dwUrlPathLength = u.dwExtraInfoLength = (DWORD)-1;
    if (!WinHttpCrackUrl(wurl, 0, 0, &u)) {
        rc = tk_err_set(err, TK_EINVAL, "%s: not a valid URL", rq->url);
        goto done;
    }
    if (u.nScheme != INTERNET_SCHEME_HTTP && u.nScheme != INTERNET_SCHEME_HTTPS) {
        rc = fail(&at, ERROR_WINHTTP_UNRECOGNIZED_SCHEME, "", err);
        goto done;
    }
    /* the path and query, without a #fragment (which is never sent) */
    size_t plen = (size_t)u.dwUrlPathLength + u.dwExtraInfoLength;
    for (size_t i = 0; u.lpszUrlPath && i < plen; i++)
        if (u.lpszUrlPath[i] == L'#')
            plen = i;
    host = tk_calloc((size_t)u.dwHostNameLength + 1, sizeof *host);
    path = tk_calloc(plen + 2, sizeof *path);
    if (rq->user_agent)
        agent = wide(rq->user_agent, strlen(rq->user_agent));
    whdrs = wide(tk_buf_cstr(&hdrs), hdrs.len);
    if (!host || !path || (rq->user_agent && !agent) || !whdrs) {
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory while preparing the request",
                        rq->url);
        goto done;
    }
    memcpy(host, u.lpszHostName, u.dwHostNameLength * sizeof *host);
    if (plen)
        memcpy(path, u.lpszUrlPath, plen * sizeof *path);
    else
        path[0] = L'/';

    /* The system's proxy settings as the user's browser sees them (Windows 8.1 and later),
     * else the machine's WinHTTP proxy (netsh winhttp). */
    session = WinHttpOpen(agent, WINHTTP_ACCESS_TYPE_AUTOMATIC_PROXY, WINHTTP_NO_PROXY_NAME,
                          WINHTTP_NO_PROXY_BYPASS, 0);
    if (!session)
        session = WinHttpOpen(agent, WINHTTP_ACCESS_TYPE_DEFAULT_PROXY, WINHTTP_NO_PROXY_NAME,
                              WINHTTP_NO_PROXY_BYPASS, 0);
    if (!session) {
        rc = fail(&at, GetLastError(), "WinHttpOpen", err);
        goto done;
    }
    if (!WinHttpSetTimeouts(session, connect_ms, connect_ms, timeout_ms, timeout_ms) ||
        !(conn = WinHttpConnect(session, host, u.nPort, 0))) {
        rc = fail(&at, GetLastError(), "WinHttpConnect", err);
        goto done;
    }
    static const wchar_t *accept[] = { L"*/*", NULL };
    req = WinHttpOpenRequest(conn, L"POST", path, NULL, WINHTTP_NO_REFERER, accept,
                             u.nScheme == INTERNET_SCHEME_HTTPS ? WINHTTP_FLAG_SECURE : 0);
    if (!req) {
        rc = fail(&at, GetLastError(), "WinHttpOpenRequest", err);
        goto done;
    }
    DWORD_PTR ctx = (DWORD_PTR)&at;
    if (!harden(req) || !WinHttpSetOption(req, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof ctx) ||
        WinHttpSetStatusCallback(req, on_status, WINHTTP_CALLBACK_FLAG_SECURE_FAILURE, 0) ==
            WINHTTP_INVALID_STATUS_CALLBACK) {
        rc = fail(&at, GetLastError(), "WinHttpSetOption", err);
        goto done;
    }
    if (hdrs.len && !WinHttpAddRequestHeaders(req, whdrs, (DWORD)-1L, WINHTTP_ADDREQ_FLAG_ADD)) {
        rc = fail(&at, GetLastError(), "WinHttpAddRequestHeaders", err);
        goto done;
    }
    limit(&at, req, connect_ms);
    if (!WinHttpSendRequest(req, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0,
                            (DWORD)rq->len, ctx)) {
        rc = fail(&at, GetLastError(), "WinHttpSendRequest", err);
        goto done;
    }
    /* The body in chunks, for the progress callback and for the attempt's deadline (WinHTTP's
     * own timeouts are per operation). */
    const unsigned char *p = rq->body;
    for (size_t sent = 0; sent < rq->len;) {
        DWORD n = rq->len - sent < CHUNK ? (DWORD)(rq->len - sent) : CHUNK, wrote = 0;
        if (expired(&at)) {
            rc = fail(&at, ERROR_WINHTTP_TIMEOUT, "", err);
            goto done;
        }
        limit(&at, req, connect_ms);
        BOOL ok = WinHttpWriteData(req, p + sent, n, &wrote);
        if (!ok || !wrote) {
            rc = fail(&at, ok ? ERROR_WINHTTP_CONNECTION_ERROR : GetLastError(),
                      "WinHttpWriteData", err);
            goto done;
        }
        sent += wrote;
        if (rq->progress)
            rq->progress(rq->ud, sent, rq->len);
    }
    limit(&at, req, connect_ms);
    DWORD status = 0, size = sizeof status;
    if (!WinHttpReceiveResponse(req, NULL) ||
        !WinHttpQueryHeaders(req, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &status, &size,
                             WINHTTP_NO_HEADER_INDEX)) {
        rc = fail(&at, GetLastError(), "WinHttpReceiveResponse", err);
        goto done;
    }
    /* The answer until the caller's buffer is full; the rest is left unread. */
    for (;;) {
        char chunk[4096];
        DWORD got = 0;
        if (!ans->body || ans->body->len >= ans->body->max)
            break;
        if (expired(&at)) {
            rc = fail(&at, ERROR_WINHTTP_TIMEOUT, "", err);
            goto done;
        }
        limit(&at, req, connect_ms);
        if (!WinHttpReadData(req, chunk, sizeof chunk, &got)) {
            rc = fail(&at, GetLastError(), "WinHttpReadData", err);
            goto done;
        }
        if (!got)
            break;
        size_t room = ans->body->max - ans->body->len;
        tk_buf_add(ans->body, chunk, got < room ? got : room);
    }
    ans->status = (long)status;
done:
    if (req)
        WinHttpCloseHandle(req);
    if (conn)
        WinHttpCloseHandle(conn);
    if (session)
        WinHttpCloseHandle(session);
    /* the headers carry the bearer token */
    if (whdrs)
        SecureZeroMemory(whdrs, wcslen(whdrs) * sizeof *whdrs);
    if (hdrs.ptr)
        SecureZeroMemory(hdrs.ptr, hdrs.cap);
    tk_buf_release(&hdrs);
    tk_free(wurl);
    tk_free(host);
    tk_free(path);
    tk_free(agent);
    tk_free(whdrs);
    return rc;
}
