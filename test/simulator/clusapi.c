/*
 * clusapi.dll stand-in: node cluster state, cluster/node/enum handles, cluster
 * information and version, node enumeration, node state and id, the quorum resource.
 * Signatures follow clusapi.h with fixed-width types (see sim.h). Which nodes the
 * cluster has and its name come from the live CLUSDB header; each node's attributes
 * from the scenario; each node's ClusSvc state from the persisted state.
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define CLUSTER_ENUM_NODE 0x01u
#define CLUSTER_ENUM_ALL 0x3Fu
#define CLUSTER_ENUM_INTERNAL_NETWORK 0x80000000u
#define CLUSTER_VERSIONINFO_SIZE 284u
#define CLUSTER_NODE_STATE_UNKNOWN (-1)
#define GENERIC_READ 0x80000000u
#define GENERIC_ALL 0x10000000u
#define MAXIMUM_ALLOWED 0x02000000u
#define CLUSAPI_READ_ACCESS 1u
#define CLUSAPI_CHANGE_ACCESS 2u
#define CLUSAPI_ALL_ACCESS 3u

typedef void *HCLUSTER_T;
typedef void *HNODE_T;
typedef void *HCLUSENUM_T;

/* How a cluster handle reaches the cluster. */
typedef enum { ROUTE_LOCAL, ROUTE_NODE, ROUTE_CLUSTER_NAME } route_kind;

typedef struct cluster_handle {
    sim_handle_hdr hdr;
    route_kind route;
    char node[512];          /* ROUTE_NODE: the node it is connected to */
    uint32_t granted;        /* CLUSAPI_* access */
} cluster_handle;

typedef struct node_handle {
    sim_handle_hdr hdr;
    char name[512];          /* the member's name as the CLUSDB header spells it */
} node_handle;

typedef struct enum_handle {
    sim_handle_hdr hdr;
    uint32_t count;
    char **names;            /* snapshot of the members when the enumeration was opened */
} enum_handle;

/* The layout of docs/windows.md (clusapi) (checked below). */
typedef struct sim_clusterversioninfo {
    uint32_t dwVersionInfoSize;
    uint16_t MajorVersion;
    uint16_t MinorVersion;
    uint16_t BuildNumber;
    WCHAR_T szVendorId[64];
    WCHAR_T szCSDVersion[64];
    uint32_t dwClusterHighestVersion;
    uint32_t dwClusterLowestVersion;
    uint32_t dwFlags;
    uint32_t dwReserved;
} sim_clusterversioninfo;

_Static_assert(sizeof(sim_clusterversioninfo) == 284, "CLUSTERVERSIONINFO is 284 bytes");
_Static_assert(offsetof(sim_clusterversioninfo, szVendorId) == 10, "szVendorId at 10");
_Static_assert(offsetof(sim_clusterversioninfo, szCSDVersion) == 138, "szCSDVersion at 138");
_Static_assert(offsetof(sim_clusterversioninfo, dwClusterHighestVersion) == 268, "dwClusterHighestVersion at 268");
_Static_assert(offsetof(sim_clusterversioninfo, dwFlags) == 276, "dwFlags at 276");
_Static_assert(offsetof(sim_clusterversioninfo, dwReserved) == 280, "dwReserved at 280");

/* Whether ClusSvc on a node answers RPC calls. */
static int service_runs(const sim_node *n) {
    return n && n->service_state == SIM_SVC_RUNNING;
}

/* Can a caller reach the cluster through `route`? 0 when yes, else the Win32 error:
 * RPC_S_SERVER_UNAVAILABLE (1722) when the machine cannot be reached (or the name does
 * not resolve), EPT_S_NOT_REGISTERED (1753) when it is reached but its cluster service
 * is not running. Called with the lock held, after sim_state_refresh(). */
