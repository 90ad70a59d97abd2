/**
 * The restore on the wire: what a client asks (RestoreParams), the plan it shows before
 * anything changes (RestorePlan: the typed steps that will run, or a typed refusal), and
 * what happened (RestoreResult, RecoverResult, PendingRestore). Plain data: the words for
 * people are made from it by restoreWords.ts, for the CLI and (translated) for the UI.
 */
import type { BackupSetSummary, NodeInfo } from './model';

/** The restore methods of VSS_RESTOREMETHOD_ENUM this tool names in a plan. */
export type RestoreMethodName =
  | 'restoreIfNotThere' | 'restoreIfCanReplace' | 'stopRestoreStart' | 'restoreToAlternateLocation'
  | 'restoreAtReboot' | 'restoreAtRebootIfCannotReplace' | 'custom' | 'restoreStopStart' | 'undefined';

export interface RestoreParams {
  set: string;
  authoritative: boolean;
  /** Stop the cluster service on the other nodes when it runs there (authoritative only). */
  stopOtherNodes: boolean;
  /** Restore a set that was made on another cluster. */
  allowOtherCluster?: boolean;
  /**
   * The plan's verification of the set (RestorePlan.verification.token). When the set on disk
   * still has the same manifest and the same size and modification time for every file, the
   * restore does not hash it again; each file's content is checked against the manifest's
   * SHA-256 anyway while it is copied into the cluster folder, before any live file changes.
   */
  verificationToken?: string;
  /**
   * Authoritative: when this node cannot reach quorum alone after the restore, start its cluster
   * service with force quorum (/fq): its copy of the configuration becomes authoritative and is
   * replicated to every node. Without it the restore rolls back in that case (QUORUM_NOT_REACHED).
   */
  forceQuorum?: boolean;
}

/** One step of a restore, in the order it runs. New kinds are added as the restore learns new paths. */
export type RestoreStep =
  /** An earlier restore left its journal: it is finished first (completed when it had committed, else rolled back). */
  | { kind: 'finishInterrupted'; set: string; phase: string; action: 'complete' | 'rollBack' }
  /** The set was verified (every file's size and SHA-256). */
  | { kind: 'verifySet'; set: string; files: number; node: string; cluster: string | null; time: string }
  /** The Cluster Database writer runs inside the cluster service, so the service is started first. */
  | { kind: 'startServiceForWriter'; node: string; service: string }
  /** Authoritative: the cluster service is stopped on these nodes (each recorded before it is stopped). */
  | { kind: 'stopOtherNodes'; nodes: string[] }
  /** Authoritative: these nodes were checked and are already stopped. */
  | { kind: 'otherNodesStopped'; nodes: string[]; fromSet: boolean }
  /**
   * The cluster service cannot run the writer here, so ClusDb is restored as a plain registry hive with the
   * service stopped (the seed: "while a node is not part of a cluster or the cluster is down, ClusDb can be
   * treated like any other registry hive"). `reason` says why; `detail` what was seen.
   */
  | { kind: 'offlinePath'; node: string; reason: 'serviceCannotStart' | 'clusterDown' | 'offlineSet'; detail: string }
  /** The VSS restore session up to PreRestore (the components selected, marked authoritative when asked). */
  | { kind: 'vssPreRestore'; method: RestoreMethodName; authoritative: boolean }
  /**
   * The live files that are replaced, and the live companions (CLUSDB.LOG1, .blf, … not in the set),
   * copied into the safety folder.
   */
  | { kind: 'safetyCopy'; folder: string; files: string[]; companions: string[] }
  /**
   * The set's files written to their original locations: each staged beside its live file (checked against its
   * SHA-256) and renamed over it with MoveFileExW; the companions moved into the safety folder. A live file in use
   * (ERROR_SHARING_VIOLATION) is replaced at the next restart instead (MOVEFILE_DELAY_UNTIL_REBOOT): the
   * restore then ends "reboot required".
   */
  | { kind: 'restoreFiles'; folder: string; files: string[]; companions: string[] }
  /** SetFileRestoreStatus and PostRestore: the writer's restore session ends. */
  | { kind: 'vssPostRestore'; method: RestoreMethodName }
  | { kind: 'stopLocalService'; node: string; service: string }
  /**
   * The service started here; for a node restore the node then rejoins and takes the running cluster's
   * configuration. Authoritative (`formsCluster`): the restore waits until this node is Up in a cluster
   * formed on the restored configuration before any other node starts; `forceQuorum` says whether it
   * may be started with /fq when it cannot reach quorum alone (else the restore ends not in effect, saying so).
   */
  | { kind: 'startLocalService'; node: string; service: string; rejoins: boolean; formsCluster?: boolean; forceQuorum?: boolean }
  /** Authoritative: the nodes stopped by the restore are started again, one at a time, each after the previous one joined. */
  | { kind: 'startOtherNodes'; nodes: string[] }
  /**
   * The outcome is observed, not assumed: authoritative — the live configuration (read through the cluster
   * registry API) is the set's; node — this node is Up in the cluster and takes the running cluster's
   * configuration. And every node whose service ran before runs again.
   */
  | { kind: 'checkInEffect'; authoritative: boolean };

