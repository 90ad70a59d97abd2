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
 *
 * Hung calls: the engine's watchdog (src/worker/watchdog.ts) sees only the main thread's
 * calls. Each query thread publishes its own call in progress (callWatch.ts, in a buffer of
 * its own that it hands over when it is ready), and the pool samples those buffers while a
 * read runs: a call that has not returned within the same limit fails the read with a
 * NodeCallHungError naming the call and the node. The thread is set aside (a thread cannot
 * be stopped inside a native call) and later reads start new ones, so the pool never stays
 * stuck. Node waits for every thread when the process exits, which would never happen with
 * a thread stuck in a call: once one is set aside, the process ends itself at exit without
 * waiting (see endWithoutWaitingForStuckThreads).
 */
import fs = require('node:fs');
import path = require('node:path');
import { Worker } from 'node:worker_threads';
import { CALL_WORD, readCallName, SEQUENCE_WORD } from './callWatch';
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

/** The first message of a thread: it is ready, and publishes its native calls in `calls` (callWatch.ts layout). */
export interface NodeQueryReady {
  ready: true;
  calls: SharedArrayBuffer;
}

/** A call on a node query thread that did not return within the limit. */
export class NodeCallHungError extends Error {
  constructor(readonly api: string, readonly node: string, readonly limitSeconds: number) {
    super(`${api} for node ${node} did not return within ${limitSeconds} s; the status read was stopped. ` +
      `The node does not answer: check that ${node} is reachable and its Cluster service responds, then refresh.`);
    this.name = 'NodeCallHungError';
  }
}

/** The limit of one call on a query thread: the watchdog's (the engine sets it at start), 120 s by default. */
let callLimitMs = 120_000;

/** Sets the limit of one node query call (seconds > 0), as the engine's watchdog has it. */
export function setNodeCallLimit(seconds: number): void {
  if (Number.isFinite(seconds) && seconds > 0) callLimitMs = seconds * 1000;
}

/** The thread's script: beside this module, both in the compiled tree and in the bundle (dist/). */
export function nodeQueryThreadFile(): string {
  return path.join(__dirname, 'nodeQueryThread.js');
}

/** Whether the thread's script is there (it is not when this module was bundled into a program without it). */
export function nodeQueryThreadsAvailable(): boolean {
  return fs.existsSync(nodeQueryThreadFile());
}

/** A query thread; `calls` is its published call once it said it is ready. */
interface QueryThread {
  worker: Worker;
  calls?: Int32Array;
}

/** The threads, kept between statuses (the tree refreshes on an interval; a thread takes a while to start). */
let pool: { key: string; workers: QueryThread[] } | null = null;
/** Threads set aside inside a call that did not return: what they were doing, for the exit message. */
const stuck: string[] = [];
/** One read at a time uses the pool. */
let queue: Promise<unknown> = Promise.resolve();

function poolWorkers(count: number): QueryThread[] {
  const target = getNativeTarget();
  const key = JSON.stringify(target);
  if (pool && pool.key !== key) {
    for (const thread of pool.workers) void thread.worker.terminate();
    pool = null;
  }
  pool ??= { key, workers: [] };
  const data: NodeQueryThreadData = { target };
  while (pool.workers.length < count) {
    const worker = new Worker(nodeQueryThreadFile(), { workerData: data });
    const thread: QueryThread = { worker };
    // Idle threads do not keep the engine process alive.
    worker.unref();
    const owner = pool;
    worker.on('exit', () => {
      owner.workers = owner.workers.filter((t) => t !== thread);
    });
    worker.once('message', (ready: NodeQueryReady) => {
      thread.calls = new Int32Array(ready.calls, 0, Math.max(CALL_WORD, SEQUENCE_WORD) + 1);
    });
    // A thread's failure is reported to the read using it; this keeps it from being unhandled.
    worker.on('error', () => undefined);
    pool.workers.push(thread);
  }
  return pool.workers.slice(0, count);
}