static DWORD_T route_check(route_kind route, const char *node_name) {
    sim_scenario *sc = sim_scenario_get();
    if (!sc) return SIM_ERROR_NOT_READY;
    if (route == ROUTE_LOCAL) {
        sim_node *local = sim_local_node();
        if (!sc->installed || !sc->configured || !service_runs(local)) return SIM_EPT_S_NOT_REGISTERED;
        return 0;
    }
    if (route == ROUTE_NODE) {
        sim_node *n = sim_find_node_utf8(node_name);
        if (!n || !n->reachable) return SIM_RPC_S_SERVER_UNAVAILABLE;
        if (sim_node_is_local(n) && (!sc->installed || !sc->configured)) return SIM_EPT_S_NOT_REGISTERED;
        return service_runs(n) ? 0 : SIM_EPT_S_NOT_REGISTERED;
    }
    /* The cluster's network name is online while any member's service runs. */
    for (uint32_t i = 0; i < sim_member_count(); i++) {
        sim_node *n = sim_find_node_utf8(sim_member_name(i));
        if (n && n->reachable && service_runs(n) && (!sim_node_is_local(n) || (sc->installed && sc->configured))) return 0;
    }
    return SIM_RPC_S_SERVER_UNAVAILABLE;
}

/* The cluster's view of a node (CLUSTER_NODE_STATE). */
static int32_t node_view(const sim_node *n) {
    if (!n) return 1;
    switch (n->service_state) {
    case SIM_SVC_RUNNING: return sim_nodectl_paused(n->name) ? 2 : (int32_t)n->state;  /* 2: ClusterNodePaused (nodectl.c) */
    case SIM_SVC_START_PENDING: return 3;  /* ClusterNodeJoining */
    default: return 1;                      /* ClusterNodeDown */
    }
}

static cluster_handle *get_cluster(HCLUSTER_T h) {
    return (cluster_handle *)sim_handle_get(h, SIM_LEAK_CLUSTER);
}

