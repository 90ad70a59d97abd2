/**
 * Issue #12: the test-only requests are not part of the shipped protocol. An engine started
 * without FCBACKUP_TEST_HOOKS=1 does not serve the leak report (JSON-RPC "method not found")
 * and the shipped protocol has no such request; with it (the test runs set it in
 * test/support/setup.ts) the development engine serves it against the simulator. That the
 * production bundle does not even contain them is checked on the VSIX (test/package).
 */
import * as assert from 'node:assert/strict';
import { ErrorCodes } from 'vscode-jsonrpc';
import { EngineClient } from '../../src/client/engineClient';
import { Requests } from '../../src/protocol';
import { TEST_HOOKS_ENV, TestRequests } from '../../src/testProtocol';
import { makeTempScenario, type TempScenario } from '../support/scenario';
import { assertNoLeaks, simulatorLibraryPath } from '../support/sim';

describe('test-only requests (engine process, simulator)', function () {
  this.timeout(60_000);
  let scenario: TempScenario;
  const clients: EngineClient[] = [];

  before(() => {
    scenario = makeTempScenario({});
  });

  after(() => {
    for (const c of clients) c.dispose();
    scenario.cleanup();
    assertNoLeaks();
  });

  async function start(hooks: boolean): Promise<EngineClient> {
    const saved = process.env[TEST_HOOKS_ENV];
    if (hooks) process.env[TEST_HOOKS_ENV] = '1';
    else delete process.env[TEST_HOOKS_ENV];
    try {
      const client = await EngineClient.start({ native: { kind: 'simulator', library: simulatorLibraryPath(), scenario: scenario.path } });
      clients.push(client);
      return client;
    } finally {
      if (saved === undefined) delete process.env[TEST_HOOKS_ENV];
      else process.env[TEST_HOOKS_ENV] = saved;
    }
  }

  it('the shipped protocol has no leak report or other test request', () => {
    const methods = Object.values(Requests).map((r) => r.method);
    assert.ok(!methods.includes('fcb/leakReport') && !methods.some((m) => m.startsWith('fcb/test/')), methods.join(', '));
    assert.ok(Object.values(TestRequests).every((r) => r.method.startsWith('fcb/test/')));
  });

  it('an engine without the test hooks does not serve the leak report, and otherwise works', async () => {
    const client = await start(false);
    assert.equal((await client.request(Requests.status, {})).cluster?.name, 'CLUSTER1');
    await assert.rejects(client.request(TestRequests.leakReport, {}), (err: unknown) =>
      (err as { code?: number }).code === ErrorCodes.MethodNotFound || /Unhandled method fcb\/test\/leakReport/.test(String((err as Error).message)));
  });

  it('an engine with the test hooks serves it', async () => {
    const client = await start(true);
    await client.request(Requests.status, {});
    const report = await client.request(TestRequests.leakReport, {});
    assert.equal(report.comRefs + report.bstrs + report.coTaskMem + report.snapshotProps, 0);
  });
});
