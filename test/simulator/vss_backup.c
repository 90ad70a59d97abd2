/*
 * IVssBackupComponents (with the Ex and Ex2 slots) and the vssapi.dll exports
 * CreateVssBackupComponentsInternal and VssFreeSnapshotPropertiesInternal.
 *
 * One object serves one backup or one restore. Calls out of the documented order
 * (docs/windows.md, VSS backup and restore sequences) fail with VSS_E_BAD_STATE, unknown writers and components
 * with VSS_E_OBJECT_NOT_FOUND. DoSnapshotSet copies the ClusDb files into
 * <scenario folder>/snapshots/<n>/<path relative to the volume>; the copy is deleted
 * by AbortBackup, DeleteSnapshots or the last Release.
 */
#define _GNU_SOURCE
#include "vss_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BC "IVssBackupComponents::"
#define BC_EX "IVssBackupComponentsEx::"
#define BC_EX2 "IVssBackupComponentsEx2::"
#define MAX_WRITER_IDS 64

typedef enum { MODE_NEW, MODE_BACKUP, MODE_RESTORE } bc_mode;

typedef struct vss_bc {
    IVssBackupComponentsEx2 iface;
    uint32_t refs;                     /* the caller's references */
    uint32_t holds;                    /* IVssAsync objects still alive */
    bc_mode mode;
    int aborted;
    LONG context;
    int context_set;

    /* writer selection (before GatherWriterMetadata) */
    int enabled_only;
    uint32_t enabled_count, disabled_class_count, disabled_instance_count;
    VSS_ID enabled[MAX_WRITER_IDS], disabled_classes[MAX_WRITER_IDS], disabled_instances[MAX_WRITER_IDS];

    int backup_state_set;
    int metadata_gathered, metadata_freed;
    vss_metadata *writer;              /* the gathered Cluster Database writer; NULL when absent */
    uint32_t reached;                  /* furthest writer step (a VSS_WS_FAILED_AT_* number) */
    int status_gathered;
    int status_has_writer;
    uint32_t status_state;
    HRESULT status_failure;

    int snapshot_set_started;
    VSS_ID snapshot_set_id;
    int volume_added;
    char volume[512];
    VSS_ID snapshot_id;
    int prepared;
    int snapshot_done;
    char *snapshot_dir;                /* the snapshot's device object (a real folder) */
    LONGLONG snapshot_time;
    int backup_completed;

    int pre_restored, post_restored;

    vss_doc doc;
    struct vss_async *pending;         /* the operation in progress, if any */
} vss_bc;

static vss_bc *bc_impl(IVssBackupComponentsEx2 *p) { return (vss_bc *)p; }

/* =========================================================== helpers */

static void delete_snapshot(vss_bc *bc)
{
    if (!bc->snapshot_dir) return;
    sim_remove_tree(bc->snapshot_dir);
    free(bc->snapshot_dir);
    bc->snapshot_dir = NULL;
}

static void bc_destroy(vss_bc *bc)
{
    delete_snapshot(bc);
    vss_metadata_release(bc->writer);
    vss_doc_clear(&bc->doc);
    free(bc);
}

void vss_bc_hold(vss_bc *bc)
{
    bc->holds++;
}

void vss_bc_unhold(vss_bc *bc)
{
    if (bc->holds == 0) return;
    if (--bc->holds == 0 && bc->refs == 0) bc_destroy(bc);
}

void vss_bc_operation_ended(vss_bc *bc, struct vss_async *a)
{
    if (bc->pending == a) bc->pending = NULL;
}

/* The volume of the ClusDb folder (the drive, or the volume of a mounted folder above it,
 * volumes.c) and, in *rest, the folder's path below that volume's mount point; 0 when there
 * is no scenario or memory ran out. */
static int clusdb_volume(sim_guid *volume, char **rest)
{
    sim_scenario *sc = sim_scenario_get();
    char *mount_point = NULL;
    const char *below;
    if (!sc || !sim_volume_of_path(sc->clusdb_dir, &mount_point, volume, &below)) return 0;
    free(mount_point);
    *rest = vss_strdup(below);
    return *rest != NULL;
}

/* Whether `volume` (a volume GUID path, drive root or mounted folder) names the ClusDb folder's volume. */
static int is_clusdb_volume(const char *volume)
{
    sim_guid named, clusdb;
    char *rest = NULL;
    int same = sim_volume_named(volume, &named) && clusdb_volume(&clusdb, &rest) && sim_guid_eq(&named, &clusdb);
    free(rest);
    return same;
}

/* The writer's state as GatherWriterStatus reports it now. */
static void current_writer_state(const vss_bc *bc, uint32_t *state, HRESULT *failure)
{
    sim_scenario *sc = sim_scenario_get();
    uint32_t fail_at = sc ? sc->writer_fail_at : 0;
    int applies = fail_at == VSS_WS_FAILED_AT_IDENTIFY ||
                  (bc->mode == MODE_BACKUP && fail_at >= VSS_WS_FAILED_AT_PREPARE_BACKUP &&
                   fail_at <= VSS_WS_FAILED_AT_BACKUP_COMPLETE) ||
                  (bc->mode == MODE_RESTORE && (fail_at == VSS_WS_FAILED_AT_PRE_RESTORE ||
                                                fail_at == VSS_WS_FAILED_AT_POST_RESTORE));
    if (applies && fail_at <= bc->reached) {
        *state = fail_at;
        *failure = sc->writer_failure_hr;
    } else {
        *state = VSS_WS_STABLE;
        *failure = S_OK;
    }
}

static void reach(vss_bc *bc, uint32_t step)
{
    if (step > bc->reached) bc->reached = step;
}

/* Whether the Cluster Database writer takes part in this restore and has not failed by `step`
 * (a writer that fails from failAt on does nothing from there). */
static int writer_acts(const vss_bc *bc, uint32_t step)
{
    const sim_scenario *sc = sim_scenario_get();
    return bc->writer != NULL && sc && !(sc->writer_fail_at && sc->writer_fail_at <= step);
}

static int id_listed(const VSS_ID *list, uint32_t count, const VSS_ID *id)
{
    for (uint32_t i = 0; i < count; i++)
        if (vss_guid_eq(&list[i], id)) return 1;
    return 0;
}

/* Is the Cluster Database writer among the writers GatherWriterMetadata reaches? */
static int writer_takes_part(const vss_bc *bc, const vss_metadata *md)
{
    if ((uint32_t)bc->context != VSS_INFINITE && ((uint32_t)bc->context & VSS_VOLSNAP_ATTR_NO_WRITERS)) return 0;
    if (bc->enabled_only && !id_listed(bc->enabled, bc->enabled_count, &md->writer_id)) return 0;
    if (id_listed(bc->disabled_classes, bc->disabled_class_count, &md->writer_id)) return 0;
    if (id_listed(bc->disabled_instances, bc->disabled_instance_count, &md->instance_id)) return 0;
    return 1;
}

/* The Cluster Database writer lives inside the cluster service, as on Windows: it exists
 * only while ClusSvc runs on this machine (lock held). */
static int writer_service_runs(void)
{
    sim_state_refresh();
    sim_node *local = sim_local_node();
    return local && local->service_state == SIM_SVC_RUNNING;
}

/* The persisted count of StartSnapshotSet calls already refused, so that a retry in
 * this or another process sees the refusals run out. */
static char *in_progress_state_path(void)
{
    sim_scenario *sc = sim_scenario_get();
    if (!sc) return NULL;
    size_t n = strlen(sc->path);
    char *p = malloc(n + sizeof ".vss-state.json");
    if (p) {
        memcpy(p, sc->path, n);
        memcpy(p + n, ".vss-state.json", sizeof ".vss-state.json");
    }
    return p;
}

static uint32_t read_refusals(void)
{
    char *path = in_progress_state_path();
    uint32_t value = 0;
    FILE *f = path ? sim_fopen(path, "rb") : NULL;
    if (f) {
        char text[256] = { 0 };
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = 0;
        const char *colon = strchr(text, ':');
        unsigned long v = 0;
        if (colon && sscanf(colon + 1, " %lu", &v) == 1) value = (uint32_t)v;
    }
    free(path);
    return value;
}

static void write_refusals(uint32_t value)
{
    char *path = in_progress_state_path();
    if (!path) return;
    char text[96];
    int n = snprintf(text, sizeof text, "{\"startSnapshotSetRefusals\": %lu}\n", (unsigned long)value);
    sim_write_file_atomic(path, text, (size_t)n);
    free(path);
}

/* The point-in-time copy: every ClusDb file into <scenario folder>/snapshots/<n>/<path
 * below the volume>. */
