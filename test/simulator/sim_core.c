/*
 * The simulator's core: the lock, per-thread state, handle and allocation tracking,
 * leak counters, the call log and fault injection, strings, files, GUIDs, the
 * scenario file, the CLUSDB header, the persisted state, and the ClusSim* control
 * exports. Format and behaviour are documented in README.md.
 *
 * This is the only file that includes <windows.h> in the Windows build: the other
 * files export functions named like kernel32/advapi32 functions with fixed-width
 * types, which would clash with the SDK declarations.
 */
#define __USE_MINGW_ANSI_STDIO 1
#ifdef _WIN32
#define _WIN32_WINNT 0x0601
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <io.h>
#include <process.h>
#else
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive.h"
#include "json.h"
#include "scenario.h"
#include "sim.h"
#include "quorum.h"

#define SIM_HANDLE_MAGIC 0x43534D48u  /* "HMSC" */
#define SIM_MAX_FAULTS 256
#define SIM_CALL_LOG_MAX 200000u
#define SIM_SCENARIO_MAX_BYTES (16u * 1024u * 1024u)
#define SIM_MAX_FILE_SIZE (16ull * 1024ull * 1024ull * 1024ull)

/* ======================================================================
 * Lock and per-thread state
 * ====================================================================== */

#ifdef _WIN32
static CRITICAL_SECTION g_lock;
static DWORD g_tls_index = TLS_OUT_OF_INDEXES;
static INIT_ONCE g_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK init_once(PINIT_ONCE once, PVOID param, PVOID *ctx) {
    (void)once; (void)param; (void)ctx;
    InitializeCriticalSection(&g_lock);
    g_tls_index = TlsAlloc();
    return TRUE;
}

static void ensure_init(void) {
    InitOnceExecuteOnce(&g_once, init_once, NULL, NULL);
}

void sim_lock(void) {
    ensure_init();
    EnterCriticalSection(&g_lock);
}

void sim_unlock(void) {
    LeaveCriticalSection(&g_lock);
}

sim_thread_state *sim_thread(void) {
    static sim_thread_state fallback;
    ensure_init();
    if (g_tls_index == TLS_OUT_OF_INDEXES) return &fallback;
    sim_thread_state *t = (sim_thread_state *)TlsGetValue(g_tls_index);
    if (!t) {
        t = (sim_thread_state *)calloc(1, sizeof *t);
        if (!t) return &fallback;
        TlsSetValue(g_tls_index, t);
    }
    return t;
}
#else
static pthread_mutex_t g_lock;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static __thread sim_thread_state g_thread_state;

static void init_once(void) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&g_lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

void sim_lock(void) {
    pthread_once(&g_once, init_once);
    pthread_mutex_lock(&g_lock);
}

void sim_unlock(void) {
    pthread_mutex_unlock(&g_lock);
}

sim_thread_state *sim_thread(void) {
    return &g_thread_state;
}
#endif

BOOL_T sim_bool_result(DWORD_T err) {
    if (!err) return 1;
    sim_set_last_error(err);
    return 0;
}

void sim_set_last_error(DWORD_T code) {
    sim_thread()->last_error = code;
}

DWORD_T sim_get_last_error(void) {
    return sim_thread()->last_error;
}

/* ======================================================================
 * Leak counters and the registry of live handles / allocations
 * ====================================================================== */

static long g_leaks[SIM_LEAK_COUNT];

void sim_leak_add(sim_leak_kind kind, int delta) {
    if ((int)kind < 0 || kind >= SIM_LEAK_COUNT) return;
    sim_lock();
    g_leaks[kind] += delta;
    sim_unlock();
}

/* Open-addressing set of live pointers with their kind (a handle kind, SIM_LEAK_BSTR
 * or SIM_LEAK_COTASKMEM), so that a stale or foreign pointer is recognised without
 * being dereferenced. */
typedef struct reg_slot {
    uintptr_t key;                /* 0 empty, 1 deleted */
    sim_leak_kind kind;
} reg_slot;
static reg_slot *g_reg;
static size_t g_reg_cap, g_reg_used, g_reg_live;

static size_t reg_hash(uintptr_t p) {
    uint64_t x = (uint64_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

static int reg_grow(void) {
    size_t ncap = g_reg_cap ? g_reg_cap * 2 : 256;
    while (g_reg_live * 2 >= ncap) ncap *= 2;
    reg_slot *n = (reg_slot *)calloc(ncap, sizeof *n);
    if (!n) return 0;
    for (size_t i = 0; i < g_reg_cap; i++) {
        if (g_reg[i].key > 1) {
            size_t j = reg_hash(g_reg[i].key) & (ncap - 1);
            while (n[j].key) j = (j + 1) & (ncap - 1);
            n[j] = g_reg[i];
        }
    }
    free(g_reg);
    g_reg = n;
    g_reg_cap = ncap;
    g_reg_used = g_reg_live;
    return 1;
}

static int reg_add(const void *p, sim_leak_kind kind) {
    if ((g_reg_used + 1) * 4 >= g_reg_cap * 3 && !reg_grow()) return 0;
    uintptr_t key = (uintptr_t)p;
    size_t j = reg_hash(key) & (g_reg_cap - 1);
    while (g_reg[j].key > 1) j = (j + 1) & (g_reg_cap - 1);
    if (g_reg[j].key == 0) g_reg_used++;
    g_reg[j].key = key;
    g_reg[j].kind = kind;
    g_reg_live++;
    return 1;
}

static reg_slot *reg_find(const void *p) {
    uintptr_t key = (uintptr_t)p;
    if (!g_reg_cap || key <= 1) return NULL;
    size_t j = reg_hash(key) & (g_reg_cap - 1);
    while (g_reg[j].key) {
        if (g_reg[j].key == key) return &g_reg[j];
        j = (j + 1) & (g_reg_cap - 1);
    }
    return NULL;
}

static void reg_remove(reg_slot *s) {
    s->key = 1;
    g_reg_live--;
}

/* Registers p as a live allocation of `kind` and counts it; 0 when the registry cannot grow. */
static int track(void *p, sim_leak_kind kind) {
    sim_lock();
    int ok = reg_add(p, kind);
    if (ok) g_leaks[kind]++;
    sim_unlock();
    return ok;
}

/* The registry slot of p when it is a live allocation of `kind` (lock held). */
static reg_slot *live_slot(const void *p, sim_leak_kind kind) {
    reg_slot *s = reg_find(p);
    return s && s->kind == kind ? s : NULL;
}

/* Whether p is a live allocation of `kind`. */
static int tracked(const void *p, sim_leak_kind kind) {
    sim_lock();
    int live = live_slot(p, kind) != NULL;
    sim_unlock();
    return live;
}

/* Unregisters p when it is a live allocation of `kind` (1); 0 otherwise. */
static int untrack(const void *p, sim_leak_kind kind) {
    sim_lock();
    reg_slot *s = live_slot(p, kind);
    if (s) {
        reg_remove(s);
        g_leaks[kind]--;
    }
    sim_unlock();
    return s != NULL;
}

void *sim_handle_new(sim_leak_kind kind, size_t size) {
    if (size < sizeof(sim_handle_hdr)) size = sizeof(sim_handle_hdr);
    sim_handle_hdr *h = (sim_handle_hdr *)calloc(1, size);
    if (!h) return NULL;
    h->magic = SIM_HANDLE_MAGIC;
    h->kind = kind;
    if (!track(h, kind)) {
        free(h);
        return NULL;
    }
    return h;
}

void *sim_handle_open(DWORD_T err, sim_leak_kind kind, size_t size) {
    void *h = err ? NULL : sim_handle_new(kind, size);
    if (!h) sim_set_last_error(err ? err : SIM_ERROR_NOT_ENOUGH_MEMORY);
    return h;
}

void *sim_handle_get(const void *h, sim_leak_kind kind) {
    return kind <= SIM_LEAK_KEY && tracked(h, kind) ? (void *)(uintptr_t)h : NULL;
}

int sim_handle_kind(const void *h, sim_leak_kind *kind) {
    int found = 0;
    sim_lock();
    reg_slot *s = reg_find(h);
    if (s && s->kind <= SIM_LEAK_KEY) {
        found = 1;
        if (kind) *kind = s->kind;
    }
    sim_unlock();
    return found;
}

int sim_handle_close(void *h, sim_leak_kind kind) {
    if (kind > SIM_LEAK_KEY || !untrack(h, kind)) return 0;
    ((sim_handle_hdr *)h)->magic = 0;
    free(h);
    return 1;
}

/* ======================================================================
 * Strings
 * ====================================================================== */

size_t sim_wcslen(const WCHAR_T *s) {
    size_t n = 0;
    if (!s) return 0;
    while (s[n]) n++;
    return n;
}

/* Decodes one code point from UTF-8 (invalid sequences give U+FFFD, one byte). */
static uint32_t utf8_next(const unsigned char **ps) {
    const unsigned char *s = *ps;
    uint32_t c = s[0], cp;
    int n;
    if (c < 0x80) { *ps = s + 1; return c; }
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else { *ps = s + 1; return 0xFFFD; }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) { *ps = s + 1; return 0xFFFD; }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *ps = s + 1;
        return 0xFFFD;
    }
    *ps = s + n;
    return cp;
}

size_t sim_utf8_wlen(const char *utf8) {
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)utf8;
    if (!s) return 0;
    while (*s) n += utf8_next(&s) >= 0x10000 ? 2 : 1;
    return n;
}

WCHAR_T *sim_utf8_to_w_len(const char *utf8, size_t *cch) {
    if (!utf8) utf8 = "";
    size_t n = sim_utf8_wlen(utf8);
    WCHAR_T *w = (WCHAR_T *)malloc((n + 1) * sizeof(WCHAR_T));
    if (!w) return NULL;
    const unsigned char *s = (const unsigned char *)utf8;
    size_t i = 0;
    while (*s) {
        uint32_t cp = utf8_next(&s);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            w[i++] = (WCHAR_T)(0xD800 + (cp >> 10));
            w[i++] = (WCHAR_T)(0xDC00 + (cp & 0x3FF));
        } else {
            w[i++] = (WCHAR_T)cp;
        }
    }
    w[i] = 0;
    if (cch) *cch = i;
    return w;
}

WCHAR_T *sim_utf8_to_w(const char *utf8) {
    return sim_utf8_to_w_len(utf8, NULL);
}

char *sim_w_to_utf8(const WCHAR_T *w) {
    size_t len = sim_wcslen(w);
    char *out = (char *)malloc(len * 3 + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t cp = w[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (uint32_t)(w[i + 1] - 0xDC00);
            i++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;  /* a lone surrogate has no UTF-8 form */
        }
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xC0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (cp >> 18));
            out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[o] = '\0';
    return out;
}

static int ascii_lower(int c) {
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int sim_utf8_eq_name(const char *a, const char *b) {
    if (!a || !b) return 0;
    while (*a && *b) {
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b)) return 0;
        a++;
        b++;
    }
    return *a == *b;
}

int sim_wcs_eq_utf8(const WCHAR_T *w, const char *utf8, int ignore_ascii_case) {
    char *s = sim_w_to_utf8(w);
    if (!s) return 0;
    int eq = ignore_ascii_case ? sim_utf8_eq_name(s, utf8) : strcmp(s, utf8) == 0;
    free(s);
    return eq;
}

DWORD_T sim_copy_out_w(const char *utf8, WCHAR_T *buf, DWORD_T *cch) {
    if (!cch) return SIM_ERROR_INVALID_PARAMETER;
    size_t n;
    WCHAR_T *w = sim_utf8_to_w_len(utf8, &n);
    if (!w) return 8; /* ERROR_NOT_ENOUGH_MEMORY */
    if (!buf || (size_t)*cch < n + 1) {
        *cch = (DWORD_T)n;
        free(w);
        return SIM_ERROR_MORE_DATA;
    }
    memcpy(buf, w, (n + 1) * sizeof(WCHAR_T));
    *cch = (DWORD_T)n;
    free(w);
    return SIM_ERROR_SUCCESS;
}

