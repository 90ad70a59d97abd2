/*
 * Compile-time checks of the Task Scheduler ABI (no code). In the mingw build the
 * simulator's vtables (taskschd_sim.h) are compared with mingw's taskschd.h, whose
 * declarations follow the Windows SDK's: every slot the bridge calls sits at
 * slot * 8 in both, each whole vtable has the header's number of slots, and the VARIANT
 * passed by value has the header's size and field offsets. The Linux build checks the
 * simulator's own structs against the slot numbers.
 */
#include <stddef.h>
#include "taskschd_sim.h"

#define SLOT_AT(T, name, slot) _Static_assert(offsetof(T, name) == (slot) * sizeof(void *), #T "." #name " is not at slot " #slot);

SLOT_AT(tsim_ITaskServiceVtbl, GetFolder, TSIM_SLOT_SERVICE_GETFOLDER)
SLOT_AT(tsim_ITaskServiceVtbl, Connect, TSIM_SLOT_SERVICE_CONNECT)
SLOT_AT(tsim_ITaskFolderVtbl, GetTask, TSIM_SLOT_FOLDER_GETTASK)
SLOT_AT(tsim_ITaskFolderVtbl, DeleteTask, TSIM_SLOT_FOLDER_DELETETASK)
SLOT_AT(tsim_ITaskFolderVtbl, RegisterTask, TSIM_SLOT_FOLDER_REGISTERTASK)
SLOT_AT(tsim_IRegisteredTaskVtbl, get_State, TSIM_SLOT_TASK_GET_STATE)
SLOT_AT(tsim_IRegisteredTaskVtbl, get_LastRunTime, TSIM_SLOT_TASK_GET_LASTRUNTIME)
SLOT_AT(tsim_IRegisteredTaskVtbl, get_LastTaskResult, TSIM_SLOT_TASK_GET_LASTTASKRESULT)
SLOT_AT(tsim_IRegisteredTaskVtbl, get_NextRunTime, TSIM_SLOT_TASK_GET_NEXTRUNTIME)
SLOT_AT(tsim_IRegisteredTaskVtbl, get_Xml, TSIM_SLOT_TASK_GET_XML)
_Static_assert(sizeof(tsim_ITaskServiceVtbl) == TSIM_SERVICE_SLOTS * sizeof(void *), "ITaskService slot count");
_Static_assert(sizeof(tsim_ITaskFolderVtbl) == TSIM_FOLDER_SLOTS * sizeof(void *), "ITaskFolder slot count");
_Static_assert(sizeof(tsim_IRegisteredTaskVtbl) == TSIM_TASK_SLOTS * sizeof(void *), "IRegisteredTask slot count");
_Static_assert(sizeof(tsim_variant) == 24 && offsetof(tsim_variant, u) == 8, "VARIANT: 24 bytes, value at 8");
_Static_assert(sizeof(tsim_date) == 8, "DATE is a double");

#ifdef _WIN32
#include <windows.h>
#include <taskschd.h>

