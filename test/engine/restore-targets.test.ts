/**
 * Where restored files go (no native code): each file of a set goes back to its place
 * relative to the ClusDb folder, in this node's ClusDb folder, whatever path form the
 * set was made with (Windows paths included); only the writer's files, directly in the folder;
 * a manifest cannot make the restore write elsewhere; and the writer's restore targets after PreRestore are honoured (original,
 * directed inside the ClusDb folder) or refused (alternate, partial, outside).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VerifiedBackupSet } from '../../src/engine/backupSet';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import {
  applyWriterTargets, placeFiles, type DocumentComponent, type FileDescriptor, type FilePlacement,
} from '../../src/engine/restorePlacement';
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

function component(restoreTarget: number, directedTargets: DocumentComponent['directedTargets'] = []): DocumentComponent {
  return {
    ref: { writerId: WRITER, componentType: VssComponentType.Filegroup, logicalPath: '', componentName: 'Cluster Database' },
    restoreTarget, directedTargets, preRestoreFailure: null,
  };
}

/** The writer's file descriptor as a Windows Cluster Database writer would name it (%SystemRoot% expanded at backup time). */
const WINDOWS_DESCRIPTORS: FileDescriptor[] = [{ path: '%SystemRoot%\\Cluster', filespec: 'CLUSDB*', recursive: false }];

/** The targets, or the problems when any. */
function place(originalPaths: string[], descriptors: FileDescriptor[] | null = WINDOWS_DESCRIPTORS): FilePlacement[] {
  const placed = placeFiles(fakeSet(originalPaths), live, descriptors);
  assert.deepEqual(placed.problems, []);
  return placed.placements;
}

function problemsOf(originalPaths: string[], descriptors: FileDescriptor[] | null = WINDOWS_DESCRIPTORS): string {
  const placed = placeFiles(fakeSet(originalPaths), live, descriptors);
  assert.ok(placed.problems.length > 0, 'refused');
  return placed.problems.join('\n');
}

