// Installs a VSIX into the real VS Code server of the integration stage
// (code-server's build of VS Code, .cache/vscode/) the way an administrator would
// (--install-extension), checks that the server lists it and that the installed
// folder holds the bundle and its koffi binary, then opens the workbench in headless
// Chromium with the simulator standing in for Windows and waits for the extension's
// tree to show the simulated cluster.
//
// The server runs on Linux, which cannot load a Windows binary, so the package used
// here is the linux-x64 one built exactly like the release packages.
//
//   node test/package/install-check.mjs [VSIX]   (default: builds the linux-x64 check package)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageCacheDir, packageTargets, root, vsixFileName } from '../../scripts/package.mjs';
import { readZipEntry } from './zip.mjs';
import { CHECK_TARGET, checkPackageDir, simulatorLibrary, writeCheckScenario } from './support.mjs';

const CLUSTER = 'PKG-INSTALL-CLUSTER';

function log(message) {
  process.stdout.write(`[install-check] ${message}\n`);
}

async function serverHelpers() {
  return import(pathToFileURL(path.join(root, 'test', 'integration', 'vscode-server.mjs')).href);
}

/** Runs the server's command line (`helpers`: vscode-server.mjs) with all of its state inside `scratch`. */
function serverCli(helpers, serverMain, scratch, args) {
  const { node24, serverEnv } = helpers;
  const r = spawnSync(node24, [serverMain, '--accept-server-license-terms',
    '--extensions-dir', path.join(scratch, 'extensions'),
    '--user-data-dir', path.join(scratch, 'user-data'),
    '--server-data-dir', path.join(scratch, 'server-data'), ...args],
  { cwd: scratch, env: serverEnv(scratch), encoding: 'utf8', timeout: 180_000 });
  const output = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim();
  if (r.error) throw new Error(`server-main.js ${args.join(' ')}: ${r.error.message}\n${output}`);
  if (r.status !== 0) throw new Error(`server-main.js ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${output.slice(-2000)}`);
  return output;
}

/** The titles under which the extension's views show in the workbench (from its manifest and its package.nls.json). */
function viewTitles(manifest, nls) {
  const text = (value) => {
    const m = /^%(.+)%$/.exec(String(value ?? ''));
    if (!m) return value;
    const entry = nls[m[1]];
    return typeof entry === 'string' ? entry : entry?.message ?? value;
  };
  const contributes = manifest.contributes ?? {};
  const containers = Object.values(contributes.viewsContainers ?? {}).flat().map((c) => ({ id: c.id, title: text(c.title) }));
  const views = Object.entries(contributes.views ?? {}).flatMap(([container, list]) => list.map((v) => ({ container, id: v.id, name: text(v.name) })));
  return { containers, views };
}

/**
 * Runs the whole check. Returns { summary, installMs, treeMs, screenshot }; throws
 * with what failed.
 */