static HRESULT make_snapshot(vss_bc *bc)
{
    sim_scenario *sc = sim_scenario_get();
    sim_guid volume;
    char *rest = NULL;
    if (!sc || !clusdb_volume(&volume, &rest)) return VSS_E_UNEXPECTED;
    HRESULT hr = VSS_E_UNEXPECTED;
    char *base = sim_path_join(sc->dir, "snapshots");
    char *dir = NULL, *target = NULL;
    uint32_t number = 0;
    if (!base || sim_mkdirs(base) != 0) goto out;
    for (uint32_t n = 1; n < 1000000 && !dir; n++) {
        char name[16];
        snprintf(name, sizeof name, "%lu", (unsigned long)n);
        char *candidate = sim_path_join(base, name);
        if (!candidate) goto out;
        int made = vss_mkdir_new(candidate);
        if (made == 1) {
            dir = candidate;
            number = n;
        } else {
            free(candidate);
            if (made < 0) goto out;
        }
    }
    if (!dir) goto out;
    target = *rest ? sim_path_join(dir, rest) : vss_strdup(dir);
    if (!target || sim_mkdirs(target) != 0) goto out;
    for (uint32_t i = 0; i < sc->file_count && i < SIM_MAX_FILES; i++) {
        char *from = sim_path_join(sc->clusdb_dir, sc->files[i].name);
        char *to = sim_path_join(target, sc->files[i].name);
        /* A file that does not exist on the volume simply is not in the snapshot. */
        int ok = from && to && (!sim_file_exists(from) || sim_copy_file(from, to) == 0);
        free(from);
        free(to);
        if (!ok) goto out;
    }
    bc->snapshot_dir = dir;
    dir = NULL;
    bc->snapshot_time = vss_now_filetime();
    if (sc->mutate_after_snapshot) sim_clusdb_mutate(number);
    hr = S_OK;
out:
    if (dir) {
        sim_remove_tree(dir);
        free(dir);
    }
    free(target);
    free(base);
    free(rest);
    return hr;
}

HRESULT vss_bc_complete(vss_bc *bc, vss_op op)
{
    switch (op) {
    case VSS_OP_GATHER_METADATA: {
        sim_scenario *sc = sim_scenario_get();
        if (!sc) return VSS_E_UNEXPECTED;
        if (sc->writer_present && writer_service_runs()) {
            vss_metadata *md = vss_metadata_from_scenario(sc);
            if (!md) return E_OUTOFMEMORY;
            if (writer_takes_part(bc, md)) bc->writer = md;
            else vss_metadata_release(md);
        }
        bc->metadata_gathered = 1;
        reach(bc, VSS_WS_FAILED_AT_IDENTIFY);
        return S_OK;
    }
    case VSS_OP_PREPARE_BACKUP:
        bc->prepared = 1;
        reach(bc, VSS_WS_FAILED_AT_PREPARE_BACKUP);
        return S_OK;
    case VSS_OP_GATHER_STATUS:
        bc->status_gathered = 1;
        bc->status_has_writer = bc->writer != NULL;
        current_writer_state(bc, &bc->status_state, &bc->status_failure);
        return S_OK;
    case VSS_OP_DO_SNAPSHOT_SET: {
        HRESULT hr = make_snapshot(bc);
        if (FAILED(hr)) return hr;
        bc->snapshot_done = 1;
        /* prepare-snapshot, freeze, thaw and post-snapshot all happen inside DoSnapshotSet */
        reach(bc, VSS_WS_FAILED_AT_POST_SNAPSHOT);
        return S_OK;
    }
    case VSS_OP_BACKUP_COMPLETE:
        bc->backup_completed = 1;
        reach(bc, VSS_WS_FAILED_AT_BACKUP_COMPLETE);
        return S_OK;
    case VSS_OP_PRE_RESTORE:
        bc->pre_restored = 1;
        for (uint32_t i = 0; i < bc->doc.component_count; i++)
            bc->doc.components[i].restore_target = VSS_RT_ORIGINAL;
        reach(bc, VSS_WS_FAILED_AT_PRE_RESTORE);
        if (writer_acts(bc, VSS_WS_FAILED_AT_PRE_RESTORE)) sim_writer_pre_restore();
        return S_OK;
    case VSS_OP_POST_RESTORE: {
        bc->post_restored = 1;
        reach(bc, VSS_WS_FAILED_AT_POST_RESTORE);
        int authoritative = 0;
        /* Only a restore the requester reports as done (VSS_RS_ALL) is taken as the authoritative copy: VSS_RS_NONE and
           VSS_RS_FAILED say the restore did not complete ("VSS_FILE_RESTORE_STATUS enumeration"). */
        for (uint32_t i = 0; i < bc->doc.component_count; i++)
            if (bc->doc.components[i].selected && bc->doc.components[i].authoritative && bc->doc.components[i].file_restore_status == VSS_RS_ALL)
                authoritative = 1;
        if (writer_acts(bc, VSS_WS_FAILED_AT_POST_RESTORE)) sim_writer_post_restore(authoritative);
        return S_OK;
    }
    }
    return VSS_E_UNEXPECTED;
}

/* Starts an asynchronous operation whose preconditions were checked (lock held). */
static HRESULT start_async(vss_bc *bc, vss_op op, HRESULT fail_hr, int hang, IVssAsync **ppAsync)
{
    IVssAsync *a = NULL;
    HRESULT hr = vss_async_create(bc, op, fail_hr, hang, &a);
    if (hr != S_OK) return hr;
    bc->pending = (struct vss_async *)a;
    *ppAsync = a;
    return S_OK;
}

/* The common guard: the object is in this mode, not aborted and not busy. */
static int ready(const vss_bc *bc, bc_mode mode)
{
    return bc->mode == mode && !bc->aborted && !bc->pending;
}

/* Whether the operation may start now: the order of docs/windows.md (VSS sequences) (lock held). */
static int may_start(const vss_bc *bc, vss_op op)
{
    switch (op) {
    case VSS_OP_GATHER_METADATA:
        return !bc->metadata_gathered && ((ready(bc, MODE_BACKUP) && bc->backup_state_set) || ready(bc, MODE_RESTORE));
    case VSS_OP_PREPARE_BACKUP:
        return ready(bc, MODE_BACKUP) && bc->snapshot_set_started && !bc->prepared;
    case VSS_OP_DO_SNAPSHOT_SET:
        return ready(bc, MODE_BACKUP) && bc->prepared && bc->volume_added && !bc->snapshot_done;
    case VSS_OP_GATHER_STATUS:
        return bc->mode != MODE_NEW && !bc->aborted && !bc->pending && bc->metadata_gathered;
    case VSS_OP_BACKUP_COMPLETE:
        return ready(bc, MODE_BACKUP) && bc->snapshot_done && !bc->backup_completed;
    case VSS_OP_PRE_RESTORE:
        return ready(bc, MODE_RESTORE) && bc->metadata_gathered && !bc->pre_restored;
    case VSS_OP_POST_RESTORE:
        return ready(bc, MODE_RESTORE) && bc->pre_restored && !bc->post_restored;
    }
    return 0;
}

/* The methods that hand out an IVssAsync: VSS_E_BAD_STATE out of order, else the
 * operation starts (an injected "fail" or "hang" fault shows in the operation). */
static HRESULT start_operation(IVssBackupComponentsEx2 *This, const char *name, vss_op op, IVssAsync **ppAsync)
{
    HRESULT fail_hr;
    int hang;
    vss_fault_async(name, &fail_hr, &hang);
    if (!ppAsync) return E_INVALIDARG;
    *ppAsync = NULL;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    HRESULT hr = may_start(bc, op) ? start_async(bc, op, fail_hr, hang, ppAsync) : VSS_E_BAD_STATE;
    sim_unlock();
    return hr;
}

static char *component_key(LPCWSTR logical_path, LPCWSTR name, char **name_out)
{
    char *path = vss_w_to_utf8(logical_path);
    *name_out = vss_w_to_utf8(name);
    if (!path || !*name_out) {
        free(path);
        free(*name_out);
        *name_out = NULL;
        return NULL;
    }
    return path;
}

/* The document's component (for the given writer) addressed by a requester. */
static HRESULT find_doc_component(vss_bc *bc, const VSS_ID *writer_id, const VSS_ID *instance_id,
                                  VSS_COMPONENT_TYPE ct, LPCWSTR logical_path, LPCWSTR name,
                                  vss_doc_component **out)
{
    char *n = NULL;
    char *p = component_key(logical_path, name, &n);
    if (!p) return E_OUTOFMEMORY;
    *out = NULL;
    if (bc->doc.has_writer && vss_guid_eq(writer_id, &bc->doc.writer_id) &&
        (!instance_id || vss_guid_is_null(instance_id) || vss_guid_eq(instance_id, &bc->doc.instance_id)))
        *out = vss_doc_find(&bc->doc, (uint32_t)ct, p, n);
    free(p);
    free(n);
    return *out ? S_OK : VSS_E_OBJECT_NOT_FOUND;
}

