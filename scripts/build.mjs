// Bundles the extension, the engine process and the CLI with esbuild into dist/.
// koffi stays external: its per-platform native binary is shipped beside the bundle.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';

const production = process.argv.includes('--production');
// --outdir DIR writes the bundles elsewhere (bench/run.mjs keeps a development build with the test hooks beside the production one).
const outdirAt = process.argv.indexOf('--outdir');
const outdir = outdirAt > 0 && process.argv[outdirAt + 1] ? process.argv[outdirAt + 1] : 'dist';
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi', 'vscode'],
  sourcemap: production ? false : 'linked',
  minify: production,
  // A production bundle leaves out the test hooks (src/testProtocol.ts, src/worker/testHooks.ts):
  // the code that loads them is behind process.env.FCBACKUP_BUILD !== 'production'.
  define: production ? { 'process.env.FCBACKUP_BUILD': '"production"' } : {},
  logLevel: 'warning',
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: `${outdir}/extension.js` }),
  esbuild.build({ ...common, entryPoints: ['src/worker/main.ts'], outfile: `${outdir}/worker.js` }),
  // The engine's node query threads (src/native/nodeQueryPool.ts) run this file beside worker.js.
  esbuild.build({ ...common, entryPoints: ['src/native/nodeQueryThread.ts'], outfile: `${outdir}/nodeQueryThread.js` }),
  esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: `${outdir}/cli.js`, banner: { js: '#!/usr/bin/env node' } }),
]);
chmodSync(`${outdir}/cli.js`, 0o755);
console.log(`built ${['extension', 'worker', 'nodeQueryThread', 'cli'].map((name) => `${outdir}/${name}.js`).join(', ')}${production ? ' (production)' : ''}`);
