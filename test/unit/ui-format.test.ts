/** Sizes, times, state labels and the untranslated l10n fallback of the UI. */
import * as assert from 'node:assert/strict';
import { backupKindLabel, formatLocalTime, formatSize, nodeStateLabel, timeValue, untranslated } from '../../src/ui/format';

describe('ui format', () => {
  it('formats sizes as Explorer does (1 KB = 1024 bytes)', () => {
    assert.equal(formatSize(0), '0 bytes');
    assert.equal(formatSize(1), '1 byte');
    assert.equal(formatSize(1023), '1023 bytes');
    assert.equal(formatSize(1024), '1.0 KB');
    assert.equal(formatSize(65536 + 4096), '68.0 KB');
    assert.equal(formatSize(5 * 1024 * 1024 + 512 * 1024), '5.5 MB');
    assert.equal(formatSize(3 * 1024 ** 4), '3.0 TB');
    assert.equal(formatSize(1024 ** 5), '1024.0 TB');
    assert.equal(formatSize(-1), '?');
    assert.equal(formatSize(Number.NaN), '?');
  });

  it('shows a UTC time in local time, and passes through what is not a time', () => {
    const iso = '2025-03-04T05:06:07Z';
    const d = new Date(iso);
    const pad = (n: number): string => String(n).padStart(2, '0');
    assert.equal(formatLocalTime(iso),
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`);
    assert.equal(formatLocalTime('yesterday-ish'), 'yesterday-ish');
    assert.equal(formatLocalTime(null), '?');
  });

  it('sorts unreadable times last', () => {
    assert.ok(timeValue('2025-01-01T00:00:00Z') > timeValue('2024-12-31T23:59:59Z'));
    assert.equal(timeValue(null), Number.NEGATIVE_INFINITY);
    assert.equal(timeValue('garbage'), Number.NEGATIVE_INFINITY);
  });

  it('replaces {n} placeholders like vscode.l10n.t and leaves unknown ones', () => {
    assert.equal(untranslated('{0} of {1} nodes up', 2, 3), '2 of 3 nodes up');
    assert.equal(untranslated('{1} before {0}', 'a', 'b'), 'b before a');
    assert.equal(untranslated('missing {2}', 'a'), 'missing {2}');
    assert.equal(untranslated('Привет, {0} 🎉', 'ノード'), 'Привет, ノード 🎉');
  });

  it('names every node state and backup kind through the translate function', () => {
    const seen: string[] = [];
    const t = (m: string): string => {
      seen.push(m);
      return m.toUpperCase();
    };
    assert.equal(nodeStateLabel('unreachable', t), 'UNREACHABLE');
    assert.equal(backupKindLabel('offline-hive', t), 'OFFLINE HIVE');
    assert.equal(backupKindLabel(null), 'unknown kind');
    assert.deepEqual(seen, ['unreachable', 'offline hive']);
  });
});
