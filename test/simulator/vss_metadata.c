/*
 * The Cluster Database writer's metadata and the objects that show it to a requester:
 * IVssExamineWriterMetadata (with its Ex and Ex2 slots), IVssWMComponent and
 * IVssWMFiledesc, plus the CreateVssExamineWriterMetadataInternal export.
 */
#define _GNU_SOURCE
#include "vss_internal.h"

#include <stdlib.h>
#include <string.h>

/* {41e12264-35d8-479b-8e5c-9b23d1dad37e}: the Cluster Database writer's class id. */
const VSS_ID vss_cluster_writer_id = { 0x41e12264, 0x35d8, 0x479b, { 0x8e, 0x5c, 0x9b, 0x23, 0xd1, 0xda, 0xd3, 0x7e } };
/* The instance id when the scenario names none. */
static const VSS_ID default_instance_id = { 0x6b3a1f0e, 0x52c4, 0x4d0b, { 0x9e, 0x71, 0x0a, 0x5c, 0x2f, 0x8d, 0x41, 0x93 } };

vss_metadata *vss_metadata_from_scenario(const sim_scenario *sc)
{
    vss_metadata *md = calloc(1, sizeof *md);
    if (!md) return NULL;
    md->refs = 1;
    vss_guid_from_sim(&md->writer_id, &sc->writer_id);
    if (vss_guid_is_null(&md->writer_id)) md->writer_id = vss_cluster_writer_id;
    vss_guid_from_sim(&md->instance_id, &sc->writer_instance);
    if (vss_guid_is_null(&md->instance_id)) md->instance_id = default_instance_id;
    md->writer_name = vss_strdup(sc->writer_name[0] ? sc->writer_name : "Cluster Database");
    md->instance_name = vss_strdup("");
    md->usage = VSS_UT_BOOTABLESYSTEMSTATE;
    md->source = VSS_ST_OTHER;
    md->restore_method = sc->restore_method;
    md->writer_restore = VSS_WRE_ALWAYS;   /* the writer takes part in PreRestore/PostRestore */
    md->service = vss_strdup(sc->restore_service);
    md->user_procedure = vss_strdup("");
    md->backup_schema = sc->backup_schema;
    uint32_t count = sc->component_count > SIM_MAX_COMPONENTS ? SIM_MAX_COMPONENTS : sc->component_count;
    md->components = calloc(count ? count : 1, sizeof *md->components);
    int ok = md->writer_name && md->instance_name && md->service && md->user_procedure && md->components;
    uint32_t files = sc->file_count > SIM_MAX_FILES ? SIM_MAX_FILES : sc->file_count;
    for (uint32_t i = 0; ok && i < count; i++) {
        const sim_component *s = &sc->components[i];
        vss_md_component *c = &md->components[md->component_count++];
        c->type = s->type;
        c->logical_path = vss_strdup(s->logical_path);
        c->name = vss_strdup(s->name);
        c->caption = vss_strdup(s->name);
        c->selectable = s->selectable;
        c->files = files ? calloc(files, sizeof *c->files) : NULL;
        ok = c->logical_path && c->name && c->caption && (files == 0 || c->files);
        for (uint32_t f = 0; ok && f < files; f++) {
            c->files[f].path = vss_strdup(sc->clusdb_dir);
            c->files[f].filespec = vss_strdup(sc->files[f].name);
            c->files[f].recursive = 0;
            c->file_count++;
            ok = c->files[f].path && c->files[f].filespec;
        }
    }
    if (!ok) {
        vss_metadata_release(md);
        return NULL;
    }
    return md;
}

/* ======================================================== IVssWMFiledesc */

typedef struct vss_filedesc {
    IVssWMFiledesc iface;
    uint32_t refs;
    char *path, *filespec;
    int recursive;
} vss_filedesc;

static vss_filedesc *fd_impl(IVssWMFiledesc *p) { return (vss_filedesc *)p; }

static HRESULT STDMETHODCALLTYPE fd_QueryInterface(IVssWMFiledesc *This, REFIID riid, void **ppv)
{
    return vss_query_interface("IVssWMFiledesc::QueryInterface", This, &fd_impl(This)->refs, riid, ppv, NULL);
}

static ULONG STDMETHODCALLTYPE fd_AddRef(IVssWMFiledesc *This)
{
    return vss_add_ref(&fd_impl(This)->refs);
}

