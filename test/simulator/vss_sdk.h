/*
 * VSS requester types, constants and COM vtable layouts for the simulator's VSS objects.
 *
 * Windows build (mingw): everything comes from the SDK-compatible mingw headers
 * (vss.h, vswriter.h, vsbackup.h). The simulator's vtables are then instances of the
 * headers' own IVss...Vtbl structs, filled by member name, so the compiler checks every
 * method's slot and every parameter type against Microsoft's declaration.
 *
 * Linux build: the same names are declared here from the slot lists below, with the
 * Windows sizes (WCHAR 16 bits, LONG/HRESULT 32 bits, GUID 16 bytes passed by value,
 * boolean 1 byte). vss_abi_check.c, compiled in the mingw build, instantiates these
 * lists next to the mingw headers and asserts that every slot index, member offset,
 * member type, struct offset and constant agrees, so the two builds cannot drift apart.
 *
 * Each list entry is M(T, slot, return type, method name, (parameters)) where T is the
 * interface type the method's `This` pointer has.
 */
#ifndef CLUSSIM_VSS_SDK_H
#define CLUSSIM_VSS_SDK_H

#include <stddef.h>
#include <stdint.h>
#include "sim.h"

/* ---------------------------------------------------------------- slot lists */

#define VSIM_IUNKNOWN_SLOTS(M, T) \
    M(T, 0, HRESULT, QueryInterface, (T *This, REFIID riid, void **ppvObject)) \
    M(T, 1, ULONG, AddRef, (T *This)) \
    M(T, 2, ULONG, Release, (T *This))

#define VSIM_ASYNC_SLOTS(M, T) \
    M(T, 3, HRESULT, Cancel, (T *This)) \
    M(T, 4, HRESULT, Wait, (T *This, DWORD dwMilliseconds)) \
    M(T, 5, HRESULT, QueryStatus, (T *This, HRESULT *pHrResult, INT *pReserved))

#define VSIM_WMFILEDESC_SLOTS(M, T) \
    M(T, 3, HRESULT, GetPath, (T *This, BSTR *pbstrPath)) \
    M(T, 4, HRESULT, GetFilespec, (T *This, BSTR *pbstrFilespec)) \
    M(T, 5, HRESULT, GetRecursive, (T *This, boolean *pbRecursive)) \
    M(T, 6, HRESULT, GetAlternateLocation, (T *This, BSTR *pbstrAlternateLocation)) \
    M(T, 7, HRESULT, GetBackupTypeMask, (T *This, DWORD *pdwTypeMask))

#define VSIM_WMDEPENDENCY_SLOTS(M, T) \
    M(T, 3, HRESULT, GetWriterId, (T *This, VSS_ID *pWriterId)) \
    M(T, 4, HRESULT, GetLogicalPath, (T *This, BSTR *pbstrLogicalPath)) \
    M(T, 5, HRESULT, GetComponentName, (T *This, BSTR *pbstrComponentName))

#define VSIM_WMCOMPONENT_SLOTS(M, T) \
    M(T, 3, HRESULT, GetComponentInfo, (T *This, PVSSCOMPONENTINFO *ppInfo)) \
    M(T, 4, HRESULT, FreeComponentInfo, (T *This, PVSSCOMPONENTINFO pInfo)) \
    M(T, 5, HRESULT, GetFile, (T *This, UINT iFile, IVssWMFiledesc **ppFiledesc)) \
    M(T, 6, HRESULT, GetDatabaseFile, (T *This, UINT iDBFile, IVssWMFiledesc **ppFiledesc)) \
    M(T, 7, HRESULT, GetDatabaseLogFile, (T *This, UINT iDbLogFile, IVssWMFiledesc **ppFiledesc)) \
    M(T, 8, HRESULT, GetDependency, (T *This, UINT iDependency, IVssWMDependency **ppDependency))

#define VSIM_EWM_SLOTS(M, T) \
    M(T, 3, HRESULT, GetIdentity, (T *This, VSS_ID *pidInstance, VSS_ID *pidWriter, BSTR *pbstrWriterName, VSS_USAGE_TYPE *pUsage, VSS_SOURCE_TYPE *pSource)) \
    M(T, 4, HRESULT, GetFileCounts, (T *This, UINT *pcIncludeFiles, UINT *pcExcludeFiles, UINT *pcComponents)) \
    M(T, 5, HRESULT, GetIncludeFile, (T *This, UINT iFile, IVssWMFiledesc **ppFiledesc)) \
    M(T, 6, HRESULT, GetExcludeFile, (T *This, UINT iFile, IVssWMFiledesc **ppFiledesc)) \
    M(T, 7, HRESULT, GetComponent, (T *This, UINT iComponent, IVssWMComponent **ppComponent)) \
    M(T, 8, HRESULT, GetRestoreMethod, (T *This, VSS_RESTOREMETHOD_ENUM *pMethod, BSTR *pbstrService, BSTR *pbstrUserProcedure, VSS_WRITERRESTORE_ENUM *pwriterRestore, boolean *pbRebootRequired, UINT *pcMappings)) \
    M(T, 9, HRESULT, GetAlternateLocationMapping, (T *This, UINT iMapping, IVssWMFiledesc **ppFiledesc)) \
    M(T, 10, HRESULT, GetBackupSchema, (T *This, DWORD *pdwSchemaMask)) \
    M(T, 11, HRESULT, GetDocument, (T *This, IXMLDOMDocument **pDoc)) \
    M(T, 12, HRESULT, SaveAsXML, (T *This, BSTR *pbstrXML)) \
    M(T, 13, HRESULT, LoadFromXML, (T *This, BSTR bstrXML))

