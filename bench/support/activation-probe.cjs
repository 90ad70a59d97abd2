// One activation measurement in a fresh process:
//   node activation-probe.cjs <module> <storage dir>
// installs the fake `vscode`, then times require(<module>) and its activate(context),
// and reports (JSON on stdout) the times, what was registered, and whether any
// native code (koffi or any .node module) got into this process.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { installFakeVscode, createFakeContext } = require('./fake-vscode.cjs');

function nativeModulesInProcess() {
  const fromCache = Object.keys(require.cache).filter((f) => f.endsWith('.node') || /[\\/]koffi[\\/]/.test(f));
  let mapped = [];
  try {
    mapped = fs.readFileSync('/proc/self/maps', 'utf8').split('\n')
      .map((line) => line.split(/\s+/).slice(5).join(' '))
      .filter((f) => f.endsWith('.node') || /koffi|clussim/.test(f));
  } catch {
    // /proc is Linux-only; the require cache still tells.
  }
  return [...new Set([...fromCache, ...mapped])];
}

async function main() {
  const [modulePath, storageDir] = process.argv.slice(2);
  const fake = installFakeVscode();
  const context = createFakeContext(path.dirname(path.dirname(modulePath)), storageDir);

  const t0 = process.hrtime.bigint();
  const extension = require(modulePath);
  const t1 = process.hrtime.bigint();
  await extension.activate(context);
  const t2 = process.hrtime.bigint();

  const result = {
    loadMs: Number(t1 - t0) / 1e6,
    activateMs: Number(t2 - t1) / 1e6,
    totalMs: Number(t2 - t0) / 1e6,
    native: nativeModulesInProcess(),
    registered: fake.recorder,
  };
  try {
    await extension.deactivate?.();
    for (const d of context.subscriptions) d?.dispose?.();
  } catch (err) {
    result.deactivateError = String(err);
  }
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ error: err && err.stack ? err.stack : String(err) }));
  process.exit(1);
});
