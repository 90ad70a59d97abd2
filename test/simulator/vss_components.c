/*
 * The Backup Components Document as a requester reads it back:
 * IVssWriterComponentsExt (from IVssBackupComponents::GetWriterComponents) and
 * IVssComponent / IVssComponentEx (from IVssWriterComponents::GetComponent).
 *
 * IVssWriterComponentsExt derives from the C++ interface IVssWriterComponents (no
 * IUnknown slots) and from IUnknown, so the object carries two vtable pointers: the
 * IVssWriterComponents vtable at offset 0 and the IUnknown vtable at offset 8
 * (MSVC multiple-inheritance layout). Its lifetime goes through the IUnknown at +8.
 */
#define _GNU_SOURCE
#include "vss_internal.h"

#include <stdlib.h>
#include <string.h>

/* ================================================== IVssComponent(Ex) */

typedef struct vss_component {
    IVssComponentEx iface;
    uint32_t refs;
    vss_doc_component c;     /* a copy: the document as it was when GetComponent was called */
} vss_component;

static vss_component *comp_impl(IVssComponentEx *p) { return (vss_component *)p; }

static HRESULT STDMETHODCALLTYPE comp_QueryInterface(IVssComponentEx *This, REFIID riid, void **ppv)
{
    static const IID *const iids[] = { &vss_iid_component, &vss_iid_component_ex, NULL };
    return vss_query_interface("IVssComponent::QueryInterface", This, &comp_impl(This)->refs, riid, ppv, iids);
}

static ULONG STDMETHODCALLTYPE comp_AddRef(IVssComponentEx *This)
{
    return vss_add_ref(&comp_impl(This)->refs);
}

static ULONG STDMETHODCALLTYPE comp_Release(IVssComponentEx *This)
{
    vss_component *c = comp_impl(This);
    int last;
    ULONG r = vss_release(&c->refs, &last);
    if (last) {
        vss_doc_component_clear(&c->c);
        free(c);
    }
    return r;
}

/* A string attribute of the component: NULL when it has no value. */
static HRESULT comp_string(const char *name, BSTR *out, const char *value)
{
    return vss_string_method(name, out, value, 1);
}

/* A yes/no attribute of the component. */
static HRESULT comp_flag(const char *name, boolean *out, int value)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    if (!out) return E_INVALIDARG;
    *out = (boolean)(value ? 1 : 0);
    return S_OK;
}

static HRESULT comp_count(const char *name, UINT *out)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    if (!out) return E_INVALIDARG;
    *out = 0;
    return S_OK;
}

/* A writer-side method: a requester cannot change the component through it. */
static HRESULT comp_writer_only(const char *name)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    return E_NOTIMPL;
}

static HRESULT comp_no_item(const char *name)
{
    HRESULT hr;
    if (vss_fault(name, NULL, &hr)) return hr;
    return E_INVALIDARG;   /* the list is empty */
}

static HRESULT STDMETHODCALLTYPE comp_GetLogicalPath(IVssComponentEx *This, BSTR *pbstrPath)
{
    /* A component added without a logical path has none: NULL, not "". */
    return comp_string("IVssComponent::GetLogicalPath", pbstrPath, comp_impl(This)->c.logical_path);
}

