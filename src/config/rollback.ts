/**
 * What a restore takes back: the changes made to the live configuration since the backup
 * (the comparison backup → live), as lines for the restore confirmations, capped so that
 * a dialog stays readable (the full list is one action away).
 */
import type { ConfigChange, ConfigDiff } from './model';
import { describeObject, quoted } from './render';

/** How many changes a confirmation lists before "and N more". */
export const ROLLBACK_LINES_SHOWN = 5;

export interface RollbackText {
  /** How many changes the restore takes back (PaxosTag, which every change moves, is not counted). */
  readonly count: number;
  /** One line per change, at most `cap`. */
  readonly lines: readonly string[];
  /** How many were left out of `lines`. */
  readonly more: number;
  /** One sentence: "The restore rolls back 3 changes: role "SQL2" added since the backup, …". */
  readonly sentence: string;
}

function shown(value: string | undefined): string {
  return value === undefined || value === '' ? '(none)' : quoted(value);
}

/** The change since the backup, said as what the restore undoes. */
export function rollbackLine(change: ConfigChange): string {
  if (change.change !== 'changed') return `${describeObject(change)} ${change.change} since the backup`;
  return `${describeObject(change)}: ${change.property} changed since the backup (${shown(change.before)} → ${shown(change.after)})`;
}

/** `backupToLive` is compareConfigurations(backup, live). */
export function rollbackText(backupToLive: ConfigDiff, cap = ROLLBACK_LINES_SHOWN): RollbackText {
  const changes = backupToLive.changes.filter((c) => !(c.object === 'cluster' && c.property === 'PaxosTag'));
  const all = changes.map(rollbackLine);
  const lines = all.slice(0, Math.max(0, cap));
  const more = all.length - lines.length;
  const sentence = all.length === 0
    ? 'The live configuration matches the backup: the restore rolls back no configuration change.'
    : `The restore rolls back ${all.length} ${all.length === 1 ? 'change' : 'changes'}: ${lines.join('; ')}${more > 0 ? `; and ${more} more` : ''}.`;
  return { count: all.length, lines, more, sentence };
}
