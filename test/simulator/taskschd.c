/*
 * Task Scheduler 2.0 stand-in: CoCreateInstance(CLSID_TaskScheduler) hands out an
 * ITaskService; Connect, GetFolder, ITaskFolder::RegisterTask/GetTask/DeleteTask and the
 * IRegisteredTask properties the bridge reads (Xml, State, LastRunTime, LastTaskResult,
 * NextRunTime). Registered tasks live in "<scenario>.tasks.json" beside the scenario, so
 * another process (the CLI's engine, a later test) sees them; a store written for another
 * scenario text is ignored, like the service state file. The semantics and their Microsoft
 * sources are in README.md ("Task Scheduler"); the XML checks and the next-run
 * computation are in taskschd_def.c.
 */
#define _GNU_SOURCE
#define __USE_MINGW_ANSI_STDIO 1
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "taskschd_sim.h"

/* ---------------------------------------------------------------- constants */

static const sim_guid CLSID_TaskScheduler = { 0x0f87369f, 0xa4e5, 0x4cfc, { 0xbd, 0x3e, 0x73, 0xe6, 0x15, 0x45, 0x72, 0xdd } };
static const sim_guid IID_ITaskService = { 0x2faba4c7, 0x4da9, 0x4013, { 0x96, 0x97, 0x20, 0xcc, 0x3f, 0xd4, 0x0f, 0x85 } };
static const sim_guid IID_ITaskFolder = { 0x8cfac062, 0xa080, 0x4c15, { 0x9a, 0x88, 0xaa, 0x7c, 0x2a, 0xf8, 0x0d, 0xfc } };
static const sim_guid IID_IRegisteredTask = { 0x9c86f320, 0xdee3, 0x4dd1, { 0xb9, 0x72, 0xa3, 0x03, 0xf2, 0x6b, 0x06, 0x1e } };
static const sim_guid IID_IUnknown_ = { 0x00000000, 0x0000, 0x0000, { 0xc0, 0, 0, 0, 0, 0, 0, 0x46 } };
static const sim_guid IID_IDispatch_ = { 0x00020400, 0x0000, 0x0000, { 0xc0, 0, 0, 0, 0, 0, 0, 0x46 } };

#define HR_WIN32(e) ((HRESULT_T)(0x80070000u | (uint32_t)(e)))
#define TSIM_REGDB_E_CLASSNOTREG ((HRESULT_T)0x80040154u)
#define TSIM_CLASS_E_NOAGGREGATION ((HRESULT_T)0x80040110u)
#define TSIM_ERROR_ALREADY_EXISTS 183u
#define TSIM_ERROR_BAD_NETPATH 53u
#define TSIM_ERROR_ONLY_IF_CONNECTED 1251u
/* What Windows reports as the last run time of a task that never ran: 1999-11-30 00:00. */
#define NEVER_RAN_DATE 36494.0

/* ------------------------------------------------------------------ the store */

typedef struct task_entry {
    char *path;              /* "\\Folder\\Name" */
    char *xml;
    double last_run;         /* DATE; NEVER_RAN_DATE until it ran */
    int32_t last_result;     /* SCHED_S_TASK_HAS_NOT_RUN until it ran */
} task_entry;

typedef struct task_store {
    task_entry *items;
    size_t count;
} task_store;

static void store_free(task_store *s) {
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].path);
        free(s->items[i].xml);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

static char *store_path(void) {
    sim_scenario *sc = sim_scenario_get();
    if (!sc) return NULL;
    size_t n = strlen(sc->path);
    char *p = malloc(n + sizeof ".tasks.json");
    if (p) {
        memcpy(p, sc->path, n);
        memcpy(p + n, ".tasks.json", sizeof ".tasks.json");
    }
    return p;
}

static int store_add(task_store *s, const char *path, const char *xml, double last_run, int32_t last_result) {
    task_entry *grown = realloc(s->items, (s->count + 1) * sizeof *grown);
    if (!grown) return 0;
    s->items = grown;
    task_entry *e = &s->items[s->count];
    e->path = strdup(path);
    e->xml = strdup(xml);
    e->last_run = last_run;
    e->last_result = last_result;
    if (!e->path || !e->xml) {
        free(e->path);
        free(e->xml);
        return 0;
    }
    s->count++;
    return 1;
}

/* Reads the store (lock held); a missing file, or one of another scenario text, is empty. */
static void store_load(task_store *s) {
    memset(s, 0, sizeof *s);
    char *path = store_path();
    FILE *f = path ? sim_fopen(path, "rb") : NULL;
    free(path);
    if (!f) return;
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = (cap ? cap * 2 : 8192);
            char *g = realloc(text, cap);
            if (!g) break;
            text = g;
        }
        size_t n = fread(text + len, 1, cap - len - 1, f);
        if (n == 0) break;
        len += n;
    }
    fclose(f);
    if (!text) return;
    char err[128];
    json_value *root = json_parse(text, len, err, sizeof err);
    free(text);
    if (!root) return;
    const json_value *hash = json_get(root, "scenarioHash");
    char want[32];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)sim_scenario_hash());
    const json_value *tasks = json_get(root, "tasks");
    if (hash && hash->type == JSON_STRING && strcmp(hash->string, want) == 0 && tasks && tasks->type == JSON_ARRAY) {
        for (size_t i = 0; i < tasks->count; i++) {
            const json_value *p = json_get(tasks->items[i], "path"), *x = json_get(tasks->items[i], "xml");
            const json_value *lr = json_get(tasks->items[i], "lastRun"), *res = json_get(tasks->items[i], "lastResult");
            if (!p || p->type != JSON_STRING || !x || x->type != JSON_STRING) continue;
            store_add(s, p->string, x->string, lr && lr->type == JSON_NUMBER ? lr->number : NEVER_RAN_DATE,
                      res && res->type == JSON_NUMBER ? (int32_t)(uint32_t)res->integer : TSIM_SCHED_S_TASK_HAS_NOT_RUN);
        }
    }
    json_free(root);
}

