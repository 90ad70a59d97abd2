// The README's test command: sets up what the stages need and runs every stage in
// order. A stage that cannot run fails with a message saying what is missing; none
// is skipped. Ends with one "N passed, N failed" line over the stages.
import { spawnSync } from 'node:child_process';

const stages = [
  ['system packages (apt, as root)', 'node', ['scripts/setup-system.mjs']],
  ['simulator build (Linux .so and Windows .dll)', 'npm', ['run', 'build:sim']],
  ['type check', 'npm', ['run', 'compile']],
  ['lint', 'npm', ['run', 'lint']],
  ['bundle', 'npm', ['run', 'build']],
  ['unit tests', 'npm', ['run', 'test:unit']],
  ['bridge + engine tests against the simulator', 'npm', ['run', 'test:engine']],
  ['Windows ABI: engine tests under Wine', 'npm', ['run', 'test:wine']],
  ['VS Code integration (server + headless Chromium)', 'npm', ['run', 'test:integration']],
  ['VSIX packages', 'npm', ['run', 'test:package']],
];

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
const results = [];
for (const [name, cmd, args] of stages) {
  if (only.length && !only.some((o) => name.toLowerCase().includes(o.toLowerCase()))) continue;
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = r.status === 0;
  results.push(`${ok ? 'PASS' : 'FAIL'}  ${name} (${seconds} s)`);
  if (ok) passed++;
  else failed++;
}
console.log('\n=== stages');
for (const line of results) console.log(line);
console.log(`stages: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
