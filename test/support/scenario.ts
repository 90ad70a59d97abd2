/**
 * Scenario files for the simulator library (format: test/simulator/README.md).
 *
 * A test describes only what matters to it; everything else gets the defaults of a
 * healthy four-node cluster: CLUSTER1 with NODE1..NODE4, NODE1 the local machine,
 * every node up and reachable, ClusSvc running everywhere, the process elevated and
 * the Cluster Database writer present. The file is written in full (defaults
 * included) so that a scenario left behind by a failing test reads on its own.
 *
 * Pure Node: this module also runs under Wine with the Windows node.exe.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type ScenarioNodeState = 'up' | 'down' | 'paused' | 'joining';
export type ScenarioServiceState = 'running' | 'stopped' | 'notInstalled';
export type ScenarioWriterStep =
  | 'prepareBackup' | 'prepareSnapshot' | 'freeze' | 'thaw' | 'postSnapshot' | 'backupComplete' | 'preRestore' | 'postRestore';
export type ScenarioFaultMode = 'fail' | 'hang' | 'crash';
/** A Win32 error or HRESULT: a number, or a string such as "0x800423F4". */
export type ScenarioCode = number | string;

export interface ScenarioNodeSpec {
  name: string;
  /** The node id GetClusterNodeId returns; default: its position, starting at "1". */
  id?: string;
  /** The cluster's view of the node while its ClusSvc runs; default "up". */
  state?: ScenarioNodeState;
  /** false: RPC_S_SERVER_UNAVAILABLE (1722) for calls that reach that node; default true. */
  reachable?: boolean;
  /** ClusSvc on that node; default "running". */
  service?: ScenarioServiceState;
}

export interface ScenarioVersionSpec {
  major?: number;
  minor?: number;
  build?: number;
  vendor?: string;
  csd?: string;
  highest?: number;
  lowest?: number;
  mixedMode?: boolean;
}

export interface ScenarioQuorumSpec {
  resource?: string;
  device?: string;
  maxLogSize?: number;
}

export interface ScenarioClusterSpec {
  name?: string;
  version?: ScenarioVersionSpec;
  /** null: the cluster has no quorum resource. */
  quorum?: ScenarioQuorumSpec | null;
}

export interface ScenarioFileSpec {
  name: string;
  size: number;
}

export interface ScenarioComponentSpec {
  logicalPath?: string;
  name: string;
  type?: 'database' | 'filegroup';
  selectable?: boolean;
}

export interface ScenarioWriterSpec {
  present?: boolean;
  failAt?: ScenarioWriterStep | null;
  failureHr?: ScenarioCode;
  components?: ScenarioComponentSpec[];
  restoreMethod?: number;
  service?: string;
  backupSchema?: number;
}

export interface ScenarioFaultSpec {
  /** An export ("OpenCluster") or a COM method ("IVssBackupComponents::DoSnapshotSet"). */
  function: string;
  /** Which call fails, 1 = the first; default 1. */
  call?: number;
  code: ScenarioCode;
  mode?: ScenarioFaultMode;
}

export interface ScenarioSpec {
  /** Local computer name; default: the first node's name. */
  machine?: string;
  elevated?: boolean;
  installed?: boolean;
  configured?: boolean;
  cluster?: ScenarioClusterSpec;
  nodes?: ScenarioNodeSpec[];
  clusdb?: { files?: ScenarioFileSpec[] };
  writer?: ScenarioWriterSpec;
  asyncPendingPolls?: number;
  snapshotSetInProgress?: number;
  mutateAfterSnapshot?: boolean;
  servicePendingPolls?: number;
  faults?: ScenarioFaultSpec[];
}

/** The scenario file as written: every field present. */
export interface ResolvedScenario {
  machine: string;
  elevated: boolean;
  installed: boolean;
  configured: boolean;
  cluster: { name: string; version: Required<ScenarioVersionSpec>; quorum: Required<ScenarioQuorumSpec> | null };
  nodes: Required<ScenarioNodeSpec>[];
  clusdb: { files: ScenarioFileSpec[] };
  writer: {
    present: boolean;
    failAt: ScenarioWriterStep | null;
    failureHr: ScenarioCode;
    components: Required<ScenarioComponentSpec>[];
    restoreMethod: number;
    service: string;
    backupSchema: number;
  };
  asyncPendingPolls: number;
  snapshotSetInProgress: number;
  mutateAfterSnapshot: boolean;
  servicePendingPolls: number;
  faults: Required<ScenarioFaultSpec>[];
}

