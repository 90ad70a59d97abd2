/*
 * advapi32.dll stand-in: the process token (elevation and privileges) and the
 * Service Control Manager of every simulated machine, which knows one service,
 * ClusSvc. Service states persist in the scenario's state file, so a second process
 * sees what the first one stopped or started.
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "quorum.h"

#define PSEUDO_PROCESS_HANDLE ((void *)(intptr_t)-1)

/* ---- access rights ---- */
#define TOKEN_QUERY 0x0008u
#define TOKEN_ADJUST_PRIVILEGES 0x0020u
#define TOKEN_VALID_ACCESS 0x000F01FFu
#define GENERIC_READ 0x80000000u
#define GENERIC_WRITE 0x40000000u
#define GENERIC_EXECUTE 0x20000000u
#define GENERIC_ALL 0x10000000u
#define MAXIMUM_ALLOWED 0x02000000u
#define SERVICE_QUERY_CONFIG 0x0001u
#define SERVICE_CHANGE_CONFIG 0x0002u
#define SERVICE_QUERY_STATUS 0x0004u
#define SERVICE_ENUMERATE_DEPENDENTS 0x0008u
#define SERVICE_START 0x0010u
#define SERVICE_STOP 0x0020u
#define SERVICE_PAUSE_CONTINUE 0x0040u
#define SERVICE_INTERROGATE 0x0080u
#define SERVICE_USER_DEFINED_CONTROL 0x0100u
#define SERVICE_ALL_ACCESS 0x000F01FFu

/* ---- token information ---- */
#define TOKEN_PRIVILEGES_CLASS 3u
#define TOKEN_ELEVATION_TYPE_CLASS 18u
#define TOKEN_ELEVATION_CLASS 20u
#define SE_PRIVILEGE_ENABLED_BY_DEFAULT 0x1u
#define SE_PRIVILEGE_ENABLED 0x2u
#define SE_PRIVILEGE_REMOVED 0x4u

/* ---- services ---- */
#define SC_STATUS_PROCESS_INFO 0u
#define SERVICE_WIN32_OWN_PROCESS 0x10u
#define SERVICE_CONTROL_STOP 1u
#define SERVICE_CONTROL_INTERROGATE 4u
#define SERVICE_ACCEPT_STOP 0x1u
#define SERVICE_ACCEPT_SHUTDOWN 0x4u
#define SERVICE_WAIT_HINT_MS 100u

/* ======================================================================
 * Token
 * ====================================================================== */

typedef struct token_handle {
    sim_handle_hdr hdr;
    uint32_t access;
} token_handle;

typedef struct privilege_def {
    const char *name;
    uint32_t luid;
    int admin_only;     /* held only by an elevated (full administrator) token */
    int enabled_by_default;
} privilege_def;

/* The well-known LUIDs Windows assigns (SE_*_PRIVILEGE in winnt.h). */
static const privilege_def PRIVILEGES[] = {
    { "SeCreateTokenPrivilege", 2, 1, 0 },
    { "SeAssignPrimaryTokenPrivilege", 3, 1, 0 },
    { "SeLockMemoryPrivilege", 4, 1, 0 },
    { "SeIncreaseQuotaPrivilege", 5, 1, 0 },
    { "SeMachineAccountPrivilege", 6, 1, 0 },
    { "SeTcbPrivilege", 7, 1, 0 },
    { "SeSecurityPrivilege", 8, 1, 0 },
    { "SeTakeOwnershipPrivilege", 9, 1, 0 },
    { "SeLoadDriverPrivilege", 10, 1, 0 },
    { "SeSystemProfilePrivilege", 11, 1, 0 },
    { "SeSystemtimePrivilege", 12, 1, 0 },
    { "SeProfileSingleProcessPrivilege", 13, 1, 0 },
    { "SeIncreaseBasePriorityPrivilege", 14, 1, 0 },
    { "SeCreatePagefilePrivilege", 15, 1, 0 },
    { "SeCreatePermanentPrivilege", 16, 1, 0 },
    { "SeBackupPrivilege", 17, 1, 0 },
    { "SeRestorePrivilege", 18, 1, 0 },
    { "SeShutdownPrivilege", 19, 0, 0 },
    { "SeDebugPrivilege", 20, 1, 0 },
    { "SeAuditPrivilege", 21, 1, 0 },
    { "SeSystemEnvironmentPrivilege", 22, 1, 0 },
    { "SeChangeNotifyPrivilege", 23, 0, 1 },
    { "SeRemoteShutdownPrivilege", 24, 1, 0 },
    { "SeUndockPrivilege", 25, 0, 0 },
    { "SeSyncAgentPrivilege", 26, 1, 0 },
    { "SeEnableDelegationPrivilege", 27, 1, 0 },
    { "SeManageVolumePrivilege", 28, 1, 0 },
    { "SeImpersonatePrivilege", 29, 1, 1 },
    { "SeCreateGlobalPrivilege", 30, 1, 1 },
    { "SeTrustedCredManAccessPrivilege", 31, 1, 0 },
    { "SeRelabelPrivilege", 32, 1, 0 },
    { "SeIncreaseWorkingSetPrivilege", 33, 0, 0 },
    { "SeTimeZonePrivilege", 34, 0, 0 },
    { "SeCreateSymbolicLinkPrivilege", 35, 1, 0 },
    { "SeDelegateSessionUserImpersonatePrivilege", 36, 1, 0 },
};
#define PRIVILEGE_COUNT (sizeof PRIVILEGES / sizeof PRIVILEGES[0])

