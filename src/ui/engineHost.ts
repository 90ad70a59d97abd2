/**
 * Owns the engine process for the extension: started on the first request (never
 * at activation), restarted on the next request after it died, replaced when the
 * native target changes (the simulator scenario setting), ended on dispose. No
 * vscode here; the extension passes in how to resolve the target and where log and
 * progress notifications go.
 *
 * The client and the protocol module (and with them vscode-jsonrpc, most of the
 * bundle's load time) are loaded when the first engine starts, not at activation:
 * the UI names requests by their name in `Requests` and this module looks them up.
 */
import type { EngineClient, EngineClientOptions } from '../client/engineClient';
import type { TargetResolution } from '../client/nativeTarget';
import type { RequestType } from 'vscode-jsonrpc';
import type {
  EngineErrorData, LogLevel, LogParams, NativeTarget, ProgressParams, RequestName, RequestParams, RequestResult,
} from '../protocol';

/** No native target: not Windows and no simulator scenario configured. */
export class EngineUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EngineUnavailableError';
  }
}

export interface EngineHostOptions {
  resolveTarget(): TargetResolution;
  logLevel(): LogLevel;
  onLog(params: LogParams): void;
  onProgress(params: ProgressParams): void;
  /**
   * Called when the engine process ended without being asked to (crash, kill), with the
   * message its failed requests carry ("The engine process stopped unexpectedly (…).").
   */
  onUnexpectedExit(message: string): void;
  /** Stands in for EngineClient.start (unit tests). */
  startClient?: (options: EngineClientOptions) => Promise<EngineClient>;
}

function sameTarget(a: NativeTarget | null, b: NativeTarget | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class EngineHost {
  private client: EngineClient | undefined;
  /** null: an engine for file work only (no cluster here). */
  private clientTarget: NativeTarget | null | undefined;
  private starting: Promise<EngineClient> | undefined;
  private startCount = 0;
  private disposed = false;

  constructor(private readonly options: EngineHostOptions) {}

  /** Whether an engine process was ever started (activation alone must not start one). */
  get everStarted(): boolean {
    return this.startCount > 0;
  }

  get starts(): number {
    return this.startCount;
  }

  get running(): boolean {
    return this.client?.running ?? false;
  }

  get pid(): number | undefined {
    return this.client?.running ? this.client.pid : undefined;
  }

  /** The target the next request would use, or why there is none. */
  resolveTarget(): TargetResolution {
    return this.options.resolveTarget();
  }

  /**
   * The running engine for the current target, started (or restarted) when needed. Without a target (no cluster
   * here), `fileWork` gets an engine that does file work only (sets and hives); otherwise EngineUnavailableError.
   */
  async get(fileWork = false): Promise<EngineClient> {
    if (this.disposed) throw new Error('The extension is shutting down.');
    const resolved = this.options.resolveTarget();
    if (resolved.kind === 'unavailable' && !fileWork) {
      // An engine for a target that is gone (the simulator setting was cleared) ends; a file-work one may stay.
      if (this.clientTarget !== null) this.stop();
      throw new EngineUnavailableError(resolved.reason);
    }
    const target = resolved.kind === 'unavailable' ? null : resolved;
    if (this.client && this.client.running && this.clientTarget !== undefined && sameTarget(this.clientTarget, target)) return this.client;
    if (this.starting) {
      const pending = await this.starting;
      if (this.clientTarget !== undefined && sameTarget(this.clientTarget, target) && pending.running) return pending;
    }
    this.stop();
    this.startCount++;
    const starting = this.launchClient({
      native: target,
      unavailableReason: resolved.kind === 'unavailable' ? resolved.reason : undefined,
      logLevel: this.options.logLevel(),
      onLog: (p) => this.options.onLog(p),
      onProgress: (p) => this.options.onProgress(p),
    });
    this.starting = starting;
    try {
      const client = await starting;
      if (this.disposed) {
        client.dispose();
        throw new Error('The extension is shutting down.');
      }
      this.client = client;
      this.clientTarget = target;
      this.options.onLog({ level: 'info', message: `Engine process ${client.pid ?? '?'} started (${describe(target)}).` });
      client.onExit((_code, _signal, message) => {
        if (this.client !== client) return;
        this.client = undefined;
        this.clientTarget = undefined;
        this.options.onUnexpectedExit(message);
      });
      return client;
    } finally {
      if (this.starting === starting) this.starting = undefined;
    }
  }

  /** Sends the request named `name` to the engine, starting the engine when needed. */
  async request<K extends RequestName>(name: K, params: RequestParams<K>, signal?: AbortSignal): Promise<RequestResult<K>> {
    const { FILE_WORK_REQUESTS, requestType } = await import('../protocol');
    const client = await this.get(FILE_WORK_REQUESTS.has(name));
    return client.request(requestType(name), params, signal);
  }

  /** Sends a test-only request (src/testProtocol.ts) to the running engine; a development build only. */
  async testRequest<P, R>(type: RequestType<P, R, EngineErrorData>, params: P): Promise<R> {
    const client = await this.get(false);
    return client.request(type, params);
  }

  private async launchClient(options: EngineClientOptions): Promise<EngineClient> {
    if (this.options.startClient) return this.options.startClient(options);
    const { EngineClient } = await import('../client/engineClient');
    return EngineClient.start(options);
  }

  /** End the engine process (the next request starts a new one). */
  stop(): void {
    const client = this.client;
    this.client = undefined;
    this.clientTarget = undefined;
    if (client) {
      this.options.onLog({ level: 'debug', message: `Engine process ${client.pid ?? '?'} stopped.` });
      client.dispose();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }
}

function describe(target: NativeTarget | null): string {
  if (target === null) return 'no cluster here: file work only';
  return target.kind === 'windows' ? 'Windows system DLLs' : `simulator scenario ${target.scenario}`;
}
