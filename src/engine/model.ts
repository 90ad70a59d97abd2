/**
 * The engine's data shapes are the wire's (src/wire/model.ts owns them); this module
 * lets engine code keep importing them from beside it.
 */
export type * from '../wire/model';
