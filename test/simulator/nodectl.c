/*
 * clusapi.dll stand-in, node control: PauseClusterNodeEx and ResumeClusterNodeEx, and
 * the per-node answer latency (scenario `latencyMs`, global or per node) with a counter
 * of node calls in flight (ClusSimNodeCallPeak).
 *
 * Semantics (test/simulator/README.md, "Node control"):
 * - PauseClusterNodeEx(hNode, bDrainNode, dwPauseFlags, hNodeDrainTarget) and
 *   ResumeClusterNodeEx(hNode, eResumeFailbackType, dwResumeFlagsReserved) as clusapi.h
 *   declares them (learn.microsoft.com, nf-clusapi-pauseclusternodeex and
 *   nf-clusapi-resumeclusternodeex; MS-CMRP ApiPauseNodeEx / ApiResumeNodeEx).
 * - A paused node whose ClusSvc runs is reported as ClusterNodePaused (2) by
 *   GetClusterNodeState. The pause survives a service restart (a paused node comes back
 *   paused) and is kept in `<scenario>.nodes.json` beside the scenario, so another
 *   process sees it; a file written for another scenario text is ignored.
 * - The simulated cluster has no roles to move: a drain is recorded (with its flags and
 *   target) and logged, nothing else.
 * - A drain target that is not Up fails with ERROR_HOST_NODE_NOT_AVAILABLE (5005), as
 *   MS-CMRP ApiPauseNodeWithDrainTarget (3.1.4.2.126) says the server MUST; the node itself
 *   as its own target is ERROR_INVALID_PARAMETER (the protocol names no code for it).
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "json.h"

#define CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR 0x1u
#define CLUSAPI_NODE_AVOID_PLACEMENT 0x2u
#define CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE 0x4u
#define PAUSE_FLAGS_KNOWN 0x7u
#define CLUSTER_NODE_RESUME_FAILBACK_TYPE_COUNT 3u
#define ERROR_CLUSTER_NODE_DOWN 5050u
#define ERROR_CLUSTER_NODE_NOT_PAUSED 5058u
#define ERROR_HOST_NODE_NOT_AVAILABLE 5005u
#define MAX_PAUSED 1024

/* The node handle's layout in clusapi.c: the header, then the member's name. */
typedef struct node_handle_view {
    sim_handle_hdr hdr;
    char name[512];
} node_handle_view;

typedef struct paused_node {
    char name[512];
    int drained;
    uint32_t flags;
    char target[512];
} paused_node;

typedef struct paused_set {
    uint32_t count;
    paused_node items[MAX_PAUSED];
} paused_set;

static char *store_path(void) {
    sim_scenario *sc = sim_scenario_get();
    if (!sc) return NULL;
    size_t n = strlen(sc->path);
    char *p = malloc(n + sizeof ".nodes.json");
    if (p) {
        memcpy(p, sc->path, n);
        memcpy(p + n, ".nodes.json", sizeof ".nodes.json");
    }
    return p;
}

/* Reads the paused nodes (lock held); a missing file, or one of another scenario text, holds none. */
static void store_load(paused_set *s) {
    s->count = 0;
    char *path = store_path();
    FILE *f = path ? sim_fopen(path, "rb") : NULL;
    free(path);
    if (!f) return;
    char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    char err[128];
    json_value *root = json_parse(buf, len, err, sizeof err);
    if (!root) return;
    const json_value *hash = json_get(root, "scenarioHash");
    char want[32];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)sim_scenario_hash());
    const json_value *list = json_get(root, "paused");
    if (hash && hash->type == JSON_STRING && strcmp(hash->string, want) == 0 && list && list->type == JSON_ARRAY) {
        for (size_t i = 0; i < list->count && s->count < MAX_PAUSED; i++) {
            const json_value *name = json_get(list->items[i], "name"), *dr = json_get(list->items[i], "drained");
            const json_value *fl = json_get(list->items[i], "flags"), *tg = json_get(list->items[i], "drainTarget");
            if (!name || name->type != JSON_STRING || strlen(name->string) >= 512) continue;
            paused_node *p = &s->items[s->count++];
            memset(p, 0, sizeof *p);
            memcpy(p->name, name->string, strlen(name->string) + 1);
            p->drained = dr && dr->type == JSON_BOOL && dr->boolean;
            p->flags = fl && fl->type == JSON_NUMBER && fl->is_integer && fl->integer >= 0 ? (uint32_t)fl->integer : 0;
            if (tg && tg->type == JSON_STRING && strlen(tg->string) < 512) memcpy(p->target, tg->string, strlen(tg->string) + 1);
        }
    }
    json_free(root);
}

