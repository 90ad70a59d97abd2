/*
 * Helpers of the simulator's VSS part: fault checks, strings, GUIDs, paths, a text
 * buffer.
 */
#define _GNU_SOURCE
#include "vss_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <direct.h>
#else
#include <sys/stat.h>
#include <sys/types.h>
#endif

/* ------------------------------------------------------------ fault + call log */

int vss_fault(const char *name, const char *detail, HRESULT *hr)
{
    uint32_t code = 0;
    /* A fault armed with code 0 changes nothing: the call goes on normally. */
    if (sim_fault_ex(name, detail, &code) && code != 0) {
        *hr = (HRESULT)code;
        return 1;
    }
    return 0;
}

void vss_fault_async(const char *name, HRESULT *fail_hr, int *hang)
{
    uint32_t code = 0;
    /* The peek makes the following sim_fault_ex consume a hang fault instead of sleeping. */
    *hang = sim_fault_hangs(name);
    *fail_hr = S_OK;
    /* Only a failure code can fail an operation; any other armed code changes nothing. */
    if (sim_fault_ex(name, NULL, &code) && !*hang && FAILED((HRESULT)code))
        *fail_hr = (HRESULT)code;
}

/* ------------------------------------------------------------------- helpers */

void vss_com_ref(int delta)
{
    sim_leak_add(SIM_LEAK_COM_REFS, delta);
}

HRESULT vss_query_interface(const char *name, void *This, uint32_t *refs, REFIID riid, void **ppv, const IID *const *iids)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    if (!ppv || !riid) return E_INVALIDARG;
    *ppv = NULL;
    int known = vss_guid_eq(riid, &vss_iid_unknown);
    for (size_t i = 0; !known && iids && iids[i]; i++) known = vss_guid_eq(riid, iids[i]);
    if (!known) return E_NOINTERFACE;
    vss_add_ref(refs);
    *ppv = This;
    return S_OK;
}

ULONG vss_add_ref(uint32_t *refs)
{
    sim_lock();
    ULONG r = ++*refs;
    vss_com_ref(+1);
    sim_unlock();
    return r;
}

ULONG vss_release(uint32_t *refs, int *last)
{
    sim_lock();
    *last = 0;
    ULONG r = 0;
    if (*refs > 0) {
        r = --*refs;
        vss_com_ref(-1);
        *last = r == 0;
    }
    sim_unlock();
    return r;
}

HRESULT vss_string_method(const char *name, BSTR *out, const char *value, int empty_is_null)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    sim_lock();
    hr = empty_is_null ? vss_out_bstr_or_null(out, value) : vss_out_bstr(out, value);
    sim_unlock();
    return hr;
}

char *vss_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

char *vss_w_to_utf8(LPCWSTR w)
{
    if (!w) return vss_strdup("");
    return sim_w_to_utf8((const WCHAR_T *)w);
}

int vss_str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

BSTR vss_bstr(const char *utf8)
{
    if (!utf8) return NULL;
    return (BSTR)sim_bstr_from_utf8(utf8);
}

BSTR vss_bstr_or_null(const char *utf8)
{
    if (!utf8 || !*utf8) return NULL;
    return vss_bstr(utf8);
}

void vss_guid_format(const VSS_ID *g, char out[39])
{
    snprintf(out, 39, "{%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
             (unsigned long)g->Data1, (unsigned)g->Data2, (unsigned)g->Data3,
             g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3],
             g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int vss_guid_parse(const char *text, VSS_ID *out)
{
    if (!text) return 0;
    size_t n = strlen(text);
    if (n == 38) {
        if (text[0] != '{' || text[37] != '}') return 0;
        text++;
        n = 36;
    }
    if (n != 36) return 0;
    uint8_t bytes[16];
    int k = 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') return 0;
            continue;
        }
        int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return 0;
        bytes[k++] = (uint8_t)(hi * 16 + lo);
        i++;
    }
    out->Data1 = ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) | bytes[3];
    out->Data2 = (uint16_t)((bytes[4] << 8) | bytes[5]);
    out->Data3 = (uint16_t)((bytes[6] << 8) | bytes[7]);
    memcpy(out->Data4, bytes + 8, 8);
    return 1;
}

int vss_guid_eq(const VSS_ID *a, const VSS_ID *b)
{
    return memcmp(a, b, sizeof(VSS_ID)) == 0;
}

int vss_guid_is_null(const VSS_ID *g)
{
    static const VSS_ID zero;
    return vss_guid_eq(g, &zero);
}

void vss_guid_from_sim(VSS_ID *out, const sim_guid *in)
{
    _Static_assert(sizeof(VSS_ID) == sizeof(sim_guid), "GUID layouts differ");
    memcpy(out, in, sizeof(VSS_ID));
}

void vss_guid_new(VSS_ID *out)
{
    sim_guid g;
    sim_guid_new(&g);
    vss_guid_from_sim(out, &g);
}

