/**
 * The scheduled backup's input rules and wording for the CLI and the UI, which reach the
 * engine's pure functions only through src/client (the engine applies the same rules).
 */
export {
  SCHEDULE_TASK_PATH, ScheduleInputError, WEEK_DAYS, describeTrigger, parseKeep, parseTimeOfDay, parseWeekDay,
  type ScheduleTrigger, type WeekDay,
} from '../engine/scheduleXml';
