/**
 * The end of an engine process, one event with one outcome: EngineClient over a stand-in
 * child whose dying signals — the IPC channel closing, 'exit', the output streams ending,
 * a request written after the channel closed, and finally 'close' — the test gives in
 * every order a loaded machine can produce. Whatever the order, nothing is decided before
 * 'close'; then the exit listener hears of it once, before any failed request reaches its
 * caller, and every request fails with the same message.
 */
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { PassThrough } from 'node:stream';
import { EngineClient, EngineRequestError } from '../../src/client/engineClient';
import { Requests } from '../../src/protocol';

interface SentMessage {
  id?: number;
  method: string;
}

/** What a forked engine looks like to EngineClient, with its end driven step by step. */
class StandInEngineChild extends EventEmitter {
  readonly pid = 4242;
  connected = true;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly received: SentMessage[] = [];

  /** The IPC send: answers initialize, keeps every other request waiting, fails once the channel is closed. */
  send(message: unknown, _handle: unknown, _options: unknown, callback?: (error: Error | null) => void): boolean {
    if (!this.connected) {
      const error = Object.assign(new Error('Channel closed'), { code: 'ERR_IPC_CHANNEL_CLOSED' });
      process.nextTick(() => callback?.(error));
      return false;
    }
    const sent = message as SentMessage;
    this.received.push(sent);
    if (sent.method === Requests.initialize.method) {
      process.nextTick(() => this.emit('message', { jsonrpc: '2.0', id: sent.id, result: null }));
    }
    process.nextTick(() => callback?.(null));
    return true;
  }

  disconnect(): void {
    this.closeChannel();
  }

  kill(): boolean {
    return true;
  }

  closeChannel(): void {
    if (!this.connected) return;
    this.connected = false;
    this.emit('disconnect');
  }

  exit(signal: NodeJS.Signals): void {
    this.signalCode = signal;
    this.emit('exit', null, signal);
  }

  async writeStderr(line: string): Promise<void> {
    const written = once(this.stderr, 'data');
    this.stderr.write(`${line}\n`);
    await written;
  }

  async endOutput(): Promise<void> {
    const ended = Promise.all([once(this.stdout, 'end'), once(this.stderr, 'end')]);
    this.stdout.end();
    this.stderr.end();
    await ended;
  }

  /** Node's 'close': after 'exit' and after the output streams ended. */
  close(): void {
    this.emit('close', this.exitCode, this.signalCode);
  }
}

type Step = 'channel' | 'exit' | 'output' | 'request';

