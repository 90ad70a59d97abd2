/*
 * clusapi.dll's cluster registry functions (GetClusterKey, ClusterReg*) over this
 * machine's live cluster database: the CLUSDB hive (sim_core.c reads it again whenever
 * the file changed, e.g. after a restore). Reads answer from it; the write calls change
 * it and write the file back as the cluster service would after an administrator's
 * change (PaxosTag + 1). Buffer rules follow each function's documentation in clusapi.h
 * (see README.md, "The cluster registry").
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdlib.h>
#include <string.h>

#include "hive.h"
#include "sim.h"

#define SIM_ERROR_BAD_PATHNAME 161u
#define SIM_ERROR_KEY_DELETED 1018u
#define SIM_ERROR_REGISTRY_CORRUPT 1015u
#define SIM_ERROR_FILE_NOT_FOUND_ 2u

#define KEY_QUERY_VALUE 0x0001u
#define KEY_SET_VALUE 0x0002u
#define KEY_CREATE_SUB_KEY 0x0004u
#define KEY_ENUMERATE_SUB_KEYS 0x0008u
#define KEY_READ 0x20019u
#define KEY_WRITE 0x20006u
#define KEY_ALL_ACCESS 0xF003Fu
#define GENERIC_READ_ 0x80000000u
#define GENERIC_WRITE_ 0x40000000u
#define GENERIC_ALL_ 0x10000000u
#define MAXIMUM_ALLOWED_ 0x02000000u
#define CLUSAPI_CHANGE_ACCESS_ 2u
#define REG_OPTION_VOLATILE 1u
#define REG_CREATED_NEW_KEY 1u
#define REG_OPENED_EXISTING_KEY 2u
/* Value data the simulator accepts in one value (the reader's bound). */
#define MAX_VALUE_BYTES (64u << 20)

typedef struct key_handle {
    sim_handle_hdr hdr;
    int route;                /* how the cluster was reached (cluster_handle's route) */
    char node[512];
    uint32_t access;          /* KEY_* rights granted */
    uint32_t cluster_access;  /* CLUSAPI_* access of the cluster handle it came from */
    char *path;               /* from the root, components separated by '\\'; "" = the root */
} key_handle;

static uint32_t map_sam(uint32_t sam, uint32_t cluster_access) {
    uint32_t r = sam & 0x000F003Fu;
    if (sam & GENERIC_READ_) r |= KEY_READ;
    if (sam & GENERIC_WRITE_) r |= KEY_WRITE;
    if (sam & (GENERIC_ALL_ | MAXIMUM_ALLOWED_)) r |= KEY_ALL_ACCESS;
    /* A cluster handle opened for reading only hands out keys that cannot change anything. */
    if (!(cluster_access & CLUSAPI_CHANGE_ACCESS_) && (sam & MAXIMUM_ALLOWED_)) r &= KEY_READ;
    return r;
}

static int wants_write(uint32_t sam) {
    return (sam & (KEY_SET_VALUE | KEY_CREATE_SUB_KEY | 0x00010000u /* DELETE */ | GENERIC_WRITE_ | GENERIC_ALL_)) != 0;
}

