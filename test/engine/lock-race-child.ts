/**
 * One racer of the lock race test (backup-lock.test.ts). A process that lives for all the
 * trials, so that a trial costs file-system calls rather than a process start (seconds
 * each for Windows node.exe under Wine).
 *
 *   node lock-race-child.js WARM_UP_FOLDER
 *
 * It first takes and releases the lock once in WARM_UP_FOLDER (loading everything the lock
 * loads, e.g. advapi32 through koffi on Windows) and writes `ready <pid>`. Then, for each
 * line `<trial> <lock folder>` read from stdin, it tries once to take the operation lock in
 * that folder and writes `<trial> held` or `<trial> busy`. A lock it took is never released:
 * its holder stays alive for the whole run, so any second racer to take it in that trial is
 * a second holder at the same time. stdin's end ends the process (exit code 0); anything
 * unexpected is written to stderr (exit code 1).
 */
import * as fs from 'node:fs';
import { EngineError } from '../../src/engine/errors';
import { acquireOperationLock } from '../../src/engine/lock';

/** Writes one line to stdout, synchronously (fd 1 on both platforms; the Wine stage replaces process.stdout). */
function say(line: string): void {
  fs.writeSync(1, `${line}\n`);
}

/** Reads stdin line by line, blocking: the racer has nothing else to do between trials. */
function* stdinLines(): Generator<string> {
  const buffer = Buffer.alloc(4096);
  let pending = '';
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, buffer, 0, buffer.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EOF') n = 0; // Windows: the writing end was closed
      else if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // a non-blocking pipe: try again shortly
        continue;
      } else throw err;
    }
    if (n === 0) return;
    pending += buffer.toString('utf8', 0, n);
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      yield pending.slice(0, end).replace(/\r$/, '');
      pending = pending.slice(end + 1);
    }
  }
}

async function tryOnce(folder: string): Promise<'held' | 'busy'> {
  try {
    await acquireOperationLock(folder, 'race');
    return 'held';
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BUSY') return 'busy';
    throw err;
  }
}

async function main(): Promise<void> {
  const [warmUpFolder] = process.argv.slice(2);
  if (!warmUpFolder) throw new Error('usage: lock-race-child.js WARM_UP_FOLDER');
  await (await acquireOperationLock(warmUpFolder, 'race warm-up')).release();
  say(`ready ${process.pid}`);
  for (const line of stdinLines()) {
    const match = /^(\d+) (.+)$/.exec(line);
    if (!match) throw new Error(`unexpected command ${JSON.stringify(line)}`);
    say(`${match[1]} ${await tryOnce(match[2]!)}`);
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`racer ${process.pid}: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
