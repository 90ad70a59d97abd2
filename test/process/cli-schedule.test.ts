/**
 * fcbackup schedule as a child process against the simulator (Linux only): register a
 * daily and a weekly task, show it (text and JSON), remove it; usage errors exit 2 and
 * register nothing; the task starts this CLI with the node that ran it; and the engine
 * process reports no leak after the schedule requests.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { Requests, type ScheduleStatus } from '../../src/protocol';
import { TestRequests } from '../../src/testProtocol';
import { makeTempScenario, type TempScenario } from '../support/scenario';
import { assertNoLeaks, projectRoot, simulatorLibraryPath } from '../support/sim';

const cli = path.join(projectRoot, 'out', 'src', 'cli', 'main.js');

describe('fcbackup schedule (process)', function () {
  this.timeout(60_000);
  const scenarios: TempScenario[] = [];

  function scenario(): TempScenario {
    const s = makeTempScenario({});
    scenarios.push(s);
    return s;
  }

  function run(s: TempScenario, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const env: NodeJS.ProcessEnv = { ...process.env, FCBACKUP_SIMULATOR_LIBRARY: simulatorLibraryPath() };
    delete env.FCBACKUP_SIMULATE;
    const r = spawnSync(process.execPath, [cli, 'schedule', ...args, '--simulate', s.path], { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  before(() => assert.ok(fs.existsSync(cli), `${cli} is missing: run "npx tsc -p ." first`));
  after(() => {
    for (const s of scenarios) s.cleanup();
    assertNoLeaks();
  });

  it('registers a daily task, shows it as JSON and text, and removes it', function () {
    const s = scenario();
    const dest = path.join(s.dir, 'Backups & more');
    const set = run(s, ['--daily', '2:30', '--to', dest, '--keep', '5']);
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout, /daily at 02:30 \(ready\)/);

    const shown = run(s, ['--show', '--json']);
    assert.equal(shown.status, 0, shown.stderr);
    const status = JSON.parse(shown.stdout) as Extract<ScheduleStatus, { registered: true }>;
    assert.equal(status.registered, true);
    assert.deepEqual(status.trigger, { kind: 'daily', time: '02:30' });
    assert.equal(status.destination, dest);
    assert.equal(status.keep, 5);
    assert.equal(status.program, process.execPath);
    assert.equal(status.userId, 'S-1-5-18');
    assert.equal(status.runLevel, 'HighestAvailable');
    assert.equal(status.lastRunTime, null);
    assert.ok(status.nextRunTime && new Date(status.nextRunTime).getHours() === 2);

    const text = run(s, ['--show']);
    assert.match(text.stdout, /Last run: never/);
    assert.match(text.stdout, /Next run: /);

    const removed = run(s, ['--remove']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, /Removed the scheduled backup/);
    const again = run(s, ['--remove']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /There was no scheduled backup/);
    assert.match(run(s, ['--show']).stdout, /No scheduled backup/);
  });

  it('--copy-to: the task runs backup --copy-to DIR (read back from the registered task XML)', function () {
    const s = scenario();
    const dest = path.join(s.dir, 'b');
    const copy = path.join(s.dir, 'share with space', 'cluster "A"');
    const r = run(s, ['--weekly', 'sat', '21:00', '--to', dest, '--keep', '3', '--copy-to', copy]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Backs up into .*, keeping the newest 3, and copies to .*share with space/);
    const status = JSON.parse(run(s, ['--show', '--json']).stdout) as Extract<ScheduleStatus, { registered: true }>;
    assert.equal(status.copyTo, copy);
    assert.equal(status.destination, dest);
    assert.equal(status.keep, 3);
    // The same command line the task runs is one the backup command takes.
    const same = run(s, ['--daily', '01:00', '--to', dest, '--copy-to', `${dest}/`]);
    assert.equal(same.status, 2);
    assert.match(same.stderr, /--copy-to is the --to folder itself/);
  });

  it('usage errors exit 2 with one line and register nothing', function () {
    const s = scenario();
    const cases: [string[], RegExp][] = [
      [['--daily', '25:00', '--to', 'x'], /not a time of day/],
      [['--weekly', 'Funday', '01:00', '--to', 'x'], /not a day of the week/],
      [['--weekly', 'Monday', '--to', 'x'], /--weekly needs a day and a time/],
      [['--daily', '01:00'], /--to DIR is needed/],
      [['--daily', '01:00', '--weekly', 'Mon', '--to', 'x'], /cannot be used together/],
      [['--remove', '--to', 'x'], /--to belongs to --daily\/--weekly/],
      [['--daily', '01:00', '--to', 'x', '--keep', 'many'], /--keep needs a whole number/],
      [[], /say what to do/],
    ];
    for (const [args, message] of cases) {
      const r = run(s, args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.match(run(s, ['--show']).stdout, /No scheduled backup/);
  });

  it('the engine process holds no COM reference or string after the schedule requests', async function () {
    const s = scenario();
    const client = await EngineClient.start({ native: { kind: 'simulator', library: simulatorLibraryPath(), scenario: s.path }, logLevel: 'warn' });
    try {
      await client.request(Requests.setSchedule, {
        trigger: { kind: 'weekly', day: 'Monday', time: '04:00' }, destination: path.join(s.dir, 'b'),
        launcher: { program: process.execPath, script: cli },
      });
      assert.equal((await client.request(Requests.showSchedule, {})).registered, true);
      await assert.rejects(client.request(Requests.setSchedule, {
        trigger: { kind: 'daily', time: 'noon' }, destination: 'x', launcher: { program: process.execPath, script: cli },
      }), /not a time of day/);
      assert.deepEqual(await client.request(Requests.removeSchedule, {}), { removed: true, taskPath: '\\Failover Cluster Backup\\Backup' });
      const report = await client.request(TestRequests.leakReport, {});
      assert.equal(report.comRefs + report.bstrs + report.coTaskMem, 0, JSON.stringify(report));
    } finally {
      client.dispose();
    }
  });
});
