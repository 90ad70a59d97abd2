/*
 * Registry hives: the key tree, the writer and the reader (see hive.h). Layout of
 * every structure: the public "Windows registry file format specification" (cited in
 * README.md); offsets below are relative to the cell's data, after its size field.
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdlib.h>
#include <string.h>

#include "hive.h"
#include "sim.h"

#define BASE_BLOCK 4096u
#define BIN_HEADER 32u
#define BIN_STEP 4096u
/* CM_KEY_VALUE_BIG: data above this size is split into segments behind a db cell. */
#define BIG_DATA_SEGMENT 16344u
/* One lh leaf holds at most this many entries before the writer splits it under an ri root. */
#define LEAF_MAX 1012u
#define LEAF_SPLIT 512u
#define KEY_HIVE_ENTRY 0x0004u
#define KEY_NO_DELETE 0x0008u
#define KEY_COMP_NAME 0x0020u
#define VALUE_COMP_NAME 0x0001u
#define NO_CELL 0xFFFFFFFFu

/* Reader bounds: a damaged or hostile file ends in an error, never in unbounded work. */
#define READ_MAX_KEYS 2000000u
#define READ_MAX_VALUE (64u << 20)
#define READ_MAX_TOTAL_DATA (1024ull << 20)
#define READ_MAX_CELL (16u << 20)

/* ======================================================================
 * Names
 * ====================================================================== */

static uint16_t upcase(uint16_t c) {
    if (c >= 'a' && c <= 'z') return (uint16_t)(c - 32);
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return (uint16_t)(c - 32);
    if (c >= 0x430 && c <= 0x44F) return (uint16_t)(c - 32);
    if (c >= 0x450 && c <= 0x45F) return (uint16_t)(c - 80);
    return c;
}

size_t sim_hv_name_units(const char *utf8) {
    return sim_utf8_wlen(utf8 ? utf8 : "");
}

int sim_hv_name_cmp(const char *a, const char *b) {
    /* Plain ASCII names (nearly all) compare without converting them. */
    const unsigned char *x = (const unsigned char *)(a ? a : ""), *y = (const unsigned char *)(b ? b : "");
    for (;; x++, y++) {
        if (*x >= 0x80 || *y >= 0x80) break;
        uint16_t cx = upcase(*x), cy = upcase(*y);
        if (cx != cy) return cx < cy ? -1 : 1;
        if (!*x) return 0;
    }
    size_t na, nb;
    WCHAR_T *wa = sim_utf8_to_w_len(a ? a : "", &na);
    WCHAR_T *wb = sim_utf8_to_w_len(b ? b : "", &nb);
    int r = 0;
    if (!wa || !wb) {
        r = strcmp(a ? a : "", b ? b : "");
    } else {
        size_t i = 0;
        for (; i < na && i < nb && r == 0; i++) {
            uint16_t x = upcase(wa[i]), y = upcase(wb[i]);
            if (x != y) r = x < y ? -1 : 1;
        }
        if (r == 0 && na != nb) r = na < nb ? -1 : 1;
    }
    free(wa);
    free(wb);
    return r;
}

int sim_hv_name_eq(const char *a, const char *b) {
    return sim_hv_name_cmp(a, b) == 0;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s ? s : "");
    char *d = (char *)malloc(n + 1);
    if (d) memcpy(d, s ? s : "", n + 1);
    return d;
}

/* ======================================================================
 * The tree
 * ====================================================================== */

sim_hv_key *sim_hv_new(const char *name, uint64_t written) {
    sim_hv_key *k = (sim_hv_key *)calloc(1, sizeof *k);
    if (!k) return NULL;
    k->name = dup_str(name);
    if (!k->name) {
        free(k);
        return NULL;
    }
    k->written = written;
    return k;
}

static void value_clear(sim_hv_value *v) {
    free(v->name);
    free(v->data);
    memset(v, 0, sizeof *v);
}

void sim_hv_free(sim_hv_key *k) {
    if (!k) return;
    for (uint32_t i = 0; i < k->value_count; i++) value_clear(&k->values[i]);
    free(k->values);
    for (uint32_t i = 0; i < k->subkey_count; i++) sim_hv_free(k->subkeys[i]);
    free(k->subkeys);
    free(k->name);
    free(k);
}

sim_hv_key *sim_hv_clone(const sim_hv_key *k) {
    sim_hv_key *c = sim_hv_new(k->name, k->written);
    if (!c) return NULL;
    for (uint32_t i = 0; i < k->value_count; i++) {
        const sim_hv_value *v = &k->values[i];
        if (sim_hv_set(c, v->name, v->type, v->data, v->len) != 0) goto fail;
    }
    if (k->subkey_count) {
        c->subkeys = (sim_hv_key **)calloc(k->subkey_count, sizeof *c->subkeys);
        if (!c->subkeys) goto fail;
        c->subkey_cap = k->subkey_count;
        for (uint32_t i = 0; i < k->subkey_count; i++) {
            sim_hv_key *s = sim_hv_clone(k->subkeys[i]);
            if (!s) goto fail;
            s->parent = c;
            c->subkeys[c->subkey_count++] = s;
        }
    }
    return c;
fail:
    sim_hv_free(c);
    return NULL;
}

