/*
 * Task Scheduler 2.0 for the simulator: the three interfaces the bridge calls
 * (ITaskService, ITaskFolder, IRegisteredTask) and the VARIANT they take by value,
 * spelled with the simulator's fixed-width types so that the Linux build keeps the
 * Windows layout. Every vtable lists all the slots of taskschd.h in its order:
 * IUnknown 0-2, IDispatch 3-6, then the interface's own methods.
 * taskschd_abi_check.c compares these structs with mingw's taskschd.h and oaidl.h
 * (slot offsets, vtable sizes, the VARIANT's size and field offsets) in the mingw build.
 */
#ifndef CLUSSIM_TASKSCHD_SIM_H
#define CLUSSIM_TASKSCHD_SIM_H

#include "sim.h"

/* VARIANT (oaidl.h) on x64: vt, three reserved WORDs, then a 16-byte union (8-aligned);
 * 24 bytes in all. Passed by value: on x64 Windows as a pointer to a caller's copy, on
 * Linux x86-64 in memory; koffi and the compiler agree on both once both say "by value". */
typedef struct tsim_variant {
    uint16_t vt;
    uint16_t reserved1, reserved2, reserved3;
    union {
        BSTR_T bstrVal;
        int64_t llVal;
        int32_t lVal;
        double dblVal;
        void *byref;
    } u;
    void *record;             /* second half of BRECORD; unused by the simulator */
} tsim_variant;

#define TSIM_VT_EMPTY 0
#define TSIM_VT_NULL 1
#define TSIM_VT_BSTR 8

typedef double tsim_date;    /* DATE: days since 1899-12-30 00:00, local time */

typedef struct tsim_service tsim_service;
typedef struct tsim_folder tsim_folder;
typedef struct tsim_task tsim_task;

#define TSIM_IUNKNOWN(T) \
    HRESULT_T (SIMCALL *QueryInterface)(T *This, const sim_guid *riid, void **ppv); \
    uint32_t (SIMCALL *AddRef)(T *This); \
    uint32_t (SIMCALL *Release)(T *This);
#define TSIM_IDISPATCH(T) \
    HRESULT_T (SIMCALL *GetTypeInfoCount)(T *This, uint32_t *count); \
    HRESULT_T (SIMCALL *GetTypeInfo)(T *This, uint32_t index, uint32_t lcid, void **info); \
    HRESULT_T (SIMCALL *GetIDsOfNames)(T *This, const sim_guid *riid, WCHAR_T **names, uint32_t count, uint32_t lcid, int32_t *ids); \
    HRESULT_T (SIMCALL *Invoke)(T *This, int32_t id, const sim_guid *riid, uint32_t lcid, uint16_t flags, void *params, \
                                tsim_variant *result, void *excepInfo, uint32_t *argErr);

typedef struct tsim_ITaskServiceVtbl {
    TSIM_IUNKNOWN(tsim_service)
    TSIM_IDISPATCH(tsim_service)
    HRESULT_T (SIMCALL *GetFolder)(tsim_service *This, BSTR_T path, tsim_folder **folder);
    HRESULT_T (SIMCALL *GetRunningTasks)(tsim_service *This, LONG_T flags, void **tasks);
    HRESULT_T (SIMCALL *NewTask)(tsim_service *This, DWORD_T flags, void **definition);
    HRESULT_T (SIMCALL *Connect)(tsim_service *This, tsim_variant server, tsim_variant user, tsim_variant domain, tsim_variant password);
    HRESULT_T (SIMCALL *get_Connected)(tsim_service *This, int16_t *connected);
    HRESULT_T (SIMCALL *get_TargetServer)(tsim_service *This, BSTR_T *server);
    HRESULT_T (SIMCALL *get_ConnectedUser)(tsim_service *This, BSTR_T *user);
    HRESULT_T (SIMCALL *get_ConnectedDomain)(tsim_service *This, BSTR_T *domain);
    HRESULT_T (SIMCALL *get_HighestVersion)(tsim_service *This, DWORD_T *version);
} tsim_ITaskServiceVtbl;

