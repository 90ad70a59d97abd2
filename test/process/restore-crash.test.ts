/**
 * A restore whose process dies at each step (Linux only): the engine process killed
 * right after each journal phase reached the disk (FCBACKUP_RESTORE_CRASH_AT), and a
 * restore process aborted inside a Win32/VSS call (simulator fault in "crash" mode).
 * The next run finds the journal and either rolls the node back (before the cluster
 * service ran here on the restored files) or completes the restore (after) — the live
 * ClusDb is then wholly the old or wholly the restored configuration, never a mix, no
 * staged file is left beside it, and every service stopped for the restore runs again.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, EngineRequestError } from '../../src/client/engineClient';
import { recoverInterruptedRestore } from '../../src/engine/restore';
import { Requests } from '../../src/protocol';
import { TestRequests } from '../../src/testProtocol';
import { recordingContext } from '../support/context';
import { assertNoLeaks, projectRoot, simulatorLibraryPath, useScenario } from '../support/sim';
import {
  assertRestored, assertSameFiles, liveFiles, prepareRestore, restoreArtifacts, serviceStates, type RestoreFixture,
} from '../engine/restore-fixture';

const childScript = path.join(projectRoot, 'out', 'test', 'process', 'restore-crash-child.js');
const journalName = 'ClusterRestoreJournal.json';

describe('restore interrupted by a crash (engine process)', function () {
  this.timeout(300_000);
  let lockFolder: string;
  const fixtures: RestoreFixture[] = [];
  const savedEnv = { crashAt: process.env.FCBACKUP_RESTORE_CRASH_AT, lockDir: process.env.FCBACKUP_LOCK_DIR };

  async function prepare(): Promise<RestoreFixture> {
    const f = await prepareRestore({ servicePendingPolls: 1 }, { lockFolder });
    fixtures.push(f);
    return f;
  }

  /** Runs the restore in the engine process, which dies right after `phase` is on disk. */
  async function crashEngineAt(f: RestoreFixture, phase: string): Promise<void> {
    process.env.FCBACKUP_RESTORE_CRASH_AT = phase;
    let client: EngineClient | undefined;
    try {
      client = await EngineClient.start({ native: { kind: 'simulator', library: simulatorLibraryPath(), scenario: f.scenario.path } });
      await assert.rejects(client.request(Requests.restore, { set: f.setPath, authoritative: true, stopOtherNodes: true }),
        (err: unknown) => err instanceof EngineRequestError && err.data.engineCode === 'ENGINE_EXITED' && /SIGKILL/.test(err.message));
    } finally {
      delete process.env.FCBACKUP_RESTORE_CRASH_AT;
      client?.dispose();
    }
  }

  /** Runs the restore in a child process that aborts inside the `nth` call of `fault`. */
  function crashInCall(f: RestoreFixture, fault: string, nth: number): void {
    const run = spawnSync(process.execPath, [childScript, f.scenario.path, f.setPath, lockFolder, fault, String(nth)],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, FCBACKUP_SIMULATOR_LIBRARY: simulatorLibraryPath() } });
    assert.equal(run.signal, 'SIGABRT', `the restore process died in ${fault} #${nth} (status ${run.status}, stdout ${run.stdout}, stderr ${run.stderr})`);
  }

  function allRunning(f: RestoreFixture): Record<string, string> {
    return Object.fromEntries(f.nodes.map((n) => [n, 'running']));
  }

  /** After the next run: wholly old or wholly new files, every service running, nothing left behind. */
  function expectRecovered(f: RestoreFixture, outcome: 'rolledBack' | 'completed', what: string): void {
    if (outcome === 'rolledBack') assertSameFiles(liveFiles(f.clusDb), f.before, `${what}: the files from before the restore`);
    // Completed: the set's files; CLUSDB as the set's configuration that won when the service started (PaxosTag + 1) — or,
    // when the writer never took part after the crash, byte for byte.
    else if (!liveFiles(f.clusDb).get('CLUSDB')?.equals(f.setFiles.get('CLUSDB')!)) assertRestored(f, true, `${what}: the restored files`);
    assert.deepEqual(restoreArtifacts(f), [], `${what}: journal, safety folder and temporary files are gone`);
    assert.deepEqual(serviceStates(f.nodes, f.machine), allRunning(f), `${what}: every service runs`);
  }

  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-restore-lock-'));
    process.env.FCBACKUP_LOCK_DIR = lockFolder;
    assert.ok(fs.existsSync(childScript), `${childScript} (compile with tsc first)`);
  });
  after(() => {
    if (savedEnv.crashAt === undefined) delete process.env.FCBACKUP_RESTORE_CRASH_AT;
    else process.env.FCBACKUP_RESTORE_CRASH_AT = savedEnv.crashAt;
    if (savedEnv.lockDir === undefined) delete process.env.FCBACKUP_LOCK_DIR;
    else process.env.FCBACKUP_LOCK_DIR = savedEnv.lockDir;
    assertNoLeaks();
    for (const f of fixtures) f.scenario.cleanup();
    fs.rmSync(lockFolder, { recursive: true, force: true });
  });

  function stagedCount(f: RestoreFixture): number {
    return fs.readdirSync(f.clusDb).filter((n) => n.endsWith('.fcbnew')).length;
  }

  /** Every journal phase of a RESTORE_STOP_START restore (and points inside staging and the swap), with what the dead restore left. */
  /** Every journal phase of a RESTORE_STOP_START restore in the documented order (and points inside staging and the replacement), with what the dead restore left. */
  const phases: [string, 'rolledBack' | 'completed', { local: 'running' | 'stopped'; staged: number; liveChanged: boolean }][] = [
    ['planned', 'rolledBack', { local: 'running', staged: 0, liveChanged: false }],
    ['otherNodesStopped', 'rolledBack', { local: 'running', staged: 0, liveChanged: false }],
    ['preRestored', 'rolledBack', { local: 'running', staged: 0, liveChanged: false }],
    ['safetyCopied', 'rolledBack', { local: 'running', staged: 0, liveChanged: false }],
    ['staging:1', 'rolledBack', { local: 'running', staged: 1, liveChanged: false }],
    ['staged', 'rolledBack', { local: 'running', staged: 2, liveChanged: false }],
    ['replacing:0', 'rolledBack', { local: 'running', staged: 2, liveChanged: false }],
    ['replacing:1', 'rolledBack', { local: 'running', staged: 1, liveChanged: true }],
    ['replacing:2', 'rolledBack', { local: 'running', staged: 0, liveChanged: true }],
    ['replaced', 'rolledBack', { local: 'running', staged: 0, liveChanged: true }],
    ['postRestored', 'completed', { local: 'running', staged: 0, liveChanged: true }],
    ['serviceStopped', 'completed', { local: 'stopped', staged: 0, liveChanged: true }],
    ['servicesStarted', 'completed', { local: 'running', staged: 0, liveChanged: true }],
    ['done', 'completed', { local: 'running', staged: 0, liveChanged: true }],
  ];
  for (const [phase, outcome, left] of phases) {
    it(`engine killed right after "${phase}": the next run ${outcome === 'rolledBack' ? 'rolls back' : 'completes'}`, async () => {
      const f = await prepare();
      await crashEngineAt(f, phase);
      const journal = path.join(path.dirname(f.clusDb), journalName);
      assert.ok(fs.existsSync(journal), 'the dead restore left its journal');
      useScenario(f.scenario.path);
      assert.equal(serviceStates([f.machine], f.machine)[f.machine], left.local, 'this node\'s service when the engine died');
      assert.equal(stagedCount(f), left.staged, 'staged files beside the live ones');
      const live = [...liveFiles(f.clusDb)].map(([name, data]) => `${name}:${data.toString('base64')}`);
      const before = [...f.before].map(([name, data]) => `${name}:${data.toString('base64')}`);
      assert.equal(JSON.stringify(live) !== JSON.stringify(before), left.liveChanged, 'whether live files were already replaced');
      assert.equal(await recoverInterruptedRestore(recordingContext(), { lockFolder }), outcome);
      expectRecovered(f, outcome, phase);
      assertNoLeaks();
    });
  }

  const calls: [string, number, 'rolledBack' | 'completed'][] = [
    ['ControlService', 2, 'rolledBack'], // while stopping the other nodes
    ['IVssBackupComponents::GatherWriterMetadata', 1, 'rolledBack'],
    ['IVssBackupComponents::PreRestore', 1, 'rolledBack'],
    ['IVssBackupComponents::SetFileRestoreStatus', 1, 'rolledBack'], // the files are in place by then, PostRestore not sent
    ['IVssBackupComponents::PostRestore', 1, 'completed'], // the commit point: PostRestore is being sent
    ['ControlService', 3, 'completed'], // this node's service, stopped after PostRestore
    ['StartServiceW', 1, 'completed'], // this node's service, on the restored files
    ['StartServiceW', 2, 'completed'], // the first other node, after this node ran
  ];
  for (const [fault, nth, outcome] of calls) {
    it(`restore process aborted in ${fault} #${nth}: the next run ${outcome === 'rolledBack' ? 'rolls back' : 'completes'}`, async () => {
      const f = await prepare();
      crashInCall(f, fault, nth);
      useScenario(f.scenario.path);
      assert.equal(await recoverInterruptedRestore(recordingContext(), { lockFolder }), outcome);
      expectRecovered(f, outcome, `${fault} #${nth}`);
      assertNoLeaks();
    });
  }

  it('the next restore through the engine process recovers first and says so', async () => {
    const f = await prepare();
    await crashEngineAt(f, 'replacing:1');
    const client = await EngineClient.start({ native: { kind: 'simulator', library: simulatorLibraryPath(), scenario: f.scenario.path } });
    try {
      const result = await client.request(Requests.restore, { set: f.setPath, authoritative: true, stopOtherNodes: true });
      assert.equal(result.recovered, 'rolledBack');
      assert.deepEqual(result.nodes.map((n) => [n.name, n.state]), [['NODE1', 'up'], ['NODE2', 'up'], ['NODE3', 'up'], ['NODE4', 'up']]);
      const report = await client.request(TestRequests.leakReport, {});
      assert.equal(Object.values(report.handles).reduce((a, b) => a + b, 0) + report.comRefs + report.bstrs + report.coTaskMem + report.snapshotProps, 0,
        `engine leak report: ${JSON.stringify(report)}`);
    } finally {
      client.dispose();
    }
    useScenario(f.scenario.path);
    expectRecovered(f, 'completed', 'after the next restore');
  });
});
