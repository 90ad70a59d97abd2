/**
 * Starts the engine process (src/worker/main.ts) and talks to it over JSON-RPC on
 * the Node IPC channel. Used by the extension and the CLI; no vscode here.
 *
 * The engine runs in its own process because a bad pointer in FFI code kills the
 * process that made the call, VSS wants to own its process's COM security, and VSS
 * calls block for seconds (docs/architecture.md, Processes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs = require('node:fs');
import path = require('node:path');
import {
  CancellationTokenSource, ConnectionError, createMessageConnection, ErrorCodes, IPCMessageReader, IPCMessageWriter, ResponseError,
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
  /** null: no cluster here, file work only (see InitializeParams). */
  native: NativeTarget | null;
  unavailableReason?: string;
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

/** How the engine process ended: decided once per process, in EngineClient.handleEnd. */
export interface EngineExit {
  code: number | null;
  signal: string | null;
  /** The one message for this end: every request it failed, and every exit listener, get this text. */
  message: string;
}

const STDERR_TAIL_LINES = 20;

/** "signal SIGKILL" or "exit code 70". */
function describeEngineExit(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
}

function engineExitMessage(code: number | null, signal: string | null, lastOutput: string | undefined): string {
  const tail = lastOutput === undefined ? '' : ` Last engine output: ${lastOutput}`;
  return `The engine process stopped unexpectedly (${describeEngineExit(code, signal)}).${tail}`;
}

function engineExitedError(exit: EngineExit): EngineRequestError {
  return new EngineRequestError({ name: 'EngineExited', message: exit.message, engineCode: 'ENGINE_EXITED' });
}

/**
 * Whether a request failed because the channel to the engine is gone (closed, or disposed
 * with the request unanswered), rather than for something about the request itself.
 */