/** Ends the node query threads (tests; the engine process lets them end with it). */
export async function stopNodeQueryThreads(): Promise<void> {
  const threads = pool?.workers ?? [];
  pool = null;
  await Promise.all(threads.map((thread) => thread.worker.terminate()));
}

/** What the threads set aside inside a call that did not return were doing (empty: none). */
export function stuckNodeQueryThreads(): readonly string[] {
  return stuck;
}

/**
 * Sets a thread stuck in a call aside: out of the pool, never used again, asked to end if
 * its call ever returns. From then on the process ends at exit without waiting for it.
 */
function setAside(thread: QueryThread, what: string): void {
  if (pool) pool.workers = pool.workers.filter((t) => t !== thread);
  thread.worker.unref();
  void thread.worker.terminate();
  if (stuck.push(what) === 1) process.once('exit', endWithoutWaitingForStuckThreads);
}

/**
 * An 'exit' listener: Node joins every worker thread after the 'exit' event, and a thread
 * inside a native call that never returns is never joined — the process would stay. Ending
 * it with SIGKILL (TerminateProcess on Windows) skips that wait; the exit code is lost, which
 * is why the reason is written to stderr first.
 */
function endWithoutWaitingForStuckThreads(code: number): void {
  try {
    process.stderr.write(`engine: exiting (code ${code}) without waiting for ${stuck.length} node query thread(s) stuck in a call: ${stuck.join('; ')}\n`);
  } catch {
    // nobody reads stderr any more
  }
  process.kill(process.pid, 'SIGKILL');
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
    /** Per thread: the node it is reading and the call sequence number last seen, since when. */
    const watched = new Map<QueryThread, { index: number; sequence: number; since: number }>();
    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
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
    const send = (thread: QueryThread): void => {
      if (next >= names.length) return;
      const index = next++;
      inFlight++;
      watched.set(thread, { index, sequence: -1, since: 0 });
      thread.worker.postMessage({ index, cluster: pointer, name: names[index] } satisfies NodeQueryRequest);
    };
    // The same sampling as the watchdog's: a call counts from when its sequence number was first seen.
    const checkCalls = (): void => {
      const now = performance.now();
      for (const [thread, w] of watched) {
        if (!thread.calls) continue;
        const call = Atomics.load(thread.calls, CALL_WORD);
        const sequence = Atomics.load(thread.calls, SEQUENCE_WORD);
        if (call === 0 || sequence !== w.sequence) {
          w.sequence = call === 0 ? -1 : sequence;
          w.since = now;
          continue;
        }
        if (now - w.since < callLimitMs) continue;
        const api = readCallName(thread.calls.buffer as SharedArrayBuffer, call) || 'a native call';
        const node = names[w.index];
        watched.delete(thread);
        inFlight--;
        const detachThread = detachOf.get(thread);
        detachThread?.();
        setAside(thread, `${api} for node ${node}`);
        end(new NodeCallHungError(api, node, callLimitMs / 1000));
        if (inFlight === 0) settle();
      }
    };
    const watch = setInterval(checkCalls, Math.max(20, Math.min(1000, Math.floor(callLimitMs / 10))));
    const detachOf = new Map<QueryThread, () => void>();
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (names.length === 0) return settle();
    const threads = poolWorkers(Math.max(1, Math.min(Math.floor(concurrency), names.length)));
    for (const thread of threads) {
      const worker = thread.worker;
      const onMessage = (response: NodeQueryResponse | NodeQueryReady): void => {
        if ('ready' in response) return;
        watched.delete(thread);
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
        send(thread);
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
      let attached = true;
      const undo = (): void => {
        if (!attached) return;
        attached = false;
        worker.off('message', onMessage);
        worker.off('error', onGone);
        worker.off('exit', onGone);
        worker.unref();
      };
      detach.push(undo);
      detachOf.set(thread, undo);
      send(thread);
    }
  });
}
