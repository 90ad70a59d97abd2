/** The status bar item's text and warning rules (src/ui/statusSummary.ts), from plain data and a fixed "now". */
import * as assert from 'node:assert/strict';
import type { ClusterStatus, NodeInfo } from '../../src/protocol';
import { formatAge, newestIntactSet, statusView, type SetSummary, type StatusInput } from '../../src/ui/statusSummary';
import { CLUSTER1 } from '../support/clusterSummary';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-12-07T12:00:00Z');

function node(name: string, state: NodeInfo['state']): NodeInfo {
  return { name, state, id: name.slice(-1), isLocal: name === 'NODE1' };
}

const running: ClusterStatus = {
  state: 'running', machine: 'NODE1', cluster: CLUSTER1,
  nodes: [node('NODE1', 'up'), node('NODE2', 'up'), node('NODE3', 'down'), node('NODE4', 'unreachable')],
};

function set(ageMs: number, intact = true, cluster: string | null = 'CLUSTER1'): SetSummary {
  return { cluster, node: 'NODE1', time: new Date(NOW - ageMs).toISOString(), intact };
}

function input(extra: Partial<StatusInput>): StatusInput {
  return { status: running, sets: [], lastFailure: undefined, warningDays: 7, now: NOW, ...extra };
}

describe('ui status bar summary', () => {
  it('formats ages in minutes, hours and days', () => {
    assert.equal(formatAge(0), 'just now');
    assert.equal(formatAge(59_999), 'just now');
    assert.equal(formatAge(-5 * MINUTE), 'just now');
    assert.equal(formatAge(MINUTE), '1 min ago');
    assert.equal(formatAge(59 * MINUTE), '59 min ago');
    assert.equal(formatAge(2 * HOUR + 30 * MINUTE), '2 h ago');
    assert.equal(formatAge(47 * HOUR), '47 h ago');
    assert.equal(formatAge(2 * DAY), '2 d ago');
    assert.equal(formatAge(9 * DAY + 3 * HOUR), '9 d ago');
  });

  it('shows the cluster, the nodes up and the newest intact backup\'s age', () => {
    const view = statusView(input({ sets: [set(3 * DAY), set(2 * HOUR), set(10 * MINUTE, false)] }));
    assert.ok(view);
    assert.equal(view.text, '$(server-environment) CLUSTER1 · 2/4 up · 2 h ago');
    assert.equal(view.warning, false);
    assert.match(view.tooltip, /Cluster CLUSTER1: 2 of 4 nodes up\./);
    assert.match(view.tooltip, /Last intact backup: .* \(2 h ago\) on NODE1\./);
  });

  it('warns when the newest intact backup is older than the warning days', () => {
    const old = statusView(input({ sets: [set(8 * DAY), set(MINUTE, false)] }));
    assert.equal(old?.warning, true);
    assert.equal(old?.text, '$(warning) CLUSTER1 · 2/4 up · 8 d ago');
    assert.match(old?.tooltip ?? '', /older than 7 days/);
    assert.equal(statusView(input({ sets: [set(6 * DAY)] }))?.warning, false);
    assert.equal(statusView(input({ sets: [set(6 * DAY)], warningDays: 5 }))?.warning, true);
  });

  it('warns when there is no intact backup of this cluster', () => {
    const none = statusView(input({ sets: [set(HOUR, true, 'OTHER'), set(HOUR, false)] }));
    assert.equal(none?.warning, true);
    assert.equal(none?.text, '$(warning) CLUSTER1 · 2/4 up · no backup');
  });

  it('warns when the last backup failed after the newest intact one, not before', () => {
    const failedAfter = statusView(input({ sets: [set(2 * HOUR)], lastFailure: { at: NOW - HOUR, message: 'OpenCluster failed' } }));
    assert.equal(failedAfter?.warning, true);
    assert.equal(failedAfter?.text, '$(warning) CLUSTER1 · 2/4 up · backup failed');
    assert.match(failedAfter?.tooltip ?? '', /last backup failed: OpenCluster failed/);
    const failedBefore = statusView(input({ sets: [set(HOUR)], lastFailure: { at: NOW - 2 * HOUR, message: 'x' } }));
    assert.equal(failedBefore?.warning, false);
  });

  it('does not warn before the backup folder was read, and shows nothing without a cluster', () => {
    const unread = statusView(input({ sets: undefined }));
    assert.equal(unread?.warning, false);
    assert.equal(unread?.text, '$(server-environment) CLUSTER1 · 2/4 up · backups not read');
    assert.equal(statusView(input({ status: undefined })), undefined);
    assert.equal(statusView(input({ status: { state: 'notInstalled', machine: 'SRV', cluster: null, nodes: [] } })), undefined);
  });

  it('matches the cluster name case-insensitively and ignores sets without a time', () => {
    const sets = [set(HOUR, true, 'cluster1'), { cluster: 'CLUSTER1', node: null, time: null, intact: true }];
    assert.equal(newestIntactSet(sets, 'CLUSTER1')?.cluster, 'cluster1');
  });
});
