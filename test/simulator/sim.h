/*
 * Failover cluster simulator: the shared internal interface of its C files.
 *
 * The simulator is one shared library (libclussim.so on Linux, clussim.dll for the
 * Windows ABI checks under Wine) that exports the same functions, with the same
 * signatures and semantics, as the parts of clusapi.dll, vssapi.dll, advapi32.dll,
 * ole32.dll, oleaut32.dll and kernel32.dll that the native bridge uses, plus a few
 * ClusSim* control functions for tests (see README.md).
 *
 * Windows types are spelled out with fixed widths so the Linux build keeps the
 * Windows sizes: WCHAR is 16 bits (never wchar_t), LONG/HRESULT/BOOL are 32 bits.
 */
#ifndef CLUSSIM_SIM_H
#define CLUSSIM_SIM_H

#include <stdint.h>
#include <stddef.h>

#ifdef _WIN32
#define SIMAPI __declspec(dllexport)
#define SIMCALL __stdcall
#else
#define SIMAPI __attribute__((visibility("default")))
#define SIMCALL
/* ---- node control (nodectl.c) ---- */
/* 1 when PauseClusterNodeEx paused the node and no ResumeClusterNodeEx resumed it (takes the lock). */
int sim_nodectl_paused(const char *utf8name);
/* A call addressed to a node: counts it in flight and waits the node's latencyMs, outside
 * the lock. Call without holding the lock. */
void sim_node_latency(const char *utf8name);

#endif

typedef uint16_t WCHAR_T;          /* WCHAR: one UTF-16 code unit */
typedef uint32_t DWORD_T;
typedef int32_t LONG_T;
typedef int32_t HRESULT_T;
typedef int32_t BOOL_T;
typedef WCHAR_T *BSTR_T;           /* points at the first WCHAR; u32 byte length at -4 */

typedef struct sim_guid {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} sim_guid;

/* ---- error codes the simulator returns (winerror.h / vsserror.h values) ---- */
#define SIM_ERROR_SUCCESS 0u
#define SIM_ERROR_FILE_NOT_FOUND 2u
#define SIM_ERROR_ACCESS_DENIED 5u
#define SIM_ERROR_INVALID_HANDLE 6u
#define SIM_ERROR_INVALID_PARAMETER 87u
#define SIM_ERROR_INSUFFICIENT_BUFFER 122u
#define SIM_ERROR_MORE_DATA 234u
#define SIM_ERROR_NO_MORE_ITEMS 259u
#define SIM_ERROR_SERVICE_REQUEST_TIMEOUT 1053u
#define SIM_ERROR_SERVICE_ALREADY_RUNNING 1056u
#define SIM_ERROR_SERVICE_DOES_NOT_EXIST 1060u
#define SIM_ERROR_SERVICE_CANNOT_ACCEPT_CTRL 1061u
#define SIM_ERROR_SERVICE_NOT_ACTIVE 1062u
#define SIM_RPC_S_SERVER_UNAVAILABLE 1722u
#define SIM_ERROR_CLUSTER_NODE_NOT_FOUND 5042u

#define SIM_S_OK ((HRESULT_T)0)
#define SIM_S_FALSE ((HRESULT_T)1)
#define SIM_E_NOTIMPL ((HRESULT_T)0x80004001u)
#define SIM_E_NOINTERFACE ((HRESULT_T)0x80004002u)
#define SIM_E_POINTER ((HRESULT_T)0x80004003u)
#define SIM_E_ACCESSDENIED ((HRESULT_T)0x80070005u)
#define SIM_E_OUTOFMEMORY ((HRESULT_T)0x8007000Eu)
#define SIM_E_INVALIDARG ((HRESULT_T)0x80070057u)
#define SIM_E_UNEXPECTED ((HRESULT_T)0x8000FFFFu)
#define SIM_VSS_S_ASYNC_PENDING ((HRESULT_T)0x00042309)
#define SIM_VSS_S_ASYNC_FINISHED ((HRESULT_T)0x0004230A)
#define SIM_VSS_S_ASYNC_CANCELLED ((HRESULT_T)0x0004230B)
#define SIM_VSS_E_BAD_STATE ((HRESULT_T)0x80042301u)
#define SIM_VSS_E_OBJECT_NOT_FOUND ((HRESULT_T)0x80042308u)
#define SIM_VSS_E_VOLUME_NOT_SUPPORTED ((HRESULT_T)0x8004230Cu)
#define SIM_VSS_E_SNAPSHOT_SET_IN_PROGRESS ((HRESULT_T)0x80042316u)

