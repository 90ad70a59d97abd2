/**
 * An OperationContext that records what the engine logs and which progress steps it
 * reports, for suites that assert on them. Pure Node: it also runs under Wine.
 */
import { makeContext, type OperationContext } from '../../src/engine/context';
import type { LogLevel } from '../../src/engine/model';

export interface Recorded extends OperationContext {
  lines: { level: LogLevel; message: string }[];
  steps: string[];
  /** Every log line as "[level] message", one per line. */
  text(): string;
}

export function recordingContext(signal?: AbortSignal, onProgress?: (step: string) => void): Recorded {
  const lines: { level: LogLevel; message: string }[] = [];
  const steps: string[] = [];
  const ctx = makeContext({
    logger: { log: (level, message) => lines.push({ level, message }) },
    progress: (step) => {
      steps.push(step);
      onProgress?.(step);
    },
    signal,
  });
  return { ...ctx, lines, steps, text: () => lines.map((l) => `[${l.level}] ${l.message}`).join('\n') };
}