/** VSS_RME_RESTORE_STOP_START */
export const RESTORE_STOP_START = 8;
/** VSS_BS_AUTHORITATIVE_RESTORE */
export const BACKUP_SCHEMA_AUTHORITATIVE_RESTORE = 0x4000;
/** CLUSTER_MAKE_VERSION(11, 0): the cluster functional level of Windows Server 2022. */
export const CLUSTER_VERSION_2022 = (11 << 16) | 0;

/** `count` nodes named `${prefix}1`..`${prefix}count`, up, reachable, ClusSvc running. */
export function makeNodes(count: number, prefix = 'NODE'): ScenarioNodeSpec[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i + 1}` }));
}

/** Fill in every default; the result is exactly what writeScenario puts in the file. */
export function resolveScenario(spec: ScenarioSpec = {}): ResolvedScenario {
  const nodes = (spec.nodes ?? makeNodes(4)).map((n, i) => ({
    name: n.name,
    id: n.id ?? String(i + 1),
    state: n.state ?? 'up',
    reachable: n.reachable ?? true,
    service: n.service ?? 'running',
  }));
  const cluster = spec.cluster ?? {};
  const quorum = cluster.quorum === null
    ? null
    : { resource: 'Cluster Disk Witness', device: 'Q:', maxLogSize: 0, ...cluster.quorum };
  const writer = spec.writer ?? {};
  return {
    machine: spec.machine ?? nodes[0]?.name ?? 'SERVER1',
    elevated: spec.elevated ?? true,
    installed: spec.installed ?? true,
    configured: spec.configured ?? true,
    cluster: {
      name: cluster.name ?? 'CLUSTER1',
      version: {
        major: 10, minor: 0, build: 20348, vendor: 'Microsoft(R) Cluster service', csd: '',
        highest: CLUSTER_VERSION_2022, lowest: CLUSTER_VERSION_2022, mixedMode: false,
        ...cluster.version,
      },
      quorum,
    },
    nodes,
    clusdb: {
      files: spec.clusdb?.files ?? [{ name: 'CLUSDB', size: 65536 }, { name: 'CLUSDB.blf', size: 4096 }],
    },
    writer: {
      present: writer.present ?? true,
      failAt: writer.failAt ?? null,
      failureHr: writer.failureHr ?? '0x800423F4',
      components: (writer.components ?? [{ logicalPath: '', name: 'Cluster Database', type: 'filegroup' }]).map((c) => ({
        logicalPath: c.logicalPath ?? '',
        name: c.name,
        type: c.type ?? 'filegroup',
        selectable: c.selectable ?? false,
      })),
      restoreMethod: writer.restoreMethod ?? RESTORE_STOP_START,
      service: writer.service ?? 'ClusSvc',
      backupSchema: writer.backupSchema ?? BACKUP_SCHEMA_AUTHORITATIVE_RESTORE,
    },
    asyncPendingPolls: spec.asyncPendingPolls ?? 2,
    snapshotSetInProgress: spec.snapshotSetInProgress ?? 0,
    mutateAfterSnapshot: spec.mutateAfterSnapshot ?? false,
    servicePendingPolls: spec.servicePendingPolls ?? 2,
    faults: (spec.faults ?? []).map((f) => ({ function: f.function, call: f.call ?? 1, code: f.code, mode: f.mode ?? 'fail' })),
  };
}

/** Creates `dir` if needed and writes `<dir>/scenario.json`; returns that file's path. */
export function writeScenario(dir: string, spec: ScenarioSpec = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'scenario.json');
  fs.writeFileSync(file, JSON.stringify(resolveScenario(spec), null, 2) + '\n', 'utf8');
  return file;
}

/** Writes arbitrary text as `<dir>/scenario.json` (for malformed-file tests); returns its path. */
export function writeScenarioText(dir: string, text: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'scenario.json');
  fs.writeFileSync(file, text, 'utf8');
  return file;
}

export interface TempScenario {
  /** The fresh folder holding the scenario and everything the simulator keeps for it. */
  dir: string;
  /** `<dir>/scenario.json` */
  path: string;
  /** Removes the folder and everything in it. */
  cleanup(): void;
}

/** A scenario in a fresh folder under the system temp folder. */
export function makeTempScenario(spec: ScenarioSpec = {}): TempScenario {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-scenario-'));
  const file = writeScenario(dir, spec);
  return {
    dir,
    path: file,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 }),
  };
}
