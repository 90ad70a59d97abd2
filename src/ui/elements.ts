/** Recognising tree elements among command arguments (menus pass them as the first argument). */
import type { BackupSetElement, ClusterElement, NodeElement, TreeElement } from './treeModel';

const kinds = new Set(['cluster', 'node', 'detail', 'message', 'backupSet', 'configSection', 'configObject']);

export function isTreeElement(value: unknown): value is TreeElement {
  return typeof value === 'object' && value !== null && kinds.has((value as { kind?: unknown }).kind as string)
    && typeof (value as { id?: unknown }).id === 'string';
}

export function isClusterElement(value: unknown): value is ClusterElement {
  return isTreeElement(value) && value.kind === 'cluster';
}

export function isNodeElement(value: unknown): value is NodeElement {
  return isTreeElement(value) && value.kind === 'node';
}

export function isBackupSetElement(value: unknown): value is BackupSetElement {
  return isTreeElement(value) && value.kind === 'backupSet';
}
