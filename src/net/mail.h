/* mail.h - sending a report by mail over SMTP (libcurl): one message with a short text
 * part and the report attached. STARTTLS is used when the server offers it and required
 * for every server but localhost; smtps:// is TLS from the start. Credentials come from a
 * file (USER on the first line, PASSWORD on the second) or the TENKEN_SMTP_USER and
 * TENKEN_SMTP_PASSWORD variables, never from the command line. */
#ifndef TK_NET_MAIL_H
#define TK_NET_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct tk_mail {
    const char *url;         /* smtp://host:port or smtps://...; NULL: smtp://localhost:25 */
    const char *from;        /* NULL: tenken@HOSTNAME */
    const char *to[32];
    size_t nto;
    const char *credentials; /* file, or NULL */
    const char *ca;          /* CA file for TLS, or NULL */
    const char *subject, *org;
    bool lang_ja;
    const struct tk_buf *attachment;
    const char *content_type, *filename;
};

/* A plain address: local@domain, printable ASCII without spaces, <, >, quotes or commas
 * (nothing that could add a header or another recipient). */
bool tk_mail_address_valid(const char *s);

/* Builds the message (RFC 5322 + MIME) into out. */
int tk_mail_message(const struct tk_mail *m, struct tk_buf *out);

/* Sends it; 0 or TK_EIO with err naming the server and what it said. */
int tk_mail_send(const struct tk_mail *m, struct tk_err *err);

#endif
