/**
 * The Backups view's rows at the default sidebar width: age and time first, the status in
 * the icon, node and size in the description, the folder in the view's description, a
 * failed backup as a message row, and the sets retention found damaged.
 */
import * as assert from 'node:assert/strict';
import type { BackupSetSummary, VerifyResult } from '../../src/protocol';
import {
  backupSetElements, backupSetItem, backupSetLabel, backupsViewDescription, failedBackupElement, setsDamagedByRetention, verifyState,
} from '../../src/ui/backupRows';

const now = Date.parse('2026-12-07T00:58:30Z');

function set(name: string, time: string | null, extra: Partial<BackupSetSummary> = {}): BackupSetSummary {
  return { path: `/backups/${name}`, name, cluster: 'CLUSTER1', node: 'NODE1', time, kind: 'vss-cluster-writer', size: 69632, verified: null, problems: [], ...extra };
}

describe('Backups view rows', () => {
  it('lead with the age and the time, then node and size; the status is the icon', () => {
    const [verified, unchecked, damaged] = backupSetElements([
      set('a', '2026-12-06T22:58:00Z', { verified: true }),
      set('b', '2026-12-06T20:00:00Z'),
      set('c', '2026-12-01T08:00:00Z', { verified: false, problems: ['files/CLUSDB: size 1 instead of 65536'] }),
    ], new Map());
    const a = backupSetItem(verified!, undefined, now, 60);
    assert.equal(a.label, '2 h ago · 12-06 23:58');
    assert.equal(a.description, 'NODE1 · 68.0 KB');
    assert.deepEqual(a.icon, { id: 'pass-filled', color: 'testing.iconPassed' });
    assert.equal(a.contextValue, 'backupSet-verified');
    assert.match(a.tooltip!, /^a\nCLUSTER1 on NODE1, 2026-12-06 23:58:00 UTC\+01:00\nVSS snapshot · 68\.0 KB · verified\n\/backups\/a$/);

    const b = backupSetItem(unchecked!, undefined, now, 0);
    assert.equal(b.label, '4 h ago · 12-06 20:00');
    assert.deepEqual(b.icon, { id: 'circle-large-outline' });

    const c = backupSetItem(damaged!, undefined, now, 0);
    assert.equal(c.label, '5 d ago · 12-01 08:00');
    assert.equal(c.description, 'damaged · NODE1 · 68.0 KB');
    assert.deepEqual(c.icon, { id: 'error', color: 'testing.iconFailed' });
    assert.match(c.tooltip!, /⚠ files\/CLUSDB: size 1 instead of 65536/);
  });

  it('keep the label short whatever the names: the cluster and node never lead it', () => {
    const long = set('x', '2026-12-06T23:58:00Z', { cluster: `Κ${'Ü'.repeat(60)}`, node: `ノード${'ü'.repeat(30)}` });
    const item = backupSetItem(backupSetElements([long], new Map())[0]!, undefined, now, 0);
    assert.equal(item.label, '1 h ago · 12-06 23:58');
    assert.ok(item.description!.startsWith('ノード'));
    assert.equal(backupSetLabel(set('undated', null), now), 'undated');
  });

  it('name the cluster in the description only when the folder holds several clusters', () => {
    const two = backupSetElements([set('a', '2026-12-06T22:58:00Z'), set('b', '2026-12-06T21:00:00Z', { cluster: 'CLUSTER2', node: 'N7' })], new Map());
    assert.deepEqual(two.map((e) => backupSetItem(e, undefined, now).description), ['CLUSTER1 · NODE1 · 68.0 KB', 'CLUSTER2 · N7 · 68.0 KB']);
  });

  it('a fresh verification marks the set at once, over the listing', () => {
    const listed = set('s', '2026-12-06T22:58:00Z', { verified: true });
    const bad: VerifyResult = { path: listed.path, ok: false, problems: ['x'], summary: listed };
    assert.equal(verifyState(backupSetElements([listed], new Map([[listed.path, bad]]))[0]!), 'invalid');
  });

  it('the view names its folder, and a failed backup leads its description and shows as a message row', () => {
    assert.equal(backupsViewDescription('D:\\Backups', undefined), 'D:\\Backups');
    assert.equal(backupsViewDescription(undefined, undefined), undefined);
    const failure = { at: now - 3 * 60_000, message: 'CreateVssBackupComponents failed: E_ACCESSDENIED (0x80070005).\nmore lines' };
    assert.equal(backupsViewDescription('D:\\Backups', failure), 'last backup failed · D:\\Backups');
    const row = failedBackupElement(failure, now);
    assert.equal(row.severity, 'error');
    assert.equal(row.text, 'Last backup failed (3 min ago): CreateVssBackupComponents failed: E_ACCESSDENIED (0x80070005).');
    assert.match(row.tooltip!, /more lines/);
    assert.equal(row.command?.id, 'fcbackup.showLog');
  });

  it('finds the sets retention reported damaged, and only listed ones', () => {
    const paths = ['/backups/CLUSTER1_NODE1_20261201T000000Z', '/backups/CLUSTER1_NODE1_20261202T000000Z'];
    const damaged = setsDamagedByRetention([
      `${paths[1]} failed validation and is left in place (1 problem(s): files/CLUSDB: SHA-256 does not match).`,
      `${paths[0]} is dated 2030-01-01T00:00:00.000Z, in the future of this machine's clock; it is left in place and does not count.`,
      '/elsewhere/set failed validation and is left in place (1 problem(s): x).',
    ], paths);
    assert.deepEqual([...damaged.keys()], [paths[1]]);
  });
});
