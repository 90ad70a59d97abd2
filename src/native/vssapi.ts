/**
 * vssapi.dll exports (docs/windows.md, vssapi exports). The typed COM wrappers live in
 * vssBackupComponents.ts and its siblings; this module binds the flat functions.
 */
import { lazyBindings } from './loader';
import { HResultError } from './errors';
import { requirePointer, traceCall, type ComPtr } from './com';
import { withBstr } from './oleaut32';

const api = lazyBindings('vssapi', (lib) => ({
  CreateVssBackupComponentsInternal: lib.func('int32_t CreateVssBackupComponentsInternal(_Out_ void **out)'),
  CreateVssExamineWriterMetadataInternal: lib.func(
    'int32_t CreateVssExamineWriterMetadataInternal(void *bstrXml, _Out_ void **out)'),
  VssFreeSnapshotPropertiesInternal: lib.func('void VssFreeSnapshotPropertiesInternal(void *prop)'),
}));

/** A new IVssBackupComponents pointer (one reference; good for one backup OR one restore). */
export function createVssBackupComponentsPointer(): ComPtr {
  const out: (bigint | null)[] = [null];
  const name = 'CreateVssBackupComponentsInternal';
  const hr = api().CreateVssBackupComponentsInternal(out) as number;
  traceCall(name, hr);
  if (hr < 0) {
    const hint = (hr >>> 0) === 0x80070005
      ? 'the process is neither elevated nor a member of Administrators/Backup Operators'
      : undefined;
    throw new HResultError(name, hr, hint);
  }
  return requirePointer(name, out);
}

/** An IVssExamineWriterMetadata pointer loaded from a saved Writer Metadata Document. */
export function createVssExamineWriterMetadataPointer(xml: string): ComPtr {
  const name = 'CreateVssExamineWriterMetadataInternal';
  return withBstr(xml, (bstr) => {
    const out: (bigint | null)[] = [null];
    const hr = api().CreateVssExamineWriterMetadataInternal(bstr, out) as number;
    traceCall(name, hr);
    if (hr < 0) throw new HResultError(name, hr);
    return requirePointer(name, out);
  });
}

/** Frees the strings inside a VSS_SNAPSHOT_PROP (not the struct memory, which the caller owns). */
export function vssFreeSnapshotProperties(prop: Buffer): void {
  api().VssFreeSnapshotPropertiesInternal(prop);
}
