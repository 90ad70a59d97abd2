// Shared by the package checks: where the linux-x64 check package goes, and the
// simulated cluster the packaged CLI and the installed extension are run against.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageCacheDir, root } from '../../scripts/package.mjs';

/** Built like the release packages, for this Linux machine only (never published). */
export const CHECK_TARGET = 'linux-x64';
export const checkPackageDir = path.join(packageCacheDir, 'check');

/** Writes a scenario in the simulator's documented format and returns its path. */
export function writeCheckScenario(dir, clusterName) {
  fs.mkdirSync(dir, { recursive: true });
  const scenario = {
    machine: 'PKG-NODE1',
    cluster: { name: clusterName, quorum: { resource: 'Cluster Disk Witness', device: 'Q:', maxLogSize: 0 } },
    nodes: [
      { name: 'PKG-NODE1', id: '1', state: 'up', reachable: true, service: 'running' },
      { name: 'PKG-NODE2', id: '2', state: 'up', reachable: true, service: 'running' },
    ],
  };
  const file = path.join(dir, 'scenario.json');
  fs.writeFileSync(file, JSON.stringify(scenario, null, 2));
  return file;
}

/** The Linux simulator library (outside every package); FCBACKUP_SIMULATOR_LIBRARY overrides it. */
export function simulatorLibrary() {
  const lib = process.env.FCBACKUP_SIMULATOR_LIBRARY || path.join(root, 'build', 'simulator', 'libclussim.so');
  if (!fs.existsSync(lib) && !process.env.FCBACKUP_SIMULATOR_LIBRARY) {
    process.stdout.write('[package] building the simulator (npm run build:sim)\n');
    const r = spawnSync('npm', ['run', 'build:sim'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build:sim failed (exit ${r.status ?? r.signal}):\n${`${r.stdout}\n${r.stderr}`.trim().slice(-1500)}`);
  }
  if (!fs.existsSync(lib)) throw new Error(`The simulator library ${path.relative(root, lib)} is missing: run "npm run build:sim" first.`);
  return lib;
}
