/**
 * No cluster here (not Windows, no simulator): the extension still gets an engine for file
 * work — listing, verifying and reading backup sets — and the engine refuses everything
 * that needs the cluster with the reason.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { EngineClient, EngineRequestError, type EngineClientOptions } from '../../src/client/engineClient';
import type { TargetResolution } from '../../src/client/nativeTarget';
import { Requests } from '../../src/protocol';
import { EngineHost, EngineUnavailableError } from '../../src/ui/engineHost';
import { makeSet, tempFolder } from './configSets';

const unavailable: TargetResolution = { kind: 'unavailable', reason: 'Failover clustering needs Windows (this is linux).' };

describe('config: no cluster here', () => {
  it('the engine host starts a file-work engine for listing and verifying sets, and nothing for cluster requests', async () => {
    const started: EngineClientOptions[] = [];
    const methods: string[] = [];
    const host = new EngineHost({
      resolveTarget: () => unavailable,
      logLevel: () => 'info', onLog: () => undefined, onProgress: () => undefined, onUnexpectedExit: () => undefined,
      startClient: async (options) => {
        started.push(options);
        return {
          running: true, pid: 1, onExit: () => undefined, dispose: () => undefined,
          request: async (type: { method: string }) => { methods.push(type.method); return []; },
        } as unknown as EngineClient;
      },
    });
    await assert.rejects(host.request('status', {}), (err: unknown) => err instanceof EngineUnavailableError);
    await assert.rejects(host.request('restore', { set: '/x', authoritative: false, stopOtherNodes: false }), EngineUnavailableError);
    assert.equal(started.length, 0);
    await host.request('listBackups', { folder: '/sets', verify: false });
    await host.request('verifyBackup', { path: '/sets/a' });
    await host.request('setConfiguration', { path: '/sets/a' });
    assert.equal(started.length, 1, 'one engine serves all file work');
    assert.equal(started[0].native, null);
    assert.equal(started[0].unavailableReason, unavailable.kind === 'unavailable' ? unavailable.reason : '');
    assert.deepEqual(methods, ['fcb/listBackups', 'fcb/verifyBackup', 'fcb/setConfiguration']);
    host.dispose();
  });

  it('a real engine process without a native target lists and verifies sets and refuses cluster requests', async () => {
    const folder = tempFolder();
    const client = await EngineClient.start({ native: null, unavailableReason: 'No cluster on this test machine.' });
    try {
      const set = await makeSet(folder, 'CLUSTER1_NODE1_20261201T100000Z', 'A');
      const sets = await client.request(Requests.listBackups, { folder, verify: true });
      assert.deepEqual(sets.map((s) => [s.name, s.verified]), [['CLUSTER1_NODE1_20261201T100000Z', true]]);
      const verified = await client.request(Requests.verifyBackup, { path: set, expectedCluster: 'CLUSTER1' });
      assert.equal(verified.ok, true);
      for (const request of [client.request(Requests.status, {}), client.request(Requests.liveConfiguration, {})]) {
        await assert.rejects(request, (err: unknown) => {
          assert.ok(err instanceof EngineRequestError);
          assert.equal(err.data.engineCode, 'NOT_WINDOWS');
          assert.equal(err.message, 'No cluster on this test machine.');
          return true;
        });
      }
    } finally {
      client.dispose();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
