/*
 * The scenario's cluster database: "groups", "resources" and "networks" (with the
 * defaults of a typical cluster when absent) and the cluster and nodes turned into
 * the key tree a new CLUSDB hive is written from. The layout (key and value names and
 * types) and which parts are documented by Microsoft and which are assumptions are
 * listed in README.md, "The cluster database layout".
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive.h"
#include "json.h"
#include "scenario.h"
#include "sim.h"

#define MAX_GROUPS 4096u
#define MAX_RESOURCES 100000u
#define MAX_NETWORKS 256u
#define MAX_LIST 1024u
#define MAX_PARAMETERS 256u
/* The time stamp of the keys of a new database: 2024-01-01T00:00:00Z as a FILETIME. */
#define DB_CREATED 133485408000000000ull

/* The defaults (keep in step with test/support/scenario.ts, defaultClusterDatabase). */
static const char DEFAULT_DB[] =
    "{\"groups\":["
    "{\"id\":\"6f3a1c2e-8b4d-4f5a-9c6e-1d2b3a4c5e60\",\"name\":\"Cluster Group\",\"type\":1},"
    "{\"id\":\"2b7e9d41-5c3a-4e8f-a1b2-c3d4e5f60718\",\"name\":\"Available Storage\",\"type\":2,\"state\":\"offline\"},"
    "{\"id\":\"8d1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b\",\"name\":\"FS1\",\"type\":100},"
    "{\"id\":\"c4e5f607-1829-4a3b-b4c5-d6e7f8091a2b\",\"name\":\"SQL Server (MSSQLSERVER)\",\"type\":9999}"
    "],\"resources\":["
    "{\"id\":\"0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3\",\"name\":\"Cluster IP Address\",\"type\":\"IP Address\",\"group\":\"Cluster Group\","
    "\"parameters\":{\"Address\":\"10.0.0.10\",\"SubnetMask\":\"255.255.255.0\",\"Network\":\"Cluster Network 1\",\"EnableDhcp\":0}},"
    "{\"id\":\"1b2c3d4e-5f60-4b7c-9d8e-9fa0b1c2d3e4\",\"name\":\"Cluster Name\",\"type\":\"Network Name\",\"group\":\"Cluster Group\","
    "\"dependsOn\":[\"Cluster IP Address\"],\"parameters\":{\"HostRecordTTL\":1200}},"
    "{\"id\":\"2c3d4e5f-6071-4c8d-8e9f-a0b1c2d3e4f5\",\"name\":\"Cluster Disk Witness\",\"type\":\"Physical Disk\",\"group\":\"Cluster Group\","
    "\"parameters\":{\"DiskSignature\":439041101}},"
    "{\"id\":\"3d4e5f60-7182-4d9e-9fa0-b1c2d3e4f506\",\"name\":\"Cluster Disk 1\",\"type\":\"Physical Disk\",\"group\":\"Available Storage\","
    "\"state\":\"offline\",\"parameters\":{\"DiskSignature\":439041102}},"
    "{\"id\":\"4e5f6071-8293-4eaf-a0b1-c2d3e4f50617\",\"name\":\"Cluster Disk 2\",\"type\":\"Physical Disk\",\"group\":\"Available Storage\","
    "\"state\":\"offline\",\"parameters\":{\"DiskSignature\":439041103}},"
    "{\"id\":\"5f607182-93a4-4fb0-b1c2-d3e4f5061728\",\"name\":\"IP Address 10.0.0.20\",\"type\":\"IP Address\",\"group\":\"FS1\","
    "\"parameters\":{\"Address\":\"10.0.0.20\",\"SubnetMask\":\"255.255.255.0\",\"Network\":\"Cluster Network 1\",\"EnableDhcp\":0}},"
    "{\"id\":\"60718293-a4b5-40c1-82d3-e4f506172839\",\"name\":\"FS1\",\"type\":\"Network Name\",\"group\":\"FS1\","
    "\"dependsOn\":[\"IP Address 10.0.0.20\"],\"parameters\":{\"Name\":\"FS1\",\"DnsName\":\"FS1\"}},"
    "{\"id\":\"718293a4-b5c6-41d2-93e4-f5061728394a\",\"name\":\"Cluster Disk 3\",\"type\":\"Physical Disk\",\"group\":\"FS1\","
    "\"parameters\":{\"DiskSignature\":439041104}},"
    "{\"id\":\"8293a4b5-c6d7-42e3-a4f5-061728394a5b\",\"name\":\"File Server (\\\\\\\\FS1)\",\"type\":\"File Server\",\"group\":\"FS1\","
    "\"dependsOn\":[\"FS1\",\"Cluster Disk 3\"]},"
    "{\"id\":\"93a4b5c6-d7e8-43f4-b506-1728394a5b6c\",\"name\":\"SQL IP Address 1 (SQL1)\",\"type\":\"IP Address\",\"group\":\"SQL Server (MSSQLSERVER)\","
    "\"parameters\":{\"Address\":\"10.0.0.30\",\"SubnetMask\":\"255.255.255.0\",\"Network\":\"Cluster Network 1\",\"EnableDhcp\":0}},"
    "{\"id\":\"a4b5c6d7-e8f9-4405-8617-28394a5b6c7d\",\"name\":\"SQL Network Name (SQL1)\",\"type\":\"Network Name\",\"group\":\"SQL Server (MSSQLSERVER)\","
    "\"dependsOn\":[\"SQL IP Address 1 (SQL1)\"],\"parameters\":{\"Name\":\"SQL1\",\"DnsName\":\"SQL1\"}},"
    "{\"id\":\"b5c6d7e8-f90a-4516-9728-394a5b6c7d8e\",\"name\":\"Cluster Disk 4\",\"type\":\"Physical Disk\",\"group\":\"SQL Server (MSSQLSERVER)\","
    "\"parameters\":{\"DiskSignature\":439041105}},"
    "{\"id\":\"c6d7e8f9-0a1b-4627-a839-4a5b6c7d8e9f\",\"name\":\"SQL Server\",\"type\":\"SQL Server\",\"group\":\"SQL Server (MSSQLSERVER)\","
    "\"dependsOn\":[\"SQL Network Name (SQL1)\",\"Cluster Disk 4\"],\"parameters\":{\"InstanceName\":\"MSSQLSERVER\",\"VirtualServerName\":\"SQL1\"}},"
    "{\"id\":\"d7e8f90a-1b2c-4738-b94a-5b6c7d8e9fa0\",\"name\":\"SQL Server Agent\",\"type\":\"SQL Server Agent\",\"group\":\"SQL Server (MSSQLSERVER)\","
    "\"dependsOn\":[\"SQL Server\"],\"parameters\":{\"InstanceName\":\"MSSQLSERVER\",\"VirtualServerName\":\"SQL1\"}}"
    "],\"networks\":["
    "{\"id\":\"e8f90a1b-2c3d-4849-8a5b-6c7d8e9fa0b1\",\"name\":\"Cluster Network 1\",\"role\":3,\"address\":\"10.0.0.0\",\"addressMask\":\"255.255.255.0\"},"
    "{\"id\":\"f90a1b2c-3d4e-495a-9b6c-7d8e9fa0b1c2\",\"name\":\"Cluster Network 2\",\"role\":1,\"address\":\"172.16.0.0\",\"addressMask\":\"255.255.0.0\"}"
    "]}";