/* Position of `name` among the sorted subkeys; *found says whether it is there. */
static uint32_t subkey_pos(const sim_hv_key *k, const char *name, int *found) {
    uint32_t lo = 0, hi = k->subkey_count;
    *found = 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = sim_hv_name_cmp(k->subkeys[mid]->name, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

sim_hv_key *sim_hv_subkey(const sim_hv_key *k, const char *name) {
    int found;
    uint32_t pos = subkey_pos(k, name, &found);
    return found ? k->subkeys[pos] : NULL;
}

sim_hv_key *sim_hv_path(sim_hv_key *k, const char *path) {
    if (!path) return k;
    const char *p = path;
    char part[1024];
    while (k && *p) {
        const char *end = strchr(p, '\\');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || n >= sizeof part) return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        k = sim_hv_subkey(k, part);
        p += n;
        if (*p == '\\') p++;
    }
    return k;
}

sim_hv_key *sim_hv_add_subkey(sim_hv_key *k, const char *name, uint64_t written, int *created) {
    int found;
    uint32_t pos = subkey_pos(k, name, &found);
    if (created) *created = 0;
    if (found) return k->subkeys[pos];
    if (k->subkey_count == k->subkey_cap) {
        uint32_t ncap = k->subkey_cap ? k->subkey_cap * 2 : 4;
        sim_hv_key **n = (sim_hv_key **)realloc(k->subkeys, ncap * sizeof *n);
        if (!n) return NULL;
        k->subkeys = n;
        k->subkey_cap = ncap;
    }
    sim_hv_key *s = sim_hv_new(name, written);
    if (!s) return NULL;
    s->parent = k;
    memmove(k->subkeys + pos + 1, k->subkeys + pos, (k->subkey_count - pos) * sizeof *k->subkeys);
    k->subkeys[pos] = s;
    k->subkey_count++;
    if (created) *created = 1;
    return s;
}

int sim_hv_remove_subkey(sim_hv_key *k, const char *name) {
    int found;
    uint32_t pos = subkey_pos(k, name, &found);
    if (!found) return 2;
    sim_hv_free(k->subkeys[pos]);
    memmove(k->subkeys + pos, k->subkeys + pos + 1, (k->subkey_count - pos - 1) * sizeof *k->subkeys);
    k->subkey_count--;
    return 0;
}

sim_hv_value *sim_hv_value_get(const sim_hv_key *k, const char *name) {
    for (uint32_t i = 0; i < k->value_count; i++)
        if (sim_hv_name_eq(k->values[i].name, name ? name : "")) return &k->values[i];
    return NULL;
}

int sim_hv_set(sim_hv_key *k, const char *name, uint32_t type, const void *data, uint32_t len) {
    uint8_t *copy = NULL;
    if (len) {
        copy = (uint8_t *)malloc(len);
        if (!copy) return -1;
        memcpy(copy, data, len);
    }
    sim_hv_value *v = sim_hv_value_get(k, name);
    if (!v) {
        if (k->value_count == k->value_cap) {
            uint32_t ncap = k->value_cap ? k->value_cap * 2 : 4;
            sim_hv_value *n = (sim_hv_value *)realloc(k->values, ncap * sizeof *n);
            if (!n) {
                free(copy);
                return -1;
            }
            k->values = n;
            k->value_cap = ncap;
        }
        char *nm = dup_str(name);
        if (!nm) {
            free(copy);
            return -1;
        }
        v = &k->values[k->value_count++];
        memset(v, 0, sizeof *v);
        v->name = nm;
    } else {
        free(v->data);
    }
    v->type = type;
    v->data = copy;
    v->len = len;
    return 0;
}

int sim_hv_set_sz(sim_hv_key *k, const char *name, const char *utf8) {
    size_t n;
    WCHAR_T *w = sim_utf8_to_w_len(utf8 ? utf8 : "", &n);
    if (!w) return -1;
    uint8_t *bytes = (uint8_t *)malloc((n + 1) * 2);
    if (!bytes) {
        free(w);
        return -1;
    }
    for (size_t i = 0; i <= n; i++) {
        bytes[2 * i] = (uint8_t)(w[i] & 0xFF);
        bytes[2 * i + 1] = (uint8_t)(w[i] >> 8);
    }
    int rc = sim_hv_set(k, name, SIM_REG_SZ, bytes, (uint32_t)((n + 1) * 2));
    free(bytes);
    free(w);
    return rc;
}

int sim_hv_set_dword(sim_hv_key *k, const char *name, uint32_t v) {
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    return sim_hv_set(k, name, SIM_REG_DWORD, b, 4);
}

int sim_hv_set_qword(sim_hv_key *k, const char *name, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    return sim_hv_set(k, name, SIM_REG_QWORD, b, 8);
}

int sim_hv_set_multi_sz(sim_hv_key *k, const char *name, const char *const *items, uint32_t count) {
    size_t total = 1;   /* the final empty string's NUL */
    for (uint32_t i = 0; i < count; i++) total += sim_utf8_wlen(items[i]) + 1;
    uint8_t *bytes = (uint8_t *)calloc(total, 2);
    if (!bytes) return -1;
    size_t at = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t n;
        WCHAR_T *w = sim_utf8_to_w_len(items[i], &n);
        if (!w) {
            free(bytes);
            return -1;
        }
        for (size_t j = 0; j <= n; j++, at++) {
            bytes[2 * at] = (uint8_t)(w[j] & 0xFF);
            bytes[2 * at + 1] = (uint8_t)(w[j] >> 8);
        }
        free(w);
    }
    int rc = sim_hv_set(k, name, SIM_REG_MULTI_SZ, bytes, (uint32_t)(total * 2));
    free(bytes);
    return rc;
}

