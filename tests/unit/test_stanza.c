/* test_stanza.c - the "field: value" stanza syntax of the data files (core/stanza.h): fields,
 * continuation lines, repeated fields, comments, BOM, CRLF, blank-line separation, error
 * line numbers, the field bound and the callback's stop value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "core/stanza.h"

#define NAME "t.txt"

/* What the callback saw: every stanza rendered as "@LINE name=value|name=value\n", each
 * field followed by its own line number. */
struct seen {
    struct tk_buf text;
    size_t calls, stop_at;
    int stop_value;
};

static int collect(void *ud, const struct tk_stanza *s, struct tk_err *err)
{
    struct seen *v = ud;
    v->calls++;
    assert_true(s->n > 0); /* never called for an empty stanza */
    tk_buf_addf(&v->text, "@%zu", s->line);
    for (size_t i = 0; i < s->n; i++) {
        tk_buf_addc(&v->text, i ? '|' : ' ');
        tk_buf_add(&v->text, s->f[i].name.p, s->f[i].name.n);
        tk_buf_addc(&v->text, '=');
        tk_buf_add(&v->text, s->f[i].value.p, s->f[i].value.n);
        tk_buf_addf(&v->text, ":%zu", s->f[i].line);
    }
    tk_buf_addc(&v->text, '\n');
    if (v->stop_at && v->calls == v->stop_at) {
        if (v->stop_value < 0)
            return tk_err_set(err, v->stop_value, "callback refused stanza %zu", v->calls);
        return v->stop_value;
    }
    return 0;
}

static int parse_n(const char *text, size_t n, struct seen *v, struct tk_err *err)
{
    tk_buf_reset(&v->text);
    v->calls = 0;
    tk_err_clear(err);
    return tk_stanza_parse((struct tk_str){ text, n }, NAME, collect, v, err);
}

static void expect(const char *text, const char *want)
{
    struct seen v = { .text = TK_BUF_INIT(1 << 20) };
    struct tk_err err;
    int rc = parse_n(text, strlen(text), &v, &err);
    if (rc)
        fail_msg("%s: error %d: %s", text, rc, err.msg);
    assert_string_equal(tk_buf_cstr(&v.text), want);
    tk_buf_release(&v.text);
}

static void expect_error(const char *text, int code, const char *prefix)
{
    struct seen v = { .text = TK_BUF_INIT(1 << 20) };
    struct tk_err err;
    int rc = parse_n(text, strlen(text), &v, &err);
    if (rc != code)
        fail_msg("%s: expected %d, got %d (%s)", text, code, rc, err.msg);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("%s: expected a message starting \"%s\", got \"%s\"", text, prefix, err.msg);
    tk_buf_release(&v.text);
}

static void test_fields(void **state)
{
    (void)state;
    expect("id: example-tool\nname: Example Tool\n", "@1 id=example-tool:1|name=Example Tool:2\n");
    /* Blanks around names and values are trimmed; the value keeps inner blanks and colons. */
    expect("url:   https://example.invalid:8080/a b  \t\nkey  :value\nempty:\nsp: \n",
           "@1 url=https://example.invalid:8080/a b:1|key=value:2|empty=:3|sp=:4\n");
    /* Names are taken as written: case and inner characters are kept. */
    expect("match.name: Example Tool*\nMatch.Name: X\n",
           "@1 match.name=Example Tool*:1|Match.Name=X:2\n");
    /* The last line needs no newline. */
    expect("a: 1", "@1 a=1:1\n");
    expect("", "");
    expect("\n\n\n", "");
}

static void test_continuation_lines(void **state)
{
    (void)state;
    expect("title: first\n  second\n\tthird  \nnext: x\n",
           "@1 title=first second third:1|next=x:4\n");
    /* Several fields with continuations in one stanza; values land in one buffer that
     * grows while the stanza is read, so earlier slices must be fixed up. */
    struct tk_buf doc = TK_BUF_INIT(1 << 22), want = TK_BUF_INIT(1 << 22);
    tk_buf_adds(&want, "@1 ");
    for (int f = 0; f < 50; f++) {
        tk_buf_addf(&doc, "f%d: start%d\n", f, f);
        tk_buf_addf(&want, "%sf%d=start%d", f ? "|" : "", f, f);
        for (int k = 0; k < 20; k++) {
            tk_buf_addf(&doc, " part-%d-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", f, k);
            tk_buf_addf(&want, " part-%d-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", f, k);
        }
        tk_buf_addf(&want, ":%d", 1 + f * 22);
        tk_buf_addf(&doc, "plain%d: v\n", f);
        tk_buf_addf(&want, "|plain%d=v:%d", f, 22 + f * 22);
    }
    tk_buf_addc(&want, '\n');
    expect(tk_buf_cstr(&doc), tk_buf_cstr(&want));
    tk_buf_release(&doc);
    tk_buf_release(&want);
    /* Continuations in the next stanza start from a fresh buffer. */
    expect("a: 1\n 2\n\nb: 3\n 4\n 5\n", "@1 a=1 2:1\n@4 b=3 4 5:4\n");
}

