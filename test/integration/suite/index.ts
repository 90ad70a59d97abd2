/**
 * The mocha entry point VS Code calls inside the extension host
 * (extensionTestsPath). It runs the suites in a fixed order (activation first:
 * nothing may have shown a tree before it), prints each result, and writes a
 * results file the runners read for the closing "integration: N passed, N failed".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type MochaType from 'mocha';

// mocha 12 is an ES module; its CommonJS build loads in every extension host, whatever its Node.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Mocha = require('mocha/lib/mocha.cjs') as typeof MochaType;

const ORDER = ['activation', 'welcome', 'clusterTree', 'backupRestore'];

export interface IntegrationResults {
  passed: number;
  failed: number;
  tests: Array<{ title: string; state: 'passed' | 'failed'; durationMs: number; error?: string }>;
  finished: boolean;
}

function resultsPath(): string {
  const fromEnv = process.env.FCBACKUP_INTEGRATION_RESULTS;
  if (fromEnv) return fromEnv;
  // out/test/integration/suite → the project root
  return path.resolve(__dirname, '..', '..', '..', '..', '.cache', 'vscode', 'integration-results.json');
}

function suiteFiles(): string[] {
  const names = fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js'));
  const rank = (n: string): number => {
    const i = ORDER.indexOf(n.replace(/\.test\.js$/, ''));
    return i < 0 ? ORDER.length : i;
  };
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((n) => path.join(__dirname, n));
}

export function run(): Promise<void> {
  const file = resultsPath();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const results: IntegrationResults = { passed: 0, failed: 0, tests: [], finished: false };
  const save = (): void => fs.writeFileSync(file, JSON.stringify(results, null, 2));
  save();

  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const f of suiteFiles()) mocha.addFile(f);

  return new Promise((resolve, reject) => {
    let runner: MochaType.Runner;
    try {
      runner = mocha.run((failures) => {
        results.finished = true;
        save();
        console.log(`[integration] ${results.passed} passed, ${results.failed} failed`);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      reject(err);
      return;
    }
    runner.on('pass', (test) => {
      results.passed++;
      results.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 });
      save();
      console.log(`[integration] ✓ ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on('fail', (test, err: Error) => {
      results.failed++;
      results.tests.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration ?? 0, error: err.stack ?? err.message });
      save();
      console.log(`[integration] ✗ ${test.fullTitle()}: ${err.message.split('\n')[0]}`);
    });
  });
}