#define VSIM_EWM_EX_SLOTS(M, T) \
    M(T, 14, HRESULT, GetIdentityEx, (T *This, VSS_ID *pidInstance, VSS_ID *pidWriter, BSTR *pbstrWriterName, BSTR *pbstrInstanceName, VSS_USAGE_TYPE *pUsage, VSS_SOURCE_TYPE *pSource))

#define VSIM_EWM_EX2_SLOTS(M, T) \
    M(T, 15, HRESULT, GetVersion, (T *This, DWORD *pdwMajorVersion, DWORD *pdwMinorVersion)) \
    M(T, 16, HRESULT, GetExcludeFromSnapshotCount, (T *This, UINT *pcExcludedFromSnapshot)) \
    M(T, 17, HRESULT, GetExcludeFromSnapshotFile, (T *This, UINT iFile, IVssWMFiledesc **ppFiledesc))

/* IVssWriterComponents is a plain C++ interface: no IUnknown slots, slot 0 is its first method. */
#define VSIM_WRITERCOMPONENTS_SLOTS(M, T) \
    M(T, 0, HRESULT, GetComponentCount, (T *This, UINT *pcComponents)) \
    M(T, 1, HRESULT, GetWriterInfo, (T *This, VSS_ID *pidInstance, VSS_ID *pidWriter)) \
    M(T, 2, HRESULT, GetComponent, (T *This, UINT iComponent, IVssComponent **ppComponent))

#define VSIM_COMPONENT_SLOTS(M, T) \
    M(T, 3, HRESULT, GetLogicalPath, (T *This, BSTR *pbstrPath)) \
    M(T, 4, HRESULT, GetComponentType, (T *This, VSS_COMPONENT_TYPE *pct)) \
    M(T, 5, HRESULT, GetComponentName, (T *This, BSTR *pbstrName)) \
    M(T, 6, HRESULT, GetBackupSucceeded, (T *This, boolean *pbSucceeded)) \
    M(T, 7, HRESULT, GetAlternateLocationMappingCount, (T *This, UINT *pcMappings)) \
    M(T, 8, HRESULT, GetAlternateLocationMapping, (T *This, UINT iMapping, IVssWMFiledesc **ppFiledesc)) \
    M(T, 9, HRESULT, SetBackupMetadata, (T *This, LPCWSTR wszData)) \
    M(T, 10, HRESULT, GetBackupMetadata, (T *This, BSTR *pbstrData)) \
    M(T, 11, HRESULT, AddPartialFile, (T *This, LPCWSTR wszPath, LPCWSTR wszFilename, LPCWSTR wszRanges, LPCWSTR wszMetadata)) \
    M(T, 12, HRESULT, GetPartialFileCount, (T *This, UINT *pcPartialFiles)) \
    M(T, 13, HRESULT, GetPartialFile, (T *This, UINT iPartialFile, BSTR *pbstrPath, BSTR *pbstrFilename, BSTR *pbstrRange, BSTR *pbstrMetadata)) \
    M(T, 14, HRESULT, IsSelectedForRestore, (T *This, boolean *pbSelectedForRestore)) \
    M(T, 15, HRESULT, GetAdditionalRestores, (T *This, boolean *pbAdditionalRestores)) \
    M(T, 16, HRESULT, GetNewTargetCount, (T *This, UINT *pcNewTarget)) \
    M(T, 17, HRESULT, GetNewTarget, (T *This, UINT iNewTarget, IVssWMFiledesc **ppFiledesc)) \
    M(T, 18, HRESULT, AddDirectedTarget, (T *This, LPCWSTR wszSourcePath, LPCWSTR wszSourceFilename, LPCWSTR wszSourceRangeList, LPCWSTR wszDestinationPath, LPCWSTR wszDestinationFilename, LPCWSTR wszDestinationRangeList)) \
    M(T, 19, HRESULT, GetDirectedTargetCount, (T *This, UINT *pcDirectedTarget)) \
    M(T, 20, HRESULT, GetDirectedTarget, (T *This, UINT iDirectedTarget, BSTR *pbstrSourcePath, BSTR *pbstrSourceFileName, BSTR *pbstrSourceRangeList, BSTR *pbstrDestinationPath, BSTR *pbstrDestinationFilename, BSTR *pbstrDestinationRangeList)) \
    M(T, 21, HRESULT, SetRestoreMetadata, (T *This, LPCWSTR wszRestoreMetadata)) \
    M(T, 22, HRESULT, GetRestoreMetadata, (T *This, BSTR *pbstrRestoreMetadata)) \
    M(T, 23, HRESULT, SetRestoreTarget, (T *This, VSS_RESTORE_TARGET target)) \
    M(T, 24, HRESULT, GetRestoreTarget, (T *This, VSS_RESTORE_TARGET *pTarget)) \
    M(T, 25, HRESULT, SetPreRestoreFailureMsg, (T *This, LPCWSTR wszPreRestoreFailureMsg)) \
    M(T, 26, HRESULT, GetPreRestoreFailureMsg, (T *This, BSTR *pbstrPreRestoreFailureMsg)) \
    M(T, 27, HRESULT, SetPostRestoreFailureMsg, (T *This, LPCWSTR wszPostRestoreFailureMsg)) \
    M(T, 28, HRESULT, GetPostRestoreFailureMsg, (T *This, BSTR *pbstrPostRestoreFailureMsg)) \
    M(T, 29, HRESULT, SetBackupStamp, (T *This, LPCWSTR wszBackupStamp)) \
    M(T, 30, HRESULT, GetBackupStamp, (T *This, BSTR *pbstrBackupStamp)) \
    M(T, 31, HRESULT, GetPreviousBackupStamp, (T *This, BSTR *pbstrBackupStamp)) \
    M(T, 32, HRESULT, GetBackupOptions, (T *This, BSTR *pbstrBackupOptions)) \
    M(T, 33, HRESULT, GetRestoreOptions, (T *This, BSTR *pbstrRestoreOptions)) \
    M(T, 34, HRESULT, GetRestoreSubcomponentCount, (T *This, UINT *pcRestoreSubcomponent)) \
    M(T, 35, HRESULT, GetRestoreSubcomponent, (T *This, UINT iComponent, BSTR *pbstrLogicalPath, BSTR *pbstrComponentName, boolean *pbRepair)) \
    M(T, 36, HRESULT, GetFileRestoreStatus, (T *This, VSS_FILE_RESTORE_STATUS *pStatus)) \
    M(T, 37, HRESULT, AddDifferencedFilesByLastModifyTime, (T *This, LPCWSTR wszPath, LPCWSTR wszFilespec, WINBOOL bRecursive, FILETIME ftLastModifyTime)) \
    M(T, 38, HRESULT, AddDifferencedFilesByLastModifyLSN, (T *This, LPCWSTR wszPath, LPCWSTR wszFilespec, WINBOOL bRecursive, BSTR bstrLsnString)) \
    M(T, 39, HRESULT, GetDifferencedFilesCount, (T *This, UINT *pcDifferencedFiles)) \
    M(T, 40, HRESULT, GetDifferencedFile, (T *This, UINT iDifferencedFile, BSTR *pbstrPath, BSTR *pbstrFilespec, WINBOOL *pbRecursive, BSTR *pbstrLsnString, FILETIME *pftLastModifyTime))

