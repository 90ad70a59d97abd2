/**
 * A small disk for enospc.test.ts: a child process run with one folder on a tmpfs of a
 * given size, in a mount namespace of its own (the mount is seen by that child only and
 * goes away with it). Two ways to get there, tried in this order:
 *
 * - `user namespace`: `unshare --user --map-root-user --mount` — no root needed, where the
 *   kernel and the container allow unprivileged user namespaces;
 * - `root`: `unshare --mount` as real root — for machines that forbid those namespaces but
 *   run the tests as root (CI machines often do).
 *
 * FCBACKUP_ENOSPC_MOUNT=user-namespace|root tries only that one (to check each on a machine
 * that has both). When none works, `chooseSmallDisk` throws, saying why for each: the test
 * fails with that reason, it is not skipped.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type SmallDiskMethod = 'user-namespace' | 'root';

const UNSHARE_ARGS: Record<SmallDiskMethod, string[]> = {
  'user-namespace': ['--user', '--map-root-user', '--mount'],
  root: ['--mount'],
};

/** `sh -c` script: $1 the folder, $2 a scratch copy, $3 the size; the rest is the command. */
const MOUNT_AND_RUN = 'set -e; cp -a "$1/." "$2/"; mount -t tmpfs -o "size=$3" fcb-enospc "$1"; cp -a "$2/." "$1/"; shift 3; exec "$@"';

function unshare(method: SmallDiskMethod, folder: string, scratch: string, bytes: number, command: string[]): ReturnType<typeof spawnSync> {
  return spawnSync('unshare', [...UNSHARE_ARGS[method], 'sh', '-c', MOUNT_AND_RUN, 'sh', folder, scratch, String(bytes), ...command],
    { encoding: 'utf8', timeout: 120_000 });
}

/** Why `method` cannot mount a tmpfs here, or null when it can (tried on a scratch folder). */
function whyNot(method: SmallDiskMethod): string | null {
  if (method === 'root' && process.getuid?.() !== 0) return `the tests do not run as root (uid ${process.getuid?.()})`;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-enospc-probe-'));
  try {
    fs.mkdirSync(path.join(folder, 'disk'));
    fs.mkdirSync(path.join(folder, 'scratch'));
    const run = unshare(method, path.join(folder, 'disk'), path.join(folder, 'scratch'), 64 * 1024, ['true']);
    if (run.error) return `unshare could not run (${run.error.message}; it is util-linux's)`;
    if (run.status !== 0) return `unshare ${UNSHARE_ARGS[method].join(' ')} and a tmpfs mount failed (exit ${run.status}): ${String(run.stderr).trim()}`;
    return null;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** The first way to a small disk that works here; throws naming why each failed. */
export function chooseSmallDisk(env: NodeJS.ProcessEnv = process.env): SmallDiskMethod {
  const forced = env.FCBACKUP_ENOSPC_MOUNT;
  if (forced !== undefined && forced !== 'user-namespace' && forced !== 'root') {
    throw new Error(`FCBACKUP_ENOSPC_MOUNT is ${JSON.stringify(forced)}: use user-namespace or root.`);
  }
  const methods: SmallDiskMethod[] = forced ? [forced] : ['user-namespace', 'root'];
  const reasons: string[] = [];
  for (const method of methods) {
    const reason = whyNot(method);
    if (reason === null) return method;
    reasons.push(`${method}: ${reason}`);
  }
  throw new Error('This test mounts a small tmpfs in a mount namespace of its own and cannot here:\n  - ' + reasons.join('\n  - ') +
    '\nAllow unprivileged user namespaces (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone on Debian, ' +
    'kernel.apparmor_restrict_unprivileged_userns on Ubuntu; a container may forbid unshare), or run the tests as root.');
}

/**
 * Runs `command` with `folder` on a tmpfs of `bytes` (holding a copy of what `folder`
 * held); its stdout. Throws when the small disk could not be set up.
 */
export function runOnSmallDisk(method: SmallDiskMethod, bytes: number, folder: string, command: string[]): string {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-enospc-saved-'));
  try {
    const run = unshare(method, folder, scratch, bytes, command);
    if (run.error) throw new Error(`unshare could not run (${run.error.message}): this test needs util-linux's unshare`);
    const stdout = String(run.stdout);
    if (run.status !== 0 || !stdout.trim()) {
      throw new Error(`The child on the small disk (${method}) failed (exit ${run.status}): ${String(run.stderr).trim()}`);
    }
    return stdout;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
