/**
 * The Windows Event Log (issue #15 §2), through real koffi against the simulator: the event
 * source is registered on first use (its EventMessageFile and TypesSupported read back with
 * RegGetValueW), and each outcome writes exactly one event with its stable ID — around the
 * real backup, verify and restore operations, wrapped the way the engine's request handlers
 * wrap them. A failure to write never fails the operation; it is logged as a warning.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { readBackupSet } from '../../src/engine/backupSet';
import { EVENT_MESSAGE_FILE, EVENT_SOURCE, EVENT_SOURCE_KEY, EVENTS, forgetEventSourceCheck, writeEvent } from '../../src/engine/eventLog';
import { backupWithEvent, restoreWithEvents, verifyEvent } from '../../src/engine/outcomeEvents';
import { restoreCluster } from '../../src/engine/restore';
import { readMachineRegistryValue } from '../../src/native/advapi32';
import { simulatorClearEventLog, simulatorEventLog, simulatorInjectFault } from '../../src/native/simulator';
import type { RestoreParams, RestoreResult } from '../../src/wire/restore';
import { recordingContext } from '../support/context';
import { suiteScenarios } from '../support/sim';
import { restoreSuite } from './restore-fixture';

const INFORMATION = 4;
const WARNING = 2;
const ERROR = 1;

function ids(): number[] {
  return simulatorEventLog().map((e) => e.id);
}

function fresh(): void {
  simulatorClearEventLog();
  forgetEventSourceCheck();
}

describe('Event Log (simulator)', function () {
  this.timeout(120_000);

  describe('the event source and backup/verify events', () => {
    const open = suiteScenarios();
    let scratch: string;
    beforeEach(() => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-events-'));
    });
    afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

    const backup = (params: Record<string, unknown> = {}, ctx = recordingContext()): ReturnType<typeof backupCluster> => {
      const full = { destination: path.join(scratch, 'backups'), ...params };
      return backupWithEvent(full, ctx, () => backupCluster(full, ctx, { lockFolder: path.join(scratch, 'lock'), pollIntervalMs: { min: 1, max: 4 } }));
    };

    it('registers the source on first use, then writes "backup succeeded" (100) whose one string is the whole text', async () => {
      open();
      fresh();
      assert.equal(readMachineRegistryValue(EVENT_SOURCE_KEY, 'EventMessageFile'), null);
      const result = await backup({ reason: 'before the CU update' });
      assert.deepEqual(readMachineRegistryValue(EVENT_SOURCE_KEY, 'EventMessageFile'), { type: 2, data: EVENT_MESSAGE_FILE });
      assert.deepEqual(readMachineRegistryValue(EVENT_SOURCE_KEY, 'TypesSupported'), { type: 4, data: 7 });
      const events = simulatorEventLog();
      assert.equal(events.length, 1);
      assert.deepEqual({ ...events[0], strings: undefined }, { source: EVENT_SOURCE, type: INFORMATION, id: 100, registered: true, strings: undefined });
      assert.equal(events[0].strings.length, 1);
      assert.ok(events[0].strings[0].includes(result.path), events[0].strings[0]);
      assert.match(events[0].strings[0], /succeeded.*\r\nReason: before the CU update$/s);
    });

    it('"backup failed" (102) for a backup that fails; nothing for a cancelled one', async () => {
      open();
      fresh();
      fs.writeFileSync(path.join(scratch, 'a-file'), 'x');
      await assert.rejects(backup({ destination: path.join(scratch, 'a-file') }));
      assert.deepEqual(simulatorEventLog().map((e) => [e.id, e.type]), [[102, ERROR]]);
      assert.match(simulatorEventLog()[0].strings[0], /^The backup of the cluster configuration failed: .*a-file/);
      simulatorClearEventLog();
      const cancel = new AbortController();
      cancel.abort();
      await assert.rejects(backup({}, recordingContext(cancel.signal)));
      assert.deepEqual(ids(), []);
    });

    it('backup --copy-to whose copy fails: "backup succeeded" (100) for the set, then "copy failed" (103) naming the copy folder and the error', async () => {
      open();
      fresh();
      const blocker = path.join(scratch, 'not-a-folder');
      fs.writeFileSync(blocker, 'x');
      const copyTo = path.join(blocker, 'copies');
      const result = await backup({ copyTo, reason: 'pre-update' });
      assert.match(result.copy!.error ?? '', /not-a-folder/);
      const events = simulatorEventLog();
      assert.deepEqual(events.map((e) => [e.id, e.type]), [[100, INFORMATION], [103, ERROR]]);
      assert.equal(events[1].strings[0],
        `The backup set ${result.path} was made and is kept, but copying it to the copy folder ${copyTo} failed: ${result.copy!.error}\r\nReason: pre-update`);
      // A copy that succeeds writes only the set's event.
      simulatorClearEventLog();
      await backup({ copyTo: path.join(scratch, 'copies') });
      assert.deepEqual(ids(), [100]);
    });

    it('"retention needs attention" (101) also for the copy folder\'s retention', async () => {
      open();
      fresh();
      const copyTo = path.join(scratch, 'copies');
      let minute = 0;
      const ctx = recordingContext();
      const run = (params: Record<string, unknown>): ReturnType<typeof backupCluster> => {
        const full = { destination: path.join(scratch, 'backups'), ...params };
        return backupWithEvent(full, ctx, () => backupCluster(full, ctx, {
          lockFolder: path.join(scratch, 'lock'), pollIntervalMs: { min: 1, max: 4 }, now: () => new Date(Date.UTC(2026, 11, 7, 5, minute++, 0)),
        }));
      };
      const first = await run({ copyTo });
      // The first set's copy is damaged on the share: the next backup's retention there finds it and leaves it.
      fs.appendFileSync(path.join(first.copy!.path!, ...first.files[0].path.split('/')), 'tampered');
      const second = await run({ copyTo, keep: 1 });
      assert.deepEqual(second.retentionProblems, []);
      assert.equal(second.copy!.retentionProblems.length, 1);
      const events = simulatorEventLog();
      assert.deepEqual(events.map((e) => [e.id, e.type]), [[100, INFORMATION], [101, WARNING]]);
      assert.ok(events[1].strings[0].includes(`Retention needs attention:\r\n${second.copy!.retentionProblems[0]}`), events[1].strings[0]);
    });

    it('a backup cancelled during its copy writes nothing (the set was kept; a cancel is not a failure)', async () => {
      open({ clusdb: { files: [{ name: 'CLUSDB', size: 4 * 1024 * 1024 }, { name: 'CLUSDB.blf', size: 4096 }] } });
      fresh();
      const copyTo = path.join(scratch, 'copies');
      const controller = new AbortController();
      const ctx = recordingContext(controller.signal, (step) => {
        if (step.startsWith(`Copying to ${copyTo}: `)) controller.abort();
      });
      await assert.rejects(backup({ copyTo }, ctx), /copy to .* was cancelled/);
      assert.deepEqual(ids(), []);
    });

    it('"verify failed" (200) names the set and each problem; an intact set writes nothing', async () => {
      open();
      fresh();
      const set = await backupCluster({ destination: path.join(scratch, 'backups') }, recordingContext(),
        { lockFolder: path.join(scratch, 'lock'), pollIntervalMs: { min: 1, max: 4 } });
      const ctx = recordingContext();
      verifyEvent(await readBackupSet(set.path), ctx);
      assert.deepEqual(ids(), []);
      fs.appendFileSync(path.join(set.path, ...set.files[0].path.split('/')), 'tampered');
      verifyEvent(await readBackupSet(set.path), ctx);
      const events = simulatorEventLog();
      assert.deepEqual(events.map((e) => [e.id, e.type]), [[200, ERROR]]);
      assert.ok(events[0].strings[0].startsWith(`The backup set ${set.path} failed verification (1 problem(s)):\r\n`), events[0].strings[0]);
    });

    it('an event that cannot be written never fails the backup: a warning names the call', async () => {
      open();
      fresh();
      simulatorInjectFault('ReportEventW', 1, 1502);
      const ctx = recordingContext();
      const result = await backup({}, ctx);
      assert.ok(fs.existsSync(result.path));
      assert.deepEqual(ids(), []);
      assert.match(ctx.text(), /\[warn\] Could not write event 100 to the Application log \(ReportEventW failed: .*1502/);
    });

    it('without the rights to register the source, the event is still written (unregistered) and a warning says what to do', () => {
      open({ elevated: false });
      fresh();
      const ctx = recordingContext();
      assert.equal(writeEvent('verifyFailed', 'a set failed', ctx.logger), true);
      assert.deepEqual(simulatorEventLog().map((e) => [e.id, e.registered]), [[200, false]]);
      assert.match(ctx.text(), /\[warn\] Could not register the event source "Failover Cluster Backup" \(RegSetKeyValueW failed: ERROR_ACCESS_DENIED \(5\).*Run as administrator/s);
    });

    it('the IDs are stable and within what the message file covers (1–1000)', () => {
      assert.deepEqual(Object.fromEntries(Object.entries(EVENTS).map(([name, e]) => [name, e.id])), {
        backupSucceeded: 100, backupSucceededWithWarnings: 101, backupFailed: 102, backupCopyFailed: 103, verifyFailed: 200,
        restoreStarted: 300, restoreCompleted: 301, restoreRolledBack: 302, restoreRebootRequired: 303, restoreNotInEffect: 304, restoreFailed: 305,
      });
      for (const e of Object.values(EVENTS)) assert.ok(e.id >= 1 && e.id <= 1000);
    });
  });

  describe('restore events', () => {
    const suite = restoreSuite();
    const restore = (params: RestoreParams, ctx = recordingContext()): Promise<RestoreResult> =>
      restoreWithEvents(params, ctx, (watched) => restoreCluster(params, watched, suite.options));

    it('started (300) at the first change, then completed (301)', async () => {
      const f = await suite.prepare({});
      fresh();
      const result = await restore({ set: f.setPath, authoritative: false, stopOtherNodes: false });
      assert.equal(result.outcome, 'completed');
      const events = simulatorEventLog();
      assert.deepEqual(events.map((e) => [e.id, e.type]), [[300, INFORMATION], [301, INFORMATION]]);
      assert.match(events[0].strings[0], /^The node restore of .* started: the node restore .* has started changing NODE1\.$/);
    });

    it('started (300), then not in effect (304) when a stopped node does not start again', async () => {
      const f = await suite.prepare({}, { liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'] });
      fresh();
      simulatorInjectFault('StartServiceW', 4, 1058);
      const result = await restore({ set: f.setPath, authoritative: true, stopOtherNodes: true });
      assert.equal(result.outcome, 'notInEffect');
      assert.deepEqual(simulatorEventLog().map((e) => [e.id, e.type]), [[300, INFORMATION], [304, WARNING]]);
      assert.match(simulatorEventLog()[1].strings[0], /ended: notInEffect\.\r\nClusSvc on NODE4: StartServiceW failed/);
    });

    it('started (300), then rolled back (302) when it fails after its first change', async () => {
      const f = await suite.prepare({});
      fresh();
      // A disk failure after the first file reached its place: before the commit point, so the restore rolls back.
      const params: RestoreParams = { set: f.setPath, authoritative: false, stopOtherNodes: false };
      await assert.rejects(restoreWithEvents(params, recordingContext(), (watched) => restoreCluster(params, watched,
        { ...suite.options, hooks: { afterFileReplaced: () => { throw new Error('disk failure after 1 file(s)'); } } })));
      assert.deepEqual(simulatorEventLog().map((e) => [e.id, e.type]), [[300, INFORMATION], [302, ERROR]]);
    });

    it('failed (305) when refused before any change, and no "started"', async () => {
      const f = await suite.prepare({});
      fresh();
      const filesDir = path.join(f.setPath, 'files');
      const first = fs.readdirSync(filesDir, { recursive: true, withFileTypes: true }).find((e) => e.isFile())!;
      fs.appendFileSync(path.join(first.parentPath, first.name), 'tampered');
      await assert.rejects(restore({ set: f.setPath, authoritative: false, stopOtherNodes: false }));
      assert.deepEqual(simulatorEventLog().map((e) => [e.id, e.type]), [[305, ERROR]]);
    });

    it('reboot required (303) for that outcome', async () => {
      await suite.prepare({});
      fresh();
      const params = { set: 'C:\\Backups\\set', authoritative: false, stopOtherNodes: false };
      const result = await restoreWithEvents(params, recordingContext(), async (watched) => {
        watched.pointOfNoReturn?.('the files are in place');
        return { set: params.set, authoritative: false, outcome: 'rebootRequired' as RestoreResult['outcome'], nodes: [], problems: [] };
      });
      assert.equal(result.outcome, 'rebootRequired');
      assert.deepEqual(simulatorEventLog().map((e) => [e.id, e.type]), [[300, INFORMATION], [303, WARNING]]);
    });
  });
});