typedef struct tsim_ITaskFolderVtbl {
    TSIM_IUNKNOWN(tsim_folder)
    TSIM_IDISPATCH(tsim_folder)
    HRESULT_T (SIMCALL *get_Name)(tsim_folder *This, BSTR_T *name);
    HRESULT_T (SIMCALL *get_Path)(tsim_folder *This, BSTR_T *path);
    HRESULT_T (SIMCALL *GetFolder)(tsim_folder *This, BSTR_T path, tsim_folder **folder);
    HRESULT_T (SIMCALL *GetFolders)(tsim_folder *This, LONG_T flags, void **folders);
    HRESULT_T (SIMCALL *CreateFolder)(tsim_folder *This, BSTR_T name, tsim_variant sddl, tsim_folder **folder);
    HRESULT_T (SIMCALL *DeleteFolder)(tsim_folder *This, BSTR_T name, LONG_T flags);
    HRESULT_T (SIMCALL *GetTask)(tsim_folder *This, BSTR_T path, tsim_task **task);
    HRESULT_T (SIMCALL *GetTasks)(tsim_folder *This, LONG_T flags, void **tasks);
    HRESULT_T (SIMCALL *DeleteTask)(tsim_folder *This, BSTR_T name, LONG_T flags);
    HRESULT_T (SIMCALL *RegisterTask)(tsim_folder *This, BSTR_T path, BSTR_T xml, LONG_T flags, tsim_variant user,
                                      tsim_variant password, int32_t logonType, tsim_variant sddl, tsim_task **task);
    HRESULT_T (SIMCALL *RegisterTaskDefinition)(tsim_folder *This, BSTR_T path, void *definition, LONG_T flags, tsim_variant user,
                                                tsim_variant password, int32_t logonType, tsim_variant sddl, tsim_task **task);
    HRESULT_T (SIMCALL *GetSecurityDescriptor)(tsim_folder *This, LONG_T info, BSTR_T *sddl);
    HRESULT_T (SIMCALL *SetSecurityDescriptor)(tsim_folder *This, BSTR_T sddl, LONG_T flags);
} tsim_ITaskFolderVtbl;

typedef struct tsim_IRegisteredTaskVtbl {
    TSIM_IUNKNOWN(tsim_task)
    TSIM_IDISPATCH(tsim_task)
    HRESULT_T (SIMCALL *get_Name)(tsim_task *This, BSTR_T *name);
    HRESULT_T (SIMCALL *get_Path)(tsim_task *This, BSTR_T *path);
    HRESULT_T (SIMCALL *get_State)(tsim_task *This, int32_t *state);
    HRESULT_T (SIMCALL *get_Enabled)(tsim_task *This, int16_t *enabled);
    HRESULT_T (SIMCALL *put_Enabled)(tsim_task *This, int16_t enabled);
    HRESULT_T (SIMCALL *Run)(tsim_task *This, tsim_variant params, void **running);
    HRESULT_T (SIMCALL *RunEx)(tsim_task *This, tsim_variant params, LONG_T flags, LONG_T sessionId, BSTR_T user, void **running);
    HRESULT_T (SIMCALL *GetInstances)(tsim_task *This, LONG_T flags, void **tasks);
    HRESULT_T (SIMCALL *get_LastRunTime)(tsim_task *This, tsim_date *time);
    HRESULT_T (SIMCALL *get_LastTaskResult)(tsim_task *This, LONG_T *result);
    HRESULT_T (SIMCALL *get_NumberOfMissedRuns)(tsim_task *This, LONG_T *missed);
    HRESULT_T (SIMCALL *get_NextRunTime)(tsim_task *This, tsim_date *time);
    HRESULT_T (SIMCALL *get_Definition)(tsim_task *This, void **definition);
    HRESULT_T (SIMCALL *get_Xml)(tsim_task *This, BSTR_T *xml);
    HRESULT_T (SIMCALL *GetSecurityDescriptor)(tsim_task *This, LONG_T info, BSTR_T *sddl);
    HRESULT_T (SIMCALL *SetSecurityDescriptor)(tsim_task *This, BSTR_T sddl, LONG_T flags);
    HRESULT_T (SIMCALL *Stop)(tsim_task *This, LONG_T flags);
    HRESULT_T (SIMCALL *GetRunTimes)(tsim_task *This, const void *start, const void *end, DWORD_T *count, void **times);
} tsim_IRegisteredTaskVtbl;

