import type { Services } from '../services';

/** One row of the command table: the id from package.json and its handler. */
export interface CommandDefinition {
  id: string;
  /** The command's title as the log and the error notification name it. */
  title(s: Services): string;
  /** Arguments: a tree element when run from a tree's menu, test/automation arguments, or none from the palette. */
  run(s: Services, ...args: unknown[]): Promise<unknown>;
}
