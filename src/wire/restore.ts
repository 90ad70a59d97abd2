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
  /** The VSS restore session up to PreRestore (the components selected, marked authoritative when asked). */
  | { kind: 'vssPreRestore'; method: RestoreMethodName; authoritative: boolean }
  /** The set's files written beside the live ones (`<name>.fcbnew`), each checked against its SHA-256. */
  | { kind: 'stageFiles'; folder: string; files: string[] }
  /** SetFileRestoreStatus and PostRestore: the writer's restore session ends. */
  | { kind: 'vssPostRestore'; method: RestoreMethodName }
  | { kind: 'stopLocalService'; node: string; service: string }
  /**
   * The live files that are replaced, and the live companions (CLUSDB.LOG1, .blf, … not in the set),
   * copied into the safety folder.
   */
  | { kind: 'safetyCopy'; folder: string; files: string[]; companions: string[] }
  /** The staged files renamed over the live ones; the companions moved into the safety folder. */
  | { kind: 'replaceFiles'; folder: string; files: string[]; companions: string[] }
  /** The service started here; for a node restore the node then rejoins and catches up with the cluster. */
  | { kind: 'startLocalService'; node: string; service: string; rejoins: boolean }
  /** Authoritative: the nodes stopped by the restore are started again, after this node runs. */
  | { kind: 'startOtherNodes'; nodes: string[] };

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
  | { code: 'setNotRestorable'; set: string; problems: string[] };

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
  /** The restored files are in place and every service the restore stopped runs again. */
  | 'completed'
  /** The files are in place, but a service the restore stopped did not start again (see problems): not in effect yet. */
  | 'notInEffect';

export interface RestoreResult {
  set: string;
  authoritative: boolean;
  outcome: RestoreOutcome;
  nodes: NodeInfo[];
  /** Whether an interrupted earlier restore was found and completed or rolled back first. */
  recovered?: 'completed' | 'rolledBack';
  /** What is not as it should be after the files were restored (e.g. the service did not start on another node). */
  problems: string[];
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
}

/** fcbackup recover / Finish Interrupted Restore. */
export interface RecoverResult {
  /** null: there was nothing to finish. */
  outcome: 'completed' | 'rolledBack' | null;
  /** The restore that was finished. */
  restore: PendingRestore | null;
  /** Services that could not be returned to how they should be. */
  problems: string[];
}
