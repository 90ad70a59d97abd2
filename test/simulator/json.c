/*
 * Strict JSON (RFC 8259) plus comments, with positions for error messages.
 * See json.h.
 */
#define __USE_MINGW_ANSI_STDIO 1
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct parser {
    const char *p, *end, *start;
    uint32_t line;
    const char *line_start;
    /* The last column computed on the current line, so that the columns of the values
     * of one long line (a CLUSDB header) cost linear time, not quadratic. */
    const char *col_line_start, *col_at;
    uint32_t col;
    char *err;
    size_t errlen;
    int failed;
} parser;

static uint32_t column_of(parser *ps, const char *at) {
    /* Columns count characters, not bytes: skip UTF-8 continuation bytes. */
    uint32_t col = 1;
    const char *c = ps->line_start;
    if (ps->col_line_start == ps->line_start && ps->col_at && ps->col_at <= at) {
        c = ps->col_at;
        col = ps->col;
    }
    for (; c < at; c++)
        if (((unsigned char)*c & 0xC0) != 0x80) col++;
    if (at >= ps->line_start) {
        ps->col_line_start = ps->line_start;
        ps->col_at = at;
        ps->col = col;
    }
    return col;
}

static void fail_at(parser *ps, const char *at, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 3, 4)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail_at(parser *ps, const char *at, const char *fmt, ...) {
    if (ps->failed) return;
    ps->failed = 1;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "malformed JSON at line %u, column %u: %s", ps->line, column_of(ps, at), msg);
}

static void describe_char(const parser *ps, char *out, size_t n) {
    if (ps->p >= ps->end) {
        snprintf(out, n, "the end of the file");
        return;
    }
    unsigned char c = (unsigned char)*ps->p;
    if (c >= 0x20 && c < 0x7F) snprintf(out, n, "'%c'", c);
    else snprintf(out, n, "byte 0x%02X", c);
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '\n') {
            ps->line++;
            ps->p++;
            ps->line_start = ps->p;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ps->p++;
        } else if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '/') {
            while (ps->p < ps->end && *ps->p != '\n') ps->p++;
        } else if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '*') {
            const char *open = ps->p;
            ps->p += 2;
            for (;;) {
                if (ps->p + 1 >= ps->end) {
                    fail_at(ps, open, "unterminated /* comment");
                    ps->p = ps->end;
                    return;
                }
                if (ps->p[0] == '*' && ps->p[1] == '/') {
                    ps->p += 2;
                    break;
                }
                if (*ps->p == '\n') {
                    ps->line++;
                    ps->line_start = ps->p + 1;
                }
                ps->p++;
            }
        } else {
            break;
        }
    }
}

static json_value *new_value(parser *ps, json_type t, const char *at) {
    json_value *v = calloc(1, sizeof *v);
    if (!v) {
        fail_at(ps, at, "out of memory");
        return NULL;
    }
    v->type = t;
    v->line = ps->line;
    v->column = column_of(ps, at);
    return v;
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static int utf8_seq_len(const unsigned char *s, const unsigned char *end) {
    unsigned char c = s[0];
    int n;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    if (s + n > end) return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return n;
}

static int hex4(const char *s, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(char *out, uint32_t cp) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string literal at ps->p (which is '"'); returns malloc'd UTF-8. */
static char *parse_string_raw(parser *ps) {
    const char *open = ps->p;
    ps->p++;
    /* The decoded string is never longer than the literal. */
    size_t cap = 16;
    for (const char *q = ps->p; q < ps->end && *q != '"'; q++) {
        cap++;
        if (*q == '\\' && q + 1 < ps->end) { q++; cap++; }
    }
    char *out = malloc(cap + 1);
    if (!out) {
        fail_at(ps, open, "out of memory");
        return NULL;
    }
    size_t n = 0;
    for (;;) {
        if (ps->p >= ps->end) {
            fail_at(ps, open, "unterminated string");
            free(out);
            return NULL;
        }
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) {
            fail_at(ps, ps->p, c == '\n' ? "unterminated string (line break inside a string)" : "control character 0x%02X inside a string (escape it)", c);
            free(out);
            return NULL;
        }
        if (c == '\\') {
            const char *esc = ps->p;
            if (ps->p + 1 >= ps->end) {
                fail_at(ps, esc, "unterminated string");
                free(out);
                return NULL;
            }
            char e = ps->p[1];
            ps->p += 2;
            switch (e) {
            case '"': out[n++] = '"'; break;
            case '\\': out[n++] = '\\'; break;
            case '/': out[n++] = '/'; break;
            case 'b': out[n++] = '\b'; break;
            case 'f': out[n++] = '\f'; break;
            case 'n': out[n++] = '\n'; break;
            case 'r': out[n++] = '\r'; break;
            case 't': out[n++] = '\t'; break;
            case 'u': {
                uint32_t cp, lo;
                if (ps->end - ps->p < 4 || !hex4(ps->p, &cp)) {
                    fail_at(ps, esc, "\\u must be followed by four hex digits");
                    free(out);
                    return NULL;
                }
                ps->p += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail_at(ps, esc, "unpaired low surrogate \\u%04X", cp);
                    free(out);
                    return NULL;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || !hex4(ps->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                        fail_at(ps, esc, "high surrogate \\u%04X is not followed by a low surrogate", cp);
                        free(out);
                        return NULL;
                    }
                    ps->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (cp == 0) {
                    fail_at(ps, esc, "\\u0000 is not allowed in strings");
                    free(out);
                    return NULL;
                }
                n += put_utf8(out + n, cp);
                break;
            }
            default:
                fail_at(ps, esc, "invalid escape sequence");
                free(out);
                return NULL;
            }
            continue;
        }
        int len = utf8_seq_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);
        if (len == 0) {
            fail_at(ps, ps->p, "invalid UTF-8 byte 0x%02X", c);
            free(out);
            return NULL;
        }
        memcpy(out + n, ps->p, (size_t)len);
        n += (size_t)len;
        ps->p += len;
    }
    out[n] = '\0';
    return out;
}

