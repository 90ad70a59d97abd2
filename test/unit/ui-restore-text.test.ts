/** What the restore confirmations and result notifications say, from a typed RestorePlan (no prose is parsed). */
import * as assert from 'node:assert/strict';
import type { BackupResult, BackupSetSummary, RestorePlan, VerifyResult } from '../../src/protocol';
import {
  backupResultText, recoverResultText, refusalText, restoreConfirmation, restoreResultText, stopNodesConfirmation, verifyResultText,
} from '../../src/ui/restoreText';
import { describePendingRestore } from '../../src/wire/restoreWords';
import { formatZonedTime } from '../../src/ui/format';

const set: BackupSetSummary = {
  path: '/backups/CLUSTER1_NODE1_20250102T030405Z', name: 'CLUSTER1_NODE1_20250102T030405Z', cluster: 'CLUSTER1', node: 'NODE1',
  time: '2025-01-02T03:04:05Z', kind: 'vss-cluster-writer', size: 69632, verified: true, problems: [],
};

function plan(partial: Partial<RestorePlan>): RestorePlan {
  return {
    set, node: 'NODE1', cluster: 'CLUSTER1', authoritative: false, nodesToStop: [], refusal: null,
    steps: [
      { kind: 'stopLocalService', node: 'NODE1', service: 'ClusSvc' },
      { kind: 'restoreFiles', folder: 'C:\\Windows\\Cluster', files: ['CLUSDB'], companions: ['CLUSDB.LOG1', 'CLUSDB.blf'] },
      { kind: 'startLocalService', node: 'NODE1', service: 'ClusSvc', rejoins: true },
    ],
    membership: { onlyInSet: [], onlyLive: [] },
    verification: { files: 2, bytes: 69632, token: 't' },
    ...partial,
  };
}

