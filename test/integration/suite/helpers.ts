/**
 * Helpers for the suites that run inside the extension host: the extension's test
 * API, settings in the opened folder, scenarios in temp folders, and reading the
 * trees the way the view shows them (getChildren + getTreeItem).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import type { FailoverClusterBackupTestApi } from '../../../src/ui/testApi';
import { confirmationButtons, type ConfirmationText } from '../../../src/ui/restoreDialogText';
import type { TextInputRequest, TypedConfirmationRequest } from '../../../src/ui/dialogs';
import type { TreeElement } from '../../../src/ui/treeModel';
import { writeScenario, writeScenarioText, type ScenarioSpec } from '../../support/scenario';

export const EXTENSION_ID = 'fcbackup.failover-cluster-backup';

export function extension(): vscode.Extension<FailoverClusterBackupTestApi | undefined> {
  const ext = vscode.extensions.getExtension<FailoverClusterBackupTestApi | undefined>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

export async function testApi(): Promise<FailoverClusterBackupTestApi> {
  const api = await extension().activate();
  assert.ok(api, 'the extension returned no test API (is it running in production mode?)');
  return api;
}

/** The project root (the extension under test), from out/test/integration/suite. */
export const projectRoot = path.resolve(__dirname, '..', '..', '..', '..');

export function simulatorLibrary(): string {
  const lib = path.join(projectRoot, 'build', 'simulator', process.platform === 'win32' ? 'clussim.dll' : 'libclussim.so');
  assert.ok(fs.existsSync(lib), `the simulator library ${lib} is missing: run "npm run build:sim"`);
  return lib;
}

const tempDirs: string[] = [];

/** A fresh folder under the system temp folder, removed by cleanupTemp(). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function cleanupTemp(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Set an fcbackup.* setting in the opened folder's .vscode/settings.json (undefined removes it),
 * and wait until the extension host has the new value. The change event comes with it, so the
 * extension has reacted (a new engine for a new scenario, a refresh asked for) before the caller
 * goes on, and the caller's next refresh answers that request instead of racing it.
 */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('fcbackup').update(key, value, vscode.ConfigurationTarget.Workspace);
  await waitFor(`fcbackup.${key} to reach the extension host`,
    () => isDeepStrictEqual(vscode.workspace.getConfiguration('fcbackup').inspect(key)?.workspaceValue, value));
}

/**
 * Fails when the running engine process's simulator reports any open handle, COM
 * reference or unfreed string. Called before each scenario switch (which replaces the
 * engine process) and at the end of every suite.
 */
export async function assertEngineNoLeaks(): Promise<void> {
  let report;
  try {
    report = await (await testApi()).engineLeakReport();
  } catch (err) {
    // An engine whose scenario file was refused never loaded the simulator: nothing to leak.
    if ((err as { data?: { engineCode?: string } }).data?.engineCode === 'SCENARIO') return;
    throw err;
  }
  if (report === undefined) return;
  const h = report.handles;
  const total = h.cluster + h.node + h.enum + h.scm + h.service + h.token + h.key + report.comRefs + report.bstrs + report.coTaskMem + report.snapshotProps;
  if (total !== 0) throw new Error(`engine process leak report is not zero: ${JSON.stringify(report)}`);
}

/** Write a scenario into a fresh temp folder and point the extension at it; returns the scenario path. */
export async function useScenario(spec: ScenarioSpec, prefix = 'fcb-it-'): Promise<string> {
  simulatorLibrary();
  await assertEngineNoLeaks();
  const file = writeScenario(tempDir(prefix), spec);
  await setSetting('simulator.scenario', file);
  return file;
}

/** A scenario file the simulator refuses (not JSON); returns its path. */
export function writeBrokenScenario(): string {
  return writeScenarioText(tempDir('fcb-it-broken-'), '{ "nodes": [ this is not JSON');
}

export interface Row {
  depth: number;
  label: string;
  description: string;
  contextValue: string;
  icon: string;
  element: TreeElement;
}

function labelText(label: string | vscode.TreeItemLabel | undefined): string {
  if (label === undefined) return '';
  return typeof label === 'string' ? label : label.label;
}

/** Every row of a tree, depth first, as the view would show them fully expanded. */
export async function treeRows(provider: vscode.TreeDataProvider<TreeElement>): Promise<Row[]> {
  const rows: Row[] = [];
  const walk = async (parent: TreeElement | undefined, depth: number): Promise<void> => {
    const children = (await provider.getChildren(parent)) ?? [];
    for (const element of children) {
      const item = await provider.getTreeItem(element);
      rows.push({
        depth,
        label: labelText(item.label),
        description: typeof item.description === 'string' ? item.description : '',
        contextValue: item.contextValue ?? '',
        icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : '',
        element,
      });
      if (item.collapsibleState !== vscode.TreeItemCollapsibleState.None) await walk(element, depth + 1);
    }
  };
  await walk(undefined, 0);
  return rows;
}

export function findRow(rows: Row[], label: string): Row {
  const row = rows.find((r) => r.label === label);
  assert.ok(row, `no row "${label}" in ${JSON.stringify(rows.map((r) => `${r.label} — ${r.description}`))}`);
  return row;
}

