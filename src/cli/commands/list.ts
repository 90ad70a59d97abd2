/**
 * fcbackup list (not part of this build yet).
 */
import { ExitCode, type CliCommand } from '../types';

export const command: CliCommand = {
  name: 'list',
  usage: 'list',
  summary: 'not available in this build',
  options: {},
  async run(_args, ctx) {
    ctx.io.stderr('fcbackup: list is not available in this build.');
    return ExitCode.usage;
  },
};