static void copy_str(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ======================================================================
 * BSTR and CoTaskMem allocations (counted)
 * ====================================================================== */

/* Layout: 4 bytes padding, u32 byte length, the WCHARs, a NUL WCHAR. The BSTR points
 * at the first WCHAR, 8 bytes into the block, so it is 8-byte aligned. */

BSTR_T sim_bstr_alloc_len(const WCHAR_T *w, uint32_t cch) {
    if ((uint64_t)cch * 2u > 0x7FFFFFF0u) return NULL;
    unsigned char *block = (unsigned char *)malloc(8 + (size_t)cch * 2 + 2);
    if (!block) return NULL;
    uint32_t bytes = cch * 2u;
    memset(block, 0, 4);
    memcpy(block + 4, &bytes, 4);
    BSTR_T b = (BSTR_T)(void *)(block + 8);
    if (w) memcpy(b, w, (size_t)cch * 2);
    else memset(b, 0, (size_t)cch * 2);
    b[cch] = 0;
    if (!track(b, SIM_LEAK_BSTR)) {
        free(block);
        return NULL;
    }
    return b;
}

BSTR_T sim_bstr_alloc(const WCHAR_T *w) {
    if (!w) return NULL;
    return sim_bstr_alloc_len(w, (uint32_t)sim_wcslen(w));
}

BSTR_T sim_bstr_from_utf8(const char *utf8) {
    size_t n;
    WCHAR_T *w = sim_utf8_to_w_len(utf8, &n);
    if (!w) return NULL;
    BSTR_T b = sim_bstr_alloc_len(w, (uint32_t)n);
    free(w);
    return b;
}

int sim_bstr_is_live(const WCHAR_T *b) {
    return tracked(b, SIM_LEAK_BSTR);
}

void sim_bstr_free(BSTR_T b) {
    if (!b) return;
    if (!untrack(b, SIM_LEAK_BSTR)) {
        /* Windows would corrupt its heap here; the simulator refuses and says so. */
        fprintf(stderr, "clussim: SysFreeString of a pointer that is not a live BSTR (%p) was ignored\n", (void *)b);
        sim_log_call("SysFreeString:invalid");
        return;
    }
    free((unsigned char *)(void *)b - 8);
}

void *sim_cotaskmem_alloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p && !track(p, SIM_LEAK_COTASKMEM)) {
        free(p);
        return NULL;
    }
    return p;
}

int sim_cotaskmem_free(void *p) {
    if (!p) return 1;
    if (!untrack(p, SIM_LEAK_COTASKMEM)) return 0;
    free(p);
    return 1;
}

/* ======================================================================
 * Call log and fault injection
 * ====================================================================== */

static char **g_log;
static size_t g_log_len, g_log_cap;

static void log_append_owned(char *entry) {
    if (!entry) return;
    if (g_log_len >= SIM_CALL_LOG_MAX) {
        /* Keep memory bounded on very long runs: forget the oldest tenth. */
        size_t drop = SIM_CALL_LOG_MAX / 10;
        for (size_t i = 0; i < drop; i++) free(g_log[i]);
        memmove(g_log, g_log + drop, (g_log_len - drop) * sizeof *g_log);
        g_log_len -= drop;
    }
    if (g_log_len == g_log_cap) {
        size_t ncap = g_log_cap ? g_log_cap * 2 : 256;
        char **n = (char **)realloc(g_log, ncap * sizeof *n);
        if (!n) {
            free(entry);
            return;
        }
        g_log = n;
        g_log_cap = ncap;
    }
    g_log[g_log_len++] = entry;
}

void sim_log_call(const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sim_lock();
    size_t n = strlen(tmp);
    char *e = (char *)malloc(n + 1);
    if (e) memcpy(e, tmp, n + 1);
    log_append_owned(e);
    sim_unlock();
}

static void log_clear(void) {
    for (size_t i = 0; i < g_log_len; i++) free(g_log[i]);
    g_log_len = 0;
}

typedef enum { FAULT_FAIL, FAULT_HANG, FAULT_CRASH } fault_mode;

typedef struct sim_fault_entry {
    int active;
    char name[160];
    uint32_t remaining;           /* calls until it fires; 1 = the next one */
    uint32_t code;
    fault_mode mode;
} sim_fault_entry;

static sim_fault_entry g_faults[SIM_MAX_FAULTS];

static int parse_fault_mode(const char *mode, fault_mode *out) {
    if (!mode || !*mode || strcmp(mode, "fail") == 0) { *out = FAULT_FAIL; return 1; }
    if (strcmp(mode, "hang") == 0) { *out = FAULT_HANG; return 1; }
    if (strcmp(mode, "crash") == 0) { *out = FAULT_CRASH; return 1; }
    return 0;
}

static void faults_clear(void) {
    memset(g_faults, 0, sizeof g_faults);
}

static int fault_arm(const char *name, uint32_t nth, uint32_t code, fault_mode mode) {
    for (int i = 0; i < SIM_MAX_FAULTS; i++) {
        if (!g_faults[i].active) {
            g_faults[i].active = 1;
            copy_str(g_faults[i].name, sizeof g_faults[i].name, name);
            g_faults[i].remaining = nth ? nth : 1;
            g_faults[i].code = code;
            g_faults[i].mode = mode;
            return 1;
        }
    }
    return 0;
}

static int fault_matches(const char *fault_name, const char *name, const char *entry) {
    if (strcmp(fault_name, name) == 0 || strcmp(fault_name, entry) == 0) return 1;
    size_t fl = strlen(fault_name);
    /* "ControlService:NODE2" matches "ControlService:NODE2:1", but "IVssBackupComponents"
     * must not match "IVssBackupComponents::DoSnapshotSet". */
    return fl > strlen(name) && strncmp(entry, fault_name, fl) == 0 && (entry[fl] == ':' || entry[fl] == '\0');
}

int sim_fault_ex(const char *name, const char *detail, uint32_t *code) {
    char entry[1024];
    if (detail && *detail) snprintf(entry, sizeof entry, "%s:%s", name, detail);
    else snprintf(entry, sizeof entry, "%s", name);
    sim_thread_state *t = sim_thread();
    int claimed = t->claimed_hang[0] && strcmp(t->claimed_hang, name) == 0;
    t->claimed_hang[0] = '\0';

    sim_lock();
    size_t n = strlen(entry);
    char *e = (char *)malloc(n + 1);
    if (e) memcpy(e, entry, n + 1);
    log_append_owned(e);
    sim_fault_entry fired;
    memset(&fired, 0, sizeof fired);
    int has_fired = 0;
    for (int i = 0; i < SIM_MAX_FAULTS; i++) {
        sim_fault_entry *f = &g_faults[i];
        if (!f->active || !fault_matches(f->name, name, entry)) continue;
        if (--f->remaining == 0) {
            f->active = 0;
            if (!has_fired) {
                fired = *f;
                has_fired = 1;
            }
        }
    }
    sim_unlock();

    if (!has_fired) return 0;
    switch (fired.mode) {
    case FAULT_FAIL:
        if (code) *code = fired.code;
        return 1;
    case FAULT_CRASH:
        fprintf(stderr, "clussim: injected crash in %s\n", entry);
        fflush(stderr);
        abort();
    case FAULT_HANG:
        if (claimed) return 0;  /* an asynchronous operation stays pending instead */
        sim_sleep_forever();
    }
    return 0;
}

int sim_fault(const char *name, uint32_t *code) {
    return sim_fault_ex(name, NULL, code);
}

int sim_fault_last_error(const char *name, const char *detail) {
    uint32_t code;
    if (!sim_fault_ex(name, detail, &code)) return 0;
    sim_set_last_error(code);
    return 1;
}

int sim_fault_hangs(const char *name) {
    int hangs = 0;
    sim_lock();
    for (int i = 0; i < SIM_MAX_FAULTS; i++) {
        sim_fault_entry *f = &g_faults[i];
        if (f->active && strcmp(f->name, name) == 0 && f->remaining == 1 && f->mode == FAULT_HANG) hangs = 1;
    }
    sim_unlock();
    if (hangs) copy_str(sim_thread()->claimed_hang, sizeof sim_thread()->claimed_hang, name);
    return hangs;
}

/* ======================================================================
 * Files
 * ====================================================================== */

char sim_path_sep(void) {
#ifdef _WIN32
    return '\\';
#else
    return '/';
#endif
}

static int is_sep(char c) {
#ifdef _WIN32
    return c == '\\' || c == '/';
#else
    return c == '/';
#endif
}

char *sim_path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = (char *)malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t o = a;
    if (a && !is_sep(dir[a - 1])) p[o++] = sim_path_sep();
    memcpy(p + o, name, b + 1);
    return p;
}

#ifdef _WIN32
static wchar_t *wide_path(const char *utf8) {
    return (wchar_t *)(void *)sim_utf8_to_w(utf8);
}
#endif

FILE *sim_fopen(const char *path, const char *mode) {
#ifdef _WIN32
    wchar_t *wp = wide_path(path);
    wchar_t *wm = (wchar_t *)(void *)sim_utf8_to_w(mode);
    FILE *f = NULL;
    if (wp && wm) f = _wfopen(wp, wm);
    free(wp);
    free(wm);
    return f;
#else
    return fopen(path, mode);
#endif
}

int sim_file_size(const char *path, uint64_t *size) {
#ifdef _WIN32
    WIN32_FILE_ATTRIBUTE_DATA data;
    wchar_t *wp = wide_path(path);
    BOOL ok = wp && GetFileAttributesExW(wp, GetFileExInfoStandard, &data);
    free(wp);
    if (!ok || (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) return -1;
    if (size) *size = ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
    return 0;
#else
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    if (size) *size = (uint64_t)st.st_size;
    return 0;
#endif
}

int sim_file_exists(const char *path) {
    return sim_file_size(path, NULL) == 0;
}

int sim_dir_exists(const char *path) {
#ifdef _WIN32
    wchar_t *wp = wide_path(path);
    DWORD attr = wp ? GetFileAttributesW(wp) : INVALID_FILE_ATTRIBUTES;
    free(wp);
    return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY);
#else
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
#endif
}

static int make_dir(const char *path) {
#ifdef _WIN32
    /* GetLastError is not called here: this library exports its own GetLastError,
     * and importing kernel32's would clash with it at link time. The caller checks
     * whether the folder exists instead. */
    wchar_t *wp = wide_path(path);
    BOOL ok = wp && CreateDirectoryW(wp, NULL);
    free(wp);
    return ok ? 0 : -1;
#else
    return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
#endif
}

int sim_mkdirs(const char *path) {
    size_t n = strlen(path);
    char *p = (char *)malloc(n + 1);
    if (!p) return -1;
    memcpy(p, path, n + 1);
    size_t start = 0;
#ifdef _WIN32
    /* Skip "X:\", "\\server\share\" and "\\?\X:\" prefixes: they are not created. */
    if (n >= 4 && strncmp(p, "\\\\?\\", 4) == 0) start = 4;
    if (n >= start + 2 && p[start + 1] == ':') start += 2;
    else if (start == 0 && n >= 2 && is_sep(p[0]) && is_sep(p[1])) {
        int seps = 0;
        for (start = 2; start < n; start++)
            if (is_sep(p[start]) && ++seps == 2) break;
    }
#endif
    for (size_t i = start + 1; i <= n; i++) {
        if (i == n || is_sep(p[i])) {
            char saved = p[i];
            p[i] = '\0';
            if (!sim_dir_exists(p) && make_dir(p) != 0 && !sim_dir_exists(p)) {
                free(p);
                return -1;
            }
            p[i] = saved;
        }
    }
    free(p);
    return sim_dir_exists(path) ? 0 : -1;
}

static int remove_file(const char *path);
static int rename_replace(const char *from, const char *to);

int sim_remove_file(const char *path) {
    return remove_file(path);
}

int sim_rename_replace(const char *from, const char *to) {
    return rename_replace(from, to);
}

static int remove_file(const char *path) {
#ifdef _WIN32
    wchar_t *wp = wide_path(path);
    if (!wp) return -1;
    SetFileAttributesW(wp, FILE_ATTRIBUTE_NORMAL);
    BOOL ok = DeleteFileW(wp);
    free(wp);
    return ok ? 0 : -1;
#else
    return unlink(path);
#endif
}

static int rename_replace(const char *from, const char *to) {
#ifdef _WIN32
    wchar_t *wf = wide_path(from), *wt = wide_path(to);
    BOOL ok = wf && wt && MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    free(wf);
    free(wt);
    return ok ? 0 : -1;
#else
    return rename(from, to);
#endif
}