export async function installCheck(vsix) {
  const helpers = await serverHelpers();
  const { ensureCodeServer, ensureChromium, startServer, chromiumArgs, socketDir } = helpers;
  const serverMain = ensureCodeServer();
  const chromiumPath = ensureChromium();
  const manifest = JSON.parse(readZipEntry(vsix, 'extension/package.json').toString('utf8'));
  const extensionId = `${manifest.publisher}.${manifest.name}`.toLowerCase();

  const scratch = path.join(packageCacheDir, 'install-check');
  fs.rmSync(scratch, { recursive: true, force: true });
  for (const d of ['extensions', 'user-data', 'server-data', 'xdg-config', 'xdg-data', 'xdg-cache', 'xdg-state', 'home', 'workspace', 'browser']) {
    fs.mkdirSync(path.join(scratch, d), { recursive: true });
  }

  // 1. Install as an administrator would, then ask the server what it has.
  const installStarted = Date.now();
  log(`installing ${path.relative(root, vsix)}`);
  serverCli(helpers, serverMain, scratch, ['--install-extension', vsix, '--force']);
  const installMs = Date.now() - installStarted;
  const listed = serverCli(helpers, serverMain, scratch, ['--list-extensions', '--show-versions']);
  const expected = `${extensionId}@${manifest.version}`;
  if (!listed.toLowerCase().split(/\s+/).includes(expected)) throw new Error(`--list-extensions does not show ${expected}:\n${listed}`);

  const installedDir = fs.readdirSync(path.join(scratch, 'extensions')).find((d) => d.toLowerCase().startsWith(`${extensionId}-`));
  if (!installedDir) throw new Error(`no ${extensionId}-* folder in the extensions folder`);
  const installed = path.join(scratch, 'extensions', installedDir);
  const mustExist = [String(manifest.main ?? 'dist/extension.js').replace(/^\.\//, ''), 'dist/worker.js',
    'node_modules/koffi/package.json', `node_modules/@koromix/koffi-${CHECK_TARGET}/package.json`];
  const absent = mustExist.filter((f) => !fs.existsSync(path.join(installed, ...f.split('/'))));
  if (absent.length > 0) throw new Error(`the installed extension (${installedDir}) lacks ${absent.join(', ')}`);

  // 2. Start the server, open the workbench and look for the extension's tree.
  const nlsText = readZipEntry(vsix, 'extension/package.nls.json');
  const { containers, views } = viewTitles(manifest, nlsText ? JSON.parse(nlsText.toString('utf8')) : {});
  if (views.length === 0) throw new Error('the extension contributes no views, so there is no tree to look for');
  // The folder opened in the workbench points the extension at the simulator (which
  // stands in for Windows) through its settings, as a user trying the extension would.
  const scenario = writeCheckScenario(path.join(scratch, 'scenario'), CLUSTER);
  const folder = path.join(scratch, 'workspace');
  fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({
    'fcbackup.simulator.scenario': scenario,
    'fcbackup.simulator.library': simulatorLibrary(),
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
  }, null, 2));
  let server;
  let context;
  const screenshot = path.join(scratch, 'tree.png');
  try {
    server = await startServer(scratch);
    const { chromium } = await import('playwright-core');
    const flags = chromiumArgs(path.join(scratch, 'browser')).filter((a) => !a.startsWith('--user-data-dir') && a !== '--headless');
    context = await chromium.launchPersistentContext(path.join(scratch, 'browser'), { executablePath: chromiumPath, headless: true, args: flags, viewport: { width: 1400, height: 900 },
      env: { ...process.env, TMPDIR: socketDir(path.join(scratch, 'browser')) } });
    const page = context.pages()[0] ?? await context.newPage();
    const treeStarted = Date.now();
    await page.goto(`http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    // Open the extension's view container from the activity bar (its title is the item's label).
    const container = containers.find((c) => views.some((v) => v.container === c.id)) ?? containers[0];
    if (!container) throw new Error('the extension contributes no view container');
    const title = container.title.replace(/"/g, '\\"');
    const item = page.locator(`.part.activitybar .action-item a[aria-label^="${title}"], .part.activitybar .action-item [aria-label^="${title}"]`).first();
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    await item.click();
    const rowLabels = () => page.locator('.monaco-list-row .label-name').evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
    let labels = [];
    const deadline = Date.now() + 60_000;
    while (!labels.includes(CLUSTER)) {
      if (Date.now() > deadline) {
        await page.screenshot({ path: screenshot }).catch(() => undefined);
        throw new Error(`the tree did not show ${CLUSTER} within 60 s (rows: ${JSON.stringify(labels)}; screenshot ${path.relative(root, screenshot)}; server log ${path.relative(root, server.logPath)})`);
      }
      await new Promise((r) => setTimeout(r, 250));
      labels = await rowLabels();
    }
    const treeMs = Date.now() - treeStarted;
    // The cluster row starts expanded or is expanded by a click; either way its nodes must follow.
    if (!labels.includes('PKG-NODE2')) {
      await page.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: CLUSTER }) }).first().click();
      const nodesDeadline = Date.now() + 20_000;
      while (!labels.includes('PKG-NODE2') && Date.now() < nodesDeadline) {
        await new Promise((r) => setTimeout(r, 250));
        labels = await rowLabels();
      }
    }
    await page.screenshot({ path: screenshot });
    const nodesVisible = ['PKG-NODE1', 'PKG-NODE2'].filter((n) => labels.includes(n));
    if (nodesVisible.length !== 2) throw new Error(`the tree shows ${CLUSTER} but not both nodes (rows: ${JSON.stringify(labels)})`);
    return {
      installMs, treeMs, screenshot,
      summary: `installed in ${(installMs / 1000).toFixed(1)} s, listed as ${expected}; ` +
        `"${container.title}" showed ${CLUSTER} with ${nodesVisible.join(' and ')} ` +
        `${(treeMs / 1000).toFixed(1)} s after the page opened (screenshot ${path.relative(root, screenshot)})`,
    };
  } finally {
    await context?.close().catch(() => undefined);
    await server?.stop();
  }
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    let vsix = process.argv[2] ? path.resolve(process.argv[2]) : path.join(checkPackageDir, vsixFileName(CHECK_TARGET));
    if (!process.argv[2]) [{ file: vsix }] = await packageTargets([CHECK_TARGET], { outDir: checkPackageDir });
    const result = await installCheck(vsix);
    log(`PASS  ${result.summary}`);
  } catch (err) {
    log(`FAIL  ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