#define VSIM_COMPONENT_EX_SLOTS(M, T) \
    M(T, 41, HRESULT, SetPrepareForBackupFailureMsg, (T *This, LPCWSTR wszFailureMsg)) \
    M(T, 42, HRESULT, SetPostSnapshotFailureMsg, (T *This, LPCWSTR wszFailureMsg)) \
    M(T, 43, HRESULT, GetPrepareForBackupFailureMsg, (T *This, BSTR *pbstrFailureMsg)) \
    M(T, 44, HRESULT, GetPostSnapshotFailureMsg, (T *This, BSTR *pbstrFailureMsg)) \
    M(T, 45, HRESULT, GetAuthoritativeRestore, (T *This, boolean *pbAuth)) \
    M(T, 46, HRESULT, GetRollForward, (T *This, VSS_ROLLFORWARD_TYPE *pRollType, BSTR *pbstrPoint)) \
    M(T, 47, HRESULT, GetRestoreName, (T *This, BSTR *pbstrName))

#define VSIM_BACKUP_SLOTS(M, T) \
    M(T, 3, HRESULT, GetWriterComponentsCount, (T *This, UINT *pcComponents)) \
    M(T, 4, HRESULT, GetWriterComponents, (T *This, UINT iWriter, IVssWriterComponentsExt **ppWriter)) \
    M(T, 5, HRESULT, InitializeForBackup, (T *This, BSTR bstrXML)) \
    M(T, 6, HRESULT, SetBackupState, (T *This, boolean bSelectComponents, boolean bBackupBootableSystemState, VSS_BACKUP_TYPE backupType, boolean bPartialFileSupport)) \
    M(T, 7, HRESULT, InitializeForRestore, (T *This, BSTR bstrXML)) \
    M(T, 8, HRESULT, SetRestoreState, (T *This, VSS_RESTORE_TYPE restoreType)) \
    M(T, 9, HRESULT, GatherWriterMetadata, (T *This, IVssAsync **pAsync)) \
    M(T, 10, HRESULT, GetWriterMetadataCount, (T *This, UINT *pcWriters)) \
    M(T, 11, HRESULT, GetWriterMetadata, (T *This, UINT iWriter, VSS_ID *pidInstance, IVssExamineWriterMetadata **ppMetadata)) \
    M(T, 12, HRESULT, FreeWriterMetadata, (T *This)) \
    M(T, 13, HRESULT, AddComponent, (T *This, VSS_ID instanceId, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName)) \
    M(T, 14, HRESULT, PrepareForBackup, (T *This, IVssAsync **ppAsync)) \
    M(T, 15, HRESULT, AbortBackup, (T *This)) \
    M(T, 16, HRESULT, GatherWriterStatus, (T *This, IVssAsync **pAsync)) \
    M(T, 17, HRESULT, GetWriterStatusCount, (T *This, UINT *pcWriters)) \
    M(T, 18, HRESULT, FreeWriterStatus, (T *This)) \
    M(T, 19, HRESULT, GetWriterStatus, (T *This, UINT iWriter, VSS_ID *pidInstance, VSS_ID *pidWriter, BSTR *pbstrWriter, VSS_WRITER_STATE *pnStatus, HRESULT *phResultFailure)) \
    M(T, 20, HRESULT, SetBackupSucceeded, (T *This, VSS_ID instanceId, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, boolean bSucceded)) \
    M(T, 21, HRESULT, SetBackupOptions, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszBackupOptions)) \
    M(T, 22, HRESULT, SetSelectedForRestore, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, boolean bSelectedForRestore)) \
    M(T, 23, HRESULT, SetRestoreOptions, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszRestoreOptions)) \
    M(T, 24, HRESULT, SetAdditionalRestores, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, boolean bAdditionalRestores)) \
    M(T, 25, HRESULT, SetPreviousBackupStamp, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszPreviousBackupStamp)) \
    M(T, 26, HRESULT, SaveAsXML, (T *This, BSTR *pbstrXML)) \
    M(T, 27, HRESULT, BackupComplete, (T *This, IVssAsync **ppAsync)) \
    M(T, 28, HRESULT, AddAlternativeLocationMapping, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE componentType, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszPath, LPCWSTR wszFilespec, boolean bRecursive, LPCWSTR wszDestination)) \
    M(T, 29, HRESULT, AddRestoreSubcomponent, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE componentType, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszSubComponentLogicalPath, LPCWSTR wszSubComponentName, boolean bRepair)) \
    M(T, 30, HRESULT, SetFileRestoreStatus, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, VSS_FILE_RESTORE_STATUS status)) \
    M(T, 31, HRESULT, AddNewTarget, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszPath, LPCWSTR wszFileName, boolean bRecursive, LPCWSTR wszAlternatePath)) \
    M(T, 32, HRESULT, SetRangesFilePath, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, UINT iPartialFile, LPCWSTR wszRangesFile)) \
    M(T, 33, HRESULT, PreRestore, (T *This, IVssAsync **ppAsync)) \
    M(T, 34, HRESULT, PostRestore, (T *This, IVssAsync **ppAsync)) \
    M(T, 35, HRESULT, SetContext, (T *This, LONG lContext)) \
    M(T, 36, HRESULT, StartSnapshotSet, (T *This, VSS_ID *pSnapshotSetId)) \
    M(T, 37, HRESULT, AddToSnapshotSet, (T *This, VSS_PWSZ pwszVolumeName, VSS_ID ProviderId, VSS_ID *pidSnapshot)) \
    M(T, 38, HRESULT, DoSnapshotSet, (T *This, IVssAsync **ppAsync)) \
    M(T, 39, HRESULT, DeleteSnapshots, (T *This, VSS_ID SourceObjectId, VSS_OBJECT_TYPE eSourceObjectType, WINBOOL bForceDelete, LONG *plDeletedSnapshots, VSS_ID *pNondeletedSnapshotID)) \
    M(T, 40, HRESULT, ImportSnapshots, (T *This, IVssAsync **ppAsync)) \
    M(T, 41, HRESULT, BreakSnapshotSet, (T *This, VSS_ID SnapshotSetId)) \
    M(T, 42, HRESULT, GetSnapshotProperties, (T *This, VSS_ID SnapshotId, VSS_SNAPSHOT_PROP *pProp)) \
    M(T, 43, HRESULT, Query, (T *This, VSS_ID QueriedObjectId, VSS_OBJECT_TYPE eQueriedObjectType, VSS_OBJECT_TYPE eReturnedObjectsType, IVssEnumObject **ppEnum)) \
    M(T, 44, HRESULT, IsVolumeSupported, (T *This, VSS_ID ProviderId, VSS_PWSZ pwszVolumeName, WINBOOL *pbSupportedByThisProvider)) \
    M(T, 45, HRESULT, DisableWriterClasses, (T *This, const VSS_ID *rgWriterClassId, UINT cClassId)) \
    M(T, 46, HRESULT, EnableWriterClasses, (T *This, const VSS_ID *rgWriterClassId, UINT cClassId)) \
    M(T, 47, HRESULT, DisableWriterInstances, (T *This, const VSS_ID *rgWriterInstanceId, UINT cInstanceId)) \
    M(T, 48, HRESULT, ExposeSnapshot, (T *This, VSS_ID SnapshotId, VSS_PWSZ wszPathFromRoot, LONG lAttributes, VSS_PWSZ wszExpose, VSS_PWSZ *pwszExposed)) \
    M(T, 49, HRESULT, RevertToSnapshot, (T *This, VSS_ID SnapshotId, WINBOOL bForceDismount)) \
    M(T, 50, HRESULT, QueryRevertStatus, (T *This, VSS_PWSZ pwszVolume, IVssAsync **ppAsync))

