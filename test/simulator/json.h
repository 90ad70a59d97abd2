/*
 * A small strict JSON parser for the simulator's scenario, state and CLUSDB header
 * files. It keeps each value's line and column so that scenario errors can point at
 * the offending place. Strings are UTF-8 (\u escapes, surrogate pairs included, are
 * decoded); "//" and block comments are accepted as whitespace so that hand-written
 * demo scenarios may carry notes.
 */
#ifndef CLUSSIM_JSON_H
#define CLUSSIM_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value {
    json_type type;
    uint32_t line, column;        /* where the value starts, 1-based */
    int boolean;
    double number;
    int is_integer;               /* the number had no fraction or exponent */
    int64_t integer;              /* its value when is_integer (and within int64) */
    char *string;                 /* JSON_STRING: NUL-terminated UTF-8 */
    size_t count;                 /* JSON_ARRAY / JSON_OBJECT: number of items */
    struct json_value **items;
    char **keys;                  /* JSON_OBJECT: the member names, parallel to items */
} json_value;

/* Parses text[0..len). On failure returns NULL and writes a one-line message with the
 * line and column into err. */
json_value *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(json_value *v);
/* Member of an object (NULL when absent or when obj is not an object). */
const json_value *json_get(const json_value *obj, const char *key);
const char *json_type_name(json_type t);

/* Appends s to a growable buffer as a JSON string literal (quotes and escapes). */
typedef struct json_buf {
    char *data;
    size_t len, cap;
    int failed;                   /* an allocation failed */
} json_buf;
void json_buf_append(json_buf *b, const char *s, size_t n);
void json_buf_puts(json_buf *b, const char *s);
void json_buf_printf(json_buf *b, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void json_buf_string(json_buf *b, const char *utf8);
void json_buf_free(json_buf *b);

#endif
