/**
 * Backup requests: backup, listBackups, verifyBackup. Thin wrappers: the policy is in
 * src/engine/backup.ts and src/engine/backupSet.ts.
 */
import { backupCluster } from '../engine/backup';
import { readBackupSet } from '../engine/backupSet';
import { listBackupSets } from '../engine/backupSetFolder';
import { validateRemembered } from '../engine/setVerification';
import { EngineError } from '../engine/errors';
import { backupWithEvent, verifyEvent } from '../engine/outcomeEvents';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new EngineError('BAD_ARGUMENT', `${what} is missing.`);
  return value;
}

export function registerBackupHandlers(server: WorkerServer): void {
  server.onRequest(Requests.backup, (params, ctx) => backupWithEvent(params, ctx, () => backupCluster(params, ctx)));

  server.onRequest(Requests.listBackups, async (params, ctx) => {
    const folder = requireText(params?.folder, 'The backup folder');
    ctx.progress(params.verify ? `Verifying the backup sets in ${folder}` : `Listing the backup sets in ${folder}`);
    const sets = await listBackupSets(folder, {
      verify: params.verify === true, signal: ctx.signal,
      validate: (setPath, signal) => validateRemembered(setPath, signal, ctx.logger),
    });
    ctx.logger.log('info', `${sets.length} backup set(s) in ${folder}.`);
    return sets;
  });

  server.onRequest(Requests.verifyBackup, async (params, ctx) => {
    const setPath = requireText(params?.path, 'The backup set path');
    ctx.progress(`Verifying ${setPath}`);
    const result = await readBackupSet(setPath, { expectedCluster: params.expectedCluster, signal: ctx.signal });
    if (result.ok) ctx.logger.log('info', `${result.path}: intact.`);
    else for (const problem of result.problems) ctx.logger.log('warn', `${result.path}: ${problem}`);
    for (const warning of result.warnings ?? []) ctx.logger.log('warn', `${result.path}: ${warning}`);
    verifyEvent(result, ctx);
    return result;
  });
}