static ULONG STDMETHODCALLTYPE fd_Release(IVssWMFiledesc *This)
{
    vss_filedesc *f = fd_impl(This);
    int last;
    ULONG r = vss_release(&f->refs, &last);
    if (last) {
        free(f->path);
        free(f->filespec);
        free(f);
    }
    return r;
}

static HRESULT STDMETHODCALLTYPE fd_GetPath(IVssWMFiledesc *This, BSTR *pbstrPath)
{
    return vss_string_method("IVssWMFiledesc::GetPath", pbstrPath, fd_impl(This)->path, 0);
}

static HRESULT STDMETHODCALLTYPE fd_GetFilespec(IVssWMFiledesc *This, BSTR *pbstrFilespec)
{
    return vss_string_method("IVssWMFiledesc::GetFilespec", pbstrFilespec, fd_impl(This)->filespec, 0);
}

static HRESULT STDMETHODCALLTYPE fd_GetRecursive(IVssWMFiledesc *This, boolean *pbRecursive)
{
    HRESULT hr;
    if (vss_fault("IVssWMFiledesc::GetRecursive", NULL, &hr)) return hr;
    if (!pbRecursive) return E_INVALIDARG;
    *pbRecursive = (boolean)(fd_impl(This)->recursive ? 1 : 0);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE fd_GetAlternateLocation(IVssWMFiledesc *This, BSTR *pbstrAlternateLocation)
{
    HRESULT hr;
    (void)This;
    if (vss_fault("IVssWMFiledesc::GetAlternateLocation", NULL, &hr)) return hr;
    return vss_out_bstr_or_null(pbstrAlternateLocation, NULL);   /* the writer names none */
}

static HRESULT STDMETHODCALLTYPE fd_GetBackupTypeMask(IVssWMFiledesc *This, DWORD *pdwTypeMask)
{
    HRESULT hr;
    (void)This;
    if (vss_fault("IVssWMFiledesc::GetBackupTypeMask", NULL, &hr)) return hr;
    if (!pdwTypeMask) return E_INVALIDARG;
    *pdwTypeMask = 0x0F0Fu;   /* VSS_FSBT_ALL_BACKUP_REQUIRED | VSS_FSBT_ALL_SNAPSHOT_REQUIRED */
    return S_OK;
}

static const IVssWMFiledescVtbl filedesc_vtbl = {
    .QueryInterface = fd_QueryInterface,
    .AddRef = fd_AddRef,
    .Release = fd_Release,
    .GetPath = fd_GetPath,
    .GetFilespec = fd_GetFilespec,
    .GetRecursive = fd_GetRecursive,
    .GetAlternateLocation = fd_GetAlternateLocation,
    .GetBackupTypeMask = fd_GetBackupTypeMask,
};

HRESULT vss_filedesc_create(const vss_fileset *fs, IVssWMFiledesc **out)
{
    vss_filedesc *f = calloc(1, sizeof *f);
    if (!f) return E_OUTOFMEMORY;
    f->iface.lpVtbl = &filedesc_vtbl;
    f->refs = 1;
    f->path = vss_strdup(fs->path);
    f->filespec = vss_strdup(fs->filespec);
    f->recursive = fs->recursive;
    if (!f->path || !f->filespec) {
        free(f->path);
        free(f->filespec);
        free(f);
        return E_OUTOFMEMORY;
    }
    vss_com_ref(+1);
    *out = &f->iface;
    return S_OK;
}

/* ======================================================== IVssWMComponent */

typedef struct vss_wmcomponent {
    IVssWMComponent iface;
    uint32_t refs;
    vss_metadata *md;
    uint32_t index;
} vss_wmcomponent;

/* VSS_COMPONENTINFO blocks handed out and not yet freed (FreeComponentInfo checks them). */
typedef struct info_entry { VSS_COMPONENTINFO *info; struct info_entry *next; } info_entry;
static info_entry *live_infos;

static vss_wmcomponent *wmc_impl(IVssWMComponent *p) { return (vss_wmcomponent *)p; }

static HRESULT STDMETHODCALLTYPE wmc_QueryInterface(IVssWMComponent *This, REFIID riid, void **ppv)
{
    return vss_query_interface("IVssWMComponent::QueryInterface", This, &wmc_impl(This)->refs, riid, ppv, NULL);
}

static ULONG STDMETHODCALLTYPE wmc_AddRef(IVssWMComponent *This)
{
    return vss_add_ref(&wmc_impl(This)->refs);
}

/* Release of the objects that show a shared vss_metadata (IVssWMComponent and
 * IVssExamineWriterMetadata): the last reference frees the object and its hold on *md. */
static ULONG release_metadata_view(void *object, uint32_t *refs, vss_metadata **md)
{
    int last;
    sim_lock();
    ULONG r = vss_release(refs, &last);
    if (last) {
        vss_metadata_release(*md);
        free(object);
    }
    sim_unlock();
    return r;
}

static ULONG STDMETHODCALLTYPE wmc_Release(IVssWMComponent *This)
{
    vss_wmcomponent *c = wmc_impl(This);
    return release_metadata_view(c, &c->refs, &c->md);
}

static HRESULT STDMETHODCALLTYPE wmc_GetComponentInfo(IVssWMComponent *This, PVSSCOMPONENTINFO *ppInfo)
{
    HRESULT hr;
    if (vss_fault("IVssWMComponent::GetComponentInfo", NULL, &hr)) return hr;
    if (!ppInfo) return E_INVALIDARG;
    *ppInfo = NULL;
    sim_lock();
    vss_wmcomponent *c = wmc_impl(This);
    const vss_md_component *m = &c->md->components[c->index];
    VSS_COMPONENTINFO *info = calloc(1, sizeof *info);
    info_entry *e = calloc(1, sizeof *e);
    hr = E_OUTOFMEMORY;
    if (info && e) {
        info->type = (VSS_COMPONENT_TYPE)m->type;
        /* A component without a logical path has none: NULL, not "". */
        info->bstrLogicalPath = vss_bstr_or_null(m->logical_path);
        info->bstrComponentName = vss_bstr(m->name);
        info->bstrCaption = vss_bstr_or_null(m->caption);
        info->pbIcon = NULL;
        info->cbIcon = 0;
        info->bRestoreMetadata = 0;
        info->bNotifyOnBackupComplete = 0;
        info->bSelectable = (boolean)(m->selectable ? 1 : 0);
        info->bSelectableForRestore = (boolean)(m->selectable ? 1 : 0);
        info->dwComponentFlags = 0;
        if (m->type == VSS_CT_DATABASE) info->cDatabases = m->file_count;
        else info->cFileCount = m->file_count;
        info->cLogFiles = 0;
        info->cDependencies = 0;
        if (info->bstrComponentName && (info->bstrLogicalPath || !*m->logical_path) &&
            (info->bstrCaption || !*m->caption)) {
            e->info = info;
            e->next = live_infos;
            live_infos = e;
            *ppInfo = info;
            hr = S_OK;
        } else {
            sim_bstr_free((BSTR_T)info->bstrLogicalPath);
            sim_bstr_free((BSTR_T)info->bstrComponentName);
            sim_bstr_free((BSTR_T)info->bstrCaption);
        }
    }
    if (hr != S_OK) {
        free(info);
        free(e);
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE wmc_FreeComponentInfo(IVssWMComponent *This, PVSSCOMPONENTINFO pInfo)
{
    HRESULT hr;
    (void)This;
    if (vss_fault("IVssWMComponent::FreeComponentInfo", NULL, &hr)) return hr;
    sim_lock();
    hr = E_INVALIDARG;   /* not a block this simulator handed out, or freed already */
    for (info_entry **pp = &live_infos; *pp; pp = &(*pp)->next) {
        if ((*pp)->info != pInfo) continue;
        info_entry *e = *pp;
        *pp = e->next;
        sim_bstr_free((BSTR_T)e->info->bstrLogicalPath);
        sim_bstr_free((BSTR_T)e->info->bstrComponentName);
        sim_bstr_free((BSTR_T)e->info->bstrCaption);
        free(e->info);
        free(e);
        hr = S_OK;
        break;
    }
    sim_unlock();
    return hr;
}

static HRESULT wmc_file(IVssWMComponent *This, const char *name, uint32_t type, UINT index, IVssWMFiledesc **out)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    if (!out) return E_INVALIDARG;
    *out = NULL;
    sim_lock();
    vss_wmcomponent *c = wmc_impl(This);
    const vss_md_component *m = &c->md->components[c->index];
    if (m->type != type || index >= m->file_count) hr = E_INVALIDARG;
    else hr = vss_filedesc_create(&m->files[index], out);
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE wmc_GetFile(IVssWMComponent *This, UINT iFile, IVssWMFiledesc **ppFiledesc)
{
    return wmc_file(This, "IVssWMComponent::GetFile", VSS_CT_FILEGROUP, iFile, ppFiledesc);
}

static HRESULT STDMETHODCALLTYPE wmc_GetDatabaseFile(IVssWMComponent *This, UINT iDBFile, IVssWMFiledesc **ppFiledesc)
{
    return wmc_file(This, "IVssWMComponent::GetDatabaseFile", VSS_CT_DATABASE, iDBFile, ppFiledesc);
}

static HRESULT STDMETHODCALLTYPE wmc_GetDatabaseLogFile(IVssWMComponent *This, UINT iDbLogFile, IVssWMFiledesc **ppFiledesc)
{
    HRESULT hr;
    (void)This;
    (void)iDbLogFile;
    if (vss_fault("IVssWMComponent::GetDatabaseLogFile", NULL, &hr)) return hr;
    if (!ppFiledesc) return E_INVALIDARG;
    *ppFiledesc = NULL;
    return E_INVALIDARG;   /* cLogFiles is 0 */
}

static HRESULT STDMETHODCALLTYPE wmc_GetDependency(IVssWMComponent *This, UINT iDependency, IVssWMDependency **ppDependency)
{
    HRESULT hr;
    (void)This;
    (void)iDependency;
    if (vss_fault("IVssWMComponent::GetDependency", NULL, &hr)) return hr;
    if (!ppDependency) return E_INVALIDARG;
    *ppDependency = NULL;
    return E_INVALIDARG;   /* cDependencies is 0 */
}

static const IVssWMComponentVtbl wmcomponent_vtbl = {
    .QueryInterface = wmc_QueryInterface,
    .AddRef = wmc_AddRef,
    .Release = wmc_Release,
    .GetComponentInfo = wmc_GetComponentInfo,
    .FreeComponentInfo = wmc_FreeComponentInfo,
    .GetFile = wmc_GetFile,
    .GetDatabaseFile = wmc_GetDatabaseFile,
    .GetDatabaseLogFile = wmc_GetDatabaseLogFile,
    .GetDependency = wmc_GetDependency,
};

HRESULT vss_wmcomponent_create(vss_metadata *md, uint32_t index, IVssWMComponent **out)
{
    vss_wmcomponent *c = calloc(1, sizeof *c);
    if (!c) return E_OUTOFMEMORY;
    c->iface.lpVtbl = &wmcomponent_vtbl;
    c->refs = 1;
    c->md = md;
    c->index = index;
    vss_metadata_retain(md);
    vss_com_ref(+1);
    *out = &c->iface;
    return S_OK;
}

/* ============================================= IVssExamineWriterMetadata(Ex2) */

typedef struct vss_ewm {
    IVssExamineWriterMetadataEx2 iface;
    uint32_t refs;
    vss_metadata *md;
} vss_ewm;

static vss_ewm *ewm_impl(IVssExamineWriterMetadataEx2 *p) { return (vss_ewm *)p; }

static HRESULT STDMETHODCALLTYPE ewm_QueryInterface(IVssExamineWriterMetadataEx2 *This, REFIID riid, void **ppv)
{
    /* Ex and Ex2 extend the same vtable, so every one of them is this object. */
    static const IID *const iids[] = { &vss_iid_ewm, &vss_iid_ewm_ex, &vss_iid_ewm_ex2, NULL };
    return vss_query_interface("IVssExamineWriterMetadata::QueryInterface", This, &ewm_impl(This)->refs, riid, ppv, iids);
}

static ULONG STDMETHODCALLTYPE ewm_AddRef(IVssExamineWriterMetadataEx2 *This)
{
    return vss_add_ref(&ewm_impl(This)->refs);
}

static ULONG STDMETHODCALLTYPE ewm_Release(IVssExamineWriterMetadataEx2 *This)
{
    vss_ewm *e = ewm_impl(This);
    return release_metadata_view(e, &e->refs, &e->md);
}

static HRESULT identity(IVssExamineWriterMetadataEx2 *This, VSS_ID *pidInstance, VSS_ID *pidWriter,
                        BSTR *pbstrWriterName, BSTR *pbstrInstanceName, VSS_USAGE_TYPE *pUsage, VSS_SOURCE_TYPE *pSource)
{
    if (!pidInstance || !pidWriter || !pbstrWriterName || !pUsage || !pSource) return E_INVALIDARG;
    sim_lock();
    const vss_metadata *md = ewm_impl(This)->md;
    *pidInstance = md->instance_id;
    *pidWriter = md->writer_id;
    *pUsage = (VSS_USAGE_TYPE)md->usage;
    *pSource = (VSS_SOURCE_TYPE)md->source;
    HRESULT hr = vss_out_bstr(pbstrWriterName, md->writer_name);
    if (hr == S_OK && pbstrInstanceName) {
        hr = vss_out_bstr_or_null(pbstrInstanceName, md->instance_name);
        if (hr != S_OK) {
            sim_bstr_free((BSTR_T)*pbstrWriterName);
            *pbstrWriterName = NULL;
        }
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE ewm_GetIdentity(IVssExamineWriterMetadataEx2 *This, VSS_ID *pidInstance, VSS_ID *pidWriter,
                                                 BSTR *pbstrWriterName, VSS_USAGE_TYPE *pUsage, VSS_SOURCE_TYPE *pSource)
{
    HRESULT hr;
    if (vss_fault("IVssExamineWriterMetadata::GetIdentity", NULL, &hr)) return hr;
    return identity(This, pidInstance, pidWriter, pbstrWriterName, NULL, pUsage, pSource);
}

static HRESULT STDMETHODCALLTYPE ewm_GetIdentityEx(IVssExamineWriterMetadataEx2 *This, VSS_ID *pidInstance, VSS_ID *pidWriter,
                                                   BSTR *pbstrWriterName, BSTR *pbstrInstanceName,
                                                   VSS_USAGE_TYPE *pUsage, VSS_SOURCE_TYPE *pSource)
{
    HRESULT hr;
    if (vss_fault("IVssExamineWriterMetadataEx::GetIdentityEx", NULL, &hr)) return hr;
    if (!pbstrInstanceName) return E_INVALIDARG;
    return identity(This, pidInstance, pidWriter, pbstrWriterName, pbstrInstanceName, pUsage, pSource);
}

static HRESULT STDMETHODCALLTYPE ewm_GetFileCounts(IVssExamineWriterMetadataEx2 *This, UINT *pcIncludeFiles,
                                                   UINT *pcExcludeFiles, UINT *pcComponents)
{
    HRESULT hr;
    if (vss_fault("IVssExamineWriterMetadata::GetFileCounts", NULL, &hr)) return hr;
    if (!pcIncludeFiles || !pcExcludeFiles || !pcComponents) return E_INVALIDARG;
    sim_lock();
    *pcIncludeFiles = 0;   /* the writer's files all belong to its components */
    *pcExcludeFiles = 0;
    *pcComponents = ewm_impl(This)->md->component_count;
    sim_unlock();
    return S_OK;
}

static HRESULT no_filedesc(const char *name, IVssWMFiledesc **ppFiledesc)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    if (!ppFiledesc) return E_INVALIDARG;
    *ppFiledesc = NULL;
    return E_INVALIDARG;   /* the list is empty, so every index is out of range */
}

static HRESULT STDMETHODCALLTYPE ewm_GetIncludeFile(IVssExamineWriterMetadataEx2 *This, UINT iFile, IVssWMFiledesc **ppFiledesc)
{
    (void)This;
    (void)iFile;
    return no_filedesc("IVssExamineWriterMetadata::GetIncludeFile", ppFiledesc);
}

static HRESULT STDMETHODCALLTYPE ewm_GetExcludeFile(IVssExamineWriterMetadataEx2 *This, UINT iFile, IVssWMFiledesc **ppFiledesc)
{
    (void)This;
    (void)iFile;
    return no_filedesc("IVssExamineWriterMetadata::GetExcludeFile", ppFiledesc);
}

static HRESULT STDMETHODCALLTYPE ewm_GetAlternateLocationMapping(IVssExamineWriterMetadataEx2 *This, UINT iMapping,
                                                                 IVssWMFiledesc **ppFiledesc)
{
    (void)This;
    (void)iMapping;
    return no_filedesc("IVssExamineWriterMetadata::GetAlternateLocationMapping", ppFiledesc);
}

static HRESULT STDMETHODCALLTYPE ewm_GetExcludeFromSnapshotFile(IVssExamineWriterMetadataEx2 *This, UINT iFile,
                                                                IVssWMFiledesc **ppFiledesc)
{
    (void)This;
    (void)iFile;
    return no_filedesc("IVssExamineWriterMetadataEx2::GetExcludeFromSnapshotFile", ppFiledesc);
}

static HRESULT STDMETHODCALLTYPE ewm_GetComponent(IVssExamineWriterMetadataEx2 *This, UINT iComponent,
                                                  IVssWMComponent **ppComponent)
{
    HRESULT hr;
    if (vss_fault("IVssExamineWriterMetadata::GetComponent", NULL, &hr)) return hr;
    if (!ppComponent) return E_INVALIDARG;
    *ppComponent = NULL;
    sim_lock();
    vss_metadata *md = ewm_impl(This)->md;
    hr = iComponent < md->component_count ? vss_wmcomponent_create(md, iComponent, ppComponent) : E_INVALIDARG;
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE ewm_GetRestoreMethod(IVssExamineWriterMetadataEx2 *This, VSS_RESTOREMETHOD_ENUM *pMethod,
                                                      BSTR *pbstrService, BSTR *pbstrUserProcedure,
                                                      VSS_WRITERRESTORE_ENUM *pwriterRestore, boolean *pbRebootRequired,
                                                      UINT *pcMappings)
{
    HRESULT hr;
    if (vss_fault("IVssExamineWriterMetadata::GetRestoreMethod", NULL, &hr)) return hr;
    if (!pMethod || !pbstrService || !pbstrUserProcedure || !pwriterRestore || !pbRebootRequired || !pcMappings)
        return E_INVALIDARG;
    sim_lock();
    const vss_metadata *md = ewm_impl(This)->md;
    *pMethod = (VSS_RESTOREMETHOD_ENUM)md->restore_method;
    *pwriterRestore = (VSS_WRITERRESTORE_ENUM)md->writer_restore;
    *pbRebootRequired = (boolean)(md->reboot_required ? 1 : 0);
    *pcMappings = 0;
    hr = vss_out_bstr_or_null(pbstrService, md->service);
    if (hr == S_OK) {
        hr = vss_out_bstr_or_null(pbstrUserProcedure, md->user_procedure);
        if (hr != S_OK) {
            sim_bstr_free((BSTR_T)*pbstrService);
            *pbstrService = NULL;
        }
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE ewm_GetBackupSchema(IVssExamineWriterMetadataEx2 *This, DWORD *pdwSchemaMask)
{
    HRESULT hr;
    if (vss_fault("IVssExamineWriterMetadata::GetBackupSchema", NULL, &hr)) return hr;
    if (!pdwSchemaMask) return E_INVALIDARG;
    sim_lock();
    *pdwSchemaMask = ewm_impl(This)->md->backup_schema;
    sim_unlock();
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE ewm_GetDocument(IVssExamineWriterMetadataEx2 *This, IXMLDOMDocument **pDoc)
{
    HRESULT hr;
    (void)This;
    if (vss_fault("IVssExamineWriterMetadata::GetDocument", NULL, &hr)) return hr;
    if (pDoc) *pDoc = NULL;
    return E_NOTIMPL;   /* documented as not supported */
}

static HRESULT STDMETHODCALLTYPE ewm_SaveAsXML(IVssExamineWriterMetadataEx2 *This, BSTR *pbstrXML)
{
    HRESULT hr;
    if (vss_fault("IVssExamineWriterMetadata::SaveAsXML", NULL, &hr)) return hr;
    if (!pbstrXML) return E_INVALIDARG;
    *pbstrXML = NULL;
    sim_lock();
    char *xml = vss_metadata_to_xml(ewm_impl(This)->md);
    hr = xml ? vss_out_bstr(pbstrXML, xml) : E_OUTOFMEMORY;
    free(xml);
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE ewm_LoadFromXML(IVssExamineWriterMetadataEx2 *This, BSTR bstrXML)
{
    HRESULT hr;
    if (vss_fault("IVssExamineWriterMetadata::LoadFromXML", NULL, &hr)) return hr;
    if (!bstrXML) return E_INVALIDARG;
    char *xml = vss_w_to_utf8(bstrXML);
    if (!xml) return E_OUTOFMEMORY;
    vss_metadata *md = vss_metadata_from_xml(xml);
    free(xml);
    if (!md) return VSS_E_INVALID_XML_DOCUMENT;
    sim_lock();
    vss_ewm *e = ewm_impl(This);
    vss_metadata_release(e->md);
    e->md = md;
    sim_unlock();
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE ewm_GetVersion(IVssExamineWriterMetadataEx2 *This, DWORD *pdwMajorVersion, DWORD *pdwMinorVersion)
{
    HRESULT hr;
    (void)This;
    if (vss_fault("IVssExamineWriterMetadataEx2::GetVersion", NULL, &hr)) return hr;
    if (!pdwMajorVersion || !pdwMinorVersion) return E_INVALIDARG;
    *pdwMajorVersion = 1;
    *pdwMinorVersion = 0;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE ewm_GetExcludeFromSnapshotCount(IVssExamineWriterMetadataEx2 *This, UINT *pcExcludedFromSnapshot)
{
    HRESULT hr;
    (void)This;
    if (vss_fault("IVssExamineWriterMetadataEx2::GetExcludeFromSnapshotCount", NULL, &hr)) return hr;
    if (!pcExcludedFromSnapshot) return E_INVALIDARG;
    *pcExcludedFromSnapshot = 0;
    return S_OK;
}

static const IVssExamineWriterMetadataEx2Vtbl ewm_vtbl = {
    .QueryInterface = ewm_QueryInterface,
    .AddRef = ewm_AddRef,
    .Release = ewm_Release,
    .GetIdentity = ewm_GetIdentity,
    .GetFileCounts = ewm_GetFileCounts,
    .GetIncludeFile = ewm_GetIncludeFile,
    .GetExcludeFile = ewm_GetExcludeFile,
    .GetComponent = ewm_GetComponent,
    .GetRestoreMethod = ewm_GetRestoreMethod,
    .GetAlternateLocationMapping = ewm_GetAlternateLocationMapping,
    .GetBackupSchema = ewm_GetBackupSchema,
    .GetDocument = ewm_GetDocument,
    .SaveAsXML = ewm_SaveAsXML,
    .LoadFromXML = ewm_LoadFromXML,
    .GetIdentityEx = ewm_GetIdentityEx,
    .GetVersion = ewm_GetVersion,
    .GetExcludeFromSnapshotCount = ewm_GetExcludeFromSnapshotCount,
    .GetExcludeFromSnapshotFile = ewm_GetExcludeFromSnapshotFile,
};

HRESULT vss_ewm_create(vss_metadata *md, IVssExamineWriterMetadataEx2 **out)
{
    vss_ewm *e = calloc(1, sizeof *e);
    if (!e) return E_OUTOFMEMORY;
    e->iface.lpVtbl = &ewm_vtbl;
    e->refs = 1;
    e->md = md;
    vss_metadata_retain(md);
    vss_com_ref(+1);
    *out = &e->iface;
    return S_OK;
}

SIMAPI HRESULT SIMCALL CreateVssExamineWriterMetadataInternal(BSTR bstrXML, IVssExamineWriterMetadata **ppMetadata)
{
    HRESULT hr;
    if (vss_fault("CreateVssExamineWriterMetadataInternal", NULL, &hr)) return hr;
    if (!ppMetadata || !bstrXML) return E_INVALIDARG;
    *ppMetadata = NULL;
    char *xml = vss_w_to_utf8(bstrXML);
    if (!xml) return E_OUTOFMEMORY;
    vss_metadata *md = vss_metadata_from_xml(xml);
    free(xml);
    if (!md) return VSS_E_INVALID_XML_DOCUMENT;
    sim_lock();
    IVssExamineWriterMetadataEx2 *e = NULL;
    hr = vss_ewm_create(md, &e);
    vss_metadata_release(md);
    sim_unlock();
    if (hr == S_OK) *ppMetadata = (IVssExamineWriterMetadata *)e;
    return hr;
}
