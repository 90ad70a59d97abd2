// The VSIX stage of the test command (npm run test:package).
//
// Builds the release packages (win32-x64, win32-arm64) into artifacts/ and a
// linux-x64 package built the same way into .cache/package/check/, then checks
// every package's contents (no tests, simulator, sources, source maps or other
// platforms' binaries; the target's koffi binary present; a complete manifest),
// runs the linux-x64 package's own koffi and CLI against the simulator, and installs
// it into a real VS Code server where its tree must appear.
//
//   node test/package/run.mjs             everything (packages are always rebuilt)
//   node test/package/run.mjs --reuse     reuse packages that already exist
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  RELEASE_TARGETS, artifactsDir, koffiRuntimeFiles, packageTargets, pinnedKoffiVersion, root, vsixFileName,
} from '../../scripts/package.mjs';
import { vsixRules } from './checks.mjs';
import { extractZip, listZip, readZipEntries, writeZip } from './zip.mjs';
import { installCheck } from './install-check.mjs';
import { CHECK_TARGET, checkPackageDir, simulatorLibrary, writeCheckScenario } from './support.mjs';

const SIZE_GOAL_BYTES = 1_500_000;

let passed = 0;
let failed = 0;
function report(ok, name, detail) {
  if (ok) passed++;
  else failed++;
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `\n      ${detail.split('\n').join('\n      ')}` : ''}\n`);
}

async function check(name, fn) {
  try {
    const detail = await fn();
    report(true, name, typeof detail === 'string' ? detail : undefined);
  } catch (err) {
    report(false, name, err instanceof Error ? err.message : String(err));
  }
}

/** Builds the packages unless --reuse finds them all. Returns { target: file }. */
async function buildPackages(reuse) {
  const wanted = [
    ...RELEASE_TARGETS.map((target) => ({ target, file: path.join(artifactsDir, vsixFileName(target)), outDir: artifactsDir })),
    { target: CHECK_TARGET, file: path.join(checkPackageDir, vsixFileName(CHECK_TARGET)), outDir: checkPackageDir },
  ];
  const files = {};
  const missing = wanted.filter((w) => !(reuse && fs.existsSync(w.file)));
  if (missing.length > 0) {
    let build = true;
    for (const outDir of [artifactsDir, checkPackageDir]) {
      const targets = missing.filter((w) => w.outDir === outDir).map((w) => w.target);
      if (targets.length === 0) continue;
      await packageTargets(targets, { build, outDir });
      build = false;
    }
  }
  for (const w of wanted) files[w.target] = w.file;
  return files;
}

function runNode(args, options) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000, ...options });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error) throw new Error(`node ${args.join(' ')}: ${r.error.message}\n${output}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', output };
}

/** Windows node.exe and the Wine prefix that the Wine stage (npm run test:wine) prepares in .cache/wine/. */
function wineNode() {
  const cache = path.join(root, '.cache', 'wine');
  const prefix = path.join(cache, 'prefix');
  const nodeDirs = fs.existsSync(cache) ? fs.readdirSync(cache).filter((d) => /^node-v\d+\.\d+\.\d+$/.test(d)) : [];
  const nodeExe = nodeDirs.map((d) => path.join(cache, d, 'node.exe')).find((f) => fs.existsSync(f));
  if (!nodeExe || !fs.existsSync(path.join(prefix, 'system.reg'))) {
    throw new Error('Windows node.exe and a Wine prefix are not in .cache/wine/: run "npm run test:wine" first (it prepares them).');
  }
  return { nodeExe, prefix };
}

/**
 * Extracts the win32-x64 package and requires its koffi from Windows node.exe under
 * Wine: the loader files picked for the package must find the win32 binary the way
 * they do on Windows, and a call into kernel32 must come back right.
 */
