/**
 * Where restored files go (no native code): each file of a set goes back to its place
 * relative to the ClusDb folder, in this node's ClusDb folder, whatever path form the
 * set was made with (Windows paths included); a manifest cannot make the restore write
 * elsewhere; and the writer's restore targets after PreRestore are honoured (original,
 * directed inside the ClusDb folder) or refused (alternate, partial, outside).
 */
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VerifiedBackupSet } from '../../src/engine/backupSet';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { applyWriterTargets, placeFiles, type DocumentComponent } from '../../src/engine/restore';
import { VssComponentType, VssRestoreTarget } from '../../src/native/vssTypes';

const live = path.join(os.tmpdir(), 'fcb-targets', 'Windows', 'Cluster');
const setPath = path.join(os.tmpdir(), 'fcb-targets', 'set');
const WRITER = '41e12264-35d8-479b-8e5c-9b23d1dad37e';

function fakeSet(originalPaths: string[]): VerifiedBackupSet {
  const files = originalPaths.map((originalPath, i) => ({
    originalPath, path: `files/Cluster Database/f${i}`, size: i + 1, sha256: String(i).repeat(64).slice(0, 64), component: 0,
  }));
  return {
    path: setPath,
    manifest: { files, components: [{ logicalPath: '', name: 'Cluster Database', type: 'filegroup' }] },
    summary: { name: 'CLUSTER1_NODE1_20260101T000000Z' },
    fileOnDisk: (e: { path: string }) => path.join(setPath, ...e.path.split('/')),
  } as unknown as VerifiedBackupSet;
}

function invalid(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => err instanceof EngineError && err.code === 'INVALID_SET' && pattern.test(err.message) && /Nothing was changed/.test(err.message);
}

function component(restoreTarget: number, directedTargets: DocumentComponent['directedTargets'] = []): DocumentComponent {
  return {
    ref: { writerId: WRITER, componentType: VssComponentType.Filegroup, logicalPath: '', componentName: 'Cluster Database' },
    restoreTarget, directedTargets, preRestoreFailure: null,
  };
}

describe('restore targets', () => {
  it('maps a set made on Windows onto this node\'s ClusDb folder, subfolders included', () => {
    const set = fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB.blf', 'C:\\Windows\\Cluster\\Logs\\CLUSDB.0.container']);
    const placed = placeFiles(set, live);
    assert.deepEqual(placed.map((p) => p.target), [path.join(live, 'CLUSDB'), path.join(live, 'CLUSDB.blf'), path.join(live, 'Logs', 'CLUSDB.0.container')]);
    assert.deepEqual(placed.map((p) => p.source), [0, 1, 2].map((i) => path.join(setPath, 'files', 'Cluster Database', `f${i}`)));
  });

  it('maps a set made with POSIX paths (the simulator on Linux) the same way; the hive name is case-insensitive', () => {
    const placed = placeFiles(fakeSet(['/srv/a/Windows/Cluster/clusdb', '/srv/a/Windows/Cluster/CLUSDB.blf']), live);
    assert.deepEqual(placed.map((p) => p.target), [path.join(live, 'clusdb'), path.join(live, 'CLUSDB.blf')]);
  });

  it('refuses a set without the hive, files outside the ClusDb folder, mixed path forms and collisions', () => {
    assert.throws(() => placeFiles(fakeSet(['C:\\Windows\\Cluster\\CLUSDB.blf']), live), invalid(/holds no CLUSDB file/));
    assert.throws(() => placeFiles(fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\System32\\config\\SAM']), live),
      invalid(/SAM was not inside the cluster database folder C:\\Windows\\Cluster/));
    assert.throws(() => placeFiles(fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\..\\evil']), live),
      invalid(/was not inside the cluster database folder/));
    assert.throws(() => placeFiles(fakeSet(['C:\\Windows\\Cluster\\CLUSDB', '/etc/passwd']), live), invalid(/not an absolute path like/));
    assert.throws(() => placeFiles(fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB']), live),
      invalid(/would both be restored to/));
  });

  it('keeps the original locations for VSS_RT_ORIGINAL and VSS_RT_UNDEFINED', () => {
    const set = fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB.blf']);
    const placed = placeFiles(set, live);
    for (const target of [VssRestoreTarget.Original, VssRestoreTarget.Undefined, VssRestoreTarget.OriginalLocation]) {
      assert.deepEqual(applyWriterTargets(placed, [component(target)], set, live, makeContext()), placed);
    }
  });

  it('follows a directed target inside the ClusDb folder (with %SystemRoot% expanded)', () => {
    const set = fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB.blf']);
    const placed = placeFiles(set, live);
    const directed = component(VssRestoreTarget.Directed, [
      { source: 'C:\\Windows\\Cluster\\CLUSDB.blf', destination: `%SystemRoot%${path.sep}Cluster${path.sep}CLUSDB.restored.blf`, ranges: false },
    ]);
    const result = applyWriterTargets(placed, [directed], set, live, makeContext());
    assert.equal(result[0].target, placed[0].target);
    assert.equal(result[1].target, path.join(live, 'CLUSDB.restored.blf'));
  });

  it('refuses directed targets outside the ClusDb folder, partial (range) restores and alternate locations', () => {
    const set = fakeSet(['C:\\Windows\\Cluster\\CLUSDB']);
    const placed = placeFiles(set, live);
    const outside = component(VssRestoreTarget.Directed, [{ source: 'C:\\Windows\\Cluster\\CLUSDB', destination: path.join(os.tmpdir(), 'elsewhere', 'CLUSDB'), ranges: false }]);
    assert.throws(() => applyWriterTargets(placed, [outside], set, live, makeContext()),
      (err: unknown) => err instanceof EngineError && err.code === 'RESTORE_FAILED' && /outside .*restores only into the cluster folder/.test(err.message));
    const partial = component(VssRestoreTarget.Directed, [{ source: 'C:\\Windows\\Cluster\\CLUSDB', destination: path.join(live, 'CLUSDB'), ranges: true }]);
    assert.throws(() => applyWriterTargets(placed, [partial], set, live, makeContext()), /partial restore/);
    assert.throws(() => applyWriterTargets(placed, [component(VssRestoreTarget.Alternate)], set, live, makeContext()), /alternate location/);
  });
});
