// Builds the simulator library (test/simulator/*.c) for Linux (libclussim.so) and,
// when the mingw-w64 cross compiler is installed, for the Windows ABI (clussim.dll,
// used under Wine). Warnings are errors: both builds must be clean.
//
//   node scripts/build-simulator.mjs            build both
//   node scripts/build-simulator.mjs --linux    only libclussim.so
//   node scripts/build-simulator.mjs --windows  only clussim.dll
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'test', 'simulator');
const outDir = join(root, 'build', 'simulator');
const args = new Set(process.argv.slice(2));
const wantLinux = !args.has('--windows') || args.has('--linux');
const wantWindows = !args.has('--linux') || args.has('--windows');

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return true;
  }
  return false;
}

/** Runs the compiler; prints its output; returns true when it succeeded without warnings. */
function compile(label, compiler, flags, output, sources) {
  const argv = [...flags, '-o', output, ...sources];
  const shown = [compiler, ...argv.map((a) => (a.startsWith(root) ? relative(root, a) : a))].join(' ');
  console.log(`[build:sim] ${label}: ${shown}`);
  const started = Date.now();
  const result = spawnSync(compiler, argv, { cwd: root, encoding: 'utf8' });
  const diagnostics = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error) {
    console.error(`[build:sim] ${label}: cannot run ${compiler}: ${result.error.message}`);
    return false;
  }
  if (diagnostics) {
    console.error(`[build:sim] ${label}: compiler output:\n${diagnostics}`);
  }
  if (result.status !== 0) {
    console.error(`[build:sim] ${label}: FAILED (exit code ${result.status})`);
    return false;
  }
  if (/warning:/i.test(diagnostics)) {
    console.error(`[build:sim] ${label}: FAILED: the build must be free of warnings`);
    return false;
  }
  console.log(`[build:sim] ${label}: ok (${relative(root, output)}, ${Date.now() - started} ms)`);
  return true;
}

const sources = readdirSync(sourceDir)
  .filter((f) => f.endsWith('.c'))
  .sort()
  .map((f) => join(sourceDir, f));
if (sources.length === 0) {
  console.error(`[build:sim] no C sources in ${relative(root, sourceDir)}`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });

let ok = true;
if (wantLinux) {
  const cc = process.env.CC || 'cc';
  ok = compile('linux', cc,
    ['-O2', '-g', '-Wall', '-Wextra', '-shared', '-fPIC', '-fvisibility=hidden', '-I', sourceDir],
    join(outDir, 'libclussim.so'), [...sources, '-lpthread']) && ok;
}
if (wantWindows) {
  const mingw = 'x86_64-w64-mingw32-gcc';
  if (onPath(mingw)) {
    ok = compile('windows', mingw,
      ['-O2', '-Wall', '-Wextra', '-shared', '-static-libgcc', '-I', sourceDir],
      join(outDir, 'clussim.dll'), sources) && ok;
  } else {
    console.warn(`[build:sim] NOTE: ${mingw} is not on PATH, so the Windows simulator build/simulator/clussim.dll was NOT built.`);
    console.warn('[build:sim]       The Wine test stage needs it (install the Debian package gcc-mingw-w64-x86-64).');
  }
}
process.exit(ok ? 0 : 1);
