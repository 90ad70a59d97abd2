/**
 * The engine's watchdog on its own (also under Wine, with the Windows node.exe): a process
 * whose main thread is stuck in a published call is ended past the limit with one stderr
 * line naming the call, and at once when its parent is gone. Nothing measures durations:
 * the tests wait for the process to end (bounded against a hang of the test itself).
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { isProcessAlive } from '../../src/engine/lock';
import { STOP_LINE_PREFIX } from '../../src/worker/watchdog';

const childScript = path.join(__dirname, 'watchdog-child.js');

function run(args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const bound = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child did not end within 120 s (stdout ${stdout}, stderr ${stderr})`));
    }, 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(bound);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('native-call watchdog', function () {
  this.timeout(180_000);

  it('ends a process stuck in a call past the limit, naming the call on stderr', async () => {
    const end = await run(['hang', '1']);
    assert.ok(end.signal === 'SIGKILL' || (end.code !== null && end.code !== 0), `ended by the watchdog (${end.code}, ${end.signal})`);
    assert.equal(end.stdout, 'calling\n');
    const lines = end.stderr.split(/\r?\n/).filter((l) => l !== '');
    assert.equal(lines.length, 1, end.stderr);
    assert.ok(lines[0].startsWith(`${STOP_LINE_PREFIX}TestHangingCall did not return within 1 s. `), lines[0]);
  });

  it('ends a stuck process at once when its parent is gone (the limit is far away)', async () => {
    const parent = await run(['orphan']);
    assert.equal(parent.code, 0, parent.stderr);
    const pid = Number(parent.stdout.trim());
    assert.ok(pid > 0, parent.stdout);
    for (let waited = 0; isProcessAlive(pid); waited += 10) {
      if (waited > 60_000) {
        process.kill(pid, 'SIGKILL');
        assert.fail(`the orphan ${pid} was still running after 60 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
});