/* ---- scenario (parsed from the JSON file; see README.md for the format) ---- */

#define SIM_MAX_NODES 1024
#define SIM_MAX_FILES 32
#define SIM_MAX_COMPONENTS 8
#define SIM_MAX_MOUNTED_FOLDERS 8

typedef enum { SIM_NODE_UP = 0, SIM_NODE_DOWN = 1, SIM_NODE_PAUSED = 2, SIM_NODE_JOINING = 3 } sim_node_state;
/* Service states use the SERVICE_* values: STOPPED 1 .. RUNNING 4; 0 = not installed. */
#define SIM_SVC_NOT_INSTALLED 0u

typedef struct sim_node {
    char name[512];           /* UTF-8 */
    char id[64];              /* the node id string GetClusterNodeId returns */
    sim_node_state state;     /* cluster's view while the node's ClusSvc runs */
    int reachable;            /* 0: RPC_S_SERVER_UNAVAILABLE for OpenClusterNode/OpenSCManagerW/... */
    uint32_t service_state;   /* current ClusSvc state (SERVICE_*); persisted */
    uint32_t pending_left;    /* QueryServiceStatusEx calls left in a *_PENDING state */
    uint32_t checkpoint;      /* dwCheckPoint while pending */
    uint32_t votes;           /* NodeWeight in the cluster database (default 1) */
    uint32_t exit_code;       /* dwWin32ExitCode of the last start that ended STOPPED; persisted */
    int force_pending;        /* started with /fq: forms the cluster with its copy when RUNNING (quorum.c); persisted */
    int forced;               /* formed the cluster by force and still runs (quorum.c); persisted */
    uint32_t latency_ms;      /* nodes[].latencyMs: each node call waits this long (0: the global latencyMs) */
} sim_node;

#define SIM_MAX_RENAMES 64
/* A MoveFileExW(MOVEFILE_DELAY_UNTIL_REBOOT) waiting for ClusSimReboot. */
typedef struct sim_pending_rename {
    char from[4096];
    char to[4096];            /* "" = delete */
    uint32_t flags;           /* MOVEFILE_* */
} sim_pending_rename;

typedef struct sim_file {
    char name[512];           /* file name inside the ClusDb directory, UTF-8 */
    uint64_t size;            /* size to create when missing */
} sim_file;

typedef struct sim_component {
    char logical_path[512];   /* may be empty */
    char name[512];
    uint32_t type;            /* VSS_CT_DATABASE 1 / VSS_CT_FILEGROUP 2 */
    int selectable;
} sim_component;