/* Privileges of one administrator account's token: an elevated token holds them
 * all (not enabled, except the default ones); a filtered token only the harmless ones.
 * Not typical of a service account, but of an administrator running the tool. */
typedef struct privilege_state {
    int held;
    uint32_t attributes;
} privilege_state;
static privilege_state g_privs[PRIVILEGE_COUNT];
static int g_elevated;

void sim_token_reset(int elevated) {
    sim_lock();
    g_elevated = elevated;
    for (size_t i = 0; i < PRIVILEGE_COUNT; i++) {
        g_privs[i].held = elevated || !PRIVILEGES[i].admin_only;
        g_privs[i].attributes = PRIVILEGES[i].enabled_by_default ? (SE_PRIVILEGE_ENABLED | SE_PRIVILEGE_ENABLED_BY_DEFAULT) : 0;
    }
    sim_unlock();
}

static int privilege_index(uint32_t luid_low, int32_t luid_high) {
    if (luid_high != 0) return -1;
    for (size_t i = 0; i < PRIVILEGE_COUNT; i++)
        if (PRIVILEGES[i].luid == luid_low) return (int)i;
    return -1;
}

static void put_u32(uint8_t *p, uint32_t v) {
    memcpy(p, &v, 4);
}

static uint32_t get_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* A LUID (8 bytes: the low part, then a high part of 0), and LUID_AND_ATTRIBUTES (12 bytes). */
static void put_luid(uint8_t *p, uint32_t luid) {
    put_u32(p, luid);
    put_u32(p + 4, 0);
}

static void put_luid_and_attributes(uint8_t *p, uint32_t luid, uint32_t attributes) {
    put_luid(p, luid);
    put_u32(p + 8, attributes);
}

SIMAPI BOOL_T SIMCALL OpenProcessToken(void *ProcessHandle, DWORD_T DesiredAccess, void **TokenHandle) {
    if (sim_fault_last_error("OpenProcessToken", NULL)) return 0;
    if (ProcessHandle != PSEUDO_PROCESS_HANDLE) {
        /* Only this process exists in the simulation. */
        sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
        return 0;
    }
    if (!TokenHandle || (DesiredAccess & ~(TOKEN_VALID_ACCESS | MAXIMUM_ALLOWED | GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL))) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return 0;
    }
    token_handle *t = (token_handle *)sim_handle_open(0, SIM_LEAK_TOKEN, sizeof(token_handle));
    if (!t) return 0;
    uint32_t access = DesiredAccess;
    if (access & (GENERIC_ALL | MAXIMUM_ALLOWED)) access |= TOKEN_VALID_ACCESS;
    if (access & GENERIC_READ) access |= TOKEN_QUERY;
    if (access & GENERIC_WRITE) access |= TOKEN_ADJUST_PRIVILEGES;
    t->access = access;
    *TokenHandle = t;
    return 1;
}

