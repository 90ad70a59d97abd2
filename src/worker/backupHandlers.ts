/**
 * Backup requests: backup, listBackups, verifyBackup.
 */
import type { WorkerServer } from './server';

export function registerBackupHandlers(_server: WorkerServer): void {}
