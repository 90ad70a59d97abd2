/**
 * A node query thread (started by nodeQueryPool.ts): it loads the same native library
 * as the engine (the same process, so the same open cluster handle is valid here) and
 * reads the nodes it is sent, one at a time, with synchronous calls. Each thread keeps
 * its own last-error value (GetLastError is per thread), so a failed call's code is read
 * on the thread that made it. Its first message hands the pool the memory where it
 * publishes the call in progress (callWatch.ts), so a call that hangs is noticed.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { callWatchBuffer } from './callWatch';
import { ClusterHandle } from './clusapi';
import { attachNativeThread } from './loader';
import { readNodeRaw } from './nodeRead';
import type { NodeQueryReady, NodeQueryRequest, NodeQueryResponse, NodeQueryThreadData } from './nodeQueryPool';

/** Serves node queries; does nothing when this module is merely imported on a main thread (e.g. by a check of every bridge module). */
function serve(): void {
  if (isMainThread || !parentPort) return;
  const port = parentPort;
  attachNativeThread((workerData as NodeQueryThreadData).target);
  // This thread's calls are published in its own copy of callWatch's memory: the pool watches it for hung calls.
  port.postMessage({ ready: true, calls: callWatchBuffer() } satisfies NodeQueryReady);
  port.on('message', (request: NodeQueryRequest) => {
    let response: NodeQueryResponse;
    try {
      // The handle belongs to the engine's main thread: it is used here, never closed here.
      const cluster = new ClusterHandle(request.cluster, null);
      response = { index: request.index, read: readNodeRaw(cluster, request.name) };
    } catch (err) {
      response = { index: request.index, fatal: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(response);
  });
}

serve();
