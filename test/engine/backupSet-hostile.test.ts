/**
 * Hostile and odd backup sets (issue 12, defect 9): a manifest nested 20,000 deep,
 * one bad set among good ones, retention ranked by the name's stamp and never holding
 * a slot for a set dated in the future, a new set checked by verify's code before it
 * is put in place, and staging names refused as restore targets.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackupSetWriter, MANIFEST_FILE, readBackupSet, type UnsealedManifest } from '../../src/engine/backupSet';
import { applyRetention, listBackupSets } from '../../src/engine/backupSetFolder';
import { EngineError } from '../../src/engine/errors';
import { assertNoLeaks } from '../support/sim';

const base = (time: string, node = 'NODE1'): Omit<UnsealedManifest, 'files' | 'documents'> => ({
  schemaVersion: 1, toolVersion: '0.0.0-test', kind: 'offline-hive', time,
  cluster: { name: 'CLUSTER1', version: '10.0.20348' }, node, writer: null, components: [], snapshot: null,
});

/** A small offline-hive set named `name` whose manifest says `time`. */
async function makeSet(dest: string, name: string, time: string, originalName = 'CLUSDB'): Promise<string> {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-src-'));
  try {
    fs.writeFileSync(path.join(src, 'CLUSDB'), `hive of ${name}`);
    const writer = await BackupSetWriter.create(dest, name);
    await writer.copyFile(path.join(src, 'CLUSDB'), writer.allocatePath(['ClusDb', 'CLUSDB']), `C:\\Windows\\Cluster\\${originalName}`, null);
    return (await writer.commit(base(time))).path;
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
}

function reseal(setPath: string, edit: (m: Record<string, unknown>) => void): void {
  const file = path.join(setPath, MANIFEST_FILE);
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(m);
  delete m.integrity;
  m.integrity = { algorithm: 'sha256', digest: createHash('sha256').update(JSON.stringify(m)).digest('hex') };
  fs.writeFileSync(file, JSON.stringify(m));
}

const DEEP = 20_000;
const deeplyNested = (): string => `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;

describe('backup sets: hostile manifests and retention', () => {
  let dest: string;
  beforeEach(() => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-hostile-'));
  });
  afterEach(() => fs.rmSync(dest, { recursive: true, force: true }));
  after(assertNoLeaks);

  it('a manifest nested 20,000 deep is one clear problem for verify, list and retention — the rest carry on', async () => {
    const good = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120100Z', '2024-05-01T12:01:00.000Z');
    const older = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120000Z', '2024-05-01T12:00:00.000Z');
    const deep = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120200Z', '2024-05-01T12:02:00.000Z');
    // Deep inside an extra field, and as the whole manifest.
    const text = fs.readFileSync(path.join(deep, MANIFEST_FILE), 'utf8');
    fs.writeFileSync(path.join(deep, MANIFEST_FILE), text.replace(/^\{/, `{"extra": ${deeplyNested()},`));
    const whole = path.join(dest, 'CLUSTER1_NODE1_20240501T120300Z');
    fs.mkdirSync(whole);
    fs.writeFileSync(path.join(whole, MANIFEST_FILE), deeplyNested());

    for (const set of [deep, whole]) {
      const r = await readBackupSet(set);
      assert.equal(r.ok, false);
      assert.deepEqual(r.problems, ['manifest.json: nested more than 32 levels deep; this tool writes manifests 4 levels deep, so this one was not written by it']);
    }
    for (const verify of [false, true]) {
      const sets = await listBackupSets(dest, { verify });
      assert.deepEqual(sets.map((s) => [s.name, s.verified]).sort(), [
        ['CLUSTER1_NODE1_20240501T120000Z', verify ? true : null],
        ['CLUSTER1_NODE1_20240501T120100Z', verify ? true : null],
        ['CLUSTER1_NODE1_20240501T120200Z', false],
        ['CLUSTER1_NODE1_20240501T120300Z', false],
      ]);
    }
    const retention = await applyRetention(dest, { cluster: 'CLUSTER1', keep: 1, protect: [good] });
    assert.deepEqual(retention.removed, [older]);
    assert.equal(retention.problems.length, 2, retention.problems.join('\n'));
    assert.match(retention.problems.join('\n'), /20240501T120200Z failed validation and is left in place/);
    assert.match(retention.problems.join('\n'), /20240501T120300Z failed validation and is left in place/);
    assert.ok(fs.existsSync(deep) && fs.existsSync(whole));
  });

  it('a set whose manifest is an array, or whose folder is unreadable as a set, is one problem each', async () => {
    await makeSet(dest, 'CLUSTER1_NODE1_20240501T120100Z', '2024-05-01T12:01:00.000Z');
    const arr = path.join(dest, 'CLUSTER1_NODE1_20240501T120200Z');
    fs.mkdirSync(arr);
    fs.writeFileSync(path.join(arr, MANIFEST_FILE), '[]');
    const dirManifest = path.join(dest, 'CLUSTER1_NODE1_20240501T120300Z');
    fs.mkdirSync(path.join(dirManifest, MANIFEST_FILE), { recursive: true });
    const sets = await listBackupSets(dest, { verify: true });
    assert.deepEqual(sets.map((s) => [s.name, s.problems]), [
      ['CLUSTER1_NODE1_20240501T120100Z', []],
      ['CLUSTER1_NODE1_20240501T120300Z', ['manifest.json: not a regular file']],
      ['CLUSTER1_NODE1_20240501T120200Z', ['manifest.json: is not a JSON object']],
    ]);
  });

  it('retention ranks by the stamp in the set\'s name, not by the time its manifest claims', async () => {
    // Sealed and valid, but its manifest claims to be the newest.
    const claimsNewest = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120100Z', '2024-05-01T23:59:00.000Z');
    const b = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120200Z', '2024-05-01T12:02:00.000Z');
    const c = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120300Z', '2024-05-01T12:03:00.000Z');
    const c2 = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120300Z', '2024-05-01T12:03:00.000Z');
    assert.equal(path.basename(c2), 'CLUSTER1_NODE1_20240501T120300Z-2');
    const retention = await applyRetention(dest, { cluster: 'CLUSTER1', keep: 2 });
    assert.deepEqual(retention, { removed: [b, claimsNewest].sort().reverse(), problems: [] });
    assert.deepEqual(fs.readdirSync(dest).sort(), [path.basename(c), path.basename(c2)]);
  });

  it('a set dated in the future is reported, never holds a slot, and is not deleted', async () => {
    const now = new Date(Date.UTC(2024, 4, 1, 13, 0, 0));
    const sets: string[] = [];
    for (let m = 1; m <= 4; m++) sets.push(await makeSet(dest, `CLUSTER1_NODE1_20240501T12${String(m).padStart(2, '0')}00Z`, `2024-05-01T12:0${m}:00.000Z`));
    const future = await makeSet(dest, 'CLUSTER1_NODE1_20990101T000000Z', '2099-01-01T00:00:00.000Z');
    // Within the clock skew Kerberos tolerates (5 minutes) a set still counts.
    const nearlyNow = await makeSet(dest, 'CLUSTER1_NODE1_20240501T130400Z', '2024-05-01T13:04:00.000Z');
    const retention = await applyRetention(dest, { cluster: 'CLUSTER1', keep: 2, now: () => now });
    assert.deepEqual(retention.removed, [sets[3], sets[2], sets[1], sets[0]].slice(1));
    assert.equal(retention.problems.length, 1);
    assert.match(retention.problems[0], /20990101T000000Z is dated 2099-01-01T00:00:00\.000Z, in the future of this machine's clock; it is left in place and does not count/);
    assert.deepEqual(fs.readdirSync(dest).sort(), [sets[3], nearlyNow, future].map((p) => path.basename(p)).sort());
  });

  it('a new set that verify would reject is never put in place (a node name of "" when GetComputerNameW failed)', async () => {
    const src = path.join(dest, '..', `${path.basename(dest)}-src`);
    fs.mkdirSync(src);
    try {
      fs.writeFileSync(path.join(src, 'CLUSDB'), 'hive');
      const writer = await BackupSetWriter.create(dest, 'CLUSTER1__20240501T120000Z');
      await writer.copyFile(path.join(src, 'CLUSDB'), writer.allocatePath(['ClusDb', 'CLUSDB']), 'C:\\Windows\\Cluster\\CLUSDB', null);
      await assert.rejects(writer.commit(base('2024-05-01T12:00:00.000Z', '')), (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.code, 'INVALID_SET');
        assert.match(err.message, /^The new backup set failed its own verification, so it was not kept \(1 problem\(s\)\):\n {2}manifest\.json: node must NOT have fewer than 1 characters$/);
        return true;
      });
      await writer.discard();
      assert.deepEqual(fs.readdirSync(dest), []);
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  it('refuses a manifest that names a restore target like the tool\'s staging files (*.fcbnew)', async () => {
    const set = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120100Z', '2024-05-01T12:01:00.000Z');
    reseal(set, (m) => {
      (m.files as { originalPath: string }[])[0].originalPath = 'C:\\Windows\\Cluster\\CLUSDB.FCBNEW';
    });
    const r = await readBackupSet(set);
    assert.deepEqual(r.problems, ['manifest.json: files[0] is named like this tool\'s staging files (*.fcbnew), which a restore writes and removes itself']);
  });

  it('reports schema problems by field, all at once', async () => {
    const set = await makeSet(dest, 'CLUSTER1_NODE1_20240501T120100Z', '2024-05-01T12:01:00.000Z');
    reseal(set, (m) => {
      const f = (m.files as Record<string, unknown>[])[0];
      f.sha256 = 'nope';
      f.size = -1;
      delete m.node;
      m.kind = 'tarball';
    });
    const r = await readBackupSet(set);
    assert.deepEqual(r.problems.sort(), [
      'manifest.json: files[0].sha256 is not a SHA-256 hex digest',
      'manifest.json: files[0].size must be >= 0',
      'manifest.json: kind "tarball" is not one of "vss-cluster-writer", "offline-hive"',
      'manifest.json: node is missing',
    ]);
  });
});
