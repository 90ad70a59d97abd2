/**
 * Starts a backup set in the folder given (backupSet-errors.test.ts runs this as an
 * unprivileged user) and prints what happened as one JSON line.
 */
import { BackupSetWriter } from '../../src/engine/backupSet';
import { EngineError } from '../../src/engine/errors';

BackupSetWriter.create(process.argv[2], 'CLUSTER1_NODE1_20240501T120000Z').then(
  async (writer) => {
    await writer.discard();
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  },
  (err: unknown) => {
    process.stdout.write(`${JSON.stringify({ ok: false, engineCode: err instanceof EngineError ? err.code : null, message: (err as Error).message })}\n`);
  },
);
