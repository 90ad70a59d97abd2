/**
 * Finding the Cluster Database writer among the writers GatherWriterMetadata reached:
 * the backup reads from it what to copy, the restore checks that it runs and which
 * restore method it reports now.
 */
import { sameGuid, type Guid } from '../native/com';
import type { VssBackupComponents } from '../native/vssBackupComponents';
import { CLUSTER_DATABASE_WRITER_ID } from '../native/vssTypes';
import type { VssExamineWriterMetadata, WriterIdentity } from '../native/vssWriterMetadata';
import type { OperationContext } from './context';
import { errorMessage } from './errors';

/**
 * Calls `read` with the Cluster Database writer's metadata and returns what it returned,
 * or `undefined` when that writer is not among the gathered writers. Every writer's
 * metadata object is released, and the gathered metadata is freed afterwards — after a
 * failure too, reporting the call that failed first.
 */
export function readClusterDatabaseWriter<T>(
  vss: VssBackupComponents, ctx: OperationContext,
  read: (metadata: VssExamineWriterMetadata, identity: WriterIdentity, instanceId: Guid) => T,
): { value: T } | undefined {
  let found: { value: T } | undefined;
  try {
    const count = vss.getWriterMetadataCount();
    ctx.logger.log('info', `${count} VSS writer(s) reported metadata.`);
    for (let i = 0; i < count && !found; i++) {
      const { instanceId, metadata } = vss.getWriterMetadata(i);
      try {
        const identity = metadata.getIdentity();
        ctx.logger.log('debug', `Writer ${i}: "${identity.writerName}" ${identity.writerId} (instance ${identity.instanceId})`);
        if (sameGuid(identity.writerId, CLUSTER_DATABASE_WRITER_ID)) found = { value: read(metadata, identity, instanceId) };
      } finally {
        metadata.release();
      }
    }
  } catch (err) {
    try {
      vss.freeWriterMetadata();
    } catch (freeErr) {
      ctx.logger.log('warn', `FreeWriterMetadata after a failure: ${errorMessage(freeErr)}`);
    }
    throw err;
  }
  vss.freeWriterMetadata();
  return found;
}
