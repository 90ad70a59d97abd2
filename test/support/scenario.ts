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
  /** Quorum votes (NodeWeight in the cluster database): 0 or 1; default 1. */
  votes?: number;
  /** Each call addressed to this node waits this long (ms), outside the simulator's lock; 0: the global latencyMs. */
  latencyMs?: number;
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
  /** ClusterInstanceID of a new database (a GUID); default: derived from the cluster name. */
  instanceId?: string;
  /** PaxosTag of a new database; default 1. */
  paxosTag?: number;
  /**
   * The simulator's quorum and replication model (test/simulator/README.md, "Quorum and replication"): per-node
   * configuration copies, forming by votes or /fq, the newest PaxosTag winning, joiners taking the cluster's copy, an
   * authoritative restore through the writer getting a newer PaxosTag. The simulator's default is true; scenarios
   * written by these helpers default to false, because the older suites assert the restored bytes on this node
   * after a node restore (which the model replaces with the running cluster's copy, as on Windows).
   */
  replication?: boolean;
}

export type ScenarioObjectState = 'online' | 'offline';
/** A resource parameter: REG_SZ, REG_DWORD or REG_MULTI_SZ in the resource's Parameters key. */
export type ScenarioParameter = string | number | string[];

/** A group (a role): Groups\<id> in the cluster database. */
export interface ScenarioGroupSpec {
  /** A GUID; default: derived from the name. */
  id?: string;
  name: string;
  /** GroupType (CLUSGROUP_TYPE): 1 core cluster, 2 available storage, 100 file server, 9999 unknown …; default 9999. */
  type?: number;
  /** PersistentState; default "online". */
  state?: ScenarioObjectState;
  /** PreferredOwners: node names, stored as the nodes' ids. */
  preferredOwners?: string[];
}

/** A resource: Resources\<id>, in the group it names. */
export interface ScenarioResourceSpec {
  id?: string;
  name: string;
  /** The resource type's name ("IP Address", "Network Name", "Physical Disk", …). */
  type: string;
  /** The name of its group. */
  group: string;
  /** Names of the resources it depends on. */
  dependsOn?: string[];
  state?: ScenarioObjectState;
  parameters?: Record<string, ScenarioParameter>;
}

/** A cluster network: Networks\<id>, with a NetworkInterfaces entry for every node. */
export interface ScenarioNetworkSpec {
  id?: string;
  name: string;
  /** Role: 0 none, 1 cluster only, 2 client only, 3 cluster and client; default 3. */
  role?: number;
  address?: string;
  addressMask?: string;
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
  /** After PreRestore the writer releases the ClusDb files until the service next starts; default true. */
  releasesFilesAtPreRestore?: boolean;
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
  /** lockedWhileRunning: the ClusDb files are in use while this machine's cluster service runs; default true. */
  clusdb?: { files?: ScenarioFileSpec[]; lockedWhileRunning?: boolean };
  writer?: ScenarioWriterSpec;
  asyncPendingPolls?: number;
  snapshotSetInProgress?: number;
  mutateAfterSnapshot?: boolean;
  servicePendingPolls?: number;
  faults?: ScenarioFaultSpec[];
  groups?: ScenarioGroupSpec[];
  resources?: ScenarioResourceSpec[];
  networks?: ScenarioNetworkSpec[];
  /** Each call addressed to a node waits this long (ms) unless the node has its own latencyMs; default 0. */
  latencyMs?: number;
  /** Folders (relative to the scenario folder, '/' separated) where another volume is mounted; default none. */
  mountedFolders?: ScenarioMountedFolderSpec[];
}

/** A mounted folder: `volumeGuid` defaults to one of its own per entry. */
export interface ScenarioMountedFolderSpec {
  path: string;
  volumeGuid?: string;
}

