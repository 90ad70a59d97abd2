/**
 * The CLI for administrators' tools (issue 15 §4–5) as child processes against the
 * simulator: every command's --json document starts with `schemaVersion`; `backup --reason`
 * is shown by list, show and verify and bad reasons exit 2 with nothing made; `backup
 * --copy-to` copies and verifies the set, and a failed copy exits 4 with the set kept here.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commands } from '../../src/cli/main';
import { ExitCode } from '../../src/cli/types';
import { makeTempScenario, type TempScenario } from '../support/scenario';
import { assertNoLeaks, projectRoot, simulatorLibraryPath } from '../support/sim';

const cli = path.join(projectRoot, 'out', 'src', 'cli', 'main.js');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface BackupJson {
  schemaVersion: number;
  path: string;
  reason: string | null;
  files: { path: string; originalPath: string }[];
  copy: { destination: string; path: string | null; error: string | null } | null;
}

describe('fcbackup for administrators\' tools: schemaVersion, --reason, --copy-to (process)', function () {
  this.timeout(120_000);
  const scenarios: TempScenario[] = [];
  let lockDir: string;

  function scenario(): TempScenario {
    const s = makeTempScenario({});
    scenarios.push(s);
    return s;
  }

  function run(s: TempScenario, args: string[]): CliRun {
    const env: NodeJS.ProcessEnv = { ...process.env, FCBACKUP_SIMULATOR_LIBRARY: simulatorLibraryPath(), FCBACKUP_LOCK_DIR: lockDir };
    delete env.FCBACKUP_SIMULATE;
    const r = spawnSync(process.execPath, [cli, ...args, '--simulate', s.path], { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function backup(s: TempScenario, args: string[]): BackupJson {
    const r = run(s, ['backup', ...args, '--json']);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as BackupJson;
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

  it('every command\'s --json document starts with schemaVersion 1', function () {
    this.timeout(300_000); // 14 runs, each starting an engine process
    const s = scenario();
    const dest = path.join(s.dir, 'backups');
    const first = backup(s, ['--to', dest, '--reason', 'schema check']);
    const second = backup(s, ['--to', dest]);
    const clusdb = first.files.find((f) => path.basename(f.originalPath).toUpperCase() === 'CLUSDB')!;
    // Each command with the arguments that make it print its document (restore: test/process/cli-restore.test.ts).
    const cases: Record<string, { args: string[]; exit: number }[]> = {
      status: [{ args: ['status'], exit: ExitCode.ok }],
      backup: [{ args: ['backup', '--to', dest], exit: ExitCode.ok }],
      list: [{ args: ['list', dest], exit: ExitCode.ok }, { args: ['list', dest, '--verify'], exit: ExitCode.ok }],
      verify: [{ args: ['verify', first.path], exit: ExitCode.ok }],
      show: [{ args: ['show', first.path], exit: ExitCode.ok }],
      hive: [{ args: ['hive', path.join(first.path, ...clusdb.path.split('/'))], exit: ExitCode.ok }],
      diff: [{ args: ['diff', first.path, second.path], exit: ExitCode.ok }, { args: ['diff', first.path, '--live'], exit: ExitCode.ok }],
      schedule: [{ args: ['schedule', '--show'], exit: ExitCode.ok }],
      recover: [{ args: ['recover'], exit: ExitCode.ok }],
      restore: [],
    };
    assert.deepEqual(Object.keys(cases).sort(), commands.map((c) => c.name).sort(), 'a new command needs its --json case here');
    for (const [name, runs] of Object.entries(cases)) {
      for (const c of runs) {
        const r = run(s, [...c.args, '--json']);
        assert.equal(r.status, c.exit, `${c.args.join(' ')}: ${r.stderr}`);
        const doc = JSON.parse(r.stdout) as Record<string, unknown>;
        assert.equal(Object.keys(doc)[0], 'schemaVersion', `${name}: ${r.stdout.slice(0, 200)}`);
        assert.equal(doc.schemaVersion, 1, name);
      }
    }
  });

  it('--reason is kept in the set and shown by list, show and verify (text and JSON)', function () {
    const s = scenario();
    const dest = path.join(s.dir, 'backups');
    const reason = 'Before the December CU — change 4711';
    const made = backup(s, ['--to', dest, '--reason', reason]);
    assert.equal(made.reason, reason);

    const list = run(s, ['list', dest]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^ {2}Reason: Before the December CU — change 4711$/m);
    const listJson = JSON.parse(run(s, ['list', dest, '--json']).stdout) as { folder: string; sets: { reason: string | null }[] };
    assert.equal(listJson.folder, dest);
    assert.deepEqual(listJson.sets.map((x) => x.reason), [reason]);

    assert.match(run(s, ['show', made.path]).stdout, /^Reason: Before the December CU — change 4711$/m);
    assert.equal((JSON.parse(run(s, ['show', made.path, '--json']).stdout) as { reason: string }).reason, reason);
    assert.match(run(s, ['verify', made.path]).stdout, /: intact \(.*\)\.\n {2}Reason: Before the December CU — change 4711$/m);
    assert.equal((JSON.parse(run(s, ['verify', made.path, '--json']).stdout) as { summary: { reason: string } }).summary.reason, reason);
  });

  it('a bad --reason exits 2 with one line and makes nothing', function () {
    const s = scenario();
    const dest = path.join(s.dir, 'never');
    const cases: [string, RegExp][] = [
      ['two\nlines', /--reason contains the control character U\+000A at position 4/],
      ['tab\there', /U\+0009/],
      ['esc\u001b[2J', /U\+001B/],
      ['', /--reason is empty/],
      ['x'.repeat(257), /--reason is 257 characters long; keep it to 256/],
    ];
    for (const [reason, message] of cases) {
      const r = run(s, ['backup', '--to', dest, '--reason', reason]);
      assert.equal(r.status, ExitCode.usage, `${JSON.stringify(reason)}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    }
    assert.equal(fs.existsSync(dest), false);
    assert.equal(run(s, ['backup', '--to', dest, '--reason', 'x'.repeat(256), '--json']).status, ExitCode.ok, 'exactly 256 characters is fine');
  });

  it('--copy-to copies and verifies the set; a failed copy exits 4 and keeps the set here', function () {
    const s = scenario();
    const dest = path.join(s.dir, 'backups');
    const share = path.join(s.dir, 'share');
    const ok = run(s, ['backup', '--to', dest, '--copy-to', share]);
    assert.equal(ok.status, ExitCode.ok, ok.stderr);
    const setPath = ok.stdout.trim();
    const copyPath = path.join(share, path.basename(setPath));
    assert.match(ok.stderr, new RegExp(`Copied to ${copyPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(verified\\)`));
    assert.equal(run(s, ['verify', copyPath]).status, ExitCode.ok);

    const blocker = path.join(s.dir, 'a-file');
    fs.writeFileSync(blocker, '');
    const failed = run(s, ['backup', '--to', dest, '--copy-to', path.join(blocker, 'sub'), '--json']);
    assert.equal(failed.status, ExitCode.copyFailed, failed.stderr);
    const doc = JSON.parse(failed.stdout) as BackupJson;
    assert.equal(doc.copy?.path, null);
    assert.match(doc.copy?.error ?? '', /a-file/);
    assert.match(failed.stderr, /^fcbackup: the backup set .* was made and is kept, but copying it to .* failed: /m);
    assert.equal(run(s, ['verify', doc.path]).status, ExitCode.ok, 'the set here is intact');

    const same = run(s, ['backup', '--to', dest, '--copy-to', `${dest}/`]);
    assert.equal(same.status, ExitCode.usage);
    assert.match(same.stderr, /--copy-to .* is the --to folder itself/);
    const file = run(s, ['backup', '--to', dest, '--copy-to', blocker]);
    assert.equal(file.status, ExitCode.usage);
    assert.match(file.stderr, /--copy-to .* is a file, not a folder/);
  });
});
