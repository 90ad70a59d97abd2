/**
 * Starts the engine process (src/worker/main.ts) and talks to it over JSON-RPC on
 * the Node IPC channel. Used by the extension and the CLI; no vscode here.
 *
 * The engine runs in its own process because a bad pointer in FFI code kills the
 * process that made the call, VSS wants to own its process's COM security, and VSS
 * calls block for seconds (design.md §2).
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CancellationTokenSource, createMessageConnection, ErrorCodes, IPCMessageReader, IPCMessageWriter, ResponseError,
  type MessageConnection, type RequestType,
} from 'vscode-jsonrpc/node';
import type { LogLevel } from '../engine/model';
import type { NativeTarget } from '../native/target';
import { Notifications, Requests, type EngineErrorData, type LogParams, type OperationNoticeParams, type ProgressParams } from '../protocol';
import { engineStopReason, engineStoppedMessage } from './engineStop';

/** A request failed in the engine (or the engine went away); `data` says how. */
export class EngineRequestError extends Error {
  readonly data: EngineErrorData;
  constructor(data: EngineErrorData) {
    super(data.message);
    this.name = 'EngineRequestError';
    this.data = data;
  }
}

export interface EngineClientOptions {
  native: NativeTarget;
  /** Minimum level of the log lines the engine sends (default info). */
  logLevel?: LogLevel;
  onLog?: (params: LogParams) => void;
  onProgress?: (params: ProgressParams) => void;
  /** The engine's entry script; found beside this module by default. */
  workerPath?: string;
  /** 'pipe' (default) turns the engine's stdout into log lines; 'inherit' shares ours. */
  stdout?: 'pipe' | 'inherit';
  /** How long a cancelled request may take to wind down before it is rejected anyway (ms, default 5000).
   *  Not for a request past its point of no return: the engine finishes it and the client waits for the outcome. */
  cancelGraceMs?: number;
  /** A request passed its point of no return: it completes or rolls back whatever the client does. */
  onCommitted?: (params: OperationNoticeParams) => void;
  /** A cancel arrived after that point and was not honoured; `message` says what goes on and when it ends. */
  onCancelDeclined?: (params: OperationNoticeParams) => void;
}

/** Where the engine's entry script is: dist/worker.js beside a bundle, else out/src/worker/main.js. */
export function defaultWorkerPath(fromDir: string = __dirname): string {
  const candidates = [
    path.join(fromDir, 'worker.js'), // bundled: dist/extension.js, dist/cli.js and dist/worker.js side by side
    path.resolve(fromDir, '..', 'worker', 'main.js'), // tsc: out/src/client → out/src/worker/main.js
  ];
  for (const candidate of candidates) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`The engine script was not found (looked for ${candidates.join(' and ')}). Build the project first.`);
}

interface PendingRequest {
  method: string;
  reject(error: EngineRequestError): void;
  /** Stops the cancel grace timer (the engine said it finishes the request). */
  keepWaiting(): void;
}

const STDERR_TAIL_LINES = 20;
/** vscode-jsonrpc's codes for a request that never got an answer because the channel went away. */
const CHANNEL_ERROR_CODES: ReadonlySet<number> = new Set([
  ErrorCodes.MessageWriteError, ErrorCodes.MessageReadError, ErrorCodes.PendingResponseRejected, ErrorCodes.ConnectionInactive,
]);

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `code ${code ?? 'unknown'}`;
}

function isEngineErrorData(value: unknown): value is EngineErrorData {
  return typeof value === 'object' && value !== null && typeof (value as EngineErrorData).message === 'string'
    && typeof (value as EngineErrorData).name === 'string';
}

/** Splits a stream into lines and hands each complete line to `onLine`. */
function forwardLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    partial += chunk;
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      const line = partial.slice(0, newline).replace(/\r$/, '');
      partial = partial.slice(newline + 1);
      if (line.trim() !== '') onLine(line);
      newline = partial.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (partial.trim() !== '') onLine(partial);
    partial = '';
  });
}

export class EngineClient {
  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  private readonly options: EngineClientOptions;
  private readonly pending = new Set<PendingRequest>();
  private readonly exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
  private readonly stderrTail: string[] = [];
  private exitInfo: { code: number | null; signal: string | null } | undefined;
  /** Requests (by method) the engine said are past their point of no return. */
  private readonly committed = new Set<string>();
  /** Why the engine's watchdog stopped it, from its stderr line. */
  private stopReason: string | undefined;
  private disposed = false;
  private readonly exited: Promise<{ code: number | null; signal: string | null }>;

