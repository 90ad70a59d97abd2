/**
 * The restore dialogs at 64 nodes and with hostile names: a question of one short sentence,
 * capped node lists, plain steps (no VSS_RME_* constant), one time format with its zone, the
 * impact line, the typed cluster name, and the button that goes ahead never first (VS Code's
 * default button).
 */
import * as assert from 'node:assert/strict';
import type { ClusterConfiguration, ConfigRole } from '../../src/config/model';
import type { BackupSetSummary, RestorePlan, RestoreStep } from '../../src/protocol';
import { displayLines, displayText } from '../../src/text/displayText';
import { cappedList, formatShortTime, formatUtcOffset, formatZonedTime } from '../../src/ui/format';
import {
  confirmationButtons, fullPlanText, plainStep, restoreConfirmation, restoreImpactLine, stopNodesConfirmation,
  typedNameConfirmation, typedNameMatches,
} from '../../src/ui/restoreDialogText';
import { nodesNowText } from '../../src/ui/restoreText';

const nodes = Array.from({ length: 64 }, (_, i) => `NODE${i + 1}`);
const others = nodes.slice(1);

const set: BackupSetSummary = {
  path: '/backups/CLUSTER1_NODE1_20261206T215812Z', name: 'CLUSTER1_NODE1_20261206T215812Z', cluster: 'CLUSTER1', node: 'NODE1',
  time: '2026-12-06T21:58:12Z', kind: 'vss-cluster-writer', size: 69632, verified: true, problems: [],
};

/** Every step kind the engine plans for an authoritative restore with 63 other nodes running. */
const authoritativeSteps: RestoreStep[] = [
  { kind: 'finishInterrupted', set: 'OLD_SET', phase: 'staged', action: 'rollBack' },
  { kind: 'verifySet', set: set.name, files: 2, node: 'NODE1', cluster: 'CLUSTER1', time: set.time! },
  { kind: 'startServiceForWriter', node: 'NODE1', service: 'ClusSvc' },
  { kind: 'stopOtherNodes', nodes: others },
  { kind: 'otherNodesStopped', nodes: others, fromSet: false },
  { kind: 'vssPreRestore', method: 'restoreStopStart', authoritative: true },
  { kind: 'safetyCopy', folder: 'C:\\Windows\\Cluster', files: ['CLUSDB'], companions: ['CLUSDB.LOG1'] },
  { kind: 'restoreFiles', folder: 'C:\\Windows\\Cluster', files: ['CLUSDB'], companions: ['CLUSDB.LOG1'] },
  { kind: 'vssPostRestore', method: 'restoreStopStart' },
  { kind: 'stopLocalService', node: 'NODE1', service: 'ClusSvc' },
  { kind: 'startLocalService', node: 'NODE1', service: 'ClusSvc', rejoins: false, formsCluster: true, forceQuorum: false },
  { kind: 'startOtherNodes', nodes: others },
  { kind: 'checkInEffect', authoritative: true },
];

function plan(partial: Partial<RestorePlan> = {}): RestorePlan {
  return {
    set, node: 'NODE1', cluster: 'CLUSTER1', authoritative: true, nodesToStop: others, refusal: null,
    steps: authoritativeSteps,
    membership: { onlyInSet: [], onlyLive: [] },
    verification: { files: 2, bytes: 69632, token: 't' },
    ...partial,
  };
}

function role(name: string, preferredOwners: string[]): ConfigRole {
  return { id: `{${name}}`, name, groupType: null, persistentState: null, preferredOwners, resourceIds: [], properties: [] };
}

function live(roles: ConfigRole[]): ClusterConfiguration {
  return {
    clusterName: 'CLUSTER1', instanceId: null, paxosTag: null,
    nodes: nodes.map((name, i) => ({ id: String(i + 1), name, properties: [] })),
    roles, resources: [], resourceTypes: [], networks: [], interfaces: [], quorum: [], properties: [], problems: [],
  };
}

/** The longest line a modal's detail shows; a name list must not make one line of all 63 names. */
function longestLine(text: string): number {
  return Math.max(...text.split('\n').map((l) => l.length));
}