static HRESULT STDMETHODCALLTYPE comp_GetComponentType(IVssComponentEx *This, VSS_COMPONENT_TYPE *pct)
{
    HRESULT hr;
    if (vss_fault("IVssComponent::GetComponentType", NULL, &hr)) return hr;
    if (!pct) return E_INVALIDARG;
    *pct = (VSS_COMPONENT_TYPE)comp_impl(This)->c.type;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE comp_GetComponentName(IVssComponentEx *This, BSTR *pbstrName)
{
    return vss_string_method("IVssComponent::GetComponentName", pbstrName, comp_impl(This)->c.name, 0);
}

static HRESULT STDMETHODCALLTYPE comp_GetBackupSucceeded(IVssComponentEx *This, boolean *pbSucceeded)
{
    return comp_flag("IVssComponent::GetBackupSucceeded", pbSucceeded, comp_impl(This)->c.backup_succeeded);
}

static HRESULT STDMETHODCALLTYPE comp_GetAlternateLocationMappingCount(IVssComponentEx *This, UINT *pcMappings)
{
    (void)This;
    return comp_count("IVssComponent::GetAlternateLocationMappingCount", pcMappings);
}

static HRESULT STDMETHODCALLTYPE comp_GetAlternateLocationMapping(IVssComponentEx *This, UINT iMapping, IVssWMFiledesc **ppFiledesc)
{
    (void)This;
    (void)iMapping;
    if (ppFiledesc) *ppFiledesc = NULL;
    return comp_no_item("IVssComponent::GetAlternateLocationMapping");
}

static HRESULT STDMETHODCALLTYPE comp_SetBackupMetadata(IVssComponentEx *This, LPCWSTR wszData)
{
    (void)This;
    (void)wszData;
    return comp_writer_only("IVssComponent::SetBackupMetadata");
}

static HRESULT STDMETHODCALLTYPE comp_GetBackupMetadata(IVssComponentEx *This, BSTR *pbstrData)
{
    (void)This;
    return comp_string("IVssComponent::GetBackupMetadata", pbstrData, NULL);
}

static HRESULT STDMETHODCALLTYPE comp_AddPartialFile(IVssComponentEx *This, LPCWSTR wszPath, LPCWSTR wszFilename,
                                                     LPCWSTR wszRanges, LPCWSTR wszMetadata)
{
    (void)This;
    (void)wszPath;
    (void)wszFilename;
    (void)wszRanges;
    (void)wszMetadata;
    return comp_writer_only("IVssComponent::AddPartialFile");
}

static HRESULT STDMETHODCALLTYPE comp_GetPartialFileCount(IVssComponentEx *This, UINT *pcPartialFiles)
{
    (void)This;
    return comp_count("IVssComponent::GetPartialFileCount", pcPartialFiles);
}

static HRESULT STDMETHODCALLTYPE comp_GetPartialFile(IVssComponentEx *This, UINT iPartialFile, BSTR *pbstrPath,
                                                     BSTR *pbstrFilename, BSTR *pbstrRange, BSTR *pbstrMetadata)
{
    (void)This;
    (void)iPartialFile;
    if (pbstrPath) *pbstrPath = NULL;
    if (pbstrFilename) *pbstrFilename = NULL;
    if (pbstrRange) *pbstrRange = NULL;
    if (pbstrMetadata) *pbstrMetadata = NULL;
    return comp_no_item("IVssComponent::GetPartialFile");
}

static HRESULT STDMETHODCALLTYPE comp_IsSelectedForRestore(IVssComponentEx *This, boolean *pbSelectedForRestore)
{
    return comp_flag("IVssComponent::IsSelectedForRestore", pbSelectedForRestore, comp_impl(This)->c.selected);
}

static HRESULT STDMETHODCALLTYPE comp_GetAdditionalRestores(IVssComponentEx *This, boolean *pbAdditionalRestores)
{
    return comp_flag("IVssComponent::GetAdditionalRestores", pbAdditionalRestores, comp_impl(This)->c.additional_restores);
}

static HRESULT STDMETHODCALLTYPE comp_GetNewTargetCount(IVssComponentEx *This, UINT *pcNewTarget)
{
    (void)This;
    return comp_count("IVssComponent::GetNewTargetCount", pcNewTarget);
}

static HRESULT STDMETHODCALLTYPE comp_GetNewTarget(IVssComponentEx *This, UINT iNewTarget, IVssWMFiledesc **ppFiledesc)
{
    (void)This;
    (void)iNewTarget;
    if (ppFiledesc) *ppFiledesc = NULL;
    return comp_no_item("IVssComponent::GetNewTarget");
}

static HRESULT STDMETHODCALLTYPE comp_AddDirectedTarget(IVssComponentEx *This, LPCWSTR wszSourcePath, LPCWSTR wszSourceFilename,
                                                        LPCWSTR wszSourceRangeList, LPCWSTR wszDestinationPath,
                                                        LPCWSTR wszDestinationFilename, LPCWSTR wszDestinationRangeList)
{
    (void)This;
    (void)wszSourcePath;
    (void)wszSourceFilename;
    (void)wszSourceRangeList;
    (void)wszDestinationPath;
    (void)wszDestinationFilename;
    (void)wszDestinationRangeList;
    return comp_writer_only("IVssComponent::AddDirectedTarget");
}

static HRESULT STDMETHODCALLTYPE comp_GetDirectedTargetCount(IVssComponentEx *This, UINT *pcDirectedTarget)
{
    (void)This;
    return comp_count("IVssComponent::GetDirectedTargetCount", pcDirectedTarget);
}

static HRESULT STDMETHODCALLTYPE comp_GetDirectedTarget(IVssComponentEx *This, UINT iDirectedTarget, BSTR *pbstrSourcePath,
                                                        BSTR *pbstrSourceFileName, BSTR *pbstrSourceRangeList,
                                                        BSTR *pbstrDestinationPath, BSTR *pbstrDestinationFilename,
                                                        BSTR *pbstrDestinationRangeList)
{
    (void)This;
    (void)iDirectedTarget;
    BSTR *outs[] = { pbstrSourcePath, pbstrSourceFileName, pbstrSourceRangeList,
                     pbstrDestinationPath, pbstrDestinationFilename, pbstrDestinationRangeList };
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
        if (outs[i]) *outs[i] = NULL;
    return comp_no_item("IVssComponent::GetDirectedTarget");
}

static HRESULT STDMETHODCALLTYPE comp_SetRestoreMetadata(IVssComponentEx *This, LPCWSTR wszRestoreMetadata)
{
    (void)This;
    (void)wszRestoreMetadata;
    return comp_writer_only("IVssComponent::SetRestoreMetadata");
}

static HRESULT STDMETHODCALLTYPE comp_GetRestoreMetadata(IVssComponentEx *This, BSTR *pbstrRestoreMetadata)
{
    (void)This;
    return comp_string("IVssComponent::GetRestoreMetadata", pbstrRestoreMetadata, NULL);
}

static HRESULT STDMETHODCALLTYPE comp_SetRestoreTarget(IVssComponentEx *This, VSS_RESTORE_TARGET target)
{
    (void)This;
    (void)target;
    return comp_writer_only("IVssComponent::SetRestoreTarget");
}

static HRESULT STDMETHODCALLTYPE comp_GetRestoreTarget(IVssComponentEx *This, VSS_RESTORE_TARGET *pTarget)
{
    HRESULT hr;
    if (vss_fault("IVssComponent::GetRestoreTarget", NULL, &hr)) return hr;
    if (!pTarget) return E_INVALIDARG;
    *pTarget = (VSS_RESTORE_TARGET)comp_impl(This)->c.restore_target;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE comp_SetPreRestoreFailureMsg(IVssComponentEx *This, LPCWSTR wszPreRestoreFailureMsg)
{
    (void)This;
    (void)wszPreRestoreFailureMsg;
    return comp_writer_only("IVssComponent::SetPreRestoreFailureMsg");
}

static HRESULT STDMETHODCALLTYPE comp_GetPreRestoreFailureMsg(IVssComponentEx *This, BSTR *pbstrPreRestoreFailureMsg)
{
    (void)This;
    return comp_string("IVssComponent::GetPreRestoreFailureMsg", pbstrPreRestoreFailureMsg, NULL);
}

static HRESULT STDMETHODCALLTYPE comp_SetPostRestoreFailureMsg(IVssComponentEx *This, LPCWSTR wszPostRestoreFailureMsg)
{
    (void)This;
    (void)wszPostRestoreFailureMsg;
    return comp_writer_only("IVssComponent::SetPostRestoreFailureMsg");
}

static HRESULT STDMETHODCALLTYPE comp_GetPostRestoreFailureMsg(IVssComponentEx *This, BSTR *pbstrPostRestoreFailureMsg)
{
    (void)This;
    return comp_string("IVssComponent::GetPostRestoreFailureMsg", pbstrPostRestoreFailureMsg, NULL);
}

static HRESULT STDMETHODCALLTYPE comp_SetBackupStamp(IVssComponentEx *This, LPCWSTR wszBackupStamp)
{
    (void)This;
    (void)wszBackupStamp;
    return comp_writer_only("IVssComponent::SetBackupStamp");
}

static HRESULT STDMETHODCALLTYPE comp_GetBackupStamp(IVssComponentEx *This, BSTR *pbstrBackupStamp)
{
    (void)This;
    return comp_string("IVssComponent::GetBackupStamp", pbstrBackupStamp, NULL);
}

static HRESULT STDMETHODCALLTYPE comp_GetPreviousBackupStamp(IVssComponentEx *This, BSTR *pbstrBackupStamp)
{
    return comp_string("IVssComponent::GetPreviousBackupStamp", pbstrBackupStamp,
                       comp_impl(This)->c.previous_backup_stamp);
}

static HRESULT STDMETHODCALLTYPE comp_GetBackupOptions(IVssComponentEx *This, BSTR *pbstrBackupOptions)
{
    return comp_string("IVssComponent::GetBackupOptions", pbstrBackupOptions, comp_impl(This)->c.backup_options);
}

static HRESULT STDMETHODCALLTYPE comp_GetRestoreOptions(IVssComponentEx *This, BSTR *pbstrRestoreOptions)
{
    return comp_string("IVssComponent::GetRestoreOptions", pbstrRestoreOptions, comp_impl(This)->c.restore_options);
}

static HRESULT STDMETHODCALLTYPE comp_GetRestoreSubcomponentCount(IVssComponentEx *This, UINT *pcRestoreSubcomponent)
{
    (void)This;
    return comp_count("IVssComponent::GetRestoreSubcomponentCount", pcRestoreSubcomponent);
}

static HRESULT STDMETHODCALLTYPE comp_GetRestoreSubcomponent(IVssComponentEx *This, UINT iComponent, BSTR *pbstrLogicalPath,
                                                             BSTR *pbstrComponentName, boolean *pbRepair)
{
    (void)This;
    (void)iComponent;
    (void)pbRepair;
    if (pbstrLogicalPath) *pbstrLogicalPath = NULL;
    if (pbstrComponentName) *pbstrComponentName = NULL;
    return comp_no_item("IVssComponent::GetRestoreSubcomponent");
}

static HRESULT STDMETHODCALLTYPE comp_GetFileRestoreStatus(IVssComponentEx *This, VSS_FILE_RESTORE_STATUS *pStatus)
{
    HRESULT hr;
    if (vss_fault("IVssComponent::GetFileRestoreStatus", NULL, &hr)) return hr;
    if (!pStatus) return E_INVALIDARG;
    *pStatus = (VSS_FILE_RESTORE_STATUS)comp_impl(This)->c.file_restore_status;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE comp_AddDifferencedFilesByLastModifyTime(IVssComponentEx *This, LPCWSTR wszPath,
                                                                          LPCWSTR wszFilespec, WINBOOL bRecursive,
                                                                          FILETIME ftLastModifyTime)
{
    (void)This;
    (void)wszPath;
    (void)wszFilespec;
    (void)bRecursive;
    (void)ftLastModifyTime;
    return comp_writer_only("IVssComponent::AddDifferencedFilesByLastModifyTime");
}

static HRESULT STDMETHODCALLTYPE comp_AddDifferencedFilesByLastModifyLSN(IVssComponentEx *This, LPCWSTR wszPath,
                                                                         LPCWSTR wszFilespec, WINBOOL bRecursive,
                                                                         BSTR bstrLsnString)
{
    (void)This;
    (void)wszPath;
    (void)wszFilespec;
    (void)bRecursive;
    (void)bstrLsnString;
    return comp_writer_only("IVssComponent::AddDifferencedFilesByLastModifyLSN");
}

static HRESULT STDMETHODCALLTYPE comp_GetDifferencedFilesCount(IVssComponentEx *This, UINT *pcDifferencedFiles)
{
    (void)This;
    return comp_count("IVssComponent::GetDifferencedFilesCount", pcDifferencedFiles);
}

static HRESULT STDMETHODCALLTYPE comp_GetDifferencedFile(IVssComponentEx *This, UINT iDifferencedFile, BSTR *pbstrPath,
                                                         BSTR *pbstrFilespec, WINBOOL *pbRecursive, BSTR *pbstrLsnString,
                                                         FILETIME *pftLastModifyTime)
{
    (void)This;
    (void)iDifferencedFile;
    (void)pbRecursive;
    (void)pftLastModifyTime;
    if (pbstrPath) *pbstrPath = NULL;
    if (pbstrFilespec) *pbstrFilespec = NULL;
    if (pbstrLsnString) *pbstrLsnString = NULL;
    return comp_no_item("IVssComponent::GetDifferencedFile");
}

static HRESULT STDMETHODCALLTYPE comp_SetPrepareForBackupFailureMsg(IVssComponentEx *This, LPCWSTR wszFailureMsg)
{
    (void)This;
    (void)wszFailureMsg;
    return comp_writer_only("IVssComponentEx::SetPrepareForBackupFailureMsg");
}

static HRESULT STDMETHODCALLTYPE comp_SetPostSnapshotFailureMsg(IVssComponentEx *This, LPCWSTR wszFailureMsg)
{
    (void)This;
    (void)wszFailureMsg;
    return comp_writer_only("IVssComponentEx::SetPostSnapshotFailureMsg");
}

static HRESULT STDMETHODCALLTYPE comp_GetPrepareForBackupFailureMsg(IVssComponentEx *This, BSTR *pbstrFailureMsg)
{
    (void)This;
    return comp_string("IVssComponentEx::GetPrepareForBackupFailureMsg", pbstrFailureMsg, NULL);
}

static HRESULT STDMETHODCALLTYPE comp_GetPostSnapshotFailureMsg(IVssComponentEx *This, BSTR *pbstrFailureMsg)
{
    (void)This;
    return comp_string("IVssComponentEx::GetPostSnapshotFailureMsg", pbstrFailureMsg, NULL);
}

static HRESULT STDMETHODCALLTYPE comp_GetAuthoritativeRestore(IVssComponentEx *This, boolean *pbAuth)
{
    return comp_flag("IVssComponentEx::GetAuthoritativeRestore", pbAuth, comp_impl(This)->c.authoritative);
}

static HRESULT STDMETHODCALLTYPE comp_GetRollForward(IVssComponentEx *This, VSS_ROLLFORWARD_TYPE *pRollType, BSTR *pbstrPoint)
{
    HRESULT hr;
    (void)This;
    if (vss_fault("IVssComponentEx::GetRollForward", NULL, &hr)) return hr;
    if (!pRollType || !pbstrPoint) return E_INVALIDARG;
    *pRollType = VSS_RF_UNDEFINED;
    *pbstrPoint = NULL;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE comp_GetRestoreName(IVssComponentEx *This, BSTR *pbstrName)
{
    (void)This;
    return comp_string("IVssComponentEx::GetRestoreName", pbstrName, NULL);
}

static const IVssComponentExVtbl component_vtbl = {
    .QueryInterface = comp_QueryInterface,
    .AddRef = comp_AddRef,
    .Release = comp_Release,
    .GetLogicalPath = comp_GetLogicalPath,
    .GetComponentType = comp_GetComponentType,
    .GetComponentName = comp_GetComponentName,
    .GetBackupSucceeded = comp_GetBackupSucceeded,
    .GetAlternateLocationMappingCount = comp_GetAlternateLocationMappingCount,
    .GetAlternateLocationMapping = comp_GetAlternateLocationMapping,
    .SetBackupMetadata = comp_SetBackupMetadata,
    .GetBackupMetadata = comp_GetBackupMetadata,
    .AddPartialFile = comp_AddPartialFile,
    .GetPartialFileCount = comp_GetPartialFileCount,
    .GetPartialFile = comp_GetPartialFile,
    .IsSelectedForRestore = comp_IsSelectedForRestore,
    .GetAdditionalRestores = comp_GetAdditionalRestores,
    .GetNewTargetCount = comp_GetNewTargetCount,
    .GetNewTarget = comp_GetNewTarget,
    .AddDirectedTarget = comp_AddDirectedTarget,
    .GetDirectedTargetCount = comp_GetDirectedTargetCount,
    .GetDirectedTarget = comp_GetDirectedTarget,
    .SetRestoreMetadata = comp_SetRestoreMetadata,
    .GetRestoreMetadata = comp_GetRestoreMetadata,
    .SetRestoreTarget = comp_SetRestoreTarget,
    .GetRestoreTarget = comp_GetRestoreTarget,
    .SetPreRestoreFailureMsg = comp_SetPreRestoreFailureMsg,
    .GetPreRestoreFailureMsg = comp_GetPreRestoreFailureMsg,
    .SetPostRestoreFailureMsg = comp_SetPostRestoreFailureMsg,
    .GetPostRestoreFailureMsg = comp_GetPostRestoreFailureMsg,
    .SetBackupStamp = comp_SetBackupStamp,
    .GetBackupStamp = comp_GetBackupStamp,
    .GetPreviousBackupStamp = comp_GetPreviousBackupStamp,
    .GetBackupOptions = comp_GetBackupOptions,
    .GetRestoreOptions = comp_GetRestoreOptions,
    .GetRestoreSubcomponentCount = comp_GetRestoreSubcomponentCount,
    .GetRestoreSubcomponent = comp_GetRestoreSubcomponent,
    .GetFileRestoreStatus = comp_GetFileRestoreStatus,
    .AddDifferencedFilesByLastModifyTime = comp_AddDifferencedFilesByLastModifyTime,
    .AddDifferencedFilesByLastModifyLSN = comp_AddDifferencedFilesByLastModifyLSN,
    .GetDifferencedFilesCount = comp_GetDifferencedFilesCount,
    .GetDifferencedFile = comp_GetDifferencedFile,
    .SetPrepareForBackupFailureMsg = comp_SetPrepareForBackupFailureMsg,
    .SetPostSnapshotFailureMsg = comp_SetPostSnapshotFailureMsg,
    .GetPrepareForBackupFailureMsg = comp_GetPrepareForBackupFailureMsg,
    .GetPostSnapshotFailureMsg = comp_GetPostSnapshotFailureMsg,
    .GetAuthoritativeRestore = comp_GetAuthoritativeRestore,
    .GetRollForward = comp_GetRollForward,
    .GetRestoreName = comp_GetRestoreName,
};

static HRESULT component_create(const vss_doc_component *src, IVssComponent **out)
{
    vss_component *c = calloc(1, sizeof *c);
    if (!c) return E_OUTOFMEMORY;
    if (!vss_doc_component_copy(&c->c, src)) {
        free(c);
        return E_OUTOFMEMORY;
    }
    c->iface.lpVtbl = &component_vtbl;
    c->refs = 1;
    vss_com_ref(+1);
    *out = (IVssComponent *)&c->iface;
    return S_OK;
}

/* ========================================= IVssWriterComponentsExt (two vtables) */

typedef struct vss_writer_components {
    IVssWriterComponentsExt iface;   /* +0: IVssWriterComponents vtable */
    IUnknown unknown;                /* +8: IUnknown vtable */
    uint32_t refs;
    VSS_ID writer_id, instance_id;
    uint32_t count;
    vss_doc_component components[VSS_MAX_DOC_COMPONENTS];
} vss_writer_components;

_Static_assert(offsetof(vss_writer_components, unknown) == 8, "the IUnknown vtable pointer must be at +8");

static vss_writer_components *wc_from_iface(IVssWriterComponentsExt *p) { return (vss_writer_components *)p; }
static vss_writer_components *wc_from_unknown(IUnknown *p)
{
    return (vss_writer_components *)((char *)p - offsetof(vss_writer_components, unknown));
}

static HRESULT STDMETHODCALLTYPE wc_QueryInterface(IUnknown *This, REFIID riid, void **ppv)
{
    return vss_query_interface("IVssWriterComponentsExt::QueryInterface", This, &wc_from_unknown(This)->refs, riid, ppv, NULL);
}

static ULONG STDMETHODCALLTYPE wc_AddRef(IUnknown *This)
{
    return vss_add_ref(&wc_from_unknown(This)->refs);
}

static ULONG STDMETHODCALLTYPE wc_Release(IUnknown *This)
{
    vss_writer_components *w = wc_from_unknown(This);
    int last;
    ULONG r = vss_release(&w->refs, &last);
    if (last) {
        for (uint32_t i = 0; i < w->count; i++) vss_doc_component_clear(&w->components[i]);
        free(w);
    }
    return r;
}

static HRESULT STDMETHODCALLTYPE wc_GetComponentCount(IVssWriterComponentsExt *This, UINT *pcComponents)
{
    HRESULT hr;
    if (vss_fault("IVssWriterComponentsExt::GetComponentCount", NULL, &hr)) return hr;
    if (!pcComponents) return E_INVALIDARG;
    *pcComponents = wc_from_iface(This)->count;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE wc_GetWriterInfo(IVssWriterComponentsExt *This, VSS_ID *pidInstance, VSS_ID *pidWriter)
{
    HRESULT hr;
    if (vss_fault("IVssWriterComponentsExt::GetWriterInfo", NULL, &hr)) return hr;
    if (!pidInstance || !pidWriter) return E_INVALIDARG;
    *pidInstance = wc_from_iface(This)->instance_id;
    *pidWriter = wc_from_iface(This)->writer_id;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE wc_GetComponent(IVssWriterComponentsExt *This, UINT iComponent, IVssComponent **ppComponent)
{
    HRESULT hr;
    if (vss_fault("IVssWriterComponentsExt::GetComponent", NULL, &hr)) return hr;
    if (!ppComponent) return E_INVALIDARG;
    *ppComponent = NULL;
    vss_writer_components *w = wc_from_iface(This);
    if (iComponent >= w->count) return E_INVALIDARG;
    sim_lock();
    hr = component_create(&w->components[iComponent], ppComponent);
    sim_unlock();
    return hr;
}

static const IVssWriterComponentsExtVtbl writer_components_vtbl = {
    .GetComponentCount = wc_GetComponentCount,
    .GetWriterInfo = wc_GetWriterInfo,
    .GetComponent = wc_GetComponent,
};

static const IUnknownVtbl writer_components_unknown_vtbl = {
    .QueryInterface = wc_QueryInterface,
    .AddRef = wc_AddRef,
    .Release = wc_Release,
};

HRESULT vss_writer_components_create(const vss_doc *doc, IVssWriterComponentsExt **out)
{
    vss_writer_components *w = calloc(1, sizeof *w);
    if (!w) return E_OUTOFMEMORY;
    w->iface.lpVtbl = &writer_components_vtbl;
    w->unknown.lpVtbl = &writer_components_unknown_vtbl;
    w->refs = 1;
    w->writer_id = doc->writer_id;
    w->instance_id = doc->instance_id;
    for (uint32_t i = 0; i < doc->component_count; i++) {
        if (!vss_doc_component_copy(&w->components[i], &doc->components[i])) {
            for (uint32_t j = 0; j < i; j++) vss_doc_component_clear(&w->components[j]);
            free(w);
            return E_OUTOFMEMORY;
        }
        w->count++;
    }
    vss_com_ref(+1);
    *out = &w->iface;
    return S_OK;
}
