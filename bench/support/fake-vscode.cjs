// A minimal stand-in for the `vscode` module, enough to run an extension's
// activate() outside VS Code and record what it registers. Known members behave
// like the real ones in shape (disposables, events, configuration defaults);
// anything else is an inert stub that can be called, constructed and chained.
'use strict';

const path = require('node:path');

function createRecorder() {
  return { commands: [], treeDataProviders: [], treeViews: [], outputChannels: [], webviews: [], other: [] };
}

function disposable(fn) {
  return { dispose: () => { if (fn) fn(); } };
}

/** Something that can be called, constructed, awaited-free and read from, and always answers another stub. */
function inertStub(name) {
  const target = function stub() {};
  return new Proxy(target, {
    get(_t, key) {
      if (key === 'then') return undefined; // not a thenable
      if (key === 'dispose') return () => undefined;
      if (key === Symbol.toPrimitive) return () => `[stub ${name}]`;
      if (key === Symbol.iterator) return function* empty() {};
      if (key === 'toString') return () => `[stub ${name}]`;
      return inertStub(`${name}.${String(key)}`);
    },
    apply: () => inertStub(`${name}()`),
    construct: () => inertStub(`new ${name}`),
  });
}

/** Wraps an object so that unknown members become inert stubs instead of undefined. */
function withStubs(name, object) {
  return new Proxy(object, {
    get(t, key) {
      if (key in t) return t[key];
      if (typeof key === 'symbol' || key === 'then') return undefined;
      return inertStub(`${name}.${String(key)}`);
    },
  });
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener, thisArg, disposables) => {
      const bound = thisArg ? listener.bind(thisArg) : listener;
      this.listeners.add(bound);
      const d = disposable(() => this.listeners.delete(bound));
      if (Array.isArray(disposables)) disposables.push(d);
      return d;
    };
  }
  fire(value) { for (const l of [...this.listeners]) l(value); }
  dispose() { this.listeners.clear(); }
}

class Disposable {
  constructor(fn) { this.fn = fn; }
  static from(...items) { return new Disposable(() => items.forEach((i) => i?.dispose?.())); }
  dispose() { if (this.fn) this.fn(); this.fn = undefined; }
}