#define VSIM_BACKUP_EX_SLOTS(M, T) \
    M(T, 51, HRESULT, GetWriterMetadataEx, (T *This, UINT iWriter, VSS_ID *pidInstance, IVssExamineWriterMetadataEx **ppMetadata)) \
    M(T, 52, HRESULT, SetSelectedForRestoreEx, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, boolean bSelectedForRestore, VSS_ID instanceId))

#define VSIM_BACKUP_EX2_SLOTS(M, T) \
    M(T, 53, HRESULT, UnexposeSnapshot, (T *This, VSS_ID snapshotId)) \
    M(T, 54, HRESULT, SetAuthoritativeRestore, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, boolean bAuth)) \
    M(T, 55, HRESULT, SetRollForward, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, VSS_ROLLFORWARD_TYPE rollType, LPCWSTR wszRollForwardPoint)) \
    M(T, 56, HRESULT, SetRestoreName, (T *This, VSS_ID writerId, VSS_COMPONENT_TYPE ct, LPCWSTR wszLogicalPath, LPCWSTR wszComponentName, LPCWSTR wszRestoreName)) \
    M(T, 57, HRESULT, BreakSnapshotSetEx, (T *This, VSS_ID SnapshotSetID, DWORD dwBreakFlags, IVssAsync **ppAsync)) \
    M(T, 58, HRESULT, PreFastRecovery, (T *This, VSS_ID SnapshotSetID, DWORD dwPreFastRecoveryFlags, IVssAsync **ppAsync)) \
    M(T, 59, HRESULT, FastRecovery, (T *This, VSS_ID SnapshotSetID, DWORD dwFastRecoveryFlags, IVssAsync **ppAsync))

