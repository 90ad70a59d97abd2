/**
 * Requests about the cluster's state: status (local detection) and connect (a cluster
 * by name).
 */
import { connectToCluster, detectLocalCluster } from '../engine/discovery';
import { pendingRestore } from '../engine/restore';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

export function registerStatusHandlers(server: WorkerServer): void {
  // A restore whose journal is on disk is part of this machine's state: status reports it.
  server.onRequest(Requests.status, async (_params, ctx) => ({ ...await detectLocalCluster(ctx), pendingRestore: await pendingRestore() }));
  server.onRequest(Requests.connect, (params, ctx) => connectToCluster(params?.name, ctx));
}
