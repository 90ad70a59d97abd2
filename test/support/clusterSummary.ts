/**
 * A healthy cluster as discovery reports it — CLUSTER1 at version 10.0.20348 with a
 * disk witness — for the tests of what the CLI and the trees show. Pure data.
 */
import type { ClusterSummary } from '../../src/engine/model';

export const CLUSTER1: ClusterSummary = {
  name: 'CLUSTER1',
  version: '10.0.20348',
  versionInfo: {
    major: 10, minor: 0, build: 20348, vendor: 'Microsoft(R) Cluster service', csdVersion: '',
    highestVersion: 0xb0000, lowestVersion: 0xb0000, mixedMode: false,
  },
  quorum: { resource: 'Cluster Disk Witness', device: 'Q:', maxLogSize: 0 },
};