/* Every vtable the simulator defines: V(interface, slot lists...). */
#define VSIM_VTABLES(V) \
    V(IUnknown, VSIM_IUNKNOWN_SLOTS) \
    V(IVssAsync, VSIM_IUNKNOWN_SLOTS, VSIM_ASYNC_SLOTS) \
    V(IVssWMFiledesc, VSIM_IUNKNOWN_SLOTS, VSIM_WMFILEDESC_SLOTS) \
    V(IVssWMDependency, VSIM_IUNKNOWN_SLOTS, VSIM_WMDEPENDENCY_SLOTS) \
    V(IVssWMComponent, VSIM_IUNKNOWN_SLOTS, VSIM_WMCOMPONENT_SLOTS) \
    V(IVssExamineWriterMetadata, VSIM_IUNKNOWN_SLOTS, VSIM_EWM_SLOTS) \
    V(IVssExamineWriterMetadataEx, VSIM_IUNKNOWN_SLOTS, VSIM_EWM_SLOTS, VSIM_EWM_EX_SLOTS) \
    V(IVssExamineWriterMetadataEx2, VSIM_IUNKNOWN_SLOTS, VSIM_EWM_SLOTS, VSIM_EWM_EX_SLOTS, VSIM_EWM_EX2_SLOTS) \
    V(IVssWriterComponents, VSIM_WRITERCOMPONENTS_SLOTS) \
    V(IVssWriterComponentsExt, VSIM_WRITERCOMPONENTS_SLOTS) \
    V(IVssComponent, VSIM_IUNKNOWN_SLOTS, VSIM_COMPONENT_SLOTS) \
    V(IVssComponentEx, VSIM_IUNKNOWN_SLOTS, VSIM_COMPONENT_SLOTS, VSIM_COMPONENT_EX_SLOTS) \
    V(IVssBackupComponents, VSIM_IUNKNOWN_SLOTS, VSIM_BACKUP_SLOTS) \
    V(IVssBackupComponentsEx, VSIM_IUNKNOWN_SLOTS, VSIM_BACKUP_SLOTS, VSIM_BACKUP_EX_SLOTS) \
    V(IVssBackupComponentsEx2, VSIM_IUNKNOWN_SLOTS, VSIM_BACKUP_SLOTS, VSIM_BACKUP_EX_SLOTS, VSIM_BACKUP_EX2_SLOTS)

/* ------------------------------------------------------------- struct layouts */
/* F(type, field, documented x64 offset) */
#define VSIM_COMPONENTINFO_FIELDS(F) \
    F(VSS_COMPONENT_TYPE, type, 0) \
    F(BSTR, bstrLogicalPath, 8) \
    F(BSTR, bstrComponentName, 16) \
    F(BSTR, bstrCaption, 24) \
    F(BYTE *, pbIcon, 32) \
    F(UINT, cbIcon, 40) \
    F(boolean, bRestoreMetadata, 44) \
    F(boolean, bNotifyOnBackupComplete, 45) \
    F(boolean, bSelectable, 46) \
    F(boolean, bSelectableForRestore, 47) \
    F(DWORD, dwComponentFlags, 48) \
    F(UINT, cFileCount, 52) \
    F(UINT, cDatabases, 56) \
    F(UINT, cLogFiles, 60) \
    F(UINT, cDependencies, 64)
#define VSIM_COMPONENTINFO_SIZE 72

#define VSIM_SNAPSHOT_PROP_FIELDS(F) \
    F(VSS_ID, m_SnapshotId, 0) \
    F(VSS_ID, m_SnapshotSetId, 16) \
    F(LONG, m_lSnapshotsCount, 32) \
    F(VSS_PWSZ, m_pwszSnapshotDeviceObject, 40) \
    F(VSS_PWSZ, m_pwszOriginalVolumeName, 48) \
    F(VSS_PWSZ, m_pwszOriginatingMachine, 56) \
    F(VSS_PWSZ, m_pwszServiceMachine, 64) \
    F(VSS_PWSZ, m_pwszExposedName, 72) \
    F(VSS_PWSZ, m_pwszExposedPath, 80) \
    F(VSS_ID, m_ProviderId, 88) \
    F(LONG, m_lSnapshotAttributes, 104) \
    F(VSS_TIMESTAMP, m_tsCreationTimestamp, 112) \
    F(VSS_SNAPSHOT_STATE, m_eStatus, 120)
#define VSIM_SNAPSHOT_PROP_SIZE 128

/* ------------------------------------------------------------------ constants */
/* X(name, value) */
#define VSIM_ENUM_COMPONENT_TYPE(X) X(VSS_CT_UNDEFINED, 0) X(VSS_CT_DATABASE, 1) X(VSS_CT_FILEGROUP, 2)
#define VSIM_ENUM_BACKUP_TYPE(X) \
    X(VSS_BT_UNDEFINED, 0) X(VSS_BT_FULL, 1) X(VSS_BT_INCREMENTAL, 2) X(VSS_BT_DIFFERENTIAL, 3) \
    X(VSS_BT_LOG, 4) X(VSS_BT_COPY, 5) X(VSS_BT_OTHER, 6)
