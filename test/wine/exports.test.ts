/**
 * The export check of the Windows-ABI stage (run only by test/wine/run.mjs, with Windows
 * node.exe under Wine): every function the native bridge declares from a Windows system
 * DLL must be exported under that name by that DLL. The list comes from the bridge
 * itself (declaredExports() over every compiled src/native module); nothing is called.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { declaredExports, systemDllPath, type DeclaredExport, type DllName } from '../../src/native/loader';
import { findUnresolvedExports, type UnresolvedExport } from '../../src/native/exportCheck';
import { projectRoot, simulatorLibraryPath } from '../support/sim';

/**
 * Exports that Windows has and Wine 8.0 lacks (docs/windows.md, What Wine provides), keyed "dll!name".
 * They are still checked against the simulator; against Wine they must stay missing,
 * so the entry is removed once Wine gains the export.
 */
const MISSING_IN_WINE: Readonly<Record<string, string>> = {
  'clusapi!OpenClusterEx': 'Wine 8.0 clusapi.dll does not export OpenClusterEx (GetProcAddress returns NULL)',
  'clusapi!PauseClusterNodeEx': 'Wine 8.0 clusapi.dll does not export PauseClusterNodeEx (observed: koffi cannot find it)',
  'clusapi!ResumeClusterNodeEx': 'Wine 8.0 clusapi.dll does not export ResumeClusterNodeEx (observed: koffi cannot find it)',
  'vssapi!?CreateVssBackupComponents@@YAJPEAPEAVIVssBackupComponents@@@Z':
    'Wine 8.0 x64 vssapi.dll exports only the x86 spelling of CreateVssBackupComponents (@@YGJPAPAV…)',
};

const DLLS: readonly DllName[] = ['clusapi', 'vssapi', 'advapi32', 'ole32', 'oleaut32', 'kernel32'];

const compiledNativeDir = path.join(projectRoot, 'out', 'src', 'native');

/**
 * Imports every compiled bridge module, so that each one registers its bindings. Only
 * modules whose source still exists count: out/ may hold files of deleted sources.
 */
function importEveryBridgeModule(): string[] {
  const modules = fs.readdirSync(compiledNativeDir)
    .filter((f) => f.endsWith('.js') && fs.existsSync(path.join(projectRoot, 'src', 'native', f.replace(/\.js$/, '.ts'))))
    .sort();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module list is only known at run time
  for (const file of modules) require(path.join(compiledNativeDir, file));
  return modules;
}

function key(e: DeclaredExport): string {
  return `${e.dll}!${e.name}`;
}

function describeUnresolved(list: readonly UnresolvedExport[]): string {
  return list.map((u) => `  ${u.dll}: ${u.name} — ${u.reason}`).join('\n');
}

describe('Windows exports declared by the native bridge (Wine system DLLs)', function () {
  const modules = importEveryBridgeModule();
  const declared = declaredExports();

  before(function () {
    if (process.platform !== 'win32') {
      throw new Error('This check needs Windows node.exe (run it with "npm run test:wine"), not ' + process.platform);
    }
  });

  it('lists the declarations of every bridge module that binds a system DLL', function () {
    assert.ok(declared.length > 0, 'declaredExports() found no declarations');
    for (const dll of DLLS) {
      if (!modules.includes(`${dll}.js`)) continue;
      assert.ok(declared.some((e) => e.dll === dll), `src/native/${dll}.ts exists but declares nothing from ${dll}.dll through lazyBindings()`);
    }
    assert.ok(!declared.some((e) => e.name.startsWith('ClusSim')), 'simulator control exports must not be listed as Windows exports');
  });

  it('no bridge module loads a library or declares a function outside lazyBindings()', function () {
    // Otherwise its declarations would escape declaredExports() and this check.
    const allowed = new Set(['loader.js', 'exportCheck.js']);
    const offenders = modules.filter((file) => {
      if (allowed.has(file)) return false;
      const code = fs.readFileSync(path.join(compiledNativeDir, file), 'utf8');
      return /\bloadDll\b|\bkoffi\w*\.(default\.)?load\(/.test(code);
    });
    if (offenders.length > 0) assert.fail(`load libraries through lazyBindings() instead: ${offenders.join(', ')}`);
  });

  for (const dll of DLLS) {
    const names = declared.filter((e) => e.dll === dll);
    if (names.length === 0) continue;
    it(`${dll}.dll exports the ${names.length} function(s) the bridge declares from it`, function () {
      const unresolved = findUnresolvedExports(names, systemDllPath);
      const unexpected = unresolved.filter((u) => !(key(u) in MISSING_IN_WINE));
      if (unexpected.length > 0) assert.fail(`not exported by Wine's ${dll}.dll:\n${describeUnresolved(unexpected)}`);
      const missing = new Set(unresolved.map(key));
      const nowPresent = names.filter((e) => key(e) in MISSING_IN_WINE && !missing.has(key(e))).map(key);
      if (nowPresent.length > 0) assert.fail(`Wine exports these now, remove them from MISSING_IN_WINE: ${nowPresent.join(', ')}`);
    });
  }

  it('the simulator DLL exports every declared function under the same name', function () {
    const library = simulatorLibraryPath();
    const unresolved = findUnresolvedExports(declared, () => library);
    if (unresolved.length > 0) assert.fail(`not exported by ${library}:\n${describeUnresolved(unresolved)}`);
  });
});