SIMAPI BOOL_T SIMCALL GetTokenInformation(void *TokenHandle, uint32_t TokenInformationClass, void *TokenInformation,
                                          DWORD_T TokenInformationLength, DWORD_T *ReturnLength) {
    if (sim_fault_last_error("GetTokenInformation", NULL)) return 0;
    token_handle *t = (token_handle *)sim_handle_get(TokenHandle, SIM_LEAK_TOKEN);
    if (!t) {
        sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
        return 0;
    }
    if (!(t->access & TOKEN_QUERY)) {
        sim_set_last_error(SIM_ERROR_ACCESS_DENIED);
        return 0;
    }
    if (!ReturnLength) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return 0;
    }
    uint8_t out[4 + 12 * PRIVILEGE_COUNT];
    uint32_t len;
    sim_lock();
    switch (TokenInformationClass) {
    case TOKEN_ELEVATION_CLASS:
        put_u32(out, g_elevated ? 1u : 0u);
        len = 4;
        break;
    case TOKEN_ELEVATION_TYPE_CLASS:
        put_u32(out, g_elevated ? 2u : 3u);   /* TokenElevationTypeFull / Limited */
        len = 4;
        break;
    case TOKEN_PRIVILEGES_CLASS: {
        uint32_t count = 0;
        for (size_t i = 0; i < PRIVILEGE_COUNT; i++) {
            if (!g_privs[i].held) continue;
            put_luid_and_attributes(out + 4 + 12 * count, PRIVILEGES[i].luid, g_privs[i].attributes);
            count++;
        }
        put_u32(out, count);
        len = 4 + 12 * count;
        break;
    }
    default:
        sim_unlock();
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return 0;
    }
    sim_unlock();
    *ReturnLength = len;
    if (!TokenInformation || TokenInformationLength < len) {
        sim_set_last_error(SIM_ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    memcpy(TokenInformation, out, len);
    return 1;
}

SIMAPI BOOL_T SIMCALL LookupPrivilegeValueW(const WCHAR_T *lpSystemName, const WCHAR_T *lpName, void *lpLuid) {
    if (sim_fault_last_error("LookupPrivilegeValueW", NULL)) return 0;
    if (!lpName || !lpLuid) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (lpSystemName && lpSystemName[0]) {
        char *sys = sim_w_to_utf8(lpSystemName);
        sim_lock();
        sim_node *n = sys ? sim_find_node_utf8(sys) : NULL;
        int reachable = n && n->reachable;
        sim_unlock();
        free(sys);
        if (!reachable) {
            sim_set_last_error(SIM_RPC_S_SERVER_UNAVAILABLE);
            return 0;
        }
    }
    for (size_t i = 0; i < PRIVILEGE_COUNT; i++) {
        if (sim_wcs_eq_utf8(lpName, PRIVILEGES[i].name, 1)) {
            put_luid((uint8_t *)lpLuid, PRIVILEGES[i].luid);
            return 1;
        }
    }
    sim_set_last_error(SIM_ERROR_NO_SUCH_PRIVILEGE);
    return 0;
}

SIMAPI BOOL_T SIMCALL AdjustTokenPrivileges(void *TokenHandle, BOOL_T DisableAllPrivileges, const void *NewState, DWORD_T BufferLength,
                                            void *PreviousState, DWORD_T *ReturnLength) {
    if (sim_fault_last_error("AdjustTokenPrivileges", NULL)) return 0;
    token_handle *t = (token_handle *)sim_handle_get(TokenHandle, SIM_LEAK_TOKEN);
    if (!t) {
        sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
        return 0;
    }
    if (!(t->access & TOKEN_ADJUST_PRIVILEGES) || (PreviousState && !(t->access & TOKEN_QUERY))) {
        sim_set_last_error(SIM_ERROR_ACCESS_DENIED);
        return 0;
    }
    if (!DisableAllPrivileges && !NewState) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (PreviousState && !ReturnLength) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return 0;
    }
    sim_lock();
    privilege_state next[PRIVILEGE_COUNT];
    memcpy(next, g_privs, sizeof next);
    int not_all_assigned = 0;
    if (DisableAllPrivileges) {
        for (size_t i = 0; i < PRIVILEGE_COUNT; i++) next[i].attributes &= ~SE_PRIVILEGE_ENABLED;
    } else {
        const uint8_t *ns = (const uint8_t *)NewState;
        uint32_t count = get_u32(ns);
        if (count > 1000) {
            sim_unlock();
            sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
            return 0;
        }
        for (uint32_t k = 0; k < count; k++) {
            const uint8_t *e = ns + 4 + 12 * k;
            int32_t high;
            memcpy(&high, e + 4, 4);
            int i = privilege_index(get_u32(e), high);
            uint32_t attrs = get_u32(e + 8);
            if (i < 0 || !next[i].held) {
                not_all_assigned = 1;
                continue;
            }
            if (attrs & SE_PRIVILEGE_REMOVED) {
                next[i].held = 0;
                next[i].attributes = 0;
            } else if (attrs & SE_PRIVILEGE_ENABLED) {
                next[i].attributes |= SE_PRIVILEGE_ENABLED;
            } else {
                next[i].attributes &= ~SE_PRIVILEGE_ENABLED;
            }
        }
    }
    /* The previous state lists the privileges whose state changed. */
    uint32_t changed = 0;
    for (size_t i = 0; i < PRIVILEGE_COUNT; i++)
        if (next[i].held != g_privs[i].held || next[i].attributes != g_privs[i].attributes) changed++;
    uint32_t need = 4 + 12 * changed;
    if (PreviousState) {
        *ReturnLength = need;
        if (BufferLength < need) {
            sim_unlock();
            sim_set_last_error(SIM_ERROR_INSUFFICIENT_BUFFER);
            return 0;
        }
        uint8_t *out = (uint8_t *)PreviousState;
        uint32_t k = 0;
        for (size_t i = 0; i < PRIVILEGE_COUNT; i++) {
            if (next[i].held == g_privs[i].held && next[i].attributes == g_privs[i].attributes) continue;
            put_luid_and_attributes(out + 4 + 12 * k, PRIVILEGES[i].luid, g_privs[i].attributes);
            k++;
        }
        put_u32(out, k);
    }
    memcpy(g_privs, next, sizeof next);
    sim_unlock();
    /* TRUE in both cases; the last error tells whether everything was assigned. */
    sim_set_last_error(not_all_assigned ? SIM_ERROR_NOT_ALL_ASSIGNED : SIM_ERROR_SUCCESS);
    return 1;
}

