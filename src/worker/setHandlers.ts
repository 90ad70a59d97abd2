/**
 * Requests on one backup set as a folder: deleteBackupSet (file work, no cluster). The
 * policy — only a set is ever deleted — is in src/engine/setDeletion.ts.
 */
import { deleteBackupSet } from '../engine/setDeletion';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

export function registerSetHandlers(server: WorkerServer): void {
  server.onRequest(Requests.deleteBackupSet, async (params, ctx) => {
    ctx.progress(`Deleting ${String(params?.path)}`);
    return deleteBackupSet(params, ctx.logger);
  });
}