int sim_remove_tree(const char *path) {
#ifdef _WIN32
    wchar_t *wp = wide_path(path);
    if (!wp) return -1;
    DWORD attr = GetFileAttributesW(wp);
    free(wp);
    if (attr == INVALID_FILE_ATTRIBUTES) return 0;
    if (!(attr & FILE_ATTRIBUTE_DIRECTORY) || (attr & FILE_ATTRIBUTE_REPARSE_POINT)) {
        if (attr & FILE_ATTRIBUTE_DIRECTORY) {
            wchar_t *w = wide_path(path);
            BOOL ok = w && RemoveDirectoryW(w);
            free(w);
            return ok ? 0 : -1;
        }
        return remove_file(path);
    }
    char *pattern = sim_path_join(path, "*");
    wchar_t *wpat = pattern ? wide_path(pattern) : NULL;
    free(pattern);
    if (!wpat) return -1;
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(wpat, &fd);
    free(wpat);
    int rc = 0;
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0) continue;
            char *name = sim_w_to_utf8((const WCHAR_T *)(const void *)fd.cFileName);
            char *child = name ? sim_path_join(path, name) : NULL;
            if (!child || sim_remove_tree(child) != 0) rc = -1;
            free(name);
            free(child);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    wchar_t *wd = wide_path(path);
    if (!wd || !RemoveDirectoryW(wd)) rc = -1;
    free(wd);
    return rc;
#else
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path);
    DIR *d = opendir(path);
    if (!d) return -1;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        char *child = sim_path_join(path, de->d_name);
        if (!child || sim_remove_tree(child) != 0) rc = -1;
        free(child);
    }
    closedir(d);
    if (rmdir(path) != 0) rc = -1;
    return rc;
#endif
}

static unsigned long process_id(void) {
#ifdef _WIN32
    return (unsigned long)GetCurrentProcessId();
#else
    return (unsigned long)getpid();
#endif
}

static char *temp_sibling(const char *path) {
    static unsigned long counter;
    size_t n = strlen(path) + 64;
    char *tmp = (char *)malloc(n);
    if (!tmp) return NULL;
    sim_lock();
    unsigned long c = ++counter;
    sim_unlock();
    snprintf(tmp, n, "%s.tmp-%lu-%lu", path, process_id(), c);
    return tmp;
}

/* Replacing a file atomically (a concurrent reader never sees half a file): the bytes
 * go to a temporary sibling opened by atomic_open, which atomic_close renames over the
 * file when everything was written (`ok`), and removes otherwise. 0 on success. */
static FILE *atomic_open(const char *path, char **tmp) {
    *tmp = temp_sibling(path);
    FILE *f = *tmp ? sim_fopen(*tmp, "wb") : NULL;
    if (!f) {
        free(*tmp);
        *tmp = NULL;
    }
    return f;
}

static int atomic_close(FILE *f, char *tmp, const char *path, int ok) {
    if (fclose(f) != 0) ok = 0;
    int rc = ok && rename_replace(tmp, path) == 0 ? 0 : -1;
    if (rc != 0) remove_file(tmp);
    free(tmp);
    return rc;
}

int sim_write_file_atomic(const char *path, const void *data, size_t len) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    if (!f) return -1;
    return atomic_close(f, tmp, path, len == 0 || fwrite(data, 1, len, f) == len);
}

int sim_copy_file(const char *from, const char *to) {
    FILE *in = sim_fopen(from, "rb");
    if (!in) return -1;
    FILE *out = sim_fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char *buf = (char *)malloc(1 << 16);
    int ok = buf != NULL;
    while (ok) {
        size_t n = fread(buf, 1, 1 << 16, in);
        if (n && fwrite(buf, 1, n, out) != n) ok = 0;
        if (n < (1 << 16)) {
            if (ferror(in)) ok = 0;
            break;
        }
    }
    free(buf);
    fclose(in);
    if (fclose(out) != 0) ok = 0;
    if (!ok) {
        remove_file(to);
        return -1;
    }
    return 0;
}

void sim_sleep_ms(uint32_t ms) {
#ifdef _WIN32
    Sleep(ms);
#else
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
#endif
}

void sim_sleep_forever(void) {
    for (;;) sim_sleep_ms(3600u * 1000u);
}

/* A change signature of a file (to notice another process's writes cheaply). Times are
 * in the platform's file time unit (100 ns on Windows, 1 ns elsewhere). */
typedef struct file_sig {
    int exists;
    uint64_t a, b, c, d;
    uint64_t newest;          /* the latest of the file's write/change times */
} file_sig;