typedef struct sim_scenario {
    char path[4096];          /* scenario file, as given */
    char dir[4096];           /* its folder (state file, snapshots, Windows dir live here) */
    char machine[512];        /* local computer name (GetComputerNameW) */
    char system_root[4096];   /* GetSystemWindowsDirectoryW; ClusDb lives in <system_root>/Cluster */
    char clusdb_dir[4096];    /* <system_root>/Cluster, native separators */
    int elevated;
    uint32_t local_state;     /* NODE_CLUSTER_STATE bits: 0, 1, 3, 0x13 (derived from the local node's service) */
    int installed, configured;

    /* cluster identity: from the live CLUSDB header when it exists, else from the scenario */
    char cluster_name[512];
    uint16_t major, minor, build;
    char vendor[64], csd[64];
    uint32_t highest_version, lowest_version, version_flags;
    char quorum_resource[512], quorum_device[512];
    uint32_t quorum_max_log;
    int has_quorum;
    char instance_id[64];     /* ClusterInstanceID of a new database ("" = derived from the name) */
    uint32_t paxos_tag;       /* PaxosTag of a new database */
    struct sim_hv_key *database;   /* the cluster database a new CLUSDB is written from (scenario_db.c) */

    uint32_t node_count;
    sim_node nodes[SIM_MAX_NODES];
    int local_node;           /* index into nodes, -1 when not a member */

    uint32_t file_count;
    sim_file files[SIM_MAX_FILES];

    /* VSS / Cluster Database writer */
    int writer_present;
    char writer_name[128];              /* "Cluster Database" */
    sim_guid writer_id;                 /* 41e12264-35d8-479b-8e5c-9b23d1dad37e */
    sim_guid writer_instance;
    uint32_t writer_fail_at;            /* 0 = stable; else the VSS_WS_FAILED_AT_* state to report */
    HRESULT_T writer_failure_hr;        /* failureHr reported with a failed state */
    uint32_t component_count;
    sim_component components[SIM_MAX_COMPONENTS];
    uint32_t restore_method;            /* VSS_RME_*, default RESTORE_STOP_START 8 */
    char restore_service[64];           /* default "ClusSvc" */
    uint32_t backup_schema;             /* GetBackupSchema mask */
    uint32_t async_pending_polls;       /* QueryStatus calls that report PENDING before FINISHED */
    uint32_t snapshot_in_progress;      /* StartSnapshotSet fails with SNAPSHOT_SET_IN_PROGRESS this many times */
    int mutate_after_snapshot;          /* rewrite the live ClusDb files right after DoSnapshotSet */
    uint32_t service_pending_polls;     /* QueryServiceStatusEx calls in *_PENDING per transition */
    int clusdb_locked_while_running;    /* clusdb.lockedWhileRunning */
    int writer_releases_at_prerestore;  /* writer.releasesFilesAtPreRestore */
    int replication;                    /* cluster.replication (opt-in for now, see README.md) */

    /* This machine's state besides its service (persisted in the state file). */
    int files_released;                 /* the writer released the ClusDb files at PreRestore */
    int authoritative_pending;          /* an authoritative restore through the writer awaits the next start */
    uint64_t authoritative_hash;        /* FNV-1a of the live CLUSDB the writer saw at that PostRestore */
    int cluster_formed;                 /* the running nodes form a cluster (quorum.c) */
    uint32_t rename_count;
    sim_pending_rename renames[SIM_MAX_RENAMES];

    uint32_t latency_ms;      /* latencyMs: how long every node call waits unless its node says otherwise */

    /* mountedFolders (volumes.c): folders below the scenario folder where another volume is mounted. */
    uint32_t mount_count;
    struct sim_mounted_folder {
        char path[512];       /* relative to the scenario folder, '/' separated as written */
        sim_guid volume;      /* the volume's GUID (\\?\Volume{GUID}\) */
    } mounts[SIM_MAX_MOUNTED_FOLDERS];
} sim_scenario;

/* The loaded scenario (NULL before ClusSimOpenScenario succeeded). */
sim_scenario *sim_scenario_get(void);
/* Write the mutable part (service states) to the state file beside the scenario. */
void sim_state_save(void);
/* Re-read the cluster identity from the live CLUSDB hive (after a restore or a change);
 * the hive is read again only when the file changed. */
void sim_reload_clusdb(void);
/* Find a node by name (case-insensitive ASCII, exact otherwise); NULL name = local node. */
sim_node *sim_find_node(const WCHAR_T *name);

/* ---- fault injection and the call log ----
 * Every exported function and every COM method starts with SIM_FAULT("Name") or
 * SIM_FAULT("IVssBackupComponents::DoSnapshotSet"). When a fault is armed for that name
 * and this is its n-th call, sim_fault returns 1 and sets *code: the caller returns that
 * code in the function's own failure convention (NULL + last error, FALSE + last error,
 * the error as the return value, or the HRESULT). Mode "hang" sleeps forever (for an
 * asynchronous call: the operation stays pending forever), "crash" aborts the process.
 * Every call is also appended to the call log. */
int sim_fault(const char *name, uint32_t *code);
int sim_fault_hangs(const char *name);   /* 1 when the armed fault for name is a hang (async ops) */
void sim_log_call(const char *fmt, ...);

/* ---- last error (kernel32 GetLastError/SetLastError), thread-local ---- */
void sim_set_last_error(DWORD_T code);

/* ---- leak accounting ---- */
typedef enum {
    SIM_LEAK_CLUSTER, SIM_LEAK_NODE, SIM_LEAK_ENUM, SIM_LEAK_SCM, SIM_LEAK_SERVICE, SIM_LEAK_TOKEN, SIM_LEAK_KEY,
    SIM_LEAK_COM_REFS, SIM_LEAK_BSTR, SIM_LEAK_COTASKMEM, SIM_LEAK_SNAPSHOT_PROPS, SIM_LEAK_COUNT
} sim_leak_kind;
void sim_leak_add(sim_leak_kind kind, int delta);

/* ---- strings ---- */
size_t sim_wcslen(const WCHAR_T *s);
WCHAR_T *sim_utf8_to_w(const char *utf8);        /* malloc'd, NUL-terminated */
char *sim_w_to_utf8(const WCHAR_T *w);           /* malloc'd */
int sim_wcs_eq_utf8(const WCHAR_T *w, const char *utf8, int ignore_ascii_case);
/* Copy utf8 into a caller buffer of *cch WCHARs following the clusapi rules:
 * ERROR_MORE_DATA with *cch = needed length (without NUL) when too small. */
