/**
 * The backup-set format: writing (temporary folder, rename, flush), full validation
 * (every tampering a verify must catch), listing and retention.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BackupSetWriter, backupSetName, MANIFEST_FILE, openBackupSet, PARTIAL_MARKER_FILE, partialFolderName, readBackupSet, type BackupManifest,
} from '../../src/engine/backupSet';
import { applyRetention, listBackupSets, removeStalePartialSets } from '../../src/engine/backupSetFolder';
import { EngineError } from '../../src/engine/errors';
import type { LogLevel } from '../../src/engine/model';
import { assertNoLeaks } from '../support/sim';

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

interface MadeSet {
  path: string;
  manifest: BackupManifest;
  sources: Map<string, Buffer>;
}

async function makeSet(destination: string, opts: { cluster?: string | null; node?: string; time?: Date; files?: Record<string, Buffer | string> } = {}): Promise<MadeSet> {
  const cluster = opts.cluster === undefined ? 'CLUSTER1' : opts.cluster;
  const node = opts.node ?? 'NODE1';
  const time = opts.time ?? new Date(Date.UTC(2024, 4, 1, 12, 0, 0));
  const srcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-src-'));
  const writer = await BackupSetWriter.create(destination, backupSetName(cluster, node, time));
  const sources = new Map<string, Buffer>();
  try {
    await writer.addDocument('writerMetadata', '<WRITER_METADATA/>');
    for (const [name, content] of Object.entries(opts.files ?? { CLUSDB: 'hive-bytes\n'.repeat(1000), 'CLUSDB.blf': Buffer.alloc(4096, 7) })) {
      const src = path.join(srcDir, name);
      const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
      fs.writeFileSync(src, bytes);
      const rel = writer.allocatePath(['Cluster Database', name]);
      await writer.copyFile(src, rel, `C:\\Windows\\Cluster\\${name}`, 0);
      sources.set(rel, bytes);
    }
    await writer.addDocument('backupComponents', '<BACKUP_COMPONENTS/>');
    const { path: setPath, manifest } = await writer.commit({
      schemaVersion: 1, toolVersion: '0.0.0-test', kind: 'vss-cluster-writer', time: time.toISOString(),
      cluster: { name: cluster, version: '10.0.20348' }, node,
      writer: { id: '41e12264-35d8-479b-8e5c-9b23d1dad37e', instanceId: '0c0e5ec0-ca44-472b-b702-e652db1c0451', name: 'Cluster Database', restoreMethod: 8, restoreService: 'ClusSvc', backupSchema: 0x4000 },
      components: [{ logicalPath: '', name: 'Cluster Database', type: 'filegroup' }],
      snapshot: null,
    });
    return { path: setPath, manifest, sources };
  } catch (err) {
    await writer.discard();
    throw err;
  } finally {
    fs.rmSync(srcDir, { recursive: true, force: true });
  }
}

function editManifest(setPath: string, edit: (m: Record<string, unknown>) => void): void {
  const file = path.join(setPath, MANIFEST_FILE);
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(m);
  fs.writeFileSync(file, JSON.stringify(m, null, 2));
}

/** Recomputes the seal the way a careless editor could not: to test the checks behind the seal. */
function resealManifest(setPath: string, edit: (m: Record<string, unknown>) => void): void {
  editManifest(setPath, (m) => {
    edit(m);
    delete m.integrity;
    const digest = sha(JSON.stringify(m));
    m.integrity = { algorithm: 'sha256', digest };
  });
}