static HRESULT store_string(char **field, LPCWSTR value)
{
    char *s = value ? vss_w_to_utf8(value) : NULL;
    if (value && !s) return E_OUTOFMEMORY;
    free(*field);
    *field = s;
    return S_OK;
}

/* ============================================================ IUnknown */

static HRESULT STDMETHODCALLTYPE bc_QueryInterface(IVssBackupComponentsEx2 *This, REFIID riid, void **ppv)
{
    /* Ex and Ex2 extend the same vtable, so every one of them is this object. */
    static const IID *const iids[] = { &vss_iid_backup_components, &vss_iid_backup_components_ex,
                                       &vss_iid_backup_components_ex2, NULL };
    return vss_query_interface(BC "QueryInterface", This, &bc_impl(This)->refs, riid, ppv, iids);
}

static ULONG STDMETHODCALLTYPE bc_AddRef(IVssBackupComponentsEx2 *This)
{
    return vss_add_ref(&bc_impl(This)->refs);
}

static ULONG STDMETHODCALLTYPE bc_Release(IVssBackupComponentsEx2 *This)
{
    vss_bc *bc = bc_impl(This);
    int last;
    sim_lock();
    ULONG r = vss_release(&bc->refs, &last);
    /* A live IVssAsync holds the object until it goes too. */
    if (last && bc->holds == 0) bc_destroy(bc);
    sim_unlock();
    return r;
}

/* ====================================================== backup session */

