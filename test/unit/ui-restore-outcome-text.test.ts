/**
 * The toast after a restore says which outcome it was and what the user must do: completed
 * (observed in effect), rebootRequired (restart this node; the restore finishes at the next engine
 * start), notInEffect (what differs, what to do), and for Finish Interrupted Restore also
 * rolledBack — each wording distinct from the others.
 */
import * as assert from 'node:assert/strict';
import type { RecoverResult, RestoreResult } from '../../src/protocol';
import { recoverResultText, restoreResultSeverity, restoreResultText } from '../../src/ui/restoreText';

const NODES: RestoreResult['nodes'] = [
  { name: 'NODE1', id: '1', state: 'up', isLocal: true }, { name: 'NODE2', id: '2', state: 'down', isLocal: false },
];
const base: RestoreResult = { set: '/b/CLUSTER1_NODE1_1', authoritative: true, outcome: 'completed', problems: [], nodes: NODES };

describe('restore result text per outcome', () => {
  it('completed: observed in effect, the node states', () => {
    const text = restoreResultText(base);
    assert.equal(text, 'The cluster configuration was restored authoritatively and is in effect. Nodes now: NODE1 up, NODE2 down.');
    assert.doesNotMatch(text, /restart|not in effect/i);
  });

  it('rebootRequired: restart this node, the files it waits for, and that the restore finishes at the next engine start', () => {
    const text = restoreResultText({ ...base, outcome: 'rebootRequired', atReboot: ['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB.blf'] });
    assert.match(text, /^Restart NODE1 to finish the restore\./);
    assert.match(text, /\(CLUSDB, CLUSDB\.blf\) are in use/);
    assert.match(text, /the previous configuration stays in effect and the other nodes stay stopped/);
    assert.match(text, /never restarts a machine by itself/);
    assert.match(text, /finishes the next time the engine starts \(opening VS Code, or any fcbackup command\)/);
    assert.doesNotMatch(text, /not in effect|Nodes now/);
    // A node restore does not stop the other nodes.
    assert.doesNotMatch(restoreResultText({ ...base, authoritative: false, outcome: 'rebootRequired', atReboot: ['/c/CLUSDB'] }), /other nodes stay stopped/);
  });

  it('notInEffect: what differs (configuration, members, node state, services) and what to do', () => {
    const text = restoreResultText({
      ...base, outcome: 'notInEffect',
      problems: ['Stop the cluster service on every other node and run the authoritative restore again.'],
      observed: {
        configurationMatches: false, setPaxosTag: 7, livePaxosTag: 900, setMembers: ['NODE1', 'NODE2', 'NODE3'], liveMembers: ['NODE1', 'NODE2'],
        localNodeState: 'joining', notRunning: ['NODE3'],
      },
    });
    assert.match(text, /^The backup's files were restored, but the restore is not in effect\./);
    assert.match(text, /What differs: the live configuration is not the backup's \(PaxosTag 7 in the backup, 900 live\); the backup lists the nodes NODE1, NODE2, NODE3, the live cluster NODE1, NODE2; NODE1 is joining in the cluster, not Up; the cluster service does not run again on NODE3\./);
    assert.match(text, /What to do: Stop the cluster service on every other node and run the authoritative restore again\./);
    assert.doesNotMatch(text, /^Restart/);
  });

  it('Finish Interrupted Restore: completed, not in effect and rolled back each say so', () => {
    const restore = { id: 'x', set: '/b/CLUSTER1_NODE1_1', authoritative: true, phase: 'postRestored', startedAt: '2025-01-01T00:00:00Z', finish: 'complete' as const, running: false };
    const completed: RecoverResult = { outcome: 'completed', restore, problems: [] };
    assert.match(recoverResultText(completed), /was completed and is in effect/);
    const notInEffect = recoverResultText({ outcome: 'notInEffect', restore, problems: ['NODE1 did not form the cluster: run Start-ClusterNode -FixQuorum.'] });
    assert.match(notInEffect, /was completed \(it had gone past the point where it can be undone\), but it is not in effect\. What differs and what to do: NODE1 did not form/);
    assert.doesNotMatch(notInEffect, /rolled back/);
    assert.match(recoverResultText({ outcome: 'rolledBack', restore: { ...restore, finish: 'rollBack' }, problems: [] }), /was rolled back: the files from before it are back/);
  });
});

describe('restore result toast severity', () => {
  it('completed is information, rebootRequired a warning (a task, nothing failed), notInEffect an error', () => {
    assert.equal(restoreResultSeverity({ outcome: 'completed' }), 'info');
    assert.equal(restoreResultSeverity({ outcome: 'rebootRequired' }), 'warning');
    assert.equal(restoreResultSeverity({ outcome: 'notInEffect' }), 'error');
  });
});