static void test_repeated_fields(void **state)
{
    (void)state;
    static const char text[] = "source: a\nname: n\nsource: b\nsource: c\n  c2\n";
    struct tk_err err;
    struct seen v = { .text = TK_BUF_INIT(1 << 16) };
    assert_int_equal(parse_n(text, strlen(text), &v, &err), 0);
    assert_string_equal(tk_buf_cstr(&v.text), "@1 source=a:1|name=n:2|source=b:3|source=c c2:4\n");
    tk_buf_release(&v.text);
}

/* tk_stanza_get and tk_stanza_count, checked inside the callback. */
static int check_get_count(void *ud, const struct tk_stanza *s, struct tk_err *err)
{
    (void)err;
    size_t *calls = ud;
    (*calls)++;
    assert_int_equal(tk_stanza_count(s, "source"), 3);
    assert_int_equal(tk_stanza_count(s, "name"), 1);
    assert_int_equal(tk_stanza_count(s, "missing"), 0);
    assert_int_equal(tk_stanza_count(s, "Source"), 0); /* names are case-sensitive */
    struct tk_str v = tk_stanza_get(s, "source");
    assert_int_equal(v.n, 1);
    assert_memory_equal(v.p, "a", 1); /* the first one */
    v = tk_stanza_get(s, "name");
    assert_int_equal(v.n, 4);
    assert_memory_equal(v.p, "n n2", 4);
    v = tk_stanza_get(s, "missing");
    assert_int_equal(v.n, 0);
    assert_non_null(v.p);
    v = tk_stanza_get(s, "empty");
    assert_int_equal(v.n, 0);
    assert_int_equal(tk_stanza_count(s, "empty"), 1);
    return 0;
}

static void test_get_and_count(void **state)
{
    (void)state;
    static const char text[] = "source: a\nname: n\n n2\nsource: b\nempty:\nsource: c\n";
    size_t calls = 0;
    struct tk_err err = { 0 };
    assert_int_equal(tk_stanza_parse(tk_str_c(text), NAME, check_get_count, &calls, &err), 0);
    assert_int_equal(calls, 1);
}

static void test_comments(void **state)
{
    (void)state;
    /* Comment lines neither end a stanza nor start one; '#' inside a value is kept. */
    expect("# header\n# more\nid: x # not a comment\n# inside\nname: y\n#\n\n# between\n\n"
           "id: z\n#trailing",
           "@3 id=x # not a comment:3|name=y:5\n@10 id=z:10\n");
    expect("# only comments\n#\n", "");
    /* An indented '#' line is a comment too, not a continuation. */
    expect("a: 1\n  # note\n 2\n", "@1 a=1 2:1\n");
    /* A line of blanks and a colon continues the field rather than naming an empty one. */
    expect("a: 1\n   \t: value\n", "@1 a=1 : value:1\n");
}

static void test_bom_crlf_and_blank_lines(void **state)
{
    (void)state;
    expect("\xef\xbb\xbfid: x\n", "@1 id=x:1\n");
    expect("\xef\xbb\xbf", "");
    expect("\xef\xbb\xbf\n\nid: x\n", "@3 id=x:3\n");
    /* A BOM anywhere else is data. */
    expect("id: \xef\xbb\xbfx\n", "@1 id=\xef\xbb\xbfx:1\n");
    expect("a: 1\r\n b\r\n\r\nc: 2\r\n", "@1 a=1 b:1\n@4 c=2:4\n");
    /* Blank lines made of blanks separate stanzas; runs of them make no empty stanza. */
    expect("a: 1\n\nb: 2\n \t \n\n\nc: 3\n\n", "@1 a=1:1\n@3 b=2:3\n@7 c=3:7\n");
    expect("\n\n  \na: 1", "@4 a=1:4\n");
}