/* The slots the bridge uses, as numbers (docs/windows.md "Task Scheduler"); the ABI check
 * asserts each against mingw's header and against the structs above. */
#define TSIM_SLOT_SERVICE_GETFOLDER 7
#define TSIM_SLOT_SERVICE_CONNECT 10
#define TSIM_SLOT_FOLDER_GETTASK 13
#define TSIM_SLOT_FOLDER_DELETETASK 15
#define TSIM_SLOT_FOLDER_REGISTERTASK 16
#define TSIM_SLOT_TASK_GET_STATE 9
#define TSIM_SLOT_TASK_GET_LASTRUNTIME 15
#define TSIM_SLOT_TASK_GET_LASTTASKRESULT 16
#define TSIM_SLOT_TASK_GET_NEXTRUNTIME 18
#define TSIM_SLOT_TASK_GET_XML 20
#define TSIM_SERVICE_SLOTS 16
#define TSIM_FOLDER_SLOTS 20
#define TSIM_TASK_SLOTS 25

/* Constants (taskschd.h, winerror.h). */
#define TSIM_TASK_VALIDATE_ONLY 0x1
#define TSIM_TASK_CREATE 0x2
#define TSIM_TASK_UPDATE 0x4
#define TSIM_TASK_CREATE_OR_UPDATE 0x6
#define TSIM_TASK_DISABLE 0x8
#define TSIM_TASK_LOGON_PASSWORD 1
#define TSIM_TASK_LOGON_S4U 2
#define TSIM_TASK_LOGON_INTERACTIVE_TOKEN 3
#define TSIM_TASK_LOGON_SERVICE_ACCOUNT 5
#define TSIM_TASK_STATE_DISABLED 1
#define TSIM_TASK_STATE_READY 3

/* ---- the task definition (taskschd_def.c) ---- */

#define TSIM_SCHED_S_TASK_HAS_NOT_RUN ((HRESULT_T)0x00041303)
#define TSIM_SCHED_E_INVALIDVALUE ((HRESULT_T)0x80041318u)
#define TSIM_SCHED_E_MISSINGNODE ((HRESULT_T)0x80041319u)
#define TSIM_SCHED_E_MALFORMEDXML ((HRESULT_T)0x8004131Au)
#define TASK_NAMESPACE "http://schemas.microsoft.com/windows/2004/02/mit/task"

#include <time.h>

typedef struct tsim_trigger_info {
    int weekly;
    uint32_t interval;       /* DaysInterval or WeeksInterval */
    unsigned days_mask;      /* weekly: bit per tm_wday */
    time_t start;
    int enabled;
} tsim_trigger_info;

#define MAX_TRIGGERS 8

typedef struct tsim_task_info {
    int enabled;
    uint32_t trigger_count;
    tsim_trigger_info triggers[MAX_TRIGGERS];
} tsim_task_info;

/* Checks the parts of the Task Scheduler schema the simulator models and reads what
 * NextRunTime and State need: SIM_S_OK, or the SCHED_E_* code Windows gives. */
HRESULT_T tsim_check_definition(const char *xml, tsim_task_info *info);
/* The first run after now (local time) of the enabled calendar triggers, as a DATE; 0 when none. */
tsim_date tsim_next_run(const tsim_task_info *info);

#endif