static int store_save(const task_store *s) {
    json_buf b;
    memset(&b, 0, sizeof b);
    json_buf_printf(&b, "{\n  \"scenarioHash\": \"%016llx\",\n  \"tasks\": [", (unsigned long long)sim_scenario_hash());
    for (size_t i = 0; i < s->count; i++) {
        json_buf_puts(&b, i ? ",\n    {\"path\": " : "\n    {\"path\": ");
        json_buf_string(&b, s->items[i].path);
        json_buf_puts(&b, ", \"xml\": ");
        json_buf_string(&b, s->items[i].xml);
        json_buf_printf(&b, ", \"lastRun\": %.9f, \"lastResult\": %lu}", s->items[i].last_run,
                        (unsigned long)(uint32_t)s->items[i].last_result);
    }
    json_buf_puts(&b, s->count ? "\n  ]\n}\n" : "]\n}\n");
    char *path = store_path();
    int ok = !b.failed && path && sim_write_file_atomic(path, b.data, b.len) == 0;
    free(path);
    json_buf_free(&b);
    return ok;
}

static task_entry *store_find(task_store *s, const char *path) {
    for (size_t i = 0; i < s->count; i++)
        if (sim_utf8_eq_name(s->items[i].path, path)) return &s->items[i];
    return NULL;
}

/* ------------------------------------------------------------------ paths */

/* Joins a folder path and a task path given to a folder method into "\\A\\B" form.
 * NULL when the name is empty or has a character task names cannot hold. */
static char *task_full_path(const char *folder, const WCHAR_T *given) {
    if (!given) return NULL;
    char *name = sim_w_to_utf8(given);
    if (!name) return NULL;
    char *out = NULL;
    if (!*name || strpbrk(name, "<>:\"/|?*")) goto done;
    size_t fl = strlen(folder), nl = strlen(name);
    out = malloc(fl + nl + 2);
    if (!out) goto done;
    if (name[0] == '\\') memcpy(out, name, nl + 1);
    else if (fl == 1) { out[0] = '\\'; memcpy(out + 1, name, nl + 1); }
    else { memcpy(out, folder, fl); out[fl] = '\\'; memcpy(out + fl + 1, name, nl + 1); }
    size_t ol = strlen(out);
    /* No empty segment, no "." or "..", no segment that begins or ends with a space (RegisterTask). */
    int bad = ol < 2 || out[ol - 1] == '\\' || strstr(out, "\\\\") || strstr(out, "\\ ") || strstr(out, " \\") || out[ol - 1] == ' ';
    for (const char *seg = out; !bad && seg; seg = strchr(seg + 1, '\\'))
        bad = strncmp(seg, "\\.\\", 3) == 0 || strcmp(seg, "\\.") == 0 || strncmp(seg, "\\..\\", 4) == 0 || strcmp(seg, "\\..") == 0;
    if (bad) { free(out); out = NULL; }
done:
    free(name);
    return out;
}

/* --------------------------------------------------------------- COM objects */

struct tsim_service { const tsim_ITaskServiceVtbl *vtbl; uint32_t refs; int connected; };
struct tsim_folder { const tsim_ITaskFolderVtbl *vtbl; uint32_t refs; char *path; };
struct tsim_task {
    const tsim_IRegisteredTaskVtbl *vtbl;
    uint32_t refs;
    char *path, *xml;
    double last_run;
    int32_t last_result;
};

static uint32_t add_ref(uint32_t *refs) {
    sim_lock();
    uint32_t r = ++*refs;
    sim_leak_add(SIM_LEAK_COM_REFS, +1);
    sim_unlock();
    return r;
}

/* 1 when this was the last reference. */
static int drop_ref(uint32_t *refs, uint32_t *left) {
    sim_lock();
    int last = 0;
    if (*refs == 0) {
        fprintf(stderr, "clussim: Release of a Task Scheduler object that has no references left was ignored\n");
        sim_log_call("TaskScheduler::Release:invalid");
    } else {
        --*refs;
        sim_leak_add(SIM_LEAK_COM_REFS, -1);
        last = *refs == 0;
    }
    *left = *refs;
    sim_unlock();
    return last;
}

static HRESULT_T query(const char *name, void *self, uint32_t *refs, const sim_guid *riid, void **ppv, const sim_guid *own) {
    uint32_t code;
    if (sim_fault(name, &code)) return (HRESULT_T)code;
    if (!ppv || !riid) return SIM_E_POINTER;
    *ppv = NULL;
    if (!sim_guid_eq(riid, &IID_IUnknown_) && !sim_guid_eq(riid, &IID_IDispatch_) && !sim_guid_eq(riid, own)) return SIM_E_NOINTERFACE;
    add_ref(refs);
    *ppv = self;
    return SIM_S_OK;
}

