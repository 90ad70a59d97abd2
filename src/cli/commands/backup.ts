/**
 * fcbackup backup (not part of this build yet).
 */
import { ExitCode, type CliCommand } from '../types';

export const command: CliCommand = {
  name: 'backup',
  usage: 'backup',
  summary: 'not available in this build',
  options: {},
  async run(_args, ctx) {
    ctx.io.stderr('fcbackup: backup is not available in this build.');
    return ExitCode.usage;
  },
};
