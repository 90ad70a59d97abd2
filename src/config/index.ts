/** The cluster configuration model, its comparison and its renderings (no vscode, no koffi). */
export type * from './model';
export { configurationFromRegistry } from './parse';
export { compareConfigurations, summarizeChanges } from './diff';
export { describeChange, describeObject, renderConfiguration, renderDiff } from './render';
export { rollbackLine, rollbackText, ROLLBACK_LINES_SHOWN, type RollbackText } from './rollback';
export { comparePaxosTags, paxosRelation } from './paxos';