describe('backup sets: writing', () => {
  let dest: string;
  beforeEach(() => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-sets-'));
  });
  afterEach(() => fs.rmSync(dest, { recursive: true, force: true }));
  after(assertNoLeaks);

  it('writes the files byte-identical with their sizes and hashes, and leaves no temporary folder', async () => {
    const set = await makeSet(dest);
    assert.equal(path.basename(set.path), 'CLUSTER1_NODE1_20240501T120000Z');
    assert.deepEqual(fs.readdirSync(dest), ['CLUSTER1_NODE1_20240501T120000Z']);
    assert.deepEqual(fs.readdirSync(set.path).sort(), ['backup-components.xml', 'files', 'manifest.json', 'writer-metadata.xml']);
    for (const [rel, bytes] of set.sources) {
      const entry = set.manifest.files.find((f) => f.path === rel)!;
      assert.ok(entry, rel);
      assert.equal(entry.size, bytes.length);
      assert.equal(entry.sha256, sha(bytes));
      assert.deepEqual(fs.readFileSync(path.join(set.path, ...rel.split('/'))), bytes);
    }
    assert.deepEqual(set.manifest.files.map((f) => f.path), ['files/Cluster Database/CLUSDB', 'files/Cluster Database/CLUSDB.blf']);
    const onDisk = JSON.parse(fs.readFileSync(path.join(set.path, MANIFEST_FILE), 'utf8')) as BackupManifest;
    assert.deepEqual(onDisk, set.manifest);
    const verify = await readBackupSet(set.path, { expectedCluster: 'cluster1' });
    assert.deepEqual(verify.problems, []);
    assert.equal(verify.ok, true);
    assert.equal(verify.summary.size, [...set.sources.values()].reduce((a, b) => a + b.length, 0));
  });

  it('gives a second set made in the same second its own name', async () => {
    const a = await makeSet(dest);
    const b = await makeSet(dest);
    assert.notEqual(a.path, b.path);
    assert.equal(path.basename(b.path), 'CLUSTER1_NODE1_20240501T120000Z-2');
    assert.equal((await readBackupSet(b.path)).ok, true);
  });

  it('keeps Unicode cluster names and shortens very long ones deterministically', async () => {
    const ru = await makeSet(dest, { cluster: 'КЛАСТЕР-Прод', node: 'УЗЕЛ1' });
    assert.equal(path.basename(ru.path), 'КЛАСТЕР-Прод_УЗЕЛ1_20240501T120000Z');
    const jp = await makeSet(dest, { cluster: 'クラスタ🚀', node: 'ノード' });
    assert.equal(path.basename(jp.path), 'クラスタ🚀_ノード_20240501T120000Z');
    const longName = 'VERY-LONG-CLUSTER-NAME-'.repeat(12);
    const long = await makeSet(dest, { cluster: longName });
    assert.ok(path.basename(long.path).length < 140, path.basename(long.path));
    assert.match(path.basename(long.path), /~[0-9a-f]{8}_NODE1_20240501T120000Z$/);
    assert.equal(long.manifest.cluster.name, longName);
    assert.equal((await readBackupSet(long.path, { expectedCluster: longName })).ok, true);
    assert.equal((await readBackupSet(ru.path, { expectedCluster: 'кластер-прод' })).ok, true);
  });

  it('discard removes everything written so far', async () => {
    const writer = await BackupSetWriter.create(dest, 'X_Y_20240101T000000Z');
    await writer.addDocument('writerMetadata', '<x/>');
    assert.ok(fs.existsSync(writer.partialPath));
    assert.equal(path.basename(writer.partialPath), partialFolderName('X_Y_20240101T000000Z'));
    await writer.discard();
    assert.deepEqual(fs.readdirSync(dest), []);
  });

  it('removes unfinished sets of processes that no longer run, and only folders it made', async () => {
    const deadPid = 0x7ffffff0;
    const marker = (folder: string, pid: number): void => fs.writeFileSync(path.join(folder, PARTIAL_MARKER_FILE),
      JSON.stringify({ tool: 'failover-cluster-backup', pid, set: 'x', started: '2024-01-01T00:00:00.000Z' }));
    const stale = path.join(dest, partialFolderName('A_B_20240101T000000Z', deadPid));
    fs.mkdirSync(path.join(stale, 'files'), { recursive: true });
    marker(stale, deadPid);
    const running = path.join(dest, partialFolderName('A_B_20240101T000001Z', process.pid));
    fs.mkdirSync(running);
    marker(running, process.pid);
    // Not made by this tool: a name that only looks similar, and the exact name without the marker.
    fs.mkdirSync(path.join(dest, '.my-archive.partial-999999', 'important'), { recursive: true });
    fs.writeFileSync(path.join(dest, '.my-archive.partial-999999', 'important', 'data'), 'keep me');
    const unmarked = path.join(dest, partialFolderName('A_B_20240101T000002Z', deadPid));
    fs.mkdirSync(unmarked);
    fs.writeFileSync(path.join(unmarked, 'data'), 'keep me too');
    const wrongPid = path.join(dest, partialFolderName('A_B_20240101T000003Z', deadPid));
    fs.mkdirSync(wrongPid);
    marker(wrongPid, deadPid - 1);

    const removed = await removeStalePartialSets(dest);
    assert.deepEqual(removed.map((r) => path.basename(r)), [path.basename(stale)]);
    assert.equal(fs.readFileSync(path.join(dest, '.my-archive.partial-999999', 'important', 'data'), 'utf8'), 'keep me');
    assert.deepEqual(fs.readdirSync(dest).sort(), ['.my-archive.partial-999999', path.basename(running), path.basename(unmarked), path.basename(wrongPid)].sort());
  });
});

