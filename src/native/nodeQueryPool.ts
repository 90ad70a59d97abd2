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

/** The threads, kept between statuses (the tree refreshes on an interval; a thread takes a while to start). */
let pool: { key: string; workers: Worker[] } | null = null;
/** One read at a time uses the pool. */
let queue: Promise<unknown> = Promise.resolve();

function poolWorkers(count: number): Worker[] {
  const target = getNativeTarget();
  const key = JSON.stringify(target);
  if (pool && pool.key !== key) {
    for (const worker of pool.workers) void worker.terminate();
    pool = null;
  }
  pool ??= { key, workers: [] };
  const data: NodeQueryThreadData = { target };
  while (pool.workers.length < count) {
    const worker = new Worker(nodeQueryThreadFile(), { workerData: data });
    // Idle threads do not keep the engine process alive.
    worker.unref();
    const owner = pool;
    worker.on('exit', () => {
      owner.workers = owner.workers.filter((w) => w !== worker);
    });
    // A thread's failure is reported to the read using it; this keeps it from being unhandled.
    worker.on('error', () => undefined);
    pool.workers.push(worker);
  }
  return pool.workers.slice(0, count);
}

/** Ends the node query threads (tests; the engine process lets them end with it). */
export async function stopNodeQueryThreads(): Promise<void> {
  const workers = pool?.workers ?? [];
  pool = null;
  await Promise.all(workers.map((worker) => worker.terminate()));
}

/**
 * Reads every node in `names` through `cluster` with up to `concurrency` threads.
 * `onRead` is called as each node answers (for progress). A cancelled signal rejects with
 * an AbortError once the nodes being read when it came have been read (their handles closed).
 */
export function readNodesInThreads(cluster: ClusterHandle, names: readonly string[], concurrency: number, signal: AbortSignal,
  onRead?: (read: RawNodeRead, done: number) => void): Promise<RawNodeRead[]> {
  const run = queue.then(() => readWithPool(cluster, names, concurrency, signal, onRead));
  queue = run.catch(() => undefined);
  return run;
}

function readWithPool(cluster: ClusterHandle, names: readonly string[], concurrency: number, signal: AbortSignal,
  onRead?: (read: RawNodeRead, done: number) => void): Promise<RawNodeRead[]> {
  const results: (RawNodeRead | undefined)[] = new Array(names.length);
  const pointer = cluster.raw;
  return new Promise<RawNodeRead[]>((resolve, reject) => {
    let next = 0;
    let done = 0;
    let inFlight = 0;
    let ending: Error | null = null;
    let settled = false;
    const detach: (() => void)[] = [];
    const settle = (): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      for (const undo of detach) undo();
      if (ending) reject(ending);
      else resolve(results as RawNodeRead[]);
    };
    // A thread inside a node's calls is let finish them (its node handle closed) before the
    // caller closes the cluster handle the threads use.
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
    const workers = poolWorkers(Math.max(1, Math.min(Math.floor(concurrency), names.length)));
    for (const worker of workers) {
      const onMessage = (response: NodeQueryResponse): void => {
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
      };
      // A thread that fails or ends has no call in flight any more.
      const onGone = (err?: unknown): void => {
        if (settled) return;
        inFlight = 0;
        end(err instanceof Error ? err : new Error('A node query thread ended before every node was read.'));
        settle();
      };
      worker.on('message', onMessage);
      worker.on('error', onGone);
      worker.on('exit', onGone);
      // Busy threads keep the process alive until their answers are in.
      worker.ref();
      detach.push(() => {
        worker.off('message', onMessage);
        worker.off('error', onGone);
        worker.off('exit', onGone);
        worker.unref();
      });
      send(worker);
    }
  });
}
