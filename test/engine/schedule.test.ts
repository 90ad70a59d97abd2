/**
 * The scheduled backup through the real bridge (koffi, src/native/taskschd.ts) against
 * the simulator's Task Scheduler: register, read back (XML fields, next run, last run and
 * result), replace, remove, and the errors Windows gives (not elevated, bad XML, COM not
 * initialised, a missing task), with the leak report checked after every test.
 * Paths go through `path` so that the suite also runs under Wine.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { removeSchedule, setSchedule, showSchedule, type ScheduleStatus, type SetScheduleParams } from '../../src/engine/schedule';
import { SCHEDULE_TASK_PATH, parseTaskXml } from '../../src/engine/scheduleXml';
import { HResultError } from '../../src/native/errors';
import { initializeCom, uninitializeCom } from '../../src/native/ole32';
import { simulatorCallLog, simulatorClearCallLog, simulatorInjectFault } from '../../src/native/simulator';
import { TaskService, withTaskRootFolder } from '../../src/native/taskschd';
import { simulatorSetTaskRun } from '../../src/native/taskschdSimulator';
import { TaskCreation, TaskLogonType } from '../../src/native/taskschdTypes';
import { recordingContext } from '../support/context';
import { assertSubsequence, suiteScenarios } from '../support/sim';

const E_ACCESSDENIED = 0x80070005 | 0;
const NOT_FOUND = 0x80070002 | 0;
const CO_E_NOTINITIALIZED = 0x800401f0 | 0;
const SCHED_E_MALFORMEDXML = 0x8004131a | 0;
const SCHED_E_MISSINGNODE = 0x80041319 | 0;
const ERROR_INVALID_NAME = 0x8007007b | 0;
const ERROR_ALREADY_EXISTS = 0x800700b7 | 0;
const E_INVALIDARG = 0x80070057 | 0;

function params(dir: string, overrides: Partial<SetScheduleParams> = {}): SetScheduleParams {
  return {
    trigger: { kind: 'daily', time: '02:30' },
    destination: path.join(dir, 'Backups & <Sets> "Ω"'),
    keep: 7,
    launcher: { program: path.join(dir, 'node dir', 'node.exe'), script: path.join(dir, 'dist', 'cli.js') },
    ...overrides,
  };
}

function registered(status: ScheduleStatus): Extract<ScheduleStatus, { registered: true }> {
  assert.equal(status.registered, true, JSON.stringify(status));
  return status as Extract<ScheduleStatus, { registered: true }>;
}

function withRoot<R>(use: (root: Parameters<Parameters<typeof withTaskRootFolder>[0]>[0]) => R): R {
  const session = initializeCom();
  try {
    return withTaskRootFolder(use);
  } finally {
    uninitializeCom(session);
  }
}

function isHresult(api: string, code: number): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof HResultError, `expected an HResultError, got ${String(err)}`);
    assert.equal(err.api, api);
    assert.equal(err.code, code);
    return true;
  };
}

describe('scheduled backup (Task Scheduler through the bridge)', function () {
  const scenario = suiteScenarios();

  it('registers a daily task, reads back every field, and the next run is the next 02:30', async function () {
    const s = scenario();
    const before = new Date();
    const status = registered(await setSchedule(params(s.dir), recordingContext()));
    const after = new Date();
    assert.equal(status.taskPath, SCHEDULE_TASK_PATH);
    assert.equal(status.description, 'daily at 02:30');
    assert.equal(status.destination, params(s.dir).destination);
    assert.equal(status.keep, 7);
    assert.equal(status.copyTo, null);
    assert.equal(status.program, params(s.dir).launcher.program);
    assert.equal(status.userId, 'S-1-5-18');
    assert.equal(status.runLevel, 'HighestAvailable');
    assert.equal(status.state, 'ready');
    assert.equal(status.lastRunTime, null);
    assert.equal(status.lastResult, null);
    const next = new Date(status.nextRunTime!);
    assert.equal(next.getHours(), 2);
    assert.equal(next.getMinutes(), 30);
    assert.ok(next.getTime() > before.getTime() - 1000 && next.getTime() <= after.getTime() + 86_400_000, status.nextRunTime!);
    assertSubsequence(simulatorCallLog(), [
      'CoCreateInstance', 'ITaskService::Connect', 'ITaskService::GetFolder', 'ITaskFolder::RegisterTask',
      'IRegisteredTask::get_State', 'IRegisteredTask::get_NextRunTime', 'IRegisteredTask::get_Xml',
    ]);
    const shown = registered(await showSchedule(recordingContext()));
    assert.deepEqual(shown, status);
  });

  it('registers a weekly task on the chosen day with --copy-to, and replaces the daily one', async function () {
    const s = scenario();
    await setSchedule(params(s.dir), recordingContext());
    const copyTo = path.join(s.dir, 'Ünïcødé share');
    const status = registered(await setSchedule(params(s.dir, { trigger: { kind: 'weekly', day: 'Wednesday', time: '23:05' }, keep: undefined, copyTo }), recordingContext()));
    assert.equal(status.description, 'every Wednesday at 23:05');
    assert.equal(status.keep, null);
    assert.equal(status.copyTo, copyTo);
    const next = new Date(status.nextRunTime!);
    assert.equal(next.getDay(), 3);
    assert.equal(next.getHours(), 23);
    assert.equal(next.getMinutes(), 5);
    assert.ok(next.getTime() - Date.now() <= 7 * 86_400_000);
  });

  it('shows the last run time and result once the task has run, by name', async function () {
    const s = scenario();
    await setSchedule(params(s.dir), recordingContext());
    const ran = new Date(2026, 0, 5, 2, 30, 0);
    simulatorSetTaskRun(SCHEDULE_TASK_PATH, ran, 1);
    let status = registered(await showSchedule(recordingContext()));
    assert.equal(status.lastRunTime, ran.toISOString());
    assert.equal(status.lastResult, 1);
    assert.equal(status.lastResultName, 'exit code 1');
    simulatorSetTaskRun(SCHEDULE_TASK_PATH, ran, 0);
    status = registered(await showSchedule(recordingContext()));
    assert.equal(status.lastResultName, 'success (exit code 0)');
  });

  it('removes the task; a second removal and show say there is none', async function () {
    const s = scenario();
    await setSchedule(params(s.dir), recordingContext());
    assert.deepEqual(await removeSchedule(recordingContext()), { removed: true, taskPath: SCHEDULE_TASK_PATH });
    assert.deepEqual(await removeSchedule(recordingContext()), { removed: false, taskPath: SCHEDULE_TASK_PATH });
    assert.deepEqual(await showSchedule(recordingContext()), { registered: false, taskPath: SCHEDULE_TASK_PATH });
  });

  it('the registered XML round-trips through the Task Scheduler', async function () {
    const s = scenario();
    const p = params(s.dir, { copyTo: 'C:\\Share with "quotes"\\' });
    await setSchedule(p, recordingContext());
    const xml = withRoot((root) => {
      const task = root.getTask(SCHEDULE_TASK_PATH);
      try {
        return task.xml();
      } finally {
        task.release();
      }
    });
    const def = parseTaskXml(xml);
    assert.equal(def.destination, p.destination);
    assert.equal(def.copyTo, 'C:\\Share with "quotes"\\');
    assert.equal(def.launcher.script, p.launcher.script);
  });

  it('a process that is not elevated gets E_ACCESSDENIED from RegisterTask, and no task is registered', async function () {
    const s = scenario({ elevated: false });
    await assert.rejects(setSchedule(params(s.dir), recordingContext()), isHresult('ITaskFolder::RegisterTask', E_ACCESSDENIED));
    assert.deepEqual(await showSchedule(recordingContext()), { registered: false, taskPath: SCHEDULE_TASK_PATH });
  });

  it('refuses a bad time or day before any Windows call', async function () {
    const s = scenario();
    simulatorClearCallLog();
    await assert.rejects(setSchedule(params(s.dir, { trigger: { kind: 'daily', time: '24:00' } }), recordingContext()), /not a time of day/);
    await assert.rejects(setSchedule(params(s.dir, { trigger: { kind: 'weekly', day: 'Funday' as 'Monday', time: '01:00' } }), recordingContext()), /not a day of the week/);
    assert.deepEqual(simulatorCallLog(), []);
  });

  it('the Task Scheduler rejects malformed XML and a definition without an action', function () {
    scenario();
    withRoot((root) => {
      assert.throws(() => root.registerTask('\\Bad', '<Task', TaskCreation.createOrUpdate, 'S-1-5-18', TaskLogonType.serviceAccount),
        isHresult('ITaskFolder::RegisterTask', SCHED_E_MALFORMEDXML));
      const noAction = '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"><Actions/></Task>';
      assert.throws(() => root.registerTask('\\Bad', noAction, TaskCreation.createOrUpdate, 'S-1-5-18', TaskLogonType.serviceAccount),
        (err: unknown) => isHresult('ITaskFolder::RegisterTask', SCHED_E_MISSINGNODE)(err) && /SCHED_E_MISSINGNODE/.test((err as Error).message));
      assert.throws(() => root.getTask('\\Bad'), isHresult('ITaskFolder::GetTask', NOT_FOUND));
    });
  });

  it('the Task Scheduler refuses names it documents as invalid and TASK_VALIDATE_ONLY with TASK_CREATE', async function () {
    const s = scenario();
    await setSchedule(params(s.dir), recordingContext());
    const xml = withRoot((root) => {
      const task = root.getTask(SCHEDULE_TASK_PATH);
      try {
        return task.xml();
      } finally {
        task.release();
      }
    });
    withRoot((root) => {
      for (const name of ['\\Trailing ', '\\ Leading', '\\A\\..\\B', '\\.\\B', '\\A\\\\B', '\\A:B']) {
        assert.throws(() => root.registerTask(name, xml, TaskCreation.createOrUpdate, 'S-1-5-18', TaskLogonType.serviceAccount),
          isHresult('ITaskFolder::RegisterTask', ERROR_INVALID_NAME), name);
      }
      assert.throws(() => root.registerTask('\\Other', xml, TaskCreation.validateOnly | TaskCreation.create, 'S-1-5-18', TaskLogonType.serviceAccount),
        isHresult('ITaskFolder::RegisterTask', E_INVALIDARG));
      assert.throws(() => root.registerTask(SCHEDULE_TASK_PATH, xml, TaskCreation.create, 'S-1-5-18', TaskLogonType.serviceAccount),
        isHresult('ITaskFolder::RegisterTask', ERROR_ALREADY_EXISTS));
      assert.throws(() => root.registerTask('\\Missing', xml, TaskCreation.update, 'S-1-5-18', TaskLogonType.serviceAccount),
        isHresult('ITaskFolder::RegisterTask', NOT_FOUND));
    });
  });

  it('CoCreateInstance needs COM on the thread; a failing Connect releases the service', function () {
    scenario();
    assert.throws(() => TaskService.create(), isHresult('CoCreateInstance', CO_E_NOTINITIALIZED));
    simulatorInjectFault('ITaskService::Connect', 1, 0x800706ba);
    assert.throws(() => withRoot(() => undefined), isHresult('ITaskService::Connect', 0x800706ba | 0));
  });

  it('a failure reading the task back releases the task, the folder and the service', async function () {
    const s = scenario();
    simulatorInjectFault('IRegisteredTask::get_Xml', 1, 0x8007000e);
    await assert.rejects(setSchedule(params(s.dir), recordingContext()), isHresult('IRegisteredTask::get_Xml', 0x8007000e | 0));
  });
});