/** The scenario file as written: every field present. */
export interface ResolvedScenario {
  machine: string;
  elevated: boolean;
  installed: boolean;
  configured: boolean;
  cluster: {
    name: string; version: Required<ScenarioVersionSpec>; quorum: Required<ScenarioQuorumSpec> | null; instanceId?: string; paxosTag: number;
    replication: boolean;
  };
  nodes: Required<ScenarioNodeSpec>[];
  clusdb: { files: ScenarioFileSpec[]; lockedWhileRunning: boolean };
  writer: {
    present: boolean;
    failAt: ScenarioWriterStep | null;
    failureHr: ScenarioCode;
    components: Required<ScenarioComponentSpec>[];
    restoreMethod: number;
    service: string;
    backupSchema: number;
    releasesFilesAtPreRestore: boolean;
  };
  asyncPendingPolls: number;
  snapshotSetInProgress: number;
  mutateAfterSnapshot: boolean;
  servicePendingPolls: number;
  faults: Required<ScenarioFaultSpec>[];
  groups: ScenarioGroupSpec[];
  resources: ScenarioResourceSpec[];
  networks: ScenarioNetworkSpec[];
  latencyMs: number;
  mountedFolders?: ScenarioMountedFolderSpec[];
}

/** VSS_RME_RESTORE_STOP_START */
export const RESTORE_STOP_START = 8;
/** VSS_BS_AUTHORITATIVE_RESTORE */
export const BACKUP_SCHEMA_AUTHORITATIVE_RESTORE = 0x4000;
/** CLUSTER_MAKE_VERSION(11, 0): the cluster functional level of Windows Server 2022. */
export const CLUSTER_VERSION_2022 = (11 << 16) | 0;

// The default cluster configuration: the core Cluster Group (cluster IP address, cluster name, disk witness),
// Available Storage with two disks, a file server role FS1 and a SQL Server role with its agent. The same
// objects are the simulator's own defaults (test/simulator/scenario_db.c, DEFAULT_DB); a test checks that
// both give the same database.
const ip = (address: string): Record<string, ScenarioParameter> =>
  ({ Address: address, SubnetMask: '255.255.255.0', Network: 'Cluster Network 1', EnableDhcp: 0 });
const SQL_GROUP = 'SQL Server (MSSQLSERVER)';

export const DEFAULT_GROUPS: ScenarioGroupSpec[] = [
  { id: '6f3a1c2e-8b4d-4f5a-9c6e-1d2b3a4c5e60', name: 'Cluster Group', type: 1 },
  { id: '2b7e9d41-5c3a-4e8f-a1b2-c3d4e5f60718', name: 'Available Storage', type: 2, state: 'offline' },
  { id: '8d1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b', name: 'FS1', type: 100 },
  { id: 'c4e5f607-1829-4a3b-b4c5-d6e7f8091a2b', name: SQL_GROUP, type: 9999 },
];

export const DEFAULT_RESOURCES: ScenarioResourceSpec[] = [
  { id: '0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3', name: 'Cluster IP Address', type: 'IP Address', group: 'Cluster Group', parameters: ip('10.0.0.10') },
  { id: '1b2c3d4e-5f60-4b7c-9d8e-9fa0b1c2d3e4', name: 'Cluster Name', type: 'Network Name', group: 'Cluster Group',
    dependsOn: ['Cluster IP Address'], parameters: { HostRecordTTL: 1200 } },
  { id: '2c3d4e5f-6071-4c8d-8e9f-a0b1c2d3e4f5', name: 'Cluster Disk Witness', type: 'Physical Disk', group: 'Cluster Group',
    parameters: { DiskSignature: 439041101 } },
  { id: '3d4e5f60-7182-4d9e-9fa0-b1c2d3e4f506', name: 'Cluster Disk 1', type: 'Physical Disk', group: 'Available Storage', state: 'offline',
    parameters: { DiskSignature: 439041102 } },
  { id: '4e5f6071-8293-4eaf-a0b1-c2d3e4f50617', name: 'Cluster Disk 2', type: 'Physical Disk', group: 'Available Storage', state: 'offline',
    parameters: { DiskSignature: 439041103 } },
  { id: '5f607182-93a4-4fb0-b1c2-d3e4f5061728', name: 'IP Address 10.0.0.20', type: 'IP Address', group: 'FS1', parameters: ip('10.0.0.20') },
  { id: '60718293-a4b5-40c1-82d3-e4f506172839', name: 'FS1', type: 'Network Name', group: 'FS1', dependsOn: ['IP Address 10.0.0.20'],
    parameters: { Name: 'FS1', DnsName: 'FS1' } },
  { id: '718293a4-b5c6-41d2-93e4-f5061728394a', name: 'Cluster Disk 3', type: 'Physical Disk', group: 'FS1', parameters: { DiskSignature: 439041104 } },
  { id: '8293a4b5-c6d7-42e3-a4f5-061728394a5b', name: 'File Server (\\\\FS1)', type: 'File Server', group: 'FS1', dependsOn: ['FS1', 'Cluster Disk 3'] },
  { id: '93a4b5c6-d7e8-43f4-b506-1728394a5b6c', name: 'SQL IP Address 1 (SQL1)', type: 'IP Address', group: SQL_GROUP, parameters: ip('10.0.0.30') },
  { id: 'a4b5c6d7-e8f9-4405-8617-28394a5b6c7d', name: 'SQL Network Name (SQL1)', type: 'Network Name', group: SQL_GROUP,
    dependsOn: ['SQL IP Address 1 (SQL1)'], parameters: { Name: 'SQL1', DnsName: 'SQL1' } },
  { id: 'b5c6d7e8-f90a-4516-9728-394a5b6c7d8e', name: 'Cluster Disk 4', type: 'Physical Disk', group: SQL_GROUP, parameters: { DiskSignature: 439041105 } },
  { id: 'c6d7e8f9-0a1b-4627-a839-4a5b6c7d8e9f', name: 'SQL Server', type: 'SQL Server', group: SQL_GROUP,
    dependsOn: ['SQL Network Name (SQL1)', 'Cluster Disk 4'], parameters: { InstanceName: 'MSSQLSERVER', VirtualServerName: 'SQL1' } },
  { id: 'd7e8f90a-1b2c-4738-b94a-5b6c7d8e9fa0', name: 'SQL Server Agent', type: 'SQL Server Agent', group: SQL_GROUP,
    dependsOn: ['SQL Server'], parameters: { InstanceName: 'MSSQLSERVER', VirtualServerName: 'SQL1' } },
];

