// A browser-level check of the workbench, as a user sees it: the extension packed
// from this checkout (a linux-x64 VSIX, built like the release packages) and
// installed into the extensions folder of a VS Code server of its own, started
// without --enable-smoke-test-driver (which hides notification toasts); a folder
// whose .vscode/settings.json points the extension at a simulator scenario; the
// Failover Clusters view opened from the activity bar and its rows read from the
// page; "Back Up Cluster Configuration" run from the command palette and its toast
// read; a failed "Connect to Cluster…" and its error toast with Show Log; the log
// channel opened. Screenshots go to artifacts/integration/. Each check fails when
// the page does not show what the scenario says. Every wait is for something on
// the page; its time limit only bounds a check that will never pass.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { packageTarget } from '../../scripts/package.mjs';
import { BROWSER_TIMEOUT_MS, installExtension, launchBrowser, root, startServer } from './vscode-server.mjs';

const require = createRequire(import.meta.url);
export const artifactsDir = path.join(root, 'artifacts', 'integration');

const EXPECTED_CLUSTER_ROWS = [
  ['CLUSTER1', 'this cluster · 2 of 3 nodes up'],
  ['Version', '10.0.20348'],
  ['Quorum', 'Cluster Disk Witness (Q:)'],
  ['NODE1', 'up · id 1 · this machine'],
  ['NODE2', 'up · id 2'],
  ['NODE3', 'down · id 3'],
];

/** What the UI check's folder holds: the scenario, the backup folder, and the settings that point the extension at both. */
function prepareFolder(scratch, simulatorLibrary) {
  const { writeScenario } = require(path.join(root, 'out', 'test', 'support', 'scenario.js'));
  const base = path.join(scratch, 'ui');
  const scenario = writeScenario(path.join(base, 'scenario'), {
    nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', service: 'stopped' }],
  });
  const folder = path.join(base, 'folder');
  const backups = path.join(base, 'backups');
  fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({
    'fcbackup.simulator.scenario': scenario,
    // The installed extension's folder holds no simulator: the one built in this checkout.
    'fcbackup.simulator.library': simulatorLibrary,
    'fcbackup.backupFolder': backups,
  }, null, 2));
  return { folder, backups };
}

/** Rows of one view pane: [label, description] from the rendered tree. */
async function paneRows(page, title) {
  const pane = page.locator('.pane').filter({ has: page.locator('.pane-header', { hasText: title }) }).first();
  return pane.locator('.monaco-list-row').evaluateAll((rows) => rows.map((row) => [
    row.querySelector('.label-name')?.textContent?.trim() ?? '',
    row.querySelector('.label-description')?.textContent?.trim() ?? '',
  ]));
}

