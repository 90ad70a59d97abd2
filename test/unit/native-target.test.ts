/**
 * resolveNativeTarget: flag > setting > FCBACKUP_SIMULATE > Windows DLLs on win32 > unavailable.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { defaultSimulatorLibrary, resolveNativeTarget } from '../../src/client/nativeTarget';

const root = path.resolve('/opt/fcb');

describe('resolveNativeTarget', () => {
  it('prefers the explicit flag over the setting and the environment', () => {
    const t = resolveNativeTarget({ simulate: 'a.json', setting: 'b.json', env: { FCBACKUP_SIMULATE: 'c.json' }, platform: 'linux', root });
    assert.deepEqual(t, { kind: 'simulator', library: path.join(root, 'build', 'simulator', 'libclussim.so'), scenario: path.resolve('a.json') });
  });

  it('uses the setting, then the environment', () => {
    assert.equal((resolveNativeTarget({ setting: 'b.json', env: { FCBACKUP_SIMULATE: 'c.json' }, platform: 'linux', root }) as { scenario: string }).scenario, path.resolve('b.json'));
    assert.equal((resolveNativeTarget({ env: { FCBACKUP_SIMULATE: 'c.json' }, platform: 'win32', root }) as { scenario: string }).scenario, path.resolve('c.json'));
  });

  it('ignores blank values', () => {
    assert.deepEqual(resolveNativeTarget({ simulate: '  ', setting: '', env: { FCBACKUP_SIMULATE: '' }, platform: 'win32', root }), { kind: 'windows' });
  });

  it('uses the Windows DLLs on win32 without a simulator', () => {
    assert.deepEqual(resolveNativeTarget({ env: {}, platform: 'win32', root }), { kind: 'windows' });
  });

  it('is unavailable elsewhere and says how to use the simulator', () => {
    const t = resolveNativeTarget({ env: {}, platform: 'linux', root });
    assert.equal(t.kind, 'unavailable');
    assert.match((t as { reason: string }).reason, /Windows/);
    assert.match((t as { reason: string }).reason, /--simulate/);
    assert.match((t as { reason: string }).reason, /FCBACKUP_SIMULATE/);
  });

  it('makes the scenario path absolute (the engine may run elsewhere)', () => {
    const t = resolveNativeTarget({ simulate: path.join('rel', 'scen.json'), env: {}, platform: 'linux', root });
    assert.equal(path.isAbsolute((t as { scenario: string }).scenario), true);
  });
});

describe('defaultSimulatorLibrary', () => {
  it('names the platform library under build/simulator', () => {
    assert.equal(defaultSimulatorLibrary(root, {}, 'linux'), path.join(root, 'build', 'simulator', 'libclussim.so'));
    assert.equal(defaultSimulatorLibrary(root, {}, 'win32'), path.join(root, 'build', 'simulator', 'clussim.dll'));
  });

  it('lets FCBACKUP_SIMULATOR_LIBRARY override it', () => {
    const custom = path.resolve('/elsewhere/libclussim.so');
    assert.equal(defaultSimulatorLibrary(root, { FCBACKUP_SIMULATOR_LIBRARY: custom }, 'linux'), custom);
    const t = resolveNativeTarget({ simulate: 's.json', env: { FCBACKUP_SIMULATOR_LIBRARY: custom }, platform: 'linux', root });
    assert.equal((t as { library: string }).library, custom);
  });

  it('finds the project root from the module when none is given', () => {
    assert.match(defaultSimulatorLibrary(undefined, {}, 'linux'), /build[\\/]simulator[\\/]libclussim\.so$/);
  });
});
