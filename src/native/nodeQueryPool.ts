/**
 * Reads many nodes at once: a few worker threads (nodeQueryThread.ts), each making the
 * synchronous calls of readNodeRaw for one node at a time, so that nodes that answer
 * slowly (an unreachable node waits for its RPC to time out) do not hold up the others.
 *
 * Why threads and not koffi's asynchronous calls: OpenClusterNode and GetClusterNodeState
 * report failures through GetLastError, which is per thread; an asynchronous call runs on
 * a thread of koffi's choosing, and the code could not be read back on the right one.
 * Each query thread reads its own last error right after its own call.
 *
 * The threads share the engine's process and library, so the cluster handle opened on the
 * main thread is valid in them; they never close it. Results come back in the order of
 * `names` whatever order the nodes answer in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ClusterHandle } from './clusapi';
import { getNativeTarget } from './loader';
import type { RawNodeRead } from './nodeRead';
import type { NativeTarget } from './target';

export interface NodeQueryThreadData {
  target: NativeTarget;
}

export interface NodeQueryRequest {
  index: number;
  cluster: bigint;
  name: string;
}

export type NodeQueryResponse = { index: number; read: RawNodeRead } | { index: number; fatal: string };

/** The thread's script: beside this module, both in the compiled tree and in the bundle (dist/). */
export function nodeQueryThreadFile(): string {
  return path.join(__dirname, 'nodeQueryThread.js');
}

/** Whether the thread's script is there (it is not when this module was bundled into a program without it). */
export function nodeQueryThreadsAvailable(): boolean {
  return fs.existsSync(nodeQueryThreadFile());
}

/**
 * Reads every node in `names` through `cluster` with up to `concurrency` threads.
 * `onRead` is called as each node answers (for progress). A cancelled signal rejects with
 * an AbortError once the nodes being read when it came have been read (their handles closed).
 */
export function readNodesInThreads(cluster: ClusterHandle, names: readonly string[], concurrency: number, signal: AbortSignal,
  onRead?: (read: RawNodeRead, done: number) => void): Promise<RawNodeRead[]> {
  const threads = Math.max(1, Math.min(Math.floor(concurrency), names.length));
  const results: (RawNodeRead | undefined)[] = new Array(names.length);
  const pointer = cluster.raw;
  const workers: Worker[] = [];
  return new Promise<RawNodeRead[]>((resolve, reject) => {
    let next = 0;
    let done = 0;
    let inFlight = 0;
    let ending: Error | null = null;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      for (const worker of workers) void worker.terminate();
      if (ending) reject(ending);
      else resolve(results as RawNodeRead[]);
    };
    // A thread inside a node's calls is let finish them (its node handle closed) before the
    // threads end and the caller closes the cluster handle they use.
    const end = (err: Error | null): void => {
      if (ending === null) ending = err;
      next = names.length;
      if (inFlight === 0 || err === null) settle();
    };
    const onAbort = (): void => {
      const err = new Error('The node queries were cancelled.');
      err.name = 'AbortError';
      end(err);
    };
    const send = (worker: Worker): void => {
      if (next >= names.length) return;
      const index = next++;
      inFlight++;
      worker.postMessage({ index, cluster: pointer, name: names[index] } satisfies NodeQueryRequest);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (names.length === 0) return settle();
    const data: NodeQueryThreadData = { target: getNativeTarget() };
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(nodeQueryThreadFile(), { workerData: data });
      workers.push(worker);
      worker.on('message', (response: NodeQueryResponse) => {
        inFlight--;
        if (settled) return;
        if ('fatal' in response) {
          end(new Error(`Reading node ${names[response.index]} failed: ${response.fatal}`));
        } else if (ending === null) {
          results[response.index] = response.read;
          done++;
          onRead?.(response.read, done);
          if (done === names.length) return end(null);
        }
        if (ending !== null) {
          if (inFlight === 0) settle();
          return;
        }
        send(worker);
      });
      // A thread that fails or ends on its own has no call in flight any more.
      worker.on('error', (err) => {
        inFlight = 0;
        end(err);
        settle();
      });
      worker.on('exit', (code) => {
        if (settled) return;
        inFlight = 0;
        end(new Error(`A node query thread ended (exit code ${code}) before every node was read.`));
        settle();
      });
      send(worker);
    }
  });
}
