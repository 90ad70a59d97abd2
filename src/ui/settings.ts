/** The fcbackup.* settings, read fresh each time (they can change at any moment). */
import os = require('node:os');
import path = require('node:path');
import vscode = require('vscode');

export const SECTION = 'fcbackup';

export interface Settings {
  /** Absolute folder for backup sets, or undefined when not set. */
  backupFolder: string | undefined;
  /** A second folder (e.g. a share) each backup is copied to, as `fcbackup backup --copy-to`; undefined when not set. */
  copyFolder: string | undefined;
  keepBackups: number;
  confirmDestructiveSteps: boolean;
  refreshIntervalSeconds: number;
  simulatorScenario: string | undefined;
  simulatorLibrary: string | undefined;
}

/** "~/x" → home; a relative path → under the first workspace folder (where a workspace setting would mean it). */
export function resolveUserPath(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  let expanded = trimmed;
  if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith('~\\')) expanded = path.join(os.homedir(), expanded.slice(1));
  if (path.isAbsolute(expanded)) return path.normalize(expanded);
  const base = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  return base ? path.resolve(base, expanded) : undefined;
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const keep = config.get<number>('keepBackups', 10);
  const interval = config.get<number>('refreshIntervalSeconds', 0);
  return {
    backupFolder: resolveUserPath(config.get<string>('backupFolder')),
    copyFolder: resolveUserPath(config.get<string>('copyFolder')),
    keepBackups: Number.isInteger(keep) && keep >= 0 ? keep : 10,
    confirmDestructiveSteps: config.get<boolean>('confirmDestructiveSteps', true),
    refreshIntervalSeconds: Number.isFinite(interval) && interval > 0 ? interval : 0,
    simulatorScenario: resolveUserPath(config.get<string>('simulator.scenario')),
    simulatorLibrary: resolveUserPath(config.get<string>('simulator.library')),
  };
}