/* ======================================================================
 * Service Control Manager
 * ====================================================================== */

typedef struct scm_handle {
    sim_handle_hdr hdr;
    char node[512];          /* the machine whose SCM this is */
} scm_handle;

typedef struct service_handle {
    sim_handle_hdr hdr;
    char node[512];
    uint32_t access;
} service_handle;

static uint32_t map_service_access(uint32_t a) {
    if (a & (GENERIC_ALL | MAXIMUM_ALLOWED)) a |= SERVICE_ALL_ACCESS;
    if (a & GENERIC_READ) a |= SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS | SERVICE_INTERROGATE | SERVICE_ENUMERATE_DEPENDENTS;
    if (a & GENERIC_WRITE) a |= SERVICE_CHANGE_CONFIG;
    if (a & GENERIC_EXECUTE) a |= SERVICE_START | SERVICE_STOP | SERVICE_PAUSE_CONTINUE | SERVICE_USER_DEFINED_CONTROL;
    return a;
}

/* Fills SERVICE_STATUS (28 bytes) or SERVICE_STATUS_PROCESS (36 bytes) from a node. */
static void fill_status(uint8_t *out, const sim_node *n, uint32_t node_index, int process_info) {
    uint32_t st = n->service_state;
    int pending = st == SIM_SVC_START_PENDING || st == SIM_SVC_STOP_PENDING;
    put_u32(out + 0, SERVICE_WIN32_OWN_PROCESS);
    put_u32(out + 4, st);
    put_u32(out + 8, st == SIM_SVC_RUNNING ? (SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN) : 0u);
    put_u32(out + 12, st == SIM_SVC_STOPPED ? n->exit_code : 0u);   /* dwWin32ExitCode */
    put_u32(out + 16, 0);
    put_u32(out + 20, pending ? n->checkpoint : 0u);
    put_u32(out + 24, pending ? SERVICE_WAIT_HINT_MS : 0u);
    if (process_info) {
        /* A plausible process id while the service process exists. */
        put_u32(out + 28, st == SIM_SVC_STOPPED ? 0u : 2000u + 4u * node_index);
        put_u32(out + 32, 0);
    }
}

