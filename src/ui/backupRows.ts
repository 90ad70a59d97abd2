/**
 * How the Backups view shows its sets, without vscode: each row leads with the set's age
 * and time ("2 h ago · 12-06 22:58"), which stay visible at the default sidebar width; the
 * status is the icon (and "damaged" leads the description of a set a check found
 * damaged); the node and size are the description, with the cluster only when the folder
 * holds sets of several clusters. The view's own description names the folder, and a
 * failed backup shows as a message row above the sets. The unit tests read these from
 * plain data and a fixed "now".
 */
import type { BackupSetSummary, VerifyResult } from '../protocol';
import { backupKindLabel, formatShortTime, formatSize, formatZonedTime, timeValue, untranslated, type Translate } from './format';
import { formatAge } from './statusSummary';
import type { BackupSetElement, MessageElement, TreeItemModel } from './treeModel';

export type VerifyState = 'verified' | 'unverified' | 'invalid';

/** "verified", "not verified" or "damaged", from the newest check of the set (a fresh one wins over the listing). */
export function verifyState(element: BackupSetElement): VerifyState {
  const verified = element.verification ? element.verification.ok : element.set.verified;
  return verified === true ? 'verified' : verified === false ? 'invalid' : 'unverified';
}

export function verifyLabel(state: VerifyState, t: Translate = untranslated): string {
  switch (state) {
    case 'verified': return t('verified');
    case 'unverified': return t('not verified');
    case 'invalid': return t('damaged');
  }
}

function verifyIcon(state: VerifyState): TreeItemModel['icon'] {
  switch (state) {
    case 'verified': return { id: 'pass-filled', color: 'testing.iconPassed' };
    case 'unverified': return { id: 'circle-large-outline' };
    case 'invalid': return { id: 'error', color: 'testing.iconFailed' };
  }
}

/** "2 h ago · 12-06 22:58"; the set's name when it records no readable time. */
export function backupSetLabel(set: BackupSetSummary, now: number, t: Translate = untranslated, offsetMinutes?: number): string {
  const time = timeValue(set.time);
  if (time === Number.NEGATIVE_INFINITY) return set.name;
  return `${formatAge(now - time, t)} · ${formatShortTime(set.time, offsetMinutes)}`;
}

export function backupSetItem(element: BackupSetElement, t: Translate = untranslated, now = Date.now(), offsetMinutes?: number): TreeItemModel {
  const set = element.set;
  const state = verifyState(element);
  const parts = [
    ...(state === 'invalid' ? [verifyLabel(state, t)] : []),
    ...(element.showCluster ? [set.cluster ?? '?'] : []),
    set.node ?? '?',
    formatSize(set.size),
  ];
  const problems = element.verification?.problems ?? set.problems;
  const tooltip = [
    set.name,
    t('{0} on {1}, {2}', set.cluster ?? '?', set.node ?? '?', formatZonedTime(set.time, offsetMinutes)),
    `${backupKindLabel(set.kind, t)} · ${formatSize(set.size)} · ${verifyLabel(state, t)}`,
    set.path,
    ...(set.reason ? [t('Reason: {0}', set.reason)] : []),
    ...problems.map((p) => `⚠ ${p}`),
  ].join('\n');
  return {
    label: backupSetLabel(set, now, t, offsetMinutes),
    description: parts.join(' · '),
    tooltip,
    contextValue: `backupSet-${state}`,
    icon: verifyIcon(state),
    collapsible: 'none',
  };
}

/** Backup sets newest first (by their time; sets without one last, by name); the cluster is shown when there are several. */
export function backupSetElements(sets: BackupSetSummary[], verifications: ReadonlyMap<string, VerifyResult>): BackupSetElement[] {
  const clusters = new Set(sets.map((s) => (s.cluster ?? '').toLowerCase()));
  return [...sets]
    .sort((a, b) => timeValue(b.time) - timeValue(a.time) || b.name.localeCompare(a.name))
    .map((set) => ({
      kind: 'backupSet', id: `backupSet/${set.path}`, set, verification: verifications.get(set.path), showCluster: clusters.size > 1,
    }));
}

/** The last backup of this session that failed (or made a set that failed its check). */
export interface FailedBackup {
  /** Milliseconds since the epoch. */
  at: number;
  message: string;
}

