/**
 * Shared set-up of the restore suites: a simulated cluster, a real backup of it made
 * by the backup engine, and a live ClusDb changed afterwards (its CLUSDB hive lists
 * other nodes, so discovery shows whether the restore took effect).
 *
 * Pure Node (no child processes): the engine suites also run under Wine.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { makeContext } from '../../src/engine/context';
import type { RestoreOptions } from '../../src/engine/restore';
import { queryServiceState, startServiceAndWait, stopServiceAndWait } from '../../src/engine/serviceControl';
import { configurationDigest, paxosTagOf } from '../../src/engine/restoreOutcome';
import { readHive } from '../../src/hive/reader';
import { simulatorCallLog, simulatorWriteDatabase } from '../../src/native/simulator';
import { DEFAULT_GROUPS, makeTempScenario, scenarioText, type ScenarioGroupSpec, type ScenarioSpec, type TempScenario } from '../support/scenario';
import { assertNoLeaks, useScenario } from '../support/sim';

export const CLUSDB_SIZE = 65536;

export const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * A CLUSDB as the simulator writes it for a cluster of these nodes: the hive of the
 * scenario's cluster database, `size` bytes. `seed` gives the database its PaxosTag, so
 * that two databases of the same members still differ.
 */
export function clusdbBytes(cluster: string, nodes: string[], size = CLUSDB_SIZE, seed = 'live', votes: ReadonlyMap<string, number> = new Map(),
  later?: { paxosTag: number; groups: ScenarioGroupSpec[] }): Buffer {
  const paxosTag = later?.paxosTag ?? 1 + (createHash('sha256').update(seed).digest().readUInt32LE(0) % 100_000);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-clusdb-')), 'CLUSDB');
  try {
    simulatorWriteDatabase(scenarioText({
      cluster: { name: cluster, paxosTag }, nodes: nodes.map((name) => ({ name, ...(votes.has(name) ? { votes: votes.get(name) } : {}) })),
      ...(later ? { groups: later.groups } : {}),
    }), file, size);
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

export function clusdbDir(s: TempScenario): string {
  return path.join(s.dir, 'Windows', 'Cluster');
}

/** The live ClusDb files (regular files only, staged `.fcbnew` copies aside: restoreArtifacts reports those) by name. */
export function liveFiles(dir: string): Map<string, Buffer> {
  if (!fs.existsSync(dir)) return new Map();
  return new Map(fs.readdirSync(dir).sort().filter((n) => !n.endsWith('.fcbnew') && fs.statSync(path.join(dir, n)).isFile())
    .map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

export function assertSameFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>, what: string): void {
  const digest = (m: Map<string, Buffer>): Record<string, string> => Object.fromEntries([...m].map(([k, v]) => [k, sha(v)]));
  assert.deepEqual(digest(actual), digest(expected), what);
}

/**
 * The live ClusDb files are the set's. With `authoritativeWon` the cluster took the restored CLUSDB as the
 * newest copy when the service started (the simulator's replication rule: the newest PaxosTag of any copy + 1),
 * so CLUSDB holds the set's configuration with a newer PaxosTag; every other file is byte-identical.
 */
export function assertRestored(f: RestoreFixture, authoritativeWon: boolean, what = 'the live files are the set\'s'): void {
  const live = liveFiles(f.clusDb);
  if (!authoritativeWon || !f.replication) return assertSameFiles(live, f.setFiles, what);
  const others = (m: Map<string, Buffer>): Map<string, Buffer> => new Map([...m].filter(([n]) => n !== 'CLUSDB'));
  assertSameFiles(others(live), others(f.setFiles), what);
  const setRoot = readHive(f.setFiles.get('CLUSDB')!, 'set CLUSDB').root;
  const liveRoot = readHive(live.get('CLUSDB')!, 'live CLUSDB').root;
  assert.equal(configurationDigest(liveRoot), configurationDigest(setRoot), `${what}: the set's configuration`);
  // The writer gives the restored copy a PaxosTag newer than any node's copy (the newest + 1), so it is newer than the set's.
  assert.ok((paxosTagOf(liveRoot) ?? 0) > (paxosTagOf(setRoot) ?? 0), `${what}: the restored copy won (a newer PaxosTag than the set's)`);
}

export function serviceStates(nodes: string[], local: string): Record<string, string> {
  return Object.fromEntries(nodes.map((n) => [n, queryServiceState({ node: n, isLocal: n === local })]));
}

export interface RestoreFixture {
  scenario: TempScenario;
  clusDb: string;
  setPath: string;
  /** The set's files by live name (what the live files must equal after a restore). */
  setFiles: Map<string, Buffer>;
  /** The live files after the change, before any restore. */
  before: Map<string, Buffer>;
  /** Every node of the scenario. */
  nodes: string[];
  machine: string;
  /** The simulator's quorum and replication model is on for this scenario. */
  replication: boolean;
}

export interface FixtureOptions {
  /** Nodes the CLUSDB hive lists when the backup is taken (default: every scenario node). */
  backupMembers?: string[];
  /** Nodes the live CLUSDB hive lists after the change (default: the backup's members without the last; with changedOnEveryNode every member). */
  liveMembers?: string[];
  /**
   * With the quorum model: the configuration changed after the backup on every running node (a role added, a PaxosTag
   * newer than the set's), so an authoritative restore that let the other nodes form the cluster would end overwritten.
   */
  changedOnEveryNode?: boolean;
  lockFolder: string;
}

/**
 * A scenario, a VSS backup of it (or an offline-hive one when the local service is
 * stopped), and a live ClusDb changed afterwards. Leaves the bridge on this scenario.
 */
export async function prepareRestore(given: ScenarioSpec, options: FixtureOptions): Promise<RestoreFixture> {
  // The simulator's quorum and replication model (per-node copies, forming, joiners taking the cluster's copy, the
  // authoritative PaxosTag + 1) is off unless a suite asks for it: these suites check the file mechanics (order,
  // journal, roll-back) byte for byte; the model's outcomes are checked in cluster-formation.test.ts.
  // Only NODE1 votes (NodeWeight 0 elsewhere) unless the suite names its nodes: the restored node can form the cluster
  // alone, so an authoritative restore needs no force quorum (src/engine/quorumForecast.ts); the suites about force
  // quorum give every node a vote.
  const defaultNodes = ['NODE1', 'NODE2', 'NODE3', 'NODE4'].map((name) => ({ name, votes: name === 'NODE1' ? 1 : 0 }));
  const spec: ScenarioSpec = { ...given, nodes: given.nodes ?? defaultNodes, cluster: { ...given.cluster, replication: given.cluster?.replication ?? false } };
  const scenario = makeTempScenario(spec);
  const clusDb = clusdbDir(scenario);
  const nodes = (spec.nodes ?? [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }, { name: 'NODE4' }]).map((n) => n.name);
  const machine = spec.machine ?? nodes[0];
  const cluster = spec.cluster?.name ?? 'CLUSTER1';
  const backupMembers = options.backupMembers ?? nodes;
  useScenario(scenario.path);
  simulatorCallLog(); // opens the scenario (creates the ClusDb files)
  // The hive carries the scenario's node votes (NodeWeight), which the restore's quorum forecast reads.
  const votes = new Map((spec.nodes ?? []).filter((n) => n.votes !== undefined).map((n) => [n.name, n.votes!]));
  fs.writeFileSync(path.join(clusDb, 'CLUSDB'), clusdbBytes(cluster, backupMembers, CLUSDB_SIZE, 'at backup', votes));

  const backup = await backupCluster({ destination: path.join(scenario.dir, 'backups') }, makeContext(),
    { lockFolder: options.lockFolder, pollIntervalMs: { min: 1, max: 4 } });
  const setFiles = new Map(backup.files.map((f) => [path.basename(f.originalPath), fs.readFileSync(path.join(backup.path, ...f.path.split('/')))]));
  assertSameFiles(setFiles, liveFiles(clusDb), 'the backup holds the live files');

  // The configuration changes after the backup: other members, and a changed log file.
  const replication = spec.cluster?.replication === true;
  // changedOnEveryNode (quorum model): the change is the whole cluster's — a role added (the members stay, so every node takes
  // part in the restore), with a newer PaxosTag than the set's, spread to every running node: the copy an authoritative restore
  // must beat.
  const everyNode = replication && options.changedOnEveryNode === true;
  const liveMembers = options.liveMembers ?? (everyNode ? backupMembers : backupMembers.slice(0, -1));
  const later = everyNode
    ? { paxosTag: (paxosTagOf(readHive(setFiles.get('CLUSDB')!, 'set CLUSDB').root) ?? 0) + 1000, groups: [...DEFAULT_GROUPS, { name: 'Role added later' }] }
    : undefined;
  fs.writeFileSync(path.join(clusDb, 'CLUSDB'), clusdbBytes(cluster, liveMembers, CLUSDB_SIZE + 512, 'changed later', votes, later));
  fs.appendFileSync(path.join(clusDb, 'CLUSDB.blf'), 'later log records');
  if (everyNode) await spreadLocalCopy(nodes, machine);
  return { scenario, clusDb, setPath: backup.path, setFiles, before: liveFiles(clusDb), nodes, machine, replication };
}

/**
 * Makes this machine's copy the configuration of every running node (quorum model): the running
 * services are stopped, this node's started first, then the others — the newest copy wins when
 * the cluster forms and a joiner takes the cluster's. The services end as they were.
 */
async function spreadLocalCopy(nodes: string[], machine: string): Promise<void> {
  const target = (node: string): { node: string; isLocal: boolean } => ({ node, isLocal: node === machine });
  const running = nodes.filter((n) => queryServiceState(target(n)) === 'running');
  const order = [...running.filter((n) => n === machine), ...running.filter((n) => n !== machine)];
  for (const n of [...order].reverse()) await stopServiceAndWait(target(n), 'ClusSvc', makeContext());
  for (const n of order) await startServiceAndWait(target(n), 'ClusSvc', makeContext());
}

/** What a restore leaves behind while unfinished: the journal, the safety folder, `.fcbnew` files. */
export function restoreArtifacts(f: RestoreFixture): string[] {
  const windows = path.dirname(f.clusDb);
  return fs.readdirSync(windows).filter((n) => n === 'ClusterRestoreJournal.json' || n === 'ClusterRestoreSafety' || n.endsWith('.fcbnew'))
    .concat(fs.readdirSync(f.clusDb).filter((n) => n.endsWith('.fcbnew')));
}

export interface RestoreSuite {
  /** The suite's own operation lock folder (made in its `before`). */
  readonly lockFolder: string;
  /** Restore options with the suite's lock folder. */
  readonly options: RestoreOptions;
  /** prepareRestore with the suite's lock folder; the fixture's scenario is removed when the suite ends. */
  prepare(spec?: ScenarioSpec, more?: Partial<FixtureOptions>): Promise<RestoreFixture>;
}

/**
 * The set-up every restore suite shares (call it inside `describe`): a lock folder of its
 * own, no simulator leaks after each test and after the suite, and every fixture's
 * scenario and the lock folder removed when the suite ends.
 */
export function restoreSuite(): RestoreSuite {
  let options: RestoreOptions | undefined;
  const fixtures: RestoreFixture[] = [];
  const current = (): RestoreOptions & { lockFolder: string } => {
    if (options?.lockFolder === undefined) throw new Error('The restore suite is used before its before() hook ran.');
    return options as RestoreOptions & { lockFolder: string };
  };
  before(() => {
    // formationTimeoutMs 0: whether this node is Up in the formed cluster is looked at once — the simulator decides it
    // when the service starts, and a failure injected into that look must not wait out the real 2 minutes.
    options = { lockFolder: fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-restore-lock-')), formationTimeoutMs: 0 };
  });
  afterEach(() => assertNoLeaks());
  after(() => {
    assertNoLeaks();
    for (const f of fixtures) f.scenario.cleanup();
    if (options?.lockFolder) fs.rmSync(options.lockFolder, { recursive: true, force: true });
  });
  return {
    get lockFolder() {
      return current().lockFolder;
    },
    get options() {
      return current();
    },
    async prepare(spec: ScenarioSpec = {}, more: Partial<FixtureOptions> = {}) {
      const f = await prepareRestore(spec, { lockFolder: current().lockFolder, ...more });
      fixtures.push(f);
      return f;
    },
  };
}