static uint32_t node_index_of(const sim_node *n) {
    sim_scenario *sc = sim_scenario_get();
    if (sc && n >= sc->nodes && n < sc->nodes + sc->node_count) return (uint32_t)(n - sc->nodes);
    return sc ? sc->node_count : 0;
}

/* Moves a pending service one query further: pending for service_pending_polls
 * queries (checkpoint rising), then the final state. Returns 1 when it changed. */
static int advance_pending(sim_node *n) {
    if (n->service_state != SIM_SVC_START_PENDING && n->service_state != SIM_SVC_STOP_PENDING) return 0;
    if (n->pending_left > 0) {
        n->pending_left--;
        n->checkpoint++;
    } else {
        n->checkpoint = 0;
        sim_service_reached(n, n->service_state == SIM_SVC_START_PENDING ? SIM_SVC_RUNNING : SIM_SVC_STOPPED);
    }
    return 1;
}

static void begin_transition(sim_node *n, uint32_t pending_state) {
    sim_scenario *sc = sim_scenario_get();
    uint32_t polls = sc ? sc->service_pending_polls : 0;
    n->exit_code = 0;
    if (polls == 0) {
        n->pending_left = 0;
        n->checkpoint = 0;
        sim_service_reached(n, pending_state == SIM_SVC_START_PENDING ? SIM_SVC_RUNNING : SIM_SVC_STOPPED);
    } else {
        n->service_state = pending_state;
        n->pending_left = polls;
        n->checkpoint = 0;
    }
}

void sim_service_begin(sim_node *n, uint32_t pending_state) {
    begin_transition(n, pending_state);
}

SIMAPI void *SIMCALL OpenSCManagerW(const WCHAR_T *lpMachineName, const WCHAR_T *lpDatabaseName, DWORD_T dwDesiredAccess) {
    (void)dwDesiredAccess;
    char *machine = lpMachineName ? sim_w_to_utf8(lpMachineName) : NULL;
    char node[512] = "";
    DWORD_T err = 0;
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    sim_node *n = NULL;
    if (!sc) {
        err = SIM_ERROR_NOT_READY;
    } else if (sim_is_local_name(machine)) {
        n = sim_local_node();
    } else {
        n = sim_find_node_utf8(machine);
        if (!n) err = SIM_RPC_S_SERVER_UNAVAILABLE;  /* the name does not resolve */
    }
    if (n) memcpy(node, n->name, sizeof node);
    sim_unlock();

    int failed = sim_fault_last_error("OpenSCManagerW", node[0] ? node : sim_strip_unc(machine));
    free(machine);
    if (failed) return NULL;
    if (!err && lpDatabaseName && lpDatabaseName[0] && !sim_wcs_eq_utf8(lpDatabaseName, "ServicesActive", 1))
        err = SIM_ERROR_DATABASE_DOES_NOT_EXIST;
    if (!err && n && !n->reachable) err = SIM_RPC_S_SERVER_UNAVAILABLE;
    if (!err && !sc->elevated) err = SIM_ERROR_ACCESS_DENIED;
    scm_handle *h = (scm_handle *)sim_handle_open(err, SIM_LEAK_SCM, sizeof(scm_handle));
    if (h) memcpy(h->node, node, sizeof node);
    return h;
}

/* Copies the node name of an open SCM or service handle (for the call log). */
static int handle_node(const void *h, char *node, size_t cap) {
    sim_leak_kind kind;
    int ok = 0;
    sim_lock();
    if (sim_handle_kind(h, &kind) && (kind == SIM_LEAK_SCM || kind == SIM_LEAK_SERVICE)) {
        const char *name = kind == SIM_LEAK_SCM ? ((const scm_handle *)h)->node : ((const service_handle *)h)->node;
        size_t n = strlen(name);
        if (n < cap) {
            memcpy(node, name, n + 1);
            ok = 1;
        }
    }
    sim_unlock();
    return ok;
}

