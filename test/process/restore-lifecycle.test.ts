/**
 * A restore outlives its client (Linux only): once the engine has started changing the
 * cluster, it completes or rolls back the restore whatever happens to the CLI or the
 * extension — the CLI killed with SIGKILL, its terminal hung up (SIGHUP to its process
 * group, as a dropped SSH session does), Ctrl-C on its terminal, or the client disposing
 * the engine (VS Code closed). The points where that happens are drawn from a seeded
 * generator over the journal's phases, so the list is the same in every run.
 *
 * After each: the engine process ends by itself, every node's cluster service runs (as
 * before the restore, and as after it), the live ClusDb is wholly the old or wholly the
 * restored files, the journal and the safety copy are gone and the lock is released.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { Requests } from '../../src/protocol';
import { assertNoLeaks, simulatorLibraryPath, useScenario } from '../support/sim';
import { liveFiles, prepareRestore, restoreArtifacts, serviceStates, sha, type RestoreFixture } from '../engine/restore-fixture';
import {
  journalPhase, lockFileExists, lockHolder, seededRandom, signalProcess, startCli, waitFor, waitForExit,
} from './lifecycle-support';

/** The journal's phases up to the commit, in the order a RESTORE_STOP_START restore writes them. */
const PHASES = ['planned', 'otherNodesStopped', 'preRestored', 'safetyCopied', 'staged', 'replacing', 'replaced', 'postRestored', 'serviceStopped'];
type Interruption = 'kill -9 the CLI' | 'hang up the CLI\'s terminal' | 'dispose the client';
const INTERRUPTIONS: Interruption[] = ['kill -9 the CLI', 'hang up the CLI\'s terminal', 'dispose the client'];
const SEED = 0x5eed12;
const POINTS = 8;

/** The seeded list of points: each interruption in turn, at a phase drawn from the seeded generator. */
function points(): [Interruption, string][] {
  const random = seededRandom(SEED);
  return Array.from({ length: POINTS }, (_, i) => [INTERRUPTIONS[i % INTERRUPTIONS.length], PHASES[Math.floor(random() * PHASES.length)]]);
}

function digest(files: Map<string, Buffer>): string {
  return JSON.stringify([...files].map(([name, data]) => [name, sha(data)]));
}

describe('a restore outlives its client', function () {
  this.timeout(300_000);
  let lockFolder: string;
  const fixtures: RestoreFixture[] = [];
  const savedLockDir = process.env.FCBACKUP_LOCK_DIR;

  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-lifecycle-lock-'));
    process.env.FCBACKUP_LOCK_DIR = lockFolder; // for the engines this process starts
  });
  after(() => {
    if (savedLockDir === undefined) delete process.env.FCBACKUP_LOCK_DIR;
    else process.env.FCBACKUP_LOCK_DIR = savedLockDir;
    assertNoLeaks();
    for (const f of fixtures) f.scenario.cleanup();
    fs.rmSync(lockFolder, { recursive: true, force: true });
  });

  async function prepare(): Promise<RestoreFixture> {
    // Service changes take a few polls, so the restore spends a while in each phase.
    const f = await prepareRestore({ servicePendingPolls: 2 }, { lockFolder });
    fixtures.push(f);
    return f;
  }

  /** Waits until the journal shows `phase` or a later one; returns the engine's pid (the lock's holder). */
  async function reach(f: RestoreFixture, phase: string): Promise<number> {
    const wanted = PHASES.indexOf(phase);
    await waitFor(`the restore to reach "${phase}"`, () => {
      const now = journalPhase(f.clusDb);
      if (now === undefined) return false;
      const at = PHASES.indexOf(now);
      return at < 0 || at >= wanted; // past the last listed phase counts too
    });
    return waitFor('the engine to hold the lock', () => lockHolder(lockFolder));
  }

  /** The restore's end state, whichever way it ended. */
  function assertFinished(f: RestoreFixture, what: string): 'old' | 'new' {
    useScenario(f.scenario.path);
    assert.deepEqual(serviceStates(f.nodes, f.machine), Object.fromEntries(f.nodes.map((n) => [n, 'running'])),
      `${what}: every node's cluster service runs`);
    const live = digest(liveFiles(f.clusDb));
    const outcome = live === digest(f.before) ? 'old' : live === digest(f.setFiles) ? 'new' : 'mixed';
    assert.notEqual(outcome, 'mixed', `${what}: the live files are wholly the old or wholly the restored ones`);
    assert.deepEqual(restoreArtifacts(f), [], `${what}: no journal, safety copy or staged file is left`);
    assert.equal(lockFileExists(lockFolder), false, `${what}: the lock is released`);
    assertNoLeaks();
    return outcome as 'old' | 'new';
  }

  const args = (f: RestoreFixture): string[] =>
    ['restore', f.setPath, '--authoritative', '--stop-other-nodes', '--yes', '--simulate', f.scenario.path];

  for (const [interruption, phase] of points()) {
    it(`${interruption} at "${phase}": the engine finishes the restore`, async () => {
      const f = await prepare();
      let enginePid: number;
      if (interruption === 'dispose the client') {
        const client = await EngineClient.start({ native: { kind: 'simulator', library: simulatorLibraryPath(), scenario: f.scenario.path } });
        const restore = client.request(Requests.restore, { set: f.setPath, authoritative: true, stopOtherNodes: true });
        restore.catch(() => undefined); // rejected by dispose()
        enginePid = await reach(f, phase);
        client.dispose();
        await assert.rejects(restore, /shut down/);
      } else {
        const cli = startCli(args(f), { FCBACKUP_LOCK_DIR: lockFolder });
        enginePid = await reach(f, phase);
        assert.notEqual(enginePid, cli.child.pid, 'the engine holds the lock, not the CLI');
        if (interruption === 'kill -9 the CLI') signalProcess(cli.child.pid!, 'SIGKILL');
        else signalProcess(-cli.child.pid!, 'SIGHUP'); // the CLI's whole process group, as the terminal does
        const end = await cli.ended;
        assert.equal(end.signal, interruption === 'kill -9 the CLI' ? 'SIGKILL' : 'SIGHUP');
      }
      await waitForExit(enginePid, 'the engine, once the restore has ended');
      assertFinished(f, `${interruption} at "${phase}"`);
    });
  }

  it('Ctrl-C after the point of no return: the CLI says why it goes on, waits, and prints the outcome', async () => {
    const f = await prepare();
    const cli = startCli(args(f), { FCBACKUP_LOCK_DIR: lockFolder });
    const enginePid = await reach(f, 'otherNodesStopped');
    signalProcess(-cli.child.pid!, 'SIGINT'); // the terminal's Ctrl-C goes to the foreground process group
    const end = await cli.ended;
    assert.equal(end.code, 0, `the restore completed (stderr: ${cli.stderr()})`);
    assert.match(cli.stderr(), /cannot be cancelled any more: the authoritative restore \S+ has started changing NODE1\./);
    assert.match(cli.stderr(), /Waiting for it to end\./);
    assert.match(cli.stdout(), /Authoritative restore of \S+ complete: observed in effect\./);
    await waitForExit(enginePid, 'the engine');
    assert.equal(assertFinished(f, 'Ctrl-C'), 'new', 'the restore completed');
  });
});
