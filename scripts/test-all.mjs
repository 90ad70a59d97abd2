// The README's test command: sets up what the stages need and runs every stage in
// order. A stage that cannot run fails with a message saying what is missing; none
// is skipped. Ends with the failing lines of any failed stage, then one line per
// stage and one "N passed, N failed" line over the stages — so the end of the log
// alone says what failed and why.
import { spawn } from 'node:child_process';

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

// Lines that say what failed, in the formats the stages print (mocha, the Wine,
// integration and package runners, tsc, eslint, npm).
const FAILURE_LINE = /✗|^\s*\d+\) |^FAIL\b|\bfailed:|cannot run|AssertionError|Error:|error TS\d+|\berror\b.*\d+:\d+|npm ERR!|ERR_/;
const MAX_FAILURE_LINES = 14;

/** Runs one stage with its output passed through live and kept for the summary. */
function runStage(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    const chunks = [];
    const keep = (stream, into) => stream.on('data', (chunk) => {
      into.write(chunk);
      chunks.push(chunk);
    });
    keep(child.stdout, process.stdout);
    keep(child.stderr, process.stderr);
    child.on('error', (err) => resolve({ status: 1, output: `could not start ${cmd}: ${err.message}` }));
    child.on('close', (status, signal) => resolve({
      status: status ?? 1,
      output: `${Buffer.concat(chunks).toString('utf8')}${signal ? `\nstopped by ${signal}` : ''}`,
    }));
  });
}

function failureSummary(output) {
  const lines = output.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  const matching = [...new Set(lines.filter((l) => FAILURE_LINE.test(l)))];
  const picked = matching.length > 0 ? matching : lines.slice(-MAX_FAILURE_LINES);
  const shown = picked.slice(0, MAX_FAILURE_LINES).map((l) => (l.length > 220 ? `${l.slice(0, 217)}...` : l));
  if (picked.length > shown.length) shown.push(`... ${picked.length - shown.length} more; the stage's full output is above`);
  return shown;
}

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
const results = [];
const failures = [];
for (const [name, cmd, args] of stages) {
  if (only.length && !only.some((o) => name.toLowerCase().includes(o.toLowerCase()))) continue;
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const r = await runStage(cmd, args);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = r.status === 0;
  results.push(`${ok ? 'PASS' : 'FAIL'}  ${name} (${seconds} s)`);
  if (ok) passed++;
  else {
    failed++;
    failures.push([name, failureSummary(r.output)]);
  }
}
for (const [name, lines] of failures) {
  console.log(`\n=== what failed in: ${name}`);
  for (const line of lines) console.log(`  ${line}`);
}
console.log('\n=== stages');
for (const line of results) console.log(line);
console.log(`stages: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
