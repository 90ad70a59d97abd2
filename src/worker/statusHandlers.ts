/**
 * Requests about the cluster's state: status (local detection) and connect (a cluster
 * by name).
 */
import { connectToCluster, detectLocalCluster } from '../engine/discovery';
import type { OperationContext } from '../engine/context';
import { errorMessage } from '../engine/errors';
import { finishRestoreAfterReboot, pendingRestore } from '../engine/restore';
import { isProcessElevated } from '../native/advapi32';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

/** Nodes read at once for a status (the tree and `fcbackup status`): a few slow nodes do not hold up the rest. */
export const STATUS_NODE_CONCURRENCY = 8;

/** Whether this process is elevated, known up front so the UI can say what to do before a backup fails. */
function elevation(ctx: OperationContext): { elevated?: boolean } {
  try {
    const elevated = isProcessElevated();
    ctx.logger.log(elevated ? 'debug' : 'warn', elevated
      ? 'The engine runs elevated (TokenElevation = 1).'
      : 'The engine does not run elevated (TokenElevation = 0): backup and restore need an administrator.');
    return { elevated };
  } catch (err) {
    ctx.logger.log('warn', `Whether the engine runs elevated is not known: ${errorMessage(err)}`);
    return {};
  }
}

export function registerStatusHandlers(server: WorkerServer): void {
  const options = { nodeConcurrency: STATUS_NODE_CONCURRENCY };
  // A restore whose journal is on disk is part of this machine's state: status reports it.
  // The first status after a restart also finishes a restore that waited for it (its files now in place).
  server.onRequest(Requests.status, async (_params, ctx) => {
    await finishRestoreAfterReboot(ctx);
    return { ...await detectLocalCluster(ctx, options), pendingRestore: await pendingRestore(), ...elevation(ctx) };
  });
  server.onRequest(Requests.connect, (params, ctx) => connectToCluster(params?.name, ctx, options));
}
