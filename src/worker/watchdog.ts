/**
 * The engine's watchdog: a worker thread that ends the engine process when one native
 * call has not returned for too long, or when the client is gone while the engine is
 * stuck in a call (an orphan would hold the operation lock forever).
 *
 * koffi calls are synchronous on the engine's main thread, so a Windows API that never
 * returns (an RPC to a node that does not answer, a hung service) stops its event loop:
 * no timer, cancel or IPC message is handled any more. The bridge publishes the call in
 * progress in shared memory (src/native/callWatch.ts); this thread samples it. Past the
 * limit it writes one line to stderr — STOP_LINE_PREFIX and the reason, which names the
 * call — and kills the process. The client shows that reason as the engine's end
 * (src/client/engineStop.ts). A restore interrupted this way left its journal; the next
 * restore or recovery completes it or rolls it back.
 *
 * The limit is FCBACKUP_NATIVE_CALL_LIMIT_SECONDS (default 120 s). Every call the bridge
 * makes returns quickly except those that reach another machine: an RPC to an unreachable
 * node waits for the TCP connection attempts (about 21 s with Windows' default two SYN
 * retransmissions) plus name resolution, and ControlService waits up to 30 s for a service
 * to answer a control (ServicesPipeTimeout, "ERROR_SERVICE_REQUEST_TIMEOUT"). 120 s is four
 * times the longest of these, so a slow but working call is not mistaken for a hung one;
 * killing the engine is the last resort. Tests set a small limit.
 */
import { Worker } from 'node:worker_threads';
import { CALL_WORD, callWatchBuffer, NAME_CHARS, NAME_TABLE_OFFSET, SEQUENCE_WORD } from '../native/callWatch';

/** The first characters of the line the watchdog writes to stderr before it ends the process. */
export const STOP_LINE_PREFIX = 'fcbackup-engine-stopped: ';
export const CALL_LIMIT_ENV = 'FCBACKUP_NATIVE_CALL_LIMIT_SECONDS';
export const DEFAULT_CALL_LIMIT_SECONDS = 120;

/** The limit in seconds from the environment: a positive number, else the default. */
export function callLimitSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[CALL_LIMIT_ENV]?.trim();
  if (!text) return DEFAULT_CALL_LIMIT_SECONDS;
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_CALL_LIMIT_SECONDS;
}

export interface WatchdogOptions {
  limitSeconds: number;
  /** The client's process id: when it is gone and the engine is stuck in a call, the engine ends at once. */
  parentPid: number;
}

export interface Watchdog {
  /** How many running requests are past their point of no return (a stuck call then waits for the full limit). */
  setCommittedCount(count: number): void;
  /** Stops the thread (tests). */
  stop(): Promise<void>;
}

/** What the thread receives; everything it needs, since it imports nothing of ours. */
interface WatchdogData {
  calls: SharedArrayBuffer;
  state: SharedArrayBuffer;
  limitMs: number;
  pollMs: number;
  parentPid: number;
  prefix: string;
  layout: { callWord: number; sequenceWord: number; nameOffset: number; nameChars: number };
}

/**
 * The thread's code. It runs from its source text (`new Worker(…, { eval: true })`), so
 * it must not use anything from the module scope: the bundled engine is one file, and
 * loading it again in a thread would load koffi there too.
 */
function watchdogThread(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const fs = require('node:fs') as typeof import('node:fs');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const data = workerData as WatchdogData;
  const words = new Int32Array(data.calls, 0, Math.max(data.layout.callWord, data.layout.sequenceWord) + 1);
  const committed = new Int32Array(data.state);
  const limitText = `${Math.round(data.limitMs / 100) / 10} s`;
  let seenSequence = -1;
  let seenSince = 0;

  const callName = (number: number): string => {
    const table = new Uint16Array(data.calls, data.layout.nameOffset);
    const start = (number - 1) * data.layout.nameChars;
    let text = '';
    for (let i = 0; i < data.layout.nameChars && table[start + i] !== 0; i++) text += String.fromCharCode(table[start + i]);
    return text || 'a native call';
  };
  const isAlive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  // POSIX re-parents an orphan, so a changed parent id says it at once; Windows keeps the id.
  const parentGone = (): boolean => (process.platform !== 'win32' && process.ppid !== data.parentPid) || !isAlive(data.parentPid);
  const stop = (reason: string): void => {
    try {
      fs.writeSync(2, `${data.prefix}${reason}\n`);
    } catch {
      // nobody reads stderr any more (the client is gone)
    }
    process.kill(process.pid, 'SIGKILL');
  };
  const advice = 'The engine process was stopped so that it holds no lock or handle. A call that does not return usually waits for ' +
    'a node or a service that does not answer: check that the cluster\'s nodes are reachable and their Cluster service responds, ' +
    'then try again. A restore interrupted this way is completed or rolled back by the next restore.';

  setInterval(() => {
    const call = Atomics.load(words, data.layout.callWord);
    const sequence = Atomics.load(words, data.layout.sequenceWord);
    if (call === 0) {
      seenSequence = -1;
      return;
    }
    const now = performance.now();
    if (sequence !== seenSequence) {
      seenSequence = sequence;
      seenSince = now;
      return;
    }
    const name = callName(call);
    if (now - seenSince >= data.limitMs) {
      stop(`${name} did not return within ${limitText}. ${advice}`);
    } else if (Atomics.load(committed, 0) === 0 && parentGone()) {
      stop(`${name} had not returned when the engine's client went away, and no restore was in progress. ${advice}`);
    }
  }, data.pollMs);
}

/** Starts the watchdog thread of this engine process. */
export function startWatchdog(options: WatchdogOptions): Watchdog {
  const limitMs = options.limitSeconds * 1000;
  const state = new SharedArrayBuffer(4);
  const data: WatchdogData = {
    calls: callWatchBuffer(),
    state,
    limitMs,
    // Often enough that the limit is kept to within a tenth, rarely enough to cost nothing.
    pollMs: Math.max(20, Math.min(1000, Math.floor(limitMs / 10))),
    parentPid: options.parentPid,
    prefix: STOP_LINE_PREFIX,
    layout: { callWord: CALL_WORD, sequenceWord: SEQUENCE_WORD, nameOffset: NAME_TABLE_OFFSET, nameChars: NAME_CHARS },
  };
  const worker = new Worker(`(${watchdogThread.toString()})()`, { eval: true, workerData: data, stdout: false, stderr: false });
  // The thread never keeps the engine alive, and its own failure must not end the engine.
  worker.unref();
  worker.on('error', (err) => {
    try {
      process.stderr.write(`engine: the native-call watchdog failed: ${err.message}\n`);
    } catch {
      // stderr is gone
    }
  });
  const committed = new Int32Array(state);
  return {
    setCommittedCount(count) {
      Atomics.store(committed, 0, count);
    },
    async stop() {
      await worker.terminate();
    },
  };
}
