// The integration stage: the extension's mocha suites inside a real VS Code
// extension host (VS Code's server from code-server, driven by headless Chromium),
// then a browser-level check of the workbench UI (ui-check.mjs) on a second server
// of its own, started without the smoke test driver so that toasts show, with the
// extension installed from a package.
//
//   node test/integration/run-server.mjs            everything
//   node test/integration/run-server.mjs --no-ui    only the suites inside the extension host
//
// Ends with "integration: N passed, N failed". Anything it needs and cannot get
// (Chromium, the npm registry for the first install, the simulator) fails the stage
// with a message naming it; nothing is skipped. The server always stops.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MissingPrerequisite, cacheDir, ensureChromium, ensureCodeServer, launchBrowser, loadPlaywright, remoteUri, root, startServer,
  workbenchUrl,
} from './vscode-server.mjs';

// Only a guard against a hung extension host, not a speed check: an unloaded 2-core machine needs about 1.5 min,
// one with a load average of 40 needed over 6 min. FCBACKUP_INTEGRATION_TIMEOUT_MIN overrides it.
const SUITE_TIMEOUT_MS = Number(process.env.FCBACKUP_INTEGRATION_TIMEOUT_MIN ?? 25) * 60_000;
/** A quiet workbench: no welcome page, chat or Git prompts around the tests and the screenshots. */
const QUIET_WORKBENCH = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  // No periodic refresh under test: the suites refresh when they mean to (no timing in the tests).
  'fcbackup.refreshIntervalSeconds': 0,
};
const noUi = process.argv.includes('--no-ui');

function log(message) {
  process.stdout.write(`[integration] ${message}\n`);
}

function newestMtime(entries) {
  let newest = 0;
  const visit = (p) => {
    if (!fs.existsSync(p)) return;
    const stat = fs.statSync(p);
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const e of entries) visit(path.join(root, e));
  return newest;
}

function mtime(file) {
  return fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
}

function runStep(what, cmd, args) {
  log(`${what}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return r;
}

/** The bundle, the compiled suites and the simulator library, (re)built when missing or older than their sources. */
function ensureBuilt() {
  const sources = newestMtime(['src', 'package.json']);
  const bundle = path.join(root, 'dist', 'extension.js');
  if (mtime(bundle) < sources || mtime(path.join(root, 'dist', 'worker.js')) < sources) {
    const r = runStep('bundling', 'npm', ['run', 'build']);
    if (r.status !== 0 || !fs.existsSync(bundle)) {
      throw new MissingPrerequisite(`"npm run build" failed, so there is no dist/extension.js to test:\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n')}`);
    }
  }
  const suiteIndex = path.join(root, 'out', 'test', 'integration', 'suite', 'index.js');
  const testSources = newestMtime(['test/integration/suite', 'test/support', 'src']);
  if (mtime(suiteIndex) < testSources || mtime(path.join(root, 'out', 'test', 'support', 'scenario.js')) < testSources) {
    // tsc emits even when files elsewhere in the project have type errors; the suites only need their own output.
    const r = runStep('compiling', 'npx', ['tsc', '-p', '.']);
    const ours = `${r.stdout}`.split('\n').filter((l) => /test\/integration|test\/support|src\/ui|src\/extension/.test(l));
    if (ours.length > 0) log(`type errors in the suites or the UI:\n${ours.join('\n')}`);
    if (!fs.existsSync(suiteIndex)) throw new MissingPrerequisite(`"npx tsc -p ." did not produce ${path.relative(root, suiteIndex)}:\n${r.stdout}`);
  }
  const simulator = path.join(root, 'build', 'simulator', 'libclussim.so');
  const simSources = newestMtime(['test/simulator']);
  if (mtime(simulator) < simSources) {
    // build:sim also builds the Windows DLL for the Wine stage; only the Linux library matters here.
    const r = runStep('building the simulator', 'npm', ['run', 'build:sim']);
    if (mtime(simulator) < simSources) {
      throw new MissingPrerequisite(`The simulator library ${path.relative(root, simulator)} is missing or out of date and "npm run build:sim" did not build it:\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n')}`);
    }
    if (r.status !== 0) log(`"npm run build:sim" failed for another target, but ${path.relative(root, simulator)} is built`);
  }
}

function makeScratch() {
  const runs = path.join(cacheDir, 'runs');
  fs.rmSync(runs, { recursive: true, force: true });
  const scratch = path.join(runs, `run-${Date.now()}`);
  fs.mkdirSync(path.join(scratch, 'workspace'), { recursive: true });
  return scratch;
}

