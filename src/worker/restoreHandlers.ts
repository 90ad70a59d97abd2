/**
 * Restore requests: planRestore (what a restore would do, changing nothing) and
 * restore. Thin wrappers: the policy is in src/engine/restore.ts.
 */
import { planRestore, restoreCluster } from '../engine/restore';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

export function registerRestoreHandlers(server: WorkerServer): void {
  server.onRequest(Requests.planRestore, (params, ctx) => planRestore(params, ctx));
  server.onRequest(Requests.restore, (params, ctx) => restoreCluster(params, ctx));
}
