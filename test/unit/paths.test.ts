import * as assert from 'node:assert/strict';
import {
  compactUtcStamp, expandEnvironmentVariables, isAbsolutePath, joinPath, matchesFilespec, pathStyle, relativeToVolume,
  sanitizeName, snapshotPath, unsafeRelativePathReason, volumeOf,
} from '../../src/engine/paths';

describe('paths: volumes and snapshot paths', () => {
  it('finds the volume of Windows drive, UNC and device paths', () => {
    assert.equal(volumeOf('C:\\Windows\\Cluster\\CLUSDB'), 'C:\\');
    assert.equal(volumeOf('c:/Windows/Cluster'), 'C:\\');
    assert.equal(volumeOf('D:\\'), 'D:\\');
    assert.equal(volumeOf('\\\\server\\share\\dir\\file'), '\\\\server\\share\\');
    assert.equal(volumeOf('\\\\?\\Volume{0a1b2c3d-0000-0000-0000-000000000000}\\dir\\f'), '\\\\?\\Volume{0a1b2c3d-0000-0000-0000-000000000000}\\');
    assert.equal(volumeOf('\\\\?\\C:\\Windows'), 'C:\\');
  });

  it('finds the volume of POSIX paths', () => {
    assert.equal(volumeOf('/tmp/x/Windows/Cluster/CLUSDB'), '/');
    assert.equal(volumeOf('/'), '/');
  });

  it('refuses relative paths', () => {
    assert.throws(() => volumeOf('Windows\\Cluster'), /Not an absolute path/);
    assert.throws(() => volumeOf('C:relative'), /Not an absolute path/);
    assert.throws(() => volumeOf('a/b'), /Not an absolute path/);
  });

  it('gives the path relative to its volume in its own separators', () => {
    assert.equal(relativeToVolume('C:\\Windows\\Cluster\\CLUSDB'), 'Windows\\Cluster\\CLUSDB');
    assert.equal(relativeToVolume('C:\\Windows\\\\Cluster\\'), 'Windows\\Cluster');
    assert.equal(relativeToVolume('/tmp//x/Windows/'), 'tmp/x/Windows');
    assert.equal(relativeToVolume('\\\\srv\\share\\a\\b'), 'a\\b');
    assert.equal(relativeToVolume('C:\\'), '');
  });

  it('builds the snapshot path as device + separator + relative path', () => {
    assert.equal(
      snapshotPath('\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3', 'C:\\Windows\\Cluster\\CLUSDB'),
      '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\Windows\\Cluster\\CLUSDB');
    assert.equal(snapshotPath('/tmp/s/snapshots/1', '/tmp/s/Windows/Cluster/CLUSDB'), '/tmp/s/snapshots/1/tmp/s/Windows/Cluster/CLUSDB');
    assert.equal(snapshotPath('/tmp/s/snapshots/1/', '/a'), '/tmp/s/snapshots/1/a');
    assert.equal(snapshotPath('C:\\snap\\1', 'C:\\Windows\\Cluster\\CLUSDB'), 'C:\\snap\\1\\Windows\\Cluster\\CLUSDB');
    assert.equal(snapshotPath('\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3', 'C:\\'), '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\');
  });

  it('tells the path style and whether a path is absolute', () => {
    assert.equal(pathStyle('C:\\x'), 'windows');
    assert.equal(pathStyle('\\\\srv\\share'), 'windows');
    assert.equal(pathStyle('/tmp/x'), 'posix');
    assert.ok(isAbsolutePath('C:\\x') && isAbsolutePath('/x') && isAbsolutePath('\\\\srv\\s'));
    assert.ok(!isAbsolutePath('x/y') && !isAbsolutePath('C:x') && !isAbsolutePath(''));
  });

  it('joins paths in a given style', () => {
    assert.equal(joinPath('windows', 'C:\\', 'Windows', 'Cluster'), 'C:\\Windows\\Cluster');
    assert.equal(joinPath('windows', 'C:\\Windows\\', '\\Cluster'), 'C:\\Windows\\Cluster');
    assert.equal(joinPath('posix', '/', 'tmp', 'x'), '/tmp/x');
    assert.equal(joinPath('posix', '/tmp/', '/x'), '/tmp/x');
  });
});

describe('paths: %VAR% expansion and filespecs', () => {
  it('expands variables case-insensitively and leaves unknown ones', () => {
    const env = { SystemRoot: 'C:\\Windows', windir: 'C:\\Windows' };
    assert.equal(expandEnvironmentVariables('%SystemRoot%\\Cluster', env), 'C:\\Windows\\Cluster');
    assert.equal(expandEnvironmentVariables('%SYSTEMROOT%\\Cluster', env), 'C:\\Windows\\Cluster');
    assert.equal(expandEnvironmentVariables('%windir%\\%NOPE%\\x', env), 'C:\\Windows\\%NOPE%\\x');
    assert.equal(expandEnvironmentVariables('50% off', env), '50% off');
    assert.equal(expandEnvironmentVariables('/tmp/x', env), '/tmp/x');
  });

  it('matches * and ? case-insensitively, *.* matching everything', () => {
    assert.ok(matchesFilespec('CLUSDB', 'CLUSDB'));
    assert.ok(matchesFilespec('clusdb', 'CLUSDB'));
    assert.ok(matchesFilespec('CLUSDB.blf', 'CLUSDB*'));
    assert.ok(matchesFilespec('CLUSDB{a1}.TM.blf', 'CLUSDB*.blf'));
    assert.ok(!matchesFilespec('CLUSDB.blf', 'CLUSDB'));
    assert.ok(matchesFilespec('a.b', 'a?b'));
    assert.ok(!matchesFilespec('ab', 'a?b'));
    assert.ok(matchesFilespec('noext', '*.*'));
    assert.ok(matchesFilespec('x.y', '*'));
    assert.ok(matchesFilespec('a+b(1).[x]', 'a+b(1).[x]'), 'regex characters are literal');
    assert.ok(!matchesFilespec('aXb', 'a.b'), 'a dot is literal');
    assert.ok(matchesFilespec('Кластер.db', 'кластер.*'), 'Unicode case-insensitive');
  });
});

describe('paths: set names and relative paths inside a set', () => {
  it('keeps Unicode and replaces characters Windows forbids', () => {
    assert.equal(sanitizeName('КЛАСТЕР-1'), 'КЛАСТЕР-1');
    assert.equal(sanitizeName('クラスタ🚀'), 'クラスタ🚀');
    assert.equal(sanitizeName('a<b>c:d"e/f\\g|h?i*j'), 'a_b_c_d_e_f_g_h_i_j');
    assert.equal(sanitizeName('name. '), 'name');
    assert.equal(sanitizeName('CON'), '_CON');
    assert.equal(sanitizeName('lpt1.txt'), '_lpt1.txt');
    assert.equal(sanitizeName(''), '_');
    assert.equal(sanitizeName('..'), '_');
  });

  it('shortens long names deterministically, keeping distinct names distinct', () => {
    const long1 = 'C'.repeat(300);
    const long2 = 'C'.repeat(299) + 'D';
    const a = sanitizeName(long1, 80);
    assert.equal(a, sanitizeName(long1, 80));
    assert.ok([...a].length <= 80, a);
    assert.match(a, /~[0-9a-f]{8}$/);
    assert.notEqual(a, sanitizeName(long2, 80));
    const emoji = sanitizeName('🚀'.repeat(100), 40);
    assert.ok([...emoji].length <= 40);
    assert.ok(!/[\ud800-\udbff]~/.test(emoji), 'no lone surrogate before the hash');
    assert.ok(Buffer.byteLength(sanitizeName('界'.repeat(200), 80), 'utf8') <= 240);
  });

  it('formats UTC stamps that sort by time', () => {
    assert.equal(compactUtcStamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))), '20240102T030405Z');
  });

  it('accepts safe relative paths and names what is unsafe in the others', () => {
    assert.equal(unsafeRelativePathReason('files/Cluster Database/CLUSDB'), null);
    assert.equal(unsafeRelativePathReason('files/КЛАСТЕР/データ.blf'), null);
    assert.match(unsafeRelativePathReason('files/../../etc/passwd')!, /\.\./);
    assert.match(unsafeRelativePathReason('/etc/passwd')!, /absolute/);
    assert.match(unsafeRelativePathReason('C:/Windows/x')!, /absolute/);
    assert.match(unsafeRelativePathReason('files\\x')!, /backslash/);
    assert.match(unsafeRelativePathReason('files//x')!, /empty/);
    assert.match(unsafeRelativePathReason('files/./x')!, /empty or "\."/);
    assert.match(unsafeRelativePathReason('files/x:stream')!, /colon/);
    assert.match(unsafeRelativePathReason('files/x\u0000')!, /control/);
    assert.match(unsafeRelativePathReason('')!, /empty/);
  });
});