int sim_hv_remove_value(sim_hv_key *k, const char *name) {
    sim_hv_value *v = sim_hv_value_get(k, name);
    if (!v) return 2;
    uint32_t pos = (uint32_t)(v - k->values);
    value_clear(v);
    memmove(k->values + pos, k->values + pos + 1, (k->value_count - pos - 1) * sizeof *k->values);
    k->value_count--;
    return 0;
}

char *sim_hv_get_sz(const sim_hv_key *k, const char *name) {
    const sim_hv_value *v = sim_hv_value_get(k, name);
    if (!v || (v->type != SIM_REG_SZ && v->type != SIM_REG_EXPAND_SZ)) return NULL;
    size_t n = v->len / 2;
    WCHAR_T *w = (WCHAR_T *)calloc(n + 1, sizeof *w);
    if (!w) return NULL;
    for (size_t i = 0; i < n; i++) w[i] = (WCHAR_T)(v->data[2 * i] | (v->data[2 * i + 1] << 8));
    char *s = sim_w_to_utf8(w);   /* stops at the first NUL */
    free(w);
    return s;
}

uint32_t sim_hv_get_dword(const sim_hv_key *k, const char *name, uint32_t def) {
    const sim_hv_value *v = sim_hv_value_get(k, name);
    if (!v || v->type != SIM_REG_DWORD || v->len != 4) return def;
    return (uint32_t)v->data[0] | ((uint32_t)v->data[1] << 8) | ((uint32_t)v->data[2] << 16) | ((uint32_t)v->data[3] << 24);
}

/* ======================================================================
 * Writer
 * ====================================================================== */

typedef struct hv_out {
    uint8_t *data;            /* hive bins data: offset 0 is the first bin's header */
    size_t len, cap;
    size_t bin_start, bin_size;
    uint64_t written;
    int failed;
} hv_out;

static void put16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t get16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}

static int out_reserve(hv_out *o, size_t extra) {
    if (o->failed) return 0;
    if (o->len + extra <= o->cap) return 1;
    size_t ncap = o->cap ? o->cap : 65536;
    while (ncap < o->len + extra) ncap *= 2;
    uint8_t *n = (uint8_t *)realloc(o->data, ncap);
    if (!n) {
        o->failed = 1;
        return 0;
    }
    o->data = n;
    o->cap = ncap;
    return 1;
}

/* Ends the current bin: its unused rest becomes one free cell. */
static void bin_close(hv_out *o) {
    size_t end = o->bin_start + o->bin_size;
    if (o->bin_size == 0 || o->failed) return;
    size_t rest = end - o->len;
    if (rest) {
        memset(o->data + o->len, 0, rest);
        put32(o->data + o->len, (uint32_t)rest);
        o->len = end;
    }
}

static void bin_open(hv_out *o, size_t size) {
    if (!out_reserve(o, size)) return;
    o->bin_start = o->len;
    o->bin_size = size;
    uint8_t *h = o->data + o->len;
    memset(h, 0, BIN_HEADER);
    memcpy(h, "hbin", 4);
    put32(h + 4, (uint32_t)o->bin_start);
    put32(h + 8, (uint32_t)size);
    if (o->bin_start == 0) put64(h + 20, o->written);
    o->len += BIN_HEADER;
}

/* A zeroed allocated cell with `payload` bytes of data; returns its offset (or NO_CELL). */
static uint32_t cell_alloc(hv_out *o, size_t payload) {
    size_t size = (payload + 4 + 7) & ~(size_t)7;
    if (o->failed || size > 0x7FFFFFF0u) {
        o->failed = 1;
        return NO_CELL;
    }
    if (o->bin_size == 0 || o->len + size > o->bin_start + o->bin_size) {
        bin_close(o);
        bin_open(o, (size + BIN_HEADER + BIN_STEP - 1) / BIN_STEP * BIN_STEP);
        if (o->failed) return NO_CELL;
    }
    uint32_t off = (uint32_t)o->len;
    memset(o->data + off, 0, size);
    put32(o->data + off, (uint32_t)(-(int32_t)size));
    o->len += size;
    return off;
}

static uint8_t *cell_data(hv_out *o, uint32_t off) {
    return o->data + off + 4;
}

/* A name as the hive stores it: Latin-1 when every unit is below 0x100 (compressed), else UTF-16LE. */
typedef struct hv_name {
    uint8_t *bytes;
    size_t len;
    int compressed;
    uint32_t hash;      /* lh hash: H = 37 * H + upcase(unit) */
    size_t units;
} hv_name;

