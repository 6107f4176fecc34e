/* web.h - the campaign pages of tenken serve: analysts sign in with an analyst key allowed
 * the campaign pages (tenken key add NAME --campaigns), list campaigns and their cases with
 * filters, open a case to log a contact and edit its fields, and see the statistics with
 * their charts.
 *
 * Server-rendered HTML forms, no JavaScript, one stylesheet served by tenken: pages work in
 * any browser and need nothing from the internet. A session is a random id in an HttpOnly,
 * SameSite=Strict cookie (Secure over HTTPS), held in memory for 8 hours; every form carries
 * the session's CSRF token, and every edit the case version it was made against, so a change
 * to a case someone else changed meanwhile is refused (409) rather than overwriting it. The
 * key is checked again on every request: a revoked key stops working at once. The key's
 * name is the "who" of the audit trail. */
#ifndef TK_SERVER_WEB_H
#define TK_SERVER_WEB_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define TK_WEB_MAX_FORM ((size_t)64 << 10) /* bytes of a form a POST may send */

struct tk_web;

int tk_web_new(struct tk_web **out, bool https); /* 0 or TK_ENOMEM */
void tk_web_free(struct tk_web *w);

/* Whether url is one of the pages (then tk_web_handle answers it). */
bool tk_web_wants(const char *url);

/* Answers one request with the form body of a POST (n bytes, NULL for other methods), using
 * st for the call. *status is what was answered, who the key's name ("" before sign-in),
 * for the access log. */
enum MHD_Result tk_web_handle(struct tk_web *w, struct tk_store *st, struct MHD_Connection *c,
                              const char *method, const char *url, const char *body, size_t n,
                              unsigned *status, char who[65]);

#endif