/* The same member of the header's vtable and of the simulator's is at the same offset. */
#define SAME_SLOT(I, name) \
    _Static_assert(offsetof(I##Vtbl, name) == offsetof(tsim_##I##Vtbl, name), #I "::" #name ": the simulator's slot differs from taskschd.h");
#define ALL_SERVICE(M) M(ITaskService, QueryInterface) M(ITaskService, AddRef) M(ITaskService, Release) \
    M(ITaskService, GetTypeInfoCount) M(ITaskService, GetTypeInfo) M(ITaskService, GetIDsOfNames) M(ITaskService, Invoke) \
    M(ITaskService, GetFolder) M(ITaskService, GetRunningTasks) M(ITaskService, NewTask) M(ITaskService, Connect) \
    M(ITaskService, get_Connected) M(ITaskService, get_TargetServer) M(ITaskService, get_ConnectedUser) \
    M(ITaskService, get_ConnectedDomain) M(ITaskService, get_HighestVersion)
#define ALL_FOLDER(M) M(ITaskFolder, QueryInterface) M(ITaskFolder, AddRef) M(ITaskFolder, Release) \
    M(ITaskFolder, GetTypeInfoCount) M(ITaskFolder, GetTypeInfo) M(ITaskFolder, GetIDsOfNames) M(ITaskFolder, Invoke) \
    M(ITaskFolder, get_Name) M(ITaskFolder, get_Path) M(ITaskFolder, GetFolder) M(ITaskFolder, GetFolders) \
    M(ITaskFolder, CreateFolder) M(ITaskFolder, DeleteFolder) M(ITaskFolder, GetTask) M(ITaskFolder, GetTasks) \
    M(ITaskFolder, DeleteTask) M(ITaskFolder, RegisterTask) M(ITaskFolder, RegisterTaskDefinition) \
    M(ITaskFolder, GetSecurityDescriptor) M(ITaskFolder, SetSecurityDescriptor)
#define ALL_TASK(M) M(IRegisteredTask, QueryInterface) M(IRegisteredTask, AddRef) M(IRegisteredTask, Release) \
    M(IRegisteredTask, GetTypeInfoCount) M(IRegisteredTask, GetTypeInfo) M(IRegisteredTask, GetIDsOfNames) \
    M(IRegisteredTask, Invoke) M(IRegisteredTask, get_Name) M(IRegisteredTask, get_Path) M(IRegisteredTask, get_State) \
    M(IRegisteredTask, get_Enabled) M(IRegisteredTask, put_Enabled) M(IRegisteredTask, Run) M(IRegisteredTask, RunEx) \
    M(IRegisteredTask, GetInstances) M(IRegisteredTask, get_LastRunTime) M(IRegisteredTask, get_LastTaskResult) \
    M(IRegisteredTask, get_NumberOfMissedRuns) M(IRegisteredTask, get_NextRunTime) M(IRegisteredTask, get_Definition) \
    M(IRegisteredTask, get_Xml) M(IRegisteredTask, GetSecurityDescriptor) M(IRegisteredTask, SetSecurityDescriptor) \
    M(IRegisteredTask, Stop) M(IRegisteredTask, GetRunTimes)
ALL_SERVICE(SAME_SLOT)
ALL_FOLDER(SAME_SLOT)
ALL_TASK(SAME_SLOT)
_Static_assert(sizeof(ITaskServiceVtbl) == sizeof(tsim_ITaskServiceVtbl), "ITaskServiceVtbl has another number of slots");
_Static_assert(sizeof(ITaskFolderVtbl) == sizeof(tsim_ITaskFolderVtbl), "ITaskFolderVtbl has another number of slots");
_Static_assert(sizeof(IRegisteredTaskVtbl) == sizeof(tsim_IRegisteredTaskVtbl), "IRegisteredTaskVtbl has another number of slots");

/* The methods' parameter types that differ in size would break the call: check the by-value ones. */
_Static_assert(__builtin_types_compatible_p(__typeof__(((ITaskFolderVtbl *)0)->RegisterTask),
               HRESULT (STDMETHODCALLTYPE *)(ITaskFolder *, BSTR, BSTR, LONG, VARIANT, VARIANT, TASK_LOGON_TYPE, VARIANT, IRegisteredTask **)),
               "ITaskFolder::RegisterTask has another signature");
_Static_assert(__builtin_types_compatible_p(__typeof__(((ITaskServiceVtbl *)0)->Connect),
               HRESULT (STDMETHODCALLTYPE *)(ITaskService *, VARIANT, VARIANT, VARIANT, VARIANT)),
               "ITaskService::Connect has another signature");
_Static_assert(__builtin_types_compatible_p(__typeof__(((IRegisteredTaskVtbl *)0)->get_NextRunTime),
               HRESULT (STDMETHODCALLTYPE *)(IRegisteredTask *, DATE *)), "IRegisteredTask::get_NextRunTime has another signature");
_Static_assert(__builtin_types_compatible_p(__typeof__(((IRegisteredTaskVtbl *)0)->get_State),
               HRESULT (STDMETHODCALLTYPE *)(IRegisteredTask *, TASK_STATE *)), "IRegisteredTask::get_State has another signature");
_Static_assert(sizeof(VARIANT) == sizeof(tsim_variant) && _Alignof(VARIANT) == _Alignof(tsim_variant), "VARIANT size/alignment");
_Static_assert(offsetof(VARIANT, vt) == offsetof(tsim_variant, vt), "VARIANT.vt");
_Static_assert(offsetof(VARIANT, bstrVal) == offsetof(tsim_variant, u.bstrVal), "VARIANT.bstrVal");
_Static_assert(sizeof(DATE) == sizeof(tsim_date) && sizeof(TASK_STATE) == 4 && sizeof(TASK_LOGON_TYPE) == 4, "DATE, enums");
_Static_assert(VT_EMPTY == TSIM_VT_EMPTY && VT_NULL == TSIM_VT_NULL && VT_BSTR == TSIM_VT_BSTR, "VARTYPE values");
_Static_assert(TASK_CREATE_OR_UPDATE == TSIM_TASK_CREATE_OR_UPDATE && TASK_CREATE == TSIM_TASK_CREATE && TASK_UPDATE == TSIM_TASK_UPDATE &&
               TASK_VALIDATE_ONLY == TSIM_TASK_VALIDATE_ONLY && TASK_DISABLE == TSIM_TASK_DISABLE, "TASK_CREATION values");
_Static_assert(TASK_LOGON_SERVICE_ACCOUNT == TSIM_TASK_LOGON_SERVICE_ACCOUNT && TASK_LOGON_PASSWORD == TSIM_TASK_LOGON_PASSWORD, "TASK_LOGON_TYPE values");
_Static_assert(TASK_STATE_READY == TSIM_TASK_STATE_READY && TASK_STATE_DISABLED == TSIM_TASK_STATE_DISABLED, "TASK_STATE values");
#endif

typedef int taskschd_abi_checked;
