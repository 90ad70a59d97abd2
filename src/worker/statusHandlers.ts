/**
 * Requests about the cluster's state: status (local detection), connect (a cluster
 * by name) and the simulator's leak report.
 */
import { connectToCluster, detectLocalCluster } from '../engine/discovery';
import { EngineError } from '../engine/errors';
import { finishRestoreAfterReboot, pendingRestore } from '../engine/restore';
import { getNativeTarget } from '../native/loader';
import { simulatorLeakReport } from '../native/simulator';
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
  server.onRequest(Requests.leakReport, async () => {
    if (getNativeTarget().kind !== 'simulator') {
      throw new EngineError('BAD_ARGUMENT', 'The leak report is available only when the engine runs against the simulator.');
    }
    await server.whenOthersIdle();
    return simulatorLeakReport();
  });
}
