/**
 * A process that makes a "native call" that never returns, under the engine's watchdog
 * (watchdog.test.ts starts it). The call blocks the main thread the way a hung koffi call
 * does (Atomics.wait), published through the bridge's call record.
 *
 *   node watchdog-child.js hang LIMIT_SECONDS   the call hangs; the watchdog's limit ends the process
 *   node watchdog-child.js orphan               starts "hang 600" as its own child, prints that child's
 *                                               pid and exits: the child's client is gone
 */
import { spawn } from 'node:child_process';
import { watchedFunction } from '../../src/native/callWatch';
import { startWatchdog } from '../../src/worker/watchdog';

const [mode, limit] = process.argv.slice(2);
if (mode === 'orphan') {
  const child = spawn(process.execPath, [__filename, 'hang', '600'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    if (!text.includes('calling')) return;
    process.stdout.write(`${child.pid}\n`);
    process.exit(0);
  });
} else {
  startWatchdog({ limitSeconds: Number(limit), parentPid: process.ppid });
  const hang = watchedFunction('TestHangingCall', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
  process.stdout.write('calling\n', () => hang());
}
