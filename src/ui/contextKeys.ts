/**
 * The context keys the welcome views and menus match (package.json when-clauses).
 * The last value of each is kept so the tests can read what the welcome views see.
 */
import vscode = require('vscode');

export const ContextKeys = {
  /** ClusterViewState: loading | error | notWindows | notInstalled | notConfigured | notRunning | none (the cluster runs) */
  clusterState: 'fcbackup.clusterState',
  /** loading | unavailable | noFolder | empty | sets | error */
  backupsState: 'fcbackup.backupsState',
  /** true when the engine does not run elevated: backup and restore are not offered. */
  notElevated: 'fcbackup.notElevated',
} as const;

export type ContextKey = (typeof ContextKeys)[keyof typeof ContextKeys];

export class ContextKeyStore {
  private readonly values = new Map<string, unknown>();

  set(key: ContextKey, value: unknown): void {
    if (this.values.has(key) && this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  get(key: ContextKey): unknown {
    return this.values.get(key);
  }

  snapshot(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }
}