#ifdef _WIN32
#define FILE_TIME_PER_SECOND 10000000ull
static uint64_t filetime_u64(FILETIME t) {
    return ((uint64_t)t.dwHighDateTime << 32) | t.dwLowDateTime;
}
#else
#define FILE_TIME_PER_SECOND 1000000000ull
static uint64_t timespec_u64(struct timespec t) {
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
#endif

/* The wall clock in the unit and epoch of file times. */
static uint64_t file_time_now(void) {
#ifdef _WIN32
    FILETIME now;
    GetSystemTimeAsFileTime(&now);
    return filetime_u64(now);
#else
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return timespec_u64(now);
#endif
}

static file_sig file_signature(const char *path) {
    file_sig s;
    memset(&s, 0, sizeof s);
#ifdef _WIN32
    WIN32_FILE_ATTRIBUTE_DATA data;
    wchar_t *wp = wide_path(path);
    if (wp && GetFileAttributesExW(wp, GetFileExInfoStandard, &data)) {
        s.exists = 1;
        s.a = filetime_u64(data.ftLastWriteTime);
        s.b = ((uint64_t)data.nFileSizeHigh << 32) | data.nFileSizeLow;
        s.c = filetime_u64(data.ftCreationTime);
        s.d = data.dwFileAttributes;
        s.newest = s.a > s.c ? s.a : s.c;
    }
    free(wp);
#else
    struct stat st;
    if (stat(path, &st) == 0) {
        s.exists = 1;
        s.a = timespec_u64(st.st_mtim);
        s.b = (uint64_t)st.st_size;
        s.c = (uint64_t)st.st_ino;  /* every atomic rewrite is a new inode */
        s.d = timespec_u64(st.st_ctim);   /* cannot be set back, unlike the mtime */
        s.newest = s.a > s.d ? s.a : s.d;
    }
#endif
    return s;
}

static int sig_eq(file_sig x, file_sig y) {
    return x.exists == y.exists && x.a == y.a && x.b == y.b && x.c == y.c && x.d == y.d;
}

/* File systems store write times coarsely (a clock tick of up to ~16 ms; 2 s on FAT),
 * so two writes close together can leave the same signature. A signature proves the
 * bytes unchanged only when the file's last write was this long before it was read. */
#define FILE_TIME_SETTLED (2ull * FILE_TIME_PER_SECOND)

static int sig_settled(file_sig s, uint64_t read_at) {
    return !s.exists || s.newest + FILE_TIME_SETTLED < read_at;
}

/* Reads a whole (small) file; NULL with errno set on failure. */
static char *read_file(const char *path, size_t max, size_t *len, int *too_big) {
    *too_big = 0;
    FILE *f = sim_fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = (char *)malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (cap >= max) {
                *too_big = 1;
                free(buf);
                buf = NULL;
                break;
            }
            cap *= 2;
            char *nb = (char *)realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                buf = NULL;
                errno = e ? e : EIO;
            }
            break;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* ======================================================================
 * GUIDs
 * ====================================================================== */

int sim_guid_eq(const sim_guid *a, const sim_guid *b) {
    return memcmp(a, b, sizeof *a) == 0;
}

static uint32_t g_guid_counter;

void sim_guid_new(sim_guid *out) {
    sim_lock();
    uint32_t n = ++g_guid_counter;
    sim_unlock();
    out->Data1 = n;
    out->Data2 = 0x5C5C;          /* a fixed marker so simulator GUIDs are recognisable */
    out->Data3 = 0x4000;          /* version 4 layout */
    static const uint8_t tail[8] = { 0x80, 0x00, 'C', 'L', 'U', 'S', 'S', 'M' };
    memcpy(out->Data4, tail, 8);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int sim_guid_parse(const char *text, sim_guid *out) {
    if (!text) return 0;
    size_t n = strlen(text);
    if (n == 38 && text[0] == '{' && text[37] == '}') {
        text++;
        n = 36;
    }
    if (n != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') return 0;
    uint8_t bytes[16];
    int bi = 0;
    for (size_t i = 0; i < 36 && bi < 16;) {
        if (text[i] == '-') {
            i++;
            continue;
        }
        int hi = hexval(text[i]), lo = hexval(text[i + 1]);
        if (hi < 0 || lo < 0) return 0;
        bytes[bi++] = (uint8_t)(hi * 16 + lo);
        i += 2;
    }
    if (bi != 16) return 0;
    out->Data1 = ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) | bytes[3];
    out->Data2 = (uint16_t)((bytes[4] << 8) | bytes[5]);
    out->Data3 = (uint16_t)((bytes[6] << 8) | bytes[7]);
    memcpy(out->Data4, bytes + 8, 8);
    return 1;
}

/* ======================================================================
 * Scenario
 * ====================================================================== */

static sim_scenario *g_scenario;
static sim_node g_machine_node;        /* the local machine when it is not a listed node */
static char g_scenario_cluster[512];   /* the scenario's cluster name (CLUSDB header fallback) */
static char **g_members;               /* node names from the live CLUSDB header */
static uint32_t g_member_count;
static uint64_t g_scenario_hash;
static char g_state_path[4200];
static file_sig g_state_sig;

sim_scenario *sim_scenario_get(void) {
    return g_scenario;
}

static uint64_t fnv1a(const void *data, size_t len, uint64_t h) {
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
#define FNV_OFFSET 0xcbf29ce484222325ull

/* ---- name lookup ----
 * Node and member names are found through a hash table (ASCII letters folded, as
 * sim_utf8_eq_name compares), so a per-node call costs the same with 1024 nodes as
 * with 4. Without a table (allocation failed) a lookup scans the list instead. */

typedef const char *(*name_at_fn)(const void *list, uint32_t i);

typedef struct name_slot {
    uint32_t first, last;     /* 1 + the position of the first and last entry so named; 0: empty */
} name_slot;

typedef struct name_index {
    name_slot *slots;
    uint32_t mask;            /* slot count - 1, a power of two */
    uint32_t count;
    name_at_fn name_at;
    const void *list;
} name_index;

static uint64_t name_hash(const char *s) {
    uint64_t h = FNV_OFFSET;
    for (; *s; s++) {
        h ^= (unsigned char)ascii_lower((unsigned char)*s);
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The slot holding `name`, or the empty one where it belongs. */
static name_slot *name_index_slot(const name_index *ix, const char *name) {
    uint32_t i = (uint32_t)name_hash(name) & ix->mask;
    while (ix->slots[i].first && !sim_utf8_eq_name(ix->name_at(ix->list, ix->slots[i].first - 1), name)) i = (i + 1) & ix->mask;
    return &ix->slots[i];
}

static void name_index_free(name_index *ix) {
    free(ix->slots);
    memset(ix, 0, sizeof *ix);
}

/* Indexes list[0..count) (the list must stay in place while the index is used). */
static void name_index_build(name_index *ix, const void *list, uint32_t count, name_at_fn name_at) {
    name_index_free(ix);
    ix->list = list;
    ix->count = count;
    ix->name_at = name_at;
    uint32_t cap = 16;
    while (cap < 2 * count) cap <<= 1;
    ix->slots = (name_slot *)calloc(cap, sizeof *ix->slots);
    if (!ix->slots) return;
    ix->mask = cap - 1;
    for (uint32_t i = 0; i < count; i++) {
        name_slot *slot = name_index_slot(ix, name_at(list, i));
        if (!slot->first) slot->first = i + 1;
        slot->last = i + 1;
    }
}

/* 1 + the position of the first entry named `name` (0: none); *last likewise for the last. */
static uint32_t name_index_find(const name_index *ix, const char *name, uint32_t *last) {
    name_slot found = { 0, 0 };
    if (name && ix->slots) {
        found = *name_index_slot(ix, name);
    } else if (name) {
        for (uint32_t i = 0; i < ix->count; i++) {
            if (!sim_utf8_eq_name(ix->name_at(ix->list, i), name)) continue;
            if (!found.first) found.first = i + 1;
            found.last = i + 1;
        }
    }
    if (last) *last = found.last;
    return found.first;
}

static const char *scenario_node_name(const void *list, uint32_t i) {
    return ((const sim_scenario *)list)->nodes[i].name;
}

static const char *member_name_at(const void *list, uint32_t i) {
    return ((char *const *)list)[i];
}

static name_index g_node_index;        /* g_scenario's nodes */
static name_index g_member_index;      /* g_members */

/* The scenario node named `name` (indexed by ix), or NULL. */
static sim_node *indexed_node(sim_scenario *sc, const name_index *ix, const char *name) {
    uint32_t pos = name_index_find(ix, name, NULL);
    return pos ? &sc->nodes[pos - 1] : NULL;
}

/* ---- validation helpers ---- */

/* sim_vctx and the sim_* helpers below are declared in scenario.h (scenario_db.c uses them too). */

void sim_verr(sim_vctx *v, const char *path, const json_value *at, const char *fmt, ...) {
    if (v->failed) return;
    v->failed = 1;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at) snprintf(v->err, v->errlen, "%s: %s (line %u, column %u)", path, msg, at->line, at->column);
    else snprintf(v->err, v->errlen, "%s: %s", path, msg);
}

void sim_check_keys(sim_vctx *v, const json_value *obj, const char *path, const char *const *known) {
    for (size_t i = 0; i < obj->count && !v->failed; i++) {
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            if (strcmp(obj->keys[i], *k) == 0) ok = 1;
        if (!ok) {
            char list[400] = "";
            for (const char *const *k = known; *k; k++) {
                if (list[0]) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, *k, sizeof list - strlen(list) - 1);
            }
            char where[300];
            snprintf(where, sizeof where, "%s", path);
            sim_verr(v, where, obj->items[i], "unknown field \"%.80s\" (known fields: %s)", obj->keys[i], list);
        }
    }
}

int sim_want_type(sim_vctx *v, const json_value *val, json_type t, const char *path) {
    if (val->type == t) return 1;
    sim_verr(v, path, val, "expected %s, found %s", json_type_name(t), json_type_name(val->type));
    return 0;
}

/* An array of at most `max` entries; 1 when it is one (else the error is reported). */
int sim_want_array(sim_vctx *v, const json_value *val, const char *path, uint32_t max) {
    if (!sim_want_type(v, val, JSON_ARRAY, path)) return 0;
    if (val->count <= max) return 1;
    sim_verr(v, path, val, "has %u entries; the simulator supports at most %u", (unsigned)val->count, max);
    return 0;
}

/* Entry i of an array of objects (a `what`, e.g. "node") that may hold the `known` fields
 * and must hold `required`; its path ("nodes[3]") goes to p. NULL after an error. */
const json_value *sim_array_object(sim_vctx *v, const json_value *arr, uint32_t i, const char *path, const char *what,
                                  const char *const *known, const char *required, char *p, size_t cap) {
    const json_value *item = arr->items[i];
    snprintf(p, cap, "%s[%u]", path, i);
    if (!sim_want_type(v, item, JSON_OBJECT, p)) return NULL;
    sim_check_keys(v, item, p, known);
    if (!v->failed && !json_get(item, required)) sim_verr(v, p, item, "the %s has no \"%s\"", what, required);
    return v->failed ? NULL : item;
}

void sim_get_bool(sim_vctx *v, const json_value *obj, const char *key, const char *path, int def, int *out) {
    const json_value *val = json_get(obj, key);
    *out = def;
    if (!val || v->failed) return;
    char p[300];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    if (sim_want_type(v, val, JSON_BOOL, p)) *out = val->boolean;
}

void sim_get_uint(sim_vctx *v, const json_value *obj, const char *key, const char *path, uint64_t def, uint64_t max, uint64_t *out) {
    const json_value *val = json_get(obj, key);
    *out = def;
    if (!val || v->failed) return;
    char p[300];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    if (!sim_want_type(v, val, JSON_NUMBER, p)) return;
    if (!val->is_integer || val->integer < 0 || (uint64_t)val->integer > max) {
        sim_verr(v, p, val, "expected a whole number from 0 to %llu", (unsigned long long)max);
        return;
    }
    *out = (uint64_t)val->integer;
}

uint32_t sim_get_u32(sim_vctx *v, const json_value *obj, const char *key, const char *path, uint32_t def, uint32_t max) {
    uint64_t x;
    sim_get_uint(v, obj, key, path, def, max, &x);
    return (uint32_t)x;
}

/* Validates a name-like string: not empty, at most cap-1 bytes, no control characters
 * and none of the characters in `forbidden`. */
static void check_text(sim_vctx *v, const json_value *val, const char *path, size_t cap, int allow_empty, const char *forbidden) {
    size_t n = strlen(val->string);
    if (!allow_empty && n == 0) {
        sim_verr(v, path, val, "must not be empty");
        return;
    }
    if (n >= cap) {
        sim_verr(v, path, val, "is %u bytes long in UTF-8; the simulator accepts at most %u bytes (%u characters of plain ASCII)",
             (unsigned)n, (unsigned)(cap - 1), (unsigned)(cap - 1));
        return;
    }
    for (const unsigned char *c = (const unsigned char *)val->string; *c; c++) {
        if (*c < 0x20 || *c == 0x7F) {
            sim_verr(v, path, val, "contains a control character");
            return;
        }
        if (forbidden && strchr(forbidden, *c)) {
            sim_verr(v, path, val, "must not contain '%c'", *c);
            return;
        }
    }
}

void sim_get_text(sim_vctx *v, const json_value *obj, const char *key, const char *path, const char *def, char *out, size_t cap,
                     int allow_empty, const char *forbidden) {
    const json_value *val = json_get(obj, key);
    copy_str(out, cap, def);
    if (!val || v->failed) return;
    char p[300];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    if (!sim_want_type(v, val, JSON_STRING, p)) return;
    check_text(v, val, p, cap, allow_empty, forbidden);
    if (!v->failed) copy_str(out, cap, val->string);
}

/* A Win32 error or HRESULT: a number (negative values are taken as 32-bit HRESULTs)
 * or a string holding a decimal or 0x-prefixed hex number. */
static int parse_code(sim_vctx *v, const json_value *val, const char *path, uint32_t *out) {
    if (val->type == JSON_NUMBER) {
        if (!val->is_integer || val->integer < -2147483648LL || val->integer > 0xFFFFFFFFLL) {
            sim_verr(v, path, val, "expected a 32-bit error code or HRESULT");
            return 0;
        }
        *out = (uint32_t)(int64_t)val->integer;
        return 1;
    }
    if (val->type == JSON_STRING) {
        const char *s = val->string;
        char *end = NULL;
        errno = 0;
        unsigned long long x;
        if ((s[0] == '0') && (s[1] == 'x' || s[1] == 'X')) x = strtoull(s + 2, &end, 16);
        else x = strtoull(s, &end, 10);
        if (!*s || errno || !end || *end || x > 0xFFFFFFFFull || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !s[2])) {
            sim_verr(v, path, val, "expected a code such as 1722 or \"0x800423F4\", found \"%.60s\"", s);
            return 0;
        }
        *out = (uint32_t)x;
        return 1;
    }
    sim_verr(v, path, val, "expected a number or a string such as \"0x800423F4\", found %s", json_type_name(val->type));
    return 0;
}

int sim_pick(sim_vctx *v, const json_value *val, const char *path, const char *const *names, const uint32_t *values, uint32_t *out) {
    if (!sim_want_type(v, val, JSON_STRING, path)) return 0;
    for (int i = 0; names[i]; i++) {
        if (strcmp(val->string, names[i]) == 0) {
            *out = values[i];
            return 1;
        }
    }
    char list[300] = "";
    for (int i = 0; names[i]; i++) {
        if (list[0]) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, "\"", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
        strncat(list, "\"", sizeof list - strlen(list) - 1);
    }
    sim_verr(v, path, val, "expected one of %s, found \"%.60s\"", list, val->string);
    return 0;
}

static const char *const NODE_STATE_NAMES[] = { "up", "down", "paused", "joining", NULL };
static const uint32_t NODE_STATE_VALUES[] = { SIM_NODE_UP, SIM_NODE_DOWN, SIM_NODE_PAUSED, SIM_NODE_JOINING };
static const char *const SERVICE_NAMES[] = { "running", "stopped", "notInstalled", NULL };
static const uint32_t SERVICE_VALUES[] = { SIM_SVC_RUNNING, SIM_SVC_STOPPED, SIM_SVC_NOT_INSTALLED };
static const char *const FAIL_AT_NAMES[] = { "prepareBackup", "prepareSnapshot", "freeze", "thaw", "postSnapshot",
                                             "backupComplete", "preRestore", "postRestore", NULL };
static const uint32_t FAIL_AT_VALUES[] = { 7, 8, 9, 10, 11, 12, 13, 14 };   /* VSS_WS_FAILED_AT_* */
static const char *const COMPONENT_TYPE_NAMES[] = { "database", "filegroup", NULL };
static const uint32_t COMPONENT_TYPE_VALUES[] = { 1, 2 };                   /* VSS_CT_* */
static const char *const FAULT_MODE_NAMES[] = { "fail", "hang", "crash", NULL };
static const uint32_t FAULT_MODE_VALUES[] = { FAULT_FAIL, FAULT_HANG, FAULT_CRASH };

/* Characters that cannot appear in a computer name (and that would confuse the call
 * log's "Function:NODE:detail" entries or a path). */
#define NAME_FORBIDDEN "\\/:*?\"<>|"
#define FILE_FORBIDDEN "\\/:*?\"<>|"

typedef struct pending_fault {
    char name[160];
    uint32_t call, code;
    fault_mode mode;
} pending_fault;

static void default_node(sim_node *n, uint32_t index) {
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "NODE%u", index + 1);
    snprintf(n->id, sizeof n->id, "%u", index + 1);
    n->state = SIM_NODE_UP;
    n->reachable = 1;
    n->service_state = SIM_SVC_RUNNING;
    n->votes = 1;
}

static void parse_scenario(sim_vctx *v, const json_value *root, sim_scenario *sc, pending_fault *faults, uint32_t *fault_count) {
    static const char *const TOP[] = { "machine", "elevated", "installed", "configured", "cluster", "nodes", "clusdb",
                                       "writer", "asyncPendingPolls", "snapshotSetInProgress", "mutateAfterSnapshot",
                                       "servicePendingPolls", "faults", "description", "groups", "resources", "networks",
                                       "latencyMs", "mountedFolders", NULL };
    if (root->type != JSON_OBJECT) {
        sim_verr(v, "scenario", root, "the top level must be an object, found %s", json_type_name(root->type));
        return;
    }
    sim_check_keys(v, root, "scenario", TOP);
    if (v->failed) return;

    const json_value *desc = json_get(root, "description");
    if (desc) sim_want_type(v, desc, JSON_STRING, "description");

    sim_get_bool(v, root, "elevated", "", 1, &sc->elevated);
    sim_get_bool(v, root, "installed", "", 1, &sc->installed);
    sim_get_bool(v, root, "configured", "", 1, &sc->configured);
    sc->latency_ms = sim_get_u32(v, root, "latencyMs", "", 0, 600000);

    /* cluster */
    const json_value *cl = json_get(root, "cluster");
    char cluster_name[512];
    copy_str(cluster_name, sizeof cluster_name, "CLUSTER1");
    sc->major = 10;
    sc->minor = 0;
    sc->build = 20348;
    copy_str(sc->vendor, sizeof sc->vendor, "Microsoft(R) Cluster service");
    sc->csd[0] = '\0';
    sc->highest_version = sc->lowest_version = 0x000B0000u;
    sc->version_flags = 0;
    sc->has_quorum = 1;
    copy_str(sc->quorum_resource, sizeof sc->quorum_resource, "Cluster Disk Witness");
    copy_str(sc->quorum_device, sizeof sc->quorum_device, "Q:");
    sc->quorum_max_log = 0;
    sc->paxos_tag = 1;
    sc->replication = 1;   /* the quorum model (quorum.c) is on unless cluster.replication is false */
    if (cl && !v->failed && sim_want_type(v, cl, JSON_OBJECT, "cluster")) {
        static const char *const CK[] = { "name", "version", "quorum", "instanceId", "paxosTag", "replication", NULL };
        sim_check_keys(v, cl, "cluster", CK);
        sim_get_bool(v, cl, "replication", "cluster", 1, &sc->replication);
        const json_value *iid = json_get(cl, "instanceId");
        sim_guid g;
        if (iid && !v->failed && sim_want_type(v, iid, JSON_STRING, "cluster.instanceId")) {
            if (!sim_guid_parse(iid->string, &g)) sim_verr(v, "cluster.instanceId", iid, "expected a GUID, found \"%.60s\"", iid->string);
            else copy_str(sc->instance_id, sizeof sc->instance_id, iid->string);
        }
        sc->paxos_tag = sim_get_u32(v, cl, "paxosTag", "cluster", 1, 0xFFFFFFFFu);
        sim_get_text(v, cl, "name", "cluster", "CLUSTER1", cluster_name, sizeof cluster_name, 0, NAME_FORBIDDEN);
        const json_value *ver = json_get(cl, "version");
        if (ver && !v->failed && sim_want_type(v, ver, JSON_OBJECT, "cluster.version")) {
            static const char *const VK[] = { "major", "minor", "build", "vendor", "csd", "highest", "lowest", "mixedMode", NULL };
            sim_check_keys(v, ver, "cluster.version", VK);
            sc->major = (uint16_t)sim_get_u32(v, ver, "major", "cluster.version", 10, 0xFFFF);
            sc->minor = (uint16_t)sim_get_u32(v, ver, "minor", "cluster.version", 0, 0xFFFF);
            sc->build = (uint16_t)sim_get_u32(v, ver, "build", "cluster.version", 20348, 0xFFFF);
            /* CLUSTERVERSIONINFO holds WCHAR[64]: at most 63 characters. */
            sim_get_text(v, ver, "vendor", "cluster.version", "Microsoft(R) Cluster service", sc->vendor, sizeof sc->vendor, 1, NULL);
            sim_get_text(v, ver, "csd", "cluster.version", "", sc->csd, sizeof sc->csd, 1, NULL);
            sc->highest_version = sim_get_u32(v, ver, "highest", "cluster.version", 0x000B0000u, 0xFFFFFFFFu);
            sc->lowest_version = sim_get_u32(v, ver, "lowest", "cluster.version", sc->highest_version, 0xFFFFFFFFu);
            int mixed;
            sim_get_bool(v, ver, "mixedMode", "cluster.version", 0, &mixed);
            sc->version_flags = mixed ? 1u : 0u;
        }
        const json_value *q = json_get(cl, "quorum");
        if (q && !v->failed) {
            if (q->type == JSON_NULL) {
                sc->has_quorum = 0;
                sc->quorum_resource[0] = sc->quorum_device[0] = '\0';
            } else if (sim_want_type(v, q, JSON_OBJECT, "cluster.quorum")) {
                static const char *const QK[] = { "resource", "device", "maxLogSize", NULL };
                sim_check_keys(v, q, "cluster.quorum", QK);
                sim_get_text(v, q, "resource", "cluster.quorum", "Cluster Disk Witness", sc->quorum_resource, sizeof sc->quorum_resource, 0, NULL);
                sim_get_text(v, q, "device", "cluster.quorum", "Q:", sc->quorum_device, sizeof sc->quorum_device, 1, NULL);
                sc->quorum_max_log = sim_get_u32(v, q, "maxLogSize", "cluster.quorum", 0, 0xFFFFFFFFu);
            }
        }
    }
    copy_str(sc->cluster_name, sizeof sc->cluster_name, cluster_name);
    if (v->failed) return;

    /* nodes */
    const json_value *nodes = json_get(root, "nodes");
    if (!nodes) {
        sc->node_count = 4;
        for (uint32_t i = 0; i < 4; i++) default_node(&sc->nodes[i], i);
    } else if (sim_want_array(v, nodes, "nodes", SIM_MAX_NODES)) {
        sc->node_count = (uint32_t)nodes->count;
        for (uint32_t i = 0; i < sc->node_count && !v->failed; i++) {
            static const char *const NK[] = { "name", "id", "state", "reachable", "service", "votes",
                                              "latencyMs", NULL };
            char p[64];
            const json_value *nv = sim_array_object(v, nodes, i, "nodes", "node", NK, "name", p, sizeof p);
            if (!nv) return;
            sim_node *n = &sc->nodes[i];
            default_node(n, i);
            const json_value *name = json_get(nv, "name");
            sim_get_text(v, nv, "name", p, "", n->name, sizeof n->name, 0, NAME_FORBIDDEN);
            char default_id[64];
            copy_str(default_id, sizeof default_id, n->id);
            sim_get_text(v, nv, "id", p, default_id, n->id, sizeof n->id, 0, "\\");
            const json_value *st = json_get(nv, "state");
            uint32_t x;
            char sp[96];
            snprintf(sp, sizeof sp, "%s.state", p);
            if (st && !v->failed && sim_pick(v, st, sp, NODE_STATE_NAMES, NODE_STATE_VALUES, &x)) n->state = (sim_node_state)x;
            sim_get_bool(v, nv, "reachable", p, 1, &n->reachable);
            n->votes = sim_get_u32(v, nv, "votes", p, 1, 1);
            n->latency_ms = sim_get_u32(v, nv, "latencyMs", p, 0, 600000);
            const json_value *svc = json_get(nv, "service");
            snprintf(sp, sizeof sp, "%s.service", p);
            if (svc && !v->failed && sim_pick(v, svc, sp, SERVICE_NAMES, SERVICE_VALUES, &x)) n->service_state = x;
            for (uint32_t j = 0; j < i && !v->failed; j++) {
                if (sim_utf8_eq_name(sc->nodes[j].name, n->name))
                    sim_verr(v, p, name, "the name \"%.100s\" is already used by nodes[%u] (names are compared without regard to ASCII case)", n->name, j);
                if (!v->failed && sim_hv_name_eq(sc->nodes[j].id, n->id))
                    sim_verr(v, p, json_get(nv, "id"), "the id \"%.60s\" is already used by nodes[%u]", n->id, j);
            }
        }
    }
    if (v->failed) return;

    /* machine */
    const char *def_machine = sc->node_count ? sc->nodes[0].name : "SERVER1";
    sim_get_text(v, root, "machine", "", def_machine, sc->machine, sizeof sc->machine, 0, NAME_FORBIDDEN);
    if (v->failed) return;

    /* clusdb */
    const json_value *db = json_get(root, "clusdb");
    sc->file_count = 2;
    copy_str(sc->files[0].name, sizeof sc->files[0].name, "CLUSDB");
    sc->files[0].size = 65536;
    copy_str(sc->files[1].name, sizeof sc->files[1].name, "CLUSDB.blf");
    sc->files[1].size = 4096;
    sc->clusdb_locked_while_running = 1;
    if (db && sim_want_type(v, db, JSON_OBJECT, "clusdb")) {
        static const char *const DK[] = { "files", "lockedWhileRunning", NULL };
        sim_check_keys(v, db, "clusdb", DK);
        sim_get_bool(v, db, "lockedWhileRunning", "clusdb", 1, &sc->clusdb_locked_while_running);
        const json_value *files = json_get(db, "files");
        if (files && !v->failed && sim_want_array(v, files, "clusdb.files", SIM_MAX_FILES)) {
            sc->file_count = (uint32_t)files->count;
            for (uint32_t i = 0; i < sc->file_count && !v->failed; i++) {
                static const char *const FK[] = { "name", "size", NULL };
                char p[64];
                const json_value *fv = sim_array_object(v, files, i, "clusdb.files", "file", FK, "name", p, sizeof p);
                if (!fv) return;
                /* 256: file names are limited to 255 bytes on common Linux file systems. */
                sim_get_text(v, fv, "name", p, "", sc->files[i].name, 256, 0, FILE_FORBIDDEN);
                if (!v->failed && (strcmp(sc->files[i].name, ".") == 0 || strcmp(sc->files[i].name, "..") == 0))
                    sim_verr(v, p, json_get(fv, "name"), "\".\" and \"..\" are not file names");
                sim_get_uint(v, fv, "size", p, 65536, SIM_MAX_FILE_SIZE, &sc->files[i].size);
                for (uint32_t j = 0; j < i && !v->failed; j++) {
                    if (sim_utf8_eq_name(sc->files[j].name, sc->files[i].name))
                        sim_verr(v, p, json_get(fv, "name"), "the file name \"%.100s\" is already used by clusdb.files[%u]", sc->files[i].name, j);
                }
            }
        }
    }
    if (v->failed) return;

    /* mounted folders (volumes.c) */
    sim_parse_mounted_folders(v, root, sc);
    if (v->failed) return;

    /* the cluster database (groups, resources, networks) */
    sc->database = sim_scenario_database(v, root, sc);
    if (v->failed) return;

    /* writer */
    sc->writer_present = 1;
    copy_str(sc->writer_name, sizeof sc->writer_name, "Cluster Database");
    sim_guid_parse("41e12264-35d8-479b-8e5c-9b23d1dad37e", &sc->writer_id);
    sc->writer_fail_at = 0;
    sc->writer_failure_hr = (HRESULT_T)0x800423F4u;
    sc->component_count = 1;
    memset(&sc->components[0], 0, sizeof sc->components[0]);
    copy_str(sc->components[0].name, sizeof sc->components[0].name, "Cluster Database");
    sc->components[0].type = 2;
    sc->restore_method = 8;
    copy_str(sc->restore_service, sizeof sc->restore_service, "ClusSvc");
    sc->backup_schema = 0x4000;
    sc->writer_releases_at_prerestore = 1;
    const json_value *w = json_get(root, "writer");
    if (w && sim_want_type(v, w, JSON_OBJECT, "writer")) {
        static const char *const WK[] = { "present", "failAt", "failureHr", "components", "restoreMethod", "service", "backupSchema",
                                          "releasesFilesAtPreRestore", NULL };
        sim_check_keys(v, w, "writer", WK);
        sim_get_bool(v, w, "releasesFilesAtPreRestore", "writer", 1, &sc->writer_releases_at_prerestore);
        sim_get_bool(v, w, "present", "writer", 1, &sc->writer_present);
        const json_value *fa = json_get(w, "failAt");
        if (fa && fa->type != JSON_NULL && !v->failed) sim_pick(v, fa, "writer.failAt", FAIL_AT_NAMES, FAIL_AT_VALUES, &sc->writer_fail_at);
        const json_value *hr = json_get(w, "failureHr");
        uint32_t code;
        if (hr && !v->failed && parse_code(v, hr, "writer.failureHr", &code)) sc->writer_failure_hr = (HRESULT_T)code;
        const json_value *comps = json_get(w, "components");
        if (comps && !v->failed && sim_want_array(v, comps, "writer.components", SIM_MAX_COMPONENTS)) {
            sc->component_count = (uint32_t)comps->count;
            for (uint32_t i = 0; i < sc->component_count && !v->failed; i++) {
                static const char *const CK2[] = { "logicalPath", "name", "type", "selectable", NULL };
                char p[64];
                const json_value *cv = sim_array_object(v, comps, i, "writer.components", "component", CK2, "name", p, sizeof p);
                if (!cv) return;
                sim_component *c = &sc->components[i];
                memset(c, 0, sizeof *c);
                c->type = 2;
                sim_get_text(v, cv, "logicalPath", p, "", c->logical_path, sizeof c->logical_path, 1, NULL);
                sim_get_text(v, cv, "name", p, "", c->name, sizeof c->name, 0, NULL);
                const json_value *t = json_get(cv, "type");
                char tp[96];
                snprintf(tp, sizeof tp, "%s.type", p);
                if (t && !v->failed) sim_pick(v, t, tp, COMPONENT_TYPE_NAMES, COMPONENT_TYPE_VALUES, &c->type);
                sim_get_bool(v, cv, "selectable", p, 0, &c->selectable);
            }
        }
        sc->restore_method = sim_get_u32(v, w, "restoreMethod", "writer", 8, 8);
        sim_get_text(v, w, "service", "writer", "ClusSvc", sc->restore_service, sizeof sc->restore_service, 1, NULL);
        sc->backup_schema = sim_get_u32(v, w, "backupSchema", "writer", 0x4000, 0xFFFFFFFFu);
    }
    if (v->failed) return;

    sc->async_pending_polls = sim_get_u32(v, root, "asyncPendingPolls", "", 2, 100000);
    sc->snapshot_in_progress = sim_get_u32(v, root, "snapshotSetInProgress", "", 0, 100000);
    sim_get_bool(v, root, "mutateAfterSnapshot", "", 0, &sc->mutate_after_snapshot);
    sc->service_pending_polls = sim_get_u32(v, root, "servicePendingPolls", "", 2, 100000);
    if (v->failed) return;

    /* faults */
    *fault_count = 0;
    const json_value *fl = json_get(root, "faults");
    if (fl && sim_want_array(v, fl, "faults", SIM_MAX_FAULTS)) {
        for (uint32_t i = 0; i < fl->count && !v->failed; i++) {
            static const char *const FK2[] = { "function", "call", "code", "mode", NULL };
            char p[64];
            const json_value *fv = sim_array_object(v, fl, i, "faults", "fault", FK2, "function", p, sizeof p);
            if (!fv) return;
            pending_fault *pf = &faults[*fault_count];
            memset(pf, 0, sizeof *pf);
            sim_get_text(v, fv, "function", p, "", pf->name, sizeof pf->name, 0, NULL);
            pf->call = sim_get_u32(v, fv, "call", p, 1, 0xFFFFFFFFu);
            if (!v->failed && pf->call == 0) sim_verr(v, p, json_get(fv, "call"), "\"call\" counts from 1 (the first call)");
            const json_value *code = json_get(fv, "code");
            if (!code && !v->failed) {
                const json_value *mode = json_get(fv, "mode");
                if (!mode || (mode->type == JSON_STRING && strcmp(mode->string, "fail") == 0)) {
                    sim_verr(v, p, fv, "the fault has no \"code\"");
                    return;
                }
            }
            char cp[96];
            snprintf(cp, sizeof cp, "%s.code", p);
            if (code && !v->failed) parse_code(v, code, cp, &pf->code);
            const json_value *mode = json_get(fv, "mode");
            uint32_t m = FAULT_FAIL;
            snprintf(cp, sizeof cp, "%s.mode", p);
            if (mode && !v->failed) sim_pick(v, mode, cp, FAULT_MODE_NAMES, FAULT_MODE_VALUES, &m);
            pf->mode = (fault_mode)m;
            (*fault_count)++;
        }
    }
}

/* ---- paths ---- */

static int absolute_path(const char *in, char *out, size_t cap) {
#ifdef _WIN32
    wchar_t *w = wide_path(in);
    if (!w) return -1;
    DWORD need = GetFullPathNameW(w, 0, NULL, NULL);
    if (need == 0) {
        free(w);
        return -1;
    }
    wchar_t *full = (wchar_t *)malloc(((size_t)need + 1) * sizeof(wchar_t));
    DWORD got = full ? GetFullPathNameW(w, need + 1, full, NULL) : 0;
    free(w);
    if (got == 0 || got > need) {
        free(full);
        return -1;
    }
    char *u = sim_w_to_utf8((const WCHAR_T *)(const void *)full);
    free(full);
    if (!u || strlen(u) >= cap) {
        free(u);
        return -1;
    }
    copy_str(out, cap, u);
    free(u);
    return 0;
#else
    if (in[0] == '/') {
        if (strlen(in) >= cap) return -1;
        copy_str(out, cap, in);
        return 0;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) return -1;
    size_t a = strlen(cwd), b = strlen(in);
    if (a + 1 + b >= cap) return -1;
    memcpy(out, cwd, a);
    out[a] = '/';
    memcpy(out + a + 1, in, b + 1);
    return 0;
#endif
}

/* ---- CLUSDB files ---- */

static uint64_t filler_seed(const char *file_name, uint32_t generation) {
    char lower[512];
    size_t n = strlen(file_name);
    if (n >= sizeof lower) n = sizeof lower - 1;
    for (size_t i = 0; i < n; i++) lower[i] = (char)ascii_lower((unsigned char)file_name[i]);
    uint64_t h = fnv1a(lower, n, FNV_OFFSET);
    h = fnv1a(&generation, sizeof generation, h);
    return h ? h : 0x9E3779B97F4A7C15ull;
}

static int is_clusdb_name(const char *name) {
    return sim_utf8_eq_name(name, "CLUSDB");
}

/* Writes deterministic filler up to `size` bytes, atomically (the ClusDb files other than the hive). */
static int write_filled_file(const char *path, uint64_t size, uint64_t seed) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    if (!f) return -1;
    int ok = 1;
    uint64_t written = 0;
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = (unsigned char *)malloc(CHUNK);
    if (!buf) ok = 0;
    uint64_t x = seed;
    while (ok && written < size) {
        size_t n = (size - written) < CHUNK ? (size_t)(size - written) : (size_t)CHUNK;
        for (size_t i = 0; i < n; i += 8) {
            /* xorshift64*: cheap, deterministic, not compressible to nothing */
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            uint64_t r = x * 0x2545F4914F6CDD1Dull;
            for (size_t k = 0; k < 8 && i + k < n; k++) buf[i + k] = (unsigned char)(r >> (8 * k));
        }
        if (fwrite(buf, 1, n, f) != n) ok = 0;
        written += n;
    }
    free(buf);
    return atomic_close(f, tmp, path, ok);
}