static json_value *parse_value(parser *ps, int depth);

static int push_item(parser *ps, json_value *container, json_value *item, char *key, size_t *cap) {
    if (container->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        json_value **items = realloc(container->items, ncap * sizeof *items);
        if (!items) goto oom;
        container->items = items;
        if (container->type == JSON_OBJECT) {
            char **keys = realloc(container->keys, ncap * sizeof *keys);
            if (!keys) goto oom;
            container->keys = keys;
        }
        *cap = ncap;
    }
    container->items[container->count] = item;
    if (container->type == JSON_OBJECT) container->keys[container->count] = key;
    container->count++;
    return 1;
oom:
    fail_at(ps, ps->p, "out of memory");
    json_free(item);
    free(key);
    return 0;
}

static json_value *parse_number(parser *ps) {
    const char *s = ps->p;
    const char *q = s;
    int integral = 1;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end || *q < '0' || *q > '9') {
        fail_at(ps, s, "invalid number");
        return NULL;
    }
    if (*q == '0') {
        q++;
        if (q < ps->end && *q >= '0' && *q <= '9') {
            fail_at(ps, s, "numbers must not have leading zeros (write hex codes as strings, e.g. \"0x800423F4\")");
            return NULL;
        }
    } else {
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < ps->end && *q == '.') {
        integral = 0;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') {
            fail_at(ps, s, "invalid number: digits must follow the decimal point");
            return NULL;
        }
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        integral = 0;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || *q < '0' || *q > '9') {
            fail_at(ps, s, "invalid number: digits must follow the exponent");
            return NULL;
        }
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    json_value *v = new_value(ps, JSON_NUMBER, s);
    if (!v) return NULL;
    char tmp[64];
    size_t n = (size_t)(q - s);
    if (integral && n <= 18) {
        /* Exact integer arithmetic, independent of the C locale. */
        int neg = *s == '-';
        uint64_t acc = 0;
        for (const char *d = s + neg; d < q; d++) acc = acc * 10 + (uint64_t)(*d - '0');
        v->is_integer = 1;
        v->integer = neg ? -(int64_t)acc : (int64_t)acc;
        v->number = (double)v->integer;
    } else {
        if (n >= sizeof tmp) n = sizeof tmp - 1;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        v->number = strtod(tmp, NULL);
    }
    ps->p = q;
    return v;
}

static int match_word(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return 1;
    }
    return 0;
}