describe('restore dialogs at 64 nodes', () => {
  it('caps a list of names, and shows a list one longer than the cap whole', () => {
    assert.equal(cappedList(others), 'NODE2, NODE3, NODE4, … and 60 more');
    assert.equal(cappedList(['A', 'B', 'C', 'D']), 'A, B, C, D');
    assert.equal(cappedList(['A', 'B', 'C', 'D', 'E']), 'A, B, C, … and 2 more');
    assert.equal(cappedList([]), '');
  });

  it('asks one short question and caps every node list in the detail', () => {
    const first = restoreConfirmation(plan());
    assert.equal(first.message, 'Restore all of CLUSTER1 to this backup?');
    assert.doesNotMatch(first.detail, /NODE64/, 'the detail lists all 63 nodes');
    assert.match(first.detail, /Stop the cluster service on NODE2, NODE3, NODE4, … and 60 more\./);
    assert.match(first.detail, /still runs on 63 other nodes \(NODE2, NODE3, NODE4, … and 60 more\)/);
    assert.ok(longestLine(first.detail) < 200, `a detail line of ${longestLine(first.detail)} characters`);

    const stop = stopNodesConfirmation(plan());
    assert.equal(stop.message, 'Stop the cluster service on 63 other nodes?');
    assert.equal(stop.confirm, 'Stop Cluster Service on 63 Nodes');
    assert.match(stop.detail, /^Nodes: NODE2, NODE3, NODE4, … and 60 more\.$/m);
    assert.doesNotMatch(`${stop.message}\n${stop.detail}`, /NODE5\b/);
  });

  it('says the steps in plain words: no VSS_RME_* constant, no file or folder list in the modal', () => {
    const detail = restoreConfirmation(plan()).detail;
    assert.doesNotMatch(detail, /VSS_RME_|RESTORE_STOP_START|C:\\Windows|CLUSDB/);
    for (const step of authoritativeSteps) {
      const words = plainStep(step);
      assert.doesNotMatch(words, /VSS_RME_|NODE64/, `${step.kind}: ${words}`);
      assert.ok(words.length < 120, `${step.kind}: ${words}`);
    }
    assert.equal(plainStep({ kind: 'vssPreRestore', method: 'restoreStopStart', authoritative: true }),
      'Tell the cluster database\'s backup writer (VSS) that an authoritative restore begins.');
    // The full plan (for the log) keeps the engine's wording: every name and the restore method.
    const full = fullPlanText(plan());
    assert.match(full, /VSS_RME_RESTORE_STOP_START/);
    assert.match(full, /NODE64/);
  });

  it('writes every time one way, naming the time zone', () => {
    assert.equal(formatUtcOffset(0), 'UTC');
    assert.equal(formatUtcOffset(60), 'UTC+01:00');
    assert.equal(formatUtcOffset(-330), 'UTC-05:30');
    assert.equal(formatZonedTime('2026-12-06T21:58:12Z', 60), '2026-12-06 22:58:12 UTC+01:00');
    assert.equal(formatZonedTime('2026-12-06T21:58:12Z', 0), '2026-12-06 21:58:12 UTC');
    assert.equal(formatZonedTime('2026-12-06T21:58:12Z', -300), '2026-12-06 16:58:12 UTC-05:00');
    assert.equal(formatZonedTime('not a time'), 'not a time');
    assert.equal(formatZonedTime(null), '?');
    assert.equal(formatShortTime('2026-12-06T21:58:12Z', 60), '12-06 22:58');
    assert.match(formatZonedTime(set.time), /^2026-12-0[67] \d\d:\d\d:12 UTC([+-]\d\d:\d\d)?$/);
    assert.ok(restoreConfirmation(plan()).detail.includes(formatZonedTime(set.time)));
    assert.ok(typedNameConfirmation(plan()).prompt.includes(formatZonedTime(set.time)));
  });

  it('names the roles that move: all of them for an authoritative restore, those preferring the node for a node restore', () => {
    const roles = [role('Cluster Group', []), role('SQL Server', ['1', '2']), role('FS1', ['2', '1']), role('Print', ['1']), role('DFS', ['1'])];
    assert.equal(restoreImpactLine(plan(), live(roles)),
      'Impact: all 5 role(s) (Cluster Group, SQL Server, FS1, … and 2 more) go offline while the cluster service is stopped and come back with the backup\'s configuration.');
    assert.equal(restoreImpactLine(plan({ authoritative: false, nodesToStop: [] }), live(roles)),
      'Impact: the roles NODE1 owns move to other nodes while its cluster service is stopped; 3 prefer(s) it: SQL Server, Print, DFS.');
    assert.match(restoreImpactLine(plan({ authoritative: false, node: 'NODE9', nodesToStop: [] }), live(roles))!, /no role lists it as its preferred owner/);
    assert.equal(restoreImpactLine(plan(), undefined), null);
  });

  it('has the cluster\'s name typed: case does not matter, anything else does', () => {
    const typed = typedNameConfirmation(plan());
    assert.equal(typed.expected, 'CLUSTER1');
    assert.match(typed.prompt, /^Type the cluster's name, CLUSTER1, to restore every node of it to the backup of /);
    assert.equal(typedNameMatches('CLUSTER1', typed.expected), true);
    assert.equal(typedNameMatches(' cluster1 ', typed.expected), true);
    assert.equal(typedNameMatches('CLUSTER', typed.expected), false);
    assert.equal(typedNameMatches('', typed.expected), false);
    assert.equal(typedNameMatches('', ''), false, 'a cluster without a name cannot be confirmed by typing nothing');
  });

  it('never makes the button that goes ahead the default (first) one', () => {
    const showPlan = { title: 'Show Full Plan', run: async () => undefined };
    const first = { ...restoreConfirmation(plan()), extras: [showPlan] };
    assert.deepEqual(confirmationButtons(first), ['Show Full Plan', 'Restore Cluster…']);
    const withDiff = { ...first, more: { title: 'Show Full Difference', run: async () => undefined } };
    assert.deepEqual(confirmationButtons(withDiff), ['Show Full Difference', 'Show Full Plan', 'Restore Cluster…']);
  });

  it('reads long Unicode names and shows control characters escaped', () => {
    const long = `ΚΌΜΒΟΣ-${'ü'.repeat(40)}-ノード`;
    const hostile = 'EVIL\u202eNODE\u001b[2J';
    const names = [long, hostile, ...others.slice(0, 61)];
    const p = plan({ nodesToStop: names, cluster: 'КЛАСТЕР\u0007', steps: [{ kind: 'stopOtherNodes', nodes: names }] });
    const stop = stopNodesConfirmation(p);
    assert.equal(stop.message, 'Stop the cluster service on 63 other nodes?');
    const shown = displayLines(stop.detail);
    assert.ok(shown.includes(`Nodes: ${long}, EVIL<U+202E>NODE<U+001B>[2J, NODE2, … and 60 more.`), shown);
    assert.ok(!shown.split('\n').some((line) => [...line].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u202e')), shown);
    const typed = typedNameConfirmation(p);
    assert.equal(displayText(typed.prompt).startsWith('Type the cluster\'s name, КЛАСТЕР<U+0007>,'), true);
    // The name may be typed as it is shown.
    assert.equal(typedNameMatches('КЛАСТЕР<U+0007>', typed.expected), true);
    assert.equal(typedNameMatches('кластер\u0007', typed.expected), true);
  });

  it('reports the node states after a 64-node restore by state, capped', () => {
    const after = nodes.map((name, i) => ({ name, id: String(i + 1), state: i === 6 || i === 8 ? 'down' as const : 'up' as const, isLocal: i === 0 }));
    assert.equal(nodesNowText(after), '62 up (NODE1, NODE2, NODE3, … and 59 more), 2 down (NODE7, NODE9)');
    assert.equal(nodesNowText(after.slice(0, 2)), 'NODE1 up, NODE2 up');
  });
});