class Uri {
  constructor(scheme, fsPath) { this.scheme = scheme; this.fsPath = fsPath; this.path = fsPath.split(path.sep).join('/'); }
  static file(p) { return new Uri('file', p); }
  static parse(value) { return new Uri(value.split(':')[0], value.replace(/^[a-z]+:\/\//, '/')); }
  static joinPath(base, ...parts) { return new Uri(base.scheme, path.join(base.fsPath, ...parts)); }
  with() { return this; }
  toString() { return `${this.scheme}://${this.path}`; }
}

class TreeItem {
  constructor(label, collapsibleState) { this.label = label; this.collapsibleState = collapsibleState; }
}
class ThemeIcon { constructor(id, color) { this.id = id; this.color = color; } }
ThemeIcon.File = new ThemeIcon('file');
ThemeIcon.Folder = new ThemeIcon('folder');
class ThemeColor { constructor(id) { this.id = id; } }
class MarkdownString {
  constructor(value = '') { this.value = value; }
  appendMarkdown(v) { this.value += v; return this; }
  appendText(v) { this.value += v; return this; }
  appendCodeblock(v) { this.value += v; return this; }
}
class CancellationTokenSource {
  constructor() {
    const emitter = new EventEmitter();
    this.token = { isCancellationRequested: false, onCancellationRequested: emitter.event };
    this.emitter = emitter;
  }
  cancel() { this.token.isCancellationRequested = true; this.emitter.fire(); }
  dispose() { this.emitter.dispose(); }
}
class RelativePattern { constructor(base, pattern) { this.base = base; this.pattern = pattern; } }

function format(message, args) {
  return String(message).replace(/\{(\d+)\}/g, (m, i) => (args[i] !== undefined ? String(args[i]) : m));
}

function configuration() {
  return withStubs('WorkspaceConfiguration', {
    get: (_key, defaultValue) => defaultValue,
    has: () => false,
    inspect: () => undefined,
    update: async () => undefined,
  });
}

function logChannel(recorder, name) {
  recorder.outputChannels.push(name);
  const noop = () => undefined;
  return withStubs('OutputChannel', {
    name, logLevel: 2, onDidChangeLogLevel: new EventEmitter().event,
    append: noop, appendLine: noop, replace: noop, clear: noop, show: noop, hide: noop, dispose: noop,
    trace: noop, debug: noop, info: noop, warn: noop, error: noop,
  });
}

function treeView(recorder, id, options) {
  recorder.treeViews.push(id);
  const visibility = new EventEmitter();
  return withStubs('TreeView', {
    id, options, visible: true, selection: [], message: undefined, title: undefined, description: undefined, badge: undefined,
    onDidChangeVisibility: visibility.event, onDidChangeSelection: new EventEmitter().event,
    onDidExpandElement: new EventEmitter().event, onDidCollapseElement: new EventEmitter().event,
    onDidChangeCheckboxState: new EventEmitter().event,
    reveal: async () => undefined, dispose: () => undefined,
  });
}

/** The fake module and the recorder of what the extension registered. */
function createFakeVscode() {
  const recorder = createRecorder();
  const noopEvent = new EventEmitter().event;
  const vscode = {
    version: '1.99.0',
    EventEmitter, Disposable, Uri, TreeItem, ThemeIcon, ThemeColor, MarkdownString, CancellationTokenSource, RelativePattern,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    ExtensionMode: { Production: 1, Development: 2, Test: 3 },
    LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    l10n: { t: (message, ...args) => format(typeof message === 'string' ? message : message.message, Array.isArray(args[0]) ? args[0] : args), bundle: undefined, uri: undefined },
    env: withStubs('env', { language: 'en', appName: 'Visual Studio Code', remoteName: undefined, uiKind: 1, machineId: 'bench', sessionId: 'bench',
      openExternal: async () => true, clipboard: { writeText: async () => undefined, readText: async () => '' } }),
    commands: withStubs('commands', {
      registerCommand: (id) => { recorder.commands.push(id); return disposable(); },
      registerTextEditorCommand: (id) => { recorder.commands.push(id); return disposable(); },
      executeCommand: async () => undefined,
      getCommands: async () => [...recorder.commands],
    }),
    window: withStubs('window', {
      registerTreeDataProvider: (id) => { recorder.treeDataProviders.push(id); return disposable(); },
      createTreeView: (id, options) => treeView(recorder, id, options),
      registerWebviewViewProvider: (id) => { recorder.webviews.push(id); return disposable(); },
      registerFileDecorationProvider: () => disposable(),
      registerUriHandler: () => disposable(),
      createOutputChannel: (name) => logChannel(recorder, name),
      createStatusBarItem: () => withStubs('StatusBarItem', { show: () => undefined, hide: () => undefined, dispose: () => undefined }),
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
      showErrorMessage: async () => undefined,
      showQuickPick: async () => undefined,
      showInputBox: async () => undefined,
      showOpenDialog: async () => undefined,
      withProgress: async (_options, task) => task({ report: () => undefined }, new CancellationTokenSource().token),
      onDidChangeWindowState: noopEvent,
      state: { focused: true, active: true },
    }),
    workspace: withStubs('workspace', {
      isTrusted: true,
      workspaceFolders: undefined,
      getConfiguration: () => configuration(),
      onDidChangeConfiguration: noopEvent,
      onDidGrantWorkspaceTrust: noopEvent,
      onDidChangeWorkspaceFolders: noopEvent,
      createFileSystemWatcher: () => withStubs('FileSystemWatcher', {
        onDidCreate: noopEvent, onDidChange: noopEvent, onDidDelete: noopEvent, dispose: () => undefined }),
      fs: withStubs('fs', { stat: async () => ({ type: 2 }), createDirectory: async () => undefined }),
    }),
    extensions: withStubs('extensions', { getExtension: () => undefined, all: [], onDidChange: noopEvent }),
  };
  return { vscode: withStubs('vscode', vscode), recorder };
}

function readManifest(extensionPath) {
  try {
    return JSON.parse(require('node:fs').readFileSync(path.join(extensionPath, 'package.json'), 'utf8'));
  } catch {
    return {};
  }
}

/** The ExtensionContext activate() receives. */
function createFakeContext(extensionPath, storageDir) {
  const memento = () => {
    const values = new Map();
    return { get: (k, d) => (values.has(k) ? values.get(k) : d), update: async (k, v) => { values.set(k, v); }, keys: () => [...values.keys()], setKeysForSync: () => undefined };
  };
  return withStubs('ExtensionContext', {
    subscriptions: [],
    extensionPath,
    extensionUri: Uri.file(extensionPath),
    extensionMode: 1,
    asAbsolutePath: (p) => path.join(extensionPath, p),
    storageUri: Uri.file(path.join(storageDir, 'workspace')),
    storagePath: path.join(storageDir, 'workspace'),
    globalStorageUri: Uri.file(path.join(storageDir, 'global')),
    globalStoragePath: path.join(storageDir, 'global'),
    logUri: Uri.file(path.join(storageDir, 'log')),
    logPath: path.join(storageDir, 'log'),
    globalState: memento(),
    workspaceState: memento(),
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: new EventEmitter().event },
    environmentVariableCollection: inertStub('environmentVariableCollection'),
    extension: { id: 'fcbackup.failover-cluster-backup', extensionPath, packageJSON: readManifest(extensionPath), isActive: true },
  });
}

/** Makes `require('vscode')` return the fake from now on in this process. */
function installFakeVscode() {
  const Module = require('node:module');
  const fake = createFakeVscode();
  const originalLoad = Module._load;
  Module._load = function load(request, parent, isMain) {
    if (request === 'vscode') return fake.vscode;
    return originalLoad.call(this, request, parent, isMain);
  };
  return fake;
}

module.exports = { createFakeVscode, createFakeContext, installFakeVscode };