export type RestoreStepKind = RestoreStep['kind'];

/** Why a restore will not go ahead; nothing is changed. */
export type RestoreRefusal =
  /** The set is not this cluster's (and allowOtherCluster was not given). */
  | { code: 'otherCluster'; reason: 'name' | 'unnamed' | 'notMember' | 'clusterId' | 'unconfirmed'; set: string;
    setCluster: string | null; liveCluster: string | null; node: string;
    /** reason 'clusterId': the ClusterInstanceID in the set's configuration, and the live cluster's. */
    setClusterId?: string; liveClusterId?: string }
  /** Authoritative: the cluster's nodes cannot be listed, so they cannot be checked. */
  | { code: 'membershipUnknown'; node: string; cluster: string | null }
  /** Authoritative: the cluster service cannot be queried on these nodes. */
  | { code: 'nodesUnreachable'; nodes: { node: string; error: string }[] }
  /** Authoritative: the service runs on these nodes and stopping it was not allowed. */
  | { code: 'nodesRunning'; nodes: string[] }
  /** An offline hive copy cannot be restored authoritatively (that is marked through the VSS writer). */
  | { code: 'offlineSetAuthoritative'; set: string }
  /** The writer asks for a restore method this tool does not carry out. */
  | { code: 'unsupportedRestoreMethod'; method: RestoreMethodName }
  /** The cluster service is not installed here. */
  | { code: 'notClusterNode'; node: string }
  /** The set passed verification but cannot be restored as it is: each problem names the file or document. */
  | { code: 'setNotRestorable'; set: string; problems: string[] }
  /**
   * Authoritative: by the set's configuration this node cannot form the cluster alone (its vote and the witness's
   * are no majority), and force quorum was not allowed (src/engine/quorumForecast.ts).
   */
  | { code: 'needsForceQuorum'; node: string; nodeVotes: number; totalVotes: number; witness: boolean };

export type RestoreRefusalCode = RestoreRefusal['code'];

/** Nodes the set and the live cluster disagree on (empty lists when they agree or the live list is unknown). */
export interface MembershipDifference {
  /** Members in the set's configuration that the live cluster does not list. */
  onlyInSet: string[];
  /** Members of the live cluster that the set's configuration does not list. */
  onlyLive: string[];
}

export interface SetVerification {
  /** Files whose size and SHA-256 were checked. */
  files: number;
  bytes: number;
  /** Hands the verification to the restore (RestoreParams.verificationToken). */
  token: string;
}

