/**
 * `fcbackup verify` of a damaged set writes the Event Log's "verify failed" (200), as the
 * engine's own verify does (issue 15 §2), although the CLI verifies the set in its own
 * process: where this machine has an Event Log (here the simulator) it asks the engine
 * process to write the event. With --verbose the engine's log is printed, and it says
 * "Event 200 written" only after ReportEventW returned. An intact set writes nothing and,
 * with --cluster, starts no engine at all. (Without a simulator or Windows there is no
 * Event Log: test/process/cli-local.test.ts checks that such a verify never loads koffi.)
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode } from '../../src/cli/types';
import { makeTempScenario, type TempScenario } from '../support/scenario';
import { assertNoLeaks, projectRoot, simulatorLibraryPath } from '../support/sim';

const cli = path.join(projectRoot, 'out', 'src', 'cli', 'main.js');
const EVENT_200_WRITTEN = '[debug] Event 200 written to the Application log.';

describe('fcbackup verify writes "verify failed" (200) to the Event Log (process)', function () {
  this.timeout(120_000);
  let s: TempScenario;
  let lockDir: string;
  let setPath: string;

  function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const env: NodeJS.ProcessEnv = { ...process.env, FCBACKUP_SIMULATOR_LIBRARY: simulatorLibraryPath(), FCBACKUP_LOCK_DIR: lockDir };
    delete env.FCBACKUP_SIMULATE;
    const r = spawnSync(process.execPath, [cli, ...args, '--simulate', s.path], { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  before(() => {
    assert.ok(fs.existsSync(cli), `${cli} is missing: run "npx tsc -p ." first`);
    lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-cli-lock-'));
    s = makeTempScenario({});
    const made = run(['backup', '--to', path.join(s.dir, 'backups'), '--json']);
    assert.equal(made.status, ExitCode.ok, made.stderr);
    setPath = (JSON.parse(made.stdout) as { path: string }).path;
  });
  after(() => {
    s.cleanup();
    fs.rmSync(lockDir, { recursive: true, force: true });
    assertNoLeaks();
  });

  it('an intact set writes no event; with --cluster no engine process is started', () => {
    const intact = run(['verify', setPath, '--cluster', 'CLUSTER1', '--verbose']);
    assert.equal(intact.status, ExitCode.ok, intact.stderr);
    assert.equal(intact.stderr, '', 'nothing from an engine process');
  });

  it('a damaged set: exit 1, and the engine writes event 200 — with --cluster, and when checked against this machine\'s cluster', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(setPath, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    fs.appendFileSync(path.join(setPath, ...manifest.files[0]!.path.split('/')), 'tampered');
    for (const args of [['--cluster', 'CLUSTER1'], []]) {
      const damaged = run(['verify', setPath, ...args, '--verbose']);
      assert.equal(damaged.status, ExitCode.failed, damaged.stderr);
      assert.match(damaged.stdout, /1 problem:/);
      const lines = damaged.stderr.split('\n');
      assert.ok(lines.includes(EVENT_200_WRITTEN), `no "${EVENT_200_WRITTEN}" (args ${JSON.stringify(args)}) in:\n${damaged.stderr}`);
      assert.doesNotMatch(damaged.stderr, /could not be written/);
      assert.match(damaged.stderr, /fcbackup: the backup set .* failed verification \(1 problem\)\./);
    }
  });
});
