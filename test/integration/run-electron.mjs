// The same integration suites in the desktop (Electron) VS Code, through
// @vscode/test-electron, for machines that can download VS Code from
// update.code.visualstudio.com. Where that download is impossible it fails with
// a message saying so (use "npm run test:integration" there: VS Code's server
// from the npm registry, driven by headless Chromium).
//
//   node test/integration/run-electron.mjs [--version 1.99.0]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = path.join(root, '.cache', 'vscode-electron');

function log(message) {
  process.stdout.write(`[integration:electron] ${message}\n`);
}

function ensureBuilt() {
  const steps = [
    [path.join(root, 'dist', 'extension.js'), 'npm', ['run', 'build']],
    [path.join(root, 'out', 'test', 'integration', 'suite', 'index.js'), 'npx', ['tsc', '-p', '.']],
    [path.join(root, 'build', 'simulator', process.platform === 'win32' ? 'clussim.dll' : 'libclussim.so'), 'npm', ['run', 'build:sim']],
  ];
  for (const [output, cmd, args] of steps) {
    if (fs.existsSync(output)) continue;
    log(`${path.relative(root, output)} is missing: ${cmd} ${args.join(' ')}`);
    spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    if (!fs.existsSync(output)) throw new Error(`${path.relative(root, output)} is still missing after "${cmd} ${args.join(' ')}".`);
  }
}

function isDownloadFailure(err) {
  const text = `${err?.message ?? err} ${err?.cause?.message ?? ''} ${err?.code ?? ''}`;
  return /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|update\.code\.visualstudio\.com|Failed to get|download/i.test(text);
}

async function main() {
  const versionIndex = process.argv.indexOf('--version');
  const version = versionIndex > 0 ? process.argv[versionIndex + 1] : 'stable';
  let passed = 0;
  let failed = 0;
  try {
    ensureBuilt();
    const { downloadAndUnzipVSCode, runTests } = await import('@vscode/test-electron');
    let vscodeExecutablePath;
    try {
      log(`getting VS Code ${version} from update.code.visualstudio.com (cached in ${path.relative(root, cache)})`);
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: cache, timeout: 30_000 });
    } catch (err) {
      const why = err?.message ?? String(err);
      throw new Error(isDownloadFailure(err)
        ? `VS Code ${version} could not be downloaded from update.code.visualstudio.com (${why}). This machine has no access to it; ` +
          'run "npm run test:integration" instead (VS Code\'s server from the npm registry, driven by headless Chromium).'
        : `Getting VS Code ${version} failed: ${why}`);
    }
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-electron-'));
    const workspace = path.join(scratch, 'workspace');
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    // No periodic refresh under test: the suites refresh when they mean to (no timing in the tests).
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'fcbackup.refreshIntervalSeconds': 0 }, null, 2));
    const resultsFile = path.join(scratch, 'results.json');
    try {
      const code = await runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath: root,
        extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'suite', 'index.js'),
        // The suites choose the native target through settings; an inherited FCBACKUP_SIMULATE would fill in for an empty one.
        extensionTestsEnv: { FCBACKUP_INTEGRATION_RESULTS: resultsFile, FCBACKUP_SIMULATE: undefined, FCBACKUP_LOCK_DIR: path.join(scratch, 'lock') },
        launchArgs: [
          workspace, '--disable-workspace-trust', '--disable-extensions', '--skip-welcome', '--skip-release-notes',
          '--user-data-dir', path.join(scratch, 'user-data'), '--extensions-dir', path.join(scratch, 'extensions'),
        ],
      }).catch((err) => {
        log(`the test run failed: ${err?.message ?? err}`);
        return 1;
      });
      const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : undefined;
      if (results) {
        passed += results.passed;
        failed += results.failed;
        for (const t of results.tests.filter((x) => x.state === 'failed')) log(`✗ ${t.title}\n${t.error ?? ''}`);
        if (!results.finished) failed++;
      } else {
        log('the suites wrote no results');
        failed++;
      }
      if (code !== 0 && failed === 0) failed++;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    }
  } catch (err) {
    failed++;
    log(`cannot run: ${err?.message ?? err}`);
  }
  console.log(`integration (electron): ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

await main();