/* The wall clock as a FILETIME (100 ns since 1601), for hive time stamps. */
static uint64_t filetime_now(void) {
#ifdef _WIN32
    return file_time_now();
#else
    return file_time_now() / 100u + 116444736000000000ull;
#endif
}

/* Writes a hive file atomically: at least min_size bytes, both sequence numbers `sequence`. */
static int write_hive_file(const char *path, const sim_hv_key *root, uint64_t min_size, uint32_t sequence, uint64_t written) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    if (!f) return -1;
    return atomic_close(f, tmp, path, sim_hv_write(f, root, min_size, sequence, written, "\\SystemRoot\\Cluster\\CLUSDB") == 0);
}

/* Creates the ClusDb files (all of them when `recreate`, else only missing ones):
 * CLUSDB is the scenario's cluster database as a hive, the others filler. */
static int create_clusdb_files(const sim_scenario *sc, int recreate, uint32_t generation, char *err, size_t errlen) {
    if (sim_mkdirs(sc->clusdb_dir) != 0) {
        snprintf(err, errlen, "cannot create the folder %.700s: %s", sc->clusdb_dir, strerror(errno));
        return -1;
    }
    for (uint32_t i = 0; i < sc->file_count; i++) {
        char *path = sim_path_join(sc->clusdb_dir, sc->files[i].name);
        if (!path) return -1;
        if (recreate || !sim_file_exists(path)) {
            int rc = is_clusdb_name(sc->files[i].name)
                         ? write_hive_file(path, sc->database, sc->files[i].size, 1, sc->database->written)
                         : write_filled_file(path, sc->files[i].size, filler_seed(sc->files[i].name, generation));
            if (rc != 0) {
                snprintf(err, errlen, "cannot create %.700s: %s", path, strerror(errno));
                free(path);
                return -1;
            }
        }
        free(path);
    }
    return 0;
}

