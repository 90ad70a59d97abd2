/**
 * Which welcome view the "Failover Clusters" tree shows instead of a cluster: one per
 * state in which there is no running cluster to show (docs/architecture.md, Data flow). Pure, so the UI
 * and the tests decide the same way.
 */
import type { ClusterStatus } from './model';

export type WelcomeView =
  /** No native target: not Windows and no simulator scenario configured. */
  | 'notWindows'
  /** GetNodeClusterState: the Failover Clustering feature is not installed. */
  | 'notInstalled'
  /** Installed, but this machine is not a member of a cluster. */
  | 'notConfigured'
  /** A cluster node whose cluster service is stopped: a stand-alone server until the service starts. */
  | 'notRunning'
  /** The cluster service runs: the tree shows the cluster, no welcome view. */
  | 'none';

/** `status` null means there is no native target to ask (not Windows, no simulator). */
export function welcomeViewFor(status: Pick<ClusterStatus, 'state' | 'cluster'> | null): WelcomeView {
  if (status === null) return 'notWindows';
  switch (status.state) {
    case 'notInstalled': return 'notInstalled';
    case 'notConfigured': return 'notConfigured';
    case 'notRunning': return 'notRunning';
    case 'running': return 'none';
  }
}
