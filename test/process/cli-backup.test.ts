/**
 * fcbackup backup / list / verify as child processes against the simulator (Linux
 * only): the new set's path (or JSON with path and files), listing newest first, and
 * verify's exit code — 0 only for an intact set, 1 with every problem printed otherwise.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTempScenario, type ScenarioSpec, type TempScenario } from '../support/scenario';
import { assertNoLeaks, projectRoot, simulatorLibraryPath } from '../support/sim';

const cli = path.join(projectRoot, 'out', 'src', 'cli', 'main.js');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('fcbackup backup, list, verify (process)', function () {
  this.timeout(60_000);
  const scenarios: TempScenario[] = [];
  let lockDir: string;

  function scenario(spec: ScenarioSpec = {}): TempScenario {
    const s = makeTempScenario(spec);
    scenarios.push(s);
    return s;
  }

  function run(args: string[]): CliRun {
    const env: NodeJS.ProcessEnv = { ...process.env, FCBACKUP_SIMULATOR_LIBRARY: simulatorLibraryPath(), FCBACKUP_LOCK_DIR: lockDir };
    delete env.FCBACKUP_SIMULATE;
    const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  before(() => {
    assert.ok(fs.existsSync(cli), `${cli} is missing: run "npx tsc -p ." first`);
    lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-cli-lock-'));
  });
  after(() => {
    for (const s of scenarios) s.cleanup();
    fs.rmSync(lockDir, { recursive: true, force: true });
    assertNoLeaks();
  });

  it('backup --json prints the set and its files; list and verify agree; damage makes verify exit 1', () => {
    const s = scenario();
    const dest = path.join(s.dir, 'backups');
    const backup = run(['backup', '--to', dest, '--json', '--simulate', s.path]);
    assert.equal(backup.status, 0, backup.stderr);
    const result = JSON.parse(backup.stdout) as { path: string; kind: string; files: { path: string; size: number; sha256: string; originalPath: string }[] };
    assert.equal(path.dirname(result.path), dest);
    assert.equal(result.kind, 'vss-cluster-writer');
    assert.ok(result.files.length >= 2);
    for (const f of result.files) {
      const bytes = fs.readFileSync(path.join(result.path, ...f.path.split('/')));
      assert.equal(bytes.length, f.size);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256);
    }

    const list = run(['list', dest, '--json', '--simulate', s.path]);
    assert.equal(list.status, 0, list.stderr);
    const { sets } = JSON.parse(list.stdout) as { sets: { path: string; cluster: string; verified: boolean | null }[] };
    assert.deepEqual(sets.map((x) => [x.path, x.cluster]), [[result.path, 'CLUSTER1']]);

    const verify = run(['verify', result.path, '--simulate', s.path]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /: intact \(vss-cluster-writer, cluster CLUSTER1, node NODE1, /);

    const victim = path.join(result.path, ...result.files[0].path.split('/'));
    const bytes = fs.readFileSync(victim);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(victim, bytes);
    fs.writeFileSync(path.join(result.path, 'files', 'stray.bin'), 'x');
    const bad = run(['verify', result.path, '--simulate', s.path]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /2 problems:/);
    assert.match(bad.stdout, new RegExp(`^ {2}${result.files[0].path}: SHA-256 check failed`, 'm'));
    assert.match(bad.stdout, /^ {2}files\/stray\.bin: extra file not listed in the manifest$/m);
    assert.match(bad.stderr, /^fcbackup: the backup set .* failed verification \(2 problems\)\.\n$/);

    const badJson = run(['verify', result.path, '--json', '--simulate', s.path]);
    assert.equal(badJson.status, 1);
    assert.equal((JSON.parse(badJson.stdout) as { ok: boolean; problems: string[] }).problems.length, 2);

    const listVerified = run(['list', dest, '--verify', '--simulate', s.path]);
    assert.equal(listVerified.status, 1, 'a set that fails verification makes list --verify exit 1');
    assert.match(listVerified.stdout, /INVALID \(2 problems\)/);
    assert.match(listVerified.stdout, /^ {4}files\/stray\.bin: extra file not listed in the manifest$/m);
    assert.equal(listVerified.stderr, `fcbackup: 1 backup set of 1 in ${dest} has problems.\n`);
  });

  it('backup prints the new set\'s path and applies --keep', () => {
    const s = scenario();
    const dest = path.join(s.dir, 'backups');
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = run(['backup', '--to', dest, '--keep', '2', '--simulate', s.path]);
      assert.equal(r.status, 0, r.stderr);
      const printed = r.stdout.trim();
      assert.ok(fs.existsSync(printed), printed);
      paths.push(printed);
    }
    assert.equal(new Set(paths).size, 3);
    assert.deepEqual(fs.readdirSync(dest).sort(), paths.slice(1).map((p) => path.basename(p)).sort());
  });

  it('backup refuses clearly: no --to, a bad --keep, not elevated, the writer absent', () => {
    const s = scenario();
    const noTo = run(['backup', '--simulate', s.path]);
    assert.equal(noTo.status, 2);
    assert.match(noTo.stderr, /^fcbackup: backup needs --to DIR/);
    const badKeep = run(['backup', '--to', path.join(s.dir, 'b'), '--keep', 'many', '--simulate', s.path]);
    assert.equal(badKeep.status, 2);
    assert.match(badKeep.stderr, /--keep needs a whole number/);

    const notElevated = scenario({ elevated: false });
    const ne = run(['backup', '--to', path.join(notElevated.dir, 'b'), '--simulate', notElevated.path]);
    assert.equal(ne.status, 1);
    assert.match(ne.stderr, /fcbackup: Backing up the cluster configuration needs administrator rights.*Run VS Code \(or the fcbackup command\) as administrator/);
    assert.ok(!fs.existsSync(path.join(notElevated.dir, 'b')));

    const noWriter = scenario({ writer: { present: false } });
    const nw = run(['backup', '--to', path.join(noWriter.dir, 'b'), '--json', '--simulate', noWriter.path]);
    assert.equal(nw.status, 1);
    assert.equal(nw.stdout, '');
    assert.match(nw.stderr, /Cluster Database VSS writer .* is not running; check `vssadmin list writers`/);
  });

  it('list of an empty or missing folder, and verify of a folder that is not a set', () => {
    const s = scenario();
    fs.mkdirSync(path.join(s.dir, 'empty'));
    const empty = run(['list', path.join(s.dir, 'empty'), '--simulate', s.path]);
    assert.equal(empty.status, 0, empty.stderr);
    assert.equal(empty.stdout.trim(), 'No backup sets.');
    const missing = run(['list', path.join(s.dir, 'nothing-here'), '--simulate', s.path]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, '');
    assert.equal(missing.stderr, `fcbackup: The backup folder ${path.join(s.dir, 'nothing-here')} does not exist.\n`);
    const notSet = run(['verify', s.dir, '--simulate', s.path]);
    assert.equal(notSet.status, 1);
    assert.match(notSet.stdout, /manifest\.json: missing/);
    const usage = run(['verify', '--simulate', s.path]);
    assert.equal(usage.status, 2);
  });

  it('backup refuses a --to that is a file or holds control characters (exit 2), and nothing is written', () => {
    const s = scenario();
    const file = path.join(s.dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const isFile = run(['backup', '--to', file, '--simulate', s.path]);
    assert.equal(isFile.status, 2);
    assert.equal(isFile.stderr, `fcbackup: --to ${file} is a file, not a folder; give the folder that holds (or will hold) the backup sets.\n`);
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
    for (const bad of ['back\u001b[2Jups', 'back\nups', 'back\u0085ups']) {
      const r = run(['backup', '--to', path.join(s.dir, bad), '--simulate', s.path]);
      assert.equal(r.status, 2, JSON.stringify(bad));
      assert.match(r.stderr, /^fcbackup: --to ".*<U\+00(1B|0A|85)>.*" contains control characters; give the folder's name without them\.\n$/);
    }
    assert.deepEqual(fs.readdirSync(s.dir).filter((n) => n.startsWith('back')), []);
  });

  it('backup exits 1 with the set printed when retention reports a problem (a set dated in the future)', () => {
    const s = scenario();
    const dest = path.join(s.dir, 'backups');
    const first = run(['backup', '--to', dest, '--simulate', s.path]);
    assert.equal(first.status, 0, first.stderr);
    // The same set, renamed as if a machine with a wrong clock had made it in 2099.
    const future = path.join(dest, 'CLUSTER1_NODE1_20990101T000000Z');
    fs.renameSync(first.stdout.trim(), future);
    const second = run(['backup', '--to', dest, '--keep', '1', '--simulate', s.path]);
    assert.equal(second.status, 1);
    assert.ok(fs.existsSync(second.stdout.trim()), 'the new set is printed and kept');
    assert.ok(fs.existsSync(future), 'the future-dated set is left in place');
    const lines = second.stderr.trim().split('\n');
    assert.match(lines[0], /^Warning: .*CLUSTER1_NODE1_20990101T000000Z is dated 2099-01-01T00:00:00\.000Z, in the future of this machine's clock/);
    assert.match(lines[1], /^fcbackup: the backup set .* was made, but retention \(--keep 1\) could not do all it should \(1 problem\(s\) above\)\.$/);
  });

  it('verify without --cluster checks the set against the local cluster when there is one', () => {
    const s = scenario();
    const dest = path.join(s.dir, 'backups');
    const made = run(['backup', '--to', dest, '--simulate', s.path]);
    assert.equal(made.status, 0, made.stderr);
    const same = run(['verify', made.stdout.trim(), '--json', '--simulate', s.path]);
    assert.equal(same.status, 0, same.stderr);
    assert.equal((JSON.parse(same.stdout) as { checkedCluster: string }).checkedCluster, 'CLUSTER1');
    const elsewhere = scenario({ cluster: { name: 'CLUSTER7' } });
    const other = run(['verify', made.stdout.trim(), '--simulate', elsewhere.path]);
    assert.equal(other.status, 1);
    assert.match(other.stdout, /cluster check failed — the set was made on cluster CLUSTER1, not CLUSTER7/);
  });
});
