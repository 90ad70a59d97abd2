/**
 * Restore requests: planRestore, restore.
 */
import type { WorkerServer } from './server';

export function registerRestoreHandlers(_server: WorkerServer): void {}