static int name_encode(const char *utf8, hv_name *n) {
    size_t units;
    WCHAR_T *w = sim_utf8_to_w_len(utf8, &units);
    memset(n, 0, sizeof *n);
    if (!w) return -1;
    n->compressed = 1;
    for (size_t i = 0; i < units; i++) {
        if (w[i] >= 0x100) n->compressed = 0;
        n->hash = n->hash * 37u + upcase(w[i]);
    }
    n->units = units;
    n->len = n->compressed ? units : units * 2;
    n->bytes = (uint8_t *)malloc(n->len ? n->len : 1);
    if (!n->bytes) {
        free(w);
        return -1;
    }
    for (size_t i = 0; i < units; i++) {
        if (n->compressed) {
            n->bytes[i] = (uint8_t)w[i];
        } else {
            n->bytes[2 * i] = (uint8_t)(w[i] & 0xFF);
            n->bytes[2 * i + 1] = (uint8_t)(w[i] >> 8);
        }
    }
    free(w);
    return 0;
}

/* A self-relative security descriptor: owner BUILTIN\Administrators, group SYSTEM,
 * a DACL granting KEY_ALL_ACCESS to both (inherited by subkeys). */
static size_t security_descriptor(uint8_t *sd) {
    static const uint8_t admins[16] = { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0 };
    static const uint8_t system[12] = { 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 };
    size_t at = 20;
    memset(sd, 0, 128);
    sd[0] = 1;                                  /* revision */
    put16(sd + 2, 0x8004);                      /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
    uint32_t dacl = (uint32_t)at;
    size_t ace1 = 8 + sizeof admins, ace2 = 8 + sizeof system;
    size_t acl_size = 8 + ace1 + ace2;
    sd[at] = 2;                                 /* ACL_REVISION */
    put16(sd + at + 2, (uint32_t)acl_size);
    put16(sd + at + 4, 2);
    size_t p = at + 8;
    sd[p] = 0; sd[p + 1] = 0x02;                /* ACCESS_ALLOWED_ACE, CONTAINER_INHERIT_ACE */
    put16(sd + p + 2, (uint32_t)ace1);
    put32(sd + p + 4, 0x000F003Fu);             /* KEY_ALL_ACCESS */
    memcpy(sd + p + 8, admins, sizeof admins);
    p += ace1;
    sd[p] = 0; sd[p + 1] = 0x02;
    put16(sd + p + 2, (uint32_t)ace2);
    put32(sd + p + 4, 0x000F003Fu);
    memcpy(sd + p + 8, system, sizeof system);
    p += ace2;
    uint32_t owner = (uint32_t)p;
    memcpy(sd + p, admins, sizeof admins);
    p += sizeof admins;
    uint32_t group = (uint32_t)p;
    memcpy(sd + p, system, sizeof system);
    p += sizeof system;
    put32(sd + 4, owner);
    put32(sd + 8, group);
    put32(sd + 12, 0);                          /* no SACL */
    put32(sd + 16, dacl);
    return p;
}

static uint32_t count_keys(const sim_hv_key *k) {
    uint32_t n = 1;
    for (uint32_t i = 0; i < k->subkey_count; i++) n += count_keys(k->subkeys[i]);
    return n;
}

/* Value data: inline (≤ 4 bytes), one cell, or big data (db + segment list + segments). */
static uint32_t write_data(hv_out *o, const sim_hv_value *v, uint32_t *size_field) {
    if (v->len <= 4) {
        *size_field = v->len | 0x80000000u;
        uint32_t inl = 0;
        for (uint32_t i = 0; i < v->len; i++) inl |= (uint32_t)v->data[i] << (8 * i);
        return inl;
    }
    *size_field = v->len;
    if (v->len <= BIG_DATA_SEGMENT) {
        uint32_t c = cell_alloc(o, v->len);
        if (c != NO_CELL) memcpy(cell_data(o, c), v->data, v->len);
        return c;
    }
    uint32_t segments = (v->len + BIG_DATA_SEGMENT - 1) / BIG_DATA_SEGMENT;
    uint32_t db = cell_alloc(o, 8);
    uint32_t list = cell_alloc(o, (size_t)segments * 4);
    for (uint32_t i = 0; i < segments && !o->failed; i++) {
        uint32_t n = v->len - i * BIG_DATA_SEGMENT;
        if (n > BIG_DATA_SEGMENT) n = BIG_DATA_SEGMENT;
        /* Each segment cell keeps 4 bytes of padding after its data: readers such as hivex
         * take a segment's data as its cell size minus 8. */
        uint32_t seg = cell_alloc(o, (size_t)n + 4);
        if (seg == NO_CELL) break;
        memcpy(cell_data(o, seg), v->data + (size_t)i * BIG_DATA_SEGMENT, n);
        put32(cell_data(o, list) + 4 * i, seg);
    }
    if (o->failed) return NO_CELL;
    uint8_t *d = cell_data(o, db);
    memcpy(d, "db", 2);
    put16(d + 2, segments);
    put32(d + 4, list);
    return db;
}

static uint32_t write_leaf(hv_out *o, const uint32_t *offs, const uint32_t *hashes, uint32_t n) {
    uint32_t c = cell_alloc(o, 4 + (size_t)n * 8);
    if (c == NO_CELL) return NO_CELL;
    uint8_t *d = cell_data(o, c);
    memcpy(d, "lh", 2);
    put16(d + 2, n);
    for (uint32_t i = 0; i < n; i++) {
        put32(d + 4 + 8 * i, offs[i]);
        put32(d + 8 + 8 * i, hashes[i]);
    }
    return c;
}