LONGLONG vss_now_filetime(void)
{
    /* 100-ns intervals since 1601-01-01 (UTC). */
    return ((LONGLONG)time(NULL) + 11644473600LL) * 10000000LL;
}

/* ---------------------------------------------------------------- text buffer */

static void sb_reserve(vss_sb *b, size_t extra)
{
    if (b->failed) return;
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return;
    }
    b->data = p;
    b->cap = cap;
}

static void sb_append(vss_sb *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (b->failed) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void vss_sb_puts(vss_sb *b, const char *s)
{
    sb_append(b, s, strlen(s));
}

void vss_sb_printf(vss_sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        va_end(ap2);
        return;
    }
    sb_reserve(b, (size_t)n);
    if (!b->failed) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void vss_sb_xml_attr(vss_sb *b, const char *name, const char *value)
{
    vss_sb_printf(b, " %s=\"", name);
    for (const unsigned char *p = (const unsigned char *)(value ? value : ""); *p; p++) {
        switch (*p) {
        case '&': vss_sb_puts(b, "&amp;"); break;
        case '<': vss_sb_puts(b, "&lt;"); break;
        case '>': vss_sb_puts(b, "&gt;"); break;
        case '"': vss_sb_puts(b, "&quot;"); break;
        case '\'': vss_sb_puts(b, "&apos;"); break;
        default:
            if (*p < 0x20) vss_sb_printf(b, "&#x%X;", (unsigned)*p);
            else sb_append(b, (const char *)p, 1);
        }
    }
    vss_sb_puts(b, "\"");
}

char *vss_sb_take(vss_sb *b)
{
    if (b->failed) {
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
        return NULL;
    }
    if (!b->data) return vss_strdup("");
    char *d = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

/* ---------------------------------------------------------------------- paths */

int vss_mkdir_new(const char *path)
{
#ifdef _WIN32
    WCHAR_T *w = sim_utf8_to_w(path);
    if (!w) return -1;
    int r = _wmkdir((const wchar_t *)w);
    int err = errno;
    free(w);
#else
    int r = mkdir(path, 0777);
    int err = errno;
#endif
    if (r == 0) return 1;
    return err == EEXIST ? 0 : -1;
}

/* ------------------------------------------------------------ interface IDs */

const IID vss_iid_unknown = { 0x00000000, 0x0000, 0x0000, { 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 } };
const IID vss_iid_async = { 0x507c37b4, 0xcf5b, 0x4e95, { 0xb0, 0xaf, 0x14, 0xeb, 0x97, 0x67, 0x46, 0x7e } };
const IID vss_iid_backup_components = { 0x665c1d5f, 0xc218, 0x414d, { 0xa0, 0x5d, 0x7f, 0xef, 0x5f, 0x9d, 0x5c, 0x86 } };
const IID vss_iid_backup_components_ex = { 0x963f03ad, 0x9e4c, 0x4a34, { 0xac, 0x15, 0xe4, 0xb6, 0x17, 0x4e, 0x50, 0x36 } };
const IID vss_iid_backup_components_ex2 = { 0xacfe2b3a, 0x22c9, 0x4ef8, { 0xbd, 0x03, 0x2f, 0x9c, 0xa2, 0x30, 0x08, 0x4e } };
const IID vss_iid_ewm = { 0x902fcf7f, 0xb7fd, 0x42f8, { 0x81, 0xf1, 0xb2, 0xe4, 0x00, 0xb1, 0xe5, 0xbd } };
const IID vss_iid_ewm_ex = { 0x0c0e5ec0, 0xca44, 0x472b, { 0xb7, 0x02, 0xe6, 0x52, 0xdb, 0x1c, 0x04, 0x51 } };
const IID vss_iid_ewm_ex2 = { 0xce115780, 0xa611, 0x431b, { 0xb5, 0x7f, 0xc3, 0x83, 0x03, 0xab, 0x6a, 0xee } };
const IID vss_iid_component = { 0xd2c72c96, 0xc121, 0x4518, { 0xb6, 0x27, 0xe5, 0xa9, 0x3d, 0x01, 0x0e, 0xad } };
const IID vss_iid_component_ex = { 0x156c8b5e, 0xf131, 0x4bd7, { 0x9c, 0x97, 0xd1, 0x92, 0x3b, 0xe7, 0xe1, 0xfa } };

HRESULT vss_out_bstr(BSTR *out, const char *utf8)
{
    if (!out) return E_INVALIDARG;
    *out = vss_bstr(utf8);
    return (utf8 && !*out) ? E_OUTOFMEMORY : S_OK;
}

HRESULT vss_out_bstr_or_null(BSTR *out, const char *utf8)
{
    if (!out) return E_INVALIDARG;
    *out = vss_bstr_or_null(utf8);
    return (utf8 && *utf8 && !*out) ? E_OUTOFMEMORY : S_OK;
}
