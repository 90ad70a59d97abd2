/**
 * What a restore refuses, and that it refuses before touching anything: a damaged or
 * edited set (flipped byte, truncation, missing or extra file, edited manifest, `..`
 * or absolute paths, a manifest pointing outside the ClusDb folder), another cluster's
 * set, other nodes running or unreachable for an authoritative restore, no
 * elevation, no cluster service here, a second operation at once. Each refusal names
 * the file/check or the nodes, and leaves no service stopped and no file changed.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sealManifest, type BackupManifest, type UnsealedManifest } from '../../src/engine/backupSet';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { acquireOperationLock } from '../../src/engine/lock';
import { planRestore, restoreCluster } from '../../src/engine/restore';
import { stopServiceAndWait } from '../../src/engine/serviceControl';
import type { RestoreParams } from '../../src/protocol';
import { simulatorCallLog, simulatorClearCallLog } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import { useScenario } from '../support/sim';
import {
  assertSameFiles, liveFiles, restoreArtifacts, restoreSuite, serviceStates, type RestoreFixture,
} from './restore-fixture';
import { copyTree } from '../support/files';

describe('restore refusals (simulator)', function () {
  this.timeout(120_000);
  const suite = restoreSuite();
  let shared: RestoreFixture;
  let copies = 0;

  /** A fresh copy of the shared set, changed by `edit`. */
  function copyOfSet(edit: (dir: string) => void): string {
    const dir = path.join(shared.scenario.dir, 'backups', `copy-${++copies}`);
    copyTree(shared.setPath, dir);
    edit(dir);
    return dir;
  }

  function editManifest(dir: string, change: (m: UnsealedManifest) => void, reseal = true): void {
    const file = path.join(dir, 'manifest.json');
    const { integrity, ...unsealed } = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
    change(unsealed);
    const next = reseal ? sealManifest(unsealed) : { ...unsealed, integrity };
    fs.writeFileSync(file, JSON.stringify(next, null, 2));
  }

  function setFile(dir: string, name: string): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    const entry = manifest.files.find((e) => path.basename(e.originalPath) === name)!;
    return path.join(dir, ...entry.path.split('/'));
  }

  /** The restore is refused with `code` and a message matching `message`, and nothing was touched. */
  async function expectRefused(f: RestoreFixture, params: RestoreParams, code: string, message: RegExp, checkServices = true): Promise<EngineError> {
    useScenario(f.scenario.path);
    simulatorClearCallLog();
    // (A process that is not elevated cannot ask the SCM; the call log shows that nothing was controlled.)
    const statesBefore = checkServices ? serviceStates(f.nodes, f.machine) : {};
    let caught: EngineError | undefined;
    await assert.rejects(restoreCluster(params, recordingContext(), suite.options), (err: unknown) => {
      assert.ok(err instanceof EngineError, `expected EngineError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      assert.match(err.message, message);
      caught = err;
      return true;
    });
    const log = simulatorCallLog();
    // (The set's VSS documents are loaded the way the restore will — InitializeForRestore — but nothing is sent to a writer.)
    assert.ok(!log.some((c) => /^(ControlService|StartServiceW|IVssBackupComponents::(GatherWriterMetadata|SetSelectedForRestore|PreRestore|PostRestore))/.test(c)),
      `nothing touched: ${log.join(' ')}`);
    assertSameFiles(liveFiles(f.clusDb), f.before, 'the live files are unchanged');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(Object.keys(statesBefore), f.machine), statesBefore);
    return caught!;
  }

  before(async () => {
    shared = await suite.prepare({});
  });

  const node = (set: string): RestoreParams => ({ set, authoritative: false, stopOtherNodes: false });
  const auth = (set: string, stopOtherNodes = true): RestoreParams => ({ set, authoritative: true, stopOtherNodes });

  describe('a damaged or edited set is refused before any service is touched', () => {
    it('a flipped byte (naming the file and the SHA-256 check)', async () => {
      const set = copyOfSet((dir) => {
        const file = setFile(dir, 'CLUSDB');
        const bytes = fs.readFileSync(file);
        bytes[1000] ^= 0x01;
        fs.writeFileSync(file, bytes);
      });
      await expectRefused(shared, auth(set), 'INVALID_SET', /files\/Cluster Database\/CLUSDB: SHA-256 check failed/);
    });

    it('a truncated file (size check)', async () => {
      const set = copyOfSet((dir) => fs.truncateSync(setFile(dir, 'CLUSDB.blf'), 100));
      await expectRefused(shared, node(set), 'INVALID_SET', /CLUSDB\.blf: size check failed — 100 bytes/);
    });

    it('a missing file', async () => {
      const set = copyOfSet((dir) => fs.rmSync(setFile(dir, 'CLUSDB.blf')));
      await expectRefused(shared, node(set), 'INVALID_SET', /CLUSDB\.blf: missing/);
    });

    it('an extra file', async () => {
      const set = copyOfSet((dir) => fs.writeFileSync(path.join(dir, 'files', 'Cluster Database', 'CLUSDB.evil'), 'x'));
      await expectRefused(shared, node(set), 'INVALID_SET', /CLUSDB\.evil: extra file not listed in the manifest/);
    });

    it('an edited manifest (its seal no longer matches)', async () => {
      const set = copyOfSet((dir) => editManifest(dir, (m) => { m.node = 'NODE9'; }, false));
      await expectRefused(shared, node(set), 'INVALID_SET', /integrity seal does not match/);
    });

    it('a path with ".." in the manifest, even with a valid seal', async () => {
      const set = copyOfSet((dir) => editManifest(dir, (m) => { m.files[1].path = 'files/../../CLUSDB.blf'; }));
      await expectRefused(shared, node(set), 'INVALID_SET', /contains "\.\."/);
    });

    it('an absolute path in the manifest, even with a valid seal', async () => {
      const set = copyOfSet((dir) => editManifest(dir, (m) => { m.files[1].path = path.join(os.tmpdir(), 'CLUSDB.blf').replace(/\\/g, '/'); }));
      await expectRefused(shared, node(set), 'INVALID_SET', /absolute/);
    });

    it('an original path outside the cluster folder (the restore would write elsewhere)', async () => {
      const outside = path.join(shared.scenario.dir, 'elsewhere', 'CLUSDB.blf');
      const set = copyOfSet((dir) => editManifest(dir, (m) => { m.files[1].originalPath = outside; }));
      await expectRefused(shared, node(set), 'INVALID_SET', /was not inside the cluster database folder/);
      assert.ok(!fs.existsSync(outside));
    });

    it('a folder that is not a backup set', async () => {
      await expectRefused(shared, node(path.join(shared.scenario.dir, 'no-such-set')), 'INVALID_SET', /does not exist/);
    });
  });

  /** Replace a saved VSS document of the set (its manifest entry follows, and the manifest is sealed again). */
  function replaceDocument(dir: string, role: 'backupComponents' | 'writerMetadata', change: (xml: string) => string): void {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    const doc = manifest.documents.find((d) => d.role === role)!;
    const file = path.join(dir, ...doc.path.split('/'));
    const bytes = Buffer.from(change(fs.readFileSync(file, 'utf8')), 'utf8');
    fs.writeFileSync(file, bytes);
    editManifest(dir, (m) => {
      const entry = m.documents.find((d) => d.role === role)!;
      entry.size = bytes.length;
      entry.sha256 = createHash('sha256').update(bytes).digest('hex');
    });
  }

  /** Add a file to the set (in files/, listed in the manifest with its hash, sealed again) that restores to `originalName`. */
  function plantFile(dir: string, originalName: string, content = 'planted'): void {
    const bytes = Buffer.from(content);
    const rel = `files/Cluster Database/planted-${++copies}`;
    fs.writeFileSync(path.join(dir, ...rel.split('/')), bytes);
    editManifest(dir, (m) => {
      const hive = m.files.find((f) => path.basename(f.originalPath) === 'CLUSDB')!;
      const folder = hive.originalPath.slice(0, hive.originalPath.length - 'CLUSDB'.length);
      m.files.push({ originalPath: folder + originalName, path: rel, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), component: 0 });
    });
  }

  describe('files the writer does not own are never written into the cluster folder (defect 2)', () => {
    for (const [name, why] of [
      ['clussvc.exe', /clussvc\.exe.*not one of the Cluster Database writer's files/],
      ['CLUSDB.evil', /CLUSDB\.evil.*not one of the Cluster Database writer's files/],
      ['etc/cron.d/evil', /in a subfolder/],
      ['CLUSDB:evil', /alternate data stream/],
      // Two defences refuse this one: the manifest check (staging names are never a set's file) and, behind it,
      // the placement check (this tool's own staging, journal or safety names); the first one answers.
      ['CLUSDB.fcbnew', /named like this tool's staging files|this tool's own staging, journal or safety names/],
    ] as const) {
      it(`a set that plants ${name}: refused before any service is touched, and the plan says why`, async () => {
        const set = copyOfSet((dir) => plantFile(dir, name));
        const err = await expectRefused(shared, auth(set), 'INVALID_SET', why);
        assert.match(err.message, /nothing was changed/i);
        assert.ok(!fs.readdirSync(shared.clusDb).some((n) => /clussvc|evil|etc|fcbnew/.test(n)), 'nothing planted');
        const plan = await planRestore(node(set), recordingContext(), suite.options).catch((e: Error) => e);
        if (plan instanceof Error) assert.match(plan.message, why);
        else assert.equal(plan.refusal?.code, 'setNotRestorable');
      });
    }

    it('the plan names every file it replaces', async () => {
      const plan = await planRestore(node(shared.setPath), recordingContext(), suite.options);
      assert.deepEqual(plan.steps.find((s) => s.kind === 'restoreFiles'), { kind: 'restoreFiles', folder: shared.clusDb, files: ['CLUSDB', 'CLUSDB.blf'], companions: [] });
    });
  });

  describe('everything the restore uses is loaded and checked before the first change (defect 4)', () => {
    const otherWriter = (xml: string): string => xml.replace(/41e12264-35d8-479b-8e5c-9b23d1dad37e/gi, '0bada1de-0000-4000-8000-00000000beef');
    for (const [label, edit, why] of [
      ['an invalid backup-components.xml', (dir: string) => replaceDocument(dir, 'backupComponents', () => '<not xml'), /Backup Components Document .* cannot be loaded/],
      ['an empty backup-components.xml', (dir: string) => replaceDocument(dir, 'backupComponents', () => ''), /Backup Components Document .* cannot be loaded/],
      ['another writer\'s backup-components.xml', (dir: string) => replaceDocument(dir, 'backupComponents', otherWriter), /holds no component of the Cluster Database writer/],
      ['another writer\'s writer-metadata.xml', (dir: string) => replaceDocument(dir, 'writerMetadata', otherWriter), /not the Cluster Database writer's/],
      ['an invalid writer-metadata.xml', (dir: string) => replaceDocument(dir, 'writerMetadata', () => '<x'), /writer metadata .* cannot be loaded/],
      ['a NUL in an original path', (dir: string) => editManifest(dir, (m) => { m.files[1].originalPath += '\u0000.evil'; }), /control character/],
      ['a 300-character name', (dir: string) => plantFile(dir, `CLUSDB${'x'.repeat(294)}`), /300 characters long/],
    ] as const) {
      it(`${label}: an authoritative restore is refused before any node is stopped`, async () => {
        const set = copyOfSet(edit);
        await expectRefused(shared, auth(set), 'INVALID_SET', why);
      });
    }

    // An original path whose live target is a folder: test/engine/restore-targets.test.ts.
  });

  describe('a same-named foreign cluster (defect 1)', () => {
    it('a set of another cluster also called CLUSTER1 (its members X1, X2) is refused without --allow-other-cluster; the plan shows the membership difference', async () => {
      const set = copyOfSet((dir) => editManifest(dir, (m) => { m.nodes = ['X1', 'X2']; m.node = 'X1'; }));
      const err = await expectRefused(shared, auth(set), 'WRONG_CLUSTER', /does not have this node \(NODE1\) among its members: it is another cluster of the same name/);
      assert.match(err.message, /Nothing was changed\.$/);
      const plan = await planRestore(node(set), recordingContext(), suite.options);
      assert.deepEqual(plan.refusal, { code: 'otherCluster', reason: 'notMember', set: path.basename(set), setCluster: 'CLUSTER1', liveCluster: 'CLUSTER1', node: 'NODE1' });
      assert.deepEqual(plan.membership, { onlyInSet: ['X1', 'X2'], onlyLive: ['NODE1', 'NODE2', 'NODE3'] });
    });

    it('the plan of this cluster\'s own set shows the members that changed since the backup', async () => {
      const plan = await planRestore(node(shared.setPath), recordingContext(), suite.options);
      assert.equal(plan.refusal, null);
      assert.deepEqual(plan.membership, { onlyInSet: ['NODE4'], onlyLive: [] });
    });
  });

  describe('cluster, nodes and machine', () => {
    it('another cluster\'s set is refused, and restored only when explicitly allowed', async () => {
      const set = copyOfSet((dir) => editManifest(dir, (m) => { m.cluster.name = 'OTHERCLUSTER'; }));
      await expectRefused(shared, node(set), 'WRONG_CLUSTER', /made on cluster OTHERCLUSTER, but this node belongs to CLUSTER1/);
      const f = await suite.prepare({});
      const other = path.join(f.scenario.dir, 'backups', 'other');
      copyTree(f.setPath, other);
      editManifest(other, (m) => { m.cluster.name = 'OTHERCLUSTER'; });
      useScenario(f.scenario.path);
      await restoreCluster({ ...node(other), allowOtherCluster: true }, recordingContext(), suite.options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored when allowed');
    });

    it('authoritative: refused while another node\'s service runs, naming the nodes', async () => {
      const f = await suite.prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', service: 'stopped' }] }, { liveMembers: ['NODE1', 'NODE2', 'NODE3'] });
      const err = await expectRefused(f, auth(f.setPath, false), 'NODES_RUNNING', /The cluster service is running on NODE2\. /);
      assert.doesNotMatch(err.message, /NODE3/);
      const plan = await planRestore(auth(f.setPath, false), recordingContext(), suite.options);
      assert.deepEqual(plan.nodesToStop, ['NODE2']);
      assert.deepEqual(plan.refusal, { code: 'nodesRunning', nodes: ['NODE2'] });
    });

    it('authoritative: refused when a node cannot be queried, naming it and the error', async () => {
      const f = await suite.prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', reachable: false }] }, { liveMembers: ['NODE1', 'NODE2', 'NODE3'] });
      useScenario(f.scenario.path);
      const states = serviceStates(['NODE1', 'NODE2'], 'NODE1');
      simulatorClearCallLog();
      await assert.rejects(restoreCluster(auth(f.setPath, true), recordingContext(), suite.options), (err: unknown) =>
        err instanceof EngineError && err.code === 'NODE_UNREACHABLE' && /NODE3 \(OpenSCManagerW failed: RPC_S_SERVER_UNAVAILABLE \(1722\)/.test(err.message));
      assert.ok(!simulatorCallLog().some((c) => /^(ControlService|StartServiceW)/.test(c)));
      assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');
      assert.deepEqual(serviceStates(['NODE1', 'NODE2'], 'NODE1'), states);
      // A node restore does not need the other nodes.
      await restoreCluster(node(f.setPath), recordingContext(), suite.options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'node restore done');
    });

    it('authoritative: refused when the cluster\'s nodes cannot be listed (the service runs nowhere, a set that does not record its nodes)', async () => {
      const f = await suite.prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] }, { liveMembers: ['NODE1', 'NODE2', 'NODE3'] });
      // A set written before the manifest recorded the cluster's nodes: still valid, but it cannot name the nodes to check.
      const older = path.join(f.scenario.dir, 'backups', 'without-nodes');
      copyTree(f.setPath, older);
      editManifest(older, (m) => { delete m.nodes; });
      for (const n of f.nodes) await stopServiceAndWait({ node: n, isLocal: n === f.machine }, 'ClusSvc', makeContext());
      await expectRefused(f, auth(older), 'NODE_UNREACHABLE',
        /The cluster's nodes cannot be listed: .*the set does not record the cluster's nodes.*Start the cluster service on one node/);
      const plan = await planRestore(auth(older), recordingContext(), suite.options);
      assert.deepEqual(plan.refusal, { code: 'membershipUnknown', node: 'NODE1', cluster: 'CLUSTER1' });
      // The same set restored as a node restore needs no node list (and starts this node's service for the writer).
      await restoreCluster(node(older), recordingContext(), suite.options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'node restore done');
    });

    it('authoritative with the service stopped everywhere: refused when a node the set recorded cannot be queried', async () => {
      const f = await suite.prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', reachable: false }] }, { liveMembers: ['NODE1', 'NODE2', 'NODE3'] });
      const manifest = JSON.parse(fs.readFileSync(path.join(f.setPath, 'manifest.json'), 'utf8')) as BackupManifest;
      assert.deepEqual(manifest.nodes, ['NODE1', 'NODE2', 'NODE3']);
      for (const n of ['NODE1', 'NODE2']) await stopServiceAndWait({ node: n, isLocal: n === f.machine }, 'ClusSvc', makeContext());
      await expectRefused(f, auth(f.setPath), 'NODE_UNREACHABLE', /cannot be queried on NODE3 \(OpenSCManagerW failed: RPC_S_SERVER_UNAVAILABLE \(1722\)/, false);
      assert.deepEqual(serviceStates(['NODE1', 'NODE2'], 'NODE1'), { NODE1: 'stopped', NODE2: 'stopped' });
    });

    it('a manifest whose node list is not a list of names is refused, even with a valid seal', async () => {
      for (const [bad, label] of [[['NODE1', ''], 'an empty name'], ['NODE1', 'a string'], [[1, 2], 'numbers']] as const) {
        const set = copyOfSet((dir) => editManifest(dir, (m) => { (m as unknown as { nodes: unknown }).nodes = bad; }));
        const err = await expectRefused(shared, node(set), 'INVALID_SET', /nodes must be a list of non-empty node names/);
        assert.ok(err.message.length > 0, label);
      }
    });

    it('refused in a process that is not elevated', async () => {
      const f = await suite.prepare({});
      fs.writeFileSync(f.scenario.path, fs.readFileSync(f.scenario.path, 'utf8').replace('"elevated": true', '"elevated": false'));
      // Without the old state file the simulator keeps the ClusDb files of the changed scenario.
      fs.rmSync(`${f.scenario.path}.state.json`, { force: true });
      useScenario(shared.scenario.path);
      useScenario(f.scenario.path);
      await expectRefused(f, node(f.setPath), 'NOT_ELEVATED', /elevated process/, false);
    });

    it('refused when the cluster service is not installed on this node', async () => {
      const f = await suite.prepare({});
      fs.writeFileSync(f.scenario.path, fs.readFileSync(f.scenario.path, 'utf8').replace('"service": "running"', '"service": "notInstalled"'));
      fs.rmSync(`${f.scenario.path}.state.json`, { force: true });
      useScenario(shared.scenario.path);
      useScenario(f.scenario.path);
      await expectRefused(f, auth(f.setPath), 'NOT_CLUSTER_NODE', /not installed on NODE1/);
    });

    it('an offline-hive set cannot be restored authoritatively', async () => {
      const f = await suite.prepare({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }] });
      await expectRefused(f, auth(f.setPath), 'BAD_ARGUMENT', /offline copy of the cluster hive.*needs a VSS set/);
    });

    it('a second operation is refused while one holds the lock', async () => {
      const lock = await acquireOperationLock(suite.lockFolder, 'backup');
      try {
        await expectRefused(shared, node(shared.setPath), 'BUSY', /Another backup or restore is running \(pid \d+, backup/);
      } finally {
        await lock.release();
      }
    });

    it('bad parameters', async () => {
      await expectRefused(shared, { set: '', authoritative: false, stopOtherNodes: false }, 'BAD_ARGUMENT', /No backup set/);
      await expectRefused(shared, { set: shared.setPath, authoritative: 'yes' as unknown as boolean, stopOtherNodes: false }, 'BAD_ARGUMENT', /true or false/);
    });
  });
});