/* DllName of the resource types the defaults use (see README.md for the sources). */
static const char *const TYPE_DLLS[][2] = {
    { "IP Address", "clusres.dll" },      { "IPv6 Address", "clusres.dll" },        { "Network Name", "clusres.dll" },
    { "Physical Disk", "clusres.dll" },   { "File Server", "clusres2.dll" },        { "Generic Application", "clusres2.dll" },
    { "Generic Service", "clusres2.dll" }, { "SQL Server", "sqsrvres.dll" },        { "SQL Server Agent", "sqagtres.dll" },
};

static void fmt_guid(const sim_guid *g, char out[37]) {
    snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1],
             g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

/* A stable GUID for an object without an "id": FNV-1a of "<kind>:<name>", version 4 bits set. */
static void derived_guid(const char *kind, const char *name, char out[37]) {
    uint64_t h1 = 0xcbf29ce484222325ull, h2;
    for (const char *p = kind; *p; p++) h1 = (h1 ^ (unsigned char)*p) * 0x100000001b3ull;
    h1 = (h1 ^ ':') * 0x100000001b3ull;
    for (const char *p = name; *p; p++) h1 = (h1 ^ (unsigned char)*p) * 0x100000001b3ull;
    /* splitmix64's finaliser spreads FNV's similar inputs over all the bits. */
    h1 = (h1 ^ (h1 >> 30)) * 0xbf58476d1ce4e5b9ull;
    h1 = (h1 ^ (h1 >> 27)) * 0x94d049bb133111ebull;
    h1 ^= h1 >> 31;
    h2 = h1 + 0x9e3779b97f4a7c15ull;
    h2 = (h2 ^ (h2 >> 30)) * 0xbf58476d1ce4e5b9ull;
    h2 = (h2 ^ (h2 >> 27)) * 0x94d049bb133111ebull;
    h2 ^= h2 >> 31;
    sim_guid g;
    g.Data1 = (uint32_t)h1;
    g.Data2 = (uint16_t)(h1 >> 32);
    g.Data3 = (uint16_t)(0x4000 | ((h1 >> 48) & 0x0FFF));
    for (int i = 0; i < 8; i++) g.Data4[i] = (uint8_t)(h2 >> (8 * i));
    g.Data4[0] = (uint8_t)(0x80 | (g.Data4[0] & 0x3F));
    fmt_guid(&g, out);
}

