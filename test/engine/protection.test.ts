/**
 * Only administrators can read a backup (issue #15 §1), through real koffi against the
 * simulator: the advapi32 security calls (descriptor built from SDDL, applied protected,
 * read back, every allocation freed), and what the product writes — the set, the operation
 * lock folder, the restore journal and the safety copy. On Windows (this suite under Wine)
 * each is read back with GetNamedSecurityInfoW; elsewhere the mode bits are checked
 * (folders 0700, files 0600). `verify` warns when a set's permissions are wider.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { readBackupSet } from '../../src/engine/backupSet';
import { makeContext } from '../../src/engine/context';
import { acquireOperationLock } from '../../src/engine/lock';
import { ADMINISTRATORS_ONLY_SDDL, isAdministratorsOnlyDacl } from '../../src/engine/protection';
import { createJournal, JournalStore, removeSafetyCopy, takeSafetyCopy } from '../../src/engine/restoreJournal';
import { getFileDaclSddl, setProtectedFileDacl } from '../../src/native/advapi32';
import { simulatorClearSecurity, simulatorInjectFault, simulatorSecurityLog } from '../../src/native/simulator';
import { isWin32Error, suiteScenarios } from '../support/sim';

const onWindows = process.platform === 'win32';

/**
 * Every folder and file under `root` (itself included) whose permissions are not administrators-only.
 * `folderOnly`: on Linux only the folder's own mode counts (files inside a 0700 folder keep the umask's mode;
 * nobody else can reach them). A set is checked in full: `verify` looks at its files too.
 */
function notProtected(root: string, folderOnly = false): string[] {
  if (onWindows) {
    const sddl = getFileDaclSddl(root);
    return isAdministratorsOnlyDacl(sddl) ? [] : [`${root}: ${sddl}`];
  }
  const wrong: string[] = [];
  const visit = (p: string): void => {
    const stat = fs.statSync(p);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) wrong.push(`${p}: ${mode.toString(8)}`);
      if (folderOnly) return;
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else if (mode !== 0o600) {
      wrong.push(`${p}: ${mode.toString(8)}`);
    }
  };
  visit(root);
  return wrong;
}