  private constructor(child: ChildProcess, options: EngineClientOptions) {
    this.child = child;
    this.options = options;
    const onLog = options.onLog ?? (() => undefined);
    forwardLines(child.stderr, (line) => {
      this.stopReason ??= engineStopReason(line);
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      onLog({ level: 'warn', message: `engine stderr: ${line}` });
    });
    forwardLines(child.stdout, (line) => onLog({ level: 'debug', message: `engine stdout: ${line}` }));

    this.connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    this.connection.onNotification(Notifications.log, (p) => onLog(p));
    this.connection.onNotification(Notifications.progress, (p) => options.onProgress?.(p));
    this.connection.onNotification(Notifications.committed, (p) => {
      this.markCommitted(p.operation);
      options.onCommitted?.(p);
    });
    this.connection.onNotification(Notifications.cancelDeclined, (p) => {
      this.markCommitted(p.operation);
      options.onCancelDeclined?.(p);
    });
    // Errors on the channel show up as the exit below; keep them from becoming unhandled.
    this.connection.onError(() => undefined);
    this.connection.listen();

    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
    });
    // 'close' comes after 'exit' once stderr is drained, so a crash message is in the tail by then.
    child.on('close', (code, signal) => this.handleExit(code, signal));
    child.on('error', (err) => onLog({ level: 'error', message: `engine process error: ${err.message}` }));
  }

  /** Fork the engine process and initialize it with the native target. */
  static async start(options: EngineClientOptions): Promise<EngineClient> {
    const workerPath = options.workerPath ?? defaultWorkerPath();
    const child = fork(workerPath, [], {
      // Never pass on our own flags (mocha's, an inspector port, --require hooks) to the engine.
      execArgv: [],
      // A session of its own (POSIX setsid) / no console (Windows DETACHED_PROCESS): a Ctrl-C, a closed
      // terminal or a dropped SSH session reaches the client only, and the engine decides itself when to
      // end (src/worker/lifetime.ts) — it finishes a restore past its point of no return first.
      detached: true,
      stdio: ['ignore', options.stdout ?? 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const client = new EngineClient(child, options);
    try {
      await client.request(Requests.initialize, { native: options.native, logLevel: options.logLevel ?? 'info' });
    } catch (err) {
      client.dispose();
      throw err;
    }
    return client;
  }

  /** The engine's process id (for logs and tests). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the engine process is still there. */
  get running(): boolean {
    return this.exitInfo === undefined && !this.disposed;
  }

  /**
   * Send a request. Rejects with EngineRequestError: the engine's error data, or
   * engineCode CANCELLED when `signal` aborted it, or ENGINE_EXITED when the engine
   * process ended before answering.
   */
  request<P, R>(type: RequestType<P, R, EngineErrorData>, params: P, signal?: AbortSignal): Promise<R> {
    const method = type.method;
    if (this.exitInfo !== undefined) return Promise.reject(this.exitedError(method));
    if (this.disposed) {
      return Promise.reject(new EngineRequestError({ name: 'EngineDisposed', message: 'The engine process was shut down.', engineCode: 'ENGINE_EXITED' }));
    }
    if (signal?.aborted) return Promise.reject(cancelledError(method));

    return new Promise<R>((resolve, reject) => {
      let settled = false;
      let graceTimer: NodeJS.Timeout | undefined;
      const tokenSource = new CancellationTokenSource();
      const entry: PendingRequest = {
        method,
        reject: (e) => finish(() => reject(e)),
        keepWaiting: () => {
          if (graceTimer) clearTimeout(graceTimer);
          graceTimer = undefined;
        },
      };
      const onAbort = (): void => {
        tokenSource.cancel();
        // Past its point of no return the engine finishes the request: wait for its outcome.
        if (this.committed.has(method)) return;
        // The engine answers CANCELLED as soon as the operation notices. If a native call
        // blocks it, stop waiting after a grace period; the caller may then dispose the engine.
        graceTimer = setTimeout(() => entry.reject(cancelledError(method)), this.options.cancelGraceMs ?? 5000);
        graceTimer.unref?.();
      };
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        this.pending.delete(entry);
        if (![...this.pending].some((other) => other.method === method)) this.committed.delete(method);
        signal?.removeEventListener('abort', onAbort);
        if (graceTimer) clearTimeout(graceTimer);
        tokenSource.dispose();
        settle();
      };
      this.pending.add(entry);
      signal?.addEventListener('abort', onAbort, { once: true });

      let sent: Promise<R>;
      try {
        sent = this.connection.sendRequest(type, params, tokenSource.token);
      } catch (err) {
        // The connection is already closed: the engine is going away.
        sent = Promise.reject(err);
      }
      sent.then(
        (result) => finish(() => resolve(result)),
        (err: unknown) => {
          if (err instanceof ResponseError && isEngineErrorData(err.data)) {
            const data = err.data as EngineErrorData;
            finish(() => reject(new EngineRequestError(data)));
            return;
          }
          if (signal?.aborted) {
            finish(() => reject(cancelledError(method)));
            return;
          }
          const message = err instanceof Error ? err.message : String(err);
          const channelGone = !(err instanceof ResponseError) || CHANNEL_ERROR_CODES.has(err.code);
          if (!channelGone) {
            // The engine answered, just not with our error data (e.g. an unknown method).
            finish(() => reject(new EngineRequestError({ name: 'EngineProtocolError', message: `${method}: ${message}` })));
            return;
          }
          // The channel closed under the request: the exit handler rejects it with the exit
          // status, which arrives right after; give it a moment before falling back.
          setTimeout(() => {
            if (this.exitInfo !== undefined) entry.reject(this.exitedError(method));
            else entry.reject(new EngineRequestError({ name: 'EngineProtocolError', message: `${method}: ${message}` }));
          }, this.exitInfo !== undefined ? 0 : 1000).unref?.();
        },
      );
    });
  }

  /** Resolves once the engine process has ended, for whatever reason (crash, dispose()). */
  whenExited(): Promise<{ code: number | null; signal: string | null }> {
    return this.exited;
  }

  /** Called when the engine process ends on its own (not through dispose()). */
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(listener);
  }

  /**
   * End the engine process. Pending requests reject. An engine finishing a request past its
   * point of no return (a restore) is not killed: it exits by itself once that request ends.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of [...this.pending]) {
      entry.reject(new EngineRequestError({ name: 'EngineDisposed', message: `The engine process was shut down during ${entry.method}.`, engineCode: 'ENGINE_EXITED' }));
    }
    this.connection.dispose();
    if (this.exitInfo === undefined) {
      // Closing the IPC channel makes the engine exit by itself; the kill is for an engine stuck in native code.
      try {
        this.child.disconnect();
      } catch {
        // already disconnected
      }
      if (this.committed.size > 0) return;
      const killTimer = setTimeout(() => {
        if (this.exitInfo === undefined) this.child.kill();
      }, 2000);
      killTimer.unref();
    }
  }

  private markCommitted(method: string): void {
    const requestMethod = method.includes('/') ? method : `fcb/${method}`;
    this.committed.add(requestMethod);
    for (const entry of this.pending) if (entry.method === requestMethod) entry.keepWaiting();
  }

  private exitedError(method: string): EngineRequestError {
    if (this.stopReason !== undefined) {
      return new EngineRequestError({ name: 'EngineStopped', message: engineStoppedMessage(method, this.stopReason), engineCode: 'ENGINE_EXITED' });
    }
    const { code, signal } = this.exitInfo ?? { code: null, signal: null };
    const tail = this.stderrTail.length > 0 ? ` Last engine output: ${this.stderrTail[this.stderrTail.length - 1]}` : '';
    return new EngineRequestError({
      name: 'EngineExited',
      message: `The engine process exited (${describeExit(code, signal)}) during ${method}.${tail}`,
      engineCode: 'ENGINE_EXITED',
    });
  }

  private handleExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitInfo ??= { code, signal };
    for (const entry of [...this.pending]) entry.reject(this.exitedError(entry.method));
    if (!this.disposed) {
      for (const listener of this.exitListeners) listener(this.exitInfo.code, this.exitInfo.signal);
      this.connection.dispose();
    }
  }
}

function cancelledError(method: string): EngineRequestError {
  return new EngineRequestError({ name: 'CancelledError', message: `${method} was cancelled.`, engineCode: 'CANCELLED' });
}
