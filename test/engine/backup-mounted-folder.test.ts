/**
 * Issue #11: the volume of a file set comes from GetVolumePathNameW and
 * GetVolumeNameForVolumeMountPointW, not from the drive in the path's text. A ClusDb folder
 * below a mounted folder lies on the mounted volume: that volume's GUID path goes into the
 * snapshot set, and each file is read from the shadow copy at its path below the mount point.
 * Also the two kernel32 wrappers and the simulator's mounted-folder model they run against.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { MANIFEST_FILE, type BackupManifest } from '../../src/engine/backupSet';
import { Win32Error } from '../../src/native/errors';
import { getVolumeNameForVolumeMountPoint, getVolumePathName } from '../../src/native/kernel32';
import { ScenarioError } from '../../src/native/loader';
import { recordingContext } from '../support/context';
import { makeTempScenario } from '../support/scenario';
import { isWin32Error, suiteScenarios, useScenario } from '../support/sim';

const CLUSTER_VOLUME = '6f0c1e2d-3b4a-4c5d-8e6f-708192a3b4c5';
const WINDOWS_VOLUME = '0a1b2c3d-4e5f-4a6b-9c7d-8e9fa0b1c2d3';
const ERROR_SUCCESS = 0;
const ERROR_INVALID_PARAMETER = 87;
const ERROR_NOT_A_REPARSE_POINT = 4390;

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const guidPath = (guid: string): string => `\\\\?\\Volume{${guid}}\\`;

describe('backup of a ClusDb folder below a mounted folder', function () {
  this.timeout(60_000);
  const scenario = suiteScenarios();
  let lockFolder: string;
  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-lock-'));
  });
  after(() => fs.rmSync(lockFolder, { recursive: true, force: true }));

  const clusdbFolder = (dir: string): string => path.join(dir, 'Windows', 'Cluster');

  describe('kernel32: GetVolumePathNameW and GetVolumeNameForVolumeMountPointW', () => {
    it('the deepest mounted folder above a path, else the root; its volume GUID path', () => {
      const s = scenario({ mountedFolders: [{ path: 'Windows', volumeGuid: WINDOWS_VOLUME }, { path: 'Windows/Cluster', volumeGuid: CLUSTER_VOLUME }] });
      const root = path.parse(s.dir).root;
      const clusdb = clusdbFolder(s.dir);
      assert.equal(getVolumePathName(path.join(clusdb, 'CLUSDB')), clusdb + path.sep);
      assert.equal(getVolumePathName(clusdb), clusdb + path.sep, 'a mounted folder is its own mount point');
      assert.equal(getVolumePathName(path.join(s.dir, 'Windows', 'System32')), path.join(s.dir, 'Windows') + path.sep);
      assert.equal(getVolumePathName(path.join(s.dir, 'other')), root);
      assert.equal(getVolumePathName(path.join(s.dir, 'WindowsOld', 'x')), root, 'a name that merely starts like a mounted folder is not below it');
      assert.equal(getVolumeNameForVolumeMountPoint(clusdb + path.sep), guidPath(CLUSTER_VOLUME));
      assert.equal(getVolumeNameForVolumeMountPoint(path.join(s.dir, 'Windows') + path.sep), guidPath(WINDOWS_VOLUME));
      assert.match(getVolumeNameForVolumeMountPoint(root), /^\\\\\?\\Volume\{[0-9a-f-]{36}\}\\$/);
      assert.notEqual(getVolumeNameForVolumeMountPoint(root), guidPath(CLUSTER_VOLUME));
      assert.equal(getVolumeNameForVolumeMountPoint(guidPath(CLUSTER_VOLUME)), guidPath(CLUSTER_VOLUME), 'a volume GUID path names its volume');
    });

    it('fails as documented: no trailing separator, not a mount point, an empty path', () => {
      const s = scenario({ mountedFolders: [{ path: 'Windows/Cluster', volumeGuid: CLUSTER_VOLUME }] });
      assert.throws(() => getVolumeNameForVolumeMountPoint(clusdbFolder(s.dir)), isWin32Error('GetVolumeNameForVolumeMountPointW', ERROR_INVALID_PARAMETER));
      assert.throws(() => getVolumeNameForVolumeMountPoint(s.dir + path.sep), isWin32Error('GetVolumeNameForVolumeMountPointW', ERROR_NOT_A_REPARSE_POINT));
      assert.throws(() => getVolumePathName(''), (err: unknown) => err instanceof Win32Error && err.api === 'GetVolumePathNameW' && err.code === ERROR_SUCCESS);
    });

    it('a fault is reported with the API and its code', () => {
      scenario({ faults: [{ function: 'GetVolumePathNameW', call: 1, code: 5 }] });
      assert.throws(() => getVolumePathName('/x'), isWin32Error('GetVolumePathNameW', 5));
    });

    it('the scenario refuses a mounted folder outside the scenario folder or mounted twice', () => {
      for (const [mountedFolders, message] of [
        [[{ path: '../elsewhere' }], /mountedFolders\[0\].*not a folder below the scenario folder/],
        [[{ path: 'Windows' }, { path: 'windows' }], /already mounted by mountedFolders\[0\]/],
        [[{ path: 'A', volumeGuid: CLUSTER_VOLUME }, { path: 'B', volumeGuid: CLUSTER_VOLUME }], /volume is already mounted/],
        [[{ path: 'A', volumeGuid: 'nope' }], /"nope" is not a GUID/],
      ] as const) {
        const s = makeTempScenario({ mountedFolders: [...mountedFolders] });
        try {
          assert.throws(() => {
            useScenario(s.path);
            getVolumePathName('/x');
          }, (err: unknown) => err instanceof ScenarioError && message.test(err.message));
        } finally {
          s.cleanup();
        }
      }
      scenario();   // back to a valid scenario for the leak check
    });
  });

  for (const [label, mountedFolders] of [
    ['the ClusDb folder is the mounted folder', [{ path: 'Windows/Cluster', volumeGuid: CLUSTER_VOLUME }]],
    ['the ClusDb folder lies below the mounted folder', [{ path: 'Windows', volumeGuid: CLUSTER_VOLUME }]],
  ] as const) {
    it(`${label}: the mounted volume is snapshotted and the files come from its shadow copy`, async () => {
      const s = scenario({ mountedFolders: [...mountedFolders], mutateAfterSnapshot: true });
      const live = path.join(clusdbFolder(s.dir), 'CLUSDB');
      // The first call opens the scenario, which creates the ClusDb files.
      assert.notEqual(getVolumePathName(live), path.parse(s.dir).root);
      const before = sha(live);
      const ctx = recordingContext();
      const result = await backupCluster({ destination: path.join(s.dir, 'backups') }, ctx, { lockFolder, pollIntervalMs: { min: 1, max: 4 } });
      const manifest = JSON.parse(fs.readFileSync(path.join(result.path, MANIFEST_FILE), 'utf8')) as BackupManifest;
      assert.deepEqual(manifest.snapshot?.volumes.map((v) => v.volume), [guidPath(CLUSTER_VOLUME)], 'the mounted volume, by its GUID path');
      const clusdb = result.files.find((f) => f.originalPath === live);
      assert.ok(clusdb, `CLUSDB is in the set: ${JSON.stringify(result.files.map((f) => f.originalPath))}`);
      assert.equal(clusdb.sha256, before, 'CLUSDB as it was at the snapshot');
      assert.notEqual(sha(live), before, 'the live file changed after the snapshot, so the copy came from the shadow copy');
      assert.equal(sha(path.join(result.path, clusdb.path)), before);
      assert.ok(result.files.some((f) => f.originalPath === path.join(clusdbFolder(s.dir), 'CLUSDB.blf')));
      assert.ok(ctx.lines.some((l) => l.message.includes(`is on volume ${guidPath(CLUSTER_VOLUME)}`)), ctx.text());
    });
  }

  it('without a mounted folder the root volume is snapshotted, by its volume GUID path', async () => {
    const s = scenario();
    const ctx = recordingContext();
    const result = await backupCluster({ destination: path.join(s.dir, 'backups') }, ctx, { lockFolder, pollIntervalMs: { min: 1, max: 4 } });
    const manifest = JSON.parse(fs.readFileSync(path.join(result.path, MANIFEST_FILE), 'utf8')) as BackupManifest;
    assert.deepEqual(manifest.snapshot?.volumes.map((v) => v.volume), [getVolumeNameForVolumeMountPoint(path.parse(s.dir).root)]);
  });
});