function isChannelLoss(err: unknown): boolean {
  return err instanceof ConnectionError || (err instanceof ResponseError && err.code === ErrorCodes.PendingResponseRejected);
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

export type EngineExitListener = (code: number | null, signal: string | null, message: string) => void;

export class EngineClient {
  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  private readonly options: EngineClientOptions;
  private readonly pending = new Set<PendingRequest>();
  private readonly exitListeners: EngineExitListener[] = [];
  private readonly stderrTail: string[] = [];
  /** From 'exit': the process is gone, though its output and channel may not have been read to the end. */
  private exitStatus: { code: number | null; signal: string | null } | undefined;
  /** Set once, by handleEnd: the engine process has ended and all its output has been read. */
  private ended: EngineExit | undefined;
  /** Requests (by method) the engine said are past their point of no return. */
  private readonly committed = new Set<string>();
  /** Why the engine's watchdog stopped it, from its stderr line. */
  private stopReason: string | undefined;
  private disposed = false;
  private readonly endedPromise: Promise<EngineExit>;
  private resolveEnded: (exit: EngineExit) => void = () => undefined;

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

    this.endedPromise = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    // An engine that dies gives several signals, in an order that varies with the load on
    // the machine: the IPC channel closes, 'exit' arrives, requests sent meanwhile fail to
    // be written. None of them decides anything. 'close' comes exactly once, after 'exit'
    // and after the engine's output streams ended (so a crash message is in the stderr tail
    // by then): the outcome of the end, and its one message, are decided there.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => this.handleEnd(code, signal));
    child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      this.exitStatus = { code, signal };
      // Node emits no 'close' for a child whose IPC channel we closed ourselves (dispose()):
      // for a shutdown we asked for, 'exit' is the end.
      if (this.disposed) this.handleEnd(code, signal);
    });
    child.on('error', (err) => onLog({ level: 'error', message: `engine process error: ${err.message}` }));
  }

  /** Fork the engine process and initialize it with the native target. */
  static start(options: EngineClientOptions): Promise<EngineClient> {
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
    return EngineClient.attach(child, options);
  }

  /**
   * Talk to an engine process that is already running with an IPC channel, and initialize it.
   * start() uses this after forking; tests pass a stand-in child to drive its events in a chosen order.
   */
  static async attach(child: ChildProcess, options: EngineClientOptions): Promise<EngineClient> {
    const client = new EngineClient(child, options);
    try {
      await client.request(Requests.initialize, { native: options.native, unavailableReason: options.unavailableReason, logLevel: options.logLevel ?? 'info' });
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
    return this.ended === undefined && !this.disposed;
  }

  /**
   * Send a request. Rejects with EngineRequestError: the engine's error data, or
   * engineCode CANCELLED when `signal` aborted it, or ENGINE_EXITED when the engine
   * process ended before answering (always with the message of that end, see handleEnd).
   */
  request<P, R>(type: RequestType<P, R, EngineErrorData>, params: P, signal?: AbortSignal): Promise<R> {
    const method = type.method;
    if (this.disposed) {
      return Promise.reject(new EngineRequestError({ name: 'EngineDisposed', message: 'The engine process was shut down.', engineCode: 'ENGINE_EXITED' }));
    }
    if (this.ended !== undefined) return Promise.reject(this.endedError(method, this.ended));
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
          // The channel is gone because the engine is ending (or was disposed): the request
          // stays pending, and handleEnd or dispose() rejects it with the one message of that end.
          if (isChannelLoss(err)) return;
          if (signal?.aborted) {
            finish(() => reject(cancelledError(method)));
            return;
          }
          // The engine answered, just not with our error data (e.g. an unknown method), or the
          // request could not be written at all (MessageWriteError: it does not serialize).
          const message = err instanceof Error ? err.message : String(err);
          finish(() => reject(new EngineRequestError({ name: 'EngineProtocolError', message: `${method}: ${message}` })));
        },
      );
    });
  }

  /** Resolves once the engine process has ended, for whatever reason (crash, dispose()). */
  async whenExited(): Promise<{ code: number | null; signal: string | null }> {
    const { code, signal } = await this.endedPromise;
    return { code, signal };
  }

  /**
   * Called once when the engine process ends on its own (not through dispose()), with the
   * same message the requests it failed were rejected with; before any of those rejections
   * reaches its caller.
   */
  onExit(listener: EngineExitListener): void {
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
    if (this.exitStatus !== undefined) {
      // Gone already, its end not handled yet: after a dispose() 'close' may never come, so this is the end.
      this.handleEnd(this.exitStatus.code, this.exitStatus.signal);
    } else if (this.ended === undefined) {
      // Closing the IPC channel makes the engine exit by itself; the kill is for an engine stuck in native code.
      try {
        this.child.disconnect();
      } catch {
        // already disconnected
      }
      if (this.committed.size > 0) return;
      const killTimer = setTimeout(() => {
        if (this.exitStatus === undefined) this.child.kill();
      }, 2000);
      killTimer.unref();
    }
  }

  private markCommitted(method: string): void {
    const requestMethod = method.includes('/') ? method : `fcb/${method}`;
    this.committed.add(requestMethod);
    for (const entry of this.pending) if (entry.method === requestMethod) entry.keepWaiting();
  }

  /** A request the end failed: the watchdog's reason names the request it stopped; otherwise the end's one message. */
  private endedError(method: string, exit: EngineExit): EngineRequestError {
    if (this.stopReason !== undefined) {
      return new EngineRequestError({ name: 'EngineStopped', message: engineStoppedMessage(method, this.stopReason), engineCode: 'ENGINE_EXITED' });
    }
    return engineExitedError(exit);
  }

  /**
   * The one place that decides how the engine's end is reported, called once from 'close'.
   * Unless dispose() asked for the end, the exit listeners hear of it first and then every
   * request still waiting is rejected, all with the same message, whatever order the
   * channel's close, 'exit' and failed writes came in before.
   */
  private handleEnd(code: number | null, signal: string | null): void {
    if (this.ended !== undefined) return;
    const lastOutput = this.stderrTail.length > 0 ? this.stderrTail[this.stderrTail.length - 1] : undefined;
    // The watchdog's stop line, when there is one, is the reason; otherwise the exit status and the last output.
    const message = this.stopReason !== undefined ? `The engine stopped: ${this.stopReason}` : engineExitMessage(code, signal, lastOutput);
    const exit: EngineExit = { code, signal, message };
    this.ended = exit;
    if (!this.disposed) {
      for (const listener of this.exitListeners) listener(code, signal, exit.message);
      for (const entry of [...this.pending]) entry.reject(this.endedError(entry.method, exit));
      this.connection.dispose();
    }
    this.resolveEnded(exit);
  }
}

function cancelledError(method: string): EngineRequestError {
  return new EngineRequestError({ name: 'CancelledError', message: `${method} was cancelled.`, engineCode: 'CANCELLED' });
}
