/**
 * The command table (every command the extension contributes, one file each) and
 * the one wrapper they all run through: it logs start and end (debug), stays silent on
 * cancellation, and reports a failure with the failing API and code and a
 * "Show Log" action.
 */
import vscode = require('vscode');
import { describeError, errorNotificationText, isCancellation } from '../errors';
import type { Services } from '../services';
import { backupCommand } from './backup';
import { changeBackupFolderCommand } from './changeBackupFolder';
import { copyBackupPathCommand } from './copyBackupPath';
import { copyNameCommand } from './copyName';
import { deleteBackupSetCommand } from './deleteBackupSet';
import { openManifestCommand } from './openManifest';
import { compareWithBackupCommand } from './compareWithBackup';
import { compareWithLiveCommand } from './compareWithLive';
import { connectCommand } from './connect';
import { disconnectCommand } from './disconnect';
import { refreshCommand } from './refresh';
import { restoreClusterCommand } from './restoreCluster';
import { restoreFinishCommand } from './restoreFinish';
import { restoreNodeCommand } from './restoreNode';
import { revealBackupCommand } from './revealBackup';
import { revealBackupFolderCommand } from './revealBackupFolder';
import { scheduleBackupsCommand } from './scheduleBackups';
import { showLogCommand } from './showLog';
import type { CommandDefinition } from './types';
import { verifyBackupCommand } from './verifyBackup';
import { pauseNodeCommand, resumeNodeCommand, startClusterServiceCommand, stopClusterServiceCommand } from './nodeActions';

export const commandTable: readonly CommandDefinition[] = [
  refreshCommand,
  connectCommand,
  disconnectCommand,
  backupCommand,
  restoreNodeCommand,
  restoreClusterCommand,
  restoreFinishCommand,
  verifyBackupCommand,
  revealBackupCommand,
  revealBackupFolderCommand,
  scheduleBackupsCommand,
  showLogCommand,
  compareWithLiveCommand,
  compareWithBackupCommand,
  startClusterServiceCommand,
  stopClusterServiceCommand,
  pauseNodeCommand,
  resumeNodeCommand,
  changeBackupFolderCommand,
  deleteBackupSetCommand,
  copyBackupPathCommand,
  openManifestCommand,
  copyNameCommand,
];

export function runCommand(definition: CommandDefinition, s: Services, args: unknown[]): Promise<unknown> {
  const title = definition.title(s);
  const started = Date.now();
  // Start and end are debug details: the command's own steps and outcome are the info lines
  // (no "Show Log: started/finished" around every click).
  s.log.debug(`${title}: started.`);
  return definition.run(s, ...args).then(
    (result) => {
      s.log.debug(`${title}: finished in ${Date.now() - started} ms.`);
      s.onCommandOutcome?.(definition.id, { ok: true, result });
      return result;
    },
    (err: unknown) => {
      if (isCancellation(err)) {
        s.log.info(`${title}: cancelled.`);
        return undefined;
      }
      const info = describeError(err);
      s.log.error(`${title}: failed: ${info.message}${info.apiDetail ? ` [${info.apiDetail}]` : ''}${info.engineCode ? ` (${info.engineCode})` : ''}`);
      if (err instanceof Error && err.stack) s.log.debug(err.stack);
      s.onCommandOutcome?.(definition.id, { ok: false, message: info.message });
      s.notifier.error(errorNotificationText(title, err, s.t), [{ title: s.t('Show Log'), run: () => s.log.show() }]);
      return undefined;
    },
  );
}

export function registerCommands(s: Services): vscode.Disposable[] {
  return commandTable.map((definition) =>
    vscode.commands.registerCommand(definition.id, (...args: unknown[]) => runCommand(definition, s, args)));
}
