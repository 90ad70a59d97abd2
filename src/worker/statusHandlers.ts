/**
 * Requests about the cluster's state: status (local detection) and connect (a cluster
 * by name).
 */
import { connectToCluster, detectLocalCluster } from '../engine/discovery';
import { finishRestoreAfterReboot, pendingRestore } from '../engine/restore';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

export function registerStatusHandlers(server: WorkerServer): void {
  // A restore whose journal is on disk is part of this machine's state: status reports it.
  // The first status after a restart also finishes a restore that waited for it (its files now in place).
  server.onRequest(Requests.status, async (_params, ctx) => {
    await finishRestoreAfterReboot(ctx);
    return { ...await detectLocalCluster(ctx), pendingRestore: await pendingRestore() };
  });
  server.onRequest(Requests.connect, (params, ctx) => connectToCluster(params?.name, ctx));
}