/* The fault check of a call on an SCM or service handle, logged with the machine the
 * handle reaches and, for ControlService, the control ("ControlService:NODE2:1"). */
static int scm_call_fault(const char *fn, const void *h, const DWORD_T *control) {
    char node[512] = "", detail[600];
    handle_node(h, node, sizeof node);
    if (control) snprintf(detail, sizeof detail, "%s:%u", node[0] ? node : "?", *control);
    else snprintf(detail, sizeof detail, "%s", node);
    return sim_fault_last_error(fn, detail);
}

/* The start of the calls on a service handle: the fault check, then the handle.
 * 1 when the call fails here (the last error set). */
static int service_call_refused(const char *fn, void *hService, const DWORD_T *control) {
    if (scm_call_fault(fn, hService, control)) return 1;
    if (sim_handle_get(hService, SIM_LEAK_SERVICE)) return 0;
    sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
    return 1;
}

SIMAPI void *SIMCALL OpenServiceW(void *hSCManager, const WCHAR_T *lpServiceName, DWORD_T dwDesiredAccess) {
    if (scm_call_fault("OpenServiceW", hSCManager, NULL)) return NULL;
    scm_handle *scm = (scm_handle *)sim_handle_get(hSCManager, SIM_LEAK_SCM);
    if (!scm) {
        sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
        return NULL;
    }
    if (!lpServiceName || !lpServiceName[0]) {
        sim_set_last_error(SIM_ERROR_INVALID_NAME);
        return NULL;
    }
    DWORD_T err = 0;
    sim_lock();
    sim_state_refresh();
    sim_node *n = sim_find_node_utf8(scm->node);
    /* Service names are case-insensitive; only ClusSvc exists here. */
    if (!n || !sim_wcs_eq_utf8(lpServiceName, "ClusSvc", 1) || n->service_state == SIM_SVC_NOT_INSTALLED)
        err = SIM_ERROR_SERVICE_DOES_NOT_EXIST;
    sim_unlock();
    service_handle *h = (service_handle *)sim_handle_open(err, SIM_LEAK_SERVICE, sizeof(service_handle));
    if (!h) return NULL;
    memcpy(h->node, scm->node, sizeof h->node);
    h->access = map_service_access(dwDesiredAccess);
    return h;
}

/* The node behind an open service handle, with the lock held and the state refreshed;
 * NULL (lock released, last error set) when the handle is not valid. */
static sim_node *lock_service_node(void *hService, service_handle **out) {
    service_handle *h = (service_handle *)sim_handle_get(hService, SIM_LEAK_SERVICE);
    if (!h) {
        sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
        return NULL;
    }
    sim_lock();
    sim_state_refresh();
    sim_node *n = sim_find_node_utf8(h->node);
    if (!n || n->service_state == SIM_SVC_NOT_INSTALLED) {
        sim_unlock();
        sim_set_last_error(SIM_ERROR_SERVICE_DOES_NOT_EXIST);
        return NULL;
    }
    *out = h;
    return n;
}

