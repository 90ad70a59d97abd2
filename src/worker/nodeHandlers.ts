/** The node actions (Start/Stop Cluster Service, Pause, Resume): src/engine/nodeActions.ts. */
import { runNodeAction } from '../engine/nodeActions';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

export function registerNodeHandlers(server: WorkerServer): void {
  server.onRequest(Requests.nodeAction, (params, ctx) => runNodeAction(params, ctx));
}