DWORD_T sim_copy_out_w(const char *utf8, WCHAR_T *buf, DWORD_T *cch);
/* BSTRs: counted allocations (SysAllocString / SysFreeString are in ole.c). */
BSTR_T sim_bstr_from_utf8(const char *utf8);
BSTR_T sim_bstr_alloc(const WCHAR_T *w);
void sim_bstr_free(BSTR_T b);
void *sim_cotaskmem_alloc(size_t n);             /* counted; CoTaskMemFree frees */

/* ---- files ---- */
int sim_mkdirs(const char *path);                /* 0 on success */
int sim_copy_file(const char *from, const char *to);
int sim_remove_tree(const char *path);
char sim_path_sep(void);                         /* '\\' on Windows, '/' elsewhere */

/* ---- GUIDs ---- */
int sim_guid_eq(const sim_guid *a, const sim_guid *b);
void sim_guid_new(sim_guid *out);                /* deterministic counter-based GUIDs */
int sim_guid_parse(const char *text, sim_guid *out);


/* ======================================================================
 * Shared helpers (sim_core.c). Everything below only adds to the interface above.
 * ====================================================================== */

#include <stdio.h>

#define SIM_ERROR_NOT_ENOUGH_MEMORY 8u
#define SIM_ERROR_NOT_READY 21u        /* no scenario has been opened */
#define SIM_ERROR_BUFFER_OVERFLOW 111u
#define SIM_ERROR_CALL_NOT_IMPLEMENTED 120u
#define SIM_ERROR_INVALID_NAME 123u
#define SIM_ERROR_INVALID_LEVEL 124u
#define SIM_ERROR_INVALID_SERVICE_CONTROL 1052u
#define SIM_ERROR_DATABASE_DOES_NOT_EXIST 1065u
#define SIM_ERROR_NOT_ALL_ASSIGNED 1300u
#define SIM_ERROR_NO_SUCH_PRIVILEGE 1313u
#define SIM_EPT_S_NOT_REGISTERED 1753u
#define SIM_ERROR_CLUSTER_LOCAL_NODE_NOT_FOUND 5043u
#define SIM_RPC_E_CHANGED_MODE ((HRESULT_T)0x80010106u)
#define SIM_RPC_E_TOO_LATE ((HRESULT_T)0x80010119u)
#define SIM_CO_E_NOTINITIALIZED ((HRESULT_T)0x800401F0u)

/* SERVICE_* current states (SIM_SVC_NOT_INSTALLED 0 is the simulator's own). */
#define SIM_SVC_STOPPED 1u
#define SIM_SVC_START_PENDING 2u
#define SIM_SVC_STOP_PENDING 3u
#define SIM_SVC_RUNNING 4u

/* One recursive lock around all shared state; every export takes it (koffi may call
 * from worker threads). Never hold it while sleeping. */
void sim_lock(void);
void sim_unlock(void);

/* sim_fault with a detail for the call log: logs "name:detail" (just "name" when
 * detail is NULL or empty). A fault armed for "name" matches every detail; a fault
 * armed for "name:detail" (e.g. "ControlService:NODE2") matches only calls whose log
 * entry is that or starts with it followed by ':'.
 *
 * Hangs of asynchronous operations: sim_fault_hangs(name) only peeks (it neither
 * counts nor logs): 1 when the next call of name fires an armed "hang" fault. When an
 * asynchronous method has peeked 1 on this thread, its following sim_fault(name, ...)
 * counts and logs the call, consumes the fault and returns 0 instead of sleeping, so
 * the method can hand out an operation that stays pending forever. Without the peek a
 * hang sleeps forever inside sim_fault (with the lock released). */
int sim_fault_ex(const char *name, const char *detail, uint32_t *code);
/* sim_fault_ex for the functions that fail with the code as the thread's last error
 * (handle and BOOL functions): 1 when the fault fired, the last error then set. */
int sim_fault_last_error(const char *name, const char *detail);

/* The calling thread's last error (what the GetLastError export returns). */
DWORD_T sim_get_last_error(void);
/* The result of a BOOL function: TRUE when err is 0, else FALSE with err as the last error. */
BOOL_T sim_bool_result(DWORD_T err);

