/**
 * One racer of the lock race test (backup-lock.test.ts): tries once to take the
 * operation lock in `folder`; when it gets it, proves it is the only holder by creating
 * the witness file exclusively, removes the witness, and exits WITHOUT releasing — so a
 * racer that comes later must take over a stale lock again.
 *
 * Exit codes: 0 held the lock alone; 5 the lock was busy; 3 found the witness present
 * (two holders at once); 1 anything else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../../src/engine/errors';
import { acquireOperationLock } from '../../src/engine/lock';

async function main(): Promise<number> {
  const [folder, witness] = process.argv.slice(2);
  try {
    await acquireOperationLock(folder, 'race');
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BUSY') return 5;
    throw err;
  }
  try {
    fs.writeFileSync(witness, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      process.stderr.write(`two holders at once (${process.pid} found the witness present)\n`);
      return 3;
    }
    throw err;
  }
  // Hold it over a few file-system calls, so that a second holder would overlap.
  for (let i = 0; i < 20; i++) fs.readdirSync(path.dirname(witness));
  fs.rmSync(witness);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