/* IDispatch (slots 3-6): the bridge binds by vtable, so the simulator does not implement
 * late binding; every method is still fault-checked and logged. */
#define DISPATCH_METHODS(prefix, T, iface) \
    static HRESULT_T SIMCALL prefix##_GetTypeInfoCount(T *This, uint32_t *count) { \
        uint32_t code; \
        (void)This; \
        if (sim_fault(iface "::GetTypeInfoCount", &code)) { return (HRESULT_T)code; } \
        if (!count) { return SIM_E_POINTER; } \
        *count = 0; \
        return SIM_S_OK; \
    } \
    static HRESULT_T SIMCALL prefix##_GetTypeInfo(T *This, uint32_t index, uint32_t lcid, void **info) { \
        uint32_t code; \
        (void)This; (void)index; (void)lcid; \
        if (info) { *info = NULL; } \
        return sim_fault(iface "::GetTypeInfo", &code) ? (HRESULT_T)code : SIM_E_NOTIMPL; \
    } \
    static HRESULT_T SIMCALL prefix##_GetIDsOfNames(T *This, const sim_guid *riid, WCHAR_T **names, uint32_t count, uint32_t lcid, int32_t *ids) { \
        uint32_t code; \
        (void)This; (void)riid; (void)names; (void)count; (void)lcid; (void)ids; \
        return sim_fault(iface "::GetIDsOfNames", &code) ? (HRESULT_T)code : SIM_E_NOTIMPL; \
    } \
    static HRESULT_T SIMCALL prefix##_Invoke(T *This, int32_t id, const sim_guid *riid, uint32_t lcid, uint16_t flags, void *params, \
                                             tsim_variant *result, void *excepInfo, uint32_t *argErr) { \
        uint32_t code; \
        (void)This; (void)id; (void)riid; (void)lcid; (void)flags; (void)params; (void)result; (void)excepInfo; (void)argErr; \
        return sim_fault(iface "::Invoke", &code) ? (HRESULT_T)code : SIM_E_NOTIMPL; \
    }

#define NOT_MODELLED(iface, method) do { uint32_t code_; if (sim_fault(iface "::" method, &code_)) return (HRESULT_T)code_; return SIM_E_NOTIMPL; } while (0)

/* ---- IRegisteredTask ---- */

static HRESULT_T SIMCALL task_QueryInterface(tsim_task *This, const sim_guid *riid, void **ppv) {
    return query("IRegisteredTask::QueryInterface", This, &This->refs, riid, ppv, &IID_IRegisteredTask);
}
static uint32_t SIMCALL task_AddRef(tsim_task *This) { return add_ref(&This->refs); }
static uint32_t SIMCALL task_Release(tsim_task *This) {
    uint32_t left;
    if (drop_ref(&This->refs, &left)) {
        free(This->path);
        free(This->xml);
        free(This);
    }
    return left;
}
DISPATCH_METHODS(task, tsim_task, "IRegisteredTask")

static HRESULT_T out_bstr(const char *utf8, BSTR_T *out) {
    if (!out) return SIM_E_POINTER;
    *out = sim_bstr_from_utf8(utf8);
    return *out ? SIM_S_OK : SIM_E_OUTOFMEMORY;
}