#define VSIM_ENUM_RESTORE_TYPE(X) X(VSS_RTYPE_UNDEFINED, 0) X(VSS_RTYPE_BY_COPY, 1) X(VSS_RTYPE_IMPORT, 2) X(VSS_RTYPE_OTHER, 3)
#define VSIM_ENUM_WRITER_STATE(X) \
    X(VSS_WS_UNKNOWN, 0) X(VSS_WS_STABLE, 1) X(VSS_WS_WAITING_FOR_FREEZE, 2) X(VSS_WS_WAITING_FOR_THAW, 3) \
    X(VSS_WS_WAITING_FOR_POST_SNAPSHOT, 4) X(VSS_WS_WAITING_FOR_BACKUP_COMPLETE, 5) \
    X(VSS_WS_FAILED_AT_IDENTIFY, 6) X(VSS_WS_FAILED_AT_PREPARE_BACKUP, 7) \
    X(VSS_WS_FAILED_AT_PREPARE_SNAPSHOT, 8) X(VSS_WS_FAILED_AT_FREEZE, 9) X(VSS_WS_FAILED_AT_THAW, 10) \
    X(VSS_WS_FAILED_AT_POST_SNAPSHOT, 11) X(VSS_WS_FAILED_AT_BACKUP_COMPLETE, 12) \
    X(VSS_WS_FAILED_AT_PRE_RESTORE, 13) X(VSS_WS_FAILED_AT_POST_RESTORE, 14) X(VSS_WS_FAILED_AT_BACKUPSHUTDOWN, 15)
#define VSIM_ENUM_FILE_RESTORE_STATUS(X) X(VSS_RS_UNDEFINED, 0) X(VSS_RS_NONE, 1) X(VSS_RS_ALL, 2) X(VSS_RS_FAILED, 3)
#define VSIM_ENUM_RESTORE_TARGET(X) \
    X(VSS_RT_UNDEFINED, 0) X(VSS_RT_ORIGINAL, 1) X(VSS_RT_ALTERNATE, 2) X(VSS_RT_DIRECTED, 3) X(VSS_RT_ORIGINAL_LOCATION, 4)
#define VSIM_ENUM_USAGE_TYPE(X) \
    X(VSS_UT_UNDEFINED, 0) X(VSS_UT_BOOTABLESYSTEMSTATE, 1) X(VSS_UT_SYSTEMSERVICE, 2) X(VSS_UT_USERDATA, 3) X(VSS_UT_OTHER, 4)
#define VSIM_ENUM_SOURCE_TYPE(X) X(VSS_ST_UNDEFINED, 0) X(VSS_ST_TRANSACTEDDB, 1) X(VSS_ST_NONTRANSACTEDDB, 2) X(VSS_ST_OTHER, 3)
#define VSIM_ENUM_RESTOREMETHOD(X) \
    X(VSS_RME_UNDEFINED, 0) X(VSS_RME_RESTORE_IF_NOT_THERE, 1) X(VSS_RME_RESTORE_IF_CAN_REPLACE, 2) \
    X(VSS_RME_STOP_RESTORE_START, 3) X(VSS_RME_RESTORE_TO_ALTERNATE_LOCATION, 4) X(VSS_RME_RESTORE_AT_REBOOT, 5) \
    X(VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE, 6) X(VSS_RME_CUSTOM, 7) X(VSS_RME_RESTORE_STOP_START, 8)
#define VSIM_ENUM_WRITERRESTORE(X) X(VSS_WRE_UNDEFINED, 0) X(VSS_WRE_NEVER, 1) X(VSS_WRE_IF_REPLACE_FAILS, 2) X(VSS_WRE_ALWAYS, 3)
#define VSIM_ENUM_OBJECT_TYPE(X) \
    X(VSS_OBJECT_UNKNOWN, 0) X(VSS_OBJECT_NONE, 1) X(VSS_OBJECT_SNAPSHOT_SET, 2) X(VSS_OBJECT_SNAPSHOT, 3) X(VSS_OBJECT_PROVIDER, 4)
#define VSIM_ENUM_ROLLFORWARD_TYPE(X) X(VSS_RF_UNDEFINED, 0) X(VSS_RF_NONE, 1) X(VSS_RF_ALL, 2) X(VSS_RF_PARTIAL, 3)
#define VSIM_ENUM_SNAPSHOT_STATE(X) X(VSS_SS_UNKNOWN, 0) X(VSS_SS_CREATED, 12)

/* Plain integer constants: X(name, value). */
#define VSIM_INT_CONSTANTS(X) \
    X(VSS_BS_AUTHORITATIVE_RESTORE, 0x4000) \
    X(VSS_VOLSNAP_ATTR_PERSISTENT, 0x1) X(VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE, 0x8) \
    X(VSS_VOLSNAP_ATTR_NO_WRITERS, 0x10) X(VSS_VOLSNAP_ATTR_DIFFERENTIAL, 0x20000) \
    X(VSS_VOLSNAP_ATTR_AUTORECOVER, 0x400000) \
    X(VSS_CTX_BACKUP, 0x0) X(VSS_CTX_FILE_SHARE_BACKUP, 0x10) X(VSS_CTX_NAS_ROLLBACK, 0x19) \
    X(VSS_CTX_APP_ROLLBACK, 0x9) X(VSS_CTX_CLIENT_ACCESSIBLE, 0x1d) X(VSS_CTX_CLIENT_ACCESSIBLE_WRITERS, 0xd)

