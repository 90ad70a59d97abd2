/**
 * The engine process's request plumbing: wraps vscode-jsonrpc request handlers so
 * that each gets an OperationContext (log and progress notifications, an AbortSignal
 * driven by $/cancelRequest up to the request's point of no return — see commitGuard.ts)
 * and every thrown error reaches the client as a ResponseError whose data is EngineErrorData.
 */
import { ResponseError, type CancellationToken, type MessageConnection, type RequestType } from 'vscode-jsonrpc';
import type { OperationContext } from '../engine/context';
import { EngineError } from '../engine/errors';
import type { LogLevel } from '../engine/model';
import { NativeError } from '../native/errors';
import { withAdvice } from '../engine/advice';
import { Notifications, type EngineErrorData } from '../protocol';
import { EngineLifetime } from './lifetime';

export interface WorkerServer {
  /** Register a request handler. Thrown NativeError/EngineError become a ResponseError whose data is
   *  EngineErrorData; the client's cancellation aborts ctx.signal; ctx.progress/ctx.logger send the
   *  progress/log notifications. */
  onRequest<P, R>(type: RequestType<P, R, EngineErrorData>, handler: (params: P, ctx: OperationContext) => Promise<R>): void;
  /**
   * Resolves once no request other than the caller's own is running. Handlers yield
   * between native calls (cancellation, progress), so a leak report read while
   * another request is half-way would count that request's open handles as leaks.
   */
  whenOthersIdle(): Promise<void>;
}

/** JSON-RPC error codes: -32800 is the protocol's "request cancelled"; -32000 an application error. */
export const RESPONSE_CODE_CANCELLED = -32800;
export const RESPONSE_CODE_ENGINE = -32000;

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export function levelAtLeast(level: LogLevel, minimum: LogLevel): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(minimum);
}

/** What the client needs to know about an error: the API and code of a failing Windows call, the engine's code. */
export function toEngineErrorData(err: unknown): EngineErrorData {
  if (err instanceof NativeError) {
    return { name: err.name, message: withAdvice(err.message, err.codeName), api: err.api, code: err.code, codeName: err.codeName };
  }
  if (err instanceof EngineError) {
    return { name: err.name, message: err.message, engineCode: err.code, ...(err.restore ? { restore: err.restore } : {}) };
  }
  if (err instanceof Error) {
    // A bad scenario file is the user's input, not an engine fault (loader.ts ScenarioError).
    if (err.name === 'ScenarioError') return { name: err.name, message: err.message, engineCode: 'SCENARIO' };
    return { name: err.name || 'Error', message: err.message };
  }
  return { name: 'Error', message: String(err) };
}

export function toResponseError(err: unknown): ResponseError<EngineErrorData> {
  const data = toEngineErrorData(err);
  return new ResponseError(data.engineCode === 'CANCELLED' ? RESPONSE_CODE_CANCELLED : RESPONSE_CODE_ENGINE, data.message, data);
}

export interface WorkerServerOptions {
  /** The minimum level of log notifications (set by initialize). */
  logLevel(): LogLevel;
  /** Throws when requests may not run yet (before initialize). */
  checkReady?(method: string): void;
  /** Tracks the running requests for the engine's exit (default: one that never exits the process). */
  lifetime?: EngineLifetime;
}

/** A request whose cancel was declined says so in its result (RestoreResult.cancelDeclined). */
function withCancelDeclined<R>(result: R, declined: string | undefined): R {
  if (declined === undefined || typeof result !== 'object' || result === null || Array.isArray(result)) return result;
  return { ...result, cancelDeclined: declined };
}

export function createWorkerServer(connection: MessageConnection, options: WorkerServerOptions): WorkerServer {
  const lifetime = options.lifetime ?? new EngineLifetime({ exit: () => undefined });
  // Once the client is gone the channel is closed and sending throws; an operation that goes on
  // (a restore past its point of no return) must not fail because nobody listens any more.
  const notify = (send: () => Promise<void>): void => {
    try {
      send().catch(() => undefined);
    } catch {
      // the channel is closed
    }
  };
  // Requests whose handler runs, and how many of them wait in whenOthersIdle().
  let running = 0;
  let idleWaiters: Array<() => void> = [];
  const othersIdle = (): boolean => running - idleWaiters.length <= 0;
  const settle = (): void => {
    if (!othersIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };
  return {
    whenOthersIdle(): Promise<void> {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        settle();
      });
    },
    onRequest<P, R>(type: RequestType<P, R, EngineErrorData>, handler: (params: P, ctx: OperationContext) => Promise<R>): void {
      connection.onRequest(type, async (params: P, token: CancellationToken): Promise<R> => {
        const operation = type.method;
        const log = (level: LogLevel, message: string): void => {
          if (levelAtLeast(level, options.logLevel())) notify(() => connection.sendNotification(Notifications.log, { level, message }));
        };
        const guard = lifetime.begin(operation.replace(/^fcb\//, ''), {
          committed(what) {
            log('info', `${operation}: cannot be cancelled any more: ${what}.`);
            notify(() => connection.sendNotification(Notifications.committed, { operation, message: what }));
          },
          declined(message) {
            log('warn', `${operation}: ${message}`);
            notify(() => connection.sendNotification(Notifications.cancelDeclined, { operation, message }));
          },
        });
        const subscription = token.onCancellationRequested(() => guard.cancel('The client cancelled'));
        if (token.isCancellationRequested) guard.cancel('The client cancelled');
        const ctx: OperationContext = {
          logger: { log },
          progress(step, fraction) {
            guard.noteStep(step);
            notify(() => connection.sendNotification(Notifications.progress, { operation, step, fraction }));
          },
          signal: guard.signal,
          pointOfNoReturn: (what) => guard.pointOfNoReturn(what),
        };
        running++;
        try {
          options.checkReady?.(operation);
          return withCancelDeclined(await handler(params, ctx), guard.cancelDeclined);
        } catch (err) {
          const data = toEngineErrorData(err);
          ctx.logger.log(data.engineCode === 'CANCELLED' ? 'info' : 'error', `${operation}: ${data.message}`);
          throw toResponseError(err);
        } finally {
          subscription.dispose();
          running--;
          settle();
          // After the answer is on its way: the engine may exit now if its client is gone.
          setImmediate(() => lifetime.end(guard));
        }
      });
    },
  };
}