static HRESULT_T SIMCALL task_get_Name(tsim_task *This, BSTR_T *name) {
    uint32_t code;
    if (sim_fault("IRegisteredTask::get_Name", &code)) return (HRESULT_T)code;
    const char *last = strrchr(This->path, '\\');
    return out_bstr(last ? last + 1 : This->path, name);
}
static HRESULT_T SIMCALL task_get_Path(tsim_task *This, BSTR_T *path) {
    uint32_t code;
    if (sim_fault("IRegisteredTask::get_Path", &code)) return (HRESULT_T)code;
    return out_bstr(This->path, path);
}
static HRESULT_T SIMCALL task_get_State(tsim_task *This, int32_t *state) {
    uint32_t code;
    if (sim_fault("IRegisteredTask::get_State", &code)) return (HRESULT_T)code;
    if (!state) return SIM_E_POINTER;
    tsim_task_info info;
    if (tsim_check_definition(This->xml, &info) != SIM_S_OK) return SIM_E_UNEXPECTED;
    *state = info.enabled ? TSIM_TASK_STATE_READY : TSIM_TASK_STATE_DISABLED;
    return SIM_S_OK;
}
static HRESULT_T SIMCALL task_get_Enabled(tsim_task *This, int16_t *enabled) {
    uint32_t code;
    if (sim_fault("IRegisteredTask::get_Enabled", &code)) return (HRESULT_T)code;
    if (!enabled) return SIM_E_POINTER;
    tsim_task_info info;
    if (tsim_check_definition(This->xml, &info) != SIM_S_OK) return SIM_E_UNEXPECTED;
    *enabled = info.enabled ? -1 : 0;   /* VARIANT_BOOL */
    return SIM_S_OK;
}
static HRESULT_T SIMCALL task_put_Enabled(tsim_task *This, int16_t enabled) { (void)This; (void)enabled; NOT_MODELLED("IRegisteredTask", "put_Enabled"); }
static HRESULT_T SIMCALL task_Run(tsim_task *This, tsim_variant params, void **running) {
    (void)This; (void)params; if (running) *running = NULL; NOT_MODELLED("IRegisteredTask", "Run");
}
static HRESULT_T SIMCALL task_RunEx(tsim_task *This, tsim_variant params, LONG_T flags, LONG_T sessionId, BSTR_T user, void **running) {
    (void)This; (void)params; (void)flags; (void)sessionId; (void)user; if (running) *running = NULL; NOT_MODELLED("IRegisteredTask", "RunEx");
}
static HRESULT_T SIMCALL task_GetInstances(tsim_task *This, LONG_T flags, void **tasks) {
    (void)This; (void)flags; if (tasks) *tasks = NULL; NOT_MODELLED("IRegisteredTask", "GetInstances");
}
static HRESULT_T SIMCALL task_get_LastRunTime(tsim_task *This, tsim_date *time_out) {
    uint32_t code;
    if (sim_fault("IRegisteredTask::get_LastRunTime", &code)) return (HRESULT_T)code;
    if (!time_out) return SIM_E_POINTER;
    *time_out = This->last_run;
    return SIM_S_OK;
}
static HRESULT_T SIMCALL task_get_LastTaskResult(tsim_task *This, LONG_T *result) {
    uint32_t code;
    if (sim_fault("IRegisteredTask::get_LastTaskResult", &code)) return (HRESULT_T)code;
    if (!result) return SIM_E_POINTER;
    *result = This->last_result;
    return SIM_S_OK;
}
static HRESULT_T SIMCALL task_get_NumberOfMissedRuns(tsim_task *This, LONG_T *missed) {
    uint32_t code;
    (void)This;
    if (sim_fault("IRegisteredTask::get_NumberOfMissedRuns", &code)) return (HRESULT_T)code;
    if (!missed) return SIM_E_POINTER;
    *missed = 0;
    return SIM_S_OK;
}
static HRESULT_T SIMCALL task_get_NextRunTime(tsim_task *This, tsim_date *time_out) {
    uint32_t code;
    if (sim_fault("IRegisteredTask::get_NextRunTime", &code)) return (HRESULT_T)code;
    if (!time_out) return SIM_E_POINTER;
    tsim_task_info info;
    if (tsim_check_definition(This->xml, &info) != SIM_S_OK) return SIM_E_UNEXPECTED;
    *time_out = tsim_next_run(&info);
    return SIM_S_OK;
}
static HRESULT_T SIMCALL task_get_Definition(tsim_task *This, void **definition) {
    (void)This; if (definition) *definition = NULL; NOT_MODELLED("IRegisteredTask", "get_Definition");
}
static HRESULT_T SIMCALL task_get_Xml(tsim_task *This, BSTR_T *xml) {
    uint32_t code;
    if (sim_fault("IRegisteredTask::get_Xml", &code)) return (HRESULT_T)code;
    return out_bstr(This->xml, xml);
}
static HRESULT_T SIMCALL task_GetSecurityDescriptor(tsim_task *This, LONG_T info, BSTR_T *sddl) {
    (void)This; (void)info; if (sddl) *sddl = NULL; NOT_MODELLED("IRegisteredTask", "GetSecurityDescriptor");
}
static HRESULT_T SIMCALL task_SetSecurityDescriptor(tsim_task *This, BSTR_T sddl, LONG_T flags) {
    (void)This; (void)sddl; (void)flags; NOT_MODELLED("IRegisteredTask", "SetSecurityDescriptor");
}
static HRESULT_T SIMCALL task_Stop(tsim_task *This, LONG_T flags) { (void)This; (void)flags; NOT_MODELLED("IRegisteredTask", "Stop"); }
static HRESULT_T SIMCALL task_GetRunTimes(tsim_task *This, const void *start, const void *end, DWORD_T *count, void **times) {
    (void)This; (void)start; (void)end; (void)count; if (times) *times = NULL; NOT_MODELLED("IRegisteredTask", "GetRunTimes");
}

static const tsim_IRegisteredTaskVtbl task_vtbl = {
    .QueryInterface = task_QueryInterface, .AddRef = task_AddRef, .Release = task_Release,
    .GetTypeInfoCount = task_GetTypeInfoCount, .GetTypeInfo = task_GetTypeInfo, .GetIDsOfNames = task_GetIDsOfNames, .Invoke = task_Invoke,
    .get_Name = task_get_Name, .get_Path = task_get_Path, .get_State = task_get_State, .get_Enabled = task_get_Enabled,
    .put_Enabled = task_put_Enabled, .Run = task_Run, .RunEx = task_RunEx, .GetInstances = task_GetInstances,
    .get_LastRunTime = task_get_LastRunTime, .get_LastTaskResult = task_get_LastTaskResult,
    .get_NumberOfMissedRuns = task_get_NumberOfMissedRuns, .get_NextRunTime = task_get_NextRunTime,
    .get_Definition = task_get_Definition, .get_Xml = task_get_Xml, .GetSecurityDescriptor = task_GetSecurityDescriptor,
    .SetSecurityDescriptor = task_SetSecurityDescriptor, .Stop = task_Stop, .GetRunTimes = task_GetRunTimes,
};

/* A new IRegisteredTask (one reference) with a snapshot of the entry. */
static HRESULT_T new_task(const task_entry *e, tsim_task **out) {
    tsim_task *t = calloc(1, sizeof *t);
    if (!t) return SIM_E_OUTOFMEMORY;
    t->vtbl = &task_vtbl;
    t->path = strdup(e->path);
    t->xml = strdup(e->xml);
    t->last_run = e->last_run;
    t->last_result = e->last_result;
    if (!t->path || !t->xml) {
        free(t->path);
        free(t->xml);
        free(t);
        return SIM_E_OUTOFMEMORY;
    }
    add_ref(&t->refs);
    *out = t;
    return SIM_S_OK;
}

