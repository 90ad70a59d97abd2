/**
 * Issue #12: a restore from the UI's palette hashes the set once. The pick verifies every
 * set of the folder (listBackups with verify); the engine hands out a verification token
 * per set that passed, and the plan (then the restore) that presents it reuses that
 * verification while the set is unchanged on disk, instead of hashing the set again.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import type { LogParams } from '../../src/protocol';
import { TestRequests } from '../../src/testProtocol';
import { Requests } from '../../src/protocol';
import { prepareRestore, type RestoreFixture } from '../engine/restore-fixture';
import { assertNoLeaks, simulatorLibraryPath } from '../support/sim';

describe('restore pick: the set is hashed once (engine process, simulator)', function () {
  this.timeout(120_000);
  let lockFolder: string;
  let fixture: RestoreFixture;
  let client: EngineClient | undefined;
  const savedLockDir = process.env.FCBACKUP_LOCK_DIR;
  const logs: LogParams[] = [];

  before(async () => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-restore-lock-'));
    process.env.FCBACKUP_LOCK_DIR = lockFolder;
    fixture = await prepareRestore({}, { lockFolder });
    client = await EngineClient.start({
      native: { kind: 'simulator', library: simulatorLibraryPath(), scenario: fixture.scenario.path },
      logLevel: 'info', onLog: (p) => logs.push(p),
    });
  });

  after(async () => {
    if (client) {
      const report = await client.request(TestRequests.leakReport, {});
      assert.equal(report.comRefs + report.bstrs + report.coTaskMem + report.snapshotProps, 0);
      client.dispose();
    }
    if (savedLockDir === undefined) delete process.env.FCBACKUP_LOCK_DIR;
    else process.env.FCBACKUP_LOCK_DIR = savedLockDir;
    fixture.scenario.cleanup();
    fs.rmSync(lockFolder, { recursive: true, force: true });
    assertNoLeaks();
  });

  const verifyingLines = (): string[] => logs.map((l) => l.message).filter((m) => m.startsWith('Verifying the backup set '));

  it('the verifying listing gives each intact set a token, and the plan and restore that present it do not hash the set again', async () => {
    const folder = path.dirname(fixture.setPath);
    const sets = await client!.request(Requests.listBackups, { folder, verify: true });
    const listed = sets.find((s) => s.path === fixture.setPath);
    assert.ok(listed?.verified === true, JSON.stringify(sets));
    assert.match(listed.verificationToken ?? '', /^[0-9a-f]{32}$/);
    // Issue #14: a second pick of the same folder reuses the remembered result (the same verification, not a new one).
    const again = await client!.request(Requests.listBackups, { folder, verify: true });
    assert.equal(again.find((s) => s.path === fixture.setPath)?.verificationToken, listed.verificationToken);

    logs.length = 0;
    const params = { set: fixture.setPath, authoritative: false, stopOtherNodes: false, verificationToken: listed.verificationToken };
    const plan = await client!.request(Requests.planRestore, params);
    assert.equal(plan.refusal, null);
    assert.equal(plan.verification.token, listed.verificationToken, 'the plan reuses the listing\'s verification');
    const result = await client!.request(Requests.restore, { ...params, verificationToken: plan.verification.token });
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(verifyingLines(), [], 'neither the plan nor the restore verified the set again');
    assert.equal(logs.filter((l) => /is unchanged since it was verified/.test(l.message)).length, 2);
  });

  it('a set changed after the listing is verified again by the plan (and its damage found)', async () => {
    const folder = path.dirname(fixture.setPath);
    const sets = await client!.request(Requests.listBackups, { folder, verify: true });
    const token = sets.find((s) => s.path === fixture.setPath)?.verificationToken;
    assert.ok(token);
    const filesDir = path.join(fixture.setPath, 'files');
    const victim = fs.readdirSync(filesDir, { recursive: true, withFileTypes: true }).find((e) => e.isFile())!;
    fs.appendFileSync(path.join(victim.parentPath, victim.name), 'x');
    logs.length = 0;
    await assert.rejects(client!.request(Requests.planRestore, { set: fixture.setPath, authoritative: false, stopOtherNodes: false, verificationToken: token }),
      /size check failed/);
    assert.deepEqual(verifyingLines(), [`Verifying the backup set ${fixture.setPath}.`]);
  });
});