/* HRESULTs: X(name, value as an unsigned 32-bit number). */
#define VSIM_HRESULTS(X) \
    X(S_OK, 0x0u) X(S_FALSE, 0x1u) \
    X(E_NOTIMPL, 0x80004001u) X(E_NOINTERFACE, 0x80004002u) X(E_POINTER, 0x80004003u) \
    X(E_UNEXPECTED, 0x8000FFFFu) X(E_ACCESSDENIED, 0x80070005u) X(E_OUTOFMEMORY, 0x8007000Eu) \
    X(E_INVALIDARG, 0x80070057u) \
    X(VSS_S_ASYNC_PENDING, 0x00042309u) X(VSS_S_ASYNC_FINISHED, 0x0004230Au) X(VSS_S_ASYNC_CANCELLED, 0x0004230Bu) \
    X(VSS_E_BAD_STATE, 0x80042301u) X(VSS_E_UNEXPECTED, 0x80042302u) X(VSS_E_PROVIDER_NOT_REGISTERED, 0x80042304u) \
    X(VSS_E_OBJECT_NOT_FOUND, 0x80042308u) X(VSS_E_VOLUME_NOT_SUPPORTED, 0x8004230Cu) \
    X(VSS_E_OBJECT_ALREADY_EXISTS, 0x8004230Du) X(VSS_E_INVALID_XML_DOCUMENT, 0x80042311u) \
    X(VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED, 0x80042312u) X(VSS_E_SNAPSHOT_SET_IN_PROGRESS, 0x80042316u) \
    X(VSS_E_UNSUPPORTED_CONTEXT, 0x8004231Bu)

/* ================================================================ the types */

#if defined(_WIN32)

#ifndef CONST_VTABLE
#define CONST_VTABLE      /* vtables are const data */
#endif
#include <windows.h>
#include <vss.h>
#include <vswriter.h>
#include <vsbackup.h>

#else /* Linux: the same declarations with Windows sizes */

typedef int32_t HRESULT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef uint32_t UINT;
typedef int32_t INT;
typedef int32_t WINBOOL;
typedef uint8_t boolean;       /* MIDL boolean / SDK bool: one byte */
typedef uint8_t BYTE;
typedef int64_t LONGLONG;
typedef uint16_t WCHAR;        /* one UTF-16 code unit, never wchar_t */
typedef const WCHAR *LPCWSTR;
typedef WCHAR *BSTR;
typedef WCHAR *VSS_PWSZ;
typedef LONGLONG VSS_TIMESTAMP;
typedef sim_guid GUID;
typedef GUID IID;
typedef GUID VSS_ID;
typedef const IID *REFIID;
typedef struct FILETIME { DWORD dwLowDateTime; DWORD dwHighDateTime; } FILETIME;
#define STDMETHODCALLTYPE

#define VSIM_ENUMERATOR(name, value) name = value,
typedef enum { VSIM_ENUM_COMPONENT_TYPE(VSIM_ENUMERATOR) } VSS_COMPONENT_TYPE;
typedef enum { VSIM_ENUM_BACKUP_TYPE(VSIM_ENUMERATOR) } VSS_BACKUP_TYPE;
typedef enum { VSIM_ENUM_RESTORE_TYPE(VSIM_ENUMERATOR) } VSS_RESTORE_TYPE;
typedef enum { VSIM_ENUM_WRITER_STATE(VSIM_ENUMERATOR) } VSS_WRITER_STATE;
typedef enum { VSIM_ENUM_FILE_RESTORE_STATUS(VSIM_ENUMERATOR) } VSS_FILE_RESTORE_STATUS;
typedef enum { VSIM_ENUM_RESTORE_TARGET(VSIM_ENUMERATOR) } VSS_RESTORE_TARGET;
typedef enum { VSIM_ENUM_USAGE_TYPE(VSIM_ENUMERATOR) } VSS_USAGE_TYPE;
typedef enum { VSIM_ENUM_SOURCE_TYPE(VSIM_ENUMERATOR) } VSS_SOURCE_TYPE;
typedef enum { VSIM_ENUM_RESTOREMETHOD(VSIM_ENUMERATOR) } VSS_RESTOREMETHOD_ENUM;
typedef enum { VSIM_ENUM_WRITERRESTORE(VSIM_ENUMERATOR) } VSS_WRITERRESTORE_ENUM;
typedef enum { VSIM_ENUM_OBJECT_TYPE(VSIM_ENUMERATOR) } VSS_OBJECT_TYPE;
typedef enum { VSIM_ENUM_ROLLFORWARD_TYPE(VSIM_ENUMERATOR) } VSS_ROLLFORWARD_TYPE;
typedef enum { VSIM_ENUM_SNAPSHOT_STATE(VSIM_ENUMERATOR) } VSS_SNAPSHOT_STATE;
enum { VSIM_INT_CONSTANTS(VSIM_ENUMERATOR) };
#undef VSIM_ENUMERATOR

