/**
 * Issue #14: verification results are remembered per set. A verifying listing (the restore
 * pick's) hashes each set once; listing again hashes nothing while the sets are unchanged,
 * and hashes again exactly the set whose manifest, sizes, times or files changed. The hash
 * reads are counted with a spy on the file opens the hashing makes (not with a clock).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackupSetWriter, backupSetName, MANIFEST_FILE } from '../../src/engine/backupSet';
import { listBackupSets } from '../../src/engine/backupSetFolder';
import { makeContext } from '../../src/engine/context';
import { validateRemembered, verifySetOnce } from '../../src/engine/setVerification';
import { assertNoLeaks } from '../support/sim';

const STAMP = new Date(Date.UTC(2024, 4, 1, 12, 30, 0));

async function makeSet(destination: string, node: string, minute: number): Promise<string> {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-src-'));
  const writer = await BackupSetWriter.create(destination, backupSetName('CLUSTER1', node, new Date(Date.UTC(2024, 4, 1, 12, minute))));
  try {
    await writer.addDocument('writerMetadata', '<WRITER_METADATA/>');
    for (const name of ['CLUSDB', 'CLUSDB.blf']) {
      fs.writeFileSync(path.join(src, name), `${name} of ${node}\n`.repeat(500));
      await writer.copyFile(path.join(src, name), writer.allocatePath(['Cluster Database', name]), `C:\\Windows\\Cluster\\${name}`, 0);
    }
    await writer.addDocument('backupComponents', '<BACKUP_COMPONENTS/>');
    const { path: setPath } = await writer.commit({
      schemaVersion: 1, toolVersion: '0.0.0-test', kind: 'vss-cluster-writer', time: new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString(),
      cluster: { name: 'CLUSTER1', version: '10.0.20348' }, node,
      writer: { id: '41e12264-35d8-479b-8e5c-9b23d1dad37e', instanceId: '0c0e5ec0-ca44-472b-b702-e652db1c0451', name: 'Cluster Database', restoreMethod: 8, restoreService: 'ClusSvc', backupSchema: 0x4000 },
      components: [{ logicalPath: '', name: 'Cluster Database', type: 'filegroup' }],
      snapshot: null,
    });
    // Whole-second time stamps, so the test can put a rewritten file's modification time back exactly.
    for (const e of fs.readdirSync(setPath, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) fs.utimesSync(path.join(e.parentPath, e.name), STAMP, STAMP);
    }
    return setPath;
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
}

describe('set verification: results remembered per set', () => {
  let dest: string;
  let sets: string[];
  /** Files opened for reading, by path: every file the validation hashes is opened through fs/promises.open. */
  const opened: string[] = [];
  /** The fs/promises module object itself (the engine's modules read its `open` at each call). */
  const promises = fs.promises;
  const realOpen = promises.open;
  const pickListing = (): ReturnType<typeof listBackupSets> =>
    listBackupSets(dest, { verify: true, validate: (setPath, signal) => validateRemembered(setPath, signal) });
  /** The sets whose data files were opened since the last call, in folder order. */
  const hashedSets = (): string[] => {
    const hashed = sets.filter((s) => opened.some((f) => f.startsWith(path.join(s, 'files') + path.sep)));
    opened.length = 0;
    return hashed;
  };

  before(async () => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-remembered-'));
    sets = [await makeSet(dest, 'NODE1', 1), await makeSet(dest, 'NODE2', 2), await makeSet(dest, 'NODE3', 3)];
    promises.open = (async (file: fs.PathLike, ...rest: unknown[]) => {
      opened.push(String(file));
      return (realOpen as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(file, ...rest);
    }) as typeof realOpen;
  });

  after(() => {
    promises.open = realOpen;
    fs.rmSync(dest, { recursive: true, force: true });
    assertNoLeaks();
  });

  it('the first verifying listing hashes every set; the second hashes none and gives the same tokens', async () => {
    const first = await pickListing();
    assert.deepEqual(first.map((s) => s.verified), [true, true, true]);
    assert.deepEqual(hashedSets(), sets);
    const second = await pickListing();
    assert.deepEqual(hashedSets(), [], 'the unchanged sets were not read again');
    assert.deepEqual(second.map((s) => s.verified), [true, true, true]);
    assert.deepEqual(second.map((s) => s.verificationToken), first.map((s) => s.verificationToken));
  });

  it('a listing without the remembered validation (the CLI\'s list --verify) still hashes every set', async () => {
    await listBackupSets(dest, { verify: true });
    assert.deepEqual(hashedSets(), sets);
  });

  it('a file rewritten with the same size and restored time stamp is hashed again (its change time moved) and found damaged', async () => {
    const entry = fs.readdirSync(path.join(sets[1], 'files'), { recursive: true, withFileTypes: true }).find((e) => e.isFile())!;
    const victim = path.join(entry.parentPath, entry.name);
    const before = fs.statSync(victim, { bigint: true });
    const bytes = fs.readFileSync(victim);
    bytes[0] ^= 0xff;
    fs.writeFileSync(victim, bytes);
    fs.utimesSync(victim, STAMP, STAMP);
    const after = fs.statSync(victim, { bigint: true });
    assert.equal(after.mtimeNs, before.mtimeNs, 'the modification time was put back exactly');
    assert.equal(after.size, before.size);
    const listed = await pickListing();
    assert.deepEqual(hashedSets(), [sets[1]], 'only the changed set was hashed again');
    const damaged = listed.find((s) => s.path === sets[1])!;
    assert.equal(damaged.verified, false);
    assert.match(damaged.problems.join('\n'), /SHA-256 check failed/);
    assert.equal(damaged.verificationToken, undefined);
    // The damage is remembered as well: listing again does not read the set, and it stays damaged.
    const again = await pickListing();
    assert.deepEqual(hashedSets(), []);
    assert.equal(again.find((s) => s.path === sets[1])!.verified, false);
    bytes[0] ^= 0xff;
    fs.writeFileSync(victim, bytes);
    assert.equal((await pickListing()).find((s) => s.path === sets[1])!.verified, true, 'repaired: hashed again and passed');
    assert.deepEqual(hashedSets(), [sets[1]]);
  });

  it('an extra file or an edited manifest makes the set be hashed again', async () => {
    await pickListing();
    hashedSets();
    fs.writeFileSync(path.join(sets[0], 'files', 'extra.bin'), 'x');
    const listed = await pickListing();
    assert.deepEqual(hashedSets(), [sets[0]]);
    assert.match(listed.find((s) => s.path === sets[0])!.problems.join('\n'), /extra file/);
    fs.rmSync(path.join(sets[0], 'files', 'extra.bin'));
    await pickListing();
    hashedSets();
    const manifest = path.join(sets[2], MANIFEST_FILE);
    fs.appendFileSync(manifest, ' ');
    await pickListing();
    assert.deepEqual(hashedSets(), [sets[2]]);
  });

  it('a plan that presents the listing\'s token does not hash the set; one without a token hashes it', async () => {
    const listed = await pickListing();
    hashedSets();
    const token = listed.find((s) => s.path === sets[0])!.verificationToken;
    assert.ok(token);
    const ctx = makeContext();
    const reused = await verifySetOnce(sets[0], token, ctx);
    assert.equal(reused.reused, true);
    assert.deepEqual(hashedSets(), []);
    const fresh = await verifySetOnce(sets[0], undefined, ctx);
    assert.equal(fresh.reused, false);
    assert.deepEqual(hashedSets(), [sets[0]]);
  });
});