static HRESULT STDMETHODCALLTYPE bc_InitializeForBackup(IVssBackupComponentsEx2 *This, BSTR bstrXML)
{
    HRESULT hr;
    if (vss_fault(BC "InitializeForBackup", NULL, &hr)) return hr;
    char *xml = bstrXML ? vss_w_to_utf8(bstrXML) : NULL;
    if (bstrXML && !xml) return E_OUTOFMEMORY;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    hr = S_OK;
    if (bc->mode != MODE_NEW) {
        hr = VSS_E_BAD_STATE;
    } else if (xml) {
        /* resuming from a saved Backup Components Document */
        vss_doc doc;
        if (!vss_doc_from_xml(xml, &doc)) hr = VSS_E_INVALID_XML_DOCUMENT;
        else bc->doc = doc;
    } else {
        bc->doc.backup_type = VSS_BT_FULL;
        bc->doc.select_components = 1;
    }
    if (hr == S_OK) bc->mode = MODE_BACKUP;
    sim_unlock();
    free(xml);
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_SetContext(IVssBackupComponentsEx2 *This, LONG lContext)
{
    HRESULT hr;
    if (vss_fault(BC "SetContext", NULL, &hr)) return hr;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    uint32_t c = (uint32_t)lContext;
    if (!ready(bc, MODE_BACKUP) || bc->metadata_gathered || bc->context_set) {
        hr = VSS_E_BAD_STATE;
    } else if (c != VSS_CTX_BACKUP && c != VSS_CTX_FILE_SHARE_BACKUP && c != VSS_CTX_NAS_ROLLBACK &&
               c != VSS_CTX_APP_ROLLBACK && c != VSS_CTX_CLIENT_ACCESSIBLE &&
               c != VSS_CTX_CLIENT_ACCESSIBLE_WRITERS && c != VSS_INFINITE) {
        hr = VSS_E_UNSUPPORTED_CONTEXT;
    } else {
        bc->context = lContext;
        bc->context_set = 1;
        hr = S_OK;
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_SetBackupState(IVssBackupComponentsEx2 *This, boolean bSelectComponents,
                                                   boolean bBackupBootableSystemState, VSS_BACKUP_TYPE backupType,
                                                   boolean bPartialFileSupport)
{
    HRESULT hr;
    if (vss_fault(BC "SetBackupState", NULL, &hr)) return hr;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (!ready(bc, MODE_BACKUP) || bc->metadata_gathered) {
        hr = VSS_E_BAD_STATE;
    } else if ((uint32_t)backupType < VSS_BT_FULL || (uint32_t)backupType > VSS_BT_OTHER) {
        hr = E_INVALIDARG;
    } else {
        bc->doc.select_components = bSelectComponents != 0;
        bc->doc.bootable_system_state = bBackupBootableSystemState != 0;
        bc->doc.backup_type = (uint32_t)backupType;
        bc->doc.partial_file_support = bPartialFileSupport != 0;
        bc->backup_state_set = 1;
        hr = S_OK;
    }
    sim_unlock();
    return hr;
}

static HRESULT writer_class_list(IVssBackupComponentsEx2 *This, const char *name, const VSS_ID *ids, UINT count,
                                 VSS_ID *list, uint32_t *list_count, int enable)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    if (!ids && count) return E_INVALIDARG;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (!ready(bc, MODE_BACKUP) || bc->metadata_gathered) {
        /* no effect once GatherWriterMetadata has been called */
        hr = VSS_E_BAD_STATE;
    } else if (*list_count + count > MAX_WRITER_IDS) {
        hr = E_INVALIDARG;
    } else {
        for (UINT i = 0; i < count; i++) list[(*list_count)++] = ids[i];
        if (enable) bc->enabled_only = 1;
        hr = S_OK;
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_DisableWriterClasses(IVssBackupComponentsEx2 *This, const VSS_ID *rgWriterClassId, UINT cClassId)
{
    vss_bc *bc = bc_impl(This);
    return writer_class_list(This, BC "DisableWriterClasses", rgWriterClassId, cClassId, bc->disabled_classes,
                             &bc->disabled_class_count, 0);
}

static HRESULT STDMETHODCALLTYPE bc_EnableWriterClasses(IVssBackupComponentsEx2 *This, const VSS_ID *rgWriterClassId, UINT cClassId)
{
    vss_bc *bc = bc_impl(This);
    return writer_class_list(This, BC "EnableWriterClasses", rgWriterClassId, cClassId, bc->enabled,
                             &bc->enabled_count, 1);
}

static HRESULT STDMETHODCALLTYPE bc_DisableWriterInstances(IVssBackupComponentsEx2 *This, const VSS_ID *rgWriterInstanceId,
                                                           UINT cInstanceId)
{
    vss_bc *bc = bc_impl(This);
    return writer_class_list(This, BC "DisableWriterInstances", rgWriterInstanceId, cInstanceId,
                             bc->disabled_instances, &bc->disabled_instance_count, 0);
}

static HRESULT STDMETHODCALLTYPE bc_GatherWriterMetadata(IVssBackupComponentsEx2 *This, IVssAsync **pAsync)
{
    return start_operation(This, BC "GatherWriterMetadata", VSS_OP_GATHER_METADATA, pAsync);
}

/* The lists of writers a requester reads: the gathered metadata, the gathered status and
 * the document's writer components. */
typedef enum { LIST_METADATA, LIST_STATUS, LIST_COMPONENTS } writer_list;

/* Whether the list can be read now (lock held). */
static int list_readable(const vss_bc *bc, writer_list list)
{
    switch (list) {
    case LIST_METADATA: return bc->mode != MODE_NEW && !bc->aborted && bc->metadata_gathered && !bc->metadata_freed;
    case LIST_STATUS: return bc->status_gathered && !bc->aborted;
    case LIST_COMPONENTS:
        return !bc->aborted && bc->mode != MODE_NEW && (bc->mode != MODE_BACKUP || bc->metadata_gathered);
    }
    return 0;
}

/* GetWriterMetadataCount, GetWriterStatusCount and GetWriterComponentsCount: 1 when the
 * Cluster Database writer is in the list, else 0. */
static HRESULT list_count(IVssBackupComponentsEx2 *This, const char *name, writer_list list, UINT *out)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    if (!out) return E_INVALIDARG;
    *out = 0;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (!list_readable(bc, list)) {
        hr = VSS_E_BAD_STATE;
    } else {
        int has = list == LIST_METADATA ? bc->writer != NULL : list == LIST_STATUS ? bc->status_has_writer : bc->doc.has_writer;
        *out = has ? 1 : 0;
        hr = S_OK;
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_GetWriterMetadataCount(IVssBackupComponentsEx2 *This, UINT *pcWriters)
{
    return list_count(This, BC "GetWriterMetadataCount", LIST_METADATA, pcWriters);
}

static HRESULT writer_metadata(IVssBackupComponentsEx2 *This, const char *name, UINT iWriter, VSS_ID *pidInstance,
                               IVssExamineWriterMetadataEx2 **out)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    if (!pidInstance || !out) return E_INVALIDARG;
    *out = NULL;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (!list_readable(bc, LIST_METADATA)) {
        hr = VSS_E_BAD_STATE;
    } else if (!bc->writer || iWriter != 0) {
        hr = E_INVALIDARG;
    } else {
        *pidInstance = bc->writer->instance_id;
        hr = vss_ewm_create(bc->writer, out);
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_GetWriterMetadata(IVssBackupComponentsEx2 *This, UINT iWriter, VSS_ID *pidInstance,
                                                      IVssExamineWriterMetadata **ppMetadata)
{
    IVssExamineWriterMetadataEx2 *md = NULL;
    HRESULT hr = writer_metadata(This, BC "GetWriterMetadata", iWriter, pidInstance, ppMetadata ? &md : NULL);
    if (ppMetadata) *ppMetadata = (IVssExamineWriterMetadata *)md;
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_GetWriterMetadataEx(IVssBackupComponentsEx2 *This, UINT iWriter, VSS_ID *pidInstance,
                                                        IVssExamineWriterMetadataEx **ppMetadata)
{
    IVssExamineWriterMetadataEx2 *md = NULL;
    HRESULT hr = writer_metadata(This, BC_EX "GetWriterMetadataEx", iWriter, pidInstance, ppMetadata ? &md : NULL);
    if (ppMetadata) *ppMetadata = (IVssExamineWriterMetadataEx *)md;
    return hr;
}

/* FreeWriterMetadata and FreeWriterStatus: the metadata or status list is gone. */
static HRESULT free_list(IVssBackupComponentsEx2 *This, const char *name, writer_list list)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (bc->mode == MODE_NEW) {
        hr = VSS_E_BAD_STATE;
    } else {
        if (list == LIST_STATUS) bc->status_gathered = 0;
        else if (bc->metadata_gathered) bc->metadata_freed = 1;
        hr = S_OK;
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_FreeWriterMetadata(IVssBackupComponentsEx2 *This)
{
    return free_list(This, BC "FreeWriterMetadata", LIST_METADATA);
}

static HRESULT STDMETHODCALLTYPE bc_AddComponent(IVssBackupComponentsEx2 *This, VSS_ID instanceId, VSS_ID writerId,
                                                 VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName)
{
    HRESULT hr;
    if (vss_fault(BC "AddComponent", NULL, &hr)) return hr;
    if (!wszComponentName) return E_INVALIDARG;
    char *name = NULL;
    char *path = component_key(wszLogicalPath, wszComponentName, &name);
    if (!path) return E_OUTOFMEMORY;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    const vss_md_component *m = NULL;
    if (!ready(bc, MODE_BACKUP) || !bc->metadata_gathered || bc->prepared || !bc->doc.select_components) {
        hr = VSS_E_BAD_STATE;
    } else if (!bc->writer || !writer_service_runs() || !vss_guid_eq(&writerId, &bc->writer->writer_id) ||
               !vss_guid_eq(&instanceId, &bc->writer->instance_id) ||
               !(m = vss_metadata_find(bc->writer, (uint32_t)ct, path, name))) {
        hr = VSS_E_OBJECT_NOT_FOUND;
    } else if (vss_doc_find(&bc->doc, (uint32_t)ct, path, name)) {
        hr = VSS_E_OBJECT_ALREADY_EXISTS;
    } else if (bc->doc.component_count >= VSS_MAX_DOC_COMPONENTS) {
        hr = E_OUTOFMEMORY;
    } else {
        hr = S_OK;
        if (!bc->doc.has_writer) {
            bc->doc.writer_name = vss_strdup(bc->writer->writer_name);
            if (!bc->doc.writer_name) hr = E_OUTOFMEMORY;
            bc->doc.has_writer = hr == S_OK;
            bc->doc.writer_id = bc->writer->writer_id;
            bc->doc.instance_id = bc->writer->instance_id;
        }
        if (hr == S_OK) {
            vss_doc_component *c = &bc->doc.components[bc->doc.component_count];
            memset(c, 0, sizeof *c);
            c->type = m->type;
            c->logical_path = path;
            c->name = name;
            c->files = vss_fileset_copy(m->files, m->file_count);
            c->file_count = c->files ? m->file_count : 0;
            c->restore_target = VSS_RT_ORIGINAL;
            path = name = NULL;
            bc->doc.component_count++;
        }
    }
    sim_unlock();
    free(path);
    free(name);
    return hr;
}

static HRESULT backup_component_option(IVssBackupComponentsEx2 *This, const char *method, VSS_ID writerId,
                                       VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName,
                                       LPCWSTR value, int stamp)
{
    HRESULT hr;
    if (vss_fault(method, NULL, &hr)) return hr;
    if (!wszComponentName) return E_INVALIDARG;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    vss_doc_component *c = NULL;
    if (!ready(bc, MODE_BACKUP) || !bc->metadata_gathered || bc->prepared)
        hr = VSS_E_BAD_STATE;
    else if ((hr = find_doc_component(bc, &writerId, NULL, ct, wszLogicalPath, wszComponentName, &c)) == S_OK)
        hr = store_string(stamp ? &c->previous_backup_stamp : &c->backup_options, value);
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_SetBackupOptions(IVssBackupComponentsEx2 *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct,
                                                     LPCWSTR wszLogicalPath, LPCWSTR wszComponentName,
                                                     LPCWSTR wszBackupOptions)
{
    return backup_component_option(This, BC "SetBackupOptions", writerId, ct, wszLogicalPath, wszComponentName,
                                   wszBackupOptions, 0);
}

static HRESULT STDMETHODCALLTYPE bc_SetPreviousBackupStamp(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                           VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath,
                                                           LPCWSTR wszComponentName, LPCWSTR wszPreviousBackupStamp)
{
    return backup_component_option(This, BC "SetPreviousBackupStamp", writerId, ct, wszLogicalPath, wszComponentName,
                                   wszPreviousBackupStamp, 1);
}

static HRESULT STDMETHODCALLTYPE bc_StartSnapshotSet(IVssBackupComponentsEx2 *This, VSS_ID *pSnapshotSetId)
{
    HRESULT hr;
    if (vss_fault(BC "StartSnapshotSet", NULL, &hr)) return hr;
    if (!pSnapshotSetId) return E_INVALIDARG;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    sim_scenario *sc = sim_scenario_get();
    if (!ready(bc, MODE_BACKUP) || !bc->metadata_gathered || bc->snapshot_set_started) {
        hr = VSS_E_BAD_STATE;
    } else {
        uint32_t refused = sc && sc->snapshot_in_progress ? read_refusals() : 0;
        if (sc && refused < sc->snapshot_in_progress) {
            /* another snapshot set is being created: the requester must retry later */
            write_refusals(refused + 1);
            hr = VSS_E_SNAPSHOT_SET_IN_PROGRESS;
        } else {
            vss_guid_new(&bc->snapshot_set_id);
            bc->doc.snapshot_set_id = bc->snapshot_set_id;
            bc->snapshot_set_started = 1;
            *pSnapshotSetId = bc->snapshot_set_id;
            hr = S_OK;
        }
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_AddToSnapshotSet(IVssBackupComponentsEx2 *This, VSS_PWSZ pwszVolumeName,
                                                     VSS_ID ProviderId, VSS_ID *pidSnapshot)
{
    HRESULT hr;
    if (vss_fault(BC "AddToSnapshotSet", NULL, &hr)) return hr;
    if (!pwszVolumeName || !pidSnapshot) return E_INVALIDARG;
    char *volume = vss_w_to_utf8(pwszVolumeName);
    if (!volume) return E_OUTOFMEMORY;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (!ready(bc, MODE_BACKUP) || !bc->snapshot_set_started || bc->snapshot_done) {
        hr = VSS_E_BAD_STATE;
    } else if (!vss_guid_is_null(&ProviderId)) {
        hr = VSS_E_PROVIDER_NOT_REGISTERED;
    } else if (!is_clusdb_volume(volume)) {
        hr = VSS_E_VOLUME_NOT_SUPPORTED;
    } else if (bc->volume_added) {
        hr = VSS_E_OBJECT_ALREADY_EXISTS;
    } else {
        /* The snapshot's original volume is named by its volume GUID path, whatever name was added. */
        sim_guid named;
        sim_volume_named(volume, &named);
        sim_volume_guid_path(&named, bc->volume);
        vss_guid_new(&bc->snapshot_id);
        bc->volume_added = 1;
        *pidSnapshot = bc->snapshot_id;
        hr = S_OK;
    }
    sim_unlock();
    free(volume);
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_IsVolumeSupported(IVssBackupComponentsEx2 *This, VSS_ID ProviderId,
                                                      VSS_PWSZ pwszVolumeName, WINBOOL *pbSupportedByThisProvider)
{
    HRESULT hr;
    (void)This;
    if (vss_fault(BC "IsVolumeSupported", NULL, &hr)) return hr;
    if (!pwszVolumeName || !pbSupportedByThisProvider) return E_INVALIDARG;
    *pbSupportedByThisProvider = 0;
    if (!vss_guid_is_null(&ProviderId)) return VSS_E_PROVIDER_NOT_REGISTERED;
    char *volume = vss_w_to_utf8(pwszVolumeName);
    if (!volume) return E_OUTOFMEMORY;
    sim_lock();
    *pbSupportedByThisProvider = is_clusdb_volume(volume) ? 1 : 0;
    sim_unlock();
    free(volume);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE bc_PrepareForBackup(IVssBackupComponentsEx2 *This, IVssAsync **ppAsync)
{
    return start_operation(This, BC "PrepareForBackup", VSS_OP_PREPARE_BACKUP, ppAsync);
}

static HRESULT STDMETHODCALLTYPE bc_DoSnapshotSet(IVssBackupComponentsEx2 *This, IVssAsync **ppAsync)
{
    return start_operation(This, BC "DoSnapshotSet", VSS_OP_DO_SNAPSHOT_SET, ppAsync);
}

static HRESULT STDMETHODCALLTYPE bc_GatherWriterStatus(IVssBackupComponentsEx2 *This, IVssAsync **pAsync)
{
    return start_operation(This, BC "GatherWriterStatus", VSS_OP_GATHER_STATUS, pAsync);
}

static HRESULT STDMETHODCALLTYPE bc_GetWriterStatusCount(IVssBackupComponentsEx2 *This, UINT *pcWriters)
{
    return list_count(This, BC "GetWriterStatusCount", LIST_STATUS, pcWriters);
}

static HRESULT STDMETHODCALLTYPE bc_GetWriterStatus(IVssBackupComponentsEx2 *This, UINT iWriter, VSS_ID *pidInstance,
                                                    VSS_ID *pidWriter, BSTR *pbstrWriter, VSS_WRITER_STATE *pnStatus,
                                                    HRESULT *phResultFailure)
{
    HRESULT hr;
    if (vss_fault(BC "GetWriterStatus", NULL, &hr)) return hr;
    if (!pidInstance || !pidWriter || !pbstrWriter || !pnStatus || !phResultFailure) return E_INVALIDARG;
    *pbstrWriter = NULL;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (!list_readable(bc, LIST_STATUS)) {
        hr = VSS_E_BAD_STATE;
    } else if (!bc->status_has_writer || iWriter != 0 || !bc->writer) {
        hr = E_INVALIDARG;
    } else {
        *pidInstance = bc->writer->instance_id;
        *pidWriter = bc->writer->writer_id;
        *pnStatus = (VSS_WRITER_STATE)bc->status_state;
        *phResultFailure = bc->status_failure;
        hr = vss_out_bstr(pbstrWriter, bc->writer->writer_name);
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_FreeWriterStatus(IVssBackupComponentsEx2 *This)
{
    return free_list(This, BC "FreeWriterStatus", LIST_STATUS);
}

static HRESULT STDMETHODCALLTYPE bc_SetBackupSucceeded(IVssBackupComponentsEx2 *This, VSS_ID instanceId, VSS_ID writerId,
                                                       VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath,
                                                       LPCWSTR wszComponentName, boolean bSucceded)
{
    HRESULT hr;
    if (vss_fault(BC "SetBackupSucceeded", bSucceded ? "1" : "0", &hr)) return hr;
    if (!wszComponentName) return E_INVALIDARG;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    vss_doc_component *c = NULL;
    if (!ready(bc, MODE_BACKUP) || !bc->snapshot_done || bc->backup_completed)
        hr = VSS_E_BAD_STATE;
    else if (vss_guid_is_null(&instanceId))
        hr = VSS_E_OBJECT_NOT_FOUND;
    else if ((hr = find_doc_component(bc, &writerId, &instanceId, ct, wszLogicalPath, wszComponentName, &c)) == S_OK)
        c->backup_succeeded = bSucceded != 0;
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_BackupComplete(IVssBackupComponentsEx2 *This, IVssAsync **ppAsync)
{
    return start_operation(This, BC "BackupComplete", VSS_OP_BACKUP_COMPLETE, ppAsync);
}

static HRESULT STDMETHODCALLTYPE bc_SaveAsXML(IVssBackupComponentsEx2 *This, BSTR *pbstrXML)
{
    HRESULT hr;
    if (vss_fault(BC "SaveAsXML", NULL, &hr)) return hr;
    if (!pbstrXML) return E_INVALIDARG;
    *pbstrXML = NULL;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    /* In a backup the document exists once PrepareForBackup has finished. */
    if (bc->aborted || bc->mode == MODE_NEW || (bc->mode == MODE_BACKUP && !bc->prepared)) {
        hr = VSS_E_BAD_STATE;
    } else {
        char *xml = vss_doc_to_xml(&bc->doc);
        hr = xml ? vss_out_bstr(pbstrXML, xml) : E_OUTOFMEMORY;
        free(xml);
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_AbortBackup(IVssBackupComponentsEx2 *This)
{
    HRESULT hr;
    if (vss_fault(BC "AbortBackup", NULL, &hr)) return hr;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (bc->mode != MODE_BACKUP) {
        hr = VSS_E_BAD_STATE;
    } else {
        if (bc->pending) vss_async_abandon(bc->pending);
        delete_snapshot(bc);
        bc->aborted = 1;
        hr = S_OK;
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_DeleteSnapshots(IVssBackupComponentsEx2 *This, VSS_ID SourceObjectId,
                                                    VSS_OBJECT_TYPE eSourceObjectType, WINBOOL bForceDelete,
                                                    LONG *plDeletedSnapshots, VSS_ID *pNondeletedSnapshotID)
{
    HRESULT hr;
    (void)bForceDelete;
    if (vss_fault(BC "DeleteSnapshots", NULL, &hr)) return hr;
    if (!plDeletedSnapshots || !pNondeletedSnapshotID) return E_INVALIDARG;
    *plDeletedSnapshots = 0;
    memset(pNondeletedSnapshotID, 0, sizeof *pNondeletedSnapshotID);
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (bc->mode != MODE_BACKUP || bc->pending) {
        hr = VSS_E_BAD_STATE;
    } else if (eSourceObjectType != VSS_OBJECT_SNAPSHOT_SET && eSourceObjectType != VSS_OBJECT_SNAPSHOT) {
        hr = E_INVALIDARG;
    } else if (!bc->snapshot_dir ||
               !(eSourceObjectType == VSS_OBJECT_SNAPSHOT_SET ? vss_guid_eq(&SourceObjectId, &bc->snapshot_set_id)
                                                              : vss_guid_eq(&SourceObjectId, &bc->snapshot_id))) {
        hr = VSS_E_OBJECT_NOT_FOUND;
    } else {
        delete_snapshot(bc);
        *plDeletedSnapshots = 1;
        hr = S_OK;
    }
    sim_unlock();
    return hr;
}

/* ---- the strings of VSS_SNAPSHOT_PROP: tracked so that VssFreeSnapshotProperties frees
 * exactly what was handed out; the leak report counts unfreed properties. */

typedef struct prop_group { uint32_t remaining; } prop_group;
typedef struct prop_string { VSS_PWSZ text; prop_group *group; struct prop_string *next; } prop_string;
static prop_string *live_prop_strings;

static VSS_PWSZ prop_string_new(const char *utf8, prop_group *group)
{
    if (!utf8) return NULL;
    prop_string *e = calloc(1, sizeof *e);
    VSS_PWSZ w = (VSS_PWSZ)sim_utf8_to_w(utf8);
    if (!e || !w) {
        free(e);
        free(w);
        return NULL;
    }
    e->text = w;
    e->group = group;
    e->next = live_prop_strings;
    live_prop_strings = e;
    group->remaining++;
    return w;
}

/* Frees one handed-out string (lock held); 1 when it was one. */
static int prop_string_free(VSS_PWSZ text)
{
    if (!text) return 0;
    for (prop_string **pp = &live_prop_strings; *pp; pp = &(*pp)->next) {
        if ((*pp)->text != text) continue;
        prop_string *e = *pp;
        *pp = e->next;
        if (--e->group->remaining == 0) {
            free(e->group);
            sim_leak_add(SIM_LEAK_SNAPSHOT_PROPS, -1);
        }
        free(e->text);
        free(e);
        return 1;
    }
    return 0;
}

static HRESULT STDMETHODCALLTYPE bc_GetSnapshotProperties(IVssBackupComponentsEx2 *This, VSS_ID SnapshotId,
                                                          VSS_SNAPSHOT_PROP *pProp)
{
    HRESULT hr;
    if (vss_fault(BC "GetSnapshotProperties", NULL, &hr)) return hr;
    if (!pProp) return E_INVALIDARG;
    memset(pProp, 0, sizeof *pProp);
    sim_lock();
    vss_bc *bc = bc_impl(This);
    sim_scenario *sc = sim_scenario_get();
    if (bc->mode != MODE_BACKUP || !bc->volume_added || !vss_guid_eq(&SnapshotId, &bc->snapshot_id) ||
        (bc->snapshot_done && !bc->snapshot_dir)) {
        hr = VSS_E_OBJECT_NOT_FOUND;   /* unknown, or deleted already */
    } else if (!bc->snapshot_done) {
        hr = VSS_E_BAD_STATE;          /* DoSnapshotSet has not finished */
    } else {
        prop_group *group = calloc(1, sizeof *group);
        const char *machine = sc ? sc->machine : "";
        hr = E_OUTOFMEMORY;
        if (group) {
            pProp->m_SnapshotId = bc->snapshot_id;
            pProp->m_SnapshotSetId = bc->snapshot_set_id;
            pProp->m_lSnapshotsCount = 1;
            pProp->m_pwszSnapshotDeviceObject = prop_string_new(bc->snapshot_dir, group);
            pProp->m_pwszOriginalVolumeName = prop_string_new(bc->volume, group);
            pProp->m_pwszOriginatingMachine = prop_string_new(machine, group);
            pProp->m_pwszServiceMachine = prop_string_new(machine, group);
            pProp->m_pwszExposedName = NULL;
            pProp->m_pwszExposedPath = NULL;
            memset(&pProp->m_ProviderId, 0, sizeof pProp->m_ProviderId);
            /* {b5946137-7b9f-4925-af80-51abd60b20d5}: the system software provider */
            vss_guid_parse("b5946137-7b9f-4925-af80-51abd60b20d5", &pProp->m_ProviderId);
            pProp->m_lSnapshotAttributes = (LONG)(VSS_VOLSNAP_ATTR_DIFFERENTIAL | VSS_VOLSNAP_ATTR_AUTORECOVER |
                                                  ((uint32_t)bc->context & 0x1Fu));
            pProp->m_tsCreationTimestamp = bc->snapshot_time;
            pProp->m_eStatus = VSS_SS_CREATED;
            if (pProp->m_pwszSnapshotDeviceObject && pProp->m_pwszOriginalVolumeName &&
                pProp->m_pwszOriginatingMachine && pProp->m_pwszServiceMachine) {
                sim_leak_add(SIM_LEAK_SNAPSHOT_PROPS, +1);
                hr = S_OK;
            } else {
                /* undo: the group goes away with its last string */
                sim_leak_add(SIM_LEAK_SNAPSHOT_PROPS, +1);
                VSS_PWSZ *fields[] = { &pProp->m_pwszSnapshotDeviceObject, &pProp->m_pwszOriginalVolumeName,
                                       &pProp->m_pwszOriginatingMachine, &pProp->m_pwszServiceMachine };
                int any = 0;
                for (size_t i = 0; i < 4; i++) {
                    any |= prop_string_free(*fields[i]);
                    *fields[i] = NULL;
                }
                if (!any) {
                    free(group);
                    sim_leak_add(SIM_LEAK_SNAPSHOT_PROPS, -1);
                }
            }
        }
    }
    sim_unlock();
    return hr;
}

/* ===================================================== restore session */

static HRESULT STDMETHODCALLTYPE bc_InitializeForRestore(IVssBackupComponentsEx2 *This, BSTR bstrXML)
{
    HRESULT hr;
    if (vss_fault(BC "InitializeForRestore", NULL, &hr)) return hr;
    if (!bstrXML) return E_INVALIDARG;
    char *xml = vss_w_to_utf8(bstrXML);
    if (!xml) return E_OUTOFMEMORY;
    vss_doc doc;
    int valid = vss_doc_from_xml(xml, &doc);
    free(xml);
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (bc->mode != MODE_NEW) {
        hr = VSS_E_BAD_STATE;
    } else if (!valid) {
        hr = VSS_E_INVALID_XML_DOCUMENT;
    } else {
        for (uint32_t i = 0; i < doc.component_count; i++) {
            doc.components[i].file_restore_status = VSS_RS_UNDEFINED;
            doc.components[i].restore_target = VSS_RT_ORIGINAL;
        }
        bc->doc = doc;
        valid = 0;   /* now owned by the object */
        bc->mode = MODE_RESTORE;
        hr = S_OK;
    }
    sim_unlock();
    if (valid) vss_doc_clear(&doc);
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_SetRestoreState(IVssBackupComponentsEx2 *This, VSS_RESTORE_TYPE restoreType)
{
    HRESULT hr;
    if (vss_fault(BC "SetRestoreState", NULL, &hr)) return hr;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (!ready(bc, MODE_RESTORE) || bc->pre_restored)
        hr = VSS_E_BAD_STATE;
    else if ((uint32_t)restoreType < VSS_RTYPE_BY_COPY || (uint32_t)restoreType > VSS_RTYPE_OTHER)
        hr = E_INVALIDARG;
    else
        hr = S_OK;
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_GetWriterComponentsCount(IVssBackupComponentsEx2 *This, UINT *pcComponents)
{
    return list_count(This, BC "GetWriterComponentsCount", LIST_COMPONENTS, pcComponents);
}

static HRESULT STDMETHODCALLTYPE bc_GetWriterComponents(IVssBackupComponentsEx2 *This, UINT iWriter,
                                                        IVssWriterComponentsExt **ppWriter)
{
    HRESULT hr;
    if (vss_fault(BC "GetWriterComponents", NULL, &hr)) return hr;
    if (!ppWriter) return E_INVALIDARG;
    *ppWriter = NULL;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    if (!list_readable(bc, LIST_COMPONENTS))
        hr = VSS_E_BAD_STATE;
    else if (!bc->doc.has_writer || iWriter != 0)
        hr = E_INVALIDARG;
    else
        hr = vss_writer_components_create(&bc->doc, ppWriter);
    sim_unlock();
    return hr;
}

/* Restore options are set between GatherWriterMetadata and PreRestore, for a component
 * of the saved document whose writer is running now. */
static HRESULT restore_component(vss_bc *bc, const VSS_ID *writer_id, const VSS_ID *instance_id, VSS_COMPONENT_TYPE ct,
                                 LPCWSTR logical_path, LPCWSTR name, int need_running_writer, vss_doc_component **out)
{
    *out = NULL;
    if (!ready(bc, MODE_RESTORE) || bc->pre_restored) return VSS_E_BAD_STATE;
    if (need_running_writer) {
        if (!bc->metadata_gathered) return VSS_E_BAD_STATE;
        if (!bc->writer || !writer_service_runs() || !vss_guid_eq(writer_id, &bc->writer->writer_id)) return VSS_E_OBJECT_NOT_FOUND;
    }
    return find_doc_component(bc, writer_id, instance_id, ct, logical_path, name, out);
}

typedef enum { SET_SELECTED, SET_AUTHORITATIVE, SET_ADDITIONAL_RESTORES, SET_RESTORE_OPTIONS } restore_setting;

/* SetSelectedForRestore[Ex], SetAuthoritativeRestore, SetAdditionalRestores and
 * SetRestoreOptions: one setting (`flag` or `text`) of one component of the document.
 * `detail` goes into the call log. */
static HRESULT set_restore_setting(IVssBackupComponentsEx2 *This, const char *method, const char *detail,
                                   VSS_ID writerId, const VSS_ID *instanceId, VSS_COMPONENT_TYPE ct,
                                   LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, restore_setting what,
                                   boolean flag, LPCWSTR text)
{
    HRESULT hr;
    if (vss_fault(method, detail, &hr)) return hr;
    if (!wszComponentName) return E_INVALIDARG;
    sim_lock();
    vss_doc_component *c = NULL;
    /* Authoritative restore is a property of the restore itself: it does not need the
     * writer running now, only a restore before PreRestore. */
    hr = restore_component(bc_impl(This), &writerId, instanceId, ct, wszLogicalPath, wszComponentName,
                           what != SET_AUTHORITATIVE, &c);
    if (hr == S_OK) {
        switch (what) {
        case SET_SELECTED: c->selected = flag != 0; break;
        case SET_AUTHORITATIVE: c->authoritative = flag != 0; break;
        case SET_ADDITIONAL_RESTORES: c->additional_restores = flag != 0; break;
        case SET_RESTORE_OPTIONS: hr = store_string(&c->restore_options, text); break;
        }
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_SetSelectedForRestore(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                          VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath,
                                                          LPCWSTR wszComponentName, boolean bSelectedForRestore)
{
    return set_restore_setting(This, BC "SetSelectedForRestore", bSelectedForRestore ? "1" : "0", writerId, NULL, ct,
                               wszLogicalPath, wszComponentName, SET_SELECTED, bSelectedForRestore, NULL);
}

static HRESULT STDMETHODCALLTYPE bc_SetSelectedForRestoreEx(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                            VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath,
                                                            LPCWSTR wszComponentName, boolean bSelectedForRestore,
                                                            VSS_ID instanceId)
{
    return set_restore_setting(This, BC_EX "SetSelectedForRestoreEx", bSelectedForRestore ? "1" : "0", writerId,
                               &instanceId, ct, wszLogicalPath, wszComponentName, SET_SELECTED, bSelectedForRestore, NULL);
}

static HRESULT STDMETHODCALLTYPE bc_SetAuthoritativeRestore(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                            VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath,
                                                            LPCWSTR wszComponentName, boolean bAuth)
{
    return set_restore_setting(This, BC_EX2 "SetAuthoritativeRestore", bAuth ? "1" : "0", writerId, NULL, ct,
                               wszLogicalPath, wszComponentName, SET_AUTHORITATIVE, bAuth, NULL);
}

static HRESULT STDMETHODCALLTYPE bc_SetRestoreOptions(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                      VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath,
                                                      LPCWSTR wszComponentName, LPCWSTR wszRestoreOptions)
{
    return set_restore_setting(This, BC "SetRestoreOptions", NULL, writerId, NULL, ct, wszLogicalPath, wszComponentName,
                               SET_RESTORE_OPTIONS, 0, wszRestoreOptions);
}

static HRESULT STDMETHODCALLTYPE bc_SetAdditionalRestores(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                          VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath,
                                                          LPCWSTR wszComponentName, boolean bAdditionalRestores)
{
    return set_restore_setting(This, BC "SetAdditionalRestores", NULL, writerId, NULL, ct, wszLogicalPath,
                               wszComponentName, SET_ADDITIONAL_RESTORES, bAdditionalRestores, NULL);
}

static HRESULT STDMETHODCALLTYPE bc_PreRestore(IVssBackupComponentsEx2 *This, IVssAsync **ppAsync)
{
    return start_operation(This, BC "PreRestore", VSS_OP_PRE_RESTORE, ppAsync);
}

static HRESULT STDMETHODCALLTYPE bc_SetFileRestoreStatus(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                         VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath,
                                                         LPCWSTR wszComponentName, VSS_FILE_RESTORE_STATUS status)
{
    HRESULT hr;
    char detail[16];
    snprintf(detail, sizeof detail, "%u", (unsigned)status);
    if (vss_fault(BC "SetFileRestoreStatus", detail, &hr)) return hr;
    if (!wszComponentName) return E_INVALIDARG;
    sim_lock();
    vss_bc *bc = bc_impl(This);
    vss_doc_component *c = NULL;
    if (!ready(bc, MODE_RESTORE) || !bc->pre_restored || bc->post_restored)
        hr = VSS_E_BAD_STATE;
    else if ((uint32_t)status < VSS_RS_NONE || (uint32_t)status > VSS_RS_FAILED)
        hr = E_INVALIDARG;
    else if ((hr = find_doc_component(bc, &writerId, NULL, ct, wszLogicalPath, wszComponentName, &c)) == S_OK) {
        if (!c->selected) hr = VSS_E_OBJECT_NOT_FOUND;   /* only selected components are restored */
        else c->file_restore_status = (uint32_t)status;
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE bc_PostRestore(IVssBackupComponentsEx2 *This, IVssAsync **ppAsync)
{
    return start_operation(This, BC "PostRestore", VSS_OP_POST_RESTORE, ppAsync);
}

/* ============================================== methods outside the simulation */

static HRESULT not_supported(const char *name)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    return E_NOTIMPL;
}

static HRESULT not_supported_async(const char *name, IVssAsync **ppAsync)
{
    if (ppAsync) *ppAsync = NULL;
    return not_supported(name);
}

static HRESULT STDMETHODCALLTYPE bc_AddAlternativeLocationMapping(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                                  VSS_COMPONENT_TYPE componentType, LPCWSTR wszLogicalPath,
                                                                  LPCWSTR wszComponentName, LPCWSTR wszPath,
                                                                  LPCWSTR wszFilespec, boolean bRecursive,
                                                                  LPCWSTR wszDestination)
{
    (void)This; (void)writerId; (void)componentType; (void)wszLogicalPath; (void)wszComponentName;
    (void)wszPath; (void)wszFilespec; (void)bRecursive; (void)wszDestination;
    return not_supported(BC "AddAlternativeLocationMapping");
}

static HRESULT STDMETHODCALLTYPE bc_AddRestoreSubcomponent(IVssBackupComponentsEx2 *This, VSS_ID writerId,
                                                           VSS_COMPONENT_TYPE componentType, LPCWSTR wszLogicalPath,
                                                           LPCWSTR wszComponentName, LPCWSTR wszSubComponentLogicalPath,
                                                           LPCWSTR wszSubComponentName, boolean bRepair)
{
    (void)This; (void)writerId; (void)componentType; (void)wszLogicalPath; (void)wszComponentName;
    (void)wszSubComponentLogicalPath; (void)wszSubComponentName; (void)bRepair;
    return not_supported(BC "AddRestoreSubcomponent");
}

static HRESULT STDMETHODCALLTYPE bc_AddNewTarget(IVssBackupComponentsEx2 *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct,
                                                 LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszPath,
                                                 LPCWSTR wszFileName, boolean bRecursive, LPCWSTR wszAlternatePath)
{
    (void)This; (void)writerId; (void)ct; (void)wszLogicalPath; (void)wszComponentName;
    (void)wszPath; (void)wszFileName; (void)bRecursive; (void)wszAlternatePath;
    return not_supported(BC "AddNewTarget");
}

static HRESULT STDMETHODCALLTYPE bc_SetRangesFilePath(IVssBackupComponentsEx2 *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct,
                                                      LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, UINT iPartialFile,
                                                      LPCWSTR wszRangesFile)
{
    (void)This; (void)writerId; (void)ct; (void)wszLogicalPath; (void)wszComponentName;
    (void)iPartialFile; (void)wszRangesFile;
    return not_supported(BC "SetRangesFilePath");
}

static HRESULT STDMETHODCALLTYPE bc_ImportSnapshots(IVssBackupComponentsEx2 *This, IVssAsync **ppAsync)
{
    (void)This;
    return not_supported_async(BC "ImportSnapshots", ppAsync);
}

static HRESULT STDMETHODCALLTYPE bc_BreakSnapshotSet(IVssBackupComponentsEx2 *This, VSS_ID SnapshotSetId)
{
    (void)This; (void)SnapshotSetId;
    return not_supported(BC "BreakSnapshotSet");
}

static HRESULT STDMETHODCALLTYPE bc_Query(IVssBackupComponentsEx2 *This, VSS_ID QueriedObjectId,
                                          VSS_OBJECT_TYPE eQueriedObjectType, VSS_OBJECT_TYPE eReturnedObjectsType,
                                          IVssEnumObject **ppEnum)
{
    (void)This; (void)QueriedObjectId; (void)eQueriedObjectType; (void)eReturnedObjectsType;
    if (ppEnum) *ppEnum = NULL;
    return not_supported(BC "Query");
}

static HRESULT STDMETHODCALLTYPE bc_ExposeSnapshot(IVssBackupComponentsEx2 *This, VSS_ID SnapshotId, VSS_PWSZ wszPathFromRoot,
                                                   LONG lAttributes, VSS_PWSZ wszExpose, VSS_PWSZ *pwszExposed)
{
    (void)This; (void)SnapshotId; (void)wszPathFromRoot; (void)lAttributes; (void)wszExpose;
    if (pwszExposed) *pwszExposed = NULL;
    return not_supported(BC "ExposeSnapshot");
}

static HRESULT STDMETHODCALLTYPE bc_RevertToSnapshot(IVssBackupComponentsEx2 *This, VSS_ID SnapshotId, WINBOOL bForceDismount)
{
    (void)This; (void)SnapshotId; (void)bForceDismount;
    return not_supported(BC "RevertToSnapshot");
}

static HRESULT STDMETHODCALLTYPE bc_QueryRevertStatus(IVssBackupComponentsEx2 *This, VSS_PWSZ pwszVolume, IVssAsync **ppAsync)
{
    (void)This; (void)pwszVolume;
    return not_supported_async(BC "QueryRevertStatus", ppAsync);
}

static HRESULT STDMETHODCALLTYPE bc_UnexposeSnapshot(IVssBackupComponentsEx2 *This, VSS_ID snapshotId)
{
    (void)This; (void)snapshotId;
    return not_supported(BC_EX2 "UnexposeSnapshot");
}

static HRESULT STDMETHODCALLTYPE bc_SetRollForward(IVssBackupComponentsEx2 *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct,
                                                   LPCWSTR wszLogicalPath, LPCWSTR wszComponentName,
                                                   VSS_ROLLFORWARD_TYPE rollType, LPCWSTR wszRollForwardPoint)
{
    (void)This; (void)writerId; (void)ct; (void)wszLogicalPath; (void)wszComponentName;
    (void)rollType; (void)wszRollForwardPoint;
    return not_supported(BC_EX2 "SetRollForward");
}

static HRESULT STDMETHODCALLTYPE bc_SetRestoreName(IVssBackupComponentsEx2 *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct,
                                                   LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszRestoreName)
{
    (void)This; (void)writerId; (void)ct; (void)wszLogicalPath; (void)wszComponentName; (void)wszRestoreName;
    return not_supported(BC_EX2 "SetRestoreName");
}

static HRESULT STDMETHODCALLTYPE bc_BreakSnapshotSetEx(IVssBackupComponentsEx2 *This, VSS_ID SnapshotSetID, DWORD dwBreakFlags,
                                                       IVssAsync **ppAsync)
{
    (void)This; (void)SnapshotSetID; (void)dwBreakFlags;
    return not_supported_async(BC_EX2 "BreakSnapshotSetEx", ppAsync);
}

static HRESULT STDMETHODCALLTYPE bc_PreFastRecovery(IVssBackupComponentsEx2 *This, VSS_ID SnapshotSetID,
                                                    DWORD dwPreFastRecoveryFlags, IVssAsync **ppAsync)
{
    (void)This; (void)SnapshotSetID; (void)dwPreFastRecoveryFlags;
    return not_supported_async(BC_EX2 "PreFastRecovery", ppAsync);
}

static HRESULT STDMETHODCALLTYPE bc_FastRecovery(IVssBackupComponentsEx2 *This, VSS_ID SnapshotSetID, DWORD dwFastRecoveryFlags,
                                                 IVssAsync **ppAsync)
{
    (void)This; (void)SnapshotSetID; (void)dwFastRecoveryFlags;
    return not_supported_async(BC_EX2 "FastRecovery", ppAsync);
}

/* ================================================================ vtable */

static const IVssBackupComponentsEx2Vtbl backup_components_vtbl = {
    .QueryInterface = bc_QueryInterface,
    .AddRef = bc_AddRef,
    .Release = bc_Release,
    .GetWriterComponentsCount = bc_GetWriterComponentsCount,
    .GetWriterComponents = bc_GetWriterComponents,
    .InitializeForBackup = bc_InitializeForBackup,
    .SetBackupState = bc_SetBackupState,
    .InitializeForRestore = bc_InitializeForRestore,
    .SetRestoreState = bc_SetRestoreState,
    .GatherWriterMetadata = bc_GatherWriterMetadata,
    .GetWriterMetadataCount = bc_GetWriterMetadataCount,
    .GetWriterMetadata = bc_GetWriterMetadata,
    .FreeWriterMetadata = bc_FreeWriterMetadata,
    .AddComponent = bc_AddComponent,
    .PrepareForBackup = bc_PrepareForBackup,
    .AbortBackup = bc_AbortBackup,
    .GatherWriterStatus = bc_GatherWriterStatus,
    .GetWriterStatusCount = bc_GetWriterStatusCount,
    .FreeWriterStatus = bc_FreeWriterStatus,
    .GetWriterStatus = bc_GetWriterStatus,
    .SetBackupSucceeded = bc_SetBackupSucceeded,
    .SetBackupOptions = bc_SetBackupOptions,
    .SetSelectedForRestore = bc_SetSelectedForRestore,
    .SetRestoreOptions = bc_SetRestoreOptions,
    .SetAdditionalRestores = bc_SetAdditionalRestores,
    .SetPreviousBackupStamp = bc_SetPreviousBackupStamp,
    .SaveAsXML = bc_SaveAsXML,
    .BackupComplete = bc_BackupComplete,
    .AddAlternativeLocationMapping = bc_AddAlternativeLocationMapping,
    .AddRestoreSubcomponent = bc_AddRestoreSubcomponent,
    .SetFileRestoreStatus = bc_SetFileRestoreStatus,
    .AddNewTarget = bc_AddNewTarget,
    .SetRangesFilePath = bc_SetRangesFilePath,
    .PreRestore = bc_PreRestore,
    .PostRestore = bc_PostRestore,
    .SetContext = bc_SetContext,
    .StartSnapshotSet = bc_StartSnapshotSet,
    .AddToSnapshotSet = bc_AddToSnapshotSet,
    .DoSnapshotSet = bc_DoSnapshotSet,
    .DeleteSnapshots = bc_DeleteSnapshots,
    .ImportSnapshots = bc_ImportSnapshots,
    .BreakSnapshotSet = bc_BreakSnapshotSet,
    .GetSnapshotProperties = bc_GetSnapshotProperties,
    .Query = bc_Query,
    .IsVolumeSupported = bc_IsVolumeSupported,
    .DisableWriterClasses = bc_DisableWriterClasses,
    .EnableWriterClasses = bc_EnableWriterClasses,
    .DisableWriterInstances = bc_DisableWriterInstances,
    .ExposeSnapshot = bc_ExposeSnapshot,
    .RevertToSnapshot = bc_RevertToSnapshot,
    .QueryRevertStatus = bc_QueryRevertStatus,
    .GetWriterMetadataEx = bc_GetWriterMetadataEx,
    .SetSelectedForRestoreEx = bc_SetSelectedForRestoreEx,
    .UnexposeSnapshot = bc_UnexposeSnapshot,
    .SetAuthoritativeRestore = bc_SetAuthoritativeRestore,
    .SetRollForward = bc_SetRollForward,
    .SetRestoreName = bc_SetRestoreName,
    .BreakSnapshotSetEx = bc_BreakSnapshotSetEx,
    .PreFastRecovery = bc_PreFastRecovery,
    .FastRecovery = bc_FastRecovery,
};

/* ================================================================ exports */

SIMAPI HRESULT SIMCALL CreateVssBackupComponentsInternal(IVssBackupComponents **ppBackup)
{
    HRESULT hr;
    if (vss_fault("CreateVssBackupComponentsInternal", NULL, &hr)) return hr;
    if (!ppBackup) return E_INVALIDARG;
    *ppBackup = NULL;
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    if (!sc) {
        hr = E_UNEXPECTED;
    } else if (!sc->elevated) {
        /* neither an administrator nor a backup operator */
        hr = E_ACCESSDENIED;
    } else {
        vss_bc *bc = calloc(1, sizeof *bc);
        if (!bc) {
            hr = E_OUTOFMEMORY;
        } else {
            bc->iface.lpVtbl = &backup_components_vtbl;
            bc->refs = 1;
            bc->mode = MODE_NEW;
            vss_com_ref(+1);
            *ppBackup = (IVssBackupComponents *)&bc->iface;
            hr = S_OK;
        }
    }
    sim_unlock();
    return hr;
}

SIMAPI void SIMCALL VssFreeSnapshotPropertiesInternal(VSS_SNAPSHOT_PROP *pProp)
{
    HRESULT hr;
    if (vss_fault("VssFreeSnapshotPropertiesInternal", NULL, &hr)) return;
    if (!pProp) return;
    sim_lock();
    VSS_PWSZ *fields[] = { &pProp->m_pwszSnapshotDeviceObject, &pProp->m_pwszOriginalVolumeName,
                           &pProp->m_pwszOriginatingMachine, &pProp->m_pwszServiceMachine,
                           &pProp->m_pwszExposedName, &pProp->m_pwszExposedPath };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        /* Only strings this library handed out are freed; others are left alone. */
        if (prop_string_free(*fields[i])) *fields[i] = NULL;
    }
    sim_unlock();
}

#ifdef _WIN32
/* The SDK's VssFreeSnapshotProperties is an inline wrapper, but vssapi.dll also exports
 * the name; export it (and the x64 C++ names of the creation functions) as aliases. */
__asm__(".section .drectve\n"
        "\t.ascii \" -export:VssFreeSnapshotProperties=VssFreeSnapshotPropertiesInternal\"\n"
        "\t.ascii \" -export:\\\"?CreateVssBackupComponents@@YAJPEAPEAVIVssBackupComponents@@@Z\\\"=CreateVssBackupComponentsInternal\"\n"
        "\t.ascii \" -export:\\\"?CreateVssExamineWriterMetadata@@YAJPEAGPEAPEAVIVssExamineWriterMetadata@@@Z\\\"=CreateVssExamineWriterMetadataInternal\"\n"
        "\t.text\n");
#else
SIMAPI void SIMCALL VssFreeSnapshotProperties(VSS_SNAPSHOT_PROP *pProp)
{
    VssFreeSnapshotPropertiesInternal(pProp);
}
#endif
