/**
 * The loader with a scenario the simulator rejects: the library is never used until
 * ClusSimOpenScenario accepted the scenario the target names. Every call reports the
 * scenario error again (never ERROR_NOT_READY from a library with no scenario open, nor
 * an answer from the scenario that was open before), and once the file is fixed the
 * next call opens it and works.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getNodeClusterState } from '../../src/native/clusapi';
import { getComputerName } from '../../src/native/kernel32';
import { configureNative, isAnyNativeLibraryLoaded, ScenarioError } from '../../src/native/loader';
import { makeTempScenario, writeScenario, writeScenarioText, type TempScenario } from '../support/scenario';
import { assertNoLeaks, useScenario } from '../support/sim';

const BROKEN = '{ "nodes": [ this is not JSON';

function isScenarioError(scenario: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
    assert.equal(err.scenario, scenario);
    assert.match(err.message, /^Simulator scenario .*scenario\.json: /);
    return true;
  };
}

describe('native loader with a rejected scenario', () => {
  const temps: TempScenario[] = [];
  function temp(machine: string): TempScenario {
    const t = makeTempScenario({ machine, nodes: [{ name: machine }] });
    temps.push(t);
    return t;
  }

  after(() => {
    assertNoLeaks();
    for (const t of temps) t.cleanup();
  });

  it('reports the scenario error on every call after the first load, and opens the fixed file on the next call', () => {
    const t = temp('NODE1');
    const broken = writeScenarioText(path.join(t.dir, 'later'), BROKEN);
    // A different target first, so that the simulator library is loaded afresh below.
    configureNative({ kind: 'windows' });
    useScenario(broken);
    assert.equal(isAnyNativeLibraryLoaded(), false, 'choosing a target must not load a library');

    assert.throws(() => getNodeClusterState(), isScenarioError(broken));
    // The second request is what a refresh racing another refresh sends.
    assert.throws(() => getNodeClusterState(), isScenarioError(broken));
    assert.throws(() => getComputerName(), isScenarioError(broken));
    assert.equal(isAnyNativeLibraryLoaded(), false, 'a library whose scenario was rejected must not stay loaded as usable');

    writeScenario(path.dirname(broken), { machine: 'FIXED1', nodes: [{ name: 'FIXED1' }] });
    assert.equal(getComputerName(), 'FIXED1');
    assert.equal(isAnyNativeLibraryLoaded(), true);
  });

  it('reports a scenario rejected in place again instead of answering from the previous one', () => {
    const good = temp('GOOD1');
    useScenario(good.path);
    assert.equal(getComputerName(), 'GOOD1');
    const broken = writeScenarioText(path.join(good.dir, 'broken'), BROKEN);

    assert.throws(() => useScenario(broken), isScenarioError(broken));
    assert.throws(() => getComputerName(), isScenarioError(broken));
    assert.throws(() => getNodeClusterState(), isScenarioError(broken));

    // Going back to the scenario that is still open needs no reopen and works.
    useScenario(good.path);
    assert.equal(getComputerName(), 'GOOD1');
    // A fixed file at the rejected path opens on the first call after it is chosen again.
    fs.writeFileSync(broken, fs.readFileSync(good.path));
    useScenario(broken);
    assert.equal(getComputerName(), 'GOOD1');
  });
});
