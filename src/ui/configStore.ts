/**
 * The configurations the Backups view shows and compares: each set's (read by the engine,
 * which verifies the set first and keeps parses by the CLUSDB file's SHA-256) and the live
 * cluster's. A set's configuration is asked for once per listing of the backup folder;
 * the live one on every listing and before every comparison. No vscode here.
 */
import type { ConfigurationSource } from '../config/model';
import type { EngineHost } from './engineHost';

type Settled = { ok: true; source: ConfigurationSource } | { ok: false; error: unknown };

export class ConfigurationStore {
  private readonly sets = new Map<string, Promise<Settled>>();
  private readonly settled = new Map<string, Settled>();
  private liveTagValue: string | null | undefined;

  constructor(private readonly engine: EngineHost) {}

  /** The set's configuration; read once per listing (see forgetSets). Rejects with the engine's error. */
  async forSet(setPath: string): Promise<ConfigurationSource> {
    let pending = this.sets.get(setPath);
    if (!pending) {
      pending = this.engine.request('setConfiguration', { path: setPath }).then(
        (source): Settled => ({ ok: true, source }),
        (error: unknown): Settled => ({ ok: false, error }),
      );
      this.sets.set(setPath, pending);
      void pending.then((s) => this.settled.set(setPath, s));
    }
    const result = await pending;
    if (!result.ok) throw result.error;
    return result.source;
  }

  /** The set's configuration when it was read already (for descriptions drawn before it is expanded). */
  peek(setPath: string): ConfigurationSource | undefined {
    const s = this.settled.get(setPath);
    return s?.ok ? s.source : undefined;
  }

  /** The live cluster's configuration, read now. */
  async live(): Promise<ConfigurationSource> {
    const source = await this.engine.request('liveConfiguration', {});
    this.liveTagValue = source.configuration.paxosTag;
    return source;
  }

  /** The live cluster's PaxosTag from the last read; undefined when it was never read or could not be. */
  get liveTag(): string | null | undefined {
    return this.liveTagValue;
  }

  /** Reads the live PaxosTag again; forgets it when there is no live cluster to ask. */
  async refreshLiveTag(): Promise<void> {
    try {
      await this.live();
    } catch {
      this.liveTagValue = undefined;
    }
  }

  forgetLiveTag(): void {
    this.liveTagValue = undefined;
  }

  /** Sets are read again on their next use (the folder was listed again). */
  forgetSets(): void {
    this.sets.clear();
    this.settled.clear();
  }
}