/* The object's "id" (a GUID, normalised to lower case without braces) or one derived from its name. */
static void object_id(sim_vctx *v, const json_value *obj, const char *path, const char *kind, const char *name, char out[37]) {
    const json_value *id = json_get(obj, "id");
    if (!id) {
        derived_guid(kind, name, out);
        return;
    }
    char p[300];
    snprintf(p, sizeof p, "%s.id", path);
    sim_guid g;
    if (!sim_want_type(v, id, JSON_STRING, p)) return;
    if (!sim_guid_parse(id->string, &g)) {
        sim_verr(v, p, id, "expected a GUID such as \"6f3a1c2e-8b4d-4f5a-9c6e-1d2b3a4c5e60\", found \"%.60s\"", id->string);
        return;
    }
    fmt_guid(&g, out);
}

typedef struct named {
    char name[512];
    char id[37];
} named;

/* Entries sorted by name (as the registry compares names) for lookups in O(log n):
 * scenarios may list 100 000 resources. */
typedef struct sorted_names {
    const named *list;
    uint32_t *order;          /* indexes into list, by name, then by index */
    uint32_t count;
} sorted_names;

static const named *g_sorting;   /* qsort has no context argument; the lock serialises scenario parsing */

static int by_name(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = sim_hv_name_cmp(g_sorting[x].name, g_sorting[y].name);
    return c ? c : (x < y ? -1 : x > y);
}

/* Sorts list[0..count); the first duplicate name (the later entry) goes to *dup (-1: none). */
static int sort_names(sorted_names *s, const named *list, uint32_t count, int *dup) {
    s->list = list;
    s->count = count;
    s->order = (uint32_t *)malloc((count ? count : 1) * sizeof *s->order);
    *dup = -1;
    if (!s->order) return -1;
    for (uint32_t i = 0; i < count; i++) s->order[i] = i;
    sim_lock();
    g_sorting = list;
    qsort(s->order, count, sizeof *s->order, by_name);
    sim_unlock();
    for (uint32_t i = 1; i < count; i++) {
        uint32_t a = s->order[i - 1], b = s->order[i];
        if (sim_hv_name_eq(list[a].name, list[b].name) && (*dup < 0 || (int)b < *dup)) *dup = (int)b;
    }
    return 0;
}

/* Index of `name` (the first entry so named), or -1. */
static int find_named(const sorted_names *s, const char *name) {
    uint32_t lo = 0, hi = s->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sim_hv_name_cmp(s->list[s->order[mid]].name, name) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->count && sim_hv_name_eq(s->list[s->order[lo]].name, name) ? (int)s->order[lo] : -1;
}

/* An array of strings naming entries of `list`: their ids into out (at most MAX_LIST). */
static uint32_t name_list(sim_vctx *v, const json_value *obj, const char *key, const char *path, const sorted_names *names,
                          const char *what, const char **out) {
    const json_value *arr = json_get(obj, key);
    if (!arr || v->failed) return 0;
    char p[300];
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!sim_want_array(v, arr, p, MAX_LIST)) return 0;
    for (size_t i = 0; i < arr->count && !v->failed; i++) {
        char ip[320];
        snprintf(ip, sizeof ip, "%s[%u]", p, (unsigned)i);
        if (!sim_want_type(v, arr->items[i], JSON_STRING, ip)) break;
        int at = find_named(names, arr->items[i]->string);
        if (at < 0) sim_verr(v, ip, arr->items[i], "there is no %s named \"%.100s\"", what, arr->items[i]->string);
        else out[i] = names->list[at].id;
    }
    return v->failed ? 0 : (uint32_t)arr->count;
}