async function waitUntil(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last.ok) return last.value;
    if (Date.now() > deadline) throw new Error(`${what}: ${last.detail ?? 'not seen'}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** F1, the command's title, Enter; tries again when the palette was not ready for the keys. */
async function runPaletteCommand(page, title) {
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 30_000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      lastError = err;
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(`could not run "${title}" from the command palette: ${lastError?.message}`);
}

/** The notification toasts on screen: their message and the labels of their buttons, read from the page. */
async function toasts(page) {
  return page.locator('.notifications-toasts .notification-toast').evaluateAll((nodes) => nodes.map((n) => ({
    message: n.querySelector('.notification-list-item-message')?.textContent?.trim() ?? '',
    buttons: [...n.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map((b) => b.textContent?.trim() ?? ''),
  })));
}

/** Waits for a toast whose message matches `pattern` (or `failure`, which ends the wait too). */
async function waitForToast(page, what, pattern, failure, timeoutMs) {
  return waitUntil(what, async () => {
    const shown = await toasts(page);
    const found = shown.find((t) => pattern.test(t.message) || (failure && failure.test(t.message)));
    return { ok: Boolean(found), value: found, detail: `toasts on screen: ${JSON.stringify(shown)}` };
  }, timeoutMs);
}

/** The lines the Output view renders now, in screen order (Monaco reuses line nodes out of order). */
async function visibleOutputLines(editor) {
  return editor.locator('.view-lines .view-line').evaluateAll((nodes) => nodes
    .map((n) => ({ top: parseFloat(n.style.top) || 0, text: n.textContent ?? '' }))
    .sort((a, b) => a.top - b.top)
    .map((l) => l.text));
}

/** The Output view's text at its top and at its bottom, wrapped lines joined again. */
async function outputText(page) {
  const editor = page.locator('.part.panel .monaco-editor').first();
  await editor.click();
  await page.keyboard.press('Control+Home');
  await new Promise((r) => setTimeout(r, 400));
  const top = await visibleOutputLines(editor);
  await page.keyboard.press('Control+End');
  await new Promise((r) => setTimeout(r, 400));
  const bottom = await visibleOutputLines(editor);
  // Word wrap may break a line anywhere, even inside a word: compare without whitespace.
  return { top: top.join('').replace(/\s+/g, ''), bottom: bottom.join('').replace(/\s+/g, '') };
}

/**
 * Packs this checkout as the linux-x64 VSIX (from the dist/ the suites ran) and installs it
 * into a fresh server state under `scratch`; returns the installed folder.
 */
async function installBuiltExtension(scratch) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = await packageTarget('linux-x64', { outDir: path.join(scratch, 'vsix') });
  return installExtension(scratch, vsix, `${manifest.publisher}.${manifest.name}`);
}

/**
 * Runs the check against a server of its own (see the top of this file). `serverSettings`
 * are the user settings of that server (a quiet workbench); `onServerStarted` gets the
 * server so that an interrupted run can stop it. Returns { checks, screenshots }.
 */
export async function runUiCheck({ scratch, serverSettings, simulatorLibrary, onServerStarted = () => undefined }) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const checks = [];
  const screenshots = [];
  const record = (title, ok, detail = '') => checks.push({ title, ok, detail });
  const shoot = async (page, name) => {
    // A toast fades in: take the picture once it has (an artifact, not a check: no failure if the class never comes).
    await page.locator('.notifications-toasts .notification-toast-container.notification-fade-in-done').first()
      .waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
    const file = path.join(artifactsDir, name);
    await page.screenshot({ path: file }).then(() => screenshots.push(file), () => undefined);
  };
  const serverScratch = path.join(scratch, 'ui-server');
  const { folder } = prepareFolder(scratch, simulatorLibrary);
  let installed;
  try {
    installed = await installBuiltExtension(serverScratch);
    record('the extension packed from this checkout installs into the server\'s extensions folder',
      fs.existsSync(path.join(installed, 'dist', 'extension.js')), `no dist/extension.js in ${installed}`);
  } catch (err) {
    record('the extension packed from this checkout installs into the server\'s extensions folder', false, err.message);
    return { checks, screenshots };
  }
  const server = await startServer(serverScratch, { userSettings: serverSettings, smokeTestDriver: false });
  onServerStarted(server);
  const context = await launchBrowser(scratch, 'ui');
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${server.port}/?${new URLSearchParams({ folder }).toString()}`, { waitUntil: 'commit' });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: BROWSER_TIMEOUT_MS });

    // 1. The tree, opened from the activity bar.
    let rows = [];
    try {
      const item = page.locator('.part.activitybar .action-item a[aria-label^="Failover Cluster Backup"], .part.activitybar .action-item [aria-label^="Failover Cluster Backup"]').first();
      await item.waitFor({ state: 'visible', timeout: 60_000 });
      await item.click();
      // A wider side bar, so the screenshot shows whole descriptions.
      const sidebar = await page.locator('.part.sidebar').boundingBox();
      if (sidebar) {
        const x = sidebar.x + sidebar.width + 1;
        const y = sidebar.y + sidebar.height / 2;
        await page.mouse.move(x, y);
        await page.mouse.down();
        await page.mouse.move(x + 330, y, { steps: 5 });
        await page.mouse.up();
        await page.mouse.move(x + 600, y);
      }
      rows = await waitUntil('the Failover Clusters rows', async () => {
        const r = await paneRows(page, 'Failover Clusters');
        return { ok: r.length >= EXPECTED_CLUSTER_ROWS.length, value: r, detail: JSON.stringify(r) };
      }, 90_000);
      const missing = EXPECTED_CLUSTER_ROWS.filter(([label, description]) => !rows.some(([l, d]) => l === label && d === description));
      record('the Failover Clusters view shows the cluster, its details and every node with its state', missing.length === 0,
        `missing ${JSON.stringify(missing)} in ${JSON.stringify(rows)}`);
    } catch (err) {
      record('the Failover Clusters view shows the cluster, its details and every node with its state', false, err.message);
    }

    // 2. Back Up from the command palette (the node pick offers this machine first; the folder
    //    comes from the setting): the result shows as a toast, as the user sees it.
    try {
      await runPaletteCommand(page, 'Failover Cluster: Back Up Cluster Configuration');
      const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'NODE1' }).first();
      await pick.waitFor({ state: 'visible', timeout: 30_000 });
      await page.keyboard.press('Enter');
      const toast = await waitForToast(page, 'the backup result toast', /^Backed up CLUSTER1 on NODE1/, /^Back Up Cluster Configuration failed/, 120_000);
      await shoot(page, 'toast-backup-finished.png');
      record('Back Up Cluster Configuration from the command palette shows a toast reporting a verified backup',
        /^Backed up CLUSTER1 on NODE1 \(.*\) to .*\. The set verified\./.test(toast.message), JSON.stringify(toast));
      const backupRows = await waitUntil('the Backups rows', async () => {
        const r = await paneRows(page, 'Backups');
        return { ok: r.some(([l]) => l.startsWith('CLUSTER1 · NODE1 · ')), value: r, detail: JSON.stringify(r) };
      }, 30_000).catch((err) => err.message);
      record('the Backups view lists the new set as verified', Array.isArray(backupRows) && backupRows.some(([l, d]) => l.startsWith('CLUSTER1 · NODE1 · ') && d.endsWith('· verified')),
        JSON.stringify(backupRows));
    } catch (err) {
      record('Back Up Cluster Configuration from the command palette shows a toast reporting a verified backup', false, err.message);
    }
    await shoot(page, 'failover-clusters-view.png');

    // 3. A failed Connect to Cluster…: an error toast that names the failing call and offers Show Log.
    try {
      await runPaletteCommand(page, 'Notifications: Clear All Notifications');
      await runPaletteCommand(page, 'Failover Cluster: Connect to Cluster');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 30_000 });
      await input.fill('NOSUCHCLUSTER');
      await page.keyboard.press('Enter');
      const toast = await waitForToast(page, 'the connection failure toast', /^Connect to Cluster failed: /, undefined, 60_000);
      await shoot(page, 'toast-connect-failed.png');
      record('a failed Connect to Cluster… shows an error toast naming OpenCluster, with Show Log',
        /OpenCluster/.test(toast.message) && toast.buttons.includes('Show Log'), JSON.stringify(toast));
    } catch (err) {
      record('a failed Connect to Cluster… shows an error toast naming OpenCluster, with Show Log', false, err.message);
    }

    // 4. The log channel.
    try {
      await runPaletteCommand(page, 'Notifications: Clear All Notifications');
      await runPaletteCommand(page, 'Failover Cluster: Show Log');
      await page.locator('.part.panel .monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: 30_000 });
      await runPaletteCommand(page, 'View: Toggle Maximized Panel');
      const text = await waitUntil('the log lines', async () => {
        const t = await outputText(page);
        const all = `${t.top}${t.bottom}`;
        // The command's own start/finish lines are debug now; the outcome line a user sees at info is "Backed up …".
        return { ok: all.includes('GetNodeClusterState') && /BackedupCLUSTER1|BackUpClusterConfigurationfailed/.test(all), value: all, detail: `top: ${t.top.slice(0, 700)}\nbottom: ${t.bottom.slice(-700)}` };
      }, 30_000);
      const wanted = ['GetNodeClusterState', 'OpenCluster(NODE1)', 'ClusterEnum', 'Backed up CLUSTER1 on NODE1'];
      const absent = wanted.filter((w) => !text.includes(w.replace(/\s+/g, '')));
      record('the log channel shows the detection steps and the backup outcome', absent.length === 0, `missing ${JSON.stringify(absent)} in:\n${text.slice(0, 1500)}`);
    } catch (err) {
      record('the log channel shows the detection steps and the backup outcome', false, err.message);
    }
    await shoot(page, 'log-channel.png');
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
  }
  return { checks, screenshots };
}