/* ---- ITaskFolder ---- */

static HRESULT_T new_folder(const char *path, tsim_folder **out);

static HRESULT_T SIMCALL folder_QueryInterface(tsim_folder *This, const sim_guid *riid, void **ppv) {
    return query("ITaskFolder::QueryInterface", This, &This->refs, riid, ppv, &IID_ITaskFolder);
}
static uint32_t SIMCALL folder_AddRef(tsim_folder *This) { return add_ref(&This->refs); }
static uint32_t SIMCALL folder_Release(tsim_folder *This) {
    uint32_t left;
    if (drop_ref(&This->refs, &left)) {
        free(This->path);
        free(This);
    }
    return left;
}
DISPATCH_METHODS(folder, tsim_folder, "ITaskFolder")

static HRESULT_T SIMCALL folder_get_Name(tsim_folder *This, BSTR_T *name) {
    uint32_t code;
    if (sim_fault("ITaskFolder::get_Name", &code)) return (HRESULT_T)code;
    const char *last = strrchr(This->path, '\\');
    return out_bstr(This->path[1] ? last + 1 : This->path, name);
}
static HRESULT_T SIMCALL folder_get_Path(tsim_folder *This, BSTR_T *path) {
    uint32_t code;
    if (sim_fault("ITaskFolder::get_Path", &code)) return (HRESULT_T)code;
    return out_bstr(This->path, path);
}

/* Whether a folder exists: the root always, another one while a task lies below it. */
static int folder_exists(const char *path) {
    if (strcmp(path, "\\") == 0) return 1;
    task_store s;
    store_load(&s);
    size_t n = strlen(path);
    int found = 0;
    for (size_t i = 0; i < s.count && !found; i++) {
        if (strlen(s.items[i].path) > n && s.items[i].path[n] == '\\') {
            char *prefix = strdup(s.items[i].path);
            if (prefix) prefix[n] = 0;
            found = prefix && sim_utf8_eq_name(prefix, path);
            free(prefix);
        }
    }
    store_free(&s);
    return found;
}

static HRESULT_T SIMCALL folder_GetFolder(tsim_folder *This, BSTR_T path, tsim_folder **folder) {
    uint32_t code;
    if (sim_fault("ITaskFolder::GetFolder", &code)) return (HRESULT_T)code;
    if (!folder) return SIM_E_POINTER;
    *folder = NULL;
    char *full = task_full_path(This->path, path);
    if (!full) return HR_WIN32(SIM_ERROR_INVALID_NAME);
    sim_lock();
    HRESULT_T hr = folder_exists(full) ? new_folder(full, folder) : HR_WIN32(SIM_ERROR_FILE_NOT_FOUND);
    sim_unlock();
    free(full);
    return hr;
}
static HRESULT_T SIMCALL folder_GetFolders(tsim_folder *This, LONG_T flags, void **folders) {
    (void)This; (void)flags; if (folders) *folders = NULL; NOT_MODELLED("ITaskFolder", "GetFolders");
}
static HRESULT_T SIMCALL folder_CreateFolder(tsim_folder *This, BSTR_T name, tsim_variant sddl, tsim_folder **folder) {
    (void)This; (void)name; (void)sddl; if (folder) *folder = NULL; NOT_MODELLED("ITaskFolder", "CreateFolder");
}
static HRESULT_T SIMCALL folder_DeleteFolder(tsim_folder *This, BSTR_T name, LONG_T flags) {
    (void)This; (void)name; (void)flags; NOT_MODELLED("ITaskFolder", "DeleteFolder");
}

static HRESULT_T SIMCALL folder_GetTask(tsim_folder *This, BSTR_T path, tsim_task **task) {
    uint32_t code;
    if (sim_fault("ITaskFolder::GetTask", &code)) return (HRESULT_T)code;
    if (!task) return SIM_E_POINTER;
    *task = NULL;
    char *full = task_full_path(This->path, path);
    if (!full) return HR_WIN32(SIM_ERROR_INVALID_NAME);
    sim_lock();
    task_store s;
    store_load(&s);
    task_entry *e = store_find(&s, full);
    HRESULT_T hr = e ? new_task(e, task) : HR_WIN32(SIM_ERROR_FILE_NOT_FOUND);
    store_free(&s);
    sim_unlock();
    free(full);
    return hr;
}
static HRESULT_T SIMCALL folder_GetTasks(tsim_folder *This, LONG_T flags, void **tasks) {
    (void)This; (void)flags; if (tasks) *tasks = NULL; NOT_MODELLED("ITaskFolder", "GetTasks");
}