/* Per-thread state (last error, COM initialisation). */
typedef struct sim_thread_state {
    DWORD_T last_error;
    uint32_t com_init_count;      /* CoInitializeEx successes not yet undone */
    uint32_t com_mode;            /* COINIT_* of the first successful CoInitializeEx */
    char claimed_hang[160];       /* name whose hang fault sim_fault_hangs reported */
} sim_thread_state;
sim_thread_state *sim_thread(void);

/* Handles: heap objects that start with a sim_handle_hdr, registered while open and
 * counted in the leak report under their kind (SIM_LEAK_CLUSTER .. SIM_LEAK_KEY). */
typedef struct sim_handle_hdr {
    uint32_t magic;
    sim_leak_kind kind;
} sim_handle_hdr;
void *sim_handle_new(sim_leak_kind kind, size_t size);    /* zeroed object, header filled */
/* The end of a function that hands out a handle: NULL with err as the last error when
 * err is not 0, else sim_handle_new (NULL + ERROR_NOT_ENOUGH_MEMORY when that fails). */
void *sim_handle_open(DWORD_T err, sim_leak_kind kind, size_t size);
void *sim_handle_get(const void *h, sim_leak_kind kind);  /* NULL unless h is open and of that kind */
int sim_handle_kind(const void *h, sim_leak_kind *kind);  /* 1 when h is any open handle */
int sim_handle_close(void *h, sim_leak_kind kind);        /* 1 closed, 0 not an open handle of that kind */

/* Counted allocations handed to the caller. */
BSTR_T sim_bstr_alloc_len(const WCHAR_T *w, uint32_t cch); /* w may be NULL: cch zeroed WCHARs */
int sim_cotaskmem_free(void *p);                          /* 1 freed, 0 not a live allocation */
int sim_bstr_is_live(const WCHAR_T *b);

/* UTF-16 helpers. */
WCHAR_T *sim_utf8_to_w_len(const char *utf8, size_t *cch);    /* malloc'd; *cch = length in WCHARs */
size_t sim_utf8_wlen(const char *utf8);                       /* length in WCHARs */
int sim_utf8_eq_name(const char *a, const char *b);           /* equal, ASCII letters case-insensitive */

/* Nodes and the cluster as they are now. */
sim_node *sim_find_node_utf8(const char *name);   /* scenario node or the local machine; NULL if unknown */
sim_node *sim_local_node(void);                   /* the local machine (also when it is not a node) */
int sim_node_is_local(const sim_node *n);
const char *sim_strip_unc(const char *name);      /* "\\\\NODE2" -> "NODE2" */
int sim_is_local_name(const char *utf8);          /* NULL, "", the machine name (with or without "\\\\") */
/* Members listed in the live CLUSDB hive (the scenario's nodes when it is not readable),
 * as of the last sim_reload_clusdb(). */
uint32_t sim_member_count(void);
const char *sim_member_name(uint32_t i);
int sim_is_member(const char *utf8);
/* 1 + the position of the first member named utf8 (ASCII case ignored), 0 when none;
 * *last (may be NULL) gets 1 + the position of the last one so named. */
uint32_t sim_member_find(const char *utf8, uint32_t *last);
/* Re-read the persisted service states when another process changed them. */
void sim_state_refresh(void);
/* Rewrite the live ClusDb files (same sizes): other filler, and CLUSDB flushed again with
 * the next sequence number, as if the cluster service had written to its database. */
int sim_clusdb_mutate(uint32_t generation);
/* The live cluster database: this machine's CLUSDB hive as last read (read again when
 * the file changed). NULL when it is missing or not a readable hive; *error then says
 * why. Call with the lock held; the tree stays valid until the lock is released. */
struct sim_hv_key *sim_live_db(const char **error);
/* Writes the live tree (changed by the caller) back to CLUSDB, as the cluster service
 * would after a change: PaxosTag + 1, the next sequence number, same file size or
 * larger. 0 on success. Lock held. */
int sim_live_db_commit(void);
/* The wall clock as a FILETIME. */
uint64_t sim_filetime_now(void);

/* How a cluster handle reaches the cluster (clusapi.c), for the cluster registry calls
 * (clusreg.c): 0 and the route when h is an open cluster handle, else ERROR_INVALID_HANDLE;
 * *access gets the CLUSAPI_* access the handle was opened with. */
DWORD_T sim_cluster_handle_route(void *h, int *route, char node[512], uint32_t *access);
/* 0 when the cluster can be reached that way now, else the Win32 error (lock taken). */
DWORD_T sim_cluster_route_reachable(int route, const char *node);