static void test_errors_name_the_line(void **state)
{
    (void)state;
    expect_error(" cont\n", TK_EPARSE, NAME ":1: continuation line without a field");
    expect_error("a: 1\n\n  cont\n", TK_EPARSE, NAME ":3: continuation line without a field");
    expect_error("# c\n\tcont\n", TK_EPARSE, NAME ":2: continuation line without a field");
    expect_error("\xef\xbb\xbf\n cont\n", TK_EPARSE, NAME ":2: continuation");
    expect_error("a: 1\nnocolon\n", TK_EPARSE, NAME ":2: expected \"field: value\"");
    expect_error("nocolon", TK_EPARSE, NAME ":1: expected");
    expect_error("a: 1\n\n# c\n: value\n", TK_EPARSE, NAME ":4: expected");
    expect_error("a: 1\r\nb: 2\r\nbad\r\n", TK_EPARSE, NAME ":3: expected");
    /* Stanzas before the error were delivered; the one holding it was not. */
    struct seen v = { .text = TK_BUF_INIT(1 << 16) };
    struct tk_err err;
    static const char text[] = "a: 1\n\nb: 2\nbad\n";
    assert_int_equal(parse_n(text, strlen(text), &v, &err), TK_EPARSE);
    assert_int_equal(v.calls, 1);
    assert_string_equal(tk_buf_cstr(&v.text), "@1 a=1:1\n");
    tk_buf_release(&v.text);
}

static void test_callback_stop_value(void **state)
{
    (void)state;
    static const char text[] = "a: 1\n\nb: 2\n\nc: 3\n\nd: 4\n";
    struct seen v = { .text = TK_BUF_INIT(1 << 16), .stop_at = 2, .stop_value = 7 };
    struct tk_err err;
    assert_int_equal(parse_n(text, strlen(text), &v, &err), 7);
    assert_int_equal(v.calls, 2);
    /* A negative code with the callback's own message is passed on untouched. */
    v.stop_at = 3;
    v.stop_value = TK_EINVAL;
    assert_int_equal(parse_n(text, strlen(text), &v, &err), TK_EINVAL);
    assert_int_equal(v.calls, 3);
    assert_string_equal(err.msg, "callback refused stanza 3");
    /* Stopping at the last stanza, which has no blank line after it. */
    v.stop_at = 4;
    v.stop_value = 1;
    assert_int_equal(parse_n(text, strlen(text), &v, &err), 1);
    assert_int_equal(v.calls, 4);
    /* The stop value wins over a syntax error later in the text. */
    static const char bad_later[] = "a: 1\n\nnot a field\n";
    v.stop_at = 1;
    v.stop_value = 9;
    assert_int_equal(parse_n(bad_later, strlen(bad_later), &v, &err), 9);
    tk_buf_release(&v.text);
}

static void test_field_bound_and_odd_bytes(void **state)
{
    (void)state;
    struct tk_buf doc = TK_BUF_INIT(1 << 22);
    struct seen v = { .text = TK_BUF_INIT(1 << 24) };
    struct tk_err err;
    for (int i = 0; i < 4096; i++)
        tk_buf_addf(&doc, "f: %d\n", i);
    assert_int_equal(parse_n(doc.ptr, doc.len, &v, &err), 0);
    assert_int_equal(v.calls, 1);
    tk_buf_adds(&doc, "g: too many\n");
    assert_int_equal(parse_n(doc.ptr, doc.len, &v, &err), TK_ELIMIT);
    assert_int_equal(strncmp(err.msg, NAME ":4097:", strlen(NAME ":4097:")), 0);
    /* The bound is per stanza. */
    tk_buf_reset(&doc);
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < 4000; i++)
            tk_buf_addf(&doc, "f: %d\n", i);
        tk_buf_adds(&doc, "\n");
    }
    assert_int_equal(parse_n(doc.ptr, doc.len, &v, &err), 0);
    assert_int_equal(v.calls, 3);
    /* NUL and high bytes are data; the text is a slice, not a C string. */
    static const char odd[] = "k\x00y: v\x00w\nn: \xff\xfe\n";
    assert_int_equal(parse_n(odd, sizeof odd - 1, &v, &err), 0);
    assert_int_equal(v.text.len, strlen("@1 k") + 1 + strlen("y=v") + 1 + strlen("w:1|n=") + 2 +
                                     strlen(":2\n"));
    tk_buf_release(&doc);
    tk_buf_release(&v.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_continuation_lines),
        cmocka_unit_test(test_repeated_fields),
        cmocka_unit_test(test_get_and_count),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_bom_crlf_and_blank_lines),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_callback_stop_value),
        cmocka_unit_test(test_field_bound_and_odd_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