/** The row above the sets that says the last backup failed (click: Show Log). */
export function failedBackupElement(failure: FailedBackup, now: number, t: Translate = untranslated): MessageElement {
  const firstLine = failure.message.split('\n')[0] ?? '';
  return {
    kind: 'message', id: 'message/backups-last-failed', severity: 'error',
    text: t('Last backup failed ({0}): {1}', formatAge(now - failure.at, t), firstLine),
    tooltip: t('The last backup failed {0}:\n{1}\nClick to show the log.', formatZonedTime(new Date(failure.at).toISOString()), failure.message),
    command: { id: 'fcbackup.showLog', title: t('Show Log') },
  };
}

/** The Backups view's description: the folder it lists, after "last backup failed" when it did. */
export function backupsViewDescription(folder: string | undefined, failure: FailedBackup | undefined, t: Translate = untranslated): string | undefined {
  const parts = [...(failure ? [t('last backup failed')] : []), ...(folder ? [folder] : [])];
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/**
 * The sets a backup's retention found damaged: retention reports each as a problem line that
 * starts with the set's path and "failed validation" (engine/backupSetFolder.ts). Matched against
 * the listed paths only, so no other text can mark a set.
 */
export function setsDamagedByRetention(problems: readonly string[], listedPaths: readonly string[]): Map<string, string> {
  const damaged = new Map<string, string>();
  for (const problem of problems) {
    const path = listedPaths.find((p) => problem.startsWith(`${p} failed validation`));
    if (path !== undefined) damaged.set(path, problem);
  }
  return damaged;
}

/**
 * The Backups view's two groups when a copy folder is set (fcbackup.copyFolder): the backup
 * folder's sets, and the copy folder's — where Back Up, `backup --copy-to` and a scheduled
 * backup with `--copy-to` put their copies — each listed the same way.
 */
export type BackupFolderRole = 'backup' | 'copy';

export interface BackupFolderElement {
  kind: 'backupFolder';
  id: string;
  role: BackupFolderRole;
  folder: string;
  /** How many sets the folder holds, and how many of them a check found damaged. */
  sets: number;
  damaged: number;
}

export function backupFolderElement(role: BackupFolderRole, folder: string, sets: readonly BackupSetElement[]): BackupFolderElement {
  return {
    kind: 'backupFolder', id: `backupFolder/${role}`, role, folder,
    sets: sets.length, damaged: sets.filter((e) => verifyState(e) === 'invalid').length,
  };
}

export function backupFolderItem(element: BackupFolderElement, t: Translate = untranslated): TreeItemModel {
  const label = element.role === 'backup' ? t('Backup Folder') : t('Copy Folder');
  const counts = [t('{0} set(s)', element.sets), ...(element.damaged > 0 ? [t('{0} damaged', element.damaged)] : [])].join(', ');
  const what = element.role === 'backup'
    ? t('The backup folder (fcbackup.backupFolder): each backup writes a new set here.')
    : t('The copy folder (fcbackup.copyFolder): each backup made here is copied there, as fcbackup backup --copy-to and a scheduled backup with --copy-to do.');
  return {
    label,
    description: `${element.folder} · ${counts}`,
    tooltip: [what, element.folder, counts].join('\n'),
    contextValue: `backupFolder-${element.role}`,
    icon: element.damaged > 0 ? { id: 'folder', color: 'testing.iconFailed' } : { id: element.role === 'backup' ? 'folder' : 'folder-library' },
    collapsible: 'expanded',
  };
}

/** The last copy of this session that failed: the set was made and kept in the backup folder. */
export interface FailedCopy {
  /** Milliseconds since the epoch. */
  at: number;
  /** The set that was kept in the backup folder. */
  setPath: string;
  destination: string;
  error: string;
}

/** The warning row at the top of the copy folder's group until a copy succeeds (click: Show Log). */
export function failedCopyElement(failure: FailedCopy, now: number, t: Translate = untranslated): MessageElement {
  return {
    kind: 'message', id: 'message/backups-last-copy-failed', severity: 'warning',
    text: t('Last copy failed ({0}): {1}', formatAge(now - failure.at, t), failure.error.split('\n')[0] ?? ''),
    tooltip: t('The backup set {0} was made and is kept in the backup folder, but copying it to {1} failed {2}:\n{3}\nClick to show the log.',
      failure.setPath, failure.destination, formatZonedTime(new Date(failure.at).toISOString()), failure.error),
    command: { id: 'fcbackup.showLog', title: t('Show Log') },
  };
}