SIMAPI BOOL_T SIMCALL QueryServiceStatusEx(void *hService, uint32_t InfoLevel, uint8_t *lpBuffer, DWORD_T cbBufSize, DWORD_T *pcbBytesNeeded) {
    if (service_call_refused("QueryServiceStatusEx", hService, NULL)) return 0;
    if (InfoLevel != SC_STATUS_PROCESS_INFO) {
        sim_set_last_error(SIM_ERROR_INVALID_LEVEL);
        return 0;
    }
    if (!pcbBytesNeeded) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (!lpBuffer || cbBufSize < 36) {
        *pcbBytesNeeded = 36;
        sim_set_last_error(SIM_ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    service_handle *h;
    sim_node *n = lock_service_node(hService, &h);
    if (!n) return 0;
    if (!(h->access & SERVICE_QUERY_STATUS)) {
        sim_unlock();
        sim_set_last_error(SIM_ERROR_ACCESS_DENIED);
        return 0;
    }
    /* Each query moves a pending transition one step: service_pending_polls answers
     * with a rising checkpoint, then the final state. */
    int changed = advance_pending(n);
    fill_status(lpBuffer, n, node_index_of(n), 1);
    if (changed) sim_state_save();
    sim_unlock();
    *pcbBytesNeeded = 36;
    return 1;
}

/* The start of ControlService and StartServiceW: the fault and handle checks, then their
 * own argument check (`args_ok`, else ERROR_INVALID_PARAMETER). The node behind the
 * handle with the lock held, or NULL when the call fails here (the last error set). */
static sim_node *begin_service_change(const char *fn, void *hService, const DWORD_T *control, int args_ok, service_handle **h) {
    if (service_call_refused(fn, hService, control)) return NULL;
    if (!args_ok) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return NULL;
    }
    return lock_service_node(hService, h);
}

SIMAPI BOOL_T SIMCALL ControlService(void *hService, DWORD_T dwControl, uint8_t *lpServiceStatus) {
    service_handle *h;
    sim_node *n = begin_service_change("ControlService", hService, &dwControl, lpServiceStatus != NULL, &h);
    if (!n) return 0;
    DWORD_T err = 0;
    int fill = 1;
    switch (dwControl) {
    case SERVICE_CONTROL_STOP:
        if (!(h->access & SERVICE_STOP)) {
            err = SIM_ERROR_ACCESS_DENIED;
            fill = 0;
        } else if (n->service_state == SIM_SVC_STOPPED) {
            err = SIM_ERROR_SERVICE_NOT_ACTIVE;
        } else if (n->service_state != SIM_SVC_RUNNING) {
            err = SIM_ERROR_SERVICE_CANNOT_ACCEPT_CTRL;   /* already starting or stopping */
        } else {
            begin_transition(n, SIM_SVC_STOP_PENDING);
            sim_state_save();
        }
        break;
    case SERVICE_CONTROL_INTERROGATE:
        if (!(h->access & SERVICE_INTERROGATE)) {
            err = SIM_ERROR_ACCESS_DENIED;
            fill = 0;
        } else if (n->service_state == SIM_SVC_STOPPED) {
            err = SIM_ERROR_SERVICE_NOT_ACTIVE;
        }
        break;
    default:
        /* ClusSvc accepts STOP and SHUTDOWN only; SHUTDOWN is for the system. */
        err = n->service_state == SIM_SVC_STOPPED ? SIM_ERROR_SERVICE_NOT_ACTIVE : SIM_ERROR_INVALID_SERVICE_CONTROL;
        break;
    }
    if (fill) fill_status(lpServiceStatus, n, node_index_of(n), 0);
    sim_unlock();
    return sim_bool_result(err);
}

SIMAPI BOOL_T SIMCALL StartServiceW(void *hService, DWORD_T dwNumServiceArgs, const WCHAR_T **lpServiceArgVectors) {
    service_handle *h;
    sim_node *n = begin_service_change("StartServiceW", hService, NULL, !dwNumServiceArgs || lpServiceArgVectors, &h);
    if (!n) return 0;
    DWORD_T err = 0;
    if (!(h->access & SERVICE_START)) {
        err = SIM_ERROR_ACCESS_DENIED;
    } else if (n->service_state != SIM_SVC_STOPPED) {
        err = SIM_ERROR_SERVICE_ALREADY_RUNNING;
    } else {
        sim_scenario *sc = sim_scenario_get();
        if (sim_node_is_local(n) && !sc->configured) {
            /* ClusSvc does not start on a machine that is not a configured node. */
            err = 1058u;  /* ERROR_SERVICE_DISABLED */
        } else {
            /* Start parameters reach ClusSvc: /fq or /forcequorum after the service's name (quorum.c). */
            n->force_pending = sim_quorum_args_force(dwNumServiceArgs, lpServiceArgVectors);
            begin_transition(n, SIM_SVC_START_PENDING);
            sim_state_save();
        }
    }
    sim_unlock();
    return sim_bool_result(err);
}

SIMAPI BOOL_T SIMCALL CloseServiceHandle(void *hSCObject) {
    if (scm_call_fault("CloseServiceHandle", hSCObject, NULL)) return 0;
    int closed = sim_handle_close(hSCObject, SIM_LEAK_SERVICE) || sim_handle_close(hSCObject, SIM_LEAK_SCM);
    return sim_bool_result(closed ? 0 : SIM_ERROR_INVALID_HANDLE);
}