describe('restore targets', () => {
  it('maps a set made on Windows onto this node\'s ClusDb folder', () => {
    const placed = place(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB.blf']);
    assert.deepEqual(placed.map((p) => p.target), [path.join(live, 'CLUSDB'), path.join(live, 'CLUSDB.blf')]);
    assert.deepEqual(placed.map((p) => p.source), [0, 1].map((i) => path.join(setPath, 'files', 'Cluster Database', `f${i}`)));
  });

  it('maps a set made with POSIX paths (the simulator on Linux) the same way; the hive name is case-insensitive', () => {
    const descriptors = [{ path: '/srv/a/Windows/Cluster', filespec: 'clusdb', recursive: false }, { path: '/srv/a/Windows/Cluster', filespec: 'CLUSDB.blf', recursive: false }];
    const placed = place(['/srv/a/Windows/Cluster/clusdb', '/srv/a/Windows/Cluster/CLUSDB.blf'], descriptors);
    assert.deepEqual(placed.map((p) => p.target), [path.join(live, 'clusdb'), path.join(live, 'CLUSDB.blf')]);
  });

  it('refuses a set without the hive, files outside the ClusDb folder, mixed path forms and collisions', () => {
    assert.match(problemsOf(['C:\\Windows\\Cluster\\CLUSDB.blf']), /holds no CLUSDB file/);
    assert.match(problemsOf(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\System32\\config\\SAM']),
      /SAM.*was not inside the cluster database folder C:\\Windows\\Cluster/);
    assert.match(problemsOf(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\..\\evil']), /was not inside the cluster database folder/);
    assert.match(problemsOf(['C:\\Windows\\Cluster\\CLUSDB', '/etc/passwd']), /not an absolute path like/);
    assert.match(problemsOf(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB']), /would both be restored to/);
  });

  it('restores only the writer\'s files, directly in the ClusDb folder: no subfolder, stream, control character, long or own name', () => {
    const hive = 'C:\\Windows\\Cluster\\CLUSDB';
    const cases: Array<[string, RegExp]> = [
      ['C:\\Windows\\Cluster\\clussvc.exe', /not one of the Cluster Database writer's files/],
      ['C:\\Windows\\Cluster\\etc\\cron.d\\evil', /in a subfolder/],
      ['C:\\Windows\\Cluster\\Logs\\CLUSDB.0.container', /in a subfolder/],
      ['C:\\Windows\\Cluster\\CLUSDB:evil', /alternate data stream/],
      ['C:\\Windows\\Cluster\\CLUSDB\u0000x', /control character/],
      [`C:\\Windows\\Cluster\\CLUSDB${'x'.repeat(300)}`, /306 characters long/],
      ['C:\\Windows\\Cluster\\CLUSDB.fcbnew', /this tool's own staging, journal or safety names/],
      ['C:\\Windows\\Cluster\\', /not inside the cluster database folder|holds no|no file name/],
    ];
    for (const [planted, why] of cases) assert.match(problemsOf([hive, planted]), why, planted);
    // An offline hive copy has no writer metadata: only CLUSDB* files.
    assert.match(problemsOf([hive, 'C:\\Windows\\Cluster\\clussvc.exe'], null), /not a file of the cluster hive \(CLUSDB\*\)/);
    assert.equal(place([hive, 'C:\\Windows\\Cluster\\CLUSDB.LOG1'], null).length, 2);
  });

  it('refuses a file whose live target is a folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-targets-live-'));
    try {
      fs.mkdirSync(path.join(dir, 'CLUSDB.LOG1'));
      const placed = placeFiles(fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB.LOG1']), dir, WINDOWS_DESCRIPTORS);
      assert.match(placed.problems.join('\n'), /CLUSDB\.LOG1 is not a regular file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the original locations for VSS_RT_ORIGINAL and VSS_RT_UNDEFINED', () => {
    const set = fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB.blf']);
    const placed = place(set.manifest.files.map((f) => f.originalPath));
    for (const target of [VssRestoreTarget.Original, VssRestoreTarget.Undefined, VssRestoreTarget.OriginalLocation]) {
      assert.deepEqual(applyWriterTargets(placed, [component(target)], set, live, makeContext()), placed);
    }
  });

  it('follows a directed target inside the ClusDb folder (with %SystemRoot% expanded)', () => {
    const set = fakeSet(['C:\\Windows\\Cluster\\CLUSDB', 'C:\\Windows\\Cluster\\CLUSDB.blf']);
    const placed = place(set.manifest.files.map((f) => f.originalPath));
    const directed = component(VssRestoreTarget.Directed, [
      { source: 'C:\\Windows\\Cluster\\CLUSDB.blf', destination: `%SystemRoot%${path.sep}Cluster${path.sep}CLUSDB.restored.blf`, ranges: false },
    ]);
    const result = applyWriterTargets(placed, [directed], set, live, makeContext());
    assert.equal(result[0].target, placed[0].target);
    assert.equal(result[1].target, path.join(live, 'CLUSDB.restored.blf'));
  });

  it('refuses directed targets outside the ClusDb folder, partial (range) restores and alternate locations', () => {
    const set = fakeSet(['C:\\Windows\\Cluster\\CLUSDB']);
    const placed = place(set.manifest.files.map((f) => f.originalPath));
    const outside = component(VssRestoreTarget.Directed, [{ source: 'C:\\Windows\\Cluster\\CLUSDB', destination: path.join(os.tmpdir(), 'elsewhere', 'CLUSDB'), ranges: false }]);
    assert.throws(() => applyWriterTargets(placed, [outside], set, live, makeContext()),
      (err: unknown) => err instanceof EngineError && err.code === 'RESTORE_FAILED' && /not a file directly in .*restores only into the cluster folder/.test(err.message));
    const partial = component(VssRestoreTarget.Directed, [{ source: 'C:\\Windows\\Cluster\\CLUSDB', destination: path.join(live, 'CLUSDB'), ranges: true }]);
    assert.throws(() => applyWriterTargets(placed, [partial], set, live, makeContext()), /partial restore/);
    assert.throws(() => applyWriterTargets(placed, [component(VssRestoreTarget.Alternate)], set, live, makeContext()), /alternate location/);
  });
});