static int add_sz(sim_hv_key *k, const char *name, const char *value) {
    return sim_hv_set_sz(k, name, value);
}

/* "parameters": strings → REG_SZ, integers → REG_DWORD, arrays of strings → REG_MULTI_SZ. */
static void parameters(sim_vctx *v, const json_value *obj, const char *path, sim_hv_key *res) {
    const json_value *params = json_get(obj, "parameters");
    sim_hv_key *pk = sim_hv_add_subkey(res, "Parameters", DB_CREATED, NULL);
    if (!pk) {
        sim_verr(v, path, obj, "out of memory");
        return;
    }
    if (!params || v->failed) return;
    char p[300];
    snprintf(p, sizeof p, "%s.parameters", path);
    if (!sim_want_type(v, params, JSON_OBJECT, p)) return;
    if (params->count > MAX_PARAMETERS) {
        sim_verr(v, p, params, "has %u entries; the simulator supports at most %u", (unsigned)params->count, MAX_PARAMETERS);
        return;
    }
    for (size_t i = 0; i < params->count && !v->failed; i++) {
        const json_value *pv = params->items[i];
        const char *name = params->keys[i];
        char ip[400];
        snprintf(ip, sizeof ip, "%s.%s", p, name);
        int rc = 0;
        if (pv->type == JSON_STRING) {
            rc = add_sz(pk, name, pv->string);
        } else if (pv->type == JSON_NUMBER && pv->is_integer && pv->integer >= 0 && pv->integer <= 0xFFFFFFFFLL) {
            rc = sim_hv_set_dword(pk, name, (uint32_t)pv->integer);
        } else if (pv->type == JSON_ARRAY && pv->count <= MAX_LIST) {
            const char *items[MAX_LIST];
            for (size_t j = 0; j < pv->count && !v->failed; j++) {
                if (pv->items[j]->type != JSON_STRING) sim_verr(v, ip, pv->items[j], "expected an array of strings");
                else items[j] = pv->items[j]->string;
            }
            if (!v->failed) rc = sim_hv_set_multi_sz(pk, name, items, (uint32_t)pv->count);
        } else {
            sim_verr(v, ip, pv, "expected a string (REG_SZ), an integer 0..4294967295 (REG_DWORD) or an array of strings (REG_MULTI_SZ)");
        }
        if (rc != 0) sim_verr(v, ip, pv, "out of memory");
    }
}

static const char *const STATE_NAMES[] = { "offline", "online", NULL };
static const uint32_t STATE_VALUES[] = { 0, 1 };

static uint32_t object_state(sim_vctx *v, const json_value *obj, const char *path) {
    const json_value *st = json_get(obj, "state");
    uint32_t x = 1;
    char p[300];
    snprintf(p, sizeof p, "%s.state", path);
    if (st && !v->failed) sim_pick(v, st, p, STATE_NAMES, STATE_VALUES, &x);
    return x;
}

