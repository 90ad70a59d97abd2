/**
 * Restore requests: planRestore (what a restore would do, changing nothing), restore,
 * pendingRestore (a restore whose journal is on disk) and recover (finish it). Thin
 * wrappers: the policy is in src/engine/restore*.ts.
 */
import { finishRestoreAfterReboot, pendingRestore, planRestore, recoverRestore, restoreCluster } from '../engine/restore';
import { recoverWithEvent, restoreWithEvents } from '../engine/outcomeEvents';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

export function registerRestoreHandlers(server: WorkerServer): void {
  server.onRequest(Requests.planRestore, (params, ctx) => planRestore(params, ctx));
  server.onRequest(Requests.restore, (params, ctx) => restoreWithEvents(params, ctx, (watched) => restoreCluster(params, watched)));
  server.onRequest(Requests.pendingRestore, async (_params, ctx) => {
    await finishRestoreAfterReboot(ctx);
    return pendingRestore();
  });
  server.onRequest(Requests.recover, (_params, ctx) => recoverWithEvent(ctx, () => recoverRestore(ctx)));
}
