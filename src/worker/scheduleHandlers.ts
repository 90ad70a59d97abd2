/**
 * Schedule requests: setSchedule, showSchedule, removeSchedule. The parameters come from
 * a client and are checked here for shape; the values (time, day, folders) are checked by
 * the engine (src/engine/schedule.ts) before any Windows call.
 */
import { EngineError } from '../engine/errors';
import { removeSchedule, setSchedule, showSchedule, type SetScheduleParams } from '../engine/schedule';
import type { WeekDay } from '../engine/scheduleXml';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EngineError('BAD_ARGUMENT', `${what} must be text.`);
  return value;
}

/** The request's parameters with only the fields the engine reads, each of the right type. */
function checkSetParams(params: unknown): SetScheduleParams {
  const p = (params ?? {}) as Record<string, unknown>;
  const trigger = (p.trigger ?? {}) as Record<string, unknown>;
  const launcher = (p.launcher ?? {}) as Record<string, unknown>;
  const time = optionalText(trigger.time, 'The time of day') ?? '';
  if (trigger.kind !== 'daily' && trigger.kind !== 'weekly') throw new EngineError('BAD_ARGUMENT', 'The schedule must be daily or weekly.');
  if (p.keep !== undefined && typeof p.keep !== 'number') throw new EngineError('BAD_ARGUMENT', '--keep must be a number.');
  return {
    trigger: trigger.kind === 'daily'
      ? { kind: 'daily', time }
      : { kind: 'weekly', day: /* checked by the engine */ (optionalText(trigger.day, 'The day of the week') ?? '') as WeekDay, time },
    destination: optionalText(p.destination, 'The backup folder') ?? '',
    keep: p.keep as number | undefined,
    copyTo: optionalText(p.copyTo, 'The copy folder'),
    launcher: { program: optionalText(launcher.program, 'The program') ?? '', script: optionalText(launcher.script, 'The CLI script') ?? '' },
  };
}

export function registerScheduleHandlers(server: WorkerServer): void {
  server.onRequest(Requests.setSchedule, (params, ctx) => setSchedule(checkSetParams(params), ctx));
  server.onRequest(Requests.showSchedule, (_params, ctx) => showSchedule(ctx));
  server.onRequest(Requests.removeSchedule, (_params, ctx) => removeSchedule(ctx));
}