static json_value *parse_value(parser *ps, int depth) {
    skip_ws(ps);
    if (ps->failed) return NULL;
    char what[32];
    if (ps->p >= ps->end) {
        fail_at(ps, ps->p, "unexpected end of the file, expected a value");
        return NULL;
    }
    const char *at = ps->p;
    char c = *ps->p;
    if (c == '{' || c == '[') {
        if (depth >= JSON_MAX_DEPTH) {
            fail_at(ps, at, "nested more than %d levels deep", JSON_MAX_DEPTH);
            return NULL;
        }
        int is_obj = c == '{';
        char close = is_obj ? '}' : ']';
        json_value *v = new_value(ps, is_obj ? JSON_OBJECT : JSON_ARRAY, at);
        if (!v) return NULL;
        size_t cap = 0;
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return v;
        }
        for (;;) {
            char *key = NULL;
            skip_ws(ps);
            if (ps->failed) break;
            if (is_obj) {
                if (ps->p >= ps->end || *ps->p != '"') {
                    describe_char(ps, what, sizeof what);
                    fail_at(ps, ps->p, "expected a member name in double quotes, found %s", what);
                    break;
                }
                key = parse_string_raw(ps);
                if (!key) break;
                for (size_t i = 0; i < v->count; i++) {
                    if (strcmp(v->keys[i], key) == 0) {
                        fail_at(ps, ps->p, "duplicate member \"%.100s\"", key);
                        break;
                    }
                }
                if (ps->failed) {
                    free(key);
                    break;
                }
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') {
                    describe_char(ps, what, sizeof what);
                    fail_at(ps, ps->p, "expected ':' after the member name \"%.100s\", found %s", key, what);
                    free(key);
                    break;
                }
                ps->p++;
            }
            json_value *item = parse_value(ps, depth + 1);
            if (!item) {
                free(key);
                break;
            }
            if (!push_item(ps, v, item, key, &cap)) break;
            skip_ws(ps);
            if (ps->failed) break;
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                skip_ws(ps);
                if (ps->p < ps->end && *ps->p == close) {
                    fail_at(ps, ps->p, "trailing comma before '%c'", close);
                    break;
                }
                continue;
            }
            if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                return v;
            }
            describe_char(ps, what, sizeof what);
            fail_at(ps, ps->p, "expected ',' or '%c' %s, found %s", close, is_obj ? "after an object member" : "after an array element", what);
            break;
        }
        json_free(v);
        return NULL;
    }
    if (c == '"') {
        json_value *v = new_value(ps, JSON_STRING, at);
        if (!v) return NULL;
        v->string = parse_string_raw(ps);
        if (!v->string) {
            json_free(v);
            return NULL;
        }
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(ps);
    if (match_word(ps, "true") || match_word(ps, "false")) {
        json_value *v = new_value(ps, JSON_BOOL, at);
        if (v) v->boolean = c == 't';
        return v;
    }
    if (match_word(ps, "null")) return new_value(ps, JSON_NULL, at);
    describe_char(ps, what, sizeof what);
    fail_at(ps, at, "expected a value (object, array, string, number, true, false or null), found %s", what);
    return NULL;
}

json_value *json_parse(const char *text, size_t len, char *err, size_t errlen) {
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.p = ps.start = ps.line_start = text;
    ps.end = text + len;
    ps.line = 1;
    ps.err = err;
    ps.errlen = errlen;
    if (errlen) err[0] = '\0';
    /* A UTF-8 byte order mark is tolerated (some editors on Windows write one). */
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF) {
        ps.p += 3;
        ps.line_start = ps.p;
    }
    skip_ws(&ps);
    if (!ps.failed && ps.p >= ps.end) {
        fail_at(&ps, ps.p, "the file is empty");
        return NULL;
    }
    json_value *v = parse_value(&ps, 0);
    if (!v) return NULL;
    skip_ws(&ps);
    if (!ps.failed && ps.p < ps.end) {
        char what[32];
        describe_char(&ps, what, sizeof what);
        fail_at(&ps, ps.p, "unexpected %s after the end of the top-level value", what);
    }
    if (ps.failed) {
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(json_value *v) {
    if (!v) return;
    for (size_t i = 0; i < v->count; i++) {
        json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const json_value *json_get(const json_value *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

const char *json_type_name(json_type t) {
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
    }
    return "a value";
}

/* ---- output ---- */

static int buf_reserve(json_buf *b, size_t extra) {
    if (b->failed) return 0;
    if (b->len + extra + 1 <= b->cap) return 1;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1) ncap *= 2;
    char *d = realloc(b->data, ncap);
    if (!d) {
        b->failed = 1;
        return 0;
    }
    b->data = d;
    b->cap = ncap;
    return 1;
}

void json_buf_append(json_buf *b, const char *s, size_t n) {
    if (!buf_reserve(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void json_buf_puts(json_buf *b, const char *s) {
    json_buf_append(b, s, strlen(s));
}

void json_buf_printf(json_buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        json_buf_append(b, tmp, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void json_buf_string(json_buf *b, const char *utf8) {
    json_buf_append(b, "\"", 1);
    const char *run = utf8;
    for (const char *s = utf8; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c < 0x20) {
            json_buf_append(b, run, (size_t)(s - run));
            char esc[8];
            switch (c) {
            case '"': json_buf_append(b, "\\\"", 2); break;
            case '\\': json_buf_append(b, "\\\\", 2); break;
            case '\n': json_buf_append(b, "\\n", 2); break;
            case '\r': json_buf_append(b, "\\r", 2); break;
            case '\t': json_buf_append(b, "\\t", 2); break;
            default:
                snprintf(esc, sizeof esc, "\\u%04x", c);
                json_buf_append(b, esc, 6);
            }
            run = s + 1;
        }
    }
    json_buf_append(b, run, strlen(run));
    json_buf_append(b, "\"", 1);
}

void json_buf_free(json_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