function wineLoadCheck(vsix, koffiVersion) {
  const { nodeExe, prefix } = wineNode();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-package-wine-'));
  try {
    extractZip(vsix, path.join(scratch, 'vsix'));
    const windowsPath = (p) => `Z:${p.split('/').join('\\')}`;
    const koffiDir = windowsPath(path.join(scratch, 'vsix', 'extension', 'node_modules', 'koffi'));
    const resultFile = path.join(scratch, 'result.json');
    // Under Wine, Windows node.exe cannot use Linux pipes as stdio: the probe writes a file instead.
    const probe = [
      "const fs = require('node:fs');",
      'let result;',
      'try {',
      `  const koffi = require(${JSON.stringify(koffiDir)});`,
      "  const pid = koffi.load('kernel32.dll').func('uint32_t __stdcall GetCurrentProcessId()')();",
      "  result = { version: koffi.version, pid, expected: process.pid, natives: Object.keys(require.cache).filter((f) => f.endsWith('.node')) };",
      '} catch (err) { result = { error: String(err && err.stack || err) }; }',
      `fs.writeFileSync(${JSON.stringify(windowsPath(resultFile))}, JSON.stringify(result));`,
    ].join('\n');
    const env = { ...process.env, WINEPREFIX: prefix, WINEARCH: 'win64', WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const r = spawnSync('wine', [nodeExe, '-e', probe], { cwd: scratch, env, stdio: 'ignore', timeout: 180_000 });
    if (r.error) throw new Error(`wine could not run: ${r.error.message}`);
    if (!fs.existsSync(resultFile)) throw new Error(`node.exe under Wine exited with ${r.status ?? r.signal} and wrote no result`);
    const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    if (result.error) throw new Error(`requiring the packaged koffi failed under Windows node.exe:\n${result.error}`);
    if (result.version !== koffiVersion) throw new Error(`koffi.version is ${result.version}, expected ${koffiVersion}`);
    if (result.pid !== result.expected) throw new Error(`GetCurrentProcessId() through koffi returned ${result.pid}, expected ${result.expected}`);
    const native = result.natives.find((f) => /koffi-win32-x64[\\/]win32_x64[\\/]koffi\.node$/i.test(f));
    if (!native) throw new Error(`the native module did not come from the package's koffi-win32-x64: ${result.natives.join(', ') || 'none loaded'}`);
    return `koffi ${result.version} under ${path.relative(root, nodeExe)}; GetCurrentProcessId() = process.pid`;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const reuse = process.argv.includes('--reuse');
  let files;
  try {
    files = await buildPackages(reuse);
    report(true, `built ${Object.values(files).map((f) => path.relative(root, f)).join(', ')}`);
  } catch (err) {
    report(false, 'build the packages (npm run package)', err instanceof Error ? err.message : String(err));
    return;
  }

  const koffiVersion = pinnedKoffiVersion();
  const koffiFiles = koffiRuntimeFiles();
  const sizes = [];
  for (const [target, vsix] of Object.entries(files)) {
    const entries = listZip(vsix);
    for (const rule of vsixRules({ vsix, target, entries, koffiFiles, koffiVersion })) {
      await check(`${target}: ${rule.name}`, () => {
        const problems = rule.check();
        if (problems.length > 0) throw new Error(rule.summarize(problems));
      });
    }
    const bytes = fs.statSync(vsix).size;
    const unpacked = entries.reduce((sum, e) => sum + e.size, 0);
    sizes.push({ target, vsix, bytes, unpacked, entries: entries.length });
  }

  // The rules themselves: each must reject a copy of a good package altered in the one
  // way it guards against (otherwise a rule that can never fail would pass above).
  const tamperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-package-tamper-'));
  try {
    const target = RELEASE_TARGETS[0];
    const good = readZipEntries(files[target]);
    const add = (name, text = '// altered\n') => (entries) => [...entries, { name, data: Buffer.from(text) }];
    const binary = `extension/node_modules/@koromix/koffi-${target}/${target.replace('-', '_')}/koffi.node`;
    const alterations = [
      ['holds no tests', 'a compiled test suite', add('extension/out/test/unit/tree.test.js')],
      ['holds no simulator', 'the simulator library', add('extension/build/simulator/libclussim.so')],
      ['holds no sources', 'a TypeScript source', add('extension/src/extension.ts')],
      ['holds no source maps', 'a source map', add('extension/dist/extension.js.map', '{}')],
      ['holds no test hooks', 'an engine bundle with the leak report request', (entries) => entries.map((e) => (e.name === 'extension/dist/worker.js'
        ? { name: e.name, data: Buffer.concat([e.data, Buffer.from('\nconst leak = "fcb/test/leakReport";\n')]) } : e))],
      ["holds no other platform's native binary", 'the Linux koffi binary', add('extension/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node')],
      [`holds @koromix/koffi-${target}`, 'no koffi.node of its own', (entries) => entries.filter((e) => e.name !== binary)],
      ['manifest has what the Marketplace needs', 'a manifest without publisher', (entries) => entries.map((e) => {
        if (e.name !== 'extension/package.json') return e;
        const manifest = JSON.parse(e.data.toString('utf8'));
        delete manifest.publisher;
        return { name: e.name, data: Buffer.from(JSON.stringify(manifest)) };
      })],
    ];
    for (const [ruleName, what, alter] of alterations) {
      await check(`check self-test: "${ruleName}" rejects a package with ${what}`, () => {
        const altered = path.join(tamperDir, 'altered.vsix');
        writeZip(altered, alter(good));
        const rules = vsixRules({ vsix: altered, target, entries: listZip(altered), koffiFiles, koffiVersion });
        const rule = rules.find((r) => r.name.startsWith(ruleName));
        if (!rule) throw new Error(`no rule named "${ruleName}"`);
        const problems = rule.check();
        if (problems.length === 0) throw new Error('the rule passed the altered package');
        const others = rules.filter((r) => r !== rule && r.check().length > 0).map((r) => r.name);
        return `caught: ${rule.summarize(problems)}${others.length ? `; also flagged by: ${others.join('; ')}` : ''}`;
      });
    }
  } finally {
    fs.rmSync(tamperDir, { recursive: true, force: true });
  }

  // The linux-x64 package on this machine: its own koffi pieces load, and its CLI
  // (with its engine process) reads the simulator through them.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-package-'));
  try {
    const extracted = path.join(scratch, 'vsix');
    extractZip(files[CHECK_TARGET], extracted);
    const extensionDir = path.join(extracted, 'extension');
    await check(`${CHECK_TARGET}: the packaged koffi loads its own native binary and calls into libc`, () => {
      const probe = [
        `const koffi = require(${JSON.stringify(path.join(extensionDir, 'node_modules', 'koffi'))});`,
        "const getpid = koffi.load('libc.so.6').func('int getpid()');",
        'const natives = Object.keys(require.cache).filter((f) => f.endsWith(".node"));',
        'process.stdout.write(JSON.stringify({ version: koffi.version, pid: getpid(), expected: process.pid, natives }));',
      ].join('\n');
      const r = runNode(['-e', probe], { cwd: scratch });
      if (r.status !== 0) throw new Error(`loading koffi from the package failed:\n${r.output}`);
      const result = JSON.parse(r.stdout);
      if (result.version !== koffiVersion) throw new Error(`koffi.version is ${result.version}, expected ${koffiVersion}`);
      if (result.pid !== result.expected) throw new Error(`getpid() through koffi returned ${result.pid}, expected ${result.expected}`);
      const native = result.natives.find((f) => f.startsWith(extensionDir));
      if (!native) throw new Error(`the native module did not come from the package: ${result.natives.join(', ') || 'none loaded'}`);
      return `koffi ${result.version} from ${path.relative(extensionDir, native)}`;
    });
    await check(`${CHECK_TARGET}: the packaged CLI reports the simulated cluster through its engine process`, () => {
      const scenario = writeCheckScenario(path.join(scratch, 'scenario'), 'PKG-CHECK-CLUSTER');
      const env = { ...process.env, FCBACKUP_SIMULATOR_LIBRARY: simulatorLibrary() };
      delete env.FCBACKUP_SIMULATE;
      const r = runNode([path.join(extensionDir, 'dist', 'cli.js'), 'status', '--simulate', scenario, '--json'], { cwd: scratch, env });
      if (r.status !== 0) throw new Error(`fcbackup status exited with ${r.status ?? r.signal}:\n${r.output}`);
      if (!r.stdout.includes('PKG-CHECK-CLUSTER') || !r.stdout.includes('PKG-NODE2')) {
        throw new Error(`the status output does not name the cluster and its nodes:\n${r.output}`);
      }
      return 'fcbackup status --json names PKG-CHECK-CLUSTER and its nodes';
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  await check('win32-x64: the packaged koffi loads under Windows node.exe (Wine) and calls kernel32', () => wineLoadCheck(files['win32-x64'], koffiVersion));

  await check(`${CHECK_TARGET}: installs into the VS Code server, is listed, and its tree shows the simulated cluster`, async () => {
    const result = await installCheck(files[CHECK_TARGET]);
    return result.summary;
  });

  process.stdout.write('\nVSIX sizes (goal for the release packages: at most 1.5 MB):\n');
  for (const s of sizes) {
    const mb = (s.bytes / 1e6).toFixed(2);
    const goal = RELEASE_TARGETS.includes(s.target) ? (s.bytes <= SIZE_GOAL_BYTES ? 'within goal' : 'OVER GOAL') : 'install check only';
    process.stdout.write(`  ${s.target.padEnd(12)} ${String(s.bytes).padStart(9)} bytes (${mb} MB), ${s.entries} files, ` +
      `${(s.unpacked / 1024).toFixed(0)} KiB unpacked  ${goal}  ${path.relative(root, s.vsix)}\n`);
  }
}

try {
  await main();
} catch (err) {
  report(false, 'test/package/run.mjs', err instanceof Error ? err.stack ?? err.message : String(err));
}
process.stdout.write(`package: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
