/**
 * A process that runs one restore against the simulator with a fault armed in "crash"
 * mode, so the process dies inside that call (restore-crash.test.ts starts it).
 *
 *   node restore-crash-child.js SCENARIO SET LOCK_FOLDER FAULT_NAME NTH_CALL
 */
import { makeContext } from '../../src/engine/context';
import { restoreCluster } from '../../src/engine/restore';
import { simulatorCallLog, simulatorInjectFault } from '../../src/native/simulator';
import { useScenario } from '../support/sim';

async function main(): Promise<void> {
  const [scenario, set, lockFolder, faultName, nthCall] = process.argv.slice(2);
  useScenario(scenario);
  simulatorCallLog(); // opens the scenario before the fault is armed
  simulatorInjectFault(faultName, Number(nthCall), 0x80042302, 'crash');
  await restoreCluster({ set, authoritative: true, stopOtherNodes: true }, makeContext(), { lockFolder });
  process.stdout.write('restore finished without reaching the fault\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(3);
});
