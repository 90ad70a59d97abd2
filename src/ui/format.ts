/**
 * Formatting of the values the UI shows (sizes, times, node states). No vscode here
 * so the unit tests can check it; user-visible text goes through a `Translate`
 * function, which is `vscode.l10n.t` in the extension.
 */
import type { BackupKind, NodeState } from '../protocol';

/** Same contract as vscode.l10n.t(message, ...args): `{0}`, `{1}` … are replaced by the arguments. */
export type Translate = (message: string, ...args: Array<string | number | boolean>) => string;

/** The untranslated fallback (unit tests, and anywhere no l10n bundle is loaded). */
export const untranslated: Translate = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? whole : String(value);
  });

const SIZE_UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'] as const;

/** Bytes as Explorer shows them (1 KB = 1024 bytes), one decimal above bytes. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** An ISO-8601 time as local "YYYY-MM-DD HH:MM:SS"; the input itself when it is not a time. */
export function formatLocalTime(iso: string | null): string {
  if (iso === null) return '?';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** Milliseconds since the epoch, for sorting; sets without a readable time sort last. */
export function timeValue(iso: string | null): number {
  if (iso === null) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

export function nodeStateLabel(state: NodeState, t: Translate = untranslated): string {
  switch (state) {
    case 'up': return t('up');
    case 'down': return t('down');
    case 'paused': return t('paused');
    case 'joining': return t('joining');
    case 'unreachable': return t('unreachable');
    case 'unknown': return t('unknown');
  }
}

export function backupKindLabel(kind: BackupKind | null, t: Translate = untranslated): string {
  switch (kind) {
    case 'vss-cluster-writer': return t('VSS snapshot');
    case 'offline-hive': return t('offline hive');
    case null: return t('unknown kind');
  }
}

/** "UTC", "UTC+01:00", "UTC-05:30": an offset east of UTC in minutes. */
export function formatUtcOffset(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * The one time format of the dialogs: "2026-12-06 22:58:12 UTC+01:00", in the time zone of the
 * machine VS Code's extension host runs on (the server under Remote-SSH), which it names.
 * `offsetMinutes` (east of UTC) is for the tests; by default it is that machine's offset at that time.
 */
export function formatZonedTime(iso: string | null, offsetMinutes?: number): string {
  if (iso === null) return '?';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const offset = offsetMinutes ?? -date.getTimezoneOffset();
  const shifted = new Date(date.getTime() + offset * 60_000);
  return `${shifted.getUTCFullYear()}-${pad2(shifted.getUTCMonth() + 1)}-${pad2(shifted.getUTCDate())} ` +
    `${pad2(shifted.getUTCHours())}:${pad2(shifted.getUTCMinutes())}:${pad2(shifted.getUTCSeconds())} ${formatUtcOffset(offset)}`;
}

/** The short form a Backups row leads with: "12-06 22:58" (local time of the extension host; the tooltip has the zone). */
export function formatShortTime(iso: string | null, offsetMinutes?: number): string {
  if (iso === null) return '?';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const offset = offsetMinutes ?? -date.getTimezoneOffset();
  const shifted = new Date(date.getTime() + offset * 60_000);
  return `${pad2(shifted.getUTCMonth() + 1)}-${pad2(shifted.getUTCDate())} ${pad2(shifted.getUTCHours())}:${pad2(shifted.getUTCMinutes())}`;
}

/** "NODE2, NODE3, NODE4, … and 60 more": at most `shown` names; a list one longer than that is shown whole. */
export function cappedList(names: readonly string[], t: Translate = untranslated, shown = 3): string {
  if (names.length <= shown + 1) return names.join(', ');
  return t('{0}, … and {1} more', names.slice(0, shown).join(', '), names.length - shown);
}