/* The live CLUSDB as last read, so that sim_reload_clusdb reads it again only when
 * its signature changed (or is too young to prove anything, see sig_settled). */
static struct {
    int valid;                /* describes the current scenario's CLUSDB */
    file_sig sig;             /* the file's signature when it was read */
    int settled;              /* that signature alone proves the bytes unchanged */
    sim_hv_key *tree;         /* NULL: missing, or not a readable hive (error says why) */
    sim_hv_info info;
    char error[400];
    unsigned char *head;      /* the file's first bytes when it was read (see live_head) */
    size_t head_len;
} g_live;

/* While a signature cannot prove the file unchanged, its first LIVE_HEAD_MAX bytes are
 * compared instead of parsing it again: they hold the base block (sequence numbers,
 * time stamp, checksum) and, for a cluster database, every cell in use, so any rewrite
 * changes them. Padding far beyond them is free space. */
#define LIVE_HEAD_MAX (256u * 1024u)

static unsigned char *live_head(const char *path, size_t *len) {
    FILE *f = sim_fopen(path, "rb");
    unsigned char *buf = f ? (unsigned char *)malloc(LIVE_HEAD_MAX) : NULL;
    *len = buf ? fread(buf, 1, LIVE_HEAD_MAX, f) : 0;
    if (f) fclose(f);
    return buf;
}

static void live_clear(void) {
    sim_hv_free(g_live.tree);
    free(g_live.head);
    memset(&g_live, 0, sizeof g_live);
}

int sim_clusdb_mutate(uint32_t generation) {
    sim_lock();
    sim_scenario *sc = g_scenario;
    if (!sc) {
        sim_unlock();
        return -1;
    }
    sim_reload_clusdb();
    int rc = 0;
    for (uint32_t i = 0; i < sc->file_count && rc == 0; i++) {
        char *path = sim_path_join(sc->clusdb_dir, sc->files[i].name);
        if (!path) {
            rc = -1;
            break;
        }
        uint64_t size = sc->files[i].size;
        uint64_t existing;
        if (sim_file_size(path, &existing) == 0) size = existing;
        if (is_clusdb_name(sc->files[i].name)) {
            /* The service flushed its database: same tree, next sequence number and time. */
            if (g_live.tree) {
                uint32_t seq = (g_live.info.sequence1 > g_live.info.sequence2 ? g_live.info.sequence1 : g_live.info.sequence2) + 1;
                if (write_hive_file(path, g_live.tree, size, seq, filetime_now()) != 0) rc = -1;
            }
        } else if (write_filled_file(path, size, filler_seed(sc->files[i].name, generation + 1)) != 0) {
            rc = -1;
        }
        free(path);
    }
    sim_unlock();
    return rc;
}

static void members_free(void) {
    for (uint32_t i = 0; i < g_member_count; i++) free(g_members[i]);
    free(g_members);
    g_members = NULL;
    g_member_count = 0;
    name_index_free(&g_member_index);
}

/* Makes names[0..count) (malloc'd, taken over) the member list. */
static void members_set(char **names, uint32_t count) {
    members_free();
    g_members = names;
    g_member_count = count;
    name_index_build(&g_member_index, g_members, g_member_count, member_name_at);
}

static void members_set_from_scenario(const sim_scenario *sc) {
    members_free();
    if (!sc->node_count) return;
    char **names = (char **)calloc(sc->node_count, sizeof *names);
    uint32_t count = 0;
    for (uint32_t i = 0; names && i < sc->node_count; i++) {
        size_t n = strlen(sc->nodes[i].name);
        names[i] = (char *)malloc(n + 1);
        if (!names[i]) break;
        memcpy(names[i], sc->nodes[i].name, n + 1);
        count = i + 1;
    }
    members_set(names, count);
}

/* Node keys in the order of their ids: numerically when both are numbers, else as text. */
static int node_key_cmp(const void *a, const void *b) {
    const sim_hv_key *x = *(const sim_hv_key *const *)a, *y = *(const sim_hv_key *const *)b;
    char *ex, *ey;
    unsigned long long nx = strtoull(x->name, &ex, 10), ny = strtoull(y->name, &ey, 10);
    if (x->name[0] && y->name[0] && !*ex && !*ey && nx != ny) return nx < ny ? -1 : 1;
    return sim_hv_name_cmp(x->name, y->name);
}

/* The cluster's name (root value ClusterName) and members (Nodes\<id>\NodeName) from a
 * database tree; 0 when both are there. */
static int identity_from_tree(sim_scenario *sc, const sim_hv_key *tree) {
    char *name = sim_hv_get_sz(tree, "ClusterName");
    const sim_hv_key *nodes = sim_hv_subkey(tree, "Nodes");
    if (!name || !name[0] || strlen(name) >= sizeof sc->cluster_name || !nodes || nodes->subkey_count > SIM_MAX_NODES) {
        free(name);
        return -1;
    }
    uint32_t n = nodes->subkey_count;
    const sim_hv_key **keys = (const sim_hv_key **)malloc((n ? n : 1) * sizeof *keys);
    char **names = (char **)calloc(n ? n : 1, sizeof *names);
    uint32_t count = 0;
    int rc = keys && names ? 0 : -1;
    if (rc == 0) {
        memcpy(keys, nodes->subkeys, n * sizeof *keys);
        qsort(keys, n, sizeof *keys, node_key_cmp);
        for (uint32_t i = 0; i < n; i++) {
            char *node = sim_hv_get_sz(keys[i], "NodeName");
            if (node && node[0] && strlen(node) < sizeof(((sim_node *)0)->name)) names[count++] = node;
            else free(node);
        }
        copy_str(sc->cluster_name, sizeof sc->cluster_name, name);
        members_set(names, count);
        names = NULL;
    }
    if (names) free(names);
    free(keys);
    free(name);
    return rc;
}

/* The members and the cluster name come from the live CLUSDB hive every time this is
 * called. The hive is read again only when the file's signature changed (or is too
 * young to prove the bytes unchanged). */
