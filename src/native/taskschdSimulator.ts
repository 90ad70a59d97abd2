/**
 * The simulator's Task Scheduler control export (test/simulator/taskschd.c): record that
 * a task ran, as the Task Scheduler service would after running it. Tests only.
 */
import { simulatorControlBindings } from './loader';
import { dateToOle } from './taskschdTypes';

const api = simulatorControlBindings((lib) => ({
  ClusSimSetTaskRun: lib.func('int32_t ClusSimSetTaskRun(const char *path, double lastRun, int32_t lastResult)'),
}));

/** Sets the task's last run time and result; throws when the simulator has no such task. */
export function simulatorSetTaskRun(taskPath: string, lastRun: Date, lastResult: number): void {
  const rc = api().ClusSimSetTaskRun(taskPath, dateToOle(lastRun), lastResult | 0) as number;
  if (rc !== 0) throw new Error(`ClusSimSetTaskRun(${taskPath}) failed with ${rc}${rc === 2 ? ' (no such task)' : ''}`);
}