static void build(sim_vctx *v, const json_value *root, const sim_scenario *sc, sim_hv_key *db) {
    const json_value *groups = json_get(root, "groups"), *resources = json_get(root, "resources"), *networks = json_get(root, "networks");
    if (groups && !sim_want_array(v, groups, "groups", MAX_GROUPS)) return;
    if (resources && !sim_want_array(v, resources, "resources", MAX_RESOURCES)) return;
    if (networks && !sim_want_array(v, networks, "networks", MAX_NETWORKS)) return;
    uint32_t ng = groups ? (uint32_t)groups->count : 0, nr = resources ? (uint32_t)resources->count : 0;
    uint32_t nn = networks ? (uint32_t)networks->count : 0;
    named *gl = (named *)calloc(ng ? ng : 1, sizeof *gl), *rl = (named *)calloc(nr ? nr : 1, sizeof *rl);
    named *nl = (named *)calloc(nn ? nn : 1, sizeof *nl), *nodes = (named *)calloc(sc->node_count ? sc->node_count : 1, sizeof *nodes);
    const char **ids = (const char **)calloc(MAX_LIST, sizeof *ids);
    const char **contains = (const char **)calloc(nr ? nr : 1, sizeof *contains);
    int *res_group = (int *)calloc(nr ? nr : 1, sizeof *res_group);
    sorted_names gs = { gl, NULL, 0 }, rs = { rl, NULL, 0 }, ns = { nodes, NULL, 0 };
    if (!gl || !rl || !nl || !nodes || !ids || !contains || !res_group) {
        sim_verr(v, "scenario", root, "out of memory");
        goto done;
    }
    sim_hv_key *k_nodes = sim_hv_add_subkey(db, "Nodes", DB_CREATED, NULL);
    sim_hv_key *k_groups = sim_hv_add_subkey(db, "Groups", DB_CREATED, NULL);
    sim_hv_key *k_res = sim_hv_add_subkey(db, "Resources", DB_CREATED, NULL);
    sim_hv_key *k_types = sim_hv_add_subkey(db, "ResourceTypes", DB_CREATED, NULL);
    sim_hv_key *k_nets = sim_hv_add_subkey(db, "Networks", DB_CREATED, NULL);
    sim_hv_key *k_ifs = sim_hv_add_subkey(db, "NetworkInterfaces", DB_CREATED, NULL);
    sim_hv_key *k_quorum = sim_hv_add_subkey(db, "Quorum", DB_CREATED, NULL);
    if (!k_nodes || !k_groups || !k_res || !k_types || !k_nets || !k_ifs || !k_quorum) {
        sim_verr(v, "scenario", root, "out of memory");
        goto done;
    }

    /* Nodes\<id>. */
    for (uint32_t i = 0; i < sc->node_count && !v->failed; i++) {
        snprintf(nodes[i].name, sizeof nodes[i].name, "%s", sc->nodes[i].name);
        snprintf(nodes[i].id, sizeof nodes[i].id, "%.36s", sc->nodes[i].id);
        sim_hv_key *n = sim_hv_add_subkey(k_nodes, sc->nodes[i].id, DB_CREATED, NULL);
        if (!n || add_sz(n, "NodeName", sc->nodes[i].name) || sim_hv_set_dword(n, "NodeHighestVersion", sc->highest_version) ||
            sim_hv_set_dword(n, "NodeLowestVersion", sc->lowest_version) || sim_hv_set_dword(n, "NodeWeight", sc->nodes[i].votes))
            sim_verr(v, "nodes", NULL, "out of memory");
    }

    /* Groups: names and ids first (resources name their group). */
    static const char *const GK[] = { "id", "name", "type", "state", "preferredOwners", NULL };
    for (uint32_t i = 0; i < ng && !v->failed; i++) {
        char p[64];
        const json_value *g = sim_array_object(v, groups, i, "groups", "group", GK, "name", p, sizeof p);
        if (!g) break;
        sim_get_text(v, g, "name", p, "", gl[i].name, sizeof gl[i].name, 0, NULL);
        object_id(v, g, p, "group", gl[i].name, gl[i].id);
    }
    int dup = -1;
    if (!v->failed && sort_names(&gs, gl, ng, &dup) != 0) sim_verr(v, "groups", groups, "out of memory");
    if (!v->failed && dup >= 0) {
        char p[64];
        snprintf(p, sizeof p, "groups[%d]", dup);
        sim_verr(v, p, json_get(groups->items[dup], "name"), "the name \"%.100s\" is already used by another group", gl[dup].name);
    }
    static const char *const RK[] = { "id", "name", "type", "group", "state", "dependsOn", "parameters", NULL };
    for (uint32_t i = 0; i < nr && !v->failed; i++) {
        char p[64];
        const json_value *r = sim_array_object(v, resources, i, "resources", "resource", RK, "name", p, sizeof p);
        if (!r) break;
        sim_get_text(v, r, "name", p, "", rl[i].name, sizeof rl[i].name, 0, NULL);
        if (!v->failed && !json_get(r, "type")) sim_verr(v, p, r, "the resource has no \"type\"");
        if (!v->failed && !json_get(r, "group")) sim_verr(v, p, r, "the resource has no \"group\"");
        object_id(v, r, p, "resource", rl[i].name, rl[i].id);
    }
    if (!v->failed && sort_names(&rs, rl, nr, &dup) != 0) sim_verr(v, "resources", resources, "out of memory");
    if (!v->failed && dup >= 0) {
        char p[64];
        snprintf(p, sizeof p, "resources[%d]", dup);
        sim_verr(v, p, json_get(resources->items[dup], "name"), "the name \"%.100s\" is already used by another resource", rl[dup].name);
    }
    if (!v->failed && sort_names(&ns, nodes, sc->node_count, &dup) != 0) sim_verr(v, "nodes", NULL, "out of memory");

    /* Resources\<id> and ResourceTypes\<type>. */
    for (uint32_t i = 0; i < nr && !v->failed; i++) {
        char p[64], type[512], group[512];
        const json_value *r = resources->items[i];
        snprintf(p, sizeof p, "resources[%u]", i);
        sim_get_text(v, r, "type", p, "", type, sizeof type, 0, "\\");
        sim_get_text(v, r, "group", p, "", group, sizeof group, 0, NULL);
        int gi = v->failed ? -1 : find_named(&gs, group);
        char gp[80];
        snprintf(gp, sizeof gp, "%s.group", p);
        if (!v->failed && gi < 0) sim_verr(v, gp, json_get(r, "group"), "there is no group named \"%.100s\"", group);
        res_group[i] = gi;
        uint32_t ndeps = name_list(v, r, "dependsOn", p, &rs, "resource", ids);
        uint32_t state = object_state(v, r, p);
        if (v->failed) break;
        sim_hv_key *k = sim_hv_add_subkey(k_res, rl[i].id, DB_CREATED, NULL);
        if (!k || add_sz(k, "Name", rl[i].name) || add_sz(k, "Type", type) || add_sz(k, "Group", gl[gi].id) ||
            sim_hv_set_multi_sz(k, "DependsOn", ids, ndeps) || sim_hv_set_dword(k, "PersistentState", state)) {
            sim_verr(v, p, r, "out of memory");
            break;
        }
        parameters(v, r, p, k);
        if (!sim_hv_subkey(k_types, type)) {
            const char *dll = NULL;
            for (size_t t = 0; t < sizeof TYPE_DLLS / sizeof TYPE_DLLS[0]; t++)
                if (sim_hv_name_eq(TYPE_DLLS[t][0], type)) dll = TYPE_DLLS[t][1];
            char guessed[600];
            if (!dll) {
                snprintf(guessed, sizeof guessed, "%s.dll", type);
                dll = guessed;
            }
            sim_hv_key *t = sim_hv_add_subkey(k_types, type, DB_CREATED, NULL);
            if (!t || add_sz(t, "Name", type) || add_sz(t, "DllName", dll)) sim_verr(v, p, r, "out of memory");
        }
    }

    /* Groups\<id>: the resources each contains, in scenario order. */
    for (uint32_t i = 0; i < ng && !v->failed; i++) {
        char p[64];
        const json_value *g = groups->items[i];
        snprintf(p, sizeof p, "groups[%u]", i);
        uint32_t type = sim_get_u32(v, g, "type", p, 9999, 0xFFFFFFFFu);
        uint32_t state = object_state(v, g, p);
        uint32_t nowners = name_list(v, g, "preferredOwners", p, &ns, "node", ids);
        uint32_t ncontains = 0;
        for (uint32_t r = 0; r < nr; r++)
            if (res_group[r] == (int)i) contains[ncontains++] = rl[r].id;
        if (v->failed) break;
        sim_hv_key *k = sim_hv_add_subkey(k_groups, gl[i].id, DB_CREATED, NULL);
        if (!k || add_sz(k, "Name", gl[i].name) || sim_hv_set_dword(k, "GroupType", type) || sim_hv_set_dword(k, "PersistentState", state) ||
            sim_hv_set_multi_sz(k, "Contains", contains, ncontains) || sim_hv_set_multi_sz(k, "PreferredOwners", ids, nowners))
            sim_verr(v, p, g, "out of memory");
    }

    /* Networks\<id>, and NetworkInterfaces\<id> for every node on every network. */
    static const char *const NK[] = { "id", "name", "role", "address", "addressMask", NULL };
    for (uint32_t i = 0; i < nn && !v->failed; i++) {
        char p[64], address[64], mask[64];
        const json_value *n = sim_array_object(v, networks, i, "networks", "network", NK, "name", p, sizeof p);
        if (!n) break;
        sim_get_text(v, n, "name", p, "", nl[i].name, sizeof nl[i].name, 0, NULL);
        for (uint32_t j = 0; j < i && !v->failed; j++)
            if (sim_hv_name_eq(nl[j].name, nl[i].name))
                sim_verr(v, p, json_get(n, "name"), "the name \"%.100s\" is already used by another network", nl[i].name);
        object_id(v, n, p, "network", nl[i].name, nl[i].id);
        uint32_t role = sim_get_u32(v, n, "role", p, 3, 3);
        sim_get_text(v, n, "address", p, "", address, sizeof address, 1, NULL);
        sim_get_text(v, n, "addressMask", p, "", mask, sizeof mask, 1, NULL);
        if (v->failed) break;
        sim_hv_key *k = sim_hv_add_subkey(k_nets, nl[i].id, DB_CREATED, NULL);
        if (!k || add_sz(k, "Name", nl[i].name) || sim_hv_set_dword(k, "Role", role) || add_sz(k, "Address", address) ||
            add_sz(k, "AddressMask", mask)) {
            sim_verr(v, p, n, "out of memory");
            break;
        }
        for (uint32_t j = 0; j < sc->node_count && !v->failed; j++) {
            char ifname[1100], key[1100], ifid[37];
            snprintf(ifname, sizeof ifname, "%s - %s", sc->nodes[j].name, nl[i].name);
            snprintf(key, sizeof key, "%s/%s", nl[i].id, sc->nodes[j].name);
            derived_guid("netinterface", key, ifid);
            sim_hv_key *f = sim_hv_add_subkey(k_ifs, ifid, DB_CREATED, NULL);
            if (!f || add_sz(f, "Name", ifname) || add_sz(f, "Node", sc->nodes[j].id) || add_sz(f, "Network", nl[i].id))
                sim_verr(v, p, n, "out of memory");
        }
    }

    /* Quorum: the witness resource, when the scenario names one that exists. */
    if (!v->failed && sc->has_quorum) {
        int qi = find_named(&rs, sc->quorum_resource);
        if (qi >= 0 && (add_sz(k_quorum, "Resource", rl[qi].id) || add_sz(k_quorum, "Path", sc->quorum_device)))
            sim_verr(v, "cluster.quorum", NULL, "out of memory");
    }
done:
    free(gl);
    free(rl);
    free(nl);
    free(nodes);
    free(ids);
    free(contains);
    free(res_group);
    free(gs.order);
    free(rs.order);
    free(ns.order);
}

