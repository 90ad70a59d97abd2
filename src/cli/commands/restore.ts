/**
 * fcbackup restore (not part of this build yet).
 */
import { ExitCode, type CliCommand } from '../types';

export const command: CliCommand = {
  name: 'restore',
  usage: 'restore',
  summary: 'not available in this build',
  options: {},
  async run(_args, ctx) {
    ctx.io.stderr('fcbackup: restore is not available in this build.');
    return ExitCode.usage;
  },
};
