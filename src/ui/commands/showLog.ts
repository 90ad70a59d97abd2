import type { CommandDefinition } from './types';

export const showLogCommand: CommandDefinition = {
  id: 'fcbackup.showLog',
  title: (s) => s.t('Show Log'),
  async run(s) {
    s.log.show();
  },
};