export interface AskedDialog {
  kind: 'confirm' | 'explain' | 'pick' | 'type' | 'folder' | 'text';
  message: string;
  detail: string;
  actions: string[];
}

/** The answer to a type-to-confirm input box: the text typed (then Enter); undefined is Escape. */
export interface TypedAnswer {
  type: string;
}

/** The answer to a folder picker: the folder chosen; undefined is Cancel. */
export interface FolderAnswer {
  folder: string;
}

/** The answer to a quick pick: the item with this label (and description, when given). */
export interface PickAnswer {
  pick: string;
  description?: string;
}

/** The answer to a free-text input box (e.g. Back Up's reason): the text typed, then Enter; undefined is Escape. */
export interface TextAnswer {
  text: string;
}

/** Back Up's reason box answered with Enter on an empty box: no reason. */
export const NO_REASON: TextAnswer = { text: '' };

export type DialogAnswer = boolean | string | undefined | PickAnswer | TypedAnswer | FolderAnswer | TextAnswer;

/**
 * Answer the extension's modal dialogs and quick picks from the test: `answers` are
 * consumed in order (true/false for confirmations, an action title or undefined for
 * explanations, a PickAnswer or undefined for quick picks, a TypedAnswer or undefined for
 * type-to-confirm boxes). Returns the list of what was asked; for a confirmation, `actions`
 * are its buttons in the modal's order (the default first); for a quick pick, the items as
 * "label — description"; for a type-to-confirm box, `message` is its prompt and `detail` its
 * placeholder; for a folder picker, `message` is its title and `detail` the folder it starts in; for
 * a free-text box, `message` is its prompt and `detail` what its validation said of the text
 * typed ('' when accepted) — a refused text keeps the box open, so the next answer is typed into it.
 */
export function answerDialogs(api: FailoverClusterBackupTestApi, answers: DialogAnswer[]): AskedDialog[] {
  const asked: AskedDialog[] = [];
  const next = (): DialogAnswer => {
    assert.ok(answers.length > 0, `an unexpected dialog was shown: ${JSON.stringify(asked[asked.length - 1])}`);
    return answers.shift();
  };
  api.useDialogs({
    async confirm(text: ConfirmationText) {
      asked.push({ kind: 'confirm', message: text.message, detail: text.detail, actions: confirmationButtons(text) });
      return next() === true;
    },
    async typeToConfirm(request: TypedConfirmationRequest) {
      asked.push({ kind: 'type', message: request.prompt, detail: request.placeHolder, actions: [] });
      const answer = next();
      if (answer === undefined) return false;
      assert.ok(typeof answer === 'object' && 'type' in answer, `a type-to-confirm box was answered with ${JSON.stringify(answer)}`);
      return request.matches(answer.type);
    },
    async askText(request: TextInputRequest) {
      for (;;) {
        const answer = next();
        if (answer === undefined) {
          asked.push({ kind: 'text', message: request.prompt, detail: '', actions: [] });
          return undefined;
        }
        assert.ok(typeof answer === 'object' && 'text' in answer, `a text input box was answered with ${JSON.stringify(answer)}`);
        const refused = request.validate(answer.text);
        asked.push({ kind: 'text', message: request.prompt, detail: refused ?? '', actions: [] });
        if (refused === undefined) return answer.text;
      }
    },
    async chooseFolder(options: { title: string; start: string; openLabel: string }) {
      asked.push({ kind: 'folder', message: options.title, detail: options.start, actions: [options.openLabel] });
      const answer = next();
      if (answer === undefined) return undefined;
      assert.ok(typeof answer === 'object' && 'folder' in answer, `a folder picker was answered with ${JSON.stringify(answer)}`);
      return answer.folder;
    },
    async explain(message: string, detail: string, actions: string[]) {
      asked.push({ kind: 'explain', message, detail, actions });
      const answer = next();
      return typeof answer === 'string' ? answer : undefined;
    },
    async pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions) {
      asked.push({
        kind: 'pick', message: options.placeHolder ?? '', detail: options.title ?? '',
        actions: items.map((i) => (i.description ? `${i.label} — ${i.description}` : i.label)),
      });
      const answer = next();
      if (answer === undefined) return undefined;
      assert.ok(typeof answer === 'object' && 'pick' in answer, `a quick pick was answered with ${JSON.stringify(answer)}`);
      const item = items.find((i) => i.label === answer.pick && (answer.description === undefined || i.description === answer.description));
      assert.ok(item, `no item ${JSON.stringify(answer)} in the quick pick: ${JSON.stringify(asked[asked.length - 1])}`);
      return item;
    },
  });
  return asked;
}

/**
 * Wait until `check` returns a value (not undefined/false), or fail after `timeoutMs`. The
 * limit only ends a wait for something that will not happen; it is generous because the
 * machine may be loaded.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Engine processes (dist/worker.js or out/src/worker/main.js) that are children of this extension host; Linux only. */
export function childEngineProcesses(): number[] {
  if (!fs.existsSync('/proc/self/stat')) return [];
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (/worker[\\/]main\.js|worker\.js/.test(cmdline)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