/** Lets every queued callback (nextTick, promise jobs, stream events) run. */
async function drain(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

const CRASH_LINE = 'engine: uncaught exception: boom';
const MESSAGE = `The engine process stopped unexpectedly (signal SIGKILL). Last engine output: ${CRASH_LINE}`;

/** Every order of the signals before 'close' (a request sent while the engine is going away is one of them). */
function permutations(steps: Step[]): Step[][] {
  if (steps.length <= 1) return [steps];
  return steps.flatMap((first, i) => permutations([...steps.slice(0, i), ...steps.slice(i + 1)]).map((rest) => [first, ...rest]));
}

describe('engine client: the end of the engine process', () => {
  async function attach(): Promise<{ child: StandInEngineChild; client: EngineClient }> {
    const child = new StandInEngineChild();
    const client = await EngineClient.attach(child as unknown as ChildProcess, {
      native: { kind: 'simulator', library: '/lib/libclussim.so', scenario: '/s/scenario.json' },
      onLog: () => undefined,
    });
    return { child, client };
  }

  it('gives one outcome and one message in each of the 24 orders the signals before close can come in', async () => {
    for (const order of permutations(['channel', 'exit', 'output', 'request'])) {
      const when = `order ${order.join(', ')}, close`;
      const { child, client } = await attach();
      const events: string[] = [];
      client.onExit((code, signal, message) => events.push(`listener ${String(code)} ${String(signal)}: ${message}`));
      const outcome = (name: string) => (promise: Promise<unknown>) => promise.then(
        () => events.push(`${name} resolved`),
        (err: unknown) => events.push(err instanceof EngineRequestError
          ? `${name} ${err.data.name} ${err.data.engineCode ?? ''}: ${err.message}`
          : `${name} ${String(err)}`),
      );
      const waiting = [outcome('status')(client.request(Requests.status, {}))];
      await drain();
      assert.ok(child.received.some((m) => m.method === Requests.status.method), `the status request reached the engine (${when})`);
      await child.writeStderr(CRASH_LINE);

      for (const step of order) {
        if (step === 'channel') child.closeChannel();
        else if (step === 'exit') child.exit('SIGKILL');
        else if (step === 'output') await child.endOutput();
        else waiting.push(outcome('connect')(client.request(Requests.connect, { name: 'CLUSTER1' })));
        await drain();
        assert.deepEqual(events, [], `nothing is decided before 'close' (${when}: after ${step})`);
        assert.equal(client.running, true, `the engine counts as running until 'close' (${when}: after ${step})`);
      }

      child.close();
      await Promise.all(waiting);
      assert.deepEqual(events, [
        `listener null SIGKILL: ${MESSAGE}`,
        `status EngineExited ENGINE_EXITED: ${MESSAGE}`,
        `connect EngineExited ENGINE_EXITED: ${MESSAGE}`,
      ], when);
      assert.equal(client.running, false, when);
      assert.deepEqual(await client.whenExited(), { code: null, signal: 'SIGKILL' });
      // A request after the end gets the same message, and the listener is not called again.
      await assert.rejects(client.request(Requests.status, {}), (err: unknown) => err instanceof EngineRequestError && err.message === MESSAGE, when);
      assert.equal(events.filter((e) => e.startsWith('listener')).length, 1, when);
    }
  });

  it('says "exit code N" for an engine that exited with a code, and leaves out the output when there was none', async () => {
    const { child, client } = await attach();
    const messages: string[] = [];
    client.onExit((_code, _signal, message) => messages.push(message));
    const pending = client.request(Requests.status, {});
    child.closeChannel();
    child.exitCode = 70;
    child.emit('exit', 70, null);
    await child.endOutput();
    child.close();
    await assert.rejects(pending, (err: unknown) => err instanceof EngineRequestError && err.message === 'The engine process stopped unexpectedly (exit code 70).');
    assert.deepEqual(messages, ['The engine process stopped unexpectedly (exit code 70).']);
  });

  it('reports an end that dispose() asked for as a shutdown, to no exit listener', async () => {
    const { child, client } = await attach();
    const messages: string[] = [];
    client.onExit((_code, _signal, message) => messages.push(message));
    const pending = client.request(Requests.status, {});
    client.dispose();
    await assert.rejects(pending, (err: unknown) => err instanceof EngineRequestError && err.data.name === 'EngineDisposed'
      && err.message === 'The engine process was shut down during fcb/status.');
    assert.equal(child.connected, false, 'dispose() closes the channel');
    // Node emits no 'close' for a child whose channel the parent closed: 'exit' ends a shutdown.
    child.exit('SIGTERM');
    assert.deepEqual(await client.whenExited(), { code: null, signal: 'SIGTERM' });
    assert.deepEqual(messages, []);
  });

  it('ends a shutdown asked for just after the engine exited without waiting for close, to no exit listener', async () => {
    const { child, client } = await attach();
    const messages: string[] = [];
    client.onExit((_code, _signal, message) => messages.push(message));
    const pending = client.request(Requests.status, {});
    child.exit('SIGKILL');
    client.dispose();
    await assert.rejects(pending, (err: unknown) => err instanceof EngineRequestError && err.data.name === 'EngineDisposed');
    assert.deepEqual(await client.whenExited(), { code: null, signal: 'SIGKILL' });
    child.close();
    assert.deepEqual(messages, []);
  });

  it('fails a request that cannot be written at once, while the engine keeps running', async () => {
    const { child, client } = await attach();
    const unserializable = { name: 1n } as unknown as { name: string };
    child.send = () => {
      throw new TypeError('Do not know how to serialize a BigInt');
    };
    await assert.rejects(client.request(Requests.connect, unserializable), (err: unknown) =>
      err instanceof EngineRequestError && err.data.name === 'EngineProtocolError' && /^fcb\/connect: /.test(err.message));
    assert.equal(client.running, true);
    client.dispose();
  });
});