static uint32_t write_key(hv_out *o, const sim_hv_key *k, uint32_t parent, uint32_t sk, int root) {
    hv_name name;
    if (name_encode(k->name, &name) != 0 || name.len > 0xFFFF) {
        free(name.bytes);
        o->failed = 1;
        return NO_CELL;
    }
    uint32_t nk = cell_alloc(o, 76 + name.len);
    if (nk == NO_CELL) {
        free(name.bytes);
        return NO_CELL;
    }
    memcpy(cell_data(o, nk) + 76, name.bytes, name.len);

    /* Values. */
    uint32_t max_vname = 0, max_vdata = 0, vlist = NO_CELL;
    if (k->value_count) {
        uint32_t *voffs = (uint32_t *)calloc(k->value_count, sizeof *voffs);
        if (!voffs) o->failed = 1;
        for (uint32_t i = 0; voffs && i < k->value_count && !o->failed; i++) {
            const sim_hv_value *v = &k->values[i];
            hv_name vn;
            if (name_encode(v->name, &vn) != 0 || vn.len > 0xFFFF) {
                free(vn.bytes);
                o->failed = 1;
                break;
            }
            uint32_t vk = cell_alloc(o, 20 + vn.len);
            uint32_t size_field = 0;
            uint32_t data = vk == NO_CELL ? NO_CELL : write_data(o, v, &size_field);
            if (!o->failed) {
                uint8_t *d = cell_data(o, vk);
                memcpy(d, "vk", 2);
                put16(d + 2, (uint32_t)vn.len);
                put32(d + 4, size_field);
                put32(d + 8, data);
                put32(d + 12, v->type);
                put16(d + 16, vn.compressed && vn.len ? VALUE_COMP_NAME : 0);
                memcpy(d + 20, vn.bytes, vn.len);
                voffs[i] = vk;
                if (vn.units * 2 > max_vname) max_vname = (uint32_t)(vn.units * 2);
                if (v->len > max_vdata) max_vdata = v->len;
            }
            free(vn.bytes);
        }
        if (!o->failed) {
            vlist = cell_alloc(o, (size_t)k->value_count * 4);
            for (uint32_t i = 0; vlist != NO_CELL && i < k->value_count; i++) put32(cell_data(o, vlist) + 4 * i, voffs[i]);
        }
        free(voffs);
    }

    /* Subkeys (already sorted), then their index: one lh leaf, or an ri root over leaves. */
    uint32_t max_sname = 0, slist = NO_CELL;
    if (k->subkey_count && !o->failed) {
        uint32_t n = k->subkey_count;
        uint32_t *soffs = (uint32_t *)calloc(n, sizeof *soffs);
        uint32_t *hashes = (uint32_t *)calloc(n, sizeof *hashes);
        if (!soffs || !hashes) o->failed = 1;
        for (uint32_t i = 0; soffs && hashes && i < n && !o->failed; i++) {
            hv_name sn;
            if (name_encode(k->subkeys[i]->name, &sn) != 0) {
                o->failed = 1;
                break;
            }
            hashes[i] = sn.hash;
            if (sn.units * 2 > max_sname) max_sname = (uint32_t)(sn.units * 2);
            free(sn.bytes);
            soffs[i] = write_key(o, k->subkeys[i], nk, sk, 0);
        }
        if (!o->failed) {
            if (n <= LEAF_MAX) {
                slist = write_leaf(o, soffs, hashes, n);
            } else {
                uint32_t leaves = (n + LEAF_SPLIT - 1) / LEAF_SPLIT;
                uint32_t *loffs = (uint32_t *)calloc(leaves, sizeof *loffs);
                if (!loffs) o->failed = 1;
                for (uint32_t l = 0; loffs && l < leaves && !o->failed; l++) {
                    uint32_t from = l * LEAF_SPLIT, cnt = n - from < LEAF_SPLIT ? n - from : LEAF_SPLIT;
                    loffs[l] = write_leaf(o, soffs + from, hashes + from, cnt);
                }
                if (!o->failed) {
                    slist = cell_alloc(o, 4 + (size_t)leaves * 4);
                    if (slist != NO_CELL) {
                        uint8_t *d = cell_data(o, slist);
                        memcpy(d, "ri", 2);
                        put16(d + 2, leaves);
                        for (uint32_t l = 0; l < leaves; l++) put32(d + 4 + 4 * l, loffs[l]);
                    }
                }
                free(loffs);
            }
        }
        free(soffs);
        free(hashes);
    }
    if (o->failed) {
        free(name.bytes);
        return NO_CELL;
    }
    uint8_t *d = cell_data(o, nk);
    memcpy(d, "nk", 2);
    put16(d + 2, (root ? KEY_HIVE_ENTRY | KEY_NO_DELETE : 0) | (name.compressed ? KEY_COMP_NAME : 0));
    put64(d + 4, k->written);
    put32(d + 16, parent);
    put32(d + 20, k->subkey_count);
    put32(d + 24, 0);
    put32(d + 28, slist);
    put32(d + 32, NO_CELL);
    put32(d + 36, k->value_count);
    put32(d + 40, vlist);
    put32(d + 44, sk);
    put32(d + 48, NO_CELL);
    put32(d + 52, max_sname);
    put32(d + 56, 0);
    put32(d + 60, max_vname);
    put32(d + 64, max_vdata);
    put16(d + 72, (uint32_t)name.len);
    put16(d + 74, 0);
    free(name.bytes);
    return nk;
}

