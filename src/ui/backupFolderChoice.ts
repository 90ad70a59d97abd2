/**
 * Change Backup Folder…: where the folder picker starts, and the choice of where the setting
 * is saved, without vscode (the unit tests check both). The picker starts in the current
 * backup folder, or the nearest folder above it that exists, or a sensible default on the
 * machine the extension runs on: the system drive's root on Windows (sets belong beside,
 * not inside, the user's profile), the home folder elsewhere.
 */
import path = require('node:path');
import { untranslated, type Translate } from './format';

export function folderPickerStart(
  current: string | undefined,
  exists: (folder: string) => boolean,
  platform: NodeJS.Platform,
  env: { SystemDrive?: string; home: string },
): string {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  for (let folder = current; folder; ) {
    if (exists(folder)) return folder;
    const parent = pathApi.dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  if (platform === 'win32') return `${env.SystemDrive && /^[A-Za-z]:$/.test(env.SystemDrive) ? env.SystemDrive : 'C:'}\\`;
  return env.home;
}

export type SettingScope = 'user' | 'workspace';

export interface ScopeChoice {
  scope: SettingScope;
  label: string;
  description: string;
  detail?: string;
}

/**
 * The places the setting can be saved, the one it is saved in now first. `workspaceOpen`: a
 * folder is open (a workspace value is possible). `workspaceValue`: the folder's own value,
 * which wins over the user setting.
 */
export function scopeChoices(
  machine: string, workspaceOpen: boolean, workspaceValue: string | undefined, t: Translate = untranslated,
): ScopeChoice[] {
  const user: ScopeChoice = {
    scope: 'user',
    label: t('User settings on {0}', machine),
    description: t('every window on this machine'),
    ...(workspaceValue ? { detail: t('This folder\'s own setting ({0}) still takes precedence here.', workspaceValue) } : {}),
  };
  if (!workspaceOpen) return [user];
  const workspace: ScopeChoice = { scope: 'workspace', label: t('Workspace settings'), description: t('only this folder (.vscode/settings.json)') };
  return workspaceValue ? [workspace, user] : [user, workspace];
}
