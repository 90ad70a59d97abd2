/**
 * The node actions Failover Cluster Manager offers on a node, as the engine's
 * `nodeAction` request carries them (src/engine/nodeActions.ts does them).
 */
import type { NodeState } from './model';

export type NodeActionKind = 'startService' | 'stopService' | 'pause' | 'resume';

/** How a resumed node takes its roles back (CLUSTER_NODE_RESUME_FAILBACK_TYPE). */
export type ResumeFailback = 'none' | 'immediate' | 'policy';

export interface NodeActionParams {
  action: NodeActionKind;
  node: string;
  /** The cluster the node belongs to when it was connected to by name; absent: the local cluster. */
  cluster?: string;
  /** pause: move the node's roles to other nodes first (default true, as "Pause > Drain Roles"). */
  drain?: boolean;
  /**
   * pause with drain: the node the roles move to ("Drain Roles > Move to a specific node"; it
   * must be another node that is up). Absent: the cluster places each role on the best
   * possible node ("Drain Roles > Best Possible Node").
   */
  drainTarget?: string;
  /** resume: default 'none' (the roles stay where they are, as "Resume > Do Not Fail Roles Back"). */
  failback?: ResumeFailback;
}

export interface NodeActionResult {
  action: NodeActionKind;
  node: string;
  /** The node's state before the action, and as read back after it. */
  before: NodeState;
  after: NodeState;
  /** The cluster service's state on the node after the action (service actions). */
  service?: string;
  /** false: the node already was where the action leads, nothing was sent. */
  changed: boolean;
  /** pause: the node the roles were drained to, when one was named. */
  drainTarget?: string;
}