static void base_block(uint8_t *b, uint32_t root, uint32_t bins_size, uint32_t sequence, uint64_t written, const char *file_name) {
    memset(b, 0, BASE_BLOCK);
    memcpy(b, "regf", 4);
    put32(b + 4, sequence);
    put32(b + 8, sequence);
    put64(b + 12, written);
    put32(b + 20, 1);          /* major version */
    put32(b + 24, 5);          /* minor version 5: big data (db) cells are allowed from 4 on */
    put32(b + 28, 0);          /* primary file */
    put32(b + 32, 1);          /* direct memory load */
    put32(b + 36, root);
    put32(b + 40, bins_size);
    put32(b + 44, 1);          /* clustering factor */
    if (file_name) {
        size_t n;
        WCHAR_T *w = sim_utf8_to_w_len(file_name, &n);
        for (size_t i = 0; w && i < n && i < 31; i++) put16(b + 48 + 2 * i, w[i]);
        free(w);
    }
    uint32_t sum = 0;
    for (int i = 0; i < 508; i += 4) sum ^= get32(b + i);
    if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
    else if (sum == 0) sum = 1;
    put32(b + 508, sum);
}

int sim_hv_write(FILE *f, const sim_hv_key *root, uint64_t min_size, uint32_t sequence, uint64_t written, const char *file_name) {
    hv_out o;
    memset(&o, 0, sizeof o);
    o.written = written;
    uint32_t sk = cell_alloc(&o, 20 + 128);
    if (sk != NO_CELL) {
        uint8_t *d = cell_data(&o, sk);
        memcpy(d, "sk", 2);
        put32(d + 4, sk);
        put32(d + 8, sk);
        put32(d + 12, count_keys(root));
        size_t sd_len = security_descriptor(d + 20);
        put32(d + 16, (uint32_t)sd_len);
    }
    uint32_t rootoff = write_key(&o, root, 0, sk, 1);
    bin_close(&o);
    if (o.failed || rootoff == NO_CELL) {
        free(o.data);
        return -1;
    }
    /* Free bins up to min_size (the bins data size is a 32-bit field), then zero padding. */
    uint64_t content = BASE_BLOCK + (uint64_t)o.len;
    uint64_t free_bins = 0;
    if (min_size > content) {
        uint64_t room = (min_size - content) / BIN_STEP;
        uint64_t max_bins = (0xFFFFF000ull - o.len) / BIN_STEP;
        free_bins = room < max_bins ? room : max_bins;
    }
    uint64_t bins_size = (uint64_t)o.len + free_bins * BIN_STEP;
    uint8_t *bb = (uint8_t *)malloc(BASE_BLOCK);
    int ok = bb != NULL;
    if (ok) {
        base_block(bb, rootoff, (uint32_t)bins_size, sequence, written, file_name);
        ok = fwrite(bb, 1, BASE_BLOCK, f) == BASE_BLOCK && fwrite(o.data, 1, o.len, f) == o.len;
    }
    uint8_t bin[BIN_STEP];
    for (uint64_t i = 0; ok && i < free_bins; i++) {
        uint64_t at = (uint64_t)o.len + i * BIN_STEP;
        memset(bin, 0, sizeof bin);
        memcpy(bin, "hbin", 4);
        put32(bin + 4, (uint32_t)at);
        put32(bin + 8, BIN_STEP);
        put32(bin + BIN_HEADER, BIN_STEP - BIN_HEADER);   /* one free cell */
        ok = fwrite(bin, 1, sizeof bin, f) == sizeof bin;
    }
    uint64_t total = BASE_BLOCK + bins_size;
    memset(bin, 0, sizeof bin);
    while (ok && total < min_size) {
        uint64_t n = min_size - total < sizeof bin ? min_size - total : sizeof bin;
        ok = fwrite(bin, 1, (size_t)n, f) == n;
        total += n;
    }
    free(bb);
    free(o.data);
    return ok ? 0 : -1;
}

/* ======================================================================
 * Reader
 * ====================================================================== */

typedef struct hv_in {
    FILE *f;
    uint64_t bins_size;
    char *err;
    size_t errlen;
    int failed;
    uint32_t keys;
    uint64_t data_total;
} hv_in;

static void in_fail(hv_in *r, uint64_t offset, const char *what) {
    if (r->failed) return;
    r->failed = 1;
    snprintf(r->err, r->errlen, "not a readable registry hive: %s at offset 0x%llx", what, (unsigned long long)offset);
}

static int seek_to(FILE *f, uint64_t off) {
#ifdef _WIN32
    return _fseeki64(f, (long long)off, SEEK_SET);
#else
    return fseeko(f, (off_t)off, SEEK_SET);
#endif
}

static int read_at(hv_in *r, uint64_t off, void *buf, size_t n) {
    return seek_to(r->f, off) == 0 && fread(buf, 1, n, r->f) == n;
}

