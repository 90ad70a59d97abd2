/**
 * The engine's test hooks, kept out of the shipped protocol: the simulator's leak report
 * (src/testProtocol.ts) and the crash points of the restore journal. main.ts loads this
 * module only in a development build with FCBACKUP_TEST_HOOKS=1, and each hook works only
 * while the native target is the simulator — never against a real cluster.
 */
import { EngineError } from '../engine/errors';
import { onJournalWritten, type RestoreJournal } from '../engine/restoreJournal';
import { getNativeTarget } from '../native/loader';
import { simulatorLeakReport } from '../native/simulator';
import { TestRequests } from '../testProtocol';
import type { WorkerServer } from './server';

function isSimulator(): boolean {
  try {
    return getNativeTarget().kind === 'simulator';
  } catch {
    return false;
  }
}

/**
 * Crash-recovery tests set FCBACKUP_RESTORE_CRASH_AT to a phase name, `replacing:N` (N
 * files renamed into place) or `staging:N` (N files staged, N ≥ 1) to make the engine
 * process die right after that state reached the disk, as a power cut or a killed
 * process would.
 */
function crashAt(journal: Readonly<RestoreJournal>): void {
  const at = process.env.FCBACKUP_RESTORE_CRASH_AT;
  if (!at || !isSimulator()) return;
  const [phase, count] = at.split(':');
  if (phase === 'staging') {
    if (journal.phase !== 'safetyCopied' && journal.phase !== 'planned' && journal.phase !== 'preRestored' && journal.phase !== 'otherNodesStopped') return;
    if (journal.staged.length === 0 || Number(count) !== journal.staged.length) return;
  } else {
    if (phase !== journal.phase) return;
    if (count !== undefined && Number(count) !== journal.replaced.length) return;
  }
  process.kill(process.pid, 'SIGKILL');
}

export function registerTestHooks(server: WorkerServer): void {
  onJournalWritten(crashAt);
  server.onRequest(TestRequests.leakReport, async () => {
    if (!isSimulator()) {
      throw new EngineError('BAD_ARGUMENT', 'The leak report is available only when the engine runs against the simulator.');
    }
    await server.whenOthersIdle();
    return simulatorLeakReport();
  });
}
