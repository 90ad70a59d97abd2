// Installs the system packages the test stages need (Debian/Ubuntu, as root):
// Wine and the mingw-w64 compiler for the Windows-ABI stage, Chromium for the
// VS Code integration stage, the Kerberos headers the VS Code server's native
// module builds against, and hivex for the hive reader's tests. Already-present
// tools are left alone. Without root or apt-get it fails, naming the packages to
// install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const needs = [
  // The `wine` command is in the package wine (only recommended by wine64), so name both.
  { pkg: 'wine64 wine', present: () => onPath('wine') },
  { pkg: 'gcc-mingw-w64-x86-64', present: () => onPath('x86_64-w64-mingw32-gcc') },
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { pkg: 'libkrb5-dev', present: () => existsSync('/usr/include/gssapi/gssapi.h') },
  { pkg: 'gcc', present: () => onPath('cc') },
  { pkg: 'unzip', present: () => onPath('unzip') },
  // hivex: the independent registry hive writer (hivexregedit, from the Perl bindings) and reader
  // (the Python 3 bindings, hivexml) that the hive reader's tests and benchmark compare against.
  { pkg: 'libhivex-bin', present: () => onPath('hivexml') },
  { pkg: 'libwin-hivex-perl', present: () => onPath('hivexregedit') },
  { pkg: 'python3-hivex', present: () => existsSync('/usr/lib/python3/dist-packages/hivex/__init__.py') },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

if (process.platform !== 'linux') {
  console.log('setup: not Linux; the simulator and Wine stages need a Debian-like Linux machine.');
  process.exit(1);
}
const missing = needs.filter((n) => !n.present()).flatMap((n) => n.pkg.split(' '));
if (missing.length === 0) {
  console.log('setup: system packages present');
  process.exit(0);
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !onPath('apt-get')) {
  console.error(`setup: missing system packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.log(`setup: installing ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`setup: apt-get ${args.join(' ')} failed (exit ${r.status})`);
    process.exit(1);
  }
}
const still = needs.filter((n) => !n.present()).map((n) => n.pkg);
if (still.length) {
  console.error(`setup: still missing after apt-get: ${still.join(' ')}`);
  process.exit(1);
}
console.log('setup: done');