/* The data of the allocated cell at `off` (malloc'd), at least `min` bytes long. */
static uint8_t *read_cell(hv_in *r, uint32_t off, uint32_t min, uint32_t *len) {
    uint8_t hdr[4];
    if (r->failed) return NULL;
    if (off == NO_CELL || (uint64_t)off + 4 > r->bins_size || off < BIN_HEADER) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "a cell offset outside the hive bins");
        return NULL;
    }
    if (!read_at(r, BASE_BLOCK + (uint64_t)off, hdr, 4)) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "the file ends inside a cell");
        return NULL;
    }
    int32_t size = (int32_t)get32(hdr);
    if (size >= 0) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "a reference to a free cell");
        return NULL;
    }
    uint64_t n = (uint64_t)(-(int64_t)size);
    if (n < 4 + (uint64_t)min || n > READ_MAX_CELL || (uint64_t)off + n > r->bins_size) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "a cell of an impossible size");
        return NULL;
    }
    uint8_t *d = (uint8_t *)malloc((size_t)n - 4 + 1);
    if (!d || !read_at(r, BASE_BLOCK + (uint64_t)off + 4, d, (size_t)n - 4)) {
        free(d);
        in_fail(r, BASE_BLOCK + (uint64_t)off, d ? "the file ends inside a cell" : "out of memory");
        return NULL;
    }
    *len = (uint32_t)(n - 4);
    return d;
}

static char *name_decode(const uint8_t *p, size_t len, int compressed) {
    size_t units = compressed ? len : len / 2;
    WCHAR_T *w = (WCHAR_T *)calloc(units + 1, sizeof *w);
    if (!w) return NULL;
    for (size_t i = 0; i < units; i++) w[i] = compressed ? p[i] : (WCHAR_T)(p[2 * i] | (p[2 * i + 1] << 8));
    char *s = sim_w_to_utf8(w);
    free(w);
    return s;
}

static int read_value(hv_in *r, sim_hv_key *k, uint32_t off) {
    uint32_t len;
    uint8_t *vk = read_cell(r, off, 20, &len);
    if (!vk) return -1;
    if (memcmp(vk, "vk", 2) != 0 || 20u + get16(vk + 2) > len) {
        free(vk);
        in_fail(r, BASE_BLOCK + (uint64_t)off, "a value cell without the vk signature");
        return -1;
    }
    char *name = name_decode(vk + 20, get16(vk + 2), get16(vk + 16) & VALUE_COMP_NAME);
    uint32_t size_field = get32(vk + 4), data_off = get32(vk + 8), type = get32(vk + 12);
    free(vk);
    uint32_t size = size_field & 0x7FFFFFFFu;
    uint8_t *data = NULL;
    if (!name) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "out of memory");
        return -1;
    }
    if (size_field & 0x80000000u) {
        if (size > 4) size = 4;
        data = (uint8_t *)malloc(4);
        if (data) for (uint32_t i = 0; i < 4; i++) data[i] = (uint8_t)(data_off >> (8 * i));
    } else if (size > READ_MAX_VALUE || r->data_total + size > READ_MAX_TOTAL_DATA) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "value data larger than the simulator reads");
    } else if (size > 0) {
        uint32_t clen;
        uint8_t *cell = read_cell(r, data_off, 0, &clen);
        if (cell && size > BIG_DATA_SEGMENT && clen >= 8 && memcmp(cell, "db", 2) == 0) {
            uint32_t segments = get16(cell + 2), list_off = get32(cell + 4), llen;
            free(cell);
            cell = NULL;
            uint8_t *list = read_cell(r, list_off, segments * 4u, &llen);
            data = list ? (uint8_t *)malloc(size) : NULL;
            uint32_t at = 0;
            for (uint32_t i = 0; data && i < segments && at < size && !r->failed; i++) {
                uint32_t slen;
                uint8_t *seg = read_cell(r, get32(list + 4 * i), 0, &slen);
                if (!seg) break;
                uint32_t take = size - at < BIG_DATA_SEGMENT ? size - at : BIG_DATA_SEGMENT;
                if (take > slen) take = slen;
                memcpy(data + at, seg, take);
                at += take;
                free(seg);
            }
            if (!r->failed && at != size) in_fail(r, BASE_BLOCK + (uint64_t)data_off, "big data shorter than its value");
            free(list);
        } else if (cell) {
            if (clen < size) in_fail(r, BASE_BLOCK + (uint64_t)data_off, "value data cell shorter than its value");
            else data = cell;
            cell = NULL;
        }
        free(cell);
        r->data_total += size;
    }
    if (r->failed || (size && !data)) {
        if (!r->failed) in_fail(r, BASE_BLOCK + (uint64_t)off, "out of memory");
        free(name);
        free(data);
        return -1;
    }
    int rc = sim_hv_set(k, name, type, data, size);
    free(name);
    free(data);
    if (rc != 0) in_fail(r, BASE_BLOCK + (uint64_t)off, "out of memory");
    return rc;
}

static sim_hv_key *read_key(hv_in *r, uint32_t off, uint32_t depth);