describe('backup sets: verify catches every kind of damage', () => {
  let dest: string;
  let set: MadeSet;
  beforeEach(async () => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-verify-'));
    set = await makeSet(dest);
  });
  afterEach(() => fs.rmSync(dest, { recursive: true, force: true }));
  after(assertNoLeaks);

  const clusdb = (): string => path.join(set.path, 'files', 'Cluster Database', 'CLUSDB');

  async function problems(expectedCluster?: string): Promise<string[]> {
    const r = await readBackupSet(set.path, { expectedCluster });
    assert.equal(r.ok, r.problems.length === 0);
    assert.equal(r.summary.verified, r.ok);
    return r.problems;
  }

  it('a flipped byte', async () => {
    const bytes = fs.readFileSync(clusdb());
    bytes[100] ^= 0x01;
    fs.writeFileSync(clusdb(), bytes);
    const p = await problems();
    assert.equal(p.length, 1, p.join('\n'));
    assert.match(p[0], /^files\/Cluster Database\/CLUSDB: SHA-256 check failed/);
  });

  it('a truncated file', async () => {
    fs.truncateSync(clusdb(), 10);
    const p = await problems();
    assert.equal(p.length, 1, p.join('\n'));
    assert.match(p[0], /^files\/Cluster Database\/CLUSDB: size check failed — 10 bytes, the manifest says 11000/);
  });

  it('a missing file', async () => {
    fs.rmSync(clusdb());
    assert.deepEqual(await problems(), ['files/Cluster Database/CLUSDB: missing (listed in the manifest)']);
  });

  it('a missing XML document', async () => {
    fs.rmSync(path.join(set.path, 'backup-components.xml'));
    assert.deepEqual(await problems(), ['backup-components.xml: missing (listed in the manifest)']);
  });

  it('an extra file under files/ and one beside the manifest', async () => {
    fs.writeFileSync(path.join(set.path, 'files', 'Cluster Database', 'EXTRA'), 'x');
    fs.mkdirSync(path.join(set.path, 'other'));
    fs.writeFileSync(path.join(set.path, 'other', 'note.txt'), 'x');
    const p = await problems();
    assert.deepEqual(p.sort(), [
      'files/Cluster Database/EXTRA: extra file not listed in the manifest',
      'other/note.txt: extra file outside files/ (a backup set holds only manifest.json, its XML documents and files/)',
    ]);
  });

  it('an edited manifest (the seal no longer matches)', async () => {
    editManifest(set.path, (m) => {
      (m.cluster as { name: string }).name = 'OTHERCLUSTER';
    });
    const p = await problems();
    assert.deepEqual(p, ['manifest.json: integrity seal does not match: the manifest was edited after the backup']);
  });

  it('an edited hash in the manifest, even with a recomputed seal', async () => {
    resealManifest(set.path, (m) => {
      (m.files as { sha256: string }[])[0].sha256 = 'a'.repeat(64);
    });
    const p = await problems();
    assert.equal(p.length, 1, p.join('\n'));
    assert.match(p[0], /^files\/Cluster Database\/CLUSDB: SHA-256 check failed/);
  });

  it('a path with ".."', async () => {
    resealManifest(set.path, (m) => {
      (m.files as { path: string }[])[0].path = 'files/../../escape/CLUSDB';
    });
    const p = await problems();
    assert.ok(p.some((l) => /^manifest\.json: files\[0\]\.path "files\/\.\.\/\.\.\/escape\/CLUSDB" is unsafe: the path contains "\.\."$/.test(l)), p.join('\n'));
    const opened = openBackupSet(set.path);
    await assert.rejects(opened, (err: unknown) => err instanceof EngineError && err.code === 'INVALID_SET' && /is unsafe/.test(err.message));
  });

  it('an absolute path (POSIX and Windows forms)', async () => {
    resealManifest(set.path, (m) => {
      (m.files as { path: string }[])[0].path = '/etc/passwd';
      (m.files as { path: string }[])[1].path = 'C:/Windows/Cluster/CLUSDB';
    });
    const p = await problems();
    assert.ok(p.includes('manifest.json: files[0].path "/etc/passwd" is unsafe: the path is absolute'), p.join('\n'));
    assert.ok(p.includes('manifest.json: files[1].path "C:/Windows/Cluster/CLUSDB" is unsafe: the path is absolute'), p.join('\n'));
  });

  it('a file listed outside files/', async () => {
    resealManifest(set.path, (m) => {
      (m.files as { path: string }[])[0].path = 'CLUSDB';
    });
    const p = await problems();
    assert.ok(p.includes('manifest.json: files[0].path "CLUSDB" is outside files/'), p.join('\n'));
  });

  it('a manifest that is not JSON', async () => {
    fs.writeFileSync(path.join(set.path, MANIFEST_FILE), '{ not json');
    const p = await problems();
    assert.equal(p.length, 1, p.join('\n'));
    assert.match(p[0], /^manifest\.json: not valid JSON/);
  });

  it('a manifest with an unknown schema version', async () => {
    resealManifest(set.path, (m) => {
      m.schemaVersion = 99;
    });
    const p = await problems();
    assert.ok(p[0].startsWith('manifest.json: schemaVersion is 99'), p.join('\n'));
  });

  it('a missing manifest', async () => {
    fs.rmSync(path.join(set.path, MANIFEST_FILE));
    assert.deepEqual(await problems(), ['manifest.json: missing']);
  });

  it('a set of another cluster (WRONG_CLUSTER unless overridden)', async () => {
    const p = await problems('CLUSTER2');
    assert.deepEqual(p, ['manifest.json: cluster check failed — the set was made on cluster CLUSTER1, not CLUSTER2']);
    await assert.rejects(openBackupSet(set.path, { expectedCluster: 'CLUSTER2' }),
      (err: unknown) => err instanceof EngineError && err.code === 'WRONG_CLUSTER');
    const opened = await openBackupSet(set.path, { expectedCluster: 'CLUSTER2', allowOtherCluster: true });
    assert.equal(opened.manifest.cluster.name, 'CLUSTER1');
  });

  it('openBackupSet hands out the verified manifest and documents', async () => {
    const opened = await openBackupSet(set.path, { expectedCluster: 'CLUSTER1' });
    assert.equal(opened.manifest.writer?.id, '41e12264-35d8-479b-8e5c-9b23d1dad37e');
    assert.equal(await opened.readBackupComponentsXml(), '<BACKUP_COMPONENTS/>');
    assert.equal(await opened.readWriterMetadataXml(), '<WRITER_METADATA/>');
    assert.deepEqual(fs.readFileSync(opened.fileOnDisk(opened.manifest.files[0])), set.sources.get(opened.manifest.files[0].path));
    // A document changed after verification is caught when it is read.
    fs.writeFileSync(path.join(set.path, 'backup-components.xml'), '<CHANGED/>');
    await assert.rejects(opened.readBackupComponentsXml(), /changed after it was verified/);
  });

  it('a folder that is not a backup set', async () => {
    const r = await readBackupSet(path.join(dest, 'nope'));
    assert.equal(r.ok, false);
    assert.match(r.problems[0], /does not exist/);
  });
});