export const DEFAULT_NETWORKS: ScenarioNetworkSpec[] = [
  { id: 'e8f90a1b-2c3d-4849-8a5b-6c7d8e9fa0b1', name: 'Cluster Network 1', role: 3, address: '10.0.0.0', addressMask: '255.255.255.0' },
  { id: 'f90a1b2c-3d4e-495a-9b6c-7d8e9fa0b1c2', name: 'Cluster Network 2', role: 1, address: '172.16.0.0', addressMask: '255.255.0.0' },
];

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
    votes: n.votes ?? 1,
    latencyMs: n.latencyMs ?? 0,
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
      ...(cluster.instanceId === undefined ? {} : { instanceId: cluster.instanceId }),
      paxosTag: cluster.paxosTag ?? 1,
      replication: cluster.replication ?? false,
    },
    nodes,
    clusdb: {
      files: spec.clusdb?.files ?? [{ name: 'CLUSDB', size: 65536 }, { name: 'CLUSDB.blf', size: 4096 }],
      lockedWhileRunning: spec.clusdb?.lockedWhileRunning ?? true,
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
      releasesFilesAtPreRestore: writer.releasesFilesAtPreRestore ?? true,
    },
    asyncPendingPolls: spec.asyncPendingPolls ?? 2,
    snapshotSetInProgress: spec.snapshotSetInProgress ?? 0,
    mutateAfterSnapshot: spec.mutateAfterSnapshot ?? false,
    servicePendingPolls: spec.servicePendingPolls ?? 2,
    faults: (spec.faults ?? []).map((f) => ({ function: f.function, call: f.call ?? 1, code: f.code, mode: f.mode ?? 'fail' })),
    groups: spec.groups ?? DEFAULT_GROUPS,
    resources: spec.resources ?? DEFAULT_RESOURCES,
    networks: spec.networks ?? DEFAULT_NETWORKS,
    latencyMs: spec.latencyMs ?? 0,
    ...(spec.mountedFolders === undefined ? {} : { mountedFolders: spec.mountedFolders }),
  };
}

/** The scenario file's text for a spec (what writeScenario writes). */
export function scenarioText(spec: ScenarioSpec = {}): string {
  return JSON.stringify(resolveScenario(spec), null, 2) + '\n';
}

/** Creates `dir` if needed and writes `<dir>/scenario.json`; returns that file's path. */
export function writeScenario(dir: string, spec: ScenarioSpec = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'scenario.json');
  fs.writeFileSync(file, scenarioText(spec), 'utf8');
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