static HRESULT_T SIMCALL folder_DeleteTask(tsim_folder *This, BSTR_T name, LONG_T flags) {
    uint32_t code;
    if (sim_fault("ITaskFolder::DeleteTask", &code)) return (HRESULT_T)code;
    if (flags != 0) return SIM_E_INVALIDARG;   /* "Not supported" (reserved) */
    char *full = task_full_path(This->path, name);
    if (!full) return HR_WIN32(SIM_ERROR_INVALID_NAME);
    sim_scenario *sc = sim_scenario_get();
    HRESULT_T hr = SIM_S_OK;
    sim_lock();
    task_store s;
    store_load(&s);
    task_entry *e = store_find(&s, full);
    if (!e) {
        hr = HR_WIN32(SIM_ERROR_FILE_NOT_FOUND);
    } else if (!sc || !sc->elevated) {
        hr = SIM_E_ACCESSDENIED;   /* a task that runs as SYSTEM is an administrator's */
    } else {
        free(e->path);
        free(e->xml);
        *e = s.items[--s.count];
        if (!store_save(&s)) hr = SIM_E_UNEXPECTED;
    }
    store_free(&s);
    sim_unlock();
    free(full);
    return hr;
}

static int variant_empty(const tsim_variant *v) { return v->vt == TSIM_VT_EMPTY || v->vt == TSIM_VT_NULL; }

