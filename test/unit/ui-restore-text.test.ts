/** What the restore confirmations and result notifications say, from a RestorePlan. */
import * as assert from 'node:assert/strict';
import type { BackupResult, BackupSetSummary, RestorePlan, VerifyResult } from '../../src/protocol';
import {
  backupResultText, restoreBlocker, restoreConfirmation, restoreResultText, stopNodesConfirmation, verifyResultText,
} from '../../src/ui/restoreText';
import { formatLocalTime } from '../../src/ui/format';

const set: BackupSetSummary = {
  path: '/backups/CLUSTER1_NODE1_20250102T030405Z', name: 'CLUSTER1_NODE1_20250102T030405Z', cluster: 'CLUSTER1', node: 'NODE1',
  time: '2025-01-02T03:04:05Z', kind: 'vss-cluster-writer', size: 69632, verified: true, problems: [],
};

function plan(partial: Partial<RestorePlan>): RestorePlan {
  return {
    set, node: 'NODE1', cluster: 'CLUSTER1', authoritative: false, runningOtherNodes: [], unqueryableNodes: [],
    steps: ['Stop the cluster service on NODE1', 'Restore the cluster database files', 'Start the cluster service on NODE1'],
    ...partial,
  };
}

describe('ui restore text', () => {
  const when = formatLocalTime(set.time);

  it('a node restore names the node, the backup and the steps, and says the node rejoins', () => {
    const text = restoreConfirmation(plan({}));
    assert.equal(text.message, `Restore the cluster configuration of NODE1 from the backup of ${when}?`);
    assert.equal(text.confirm, 'Restore This Node');
    assert.match(text.detail, /Only NODE1 is restored\. When its cluster service starts again it rejoins CLUSTER1/);
    assert.match(text.detail, /CLUSTER1_NODE1_20250102T030405Z \(VSS snapshot, 68\.0 KB, made on NODE1/);
    assert.match(text.detail, /1\. Stop the cluster service on NODE1\n2\. Restore the cluster database files\n3\. Start the cluster service on NODE1/);
  });

  it('an authoritative restore says every node rolls back and announces the second question', () => {
    const text = restoreConfirmation(plan({ authoritative: true, runningOtherNodes: ['NODE2', 'NODE3'] }));
    assert.equal(text.message, `Restore CLUSTER1 authoritatively on NODE1 from the backup of ${when}?`);
    assert.equal(text.confirm, 'Restore Cluster');
    assert.match(text.detail, /every node of CLUSTER1 is rolled back to the configuration of/);
    assert.match(text.detail, /lost on all nodes/);
    assert.match(text.detail, /still runs on NODE2, NODE3; you will be asked before it is stopped there/);
  });

  it('the stop question names the nodes (one or several)', () => {
    const many = stopNodesConfirmation(plan({ authoritative: true, runningOtherNodes: ['NODE2', 'NODE3'] }));
    assert.equal(many.message, 'Stop the cluster service on 2 nodes: NODE2, NODE3?');
    assert.equal(many.confirm, 'Stop Cluster Service on 2 Nodes');
    assert.match(many.detail, /will be stopped on: NODE2, NODE3/);
    assert.match(many.detail, /NODE1 is started first/);
    const one = stopNodesConfirmation(plan({ authoritative: true, runningOtherNodes: ['ノード2'] }));
    assert.equal(one.message, 'Stop the cluster service on ノード2?');
    assert.equal(one.confirm, 'Stop Cluster Service on ノード2');
  });

  it('refuses an authoritative restore up front when a node cannot be queried', () => {
    assert.equal(restoreBlocker(plan({})), undefined);
    assert.equal(restoreBlocker(plan({ unqueryableNodes: ['NODE4'] })), undefined, 'a node restore does not need the other nodes');
    assert.match(restoreBlocker(plan({ authoritative: true, unqueryableNodes: ['NODE4'] }))!, /NODE4 could not be queried/);
  });

  it('reports the node states after a restore', () => {
    assert.equal(
      restoreResultText({ set: set.path, authoritative: true, nodes: [{ name: 'NODE1', id: '1', state: 'up', isLocal: true }, { name: 'NODE2', id: '2', state: 'down', isLocal: false }] }),
      'The cluster configuration was restored authoritatively. Nodes now: NODE1 up, NODE2 down.');
    assert.equal(restoreResultText({ set: set.path, authoritative: false, nodes: [], recovered: 'rolledBack' }),
      'The cluster configuration of this node was restored. An interrupted earlier restore was rolled back first.');
  });

  it('reports a backup with its size, verification and retention', () => {
    const result: BackupResult = {
      path: set.path, kind: 'vss-cluster-writer', cluster: 'CLUSTER1', node: 'NODE1', time: set.time!,
      files: [{ originalPath: 'C:\\Windows\\Cluster\\CLUSDB', path: 'files/CLUSDB', size: 65536, sha256: 'a' }, { originalPath: 'C:\\Windows\\Cluster\\CLUSDB.blf', path: 'files/CLUSDB.blf', size: 4096, sha256: 'b' }],
      removedByRetention: ['/backups/old'],
    };
    const ok: VerifyResult = { path: set.path, ok: true, problems: [], summary: set };
    assert.equal(backupResultText(result, ok),
      `Backed up CLUSTER1 on NODE1 (VSS snapshot, 2 files, 68.0 KB) to ${set.path}. The set verified. Removed 1 older set(s) to keep the configured number.`);
    const bad: VerifyResult = { ...ok, ok: false, problems: ['files/CLUSDB: size 1 instead of 65536'] };
    assert.match(backupResultText({ ...result, removedByRetention: [] }, bad), /did not verify: files\/CLUSDB: size 1 instead of 65536$/);
    assert.match(verifyResultText(bad), /failed verification: files\/CLUSDB/);
    assert.match(verifyResultText(ok), /is intact/);
  });
});
