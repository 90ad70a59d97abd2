/**
 * The parts of the engine's lifecycle that need no process: a request's cancellation
 * split at its point of no return, when the engine exits after its client went away,
 * the bridge's record of the native call in progress, and the watchdog's limit.
 */
import * as assert from 'node:assert/strict';
import { CancelledError } from '../../src/engine/errors';
import { currentNativeCall, watchBindings, watchedFunction } from '../../src/native/callWatch';
import { CommitGuard } from '../../src/worker/commitGuard';
import { EngineLifetime } from '../../src/worker/lifetime';
import { callLimitSeconds, DEFAULT_CALL_LIMIT_SECONDS } from '../../src/worker/watchdog';

function recordingGuard(): { guard: CommitGuard; committed: string[]; declined: string[] } {
  const committed: string[] = [];
  const declined: string[] = [];
  const guard = new CommitGuard('restore', { committed: (w) => committed.push(w), declined: (m) => declined.push(m) });
  return { guard, committed, declined };
}

describe('CommitGuard', () => {
  it('before the point of no return a cancel aborts the signal', () => {
    const { guard, declined } = recordingGuard();
    guard.cancel('The client cancelled');
    assert.equal(guard.signal.aborted, true);
    assert.deepEqual(declined, []);
    assert.equal(guard.cancelDeclined, undefined);
  });

  it('a point of no return reached after a cancel throws CancelledError, so nothing starts changing', () => {
    const { guard, committed } = recordingGuard();
    guard.cancel('The client cancelled');
    assert.throws(() => guard.pointOfNoReturn('the restore has started'), (err: unknown) => err instanceof CancelledError);
    assert.equal(guard.committed, false);
    assert.deepEqual(committed, []);
  });

  it('after the point of no return a cancel is answered with what goes on, and the signal stays', () => {
    const { guard, committed, declined } = recordingGuard();
    guard.pointOfNoReturn('the restore R1 has started changing NODE1');
    guard.pointOfNoReturn('a second call changes nothing');
    guard.noteStep('Replacing the cluster database files');
    guard.cancel('The client cancelled');
    assert.equal(guard.signal.aborted, false);
    assert.equal(guard.committed, true);
    assert.deepEqual(committed, ['the restore R1 has started changing NODE1']);
    assert.equal(declined.length, 1);
    assert.match(declined[0], /^The client cancelled, but the restore cannot be cancelled any more: the restore R1 has started changing NODE1\. /);
    assert.match(declined[0], /It is now at "Replacing the cluster database files"\./);
    assert.equal(guard.cancelDeclined, declined[0]);
  });
});

describe('EngineLifetime', () => {
  function lifetime(): { life: EngineLifetime; exits: number[]; counts: number[] } {
    const exits: number[] = [];
    const counts: number[] = [];
    const life = new EngineLifetime({ exit: (code) => exits.push(code), onCommittedCount: (n) => counts.push(n) });
    return { life, exits, counts };
  }
  const hooks = { committed: () => undefined, declined: () => undefined };

  it('an idle engine exits as soon as its client is gone', () => {
    const { life, exits } = lifetime();
    life.clientGone('The client went away');
    life.clientGone('The engine received SIGHUP');
    assert.deepEqual(exits, [0]);
  });

  it('a request before its point of no return is cancelled, and the engine exits when it ends', () => {
    const { life, exits } = lifetime();
    const guard = life.begin('backup', hooks);
    life.clientGone('The client went away');
    assert.equal(guard.signal.aborted, true);
    assert.deepEqual(exits, []);
    life.end(guard);
    assert.deepEqual(exits, [0]);
  });

  it('a committed restore runs to its end before the engine exits; the watchdog is told while it runs', () => {
    const { life, exits, counts } = lifetime();
    const declined: string[] = [];
    const guard = life.begin('restore', { committed: () => undefined, declined: (m) => declined.push(m) });
    guard.pointOfNoReturn('the restore has started changing NODE1');
    assert.equal(life.committedCount, 1);
    life.clientGone('The client went away');
    assert.equal(guard.signal.aborted, false);
    assert.match(declined[0] ?? '', /^The client went away, but the restore cannot be cancelled any more/);
    assert.deepEqual(exits, []);
    life.end(guard);
    assert.deepEqual(exits, [0]);
    assert.deepEqual(counts, [1, 0]);
  });

  it('a request that starts after the client left starts cancelled', () => {
    const { life } = lifetime();
    const first = life.begin('status', hooks);
    life.clientGone('The client went away');
    const late = life.begin('status', hooks);
    assert.equal(late.signal.aborted, true);
    life.end(first);
    life.end(late);
  });
});

describe('callWatch', () => {
  it('publishes the call in progress under its export name, and nothing once it returned or threw', () => {
    const seen: (string | null)[] = [];
    const bindings = watchBindings({
      OpenCluster: Object.defineProperty(() => seen.push(currentNativeCall()), 'name', { value: 'OpenCluster' }),
      fn: Object.defineProperty(() => {
        throw new Error('failed');
      }, 'name', { value: 'OpenClusterEx' }),
      version: 3,
    });
    bindings.OpenCluster();
    assert.deepEqual(seen, ['OpenCluster']);
    assert.equal(currentNativeCall(), null);
    assert.throws(() => bindings.fn(), /failed/);
    assert.equal(currentNativeCall(), null);
    assert.equal(bindings.version, 3);
  });

  it('a call made inside another (a callback) gives the outer call back when it returns', () => {
    const inner = watchedFunction('Inner', () => currentNativeCall());
    const outer = watchedFunction('Outer', () => [inner(), currentNativeCall()]);
    assert.deepEqual(outer(), ['Inner', 'Outer']);
    assert.equal(currentNativeCall(), null);
  });
});

describe('the watchdog limit', () => {
  it('comes from FCBACKUP_NATIVE_CALL_LIMIT_SECONDS, else the default', () => {
    assert.equal(callLimitSeconds({}), DEFAULT_CALL_LIMIT_SECONDS);
    assert.equal(callLimitSeconds({ FCBACKUP_NATIVE_CALL_LIMIT_SECONDS: '2.5' }), 2.5);
    for (const bad of ['', '0', '-1', 'soon', 'Infinity']) {
      assert.equal(callLimitSeconds({ FCBACKUP_NATIVE_CALL_LIMIT_SECONDS: bad }), DEFAULT_CALL_LIMIT_SECONDS, bad);
    }
  });
});
