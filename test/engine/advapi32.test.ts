/**
 * The advapi32 bindings through real koffi against the simulator: token elevation,
 * enabling privileges, and the Service Control Manager calls, with their failures
 * (API name and code), Unicode node names, and no handle left open.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  closeServiceHandle, controlService, enablePrivilege, isProcessElevated, openService, openServiceManager,
  queryServiceOn, queryServiceStatus, SERVICE_CONTROL_STOP, SERVICE_QUERY_STATUS, ServiceState, startServiceOn, stopServiceOn,
} from '../../src/native/advapi32';
import { simulatorCallLog, simulatorClearCallLog, simulatorInjectFault, simulatorLeakReport } from '../../src/native/simulator';
import { isWin32Error, suiteScenarios } from '../support/sim';

describe('advapi32 bindings (simulator)', () => {
  const open = suiteScenarios();

  describe('token', () => {
    it('reports elevation from TokenElevation and closes the token', () => {
      open({ elevated: true });
      assert.equal(isProcessElevated(), true);
      assert.equal(simulatorLeakReport().handles.token, 0);
      open({ elevated: false });
      assert.equal(isProcessElevated(), false);
    });

    it('enables SeRestorePrivilege and SeBackupPrivilege in an elevated token', () => {
      open({ elevated: true });
      simulatorClearCallLog();
      enablePrivilege('SeRestorePrivilege');
      enablePrivilege('SeBackupPrivilege');
      const sequence = ['OpenProcessToken', 'LookupPrivilegeValueW', 'AdjustTokenPrivileges', 'CloseHandle'];
      assert.deepEqual(simulatorCallLog().filter((c) => sequence.includes(c)), [...sequence, ...sequence]);
    });

    it('treats ERROR_NOT_ALL_ASSIGNED as a failure (a filtered token does not hold SeRestorePrivilege)', () => {
      open({ elevated: false });
      assert.throws(() => enablePrivilege('SeRestorePrivilege'), (err: unknown) => {
        isWin32Error('AdjustTokenPrivileges', 1300)(err);
        assert.match((err as Error).message, /ERROR_NOT_ALL_ASSIGNED \(1300\).*SeRestorePrivilege is not held/);
        return true;
      });
    });

    it('names the failing token call and closes the token on every failure', () => {
      open();
      simulatorInjectFault('OpenProcessToken', 1, 5);
      assert.throws(() => isProcessElevated(), isWin32Error('OpenProcessToken', 5));
      simulatorInjectFault('GetTokenInformation', 1, 6);
      assert.throws(() => isProcessElevated(), isWin32Error('GetTokenInformation', 6));
      simulatorInjectFault('LookupPrivilegeValueW', 1, 1313);
      assert.throws(() => enablePrivilege('SeBackupPrivilege'), isWin32Error('LookupPrivilegeValueW', 1313));
      simulatorInjectFault('AdjustTokenPrivileges', 1, 5);
      assert.throws(() => enablePrivilege('SeBackupPrivilege'), isWin32Error('AdjustTokenPrivileges', 5));
      assert.equal(simulatorLeakReport().handles.token, 0);
    });
  });

  describe('service control', () => {
    it('queries ClusSvc here (NULL machine) and on another node through its SCM', () => {
      open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', service: 'stopped' }] });
      simulatorClearCallLog();
      const here = queryServiceOn(undefined, 'ClusSvc');
      assert.equal(here.currentState, ServiceState.running);
      assert.ok(here.processId > 0);
      assert.equal(queryServiceOn('NODE2', 'ClusSvc').currentState, ServiceState.stopped);
      const log = simulatorCallLog();
      assert.ok(log.includes('OpenSCManagerW:NODE1'), log.join(' '));
      assert.ok(log.includes('OpenSCManagerW:NODE2'), log.join(' '));
    });

    it('stops and starts a service, following STOP_PENDING/START_PENDING with a rising checkpoint', () => {
      const s = open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }], servicePendingPolls: 2 });
      const stop = stopServiceOn('NODE2', 'ClusSvc');
      assert.equal(stop.currentState, ServiceState.stopPending);
      const first = queryServiceOn('NODE2', 'ClusSvc');
      const second = queryServiceOn('NODE2', 'ClusSvc');
      assert.equal(first.currentState, ServiceState.stopPending);
      assert.ok(second.checkPoint > first.checkPoint, `checkpoint ${first.checkPoint} → ${second.checkPoint}`);
      assert.ok(first.waitHint > 0);
      assert.equal(queryServiceOn('NODE2', 'ClusSvc').currentState, ServiceState.stopped);
      // The state persists beside the scenario, for a second process.
      assert.ok(fs.existsSync(`${s.path}.state.json`));
      startServiceOn('NODE2', 'ClusSvc');
      let state = queryServiceOn('NODE2', 'ClusSvc').currentState;
      for (let i = 0; i < 5 && state !== ServiceState.running; i++) state = queryServiceOn('NODE2', 'ClusSvc').currentState;
      assert.equal(state, ServiceState.running);
    });

    it('reports 1062 stopping a stopped service and 1056 starting a running one', () => {
      open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', service: 'stopped' }] });
      assert.throws(() => stopServiceOn('NODE2', 'ClusSvc'), isWin32Error('ControlService', 1062));
      assert.throws(() => startServiceOn('NODE1', 'ClusSvc'), isWin32Error('StartServiceW', 1056));
    });

    it('names the node and the error: unreachable (1722), not installed (1060), not elevated (5)', () => {
      open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', reachable: false }, { name: 'NODE3', service: 'notInstalled' }] });
      assert.throws(() => queryServiceOn('NODE2', 'ClusSvc'), (err: unknown) =>
        isWin32Error('OpenSCManagerW', 1722)(err) && /on NODE2/.test((err as Error).message));
      assert.throws(() => queryServiceOn('NODE3', 'ClusSvc'), (err: unknown) =>
        isWin32Error('OpenServiceW', 1060)(err) && /ClusSvc on NODE3/.test((err as Error).message));
      open({ elevated: false });
      assert.throws(() => queryServiceOn(undefined, 'ClusSvc'), isWin32Error('OpenSCManagerW', 5));
    });

    it('closes both handles when a call on the service fails', () => {
      open();
      for (const fn of ['QueryServiceStatusEx', 'OpenServiceW'] as const) {
        simulatorInjectFault(fn, 1, 1726);
        assert.throws(() => queryServiceOn('NODE2', 'ClusSvc'), isWin32Error(fn, 1726));
      }
      simulatorInjectFault('ControlService', 1, 1061);
      assert.throws(() => stopServiceOn('NODE3', 'ClusSvc'), isWin32Error('ControlService', 1061));
      simulatorInjectFault('StartServiceW', 1, 1069);
      assert.throws(() => startServiceOn('NODE3', 'ClusSvc'), isWin32Error('StartServiceW', 1069));
      const report = simulatorLeakReport();
      assert.equal(report.handles.scm + report.handles.service, 0);
    });

    it('passes the low-level handles and the ControlService status through', () => {
      open();
      const scm = openServiceManager('NODE4');
      try {
        const service = openService(scm, 'ClusSvc', SERVICE_QUERY_STATUS | 0x20, 'NODE4');
        try {
          assert.equal(queryServiceStatus(service).currentState, ServiceState.running);
          const status = controlService(service, SERVICE_CONTROL_STOP);
          assert.equal(status.currentState, ServiceState.stopPending);
        } finally {
          closeServiceHandle(service);
        }
      } finally {
        closeServiceHandle(scm);
      }
    });

    it('reaches nodes with Cyrillic, Japanese, emoji and very long names', () => {
      const long = `N${'ö'.repeat(200)}`;
      const names = ['УЗЕЛ-1', 'ノード2', 'node-🚀', long];
      open({ nodes: names.map((name) => ({ name })), machine: 'УЗЕЛ-1' });
      simulatorClearCallLog();
      for (const name of names.slice(1)) {
        stopServiceOn(name, 'ClusSvc');
      }
      const log = simulatorCallLog();
      for (const name of names.slice(1)) assert.ok(log.includes(`ControlService:${name}:1`), `${name}: ${log.join(' ')}`);
      assert.equal(queryServiceOn(undefined, 'ClusSvc').currentState, ServiceState.running);
    });
  });
});