void sim_reload_clusdb(void) {
    sim_lock();
    sim_scenario *sc = g_scenario;
    char *path = sc ? sim_path_join(sc->clusdb_dir, "CLUSDB") : NULL;
    if (sc && !path) {
        live_clear();
        members_set_from_scenario(sc);
        copy_str(sc->cluster_name, sizeof sc->cluster_name, g_scenario_cluster);
    } else if (sc) {
        uint64_t read_at = file_time_now();
        file_sig sig = file_signature(path);
        int same = g_live.valid && sig_eq(sig, g_live.sig) && g_live.settled;
        if (!same && g_live.valid && g_live.head && sig_eq(sig, g_live.sig)) {
            size_t len;
            unsigned char *head = live_head(path, &len);
            same = head && len == g_live.head_len && memcmp(head, g_live.head, len) == 0;
            free(head);
            if (same) g_live.settled = sig_settled(sig, read_at);
        }
        if (!same) {
            live_clear();
            g_live.head = live_head(path, &g_live.head_len);
            FILE *f = sim_fopen(path, "rb");
            if (f) {
                g_live.tree = sim_hv_read(f, g_live.error, sizeof g_live.error, &g_live.info);
                fclose(f);
            } else {
                snprintf(g_live.error, sizeof g_live.error, "%s", sig.exists ? "the file cannot be opened" : "the file does not exist");
            }
            g_live.valid = 1;
            g_live.sig = sig;
            /* A file that exists but could not be read (locked for a moment) is read again next time. */
            g_live.settled = (f || !sig.exists) && sig_settled(sig, read_at);
            if (!g_live.tree || identity_from_tree(sc, g_live.tree) != 0) {
                /* No readable database: the scenario's own cluster name and nodes apply. */
                members_set_from_scenario(sc);
                copy_str(sc->cluster_name, sizeof sc->cluster_name, g_scenario_cluster);
            }
        }
    }
    free(path);
    sim_unlock();
}

sim_hv_key *sim_live_db(const char **error) {
    sim_reload_clusdb();
    if (error) *error = g_live.tree ? NULL : g_live.error;
    return g_live.tree;
}

int sim_live_db_commit(void) {
    sim_scenario *sc = g_scenario;
    if (!sc || !g_live.tree) return -1;
    char *path = sim_path_join(sc->clusdb_dir, "CLUSDB");
    if (!path) return -1;
    uint64_t size = 0;
    sim_file_size(path, &size);
    uint32_t seq = (g_live.info.sequence1 > g_live.info.sequence2 ? g_live.info.sequence1 : g_live.info.sequence2) + 1;
    /* Every change is a new configuration version (see README.md, "PaxosTag"). */
    sim_hv_set_dword(g_live.tree, "PaxosTag", sim_hv_get_dword(g_live.tree, "PaxosTag", 0) + 1);
    int rc = write_hive_file(path, g_live.tree, size, seq, filetime_now());
    free(path);
    /* Read the file back next time: what is on disk is the truth. */
    g_live.valid = 0;
    return rc;
}

uint64_t sim_filetime_now(void) {
    return filetime_now();
}

uint32_t sim_member_count(void) {
    return g_member_count;
}

const char *sim_member_name(uint32_t i) {
    return i < g_member_count ? g_members[i] : NULL;
}

uint32_t sim_member_find(const char *utf8, uint32_t *last) {
    return name_index_find(&g_member_index, utf8, last);
}

int sim_is_member(const char *utf8) {
    return sim_member_find(utf8, NULL) != 0;
}

/* ---- nodes ---- */

const char *sim_strip_unc(const char *name) {
    if (name && name[0] == '\\' && name[1] == '\\') return name + 2;
    return name;
}

sim_node *sim_local_node(void) {
    sim_scenario *sc = g_scenario;
    if (!sc) return NULL;
    return sc->local_node >= 0 ? &sc->nodes[sc->local_node] : &g_machine_node;
}

int sim_node_is_local(const sim_node *n) {
    return n && n == sim_local_node();
}

int sim_is_local_name(const char *utf8) {
    sim_scenario *sc = g_scenario;
    if (!utf8 || !*utf8) return 1;
    return sc && sim_utf8_eq_name(sim_strip_unc(utf8), sc->machine);
}

sim_node *sim_find_node_utf8(const char *name) {
    sim_scenario *sc = g_scenario;
    if (!sc) return NULL;
    if (!name || !*name) return sim_local_node();
    name = sim_strip_unc(name);
    sim_node *n = indexed_node(sc, &g_node_index, name);
    if (n) return n;
    if (sim_utf8_eq_name(sc->machine, name)) return sim_local_node();
    return NULL;
}

sim_node *sim_find_node(const WCHAR_T *name) {
    if (!name) return sim_local_node();
    char *u = sim_w_to_utf8(name);
    if (!u) return NULL;
    sim_lock();
    sim_node *n = sim_find_node_utf8(u);
    sim_unlock();
    free(u);
    return n;
}

static void update_derived(sim_scenario *sc) {
    sim_node *local = sc->local_node >= 0 ? &sc->nodes[sc->local_node] : &g_machine_node;
    uint32_t s = 0;
    if (sc->installed) s |= 1u;
    if (sc->installed && sc->configured) s |= 2u;
    if (sc->installed && sc->configured && local->service_state == SIM_SVC_RUNNING) s |= 0x10u;
    sc->local_state = s;
}

/* ---- state file ---- */

static const char *service_state_name(uint32_t s) {
    switch (s) {
    case SIM_SVC_STOPPED: return "stopped";
    case SIM_SVC_START_PENDING: return "startPending";
    case SIM_SVC_STOP_PENDING: return "stopPending";
    case SIM_SVC_RUNNING: return "running";
    default: return "notInstalled";
    }
}

static int service_state_value(const char *name, uint32_t *out) {
    static const char *const names[] = { "stopped", "startPending", "stopPending", "running" };
    static const uint32_t values[] = { SIM_SVC_STOPPED, SIM_SVC_START_PENDING, SIM_SVC_STOP_PENDING, SIM_SVC_RUNNING };
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = values[i];
            return 1;
        }
    }
    return 0;
}

static void state_json_node(json_buf *b, const sim_node *n, int *first) {
    if (n->service_state == SIM_SVC_NOT_INSTALLED) return;
    json_buf_puts(b, *first ? "\n    " : ",\n    ");
    *first = 0;
    json_buf_string(b, n->name);
    json_buf_printf(b, ": {\"service\": \"%s\", \"pendingLeft\": %u, \"checkpoint\": %u, \"exitCode\": %u",
                    service_state_name(n->service_state), n->pending_left, n->checkpoint, n->exit_code);
    /* The quorum model's part (quorum.c): the cluster's view of the node and a forced start. */
    json_buf_printf(b, ", \"node\": %u, \"forcePending\": %s, \"forced\": %s}", (unsigned)n->state,
                    n->force_pending ? "true" : "false", n->forced ? "true" : "false");
}

void sim_state_save(void) {
    sim_lock();
    sim_scenario *sc = g_scenario;
    if (!sc) {
        sim_unlock();
        return;
    }
    update_derived(sc);
    json_buf b;
    memset(&b, 0, sizeof b);
    json_buf_printf(&b, "{\n  \"version\": 1,\n  \"scenarioHash\": \"%016llx\",\n  \"services\": {", (unsigned long long)g_scenario_hash);
    int first = 1;
    for (uint32_t i = 0; i < sc->node_count; i++) state_json_node(&b, &sc->nodes[i], &first);
    if (sc->local_node < 0) state_json_node(&b, &g_machine_node, &first);
    json_buf_puts(&b, first ? "}" : "\n  }");
    json_buf_printf(&b, ",\n  \"filesReleased\": %s,\n  \"authoritativePending\": %s,\n  \"pendingRenames\": [",
                    sc->files_released ? "true" : "false", sc->authoritative_pending ? "true" : "false");
    for (uint32_t i = 0; i < sc->rename_count; i++) {
        json_buf_puts(&b, i ? ",\n    {\"from\": " : "\n    {\"from\": ");
        json_buf_string(&b, sc->renames[i].from);
        json_buf_puts(&b, ", \"to\": ");
        json_buf_string(&b, sc->renames[i].to);
        json_buf_printf(&b, ", \"flags\": %u}", sc->renames[i].flags);
    }
    json_buf_puts(&b, sc->rename_count ? "\n  ]" : "]");
    json_buf_printf(&b, ",\n  \"clusterFormed\": %s,\n  \"authoritativeHash\": \"%016llx\"\n}\n",
                    sc->cluster_formed ? "true" : "false", (unsigned long long)sc->authoritative_hash);
    if (!b.failed && sim_write_file_atomic(g_state_path, b.data, b.len) == 0) g_state_sig = file_signature(g_state_path);
    json_buf_free(&b);
    sim_unlock();
}

uint64_t sim_scenario_hash(void) {
    sim_lock();
    uint64_t hash = g_scenario_hash;
    sim_unlock();
    return hash;
}

/* Applies a state file to sc; 1 when it belonged to this scenario (same hash). */
static int state_apply(sim_scenario *sc, const name_index *nodes, sim_node *machine, const char *path, uint64_t hash) {
    size_t len;
    int too_big;
    char *text = read_file(path, 64u << 20, &len, &too_big);
    if (!text) return 0;
    char err[256];
    json_value *root = json_parse(text, len, err, sizeof err);
    free(text);
    if (!root) return 0;
    const json_value *h = json_get(root, "scenarioHash");
    char want[32];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)hash);
    int ok = h && h->type == JSON_STRING && strcmp(h->string, want) == 0;
    const json_value *services = json_get(root, "services");
    if (ok && services && services->type == JSON_OBJECT) {
        for (size_t i = 0; i < services->count; i++) {
            const json_value *e = services->items[i];
            const json_value *svc = json_get(e, "service");
            const json_value *left = json_get(e, "pendingLeft");
            const json_value *cp = json_get(e, "checkpoint");
            uint32_t st;
            if (!svc || svc->type != JSON_STRING || !service_state_value(svc->string, &st)) continue;
            sim_node *n = indexed_node(sc, nodes, services->keys[i]);
            if (!n && sc->local_node < 0 && sim_utf8_eq_name(machine->name, services->keys[i])) n = machine;
            if (!n || n->service_state == SIM_SVC_NOT_INSTALLED) continue;
            n->service_state = st;
            n->pending_left = (left && left->type == JSON_NUMBER && left->is_integer && left->integer >= 0) ? (uint32_t)left->integer : 0;
            n->checkpoint = (cp && cp->type == JSON_NUMBER && cp->is_integer && cp->integer >= 0) ? (uint32_t)cp->integer : 0;
            const json_value *ec = json_get(e, "exitCode");
            n->exit_code = (ec && ec->type == JSON_NUMBER && ec->is_integer && ec->integer >= 0) ? (uint32_t)ec->integer : 0;
            const json_value *ns = json_get(e, "node"), *fp = json_get(e, "forcePending"), *fo = json_get(e, "forced");
            if (ns && ns->type == JSON_NUMBER && ns->is_integer && ns->integer >= 0 && ns->integer <= SIM_NODE_JOINING) n->state = (sim_node_state)ns->integer;
            n->force_pending = fp && fp->type == JSON_BOOL && fp->boolean;
            n->forced = fo && fo->type == JSON_BOOL && fo->boolean;
        }
    }
    if (ok) {
        const json_value *fr = json_get(root, "filesReleased"), *ap = json_get(root, "authoritativePending");
        const json_value *pr = json_get(root, "pendingRenames");
        sc->files_released = fr && fr->type == JSON_BOOL && fr->boolean;
        sc->authoritative_pending = ap && ap->type == JSON_BOOL && ap->boolean;
        const json_value *cf = json_get(root, "clusterFormed"), *ah = json_get(root, "authoritativeHash");
        sc->cluster_formed = cf && cf->type == JSON_BOOL && cf->boolean;
        sc->authoritative_hash = ah && ah->type == JSON_STRING ? strtoull(ah->string, NULL, 16) : 0;
        sc->rename_count = 0;
        for (size_t i = 0; pr && pr->type == JSON_ARRAY && i < pr->count && sc->rename_count < SIM_MAX_RENAMES; i++) {
            const json_value *from = json_get(pr->items[i], "from"), *to = json_get(pr->items[i], "to"), *fl = json_get(pr->items[i], "flags");
            if (!from || from->type != JSON_STRING || !to || to->type != JSON_STRING || strlen(from->string) >= 4096 || strlen(to->string) >= 4096) continue;
            sim_pending_rename *r = &sc->renames[sc->rename_count++];
            copy_str(r->from, sizeof r->from, from->string);
            copy_str(r->to, sizeof r->to, to->string);
            r->flags = fl && fl->type == JSON_NUMBER && fl->is_integer && fl->integer >= 0 ? (uint32_t)fl->integer : 0;
        }
    }
    json_free(root);
    return ok;
}

void sim_state_refresh(void) {
    sim_lock();
    sim_scenario *sc = g_scenario;
    if (sc) {
        file_sig s = file_signature(g_state_path);
        if (!sig_eq(s, g_state_sig)) {
            if (s.exists) state_apply(sc, &g_node_index, &g_machine_node, g_state_path, g_scenario_hash);
            g_state_sig = s;
            update_derived(sc);
        }
    }
    sim_unlock();
}