describe('protection: only administrators can read a backup (simulator)', function () {
  this.timeout(60_000);
  const open = suiteScenarios();
  let scratch: string;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-protect-'));
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  describe('advapi32 security descriptor calls', () => {
    beforeEach(() => {
      open();
      simulatorClearSecurity();
    });

    it('applies the administrators-only DACL protected and reads the same DACL back', () => {
      setProtectedFileDacl(scratch, ADMINISTRATORS_ONLY_SDDL);
      assert.equal(getFileDaclSddl(scratch), ADMINISTRATORS_ONLY_SDDL);
      assert.deepEqual(simulatorSecurityLog(), [{ path: scratch, sddl: ADMINISTRATORS_ONLY_SDDL }]);
    });

    it('reads a folder that was never given a DACL as inherited (Users may read), which is not administrators-only', () => {
      const sddl = getFileDaclSddl(scratch);
      assert.match(sddl, /^D:AI\(/);
      assert.equal(isAdministratorsOnlyDacl(sddl), false);
    });

    it('names the failing call and its code, and frees the descriptor whatever fails', () => {
      assert.throws(() => setProtectedFileDacl(path.join(scratch, 'missing'), ADMINISTRATORS_ONLY_SDDL), isWin32Error('SetNamedSecurityInfoW', 2));
      assert.throws(() => setProtectedFileDacl(scratch, 'D:P(A;OICI;FA;;;NOBODY)'), isWin32Error('ConvertStringSecurityDescriptorToSecurityDescriptorW', 87));
      simulatorInjectFault('GetSecurityDescriptorDacl', 1, 1338);
      assert.throws(() => setProtectedFileDacl(scratch, ADMINISTRATORS_ONLY_SDDL), isWin32Error('GetSecurityDescriptorDacl', 1338));
      simulatorInjectFault('ConvertSecurityDescriptorToStringSecurityDescriptorW', 1, 8);
      assert.throws(() => getFileDaclSddl(scratch), isWin32Error('ConvertSecurityDescriptorToStringSecurityDescriptorW', 8));
      assert.throws(() => getFileDaclSddl(path.join(scratch, 'missing')), isWin32Error('GetNamedSecurityInfoW', 2));
      // The suite's leak check (after each test) sees every LocalAlloc'd block freed.
    });

    it('tells a DACL wider than administrators only from the expected one, whatever the order and AI flag', () => {
      assert.equal(isAdministratorsOnlyDacl('D:PAI(A;OICI;FA;;;BO)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'), true);
      assert.equal(isAdministratorsOnlyDacl('D:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;BO)'), false, 'not protected: inherits');
      assert.equal(isAdministratorsOnlyDacl(`${ADMINISTRATORS_ONLY_SDDL}(A;OICI;FR;;;BU)`), false, 'Users may read');
      assert.equal(isAdministratorsOnlyDacl('D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'), false, 'Backup Operators missing');
    });
  });

  describe('what the product writes', () => {
    it('a new set, and the lock folder, are administrators-only; the set folder was protected while it had its temporary name', async () => {
      open();
      simulatorClearSecurity();
      const lockFolder = path.join(scratch, 'lock');
      const result = await backupCluster({ destination: path.join(scratch, 'backups') }, makeContext(), { lockFolder, pollIntervalMs: { min: 1, max: 4 } });
      assert.deepEqual(notProtected(result.path), []);
      assert.deepEqual(notProtected(lockFolder, true), []);
      if (onWindows) {
        const applied = simulatorSecurityLog().map((e) => e.path);
        const partial = applied.findIndex((p) => path.dirname(p) === path.dirname(result.path) && /\.partial-\d+$/.test(p));
        assert.ok(partial >= 0 && partial < applied.indexOf(result.path), `the temporary folder first: ${applied.join(', ')}`);
      }
      assert.deepEqual((await readBackupSet(result.path)).warnings, []);
    });

    it('the lock folder is protected when the lock is taken, even one that existed before', async () => {
      open();
      const lockFolder = path.join(scratch, 'existing-lock');
      fs.mkdirSync(lockFolder, { mode: 0o777 });
      if (!onWindows) fs.chmodSync(lockFolder, 0o777);
      const lock = await acquireOperationLock(lockFolder);
      try {
        assert.deepEqual(notProtected(lockFolder, true), []);
      } finally {
        await lock.release();
      }
    });

    it('the restore journal and the safety copy folder are administrators-only', () => {
      open();
      const clusDb = path.join(scratch, 'Windows', 'Cluster');
      fs.mkdirSync(clusDb, { recursive: true });
      fs.writeFileSync(path.join(clusDb, 'CLUSDB'), 'live hive');
      const setDir = path.join(scratch, 'set');
      fs.mkdirSync(setDir);
      fs.writeFileSync(path.join(setDir, 'CLUSDB'), 'set hive');
      const journal = createJournal({
        set: setDir, kind: 'vss-cluster-writer', authoritative: false, restoreMethod: 8, localNode: 'NODE1', serviceName: 'ClusSvc',
        localServiceWasRunning: true, clusDbDir: clusDb,
        files: [{ target: path.join(clusDb, 'CLUSDB'), source: path.join(setDir, 'CLUSDB'), sha256: 'a'.repeat(64), size: 8 }],
      });
      const store = new JournalStore(clusDb);
      store.advance(journal, 'planned');
      if (onWindows) assert.equal(isAdministratorsOnlyDacl(getFileDaclSddl(store.path)), true, 'the journal file');
      else assert.equal(fs.statSync(store.path).mode & 0o777, 0o600, 'the journal file');
      takeSafetyCopy(store, journal);
      assert.deepEqual(notProtected(journal.safetyDir, true), []);
      removeSafetyCopy(journal);
      fs.rmSync(store.path, { force: true });
    });
  });

  describe('verify warns when a set is readable by more than administrators', () => {
    it('an intact set with wider permissions passes with a warning that names them; its own permissions give none', async () => {
      open();
      const result = await backupCluster({ destination: path.join(scratch, 'backups') }, makeContext(),
        { lockFolder: path.join(scratch, 'lock'), pollIntervalMs: { min: 1, max: 4 } });
      assert.deepEqual((await readBackupSet(result.path)).warnings, []);
      if (onWindows) {
        setProtectedFileDacl(result.path, `${ADMINISTRATORS_ONLY_SDDL}(A;OICI;FR;;;BU)`);
      } else {
        fs.chmodSync(result.path, 0o755);
        fs.chmodSync(path.join(result.path, 'manifest.json'), 0o644);
      }
      const verified = await readBackupSet(result.path);
      assert.equal(verified.ok, true, 'permissions are a warning, not a problem');
      assert.equal(verified.warnings?.length, 1);
      if (onWindows) assert.match(verified.warnings![0], /Readable by more than administrators: .*\(A;OICI;FR;;;BU\)/);
      else assert.match(verified.warnings![0], /Readable by more than its owner: \. \(mode 0755\), manifest\.json \(mode 0644\)/);
    });
  });
});