/* Appends the keys of one subkey list (lf/lh/li, or ri over those) to k. */
static void read_list(hv_in *r, sim_hv_key *k, uint32_t off, uint32_t depth, int allow_ri) {
    uint32_t len;
    uint8_t *l = read_cell(r, off, 4, &len);
    if (!l) return;
    uint32_t n = get16(l + 2);
    int ri = memcmp(l, "ri", 2) == 0, li = memcmp(l, "li", 2) == 0;
    int lf = memcmp(l, "lf", 2) == 0 || memcmp(l, "lh", 2) == 0;
    uint32_t step = lf ? 8 : 4;
    if (!(ri || li || lf) || (ri && !allow_ri) || 4u + n * step > len) {
        free(l);
        in_fail(r, BASE_BLOCK + (uint64_t)off, "a subkey list that is not lf, lh, li or ri");
        return;
    }
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        uint32_t child = get32(l + 4 + i * step);
        if (ri) {
            read_list(r, k, child, depth, 0);
            continue;
        }
        sim_hv_key *s = read_key(r, child, depth + 1);
        if (!s) break;
        if (k->subkey_count == k->subkey_cap) {
            uint32_t ncap = k->subkey_cap ? k->subkey_cap * 2 : 4;
            sim_hv_key **nk = (sim_hv_key **)realloc(k->subkeys, ncap * sizeof *nk);
            if (!nk) {
                sim_hv_free(s);
                in_fail(r, BASE_BLOCK + (uint64_t)off, "out of memory");
                break;
            }
            k->subkeys = nk;
            k->subkey_cap = ncap;
        }
        s->parent = k;
        k->subkeys[k->subkey_count++] = s;
    }
    free(l);
}

static sim_hv_key *read_key(hv_in *r, uint32_t off, uint32_t depth) {
    if (depth > SIM_HV_MAX_DEPTH) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "keys nested deeper than 512 levels (or a cycle)");
        return NULL;
    }
    if (++r->keys > READ_MAX_KEYS) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "more keys than the simulator reads");
        return NULL;
    }
    uint32_t len;
    uint8_t *nk = read_cell(r, off, 76, &len);
    if (!nk) return NULL;
    if (memcmp(nk, "nk", 2) != 0 || 76u + get16(nk + 72) > len) {
        free(nk);
        in_fail(r, BASE_BLOCK + (uint64_t)off, "a key cell without the nk signature");
        return NULL;
    }
    uint64_t written = (uint64_t)get32(nk + 4) | ((uint64_t)get32(nk + 8) << 32);
    char *name = name_decode(nk + 76, get16(nk + 72), get16(nk + 2) & KEY_COMP_NAME);
    uint32_t subkeys = get32(nk + 20), slist = get32(nk + 28), values = get32(nk + 36), vlist = get32(nk + 40);
    free(nk);
    sim_hv_key *k = name ? sim_hv_new(name, written) : NULL;
    free(name);
    if (!k) {
        in_fail(r, BASE_BLOCK + (uint64_t)off, "out of memory");
        return NULL;
    }
    if (values) {
        uint32_t vlen;
        uint8_t *list = values <= READ_MAX_CELL / 4 ? read_cell(r, vlist, values * 4, &vlen) : NULL;
        if (!list) in_fail(r, BASE_BLOCK + (uint64_t)off, "a value list that does not hold the key's values");
        for (uint32_t i = 0; list && i < values && !r->failed; i++) read_value(r, k, get32(list + 4 * i));
        free(list);
    }
    if (subkeys && !r->failed) {
        read_list(r, k, slist, depth, 1);
        if (!r->failed && k->subkey_count != subkeys) in_fail(r, BASE_BLOCK + (uint64_t)off, "a subkey count that differs from its list");
    }
    if (r->failed) {
        sim_hv_free(k);
        return NULL;
    }
    return k;
}

sim_hv_key *sim_hv_read(FILE *f, char *err, size_t errlen, sim_hv_info *info) {
    uint8_t bb[512];
    hv_in r;
    memset(&r, 0, sizeof r);
    r.f = f;
    r.err = err;
    r.errlen = errlen;
    if (!read_at(&r, 0, bb, sizeof bb)) {
        snprintf(err, errlen, "not a readable registry hive: shorter than its 4096-byte base block");
        return NULL;
    }
    if (memcmp(bb, "regf", 4) != 0) {
        snprintf(err, errlen, "not a readable registry hive: no \"regf\" signature at offset 0");
        return NULL;
    }
    uint32_t sum = 0;
    for (int i = 0; i < 508; i += 4) sum ^= get32(bb + i);
    if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
    else if (sum == 0) sum = 1;
    if (sum != get32(bb + 508)) {
        snprintf(err, errlen, "not a readable registry hive: the base block checksum is wrong (offset 0x1fc)");
        return NULL;
    }
    if (get32(bb + 20) != 1 || get32(bb + 28) != 0) {
        snprintf(err, errlen, "not a readable registry hive: not a version 1 primary hive file");
        return NULL;
    }
    r.bins_size = get32(bb + 40);
    uint8_t first[4];
    if (r.bins_size < BIN_STEP || r.bins_size % BIN_STEP || !read_at(&r, BASE_BLOCK + r.bins_size - 4, first, 4) ||
        !read_at(&r, BASE_BLOCK, first, 4) || memcmp(first, "hbin", 4) != 0) {
        snprintf(err, errlen, "not a readable registry hive: the hive bins are missing or cut short (offset 0x1000)");
        return NULL;
    }
    sim_hv_key *root = read_key(&r, get32(bb + 36), 0);
    if (!root) return NULL;
    if (info) {
        info->sequence1 = get32(bb + 4);
        info->sequence2 = get32(bb + 8);
        info->written = (uint64_t)get32(bb + 12) | ((uint64_t)get32(bb + 16) << 32);
        info->bins_size = r.bins_size;
    }
    return root;
}
