/** The cluster row says when its status was read (the trees refresh on an interval by default). */
import * as assert from 'node:assert/strict';
import type { ClusterStatus } from '../../src/protocol';
import { formatLocalTime } from '../../src/ui/format';
import { clusterElement, clusterItem, clusterRoots, type ClusterElement } from '../../src/ui/treeModel';
import { CLUSTER1 } from '../support/clusterSummary';

const status: ClusterStatus = {
  state: 'running', machine: 'NODE1', cluster: CLUSTER1, nodes: [{ name: 'NODE1', id: '1', state: 'up', isLocal: true }],
};
const readAt = '2026-12-07T10:11:12.000Z';

describe('ui cluster row last read', () => {
  it('puts the time the status was read in the cluster row\'s tooltip', () => {
    const [local] = clusterRoots({ status, readAt }, []) as ClusterElement[];
    assert.equal(local?.readAt, readAt);
    assert.match(clusterItem(local!).tooltip ?? '', new RegExp(`\\nLast read: ${formatLocalTime(readAt)}$`));
    const connected = clusterElement('connected', { ...status, connectedName: 'CLUSTER1' }, readAt);
    assert.match(clusterItem(connected).tooltip ?? '', /Last read: /);
  });

  it('says nothing about it when the time is not known', () => {
    assert.doesNotMatch(clusterItem(clusterElement('local', status)).tooltip ?? '', /Last read/);
  });
});