sim_hv_key *sim_scenario_database(sim_vctx *v, const json_value *root, const sim_scenario *sc) {
    /* Fields absent from the scenario come from the defaults. */
    char err[256];
    json_value *defaults = json_parse(DEFAULT_DB, strlen(DEFAULT_DB), err, sizeof err);
    if (!defaults) {
        sim_verr(v, "scenario", NULL, "the built-in default database does not parse: %s", err);
        return NULL;
    }
    json_value merged;
    memset(&merged, 0, sizeof merged);
    merged.type = JSON_OBJECT;
    const char *keys[3] = { "groups", "resources", "networks" };
    json_value *items[3];
    char *mkeys[3];
    for (int i = 0; i < 3; i++) {
        const json_value *own = json_get(root, keys[i]);
        items[i] = (json_value *)(uintptr_t)(own ? own : json_get(defaults, keys[i]));
        mkeys[i] = (char *)(uintptr_t)keys[i];
    }
    merged.count = 3;
    merged.keys = mkeys;
    merged.items = items;

    sim_hv_key *db = sim_hv_new("Cluster", DB_CREATED);
    char instance[37];
    sim_guid given;
    if (sc->instance_id[0] && sim_guid_parse(sc->instance_id, &given)) fmt_guid(&given, instance);
    else derived_guid("cluster", sc->cluster_name, instance);
    if (!db || add_sz(db, "ClusterName", sc->cluster_name) || add_sz(db, "ClusterInstanceID", instance) ||
        sim_hv_set_dword(db, "PaxosTag", sc->paxos_tag)) {
        sim_verr(v, "scenario", NULL, "out of memory");
    } else {
        build(v, &merged, sc, db);
    }
    json_free(defaults);
    if (v->failed) {
        sim_hv_free(db);
        return NULL;
    }
    return db;
}