#define S_OK ((HRESULT)0x0u)
#define S_FALSE ((HRESULT)0x1u)
#define E_NOTIMPL ((HRESULT)0x80004001u)
#define E_NOINTERFACE ((HRESULT)0x80004002u)
#define E_POINTER ((HRESULT)0x80004003u)
#define E_UNEXPECTED ((HRESULT)0x8000FFFFu)
#define E_ACCESSDENIED ((HRESULT)0x80070005u)
#define E_OUTOFMEMORY ((HRESULT)0x8007000Eu)
#define E_INVALIDARG ((HRESULT)0x80070057u)
#define VSS_S_ASYNC_PENDING ((HRESULT)0x00042309u)
#define VSS_S_ASYNC_FINISHED ((HRESULT)0x0004230Au)
#define VSS_S_ASYNC_CANCELLED ((HRESULT)0x0004230Bu)
#define VSS_E_BAD_STATE ((HRESULT)0x80042301u)
#define VSS_E_UNEXPECTED ((HRESULT)0x80042302u)
#define VSS_E_PROVIDER_NOT_REGISTERED ((HRESULT)0x80042304u)
#define VSS_E_OBJECT_NOT_FOUND ((HRESULT)0x80042308u)
#define VSS_E_VOLUME_NOT_SUPPORTED ((HRESULT)0x8004230Cu)
#define VSS_E_OBJECT_ALREADY_EXISTS ((HRESULT)0x8004230Du)
#define VSS_E_INVALID_XML_DOCUMENT ((HRESULT)0x80042311u)
#define VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED ((HRESULT)0x80042312u)
#define VSS_E_SNAPSHOT_SET_IN_PROGRESS ((HRESULT)0x80042316u)
#define VSS_E_UNSUPPORTED_CONTEXT ((HRESULT)0x8004231Bu)
#define SUCCEEDED(hr) ((HRESULT)(hr) >= 0)
#define FAILED(hr) ((HRESULT)(hr) < 0)

#define VSIM_FIELD(type, name, offset) type name;
typedef struct VSS_COMPONENTINFO { VSIM_COMPONENTINFO_FIELDS(VSIM_FIELD) } VSS_COMPONENTINFO;
typedef const VSS_COMPONENTINFO *PVSSCOMPONENTINFO;
typedef struct VSS_SNAPSHOT_PROP { VSIM_SNAPSHOT_PROP_FIELDS(VSIM_FIELD) } VSS_SNAPSHOT_PROP;
#undef VSIM_FIELD

typedef struct IXMLDOMDocument IXMLDOMDocument;    /* never handed out (GetDocument is not supported) */
typedef struct IVssEnumObject IVssEnumObject;      /* never handed out (Query is not supported) */

/* Interfaces: a pointer to a vtable pointer. */
#define VSIM_DECLARE_INTERFACE(I, ...) \
    typedef struct I##Vtbl I##Vtbl; \
    typedef struct I { const I##Vtbl *lpVtbl; } I;
VSIM_VTABLES(VSIM_DECLARE_INTERFACE)
#undef VSIM_DECLARE_INTERFACE

#define VSIM_MEMBER(T, slot, ret, name, params) ret (STDMETHODCALLTYPE *name) params;
#define VSIM_VTBL_1(I, A) struct I##Vtbl { A(VSIM_MEMBER, I) };
#define VSIM_VTBL_2(I, A, B) struct I##Vtbl { A(VSIM_MEMBER, I) B(VSIM_MEMBER, I) };
#define VSIM_VTBL_3(I, A, B, C) struct I##Vtbl { A(VSIM_MEMBER, I) B(VSIM_MEMBER, I) C(VSIM_MEMBER, I) };
#define VSIM_VTBL_4(I, A, B, C, D) struct I##Vtbl { A(VSIM_MEMBER, I) B(VSIM_MEMBER, I) C(VSIM_MEMBER, I) D(VSIM_MEMBER, I) };
#define VSIM_VTBL_PICK(_1, _2, _3, _4, _5, NAME, ...) NAME
#define VSIM_DEFINE_VTBL(...) VSIM_VTBL_PICK(__VA_ARGS__, VSIM_VTBL_4, VSIM_VTBL_3, VSIM_VTBL_2, VSIM_VTBL_1, unused)(__VA_ARGS__)
VSIM_VTABLES(VSIM_DEFINE_VTBL)

#endif /* _WIN32 */

/* Slot numbers (from the reference tables) checked against the vtable in use: on
 * Linux against the structs above, in the mingw build against the SDK headers. */
#define VSIM_ASSERT_SLOT(T, slot, ret, name, params) \
    _Static_assert(offsetof(T##Vtbl, name) == (slot) * sizeof(void *), #T "::" #name " is not at slot " #slot);
#define VSIM_ASSERT_SLOTS_1(I, A) A(VSIM_ASSERT_SLOT, I)
#define VSIM_ASSERT_SLOTS_2(I, A, B) A(VSIM_ASSERT_SLOT, I) B(VSIM_ASSERT_SLOT, I)
#define VSIM_ASSERT_SLOTS_3(I, A, B, C) A(VSIM_ASSERT_SLOT, I) B(VSIM_ASSERT_SLOT, I) C(VSIM_ASSERT_SLOT, I)
#define VSIM_ASSERT_SLOTS_4(I, A, B, C, D) A(VSIM_ASSERT_SLOT, I) B(VSIM_ASSERT_SLOT, I) C(VSIM_ASSERT_SLOT, I) D(VSIM_ASSERT_SLOT, I)
#define VSIM_ASSERT_PICK(_1, _2, _3, _4, _5, NAME, ...) NAME
#define VSIM_ASSERT_VTBL_SLOTS(...) VSIM_ASSERT_PICK(__VA_ARGS__, VSIM_ASSERT_SLOTS_4, VSIM_ASSERT_SLOTS_3, VSIM_ASSERT_SLOTS_2, VSIM_ASSERT_SLOTS_1, unused)(__VA_ARGS__)

#endif