/* ---- opening a scenario ---- */

static int open_scenario(const char *path_in, char *err, size_t errlen) {
    if (!path_in || !*path_in) {
        snprintf(err, errlen, "no scenario file was given");
        return 1;
    }
    int rc = 1;   /* the return code of a failure from here on */
    name_index nodes;
    memset(&nodes, 0, sizeof nodes);
    sim_scenario *sc = (sim_scenario *)calloc(1, sizeof *sc);
    pending_fault *faults = (pending_fault *)calloc(SIM_MAX_FAULTS, sizeof *faults);
    if (!sc || !faults) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (absolute_path(path_in, sc->path, sizeof sc->path) != 0) {
        snprintf(err, errlen, "the path cannot be resolved or is longer than %u bytes", (unsigned)sizeof sc->path - 1);
        goto fail;
    }
    size_t len;
    int too_big;
    errno = 0;
    char *text = read_file(sc->path, SIM_SCENARIO_MAX_BYTES, &len, &too_big);
    if (!text) {
        if (too_big) snprintf(err, errlen, "the file is larger than %u MiB", SIM_SCENARIO_MAX_BYTES >> 20);
        else if (errno == ENOENT) snprintf(err, errlen, "the file does not exist");
        else if (sim_dir_exists(sc->path)) snprintf(err, errlen, "this is a folder, not a scenario file");
        else snprintf(err, errlen, "the file cannot be read: %s", strerror(errno ? errno : EIO));
        goto fail;
    }
    uint64_t hash = fnv1a(text, len, FNV_OFFSET);
    json_value *root = json_parse(text, len, err, errlen);
    free(text);
    if (!root) {
        rc = 2;
        goto fail;
    }
    sim_vctx v = { err, errlen, 0 };
    uint32_t fault_count = 0;
    parse_scenario(&v, root, sc, faults, &fault_count);
    json_free(root);
    if (v.failed) {
        rc = 3;
        goto fail;
    }

    /* Derived paths: <folder>/Windows and <folder>/Windows/Cluster. */
    size_t cut = strlen(sc->path);
    while (cut > 0 && !is_sep(sc->path[cut - 1])) cut--;
    if (cut == 0) {
        snprintf(err, errlen, "cannot tell the scenario's folder from its path");
        goto fail;
    }
    memcpy(sc->dir, sc->path, cut - 1);
    sc->dir[cut - 1] = '\0';
    if (sc->dir[0] == '\0' || (cut == 3 && sc->path[1] == ':')) {
        /* The file sits in a root folder: keep the separator ("/" or "C:\"). */
        memcpy(sc->dir, sc->path, cut);
        sc->dir[cut] = '\0';
    }
    char *sysroot = sim_path_join(sc->dir, "Windows");
    char *clusdir = sysroot ? sim_path_join(sysroot, "Cluster") : NULL;
    int paths_fit = sysroot && clusdir && strlen(clusdir) < sizeof sc->clusdb_dir;
    if (paths_fit) {
        copy_str(sc->system_root, sizeof sc->system_root, sysroot);
        copy_str(sc->clusdb_dir, sizeof sc->clusdb_dir, clusdir);
    }
    free(sysroot);
    free(clusdir);
    if (!paths_fit) {
        snprintf(err, errlen, "the scenario's folder path is too long");
        goto fail;
    }

    /* The local machine. */
    sc->local_node = -1;
    for (uint32_t i = 0; i < sc->node_count; i++)
        if (sim_utf8_eq_name(sc->nodes[i].name, sc->machine)) sc->local_node = (int)i;
    sim_node machine;
    memset(&machine, 0, sizeof machine);
    copy_str(machine.name, sizeof machine.name, sc->machine);
    machine.state = SIM_NODE_DOWN;
    machine.reachable = 1;
    machine.service_state = sc->installed ? SIM_SVC_STOPPED : SIM_SVC_NOT_INSTALLED;
    sim_node *local = sc->local_node >= 0 ? &sc->nodes[sc->local_node] : &machine;
    if (!sc->installed) local->service_state = SIM_SVC_NOT_INSTALLED;
    else if (!sc->configured && local->service_state == SIM_SVC_RUNNING) local->service_state = SIM_SVC_STOPPED;
    local->reachable = 1;   /* the machine can always reach itself */

    /* Instance id of the writer: stable for this scenario file. */
    uint64_t ih = fnv1a(sc->path, strlen(sc->path), FNV_OFFSET);
    sc->writer_instance.Data1 = (uint32_t)ih;
    sc->writer_instance.Data2 = (uint16_t)(ih >> 32);
    sc->writer_instance.Data3 = (uint16_t)(0x4000 | ((ih >> 48) & 0x0FFF));
    uint64_t ih2 = fnv1a(&ih, sizeof ih, FNV_OFFSET);
    for (int i = 0; i < 8; i++) sc->writer_instance.Data4[i] = (uint8_t)(ih2 >> (8 * i));
    sc->writer_instance.Data4[0] = (uint8_t)(0x80 | (sc->writer_instance.Data4[0] & 0x3F));

    /* Persisted state: a state file of the same scenario text continues that world;
     * a missing one or one written for a different text starts afresh. */
    char state_path[sizeof g_state_path];
    snprintf(state_path, sizeof state_path, "%s.state.json", sc->path);
    name_index_build(&nodes, sc, sc->node_count, scenario_node_name);
    int continued = sim_file_exists(state_path) && state_apply(sc, &nodes, &machine, state_path, hash);
    int recreate = !continued && sim_file_exists(state_path);
    rc = 4;
    if (sim_mkdirs(sc->system_root) != 0) {
        snprintf(err, errlen, "cannot create the folder %.700s: %s", sc->system_root, strerror(errno));
        goto fail;
    }
    if (create_clusdb_files(sc, recreate, 0, err, errlen) != 0) goto fail;

    /* Commit. */
    sim_lock();
    if (g_scenario) sim_hv_free(g_scenario->database);
    free(g_scenario);
    g_scenario = sc;
    name_index_free(&g_node_index);
    g_node_index = nodes;
    live_clear();
    g_machine_node = machine;
    copy_str(g_scenario_cluster, sizeof g_scenario_cluster, sc->cluster_name);
    g_scenario_hash = hash;
    copy_str(g_state_path, sizeof g_state_path, state_path);
    memset(&g_state_sig, 0, sizeof g_state_sig);
    sim_quorum_opened(continued);
    if (!continued) sim_state_save();
    else g_state_sig = file_signature(g_state_path);
    update_derived(sc);
    faults_clear();
    for (uint32_t i = 0; i < fault_count; i++) fault_arm(faults[i].name, faults[i].call, faults[i].code, faults[i].mode);
    log_clear();
    sim_token_reset(sc->elevated);
    sim_reload_clusdb();
    sim_unlock();
    free(faults);
    return 0;

fail:
    name_index_free(&nodes);
    if (sc) sim_hv_free(sc->database);
    free(sc);
    free(faults);
    return rc;
}

/* ======================================================================
 * Control exports
 * ====================================================================== */

static uint32_t emit(const json_buf *b, uint8_t *buf, uint32_t cb) {
    uint32_t needed = (uint32_t)b->len + 1;
    if (buf && cb >= needed) memcpy(buf, b->data ? b->data : "", needed);
    else if (buf && cb > 0) buf[0] = 0;
    return needed;
}

SIMAPI int32_t SIMCALL ClusSimOpenScenario(const char *utf8Path, uint8_t *errorBuf, uint32_t cbError) {
    char err[1024];
    err[0] = '\0';
    int rc = open_scenario(utf8Path, err, sizeof err);
    if (errorBuf && cbError) {
        if (rc == 0) {
            errorBuf[0] = 0;
        } else {
            size_t n = strlen(err);
            if (n >= cbError) {
                n = cbError - 1;
                while (n > 0 && (err[n] & 0xC0) == 0x80) n--;   /* do not cut a UTF-8 sequence */
            }
            memcpy(errorBuf, err, n);
            errorBuf[n] = 0;
        }
    }
    return rc;
}

SIMAPI int32_t SIMCALL ClusSimWriteDatabase(const char *utf8ScenarioJson, const char *utf8Path, uint64_t minSize, uint8_t *errorBuf,
                                            uint32_t cbError) {
    /* The cluster database a scenario describes, written as a hive file at utf8Path; the
     * open scenario and everything else stay as they are. */
    char err[1024] = "";
    int rc = 3;
    sim_scenario *sc = (sim_scenario *)calloc(1, sizeof *sc);
    pending_fault *faults = (pending_fault *)calloc(SIM_MAX_FAULTS, sizeof *faults);
    json_value *root = NULL;
    if (!sc || !faults || !utf8ScenarioJson || !utf8Path) {
        snprintf(err, sizeof err, "%s", !sc || !faults ? "out of memory" : "no scenario text or no path was given");
    } else if (!(root = json_parse(utf8ScenarioJson, strlen(utf8ScenarioJson), err, sizeof err))) {
        rc = 2;
    } else {
        sim_vctx v = { err, sizeof err, 0 };
        uint32_t fault_count = 0;
        parse_scenario(&v, root, sc, faults, &fault_count);
        if (!v.failed && sc->database) {
            rc = write_hive_file(utf8Path, sc->database, minSize, 1, sc->database->written) == 0 ? 0 : 4;
            if (rc) snprintf(err, sizeof err, "cannot write %.700s: %s", utf8Path, strerror(errno));
        }
    }
    json_free(root);
    if (sc) sim_hv_free(sc->database);
    free(sc);
    free(faults);
    if (errorBuf && cbError) {
        size_t n = rc ? strlen(err) : 0;
        if (n >= cbError) n = cbError - 1;
        memcpy(errorBuf, err, n);
        errorBuf[n] = 0;
    }
    return rc;
}

SIMAPI uint32_t SIMCALL ClusSimLeakReport(uint8_t *buf, uint32_t cb) {
    json_buf b;
    memset(&b, 0, sizeof b);
    sim_lock();
    json_buf_printf(&b,
                    "{\"handles\":{\"cluster\":%ld,\"node\":%ld,\"enum\":%ld,\"scm\":%ld,\"service\":%ld,\"token\":%ld,\"key\":%ld},"
                    "\"comRefs\":%ld,\"bstrs\":%ld,\"coTaskMem\":%ld,\"snapshotProps\":%ld}",
                    g_leaks[SIM_LEAK_CLUSTER], g_leaks[SIM_LEAK_NODE], g_leaks[SIM_LEAK_ENUM], g_leaks[SIM_LEAK_SCM],
                    g_leaks[SIM_LEAK_SERVICE], g_leaks[SIM_LEAK_TOKEN], g_leaks[SIM_LEAK_KEY], g_leaks[SIM_LEAK_COM_REFS], g_leaks[SIM_LEAK_BSTR],
                    g_leaks[SIM_LEAK_COTASKMEM], g_leaks[SIM_LEAK_SNAPSHOT_PROPS]);
    sim_unlock();
    uint32_t needed = emit(&b, buf, cb);
    json_buf_free(&b);
    return needed;
}

SIMAPI uint32_t SIMCALL ClusSimCallLog(uint8_t *buf, uint32_t cb) {
    json_buf b;
    memset(&b, 0, sizeof b);
    sim_lock();
    json_buf_puts(&b, "[");
    for (size_t i = 0; i < g_log_len; i++) {
        if (i) json_buf_puts(&b, ",");
        json_buf_string(&b, g_log[i]);
    }
    json_buf_puts(&b, "]");
    sim_unlock();
    uint32_t needed = emit(&b, buf, cb);
    json_buf_free(&b);
    return needed;
}

SIMAPI void SIMCALL ClusSimClearCallLog(void) {
    sim_lock();
    log_clear();
    sim_unlock();
}

SIMAPI void SIMCALL ClusSimInjectFault(const char *name, uint32_t nthCall, uint32_t code, const char *mode) {
    fault_mode m;
    if (!name || !*name) return;
    if (!parse_fault_mode(mode, &m)) {
        fprintf(stderr, "clussim: unknown fault mode \"%s\" for %s (use fail, hang or crash); the fault was not armed\n", mode, name);
        return;
    }
    sim_lock();
    if (!fault_arm(name, nthCall, code, m)) fprintf(stderr, "clussim: more than %d faults armed; %s was not armed\n", SIM_MAX_FAULTS, name);
    sim_unlock();
}

SIMAPI void SIMCALL ClusSimClearFaults(void) {
    sim_lock();
    faults_clear();
    sim_unlock();
}
