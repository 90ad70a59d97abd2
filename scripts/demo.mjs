// The demo: a four-node simulated cluster (CLUSTER1, NODE1..NODE4, NODE1 local) and
// `fcbackup status`, a backup, its verification and the list of sets against it. `npm run demo` builds the simulator and the bundle first.
// The scenario lives in .cache/demo/ and is reused, so state the simulator keeps there
// (service states, backups) carries over between runs; delete the folder to start over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const demoDir = join(root, '.cache', 'demo');
const scenario = join(demoDir, 'scenario.json');
const cli = join(root, 'dist', 'cli.js');

if (!existsSync(scenario)) {
  mkdirSync(demoDir, { recursive: true });
  const nodes = [1, 2, 3, 4].map((i) => ({ name: `NODE${i}`, id: String(i), state: 'up', reachable: true, service: 'running' }));
  const spec = {
    machine: 'NODE1',
    elevated: true,
    installed: true,
    configured: true,
    cluster: {
      name: 'CLUSTER1',
      version: { major: 10, minor: 0, build: 20348, vendor: 'Microsoft(R) Cluster service', csd: '', highest: 720896, lowest: 720896, mixedMode: false },
      quorum: { resource: 'Cluster Disk Witness', device: 'Q:', maxLogSize: 0 },
    },
    nodes,
    clusdb: { files: [{ name: 'CLUSDB', size: 65536 }, { name: 'CLUSDB.blf', size: 4096 }] },
    writer: {
      present: true, failAt: null, failureHr: '0x800423F4',
      components: [{ logicalPath: '', name: 'Cluster Database', type: 'filegroup', selectable: false }],
      restoreMethod: 8, service: 'ClusSvc', backupSchema: 16384,
    },
    asyncPendingPolls: 2,
    snapshotSetInProgress: 0,
    mutateAfterSnapshot: false,
    servicePendingPolls: 2,
    faults: [],
  };
  writeFileSync(scenario, JSON.stringify(spec, null, 2) + '\n');
  console.log(`Wrote the demo scenario ${relative(root, scenario)}`);
} else {
  console.log(`Using the demo scenario ${relative(root, scenario)} (delete ${relative(root, demoDir)} to start over)`);
}

if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run "npm run build" (or "npm run demo", which builds everything).');
  process.exit(1);
}

/** An argument as a shell would need it typed (a path with spaces is quoted). */
function shellWord(arg) {
  return /^[\w./:@%+=,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

const shown = relative(process.cwd(), scenario) || scenario;
console.log(`\n$ fcbackup status --simulate ${shellWord(shown)}\n`);
const result = spawnSync(process.execPath, [cli, 'status', '--simulate', scenario], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

// The main job: a VSS backup of the simulated cluster's configuration, then a check
// that the new set verifies, and the sets kept so far (the newest five).
const backups = join(demoDir, 'backups');
const shownBackups = relative(process.cwd(), backups) || backups;
function step(args) {
  console.log(`\n$ fcbackup ${args.map(shellWord).join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) process.exit(r.status ?? 1);
  return r.stdout ?? '';
}
const setPath = step(['backup', '--simulate', shown, '--to', shownBackups, '--keep', '5']).trim().split('\n').pop();
step(['verify', '--simulate', shown, setPath]);
step(['list', '--simulate', shown, shownBackups]);
console.log('\nAdd --json for machine-readable output, or --verbose to see every step.');
console.log(`Restore: node dist/cli.js restore --simulate ${shellWord(shown)} <set> [--authoritative --stop-other-nodes] --yes`);