describe('backup sets: listing and retention', () => {
  let dest: string;
  const logs: { level: LogLevel; message: string }[] = [];
  const logger = { log: (level: LogLevel, message: string) => void logs.push({ level, message }) };
  beforeEach(() => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-retention-'));
    logs.length = 0;
  });
  afterEach(() => fs.rmSync(dest, { recursive: true, force: true }));
  after(assertNoLeaks);

  const at = (minute: number): Date => new Date(Date.UTC(2024, 4, 1, 12, minute, 0));

  it('lists sets newest first, skipping hidden and foreign folders', async () => {
    await makeSet(dest, { time: at(1) });
    await makeSet(dest, { time: at(3) });
    await makeSet(dest, { time: at(2), cluster: 'OTHER' });
    fs.mkdirSync(path.join(dest, 'not-a-set'));
    fs.mkdirSync(path.join(dest, '.CLUSTER1_NODE1_x.partial-1'));
    const sets = await listBackupSets(dest, { verify: false });
    assert.deepEqual(sets.map((s) => s.name), ['CLUSTER1_NODE1_20240501T120300Z', 'OTHER_NODE1_20240501T120200Z', 'CLUSTER1_NODE1_20240501T120100Z']);
    assert.ok(sets.every((s) => s.verified === null && s.problems.length === 0));
    const verified = await listBackupSets(dest, { verify: true });
    assert.ok(verified.every((s) => s.verified === true));
    assert.deepEqual(await listBackupSets(path.join(dest, 'missing'), { verify: false }), []);
  });

  it('keeps exactly the newest N sets of the cluster and leaves other clusters alone', async () => {
    for (let m = 1; m <= 5; m++) await makeSet(dest, { time: at(m) });
    await makeSet(dest, { time: at(0), cluster: 'OTHER' });
    const newest = path.join(dest, 'CLUSTER1_NODE1_20240501T120500Z');
    const { removed } = await applyRetention(dest, { cluster: 'cluster1', keep: 2, protect: [newest], logger });
    assert.deepEqual(removed.map((r) => path.basename(r)).sort(), [
      'CLUSTER1_NODE1_20240501T120100Z', 'CLUSTER1_NODE1_20240501T120200Z', 'CLUSTER1_NODE1_20240501T120300Z',
    ]);
    assert.deepEqual(fs.readdirSync(dest).sort(), ['CLUSTER1_NODE1_20240501T120400Z', 'CLUSTER1_NODE1_20240501T120500Z', 'OTHER_NODE1_20240501T120000Z']);
    assert.deepEqual(await applyRetention(dest, { cluster: 'CLUSTER1', keep: 2, logger }), { removed: [], problems: [] });
  });

  it('never deletes the set just made, even when its clock says it is older', async () => {
    for (let m = 2; m <= 4; m++) await makeSet(dest, { time: at(m) });
    const justMade = await makeSet(dest, { time: at(1) });
    const { removed } = await applyRetention(dest, { cluster: 'CLUSTER1', keep: 1, protect: [justMade.path], logger });
    assert.ok(fs.existsSync(justMade.path));
    assert.ok(!removed.includes(justMade.path));
    assert.deepEqual(fs.readdirSync(dest).sort(), ['CLUSTER1_NODE1_20240501T120100Z', 'CLUSTER1_NODE1_20240501T120400Z']);
  });

  it('leaves a set that fails validation in place, does not count it, and says so in the log', async () => {
    for (let m = 1; m <= 4; m++) await makeSet(dest, { time: at(m) });
    const damaged = path.join(dest, 'CLUSTER1_NODE1_20240501T120300Z');
    fs.truncateSync(path.join(damaged, 'files', 'Cluster Database', 'CLUSDB'), 1);
    const { removed } = await applyRetention(dest, { cluster: 'CLUSTER1', keep: 2, logger });
    assert.deepEqual(removed.map((r) => path.basename(r)), ['CLUSTER1_NODE1_20240501T120100Z']);
    assert.ok(fs.existsSync(damaged));
    assert.deepEqual(fs.readdirSync(dest).sort(), ['CLUSTER1_NODE1_20240501T120200Z', 'CLUSTER1_NODE1_20240501T120300Z', 'CLUSTER1_NODE1_20240501T120400Z']);
    const warning = logs.find((l) => l.level === 'warn');
    assert.ok(warning && warning.message.includes(damaged) && /failed validation and is left in place/.test(warning.message), JSON.stringify(logs));
  });

  it('keep 0 keeps everything', async () => {
    for (let m = 1; m <= 3; m++) await makeSet(dest, { time: at(m) });
    assert.deepEqual(await applyRetention(dest, { cluster: 'CLUSTER1', keep: 0 }), { removed: [], problems: [] });
    assert.equal(fs.readdirSync(dest).length, 3);
  });
});