function readResults(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function runSuites(server, scratch, resultsFile) {
  const context = await launchBrowser(scratch, 'suites');
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    let settle;
    const exited = new Promise((resolve) => { settle = resolve; });
    await page.exposeFunction('codeAutomationExit', (code) => { settle(typeof code === 'number' ? code : 1); });
    // The suites print one "[integration] ✓/✗ title" line per test; the extension host's
    // console reaches the page (and codeAutomationLog) with a styling prefix.
    const seen = new Set();
    const echo = (line) => {
      const text = String(line);
      const at = text.indexOf('[integration] ');
      if (at < 0) return;
      const clean = text.slice(at + '[integration] '.length).trimEnd();
      if (seen.has(clean)) return;
      seen.add(clean);
      process.stdout.write(`  ${clean}\n`);
    };
    await page.exposeFunction('codeAutomationLog', echo);
    page.on('console', (message) => echo(message.text()));
    page.on('pageerror', (err) => log(`page error: ${err.message}`));
    const payload = [
      ['extensionDevelopmentPath', remoteUri(server.port, root)],
      ['extensionTestsPath', remoteUri(server.port, path.join(root, 'out', 'test', 'integration', 'suite', 'index.js'))],
    ];
    const started = Date.now();
    // Only the navigation itself: the suites' end (codeAutomationExit) is what the stage waits for.
    await page.goto(workbenchUrl(server.port, path.join(scratch, 'workspace'), payload), { waitUntil: 'commit' });
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), SUITE_TIMEOUT_MS).unref());
    const code = await Promise.race([exited, timeout]);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const results = readResults(resultsFile);
    if (code === 'timeout') {
      log(`the suites did not finish within ${SUITE_TIMEOUT_MS / 60_000} min`);
      return { code: 1, results, seconds };
    }
    return { code, results, seconds };
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** The failures in full (the live lines carry only their first line). */
function printFailures(results) {
  const failures = results?.tests.filter((t) => t.state === 'failed') ?? [];
  if (failures.length === 0) return;
  log(`${failures.length} failure(s):`);
  for (const t of failures) {
    process.stdout.write(`  ✗ ${t.title}\n`);
    if (t.error) process.stdout.write(`${t.error.split('\n').slice(0, 14).map((l) => `      ${l}`).join('\n')}\n`);
  }
}

async function main() {
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  let server;
  const stopOnSignal = (signal) => {
    log(`${signal}: stopping the VS Code server`);
    server?.stopNow();
    process.exit(130);
  };
  process.on('SIGINT', stopOnSignal);
  process.on('SIGTERM', stopOnSignal);
  process.on('exit', () => server?.stopNow());
  try {
    ensureChromium();
    loadPlaywright();
    ensureBuilt();
    ensureCodeServer();
    const scratch = makeScratch();
    const resultsFile = path.join(scratch, 'results.json');
    // The engine finds its target from the settings the tests write, never from this shell.
    delete process.env.FCBACKUP_SIMULATE;
    // The machine-wide operation lock in a folder of this run's own: another stage or checkout running
    // backups on the same machine at the same time would otherwise hold it ("Another backup or restore
    // is running"), as the engine and process stages already arrange for themselves.
    process.env.FCBACKUP_LOCK_DIR = path.join(scratch, 'lock');
    process.env.FCBACKUP_INTEGRATION_RESULTS = resultsFile;
    // The operation lock is machine-wide; this run's engines use their own, so another checkout's tests on the
    // same machine can neither block nor be blocked by this run.
    process.env.FCBACKUP_LOCK_DIR = path.join(scratch, 'lock');
    // The extension's engine serves the test-only requests (the leak report): src/testProtocol.ts.
    process.env.FCBACKUP_TEST_HOOKS = '1';
    server = await startServer(path.join(scratch, 'server'), { userSettings: QUIET_WORKBENCH });
    log(`VS Code server on 127.0.0.1:${server.port} (pid ${server.pid}, log ${path.relative(root, server.logPath)})`);

    const suites = await runSuites(server, scratch, resultsFile);
    printFailures(suites.results);
    const r = suites.results;
    if (!r) {
      log(`the suites wrote no results (exit code ${suites.code}); the extension host did not run them — see ${path.relative(root, server.logPath)}`);
      failed++;
    } else {
      passed += r.passed;
      failed += r.failed;
      if (!r.finished) {
        log('the suites did not finish');
        failed++;
      } else if (suites.code !== 0 && r.failed === 0) {
        log(`the test run exited with code ${suites.code} although no test failed`);
        failed++;
      }
    }
    log(`suites: exit code ${suites.code} in ${suites.seconds} s`);

    // The suites' server runs with the smoke test driver, which hides toasts: the UI check
    // starts its own server, without it, with the extension installed from a package.
    await server.stop();
    server = undefined;
    if (!noUi) {
      const { runUiCheck } = await import('./ui-check.mjs');
      const ui = await runUiCheck({
        scratch, serverSettings: QUIET_WORKBENCH, simulatorLibrary: path.join(root, 'build', 'simulator', 'libclussim.so'),
        // Stopped here too when the run is interrupted.
        onServerStarted: (uiServer) => { server = uiServer; },
      });
      for (const check of ui.checks) {
        process.stdout.write(`  ${check.ok ? '✓' : '✗'} ui: ${check.title}${check.ok ? '' : `\n      ${check.detail}`}\n`);
        if (check.ok) passed++;
        else failed++;
      }
      for (const shot of ui.screenshots) log(`screenshot: ${path.relative(root, shot)}`);
    }
  } catch (err) {
    failed++;
    if (err instanceof MissingPrerequisite) log(`cannot run: ${err.message}`);
    else log(`failed: ${err?.stack ?? err}`);
  } finally {
    if (server) await server.stop();
  }
  log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`integration: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

await main();