/** What a restore would do, for the confirmation; nothing is changed to compute it. */
export interface RestorePlan {
  set: BackupSetSummary;
  node: string;
  cluster: string | null;
  authoritative: boolean;
  /** The steps the restore runs, in order (the dry run of the same list the restore executes). */
  steps: RestoreStep[];
  /** Set when the restore would be refused: the steps then say what was checked. */
  refusal: RestoreRefusal | null;
  /** Other nodes whose cluster service runs now and must be stopped (the user's consent is asked). */
  nodesToStop: string[];
  membership: MembershipDifference;
  verification: SetVerification;
}

/** How a restore ended when it did not fail (a failure is an error and rolls back). */
export type RestoreOutcome =
  /** Observed in effect: the configuration (or, for a node restore, this node Up) and every service that ran before runs again. */
  | 'completed'
  /** A live file was in use: its replacement is scheduled for the next restart; the restore finishes after it (never restarts by itself). */
  | 'rebootRequired'
  /** The files are in place, but what was observed afterwards is not the restored state (see problems: what differs, what to do). */
  | 'notInEffect';

/** What the engine read after the restore to decide its outcome. */
export interface ObservedState {
  /** Authoritative: whether the live configuration read through the cluster registry API is the set's (null: not compared). */
  configurationMatches: boolean | null;
  /** The set's and the live PaxosTag, and the member lists (null where they could not be read). */
  setPaxosTag: number | null;
  livePaxosTag: number | null;
  setMembers: string[] | null;
  liveMembers: string[] | null;
  /** Node restore: this node's state in the cluster (up, down, joining, …). */
  localNodeState: string | null;
  /** Nodes whose cluster service ran before the restore and does not run now. */
  notRunning: string[];
}

export interface RestoreResult {
  set: string;
  authoritative: boolean;
  outcome: RestoreOutcome;
  nodes: NodeInfo[];
  /** Whether an interrupted earlier restore was found and completed or rolled back first. */
  recovered?: 'completed' | 'rolledBack';
  /** What is not as it should be after the files were restored (e.g. the service did not start on another node). */
  problems: string[];
  /** What was read to decide the outcome (absent for rebootRequired: nothing can be observed before the restart). */
  observed?: ObservedState;
  /** rebootRequired: the files whose replacement waits for the restart. */
  atReboot?: string[];
  /** Set when a cancel arrived after the restore's point of no return and was not honoured: what the engine answered. */
  cancelDeclined?: string;
}

/** A restore whose journal is on disk. */
export interface PendingRestore {
  id: string;
  set: string;
  authoritative: boolean;
  phase: string;
  startedAt: string;
  /** What finishing it does: complete (it had committed) or roll back. */
  finish: 'complete' | 'rollBack';
  /** true: a backup or restore holds the operation lock now, so it is running; false: it was interrupted. */
  running: boolean;
  /** The restore waits for this machine to restart: its files are scheduled to replace the live ones then. */
  rebootRequired?: boolean;
}

/** A restore that failed and was rolled back (the error's `restore` data). */
export interface RestoreFailure {
  outcome: 'rolledBack';
  /** Whether anything had been changed (false: the restore failed before its first change). */
  changed: boolean;
  filesPutBack: string[];
  /** How the services are now. */
  servicesNow: string;
  /** Services that could not be returned to how they were. */
  problems: string[];
}

/** The one JSON document `fcbackup restore --json` prints: the outcome, with its details. */
export type RestoreReport =
  | RestoreResult
  | { outcome: 'refused'; set: string; refusal: RestoreRefusal | null; message: string; code: string | null }
  | { outcome: 'rolledBack'; set: string; message: string; code: string | null; rollback: RestoreFailure }
  | { outcome: 'cancelled'; set: string; message: string };

/** fcbackup recover / Finish Interrupted Restore. */
export interface RecoverResult {
  /** null: there was nothing to finish; rebootRequired: still waiting for the restart (nothing done). */
  outcome: 'completed' | 'rolledBack' | 'notInEffect' | null;
  /** The restore that was finished. */
  restore: PendingRestore | null;
  /** Services that could not be returned to how they should be. */
  problems: string[];
}