static int store_save(const paused_set *s) {
    char *path = store_path();
    if (!path) return 1;
    json_buf b;
    memset(&b, 0, sizeof b);
    json_buf_printf(&b, "{\n  \"scenarioHash\": \"%016llx\",\n  \"paused\": [", (unsigned long long)sim_scenario_hash());
    for (uint32_t i = 0; i < s->count; i++) {
        json_buf_puts(&b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
        json_buf_string(&b, s->items[i].name);
        json_buf_printf(&b, ", \"drained\": %s, \"flags\": %u, \"drainTarget\": ", s->items[i].drained ? "true" : "false", s->items[i].flags);
        json_buf_string(&b, s->items[i].target);
        json_buf_puts(&b, "}");
    }
    json_buf_puts(&b, s->count ? "\n  ]\n}\n" : "]\n}\n");
    int rc = b.failed ? 1 : sim_write_file_atomic(path, b.data, b.len);
    json_buf_free(&b);
    free(path);
    return rc;
}

static int find_paused(const paused_set *s, const char *name) {
    for (uint32_t i = 0; i < s->count; i++) {
        if (sim_utf8_eq_name(s->items[i].name, name)) return (int)i;
    }
    return -1;
}

static paused_set g_set;   /* scratch, used with the lock held */

/* Whether PauseClusterNodeEx paused the node (the store read again). Lock held. */
static int find_paused_now(const char *name) {
    store_load(&g_set);
    return find_paused(&g_set, name) >= 0;
}

int sim_nodectl_paused(const char *name) {
    sim_lock();
    store_load(&g_set);
    int paused = find_paused(&g_set, name) >= 0;
    sim_unlock();
    return paused;
}

/* ---- latency and the in-flight counter ---- */

static uint32_t g_in_flight, g_peak;

void sim_node_latency(const char *name) {
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    sim_node *n = name ? sim_find_node_utf8(name) : NULL;
    uint32_t ms = n && n->latency_ms ? n->latency_ms : (sc ? sc->latency_ms : 0);
    g_in_flight++;
    if (g_in_flight > g_peak) g_peak = g_in_flight;
    sim_unlock();
    /* Outside the lock, as a node's RPC would wait: other threads' calls go on meanwhile. */
    if (ms) sim_sleep_ms(ms);
    sim_lock();
    g_in_flight--;
    sim_unlock();
}

/* The most node calls (OpenClusterNode, GetClusterNodeState, GetClusterNodeId, Pause/Resume)
 * that were in flight at once since the last reset; reset != 0 starts over. */
SIMAPI uint32_t SIMCALL ClusSimNodeCallPeak(int32_t reset) {
    sim_lock();
    uint32_t peak = g_peak;
    if (reset) g_peak = g_in_flight;
    sim_unlock();
    return peak;
}

/* ---- the exports ---- */

/* The node behind an open node handle, its member name copied to name; 0 or the error. Lock held. */
static DWORD_T node_of(const void *h, char name[512], sim_node **node) {
    const node_handle_view *nh = (const node_handle_view *)sim_handle_get(h, SIM_LEAK_NODE);
    if (!nh) return SIM_ERROR_INVALID_HANDLE;
    memcpy(name, nh->name, 512);
    *node = sim_find_node_utf8(nh->name);
    return 0;
}

/* 0 when the node answers and its cluster service runs, else the error. Lock held. */
static DWORD_T node_usable(const sim_node *n) {
    if (n && !n->reachable) return SIM_RPC_S_SERVER_UNAVAILABLE;
    if (!n || n->service_state != SIM_SVC_RUNNING) return ERROR_CLUSTER_NODE_DOWN;
    return 0;
}

SIMAPI DWORD_T SIMCALL PauseClusterNodeEx(void *hNode, BOOL_T bDrainNode, DWORD_T dwPauseFlags, void *hNodeDrainTarget) {
    char name[512] = "", target[512] = "";
    sim_node *n = NULL, *t = NULL;
    sim_lock();
    DWORD_T err = node_of(hNode, name, &n);
    DWORD_T target_err = hNodeDrainTarget ? node_of(hNodeDrainTarget, target, &t) : 0;
    sim_unlock();
    char detail[1100];
    /* With a drain target: "<node>:drain:<target>" (a fault on "<node>:drain" matches it too). */
    if (hNodeDrainTarget && !target_err) snprintf(detail, sizeof detail, "%s:%s:%s", name, bDrainNode ? "drain" : "nodrain", target);
    else snprintf(detail, sizeof detail, "%s:%s", name, bDrainNode ? "drain" : "nodrain");
    uint32_t code;
    if (sim_fault_ex("PauseClusterNodeEx", detail, &code)) return code;
    if (err) return err;
    sim_node_latency(name);
    if (dwPauseFlags & ~PAUSE_FLAGS_KNOWN) return SIM_ERROR_INVALID_PARAMETER;
    sim_lock();
    sim_state_refresh();
    if (hNodeDrainTarget) {
        err = node_of(hNodeDrainTarget, target, &t);
        /* The drain target must be another node that is Up (not down, paused or joining). */
        if (!err && sim_utf8_eq_name(target, name)) err = SIM_ERROR_INVALID_PARAMETER;
        else if (!err && (node_usable(t) || t->state != SIM_NODE_UP || find_paused_now(target))) err = ERROR_HOST_NODE_NOT_AVAILABLE;
    }
    if (!err) err = node_usable(n);
    if (!err) {
        store_load(&g_set);
        int i = find_paused(&g_set, name);
        if (i < 0 && g_set.count < MAX_PAUSED) i = (int)g_set.count++;
        if (i < 0) {
            err = SIM_ERROR_NOT_ENOUGH_MEMORY;
        } else {
            paused_node *p = &g_set.items[i];
            memset(p, 0, sizeof *p);
            memcpy(p->name, name, sizeof p->name);
            p->drained = bDrainNode != 0;
            p->flags = dwPauseFlags;
            memcpy(p->target, target, sizeof p->target);
            if (store_save(&g_set)) err = SIM_ERROR_ACCESS_DENIED;
        }
    }
    sim_unlock();
    return err;
}

SIMAPI DWORD_T SIMCALL ResumeClusterNodeEx(void *hNode, uint32_t eResumeFailbackType, DWORD_T dwResumeFlagsReserved) {
    char name[512] = "";
    sim_node *n = NULL;
    sim_lock();
    DWORD_T err = node_of(hNode, name, &n);
    sim_unlock();
    char detail[600];
    snprintf(detail, sizeof detail, "%s:%u", name, eResumeFailbackType);
    uint32_t code;
    if (sim_fault_ex("ResumeClusterNodeEx", detail, &code)) return code;
    if (err) return err;
    sim_node_latency(name);
    if (eResumeFailbackType >= CLUSTER_NODE_RESUME_FAILBACK_TYPE_COUNT || dwResumeFlagsReserved != 0) return SIM_ERROR_INVALID_PARAMETER;
    sim_lock();
    sim_state_refresh();
    err = node_usable(n);
    if (!err) {
        store_load(&g_set);
        int i = find_paused(&g_set, name);
        if (i < 0) {
            err = ERROR_CLUSTER_NODE_NOT_PAUSED;
        } else {
            g_set.items[i] = g_set.items[g_set.count - 1];
            g_set.count--;
            if (store_save(&g_set)) err = SIM_ERROR_ACCESS_DENIED;
        }
    }
    sim_unlock();
    return err;
}