/* "SYSTEM", "NT AUTHORITY\SYSTEM", "LocalSystem" or the SID S-1-5-18 (ASCII case ignored). */
static int is_local_system(const WCHAR_T *user) {
    static const char *const names[] = { "SYSTEM", "NT AUTHORITY\\SYSTEM", "LocalSystem", "S-1-5-18" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (sim_wcs_eq_utf8(user, names[i], 1)) return 1;
    return 0;
}

static HRESULT_T SIMCALL folder_RegisterTask(tsim_folder *This, BSTR_T path, BSTR_T xml, LONG_T flags, tsim_variant user,
                                             tsim_variant password, int32_t logonType, tsim_variant sddl, tsim_task **task) {
    uint32_t code;
    if (sim_fault("ITaskFolder::RegisterTask", &code)) return (HRESULT_T)code;
    if (task) *task = NULL;
    if (!xml || !*xml) return SIM_E_INVALIDARG;
    if ((flags & ~0x7F) || !(flags & (TSIM_TASK_VALIDATE_ONLY | TSIM_TASK_CREATE | TSIM_TASK_UPDATE))) return SIM_E_INVALIDARG;
    /* "TASK_VALIDATE_ONLY ... cannot be combined with TASK_CREATE, TASK_UPDATE, or TASK_CREATE_OR_UPDATE". */
    if ((flags & TSIM_TASK_VALIDATE_ONLY) && (flags & (TSIM_TASK_CREATE | TSIM_TASK_UPDATE))) return SIM_E_INVALIDARG;
    if (!variant_empty(&user) && user.vt != TSIM_VT_BSTR) return SIM_E_INVALIDARG;
    if (!variant_empty(&password) && password.vt != TSIM_VT_BSTR) return SIM_E_INVALIDARG;
    if (!variant_empty(&sddl) && sddl.vt != TSIM_VT_BSTR) return SIM_E_INVALIDARG;
    if (logonType == TSIM_TASK_LOGON_SERVICE_ACCOUNT) {
        /* A service account has no password; the simulator models LocalSystem only. */
        if (!variant_empty(&password) && password.u.bstrVal && *password.u.bstrVal) return SIM_E_INVALIDARG;
        if (user.vt == TSIM_VT_BSTR && user.u.bstrVal && !is_local_system(user.u.bstrVal)) return HR_WIN32(1332);  /* ERROR_NONE_MAPPED */
    } else if (logonType < 0 || logonType > 6) {
        return SIM_E_INVALIDARG;
    }
    char *full = task_full_path(This->path, path);
    if (!full) return path ? HR_WIN32(SIM_ERROR_INVALID_NAME) : SIM_E_INVALIDARG;
    char *text = sim_w_to_utf8(xml);
    if (!text) {
        free(full);
        return SIM_E_OUTOFMEMORY;
    }
    sim_scenario *sc = sim_scenario_get();
    HRESULT_T hr;
    tsim_task_info info;
    sim_lock();
    task_store s;
    store_load(&s);
    task_entry *existing = store_find(&s, full);
    hr = tsim_check_definition(text, &info);
    if (hr != SIM_S_OK || (flags & TSIM_TASK_VALIDATE_ONLY)) goto done;
    if (!sc || !sc->elevated) { hr = SIM_E_ACCESSDENIED; goto done; }
    if (existing && !(flags & TSIM_TASK_UPDATE)) { hr = HR_WIN32(TSIM_ERROR_ALREADY_EXISTS); goto done; }
    if (!existing && !(flags & TSIM_TASK_CREATE)) { hr = HR_WIN32(SIM_ERROR_FILE_NOT_FOUND); goto done; }
    if (existing) {
        /* An update keeps the run history. */
        char *copy = strdup(text);
        if (!copy) { hr = SIM_E_OUTOFMEMORY; goto done; }
        free(existing->xml);
        existing->xml = copy;
    } else if (!store_add(&s, full, text, NEVER_RAN_DATE, TSIM_SCHED_S_TASK_HAS_NOT_RUN)) {
        hr = SIM_E_OUTOFMEMORY;
        goto done;
    }
    if (!store_save(&s)) { hr = SIM_E_UNEXPECTED; goto done; }
    if (task) hr = new_task(store_find(&s, full), task);
done:
    store_free(&s);
    sim_unlock();
    free(text);
    free(full);
    return hr;
}

static HRESULT_T SIMCALL folder_RegisterTaskDefinition(tsim_folder *This, BSTR_T path, void *definition, LONG_T flags, tsim_variant user,
                                                       tsim_variant password, int32_t logonType, tsim_variant sddl, tsim_task **task) {
    (void)This; (void)path; (void)definition; (void)flags; (void)user; (void)password; (void)logonType; (void)sddl;
    if (task) *task = NULL;
    NOT_MODELLED("ITaskFolder", "RegisterTaskDefinition");
}
static HRESULT_T SIMCALL folder_GetSecurityDescriptor(tsim_folder *This, LONG_T info, BSTR_T *sddl) {
    (void)This; (void)info; if (sddl) *sddl = NULL; NOT_MODELLED("ITaskFolder", "GetSecurityDescriptor");
}
static HRESULT_T SIMCALL folder_SetSecurityDescriptor(tsim_folder *This, BSTR_T sddl, LONG_T flags) {
    (void)This; (void)sddl; (void)flags; NOT_MODELLED("ITaskFolder", "SetSecurityDescriptor");
}

static const tsim_ITaskFolderVtbl folder_vtbl = {
    .QueryInterface = folder_QueryInterface, .AddRef = folder_AddRef, .Release = folder_Release,
    .GetTypeInfoCount = folder_GetTypeInfoCount, .GetTypeInfo = folder_GetTypeInfo, .GetIDsOfNames = folder_GetIDsOfNames,
    .Invoke = folder_Invoke, .get_Name = folder_get_Name, .get_Path = folder_get_Path, .GetFolder = folder_GetFolder,
    .GetFolders = folder_GetFolders, .CreateFolder = folder_CreateFolder, .DeleteFolder = folder_DeleteFolder,
    .GetTask = folder_GetTask, .GetTasks = folder_GetTasks, .DeleteTask = folder_DeleteTask, .RegisterTask = folder_RegisterTask,
    .RegisterTaskDefinition = folder_RegisterTaskDefinition, .GetSecurityDescriptor = folder_GetSecurityDescriptor,
    .SetSecurityDescriptor = folder_SetSecurityDescriptor,
};

static HRESULT_T new_folder(const char *path, tsim_folder **out) {
    tsim_folder *f = calloc(1, sizeof *f);
    if (!f) return SIM_E_OUTOFMEMORY;
    f->vtbl = &folder_vtbl;
    f->path = strdup(path);
    if (!f->path) {
        free(f);
        return SIM_E_OUTOFMEMORY;
    }
    add_ref(&f->refs);
    *out = f;
    return SIM_S_OK;
}

/* ---- ITaskService ---- */

static HRESULT_T SIMCALL service_QueryInterface(tsim_service *This, const sim_guid *riid, void **ppv) {
    return query("ITaskService::QueryInterface", This, &This->refs, riid, ppv, &IID_ITaskService);
}
static uint32_t SIMCALL service_AddRef(tsim_service *This) { return add_ref(&This->refs); }
static uint32_t SIMCALL service_Release(tsim_service *This) {
    uint32_t left;
    if (drop_ref(&This->refs, &left)) free(This);
    return left;
}
DISPATCH_METHODS(service, tsim_service, "ITaskService")

static HRESULT_T SIMCALL service_GetFolder(tsim_service *This, BSTR_T path, tsim_folder **folder) {
    uint32_t code;
    if (sim_fault("ITaskService::GetFolder", &code)) return (HRESULT_T)code;
    if (!folder) return SIM_E_POINTER;
    *folder = NULL;
    if (!This->connected) return HR_WIN32(TSIM_ERROR_ONLY_IF_CONNECTED);
    char *p = path && *path ? sim_w_to_utf8(path) : strdup("\\");
    if (!p) return SIM_E_OUTOFMEMORY;
    HRESULT_T hr;
    if (strcmp(p, "\\") == 0) {
        hr = new_folder("\\", folder);
    } else {
        WCHAR_T *w = sim_utf8_to_w(p);
        char *full = w ? task_full_path("\\", w) : NULL;
        free(w);
        sim_lock();
        hr = !full ? HR_WIN32(SIM_ERROR_INVALID_NAME) : folder_exists(full) ? new_folder(full, folder) : HR_WIN32(SIM_ERROR_FILE_NOT_FOUND);
        sim_unlock();
        free(full);
    }
    free(p);
    return hr;
}
static HRESULT_T SIMCALL service_GetRunningTasks(tsim_service *This, LONG_T flags, void **tasks) {
    (void)This; (void)flags; if (tasks) *tasks = NULL; NOT_MODELLED("ITaskService", "GetRunningTasks");
}
static HRESULT_T SIMCALL service_NewTask(tsim_service *This, DWORD_T flags, void **definition) {
    (void)This; (void)flags; if (definition) *definition = NULL; NOT_MODELLED("ITaskService", "NewTask");
}

static HRESULT_T SIMCALL service_Connect(tsim_service *This, tsim_variant server, tsim_variant user, tsim_variant domain, tsim_variant password) {
    uint32_t code;
    if (sim_fault("ITaskService::Connect", &code)) return (HRESULT_T)code;
    const tsim_variant *all[] = { &server, &user, &domain, &password };
    for (size_t i = 0; i < 4; i++)
        if (!variant_empty(all[i]) && all[i]->vt != TSIM_VT_BSTR) return SIM_E_INVALIDARG;
    if (server.vt == TSIM_VT_BSTR && server.u.bstrVal && *server.u.bstrVal) {
        char *name = sim_w_to_utf8(server.u.bstrVal);
        int local = name && sim_is_local_name(name);
        free(name);
        if (!local) return HR_WIN32(TSIM_ERROR_BAD_NETPATH);   /* the simulator has no other computers' schedulers */
    }
    This->connected = 1;
    return SIM_S_OK;
}
static HRESULT_T SIMCALL service_get_Connected(tsim_service *This, int16_t *connected) {
    uint32_t code;
    if (sim_fault("ITaskService::get_Connected", &code)) return (HRESULT_T)code;
    if (!connected) return SIM_E_POINTER;
    *connected = This->connected ? -1 : 0;
    return SIM_S_OK;
}
static HRESULT_T SIMCALL service_get_TargetServer(tsim_service *This, BSTR_T *server) {
    uint32_t code;
    if (sim_fault("ITaskService::get_TargetServer", &code)) return (HRESULT_T)code;
    if (!This->connected) return HR_WIN32(TSIM_ERROR_ONLY_IF_CONNECTED);
    sim_scenario *sc = sim_scenario_get();
    return out_bstr(sc ? sc->machine : "", server);
}
static HRESULT_T SIMCALL service_get_ConnectedUser(tsim_service *This, BSTR_T *user) {
    (void)This; if (user) *user = NULL; NOT_MODELLED("ITaskService", "get_ConnectedUser");
}
static HRESULT_T SIMCALL service_get_ConnectedDomain(tsim_service *This, BSTR_T *domain) {
    (void)This; if (domain) *domain = NULL; NOT_MODELLED("ITaskService", "get_ConnectedDomain");
}
static HRESULT_T SIMCALL service_get_HighestVersion(tsim_service *This, DWORD_T *version) {
    uint32_t code;
    if (sim_fault("ITaskService::get_HighestVersion", &code)) return (HRESULT_T)code;
    if (!version) return SIM_E_POINTER;
    if (!This->connected) return HR_WIN32(TSIM_ERROR_ONLY_IF_CONNECTED);
    *version = (1u << 16) | 4u;   /* 1.4: Windows 10 / Server 2016 */
    return SIM_S_OK;
}

static const tsim_ITaskServiceVtbl service_vtbl = {
    .QueryInterface = service_QueryInterface, .AddRef = service_AddRef, .Release = service_Release,
    .GetTypeInfoCount = service_GetTypeInfoCount, .GetTypeInfo = service_GetTypeInfo, .GetIDsOfNames = service_GetIDsOfNames,
    .Invoke = service_Invoke, .GetFolder = service_GetFolder, .GetRunningTasks = service_GetRunningTasks, .NewTask = service_NewTask,
    .Connect = service_Connect, .get_Connected = service_get_Connected, .get_TargetServer = service_get_TargetServer,
    .get_ConnectedUser = service_get_ConnectedUser, .get_ConnectedDomain = service_get_ConnectedDomain,
    .get_HighestVersion = service_get_HighestVersion,
};

/* ------------------------------------------------------------ the exports */

#define CLSCTX_INPROC_SERVER 0x1u

SIMAPI HRESULT_T SIMCALL CoCreateInstance(const sim_guid *rclsid, void *pUnkOuter, DWORD_T dwClsContext, const sim_guid *riid, void **ppv) {
    uint32_t code;
    if (sim_fault("CoCreateInstance", &code)) return (HRESULT_T)code;
    if (!ppv) return SIM_E_POINTER;
    *ppv = NULL;
    if (!rclsid || !riid) return SIM_E_INVALIDARG;
    if (sim_thread()->com_init_count == 0) return SIM_CO_E_NOTINITIALIZED;
    if (sim_guid_eq(rclsid, &sim_CLSID_GlobalOptions)) return sim_global_options_create(pUnkOuter, dwClsContext, riid, ppv);
    if (!sim_guid_eq(rclsid, &CLSID_TaskScheduler)) return TSIM_REGDB_E_CLASSNOTREG;
    if (pUnkOuter) return TSIM_CLASS_E_NOAGGREGATION;
    if (!(dwClsContext & CLSCTX_INPROC_SERVER)) return TSIM_REGDB_E_CLASSNOTREG;   /* taskschd.dll is an in-process server */
    if (!sim_guid_eq(riid, &IID_ITaskService) && !sim_guid_eq(riid, &IID_IUnknown_) && !sim_guid_eq(riid, &IID_IDispatch_))
        return SIM_E_NOINTERFACE;
    tsim_service *s = calloc(1, sizeof *s);
    if (!s) return SIM_E_OUTOFMEMORY;
    s->vtbl = &service_vtbl;
    add_ref(&s->refs);
    *ppv = s;
    return SIM_S_OK;
}

/* Control export for tests: records that the task at utf8Path ran at lastRun (a DATE)
 * with lastResult, as the Task Scheduler service would after a run. 0 done, 2 no such
 * task, 21 no scenario. */
SIMAPI int32_t SIMCALL ClusSimSetTaskRun(const char *utf8Path, double lastRun, int32_t lastResult) {
    if (!sim_scenario_get()) return 21;
    if (!utf8Path || !isfinite(lastRun)) return 87;
    sim_lock();
    task_store s;
    store_load(&s);
    task_entry *e = store_find(&s, utf8Path);
    int32_t rc = 2;
    if (e) {
        e->last_run = lastRun;
        e->last_result = lastResult;
        rc = store_save(&s) ? 0 : 5;
    }
    store_free(&s);
    sim_unlock();
    return rc;
}