static key_handle *new_key(int route, const char *node, uint32_t cluster_access, uint32_t sam, const char *path) {
    size_t n = strlen(path);
    char *copy = (char *)malloc(n + 1);
    if (!copy) {
        sim_set_last_error(SIM_ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    memcpy(copy, path, n + 1);
    key_handle *k = (key_handle *)sim_handle_new(SIM_LEAK_KEY, sizeof(key_handle));
    if (!k) {
        free(copy);
        sim_set_last_error(SIM_ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    k->route = route;
    snprintf(k->node, sizeof k->node, "%s", node);
    k->access = map_sam(sam, cluster_access);
    k->cluster_access = cluster_access;
    k->path = copy;
    return k;
}

/* The key behind h in the live database, with the lock held on success (0); else the
 * error with the lock released. `need`: the KEY_* right the call requires. */
static DWORD_T resolve(void *h, uint32_t need, key_handle **kh, sim_hv_key **key) {
    key_handle *k = (key_handle *)sim_handle_get(h, SIM_LEAK_KEY);
    if (!k) return SIM_ERROR_INVALID_HANDLE;
    if (need && !(k->access & need)) return SIM_ERROR_ACCESS_DENIED;
    DWORD_T err = sim_cluster_route_reachable(k->route, k->node);
    if (err) return err;
    sim_lock();
    const char *why;
    sim_hv_key *db = sim_live_db(&why);
    if (!db) {
        sim_unlock();
        return SIM_ERROR_REGISTRY_CORRUPT;
    }
    sim_hv_key *at = sim_hv_path(db, k->path);
    if (!at) {
        sim_unlock();
        return SIM_ERROR_KEY_DELETED;
    }
    *kh = k;
    *key = at;
    return 0;
}

/* A relative path as given: UTF-8, every component 1..255 characters. 0 or the error. */
static DWORD_T check_subpath(const WCHAR_T *w, char **out, int allow_empty) {
    if (!w) return SIM_ERROR_INVALID_PARAMETER;
    char *s = sim_w_to_utf8(w);
    if (!s) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    if (!*s && !allow_empty) {
        free(s);
        return SIM_ERROR_INVALID_PARAMETER;
    }
    if (s[0] == '\\') {
        free(s);
        return SIM_ERROR_BAD_PATHNAME;
    }
    /* A trailing backslash is ignored, as by the registry functions. */
    size_t n = strlen(s);
    if (n && s[n - 1] == '\\') s[n - 1] = '\0';
    for (const char *p = s; *p;) {
        const char *end = strchr(p, '\\');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char part[1100];
        if (len == 0 || len >= sizeof part) {
            free(s);
            return SIM_ERROR_BAD_PATHNAME;
        }
        memcpy(part, p, len);
        part[len] = '\0';
        if (sim_hv_name_units(part) > SIM_HV_MAX_KEY_NAME) {
            free(s);
            return SIM_ERROR_INVALID_PARAMETER;
        }
        p += len;
        if (*p) p++;
    }
    *out = s;
    return 0;
}

static char *join_path(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *r = (char *)malloc(na + nb + 2);
    if (!r) return NULL;
    memcpy(r, a, na);
    size_t at = na;
    if (na && nb) r[at++] = '\\';
    memcpy(r + at, b, nb + 1);
    return r;
}

/* The key's path as the hive spells its names (so that a key's handle survives case differences). */
static char *canonical_path(const sim_hv_key *key) {
    char *path = (char *)malloc(1);
    if (!path) return NULL;
    path[0] = '\0';
    for (const sim_hv_key *k = key; k && k->parent; k = k->parent) {
        char *next = join_path(k->name, path);
        free(path);
        if (!next) return NULL;
        path = next;
    }
    return path;
}

SIMAPI void *SIMCALL GetClusterKey(void *hCluster, DWORD_T samDesired) {
    if (sim_fault_last_error("GetClusterKey", NULL)) return NULL;
    int route;
    char node[512];
    uint32_t access;
    DWORD_T err = sim_cluster_handle_route(hCluster, &route, node, &access);
    if (!err && !(access & CLUSAPI_CHANGE_ACCESS_) && wants_write(samDesired)) err = SIM_ERROR_ACCESS_DENIED;
    if (!err) err = sim_cluster_route_reachable(route, node);
    if (!err) {
        sim_lock();
        const char *why;
        if (!sim_live_db(&why)) err = SIM_ERROR_REGISTRY_CORRUPT;
        sim_unlock();
    }
    if (err) {
        sim_set_last_error(err);
        return NULL;
    }
    return new_key(route, node, access, samDesired, "");
}

SIMAPI LONG_T SIMCALL ClusterRegOpenKey(void *hKey, const WCHAR_T *lpszSubKey, DWORD_T samDesired, void **phkResult) {
    uint32_t code;
    if (sim_fault("ClusterRegOpenKey", &code)) return (LONG_T)code;
    if (!phkResult) return SIM_ERROR_INVALID_PARAMETER;
    char *sub = NULL;
    DWORD_T err = check_subpath(lpszSubKey, &sub, 1);
    if (err) return (LONG_T)err;
    key_handle *k;
    sim_hv_key *key;
    err = resolve(hKey, 0, &k, &key);
    if (err) {
        free(sub);
        return (LONG_T)err;
    }
    sim_hv_key *target = sim_hv_path(key, sub);
    char *path = target ? canonical_path(target) : NULL;
    int route = k->route;
    char node[512];
    memcpy(node, k->node, sizeof node);
    uint32_t cluster_access = k->cluster_access;
    sim_unlock();
    free(sub);
    if (!target) return SIM_ERROR_FILE_NOT_FOUND_;
    if (!path) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    if (!(cluster_access & CLUSAPI_CHANGE_ACCESS_) && wants_write(samDesired)) {
        free(path);
        return SIM_ERROR_ACCESS_DENIED;
    }
    key_handle *nk = new_key(route, node, cluster_access, samDesired, path);
    free(path);
    if (!nk) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    *phkResult = nk;
    return 0;
}

SIMAPI LONG_T SIMCALL ClusterRegCreateKey(void *hKey, const WCHAR_T *lpszSubKey, DWORD_T dwOptions, DWORD_T samDesired,
                                         void *lpSecurityAttributes, void **phkResult, DWORD_T *lpdwDisposition) {
    uint32_t code;
    (void)lpSecurityAttributes;
    if (sim_fault("ClusterRegCreateKey", &code)) return (LONG_T)code;
    if (!phkResult) return SIM_ERROR_INVALID_PARAMETER;
    /* Cluster registry keys cannot be volatile ([MS-CMRP] 3.1.1.2). */
    if (dwOptions & REG_OPTION_VOLATILE) return SIM_ERROR_INVALID_PARAMETER;
    char *sub = NULL;
    DWORD_T err = check_subpath(lpszSubKey, &sub, 0);
    if (err) return (LONG_T)err;
    key_handle *k;
    sim_hv_key *key;
    err = resolve(hKey, KEY_CREATE_SUB_KEY, &k, &key);
    if (err) {
        free(sub);
        return (LONG_T)err;
    }
    uint64_t now = sim_filetime_now();
    int any_created = 0, depth = 0;
    for (const sim_hv_key *p = key; p; p = p->parent) depth++;
    sim_hv_key *at = key;
    for (char *p = sub; at && *p;) {
        char *end = strchr(p, '\\');
        if (end) *end = '\0';
        int created = 0;
        if (++depth > (int)SIM_HV_MAX_DEPTH) {
            err = SIM_ERROR_INVALID_PARAMETER;
            break;
        }
        sim_hv_key *next = sim_hv_add_subkey(at, p, now, &created);
        if (created) {
            at->written = now;
            any_created = 1;
        }
        at = next;
        p = end ? end + 1 : p + strlen(p);
    }
    if (!at && !err) err = SIM_ERROR_NOT_ENOUGH_MEMORY;
    if (!err && any_created && sim_live_db_commit() != 0) err = SIM_ERROR_REGISTRY_CORRUPT;
    char *path = !err ? canonical_path(at) : NULL;
    int route = k->route;
    char node[512];
    memcpy(node, k->node, sizeof node);
    uint32_t cluster_access = k->cluster_access;
    sim_unlock();
    free(sub);
    if (err) return (LONG_T)err;
    if (!path) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    key_handle *nk = new_key(route, node, cluster_access, samDesired, path);
    free(path);
    if (!nk) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    *phkResult = nk;
    if (lpdwDisposition) *lpdwDisposition = any_created ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY;
    return 0;
}

SIMAPI LONG_T SIMCALL ClusterRegCloseKey(void *hKey) {
    uint32_t code;
    if (sim_fault("ClusterRegCloseKey", &code)) return (LONG_T)code;
    key_handle *k = (key_handle *)sim_handle_get(hKey, SIM_LEAK_KEY);
    if (!k) return SIM_ERROR_INVALID_HANDLE;
    free(k->path);
    k->path = NULL;
    sim_handle_close(k, SIM_LEAK_KEY);
    return 0;
}

/* Copies a name into a buffer of *cch WCHARs; ERROR_MORE_DATA with the length (without the NUL) when it does not fit. */
static DWORD_T copy_name(const char *name, WCHAR_T *buf, DWORD_T *cch) {
    return sim_copy_out_w(name, buf, cch);
}

SIMAPI LONG_T SIMCALL ClusterRegEnumKey(void *hKey, DWORD_T dwIndex, WCHAR_T *lpszName, DWORD_T *lpcchName, void *lpftLastWriteTime) {
    uint32_t code;
    if (sim_fault("ClusterRegEnumKey", &code)) return (LONG_T)code;
    if (!lpcchName) return SIM_ERROR_INVALID_PARAMETER;
    key_handle *k;
    sim_hv_key *key;
    DWORD_T err = resolve(hKey, KEY_ENUMERATE_SUB_KEYS, &k, &key);
    if (err) return (LONG_T)err;
    if (dwIndex >= key->subkey_count) {
        sim_unlock();
        return SIM_ERROR_NO_MORE_ITEMS;
    }
    const sim_hv_key *sub = key->subkeys[dwIndex];
    err = copy_name(sub->name, lpszName, lpcchName);
    if (!err && lpftLastWriteTime) {
        uint32_t ft[2] = { (uint32_t)sub->written, (uint32_t)(sub->written >> 32) };
        memcpy(lpftLastWriteTime, ft, sizeof ft);
    }
    sim_unlock();
    return (LONG_T)err;
}

SIMAPI DWORD_T SIMCALL ClusterRegEnumValue(void *hKey, DWORD_T dwIndex, WCHAR_T *lpszValueName, DWORD_T *lpcchValueName, DWORD_T *lpdwType,
                                          uint8_t *lpData, DWORD_T *lpcbData) {
    uint32_t code;
    if (sim_fault("ClusterRegEnumValue", &code)) return code;
    if (!lpcchValueName || (lpData && !lpcbData)) return SIM_ERROR_INVALID_PARAMETER;
    key_handle *k;
    sim_hv_key *key;
    DWORD_T err = resolve(hKey, KEY_QUERY_VALUE, &k, &key);
    if (err) return err;
    if (dwIndex >= key->value_count) {
        sim_unlock();
        return SIM_ERROR_NO_MORE_ITEMS;
    }
    const sim_hv_value *v = &key->values[dwIndex];
    size_t units = sim_utf8_wlen(v->name);
    int name_fits = lpszValueName && (size_t)*lpcchValueName >= units + 1;
    int data_fits = !lpData || *lpcbData >= v->len;
    if (!name_fits || !data_fits) {
        /* Both sizes say what is needed: the name in characters without the NUL, the data in bytes. */
        *lpcchValueName = (DWORD_T)units;
        if (lpcbData) *lpcbData = v->len;
        sim_unlock();
        return SIM_ERROR_MORE_DATA;
    }
    copy_name(v->name, lpszValueName, lpcchValueName);
    if (lpdwType) *lpdwType = v->type;
    if (lpData && v->len) memcpy(lpData, v->data, v->len);
    if (lpcbData) *lpcbData = v->len;
    sim_unlock();
    return 0;
}

SIMAPI LONG_T SIMCALL ClusterRegQueryValue(void *hKey, const WCHAR_T *lpszValueName, DWORD_T *lpdwValueType, uint8_t *lpData,
                                          DWORD_T *lpcbData) {
    uint32_t code;
    if (sim_fault("ClusterRegQueryValue", &code)) return (LONG_T)code;
    if (lpData && !lpcbData) return SIM_ERROR_INVALID_PARAMETER;
    char *name = lpszValueName ? sim_w_to_utf8(lpszValueName) : NULL;
    if (lpszValueName && !name) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    key_handle *k;
    sim_hv_key *key;
    DWORD_T err = resolve(hKey, KEY_QUERY_VALUE, &k, &key);
    if (err) {
        free(name);
        return (LONG_T)err;
    }
    const sim_hv_value *v = sim_hv_value_get(key, name ? name : "");
    free(name);
    if (!v) {
        err = SIM_ERROR_FILE_NOT_FOUND_;
    } else if (lpData && *lpcbData < v->len) {
        *lpcbData = v->len;
        err = SIM_ERROR_MORE_DATA;
    } else {
        if (lpdwValueType) *lpdwValueType = v->type;
        if (lpData && v->len) memcpy(lpData, v->data, v->len);
        if (lpcbData) *lpcbData = v->len;
    }
    sim_unlock();
    return (LONG_T)err;
}

SIMAPI LONG_T SIMCALL ClusterRegQueryInfoKey(void *hKey, DWORD_T *lpcSubKeys, DWORD_T *lpcchMaxSubKeyLen, DWORD_T *lpcValues,
                                            DWORD_T *lpcchMaxValueNameLen, DWORD_T *lpcbMaxValueLen, DWORD_T *lpcbSecurityDescriptor,
                                            void *lpftLastWriteTime) {
    uint32_t code;
    if (sim_fault("ClusterRegQueryInfoKey", &code)) return (LONG_T)code;
    key_handle *k;
    sim_hv_key *key;
    DWORD_T err = resolve(hKey, KEY_QUERY_VALUE, &k, &key);
    if (err) return (LONG_T)err;
    uint32_t max_sub = 0, max_vname = 0, max_vlen = 0;
    for (uint32_t i = 0; i < key->subkey_count; i++) {
        uint32_t n = (uint32_t)sim_utf8_wlen(key->subkeys[i]->name);
        if (n > max_sub) max_sub = n;
    }
    for (uint32_t i = 0; i < key->value_count; i++) {
        uint32_t n = (uint32_t)sim_utf8_wlen(key->values[i].name);
        if (n > max_vname) max_vname = n;
        if (key->values[i].len > max_vlen) max_vlen = key->values[i].len;
    }
    if (lpcSubKeys) *lpcSubKeys = key->subkey_count;
    if (lpcchMaxSubKeyLen) *lpcchMaxSubKeyLen = max_sub;
    if (lpcValues) *lpcValues = key->value_count;
    if (lpcchMaxValueNameLen) *lpcchMaxValueNameLen = max_vname;
    if (lpcbMaxValueLen) *lpcbMaxValueLen = max_vlen;
    /* Every key shares one security descriptor (hive.c): 20 + DACL 56 + owner 16 + group 12. */
    if (lpcbSecurityDescriptor) *lpcbSecurityDescriptor = 104;
    if (lpftLastWriteTime) {
        uint32_t ft[2] = { (uint32_t)key->written, (uint32_t)(key->written >> 32) };
        memcpy(lpftLastWriteTime, ft, sizeof ft);
    }
    sim_unlock();
    return 0;
}

SIMAPI DWORD_T SIMCALL ClusterRegSetValue(void *hKey, const WCHAR_T *lpszValueName, DWORD_T dwType, const uint8_t *lpData, DWORD_T cbData) {
    uint32_t code;
    if (sim_fault("ClusterRegSetValue", &code)) return code;
    if ((cbData && !lpData) || cbData > MAX_VALUE_BYTES) return SIM_ERROR_INVALID_PARAMETER;
    char *name = lpszValueName ? sim_w_to_utf8(lpszValueName) : NULL;
    if (lpszValueName && !name) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    if (name && sim_utf8_wlen(name) > SIM_HV_MAX_VALUE_NAME) {
        free(name);
        return SIM_ERROR_INVALID_PARAMETER;
    }
    key_handle *k;
    sim_hv_key *key;
    DWORD_T err = resolve(hKey, KEY_SET_VALUE, &k, &key);
    if (err) {
        free(name);
        return err;
    }
    if (sim_hv_set(key, name ? name : "", dwType, lpData, cbData) != 0) err = SIM_ERROR_NOT_ENOUGH_MEMORY;
    key->written = sim_filetime_now();
    if (!err && sim_live_db_commit() != 0) err = SIM_ERROR_REGISTRY_CORRUPT;
    sim_unlock();
    free(name);
    return err;
}

SIMAPI DWORD_T SIMCALL ClusterRegDeleteValue(void *hKey, const WCHAR_T *lpszValueName) {
    uint32_t code;
    if (sim_fault("ClusterRegDeleteValue", &code)) return code;
    char *name = lpszValueName ? sim_w_to_utf8(lpszValueName) : NULL;
    if (lpszValueName && !name) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    key_handle *k;
    sim_hv_key *key;
    DWORD_T err = resolve(hKey, KEY_SET_VALUE, &k, &key);
    if (err) {
        free(name);
        return err;
    }
    if (sim_hv_remove_value(key, name ? name : "") != 0) {
        err = SIM_ERROR_FILE_NOT_FOUND_;
    } else {
        key->written = sim_filetime_now();
        if (sim_live_db_commit() != 0) err = SIM_ERROR_REGISTRY_CORRUPT;
    }
    sim_unlock();
    free(name);
    return err;
}

SIMAPI LONG_T SIMCALL ClusterRegDeleteKey(void *hKey, const WCHAR_T *lpszSubKey) {
    uint32_t code;
    if (sim_fault("ClusterRegDeleteKey", &code)) return (LONG_T)code;
    char *sub = NULL;
    DWORD_T err = check_subpath(lpszSubKey, &sub, 0);
    if (err) return (LONG_T)err;
    key_handle *k;
    sim_hv_key *key;
    err = resolve(hKey, KEY_CREATE_SUB_KEY, &k, &key);
    if (err) {
        free(sub);
        return (LONG_T)err;
    }
    sim_hv_key *target = sim_hv_path(key, sub);
    if (!target) {
        err = SIM_ERROR_FILE_NOT_FOUND_;
    } else if (target->subkey_count) {
        /* "ClusterRegDeleteKey can only delete keys without subkeys." */
        err = SIM_ERROR_ACCESS_DENIED;
    } else {
        sim_hv_key *parent = target->parent;
        sim_hv_remove_subkey(parent, target->name);
        parent->written = sim_filetime_now();
        if (sim_live_db_commit() != 0) err = SIM_ERROR_REGISTRY_CORRUPT;
    }
    sim_unlock();
    free(sub);
    return (LONG_T)err;
}
