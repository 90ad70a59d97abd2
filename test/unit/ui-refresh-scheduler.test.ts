/** The refresh scheduler: debounced requests, one refresh at a time, a timer that stops on dispose. Fake timers, no waiting. */
import * as assert from 'node:assert/strict';
import { RefreshScheduler, type SchedulerTimers } from '../../src/ui/refreshScheduler';
import { RingBuffer } from '../../src/ui/ringBuffer';

class FakeTimers implements SchedulerTimers {
  private next = 1;
  readonly pending = new Map<number, { at: number; callback: () => void }>();
  now = 0;
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Run every timer due up to now + ms, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = end;
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ui refresh scheduler', () => {
  it('collapses requests within the debounce window into one refresh', async () => {
    const timers = new FakeTimers();
    let refreshes = 0;
    const s = new RefreshScheduler(async () => { refreshes++; }, { debounceMs: 250, timers });
    s.request();
    timers.advance(100);
    s.request();
    timers.advance(100);
    s.request();
    timers.advance(249);
    assert.equal(refreshes, 0);
    timers.advance(1);
    await flush();
    assert.equal(refreshes, 1);
  });

  it('runs one refresh at a time and exactly one more for requests made meanwhile', async () => {
    let refreshes = 0;
    let release: (() => void) | undefined;
    const s = new RefreshScheduler(() => {
      refreshes++;
      return new Promise<void>((resolve) => { release = resolve; });
    }, { debounceMs: 0, timers: new FakeTimers() });
    const first = s.runNow();
    const second = s.runNow();
    const third = s.runNow();
    assert.equal(refreshes, 1);
    release!();
    await flush();
    assert.equal(refreshes, 2, 'the requests made during the first refresh gave one more');
    release!();
    await Promise.all([first, second, third]);
    assert.equal(refreshes, 2);
  });

  it('answers a debounced request still waiting with a refresh run now, instead of a second refresh later', async () => {
    const timers = new FakeTimers();
    let refreshes = 0;
    const s = new RefreshScheduler(async () => { refreshes++; }, { debounceMs: 250, timers });
    s.request(); // e.g. a settings change
    await s.runNow(); // the explicit Refresh right after it
    assert.equal(refreshes, 1);
    assert.equal(timers.pending.size, 0, 'no refresh is left waiting');
    timers.advance(1000);
    await flush();
    assert.equal(refreshes, 1);
    // A request made while a refresh runs still gives exactly one more.
    let release: (() => void) | undefined;
    const blocking = new RefreshScheduler(() => {
      refreshes++;
      return new Promise<void>((resolve) => { release = resolve; });
    }, { debounceMs: 250, timers });
    const running = blocking.runNow();
    blocking.request();
    timers.advance(250);
    release!();
    await flush();
    release!();
    await running;
    assert.equal(refreshes, 3);
  });

  it('keeps going after a failed refresh and reports the error', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const s = new RefreshScheduler(async () => {
      calls++;
      if (calls === 1) throw new Error('engine gone');
    }, { debounceMs: 0, timers: new FakeTimers(), onError: (e) => errors.push(e) });
    await s.runNow();
    await s.runNow();
    assert.equal(calls, 2);
    assert.equal((errors[0] as Error).message, 'engine gone');
  });

  it('refreshes on the interval only while shouldTick says so, and stops on dispose', async () => {
    const timers = new FakeTimers();
    let refreshes = 0;
    let shown = false;
    const s = new RefreshScheduler(async () => { refreshes++; }, { debounceMs: 10, timers, shouldTick: () => shown });
    s.setInterval(5);
    assert.equal(s.intervalSeconds, 5);
    timers.advance(5000 + 10);
    await flush();
    assert.equal(refreshes, 0, 'no refresh before the view was shown');
    shown = true;
    timers.advance(5000 + 10);
    await flush();
    assert.equal(refreshes, 1);
    s.setInterval(0);
    timers.advance(60_000);
    await flush();
    assert.equal(refreshes, 1, 'interval 0 turns the timer off');
    s.setInterval(2);
    s.dispose();
    assert.equal(timers.pending.size, 0, 'dispose cancels every timer');
    s.request();
    await s.runNow();
    assert.equal(refreshes, 1);
  });
});

describe('ui ring buffer', () => {
  it('keeps the newest items in order', () => {
    const b = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) b.push(i);
    assert.deepEqual(b.toArray(), [3, 4, 5]);
    assert.equal(b.size, 3);
    assert.throws(() => new RingBuffer(0), RangeError);
  });

  it('says what was pushed after a mark, also once it is full (a length would stop growing)', () => {
    const b = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) b.push(i);
    const mark = b.total;
    assert.equal(mark, 5);
    assert.deepEqual(b.since(mark), []);
    b.push(6);
    b.push(7);
    assert.deepEqual(b.since(mark), [6, 7]);
    assert.deepEqual(b.since(0), [5, 6, 7], 'only what is still held');
  });
});