static HCLUSTER_T open_cluster(const char *fn, const WCHAR_T *clusterName, uint32_t granted) {
    if (sim_fault_last_error(fn, NULL)) return NULL;
    char *name = clusterName ? sim_w_to_utf8(clusterName) : NULL;
    if (clusterName && !name) {
        sim_set_last_error(SIM_ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    DWORD_T err = 0;
    route_kind route = ROUTE_LOCAL;
    char node[512] = "";
    if (!sc) {
        err = SIM_ERROR_NOT_READY;
    } else {
        sim_state_refresh();
        sim_reload_clusdb();
        const char *bare = sim_strip_unc(name);
        if (!bare || !*bare || sim_is_local_name(bare)) {
            route = ROUTE_LOCAL;
        } else if (sim_utf8_eq_name(bare, sc->cluster_name)) {
            route = ROUTE_CLUSTER_NAME;
        } else {
            sim_node *n = sim_find_node_utf8(bare);
            if (!n) {
                err = SIM_RPC_S_SERVER_UNAVAILABLE;  /* the name does not resolve */
            } else {
                route = ROUTE_NODE;
                size_t len = strlen(n->name);
                memcpy(node, n->name, len + 1);
            }
        }
        if (!err) err = route_check(route, node);
    }
    sim_unlock();
    free(name);
    cluster_handle *h = (cluster_handle *)sim_handle_open(err, SIM_LEAK_CLUSTER, sizeof(cluster_handle));
    if (!h) return NULL;
    h->route = route;
    memcpy(h->node, node, sizeof node);
    h->granted = granted;
    return h;
}

/* The cluster behind h is still reachable (0) or the error to return. Takes the lock. */
static DWORD_T check_cluster(const cluster_handle *h) {
    sim_lock();
    sim_state_refresh();
    DWORD_T err = route_check(h->route, h->node);
    sim_unlock();
    return err;
}

DWORD_T sim_cluster_handle_route(void *hc, int *route, char node[512], uint32_t *access) {
    cluster_handle *h = get_cluster(hc);
    if (!h) return SIM_ERROR_INVALID_HANDLE;
    *route = (int)h->route;
    memcpy(node, h->node, sizeof h->node);
    *access = h->granted;
    return 0;
}

DWORD_T sim_cluster_route_reachable(int route, const char *node) {
    sim_lock();
    sim_state_refresh();
    DWORD_T err = route_check((route_kind)route, node);
    sim_unlock();
    return err;
}

SIMAPI DWORD_T SIMCALL GetNodeClusterState(const WCHAR_T *lpszNodeName, DWORD_T *pdwClusterState) {
    uint32_t code;
    if (sim_fault("GetNodeClusterState", &code)) return code;
    if (!pdwClusterState) return SIM_ERROR_INVALID_PARAMETER;
    char *name = lpszNodeName ? sim_w_to_utf8(lpszNodeName) : NULL;
    if (lpszNodeName && !name) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    DWORD_T err = 0, state = 0;
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    if (!sc) {
        err = SIM_ERROR_NOT_READY;
    } else {
        sim_state_refresh();
        if (sim_is_local_name(name)) {
            state = sc->local_state;
        } else {
            sim_node *n = sim_find_node_utf8(name);
            if (!n || !n->reachable) {
                err = SIM_RPC_S_SERVER_UNAVAILABLE;
            } else if (n->service_state == SIM_SVC_NOT_INSTALLED) {
                state = 0;
            } else {
                state = 1u | (sim_is_member(n->name) ? 2u : 0u);
                if (state == 3u && n->service_state == SIM_SVC_RUNNING) state |= 0x10u;
            }
        }
    }
    sim_unlock();
    free(name);
    if (!err) *pdwClusterState = state;
    return err;
}

SIMAPI HCLUSTER_T SIMCALL OpenCluster(const WCHAR_T *lpszClusterName) {
    return open_cluster("OpenCluster", lpszClusterName, CLUSAPI_ALL_ACCESS);
}

SIMAPI HCLUSTER_T SIMCALL OpenClusterEx(const WCHAR_T *lpszClusterName, DWORD_T dwDesiredAccess, DWORD_T *lpdwGrantedAccess) {
    const uint32_t known = GENERIC_READ | GENERIC_ALL | MAXIMUM_ALLOWED | CLUSAPI_READ_ACCESS | CLUSAPI_CHANGE_ACCESS;
    uint32_t granted = 0;
    if (dwDesiredAccess & (GENERIC_ALL | MAXIMUM_ALLOWED)) granted = CLUSAPI_ALL_ACCESS;
    if (dwDesiredAccess & (GENERIC_READ | CLUSAPI_READ_ACCESS)) granted |= CLUSAPI_READ_ACCESS;
    if (dwDesiredAccess & CLUSAPI_CHANGE_ACCESS) granted |= CLUSAPI_CHANGE_ACCESS;
    if (dwDesiredAccess == 0 || (dwDesiredAccess & ~known)) {
        if (!sim_fault_last_error("OpenClusterEx", NULL)) sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return NULL;
    }
    HCLUSTER_T h = open_cluster("OpenClusterEx", lpszClusterName, granted);
    if (h && lpdwGrantedAccess) *lpdwGrantedAccess = granted;
    return h;
}

/* CloseCluster and CloseClusterNode. */
static BOOL_T close_handle(const char *fn, void *h, sim_leak_kind kind) {
    if (sim_fault_last_error(fn, NULL)) return 0;
    return sim_bool_result(sim_handle_close(h, kind) ? 0 : SIM_ERROR_INVALID_HANDLE);
}

SIMAPI BOOL_T SIMCALL CloseCluster(HCLUSTER_T hCluster) {
    return close_handle("CloseCluster", hCluster, SIM_LEAK_CLUSTER);
}

static void put_w(WCHAR_T *dst, size_t cap, const char *utf8) {
    size_t n;
    WCHAR_T *w = sim_utf8_to_w_len(utf8, &n);
    memset(dst, 0, cap * sizeof(WCHAR_T));
    if (!w) return;
    if (n >= cap) n = cap - 1;
    memcpy(dst, w, n * sizeof(WCHAR_T));
    free(w);
}

SIMAPI DWORD_T SIMCALL GetClusterInformation(HCLUSTER_T hCluster, WCHAR_T *lpszClusterName, DWORD_T *lpcchClusterName,
                                             void *lpClusterInfo) {
    uint32_t code;
    if (sim_fault("GetClusterInformation", &code)) return code;
    cluster_handle *h = get_cluster(hCluster);
    if (!h) return SIM_ERROR_INVALID_HANDLE;
    if (!lpcchClusterName) return SIM_ERROR_INVALID_PARAMETER;
    sim_clusterversioninfo *info = (sim_clusterversioninfo *)lpClusterInfo;
    if (info && info->dwVersionInfoSize != CLUSTER_VERSIONINFO_SIZE) return SIM_ERROR_INVALID_PARAMETER;
    DWORD_T err = check_cluster(h);
    if (err) return err;
    sim_lock();
    sim_reload_clusdb();
    sim_scenario *sc = sim_scenario_get();
    char name[sizeof sc->cluster_name];
    memcpy(name, sc->cluster_name, sizeof name);
    if (info) {
        info->MajorVersion = sc->major;
        info->MinorVersion = sc->minor;
        info->BuildNumber = sc->build;
        put_w(info->szVendorId, 64, sc->vendor);
        put_w(info->szCSDVersion, 64, sc->csd);
        info->dwClusterHighestVersion = sc->highest_version;
        info->dwClusterLowestVersion = sc->lowest_version;
        info->dwFlags = sc->version_flags;
        info->dwReserved = 0;
    }
    sim_unlock();
    return sim_copy_out_w(name, lpszClusterName, lpcchClusterName);
}

SIMAPI HCLUSENUM_T SIMCALL ClusterOpenEnum(HCLUSTER_T hCluster, DWORD_T dwType) {
    if (sim_fault_last_error("ClusterOpenEnum", NULL)) return NULL;
    cluster_handle *h = get_cluster(hCluster);
    DWORD_T err = SIM_ERROR_INVALID_HANDLE;
    if (h && (dwType == 0 || (dwType & ~(CLUSTER_ENUM_ALL | CLUSTER_ENUM_INTERNAL_NETWORK)))) err = SIM_ERROR_INVALID_PARAMETER;
    else if (h) err = check_cluster(h);
    enum_handle *e = (enum_handle *)sim_handle_open(err, SIM_LEAK_ENUM, sizeof(enum_handle));
    if (!e) return NULL;
    /* Only nodes exist in the simulated cluster; other object types enumerate nothing. */
    if (dwType & CLUSTER_ENUM_NODE) {
        sim_lock();
        sim_reload_clusdb();
        uint32_t count = sim_member_count();
        e->names = (char **)calloc(count ? count : 1, sizeof *e->names);
        for (uint32_t i = 0; e->names && i < count; i++) {
            const char *m = sim_member_name(i);
            size_t n = strlen(m);
            e->names[i] = (char *)malloc(n + 1);
            if (!e->names[i]) break;
            memcpy(e->names[i], m, n + 1);
            e->count = i + 1;
        }
        sim_unlock();
    }
    return e;
}

SIMAPI DWORD_T SIMCALL ClusterGetEnumCount(HCLUSENUM_T hEnum) {
    if (sim_fault_last_error("ClusterGetEnumCount", NULL)) return 0;
    enum_handle *e = (enum_handle *)sim_handle_get(hEnum, SIM_LEAK_ENUM);
    if (!e) {
        sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
        return 0;
    }
    return e->count;
}

SIMAPI DWORD_T SIMCALL ClusterEnum(HCLUSENUM_T hEnum, DWORD_T dwIndex, DWORD_T *lpdwType, WCHAR_T *lpszName, DWORD_T *lpcchName) {
    uint32_t code;
    if (sim_fault("ClusterEnum", &code)) return code;
    enum_handle *e = (enum_handle *)sim_handle_get(hEnum, SIM_LEAK_ENUM);
    if (!e) return SIM_ERROR_INVALID_HANDLE;
    if (!lpdwType || !lpcchName) return SIM_ERROR_INVALID_PARAMETER;
    if (dwIndex >= e->count) return SIM_ERROR_NO_MORE_ITEMS;
    *lpdwType = CLUSTER_ENUM_NODE;
    return sim_copy_out_w(e->names[dwIndex], lpszName, lpcchName);
}

SIMAPI DWORD_T SIMCALL ClusterCloseEnum(HCLUSENUM_T hEnum) {
    uint32_t code;
    if (sim_fault("ClusterCloseEnum", &code)) return code;
    enum_handle *e = (enum_handle *)sim_handle_get(hEnum, SIM_LEAK_ENUM);
    if (!e) return SIM_ERROR_INVALID_HANDLE;
    for (uint32_t i = 0; i < e->count; i++) free(e->names[i]);
    free(e->names);
    e->names = NULL;
    e->count = 0;
    sim_handle_close(e, SIM_LEAK_ENUM);
    return SIM_ERROR_SUCCESS;
}

SIMAPI HNODE_T SIMCALL OpenClusterNode(HCLUSTER_T hCluster, const WCHAR_T *lpszNodeName) {
    if (sim_fault_last_error("OpenClusterNode", NULL)) return NULL;
    cluster_handle *h = get_cluster(hCluster);
    DWORD_T err = SIM_ERROR_INVALID_HANDLE;
    if (h && (!lpszNodeName || !lpszNodeName[0])) err = SIM_ERROR_INVALID_PARAMETER;
    else if (h) err = check_cluster(h);
    char *name = err ? NULL : sim_w_to_utf8(lpszNodeName);
    if (!err && !name) err = SIM_ERROR_NOT_ENOUGH_MEMORY;
    if (!err) sim_node_latency(name);
    char member[512] = "";
    if (!err) {
        sim_lock();
        sim_reload_clusdb();
        uint32_t pos = sim_member_find(name, NULL);
        if (pos) {
            const char *m = sim_member_name(pos - 1);
            size_t n = strlen(m);
            if (n < sizeof member) memcpy(member, m, n + 1);
        }
        if (!member[0]) {
            err = SIM_ERROR_CLUSTER_NODE_NOT_FOUND;
        } else {
            sim_node *n = sim_find_node_utf8(member);
            if (!n || !n->reachable) err = SIM_RPC_S_SERVER_UNAVAILABLE;
        }
        sim_unlock();
    }
    free(name);
    node_handle *nh = (node_handle *)sim_handle_open(err, SIM_LEAK_NODE, sizeof(node_handle));
    if (nh) memcpy(nh->name, member, sizeof member);
    return nh;
}

SIMAPI int32_t SIMCALL GetClusterNodeState(HNODE_T hNode) {
    if (sim_fault_last_error("GetClusterNodeState", NULL)) return CLUSTER_NODE_STATE_UNKNOWN;
    node_handle *nh = (node_handle *)sim_handle_get(hNode, SIM_LEAK_NODE);
    if (!nh) {
        sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
        return CLUSTER_NODE_STATE_UNKNOWN;
    }
    sim_node_latency(nh->name);
    DWORD_T err = 0;
    sim_lock();
    sim_state_refresh();
    sim_node *n = sim_find_node_utf8(nh->name);
    if (n && !n->reachable) err = SIM_RPC_S_SERVER_UNAVAILABLE;
    /* A member the scenario does not describe has never been seen up: ClusterNodeDown. */
    int32_t state = n ? node_view(n) : 1;
    sim_unlock();
    if (err) {
        sim_set_last_error(err);
        return CLUSTER_NODE_STATE_UNKNOWN;
    }
    return state;
}

SIMAPI DWORD_T SIMCALL GetClusterNodeId(HNODE_T hNode, WCHAR_T *lpszNodeId, DWORD_T *lpcchName) {
    uint32_t code;
    if (sim_fault("GetClusterNodeId", &code)) return code;
    if (!lpcchName) return SIM_ERROR_INVALID_PARAMETER;
    char id[64];
    DWORD_T err = 0;
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    if (!sc) {
        err = SIM_ERROR_NOT_READY;
    } else if (!hNode) {
        /* The local node (GetCurrentClusterNodeId). */
        sim_reload_clusdb();
        if (!sc->installed || !sc->configured || sc->local_node < 0 || !sim_is_member(sc->machine)) {
            err = SIM_ERROR_CLUSTER_LOCAL_NODE_NOT_FOUND;
        } else {
            memcpy(id, sc->nodes[sc->local_node].id, sizeof id);
        }
    } else {
        node_handle *nh = (node_handle *)sim_handle_get(hNode, SIM_LEAK_NODE);
        if (!nh) {
            err = SIM_ERROR_INVALID_HANDLE;
        } else {
            sim_node *n = sim_find_node_utf8(nh->name);
            if (n && !n->reachable) {
                err = SIM_RPC_S_SERVER_UNAVAILABLE;
            } else if (n && n->id[0]) {
                memcpy(id, n->id, sizeof id);
            } else {
                /* A member the scenario does not describe: its position in CLUSDB. */
                uint32_t pos = 0;
                sim_member_find(nh->name, &pos);
                snprintf(id, sizeof id, "%u", pos);
            }
        }
    }
    sim_unlock();
    if (err) return err;
    return sim_copy_out_w(id, lpszNodeId, lpcchName);
}

SIMAPI BOOL_T SIMCALL CloseClusterNode(HNODE_T hNode) {
    return close_handle("CloseClusterNode", hNode, SIM_LEAK_NODE);
}

SIMAPI DWORD_T SIMCALL GetClusterQuorumResource(HCLUSTER_T hCluster, WCHAR_T *lpszResourceName, DWORD_T *lpcchResourceName,
                                                WCHAR_T *lpszDeviceName, DWORD_T *lpcchDeviceName, DWORD_T *lpdwMaxQuorumLogSize) {
    uint32_t code;
    if (sim_fault("GetClusterQuorumResource", &code)) return code;
    cluster_handle *h = get_cluster(hCluster);
    if (!h) return SIM_ERROR_INVALID_HANDLE;
    if (!lpcchResourceName || !lpcchDeviceName || !lpdwMaxQuorumLogSize) return SIM_ERROR_INVALID_PARAMETER;
    DWORD_T err = check_cluster(h);
    if (err) return err;
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    char resource[512], device[512];
    memcpy(resource, sc->has_quorum ? sc->quorum_resource : "", sc->has_quorum ? sizeof resource : 1);
    memcpy(device, sc->has_quorum ? sc->quorum_device : "", sc->has_quorum ? sizeof device : 1);
    uint32_t max_log = sc->has_quorum ? sc->quorum_max_log : 0;
    sim_unlock();
    /* Both sizes are reported even when only one buffer is too small. */
    DWORD_T cch_res = *lpcchResourceName, cch_dev = *lpcchDeviceName;
    size_t need_res = sim_utf8_wlen(resource), need_dev = sim_utf8_wlen(device);
    if (!lpszResourceName || cch_res < need_res + 1 || !lpszDeviceName || cch_dev < need_dev + 1) {
        *lpcchResourceName = (DWORD_T)need_res;
        *lpcchDeviceName = (DWORD_T)need_dev;
        return SIM_ERROR_MORE_DATA;
    }
    sim_copy_out_w(resource, lpszResourceName, lpcchResourceName);
    sim_copy_out_w(device, lpszDeviceName, lpcchDeviceName);
    *lpdwMaxQuorumLogSize = max_log;
    return SIM_ERROR_SUCCESS;
}

/* Removed in Windows Server 2008: both answer ERROR_CALL_NOT_IMPLEMENTED. */
SIMAPI DWORD_T SIMCALL BackupClusterDatabase(HCLUSTER_T hCluster, const WCHAR_T *lpszPathName) {
    uint32_t code;
    (void)lpszPathName;
    if (sim_fault("BackupClusterDatabase", &code)) return code;
    if (!get_cluster(hCluster)) return SIM_ERROR_INVALID_HANDLE;
    return SIM_ERROR_CALL_NOT_IMPLEMENTED;
}

SIMAPI DWORD_T SIMCALL RestoreClusterDatabase(const WCHAR_T *lpszPathName, BOOL_T bForce, const WCHAR_T *lpszQuorumDriveLetter) {
    uint32_t code;
    (void)lpszPathName;
    (void)bForce;
    (void)lpszQuorumDriveLetter;
    if (sim_fault("RestoreClusterDatabase", &code)) return code;
    return SIM_ERROR_CALL_NOT_IMPLEMENTED;
}