describe('ui restore text', () => {
  const when = formatZonedTime(set.time);

  it('a node restore names the node, the backup and the steps in plain words, and says the node rejoins', () => {
    const text = restoreConfirmation(plan({}));
    assert.equal(text.message, 'Restore NODE1 from this backup?');
    assert.equal(text.confirm, 'Restore This Node');
    assert.match(text.detail, /Only NODE1 is restored\. When its cluster service starts again it rejoins CLUSTER1/);
    assert.ok(text.detail.includes(`Backup: CLUSTER1_NODE1_20250102T030405Z (VSS snapshot, 68.0 KB), made on NODE1 at ${when}.`), text.detail);
    assert.match(text.detail, /1\. Stop the cluster service on NODE1\.\n2\. Put the restored files in place of the current ones \(at the next restart if a file is in use\)\.\n3\. Start the cluster service on NODE1; it rejoins the cluster and takes the running cluster's configuration/);
    assert.doesNotMatch(text.detail, /Members differ/);
    assert.doesNotMatch(text.detail, /type the cluster's name/);
  });

  it('an authoritative restore says every node goes back and announces the second question and the typed name', () => {
    const text = restoreConfirmation(plan({ authoritative: true, nodesToStop: ['NODE2', 'NODE3'], membership: { onlyInSet: ['NODE4'], onlyLive: ['NODE5'] } }));
    assert.equal(text.message, 'Restore all of CLUSTER1 to this backup?');
    assert.equal(text.confirm, 'Restore Cluster…');
    assert.ok(text.detail.startsWith(`Every node of CLUSTER1 goes back to the configuration of ${when}; changes made since then are lost on all nodes.`), text.detail);
    assert.match(text.detail, /still runs on 2 other nodes \(NODE2, NODE3\); you will be asked before it is stopped there/);
    assert.match(text.detail, /Members differ: the set's configuration has NODE4, which the live cluster does not list; the live cluster has NODE5, which the set's configuration does not list\./);
    assert.match(text.detail, /To go ahead you will type the cluster's name\.$/);
  });

  it('the stop question names the nodes (one or several)', () => {
    const many = stopNodesConfirmation(plan({ authoritative: true, nodesToStop: ['NODE2', 'NODE3'] }));
    assert.equal(many.message, 'Stop the cluster service on 2 other nodes?');
    assert.equal(many.confirm, 'Stop Cluster Service on 2 Nodes');
    assert.match(many.detail, /\nNodes: NODE2, NODE3\.\n/);
    assert.match(many.detail, /NODE1 first, then the others/);
    const one = stopNodesConfirmation(plan({ authoritative: true, nodesToStop: ['ノード2'] }));
    assert.equal(one.message, 'Stop the cluster service on ノード2?');
    assert.equal(one.confirm, 'Stop Cluster Service on ノード2');
  });

  it('says why a restore is refused from the plan\'s typed refusal; running nodes are asked about instead', () => {
    assert.equal(refusalText(plan({})), undefined);
    assert.equal(refusalText(plan({ authoritative: true, refusal: { code: 'nodesRunning', nodes: ['NODE2'] } })), undefined);
    assert.match(refusalText(plan({ authoritative: true, refusal: { code: 'nodesUnreachable', nodes: [{ node: 'NODE4', error: 'RPC_S_SERVER_UNAVAILABLE (1722)' }] } }))!,
      /cannot be queried on NODE4 \(RPC_S_SERVER_UNAVAILABLE \(1722\)\)\. Make the node reachable .* Nothing was changed\.$/);
    assert.match(refusalText(plan({ refusal: { code: 'otherCluster', reason: 'notMember', set: set.name, setCluster: 'CLUSTER1', liveCluster: 'CLUSTER1', node: 'NODE1' } }))!,
      /does not have this node \(NODE1\) among its members: it is another cluster of the same name/);
    // Translated: every word goes through t.
    const shout = (m: string, ...a: Array<string | number | boolean>): string => m.toUpperCase().replace(/\{(\d+)\}/g, (_w, i: string) => String(a[Number(i)]));
    assert.match(refusalText(plan({ refusal: { code: 'notClusterNode', node: 'NODE1' } }), shout)!, /^THE CLUSTER SERVICE \(CLUSSVC\) IS NOT INSTALLED ON NODE1\./);
  });

  it('reports the node states after a restore', () => {
    assert.equal(
      restoreResultText({ set: set.path, authoritative: true, outcome: 'completed', problems: [], nodes: [{ name: 'NODE1', id: '1', state: 'up', isLocal: true }, { name: 'NODE2', id: '2', state: 'down', isLocal: false }] }),
      'The cluster configuration was restored authoritatively and is in effect. Nodes now: NODE1 up, NODE2 down.');
    assert.equal(restoreResultText({ set: set.path, authoritative: false, outcome: 'completed', problems: [], nodes: [], recovered: 'rolledBack' }),
      'The cluster configuration of this node was restored; the node is Up in the cluster. An interrupted earlier restore was rolled back first.');
    assert.match(restoreResultText({ set: set.path, authoritative: true, outcome: 'notInEffect', problems: ['ClusSvc on NODE4: did not start'], nodes: [] }),
      /^The backup's files were restored, but the restore is not in effect\. What to do: ClusSvc on NODE4: did not start$/);
  });

  it('says what finishing an interrupted restore did, and what status shows before', () => {
    const restore = { id: 'x', set: '/b/CLUSTER1_NODE1_1', authoritative: true, phase: 'replacing', startedAt: '2025-01-01T00:00:00Z', finish: 'rollBack' as const, running: false };
    assert.match(recoverResultText({ outcome: 'rolledBack', restore, problems: [] }), /restore of CLUSTER1_NODE1_1 was rolled back/);
    assert.match(recoverResultText({ outcome: 'completed', restore: { ...restore, finish: 'complete' }, problems: [] }), /was completed/);
    assert.match(recoverResultText({ outcome: null, restore: null, problems: [] }), /no interrupted restore/);
    assert.match(describePendingRestore(restore), /interrupted authoritative restore .* stopped at "replacing": run "fcbackup recover" .* to roll it back\. Backups are refused until then\./);
    assert.match(describePendingRestore({ ...restore, running: true }), /^The authoritative restore .* is running/);
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
