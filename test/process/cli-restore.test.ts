/**
 * fcbackup restore (Linux only): as a child process without a terminal (refused
 * without --yes, exit 2, nothing changed), with --yes and --json (the RestoreResult
 * on stdout, the plan on stderr), the refusals as one-line errors, and — through
 * runCli with a scripted terminal — the plan, the confirmation questions (including
 * the one about stopping the other nodes) and a declined confirmation.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/types';
import type { ClusterStatus, RecoverResult, RestoreResult } from '../../src/protocol';
import { assertNoLeaks, projectRoot, simulatorLibraryPath, useScenario } from '../support/sim';
import {
  assertSameFiles, liveFiles, prepareRestore, restoreArtifacts, serviceStates, type RestoreFixture,
} from '../engine/restore-fixture';
import { copyTree } from '../support/files';

const cli = path.join(projectRoot, 'out', 'src', 'cli', 'main.js');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('fcbackup restore', function () {
  this.timeout(180_000);
  let lockFolder: string;
  const fixtures: RestoreFixture[] = [];
  const savedLockDir = process.env.FCBACKUP_LOCK_DIR;

  async function prepare(...args: Parameters<typeof prepareRestore>): Promise<RestoreFixture> {
    const f = await prepareRestore(...args);
    fixtures.push(f);
    return f;
  }

  function env(): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = { ...process.env, FCBACKUP_SIMULATOR_LIBRARY: simulatorLibraryPath(), FCBACKUP_LOCK_DIR: lockFolder };
    delete e.FCBACKUP_SIMULATE;
    return e;
  }

  /** The CLI as a child process; stdin is not a terminal. */
  function run(args: string[]): CliRun {
    const r = spawnSync(process.execPath, [cli, ...args], { env: env(), encoding: 'utf8', timeout: 120_000, stdio: ['pipe', 'pipe', 'pipe'] });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function oneErrorLine(r: CliRun): string {
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('fcbackup: '));
    assert.equal(lines.length, 1, `one error line expected:\n${r.stderr}`);
    return lines[0];
  }

  function assertUnchanged(f: RestoreFixture): void {
    useScenario(f.scenario.path);
    assertSameFiles(liveFiles(f.clusDb), f.before, 'nothing was changed');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), Object.fromEntries(f.nodes.map((n) => [n, 'running'])));
  }

  /** A terminal whose answers are scripted; records what was printed and asked. */
  function terminal(answers: boolean[]): CliIo & { out: string[]; err: string[]; questions: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const questions: string[] = [];
    return {
      out, err, questions,
      stdout: (t) => void out.push(t),
      stderr: (t) => void err.push(t),
      isTTY: true,
      async confirm(q) {
        questions.push(q);
        return answers.shift() ?? false;
      },
    };
  }

  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-restore-lock-'));
    process.env.FCBACKUP_LOCK_DIR = lockFolder;
  });
  after(() => {
    if (savedLockDir === undefined) delete process.env.FCBACKUP_LOCK_DIR;
    else process.env.FCBACKUP_LOCK_DIR = savedLockDir;
    assertNoLeaks();
    for (const f of fixtures) f.scenario.cleanup();
    fs.rmSync(lockFolder, { recursive: true, force: true });
  });

  it('refuses without --yes when stdin is not a terminal: exit 2, a clear message, nothing changed', async () => {
    const f = await prepare({}, { lockFolder });
    const r = run(['restore', f.setPath, '--simulate', f.scenario.path]);
    assert.equal(r.status, 2);
    assert.match(oneErrorLine(r), /must be confirmed: run it on a terminal .* or add --yes .* Nothing was changed\./);
    assert.equal(r.stdout, '');
    assertUnchanged(f);
  });

  it('--yes --json: restores and prints the RestoreResult (the plan goes to stderr)', async () => {
    const f = await prepare({}, { lockFolder });
    const r = run(['restore', f.setPath, '--yes', '--json', '--simulate', f.scenario.path]);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as RestoreResult & { schemaVersion: number };
    assert.equal(result.schemaVersion, 1, 'every --json document carries its schemaVersion (src/cli/output.ts)');
    assert.equal(result.set, f.setPath);
    assert.equal(result.authoritative, false);
    assert.deepEqual(result.nodes.map((n) => [n.name, n.state, n.isLocal]), [['NODE1', 'up', true]]);
    assert.match(r.stderr, /Node restore \(this node only\) of .* on NODE1, cluster CLUSTER1:/);
    useScenario(f.scenario.path);
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored');
  });

  it('--authoritative without --stop-other-nodes is refused while other nodes run (exit 1, one line naming them)', async () => {
    const f = await prepare({}, { lockFolder });
    const r = run(['restore', f.setPath, '--authoritative', '--yes', '--simulate', f.scenario.path]);
    assert.equal(r.status, 1);
    assert.match(oneErrorLine(r), /^fcbackup: The cluster service is running on NODE2, NODE3\. .*Nothing was changed\.$/);
    assertUnchanged(f);
  });

  it('--authoritative --stop-other-nodes --yes: rolls the cluster back and lists every node', async () => {
    const f = await prepare({}, { lockFolder });
    const r = run(['restore', f.setPath, '--authoritative', '--stop-other-nodes', '--yes', '--simulate', f.scenario.path]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Authoritative restore \(the whole cluster goes back to this configuration\) of /m);
    assert.match(r.stdout, /^ {2}\d+\. Stop the cluster service on NODE2, NODE3\.$/m);
    assert.match(r.stdout, /^Authoritative restore of .* complete: observed in effect\.\nNode states as the cluster reports them:$/m);
    for (const n of ['NODE1 (this node): up', 'NODE2: up', 'NODE3: up', 'NODE4: up']) assert.ok(r.stdout.includes(`  ${n}`), r.stdout);
    useScenario(f.scenario.path);
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored');
  });

  it('usage errors and a damaged set', async () => {
    const f = await prepare({}, { lockFolder });
    let r = run(['restore', '--yes', '--simulate', f.scenario.path]);
    assert.equal(r.status, 2);
    assert.match(oneErrorLine(r), /exactly one backup set folder/);
    r = run(['restore', f.setPath, '--stop-other-nodes', '--yes', '--simulate', f.scenario.path]);
    assert.equal(r.status, 2);
    assert.match(oneErrorLine(r), /--stop-other-nodes applies only to an authoritative restore/);
    const damaged = path.join(f.scenario.dir, 'damaged');
    copyTree(f.setPath, damaged);
    fs.appendFileSync(path.join(damaged, 'files', 'Cluster Database', 'CLUSDB'), 'x');
    r = run(['restore', damaged, '--yes', '--simulate', f.scenario.path]);
    assert.equal(r.status, 1);
    assert.match(oneErrorLine(r), /failed validation; nothing was changed: .*CLUSDB: size check failed/);
    assertUnchanged(f);
  });

  it('on a terminal: prints the plan, asks before stopping the other nodes, then before restoring', async () => {
    const f = await prepare({}, { lockFolder });
    const io = terminal([true, true]);
    const code = await runCli(['restore', f.setPath, '--authoritative', '--simulate', f.scenario.path], { io, env: env() });
    assert.equal(code, 0, io.err.join('\n'));
    assert.deepEqual(io.questions, [
      'The cluster service runs on NODE2, NODE3. Stop it there for the authoritative restore?',
      `Roll the whole cluster back to ${path.basename(f.setPath)}?`,
    ]);
    assert.ok(io.out.some((l) => /^ {2}1\. Verify the backup set/.test(l)), io.out.join('\n'));
    assert.ok(io.out.some((l) => /complete/.test(l)));
    useScenario(f.scenario.path);
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored');
  });

  it('on a terminal: asks nothing when the plan is refused (a node cannot be queried), exit 1', async () => {
    const f = await prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', reachable: false }] },
      { lockFolder, liveMembers: ['NODE1', 'NODE2', 'NODE3'] });
    const io = terminal([true, true]);
    assert.equal(await runCli(['restore', f.setPath, '--authoritative', '--simulate', f.scenario.path], { io, env: env() }), 1);
    assert.deepEqual(io.questions, []);
    assert.match(io.err.join('\n'), /^fcbackup: An authoritative restore needs the cluster service stopped on every other node, but it cannot be queried on NODE3 \(.*\)\. Make the node reachable \(or evict it\) and try again\. Nothing was changed\.$/m);
    useScenario(f.scenario.path);
    assertSameFiles(liveFiles(f.clusDb), f.before, 'nothing was changed');
  });

  it('on a terminal: a declined confirmation changes nothing (exit 130)', async () => {
    const f = await prepare({}, { lockFolder });
    const io = terminal([false]);
    const code = await runCli(['restore', f.setPath, '--simulate', f.scenario.path], { io, env: env() });
    assert.equal(code, 130);
    assert.deepEqual(io.questions, [`Restore ${path.basename(f.setPath)} on NODE1?`]);
    assert.match(io.err.join('\n'), /restore not confirmed\. Nothing was changed\./);
    assertUnchanged(f);

    const refuseStop = terminal([false]);
    assert.equal(await runCli(['restore', f.setPath, '--authoritative', '--simulate', f.scenario.path], { io: refuseStop, env: env() }), 130);
    assert.match(refuseStop.err.join('\n'), /the other nodes keep running/);
    assertUnchanged(f);
  });

  it('an authoritative restore after which a node does not start again exits 1 and says the restore is not in effect (defect 12)', async () => {
    const f = await prepare({ faults: [{ function: 'StartServiceW', call: 4, code: 1058 }] }, { lockFolder, liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'] });
    const r = run(['restore', f.setPath, '--authoritative', '--stop-other-nodes', '--yes', '--json', '--simulate', f.scenario.path]);
    assert.equal(r.status, 1, r.stderr);
    const result = JSON.parse(r.stdout) as RestoreResult;
    assert.equal(result.outcome, 'notInEffect');
    assert.match(oneErrorLine(r), /^fcbackup: the restore is not in effect: ClusSvc on NODE4: StartServiceW failed: ERROR_SERVICE_DISABLED \(1058\)/);
  });

  it('after a restore was interrupted: status reports it, backup is refused (exit 1), recover rolls it back and says so (defect 7)', async () => {
    const f = await prepare({}, { lockFolder });
    const crashed = spawnSync(process.execPath, [cli, 'restore', f.setPath, '--yes', '--simulate', f.scenario.path],
      { env: { ...env(), FCBACKUP_RESTORE_CRASH_AT: 'replacing:1' }, encoding: 'utf8', timeout: 120_000 });
    assert.notEqual(crashed.status, 0, 'the engine died part-way');

    let r = run(['status', '--simulate', f.scenario.path]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /An interrupted node restore of .* stopped at "replacing": run "fcbackup recover" \(or Finish Interrupted Restore\) to roll it back\. Backups are refused until then\./);
    r = run(['status', '--json', '--simulate', f.scenario.path]);
    const status = JSON.parse(r.stdout) as ClusterStatus;
    assert.equal(status.pendingRestore?.phase, 'replacing');
    assert.equal(status.pendingRestore?.finish, 'rollBack');
    assert.equal(status.pendingRestore?.running, false);

    const destination = path.join(f.scenario.dir, 'after-crash');
    r = run(['backup', '--to', destination, '--simulate', f.scenario.path]);
    assert.equal(r.status, 1);
    assert.match(oneErrorLine(r), /interrupted at "replacing".*Run `fcbackup recover`.*Nothing was backed up\./);

    r = run(['recover', '--json', '--simulate', f.scenario.path]);
    assert.equal(r.status, 0, r.stderr);
    const recovered = JSON.parse(r.stdout) as RecoverResult;
    assert.equal(recovered.outcome, 'rolledBack');
    r = run(['recover', '--simulate', f.scenario.path]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /No interrupted restore: there was nothing to finish\./);
    assertUnchanged(f);
    r = run(['backup', '--to', destination, '--simulate', f.scenario.path]);
    assert.equal(r.status, 0, r.stderr);
  });
});