/* ---- this machine's ClusDb files, the writer's restore and the reboot (sim_core.c) ---- */
#define SIM_ERROR_SHARING_VIOLATION 32u
#define SIM_ERROR_ALREADY_EXISTS 183u
#define SIM_ERROR_REGISTRY_CORRUPT_ 1015u
/* 1 when utf8path is one of this machine's ClusDb files and they are in use now: the
 * local ClusSvc is not stopped, clusdb.lockedWhileRunning, and the writer has not released
 * them since PreRestore. Lock held. */
int sim_clusdb_file_locked(const char *utf8path);
/* The writer's part of a restore (vss_backup.c): PreRestore releases the files (when
 * writer.releasesFilesAtPreRestore); PostRestore of an authoritative restore marks the
 * restored database to win at the next start. */
void sim_writer_pre_restore(void);
void sim_writer_post_restore(int authoritative);
/* Records a MoveFileExW(MOVEFILE_DELAY_UNTIL_REBOOT); 0, or the Win32 error. Lock held. */
DWORD_T sim_add_pending_rename(const char *from, const char *to, uint32_t flags);
/* A service start or stop reached its end state (advapi32.c): the local service does not
 * start on a CLUSDB that is not a valid hive. Lock held. */
void sim_service_reached(sim_node *n, uint32_t final_state);
/* Starts a service transition (advapi32.c), e.g. the local ClusSvc after a reboot. */
void sim_service_begin(sim_node *n, uint32_t pending_state);
/* File operations with native paths (0 on success, else errno-style failure). */
int sim_rename_replace(const char *from, const char *to);
int sim_remove_file(const char *path);

/* The hash of the open scenario's text: files that persist state beside the scenario
 * (e.g. taskschd.c's task store) keep it, and ignore a file written for another text. */
uint64_t sim_scenario_hash(void);

/* The process token's privileges start over (advapi32.c; called when a scenario opens). */
void sim_token_reset(int elevated);

/* Return conventions of the helpers declared further up: sim_guid_parse returns 1 when
 * the text (with or without braces) is a GUID, else 0; sim_mkdirs, sim_copy_file and
 * sim_remove_tree return 0 on success (removing a missing path succeeds). */

/* Files (UTF-8 paths, native separators). */
FILE *sim_fopen(const char *path, const char *mode);
int sim_file_exists(const char *path);
int sim_dir_exists(const char *path);
int sim_file_size(const char *path, uint64_t *size);
int sim_write_file_atomic(const char *path, const void *data, size_t len);   /* 0 on success */
char *sim_path_join(const char *dir, const char *name);                    /* malloc'd */
void sim_sleep_ms(uint32_t ms);
void sim_sleep_forever(void);

/* ---- COM global options (globalopts.c) ---- */
extern const sim_guid sim_CLSID_GlobalOptions;
/* CoCreateInstance(CLSID_GlobalOptions, ...) after the common checks (COM initialised, ppv set to NULL). */
HRESULT_T sim_global_options_create(void *pUnkOuter, DWORD_T dwClsContext, const sim_guid *riid, void **ppv);
/* 1 once CoInitializeSecurity succeeded in this process (ole.c). */
int sim_com_security_initialized(void);

/* ---- volumes and mounted folders (volumes.c) ---- */
/* The volume an absolute path (native separators) lies on: its mount point with a trailing
 * separator in *mount_point (malloc'd), its GUID, and *rest (inside path) the part below the
 * mount point. 1 found, 0 not an absolute path or out of memory. Call with the lock held. */
int sim_volume_of_path(const char *path, char **mount_point, sim_guid *volume, const char **rest);
/* The volume a name for AddToSnapshotSet / IsVolumeSupported designates: a volume GUID path
 * (\\?\Volume{GUID}\), a drive root or a mounted folder, with its trailing separator. 1 when
 * it names a volume (its GUID in *volume), else 0. Call with the lock held. */
int sim_volume_named(const char *name, sim_guid *volume);
/* "\\?\Volume{guid}\" for a volume GUID (out: at least 50 bytes). */
void sim_volume_guid_path(const sim_guid *volume, char out[50]);

/* ---- node control (nodectl.c) ---- */
/* 1 when PauseClusterNodeEx paused the node and no ResumeClusterNodeEx resumed it (takes the lock). */
int sim_nodectl_paused(const char *utf8name);
/* A call addressed to a node: counts it in flight and waits the node's latencyMs, outside
 * the lock. Call without holding the lock. */
void sim_node_latency(const char *utf8name);

#endif
