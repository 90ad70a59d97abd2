/**
 * The scheduled backup as a Task Scheduler task definition (Task Scheduler Schema,
 * version 1.2): building its XML, reading it back, and the rules for the values a user
 * gives (HH:MM, a day of the week, --keep). Pure: no native code, no file system, so
 * the CLI and the UI (through src/client/schedule.ts) validate with the same rules the
 * engine applies. docs/windows.md "Task Scheduler" lists the schema facts and sources.
 *
 * The task runs `PROGRAM SCRIPT backup --to DIR [--keep N] [--copy-to DIR]` as SYSTEM
 * (S-1-5-18) with the highest privileges, from a CalendarTrigger at HH:MM local time,
 * daily or weekly on one day.
 */

/** Where the task lives in the Task Scheduler Library. */
export const SCHEDULE_TASK_PATH = '\\Failover Cluster Backup\\Backup';
export const TASK_NAMESPACE = 'http://schemas.microsoft.com/windows/2004/02/mit/task';
/** The well-known SID of LocalSystem: the same in every language of Windows, unlike "SYSTEM". */
export const LOCAL_SYSTEM_SID = 'S-1-5-18';

export const WEEK_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

export type ScheduleTrigger =
  | { kind: 'daily'; time: string }
  | { kind: 'weekly'; day: WeekDay; time: string };

/** What the user chose: when, and the backup's arguments. */
export interface ScheduleSpec {
  trigger: ScheduleTrigger;
  /** Absolute folder of the backup sets (`--to`). */
  destination: string;
  /** `--keep N` (absent: the backup's default, keep all). */
  keep?: number;
  /** `--copy-to DIR`: a second folder the set is copied to. */
  copyTo?: string;
}

/** How the task starts the CLI: `program` (node.exe) with `script` (dist/cli.js) as its first argument. */
export interface CliLauncher {
  program: string;
  script: string;
}

/** What a registered task says, read back from its XML. */
export interface ScheduledTaskDefinition extends ScheduleSpec {
  launcher: CliLauncher;
  userId: string | null;
  runLevel: string | null;
  enabled: boolean;
}

/** A value the user gave that cannot be used; `message` says which and why. */
export class ScheduleInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleInputError';
  }
}

// ---- the user's values ------------------------------------------------------------

/** "7:05", "07:05" → "07:05"; throws ScheduleInputError for anything else (24-hour clock). */
export function parseTimeOfDay(text: string): string {
  const m = /^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$/.exec(text);
  if (!m) throw new ScheduleInputError(`"${text}" is not a time of day; use HH:MM on the 24-hour clock, e.g. 02:30.`);
  return `${m[1].padStart(2, '0')}:${m[2]}`;
}

/** "mon", "Monday", "MONDAY" → "Monday"; throws ScheduleInputError for anything else. */
export function parseWeekDay(text: string): WeekDay {
  const t = text.trim().toLowerCase();
  const day = t.length >= 3 ? WEEK_DAYS.find((d) => d.toLowerCase().startsWith(t)) : undefined;
  if (!day) throw new ScheduleInputError(`"${text}" is not a day of the week; use Monday … Sunday (or Mon … Sun).`);
  return day;
}

/** --keep: a whole number ≥ 0 (0 keeps every set, as for `fcbackup backup`). */
export function parseKeep(text: string): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new ScheduleInputError(`--keep needs a whole number of sets to keep (0 keeps every set), not "${text}".`);
  }
  return Number(text);
}

/** Rejects text that XML 1.0 or a Windows command line cannot carry (control characters, lone surrogates). */
function checkCarriable(what: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\ufffe\uffff]/.test(value)) throw new ScheduleInputError(`${what} contains a control character: ${JSON.stringify(value)}.`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new ScheduleInputError(`${what} contains a broken Unicode character.`);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new ScheduleInputError(`${what} contains a broken Unicode character.`);
    }
  }
}

/** Checks a whole spec; returns it normalised (time as HH:MM). */
export function validateScheduleSpec(spec: ScheduleSpec): ScheduleSpec {
  const time = parseTimeOfDay(spec.trigger.time);
  const trigger: ScheduleTrigger = spec.trigger.kind === 'weekly'
    ? { kind: 'weekly', day: parseWeekDay(spec.trigger.day), time }
    : { kind: 'daily', time };
  if (typeof spec.destination !== 'string' || spec.destination.trim() === '') throw new ScheduleInputError('The backup folder (--to) is missing.');
  checkCarriable('The backup folder', spec.destination);
  if (spec.keep !== undefined && (!Number.isSafeInteger(spec.keep) || spec.keep < 0)) {
    throw new ScheduleInputError(`--keep needs a whole number of sets to keep, not ${String(spec.keep)}.`);
  }
  if (spec.copyTo !== undefined) {
    if (spec.copyTo.trim() === '') throw new ScheduleInputError('--copy-to needs a folder.');
    checkCarriable('The copy folder (--copy-to)', spec.copyTo);
  }
  return { trigger, destination: spec.destination, keep: spec.keep, copyTo: spec.copyTo };
}

// ---- Windows command lines ---------------------------------------------------------

/**
 * One argument quoted for a Windows command line as the Microsoft C runtime (and so
 * node.exe) splits it: quotes around it when it is empty or has a space, tab or quote;
 * a quote becomes \" and the backslashes before a quote, or before the closing quote,
 * are doubled ("Parsing C++ command-line arguments").
 */
export function quoteWindowsArgument(arg: string): string {
  if (arg !== '' && !/[ \t\n\v"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const c of arg) {
    if (c === '\\') {
      backslashes++;
    } else if (c === '"') {
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
      backslashes = 0;
    } else {
      out += '\\'.repeat(backslashes) + c;
      backslashes = 0;
    }
  }
  return out + '\\'.repeat(backslashes * 2) + '"';
}

/** Splits a command line by the same rules (the inverse of quoting each argument and joining with spaces). */
export function splitWindowsCommandLine(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) return args;
    let current = '';
    let quoted = false;
    while (i < line.length) {
      const c = line[i];
      if (c === '\\') {
        let n = 0;
        while (line[i] === '\\') {
          n++;
          i++;
        }
        if (line[i] === '"') {
          current += '\\'.repeat(Math.floor(n / 2));
          if (n % 2 === 1) {
            current += '"';
            i++;
          }
        } else {
          current += '\\'.repeat(n);
        }
      } else if (c === '"') {
        if (quoted && line[i + 1] === '"') {
          current += '"';
          i += 2;
        } else {
          quoted = !quoted;
          i++;
        }
      } else if (!quoted && (c === ' ' || c === '\t')) {
        break;
      } else {
        current += c;
        i++;
      }
    }
    args.push(current);
  }
}

/** The arguments after the program: SCRIPT backup --to DIR [--keep N] [--copy-to DIR]. */
export function backupArguments(spec: ScheduleSpec, script: string): string[] {
  const args = [script, 'backup', '--to', spec.destination];
  if (spec.keep !== undefined) args.push('--keep', String(spec.keep));
  if (spec.copyTo !== undefined) args.push('--copy-to', spec.copyTo);
  return args;
}

// ---- XML --------------------------------------------------------------------------

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text for an XML element or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The task's XML. `today` gives the date of the StartBoundary (local time, no zone, so
 * the task follows the computer's clock through daylight-saving changes).
 */
export function buildTaskXml(input: ScheduleSpec, launcher: CliLauncher, today: Date): string {
  const spec = validateScheduleSpec(input);
  checkCarriable('The program path', launcher.program);
  checkCarriable('The CLI script path', launcher.script);
  if (launcher.program.includes('"')) throw new ScheduleInputError('The program path cannot contain a quote.');
  const start = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}T${spec.trigger.time}:00`;
  const schedule = spec.trigger.kind === 'daily'
    ? ['      <ScheduleByDay>', '        <DaysInterval>1</DaysInterval>', '      </ScheduleByDay>']
    : ['      <ScheduleByWeek>', '        <DaysOfWeek>', `          <${spec.trigger.day} />`, '        </DaysOfWeek>',
      '        <WeeksInterval>1</WeeksInterval>', '      </ScheduleByWeek>'];
  const args = backupArguments(spec, launcher.script).map(quoteWindowsArgument).join(' ');
  const e = escapeXml;
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    `<Task version="1.2" xmlns="${TASK_NAMESPACE}">`,
    '  <RegistrationInfo>',
    '    <Author>Failover Cluster Backup</Author>',
    '    <Description>Backs up the failover cluster configuration of this node (fcbackup backup).</Description>',
    `    <URI>${e(SCHEDULE_TASK_PATH)}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <CalendarTrigger>',
    `      <StartBoundary>${start}</StartBoundary>`,
    '      <Enabled>true</Enabled>',
    ...schedule,
    '    </CalendarTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${LOCAL_SYSTEM_SID}</UserId>`,
    '      <RunLevel>HighestAvailable</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <ExecutionTimeLimit>PT4H</ExecutionTimeLimit>',
    '    <Enabled>true</Enabled>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${e(launcher.program)}</Command>`,
    `      <Arguments>${e(args)}</Arguments>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\n');
}

/** An element of the document read back: its local name, text and children. */
interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_m, ent: string) => {
    if (ent.startsWith('#x')) return String.fromCodePoint(parseInt(ent.slice(2), 16));
    if (ent.startsWith('#')) return String.fromCodePoint(parseInt(ent.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[ent];
  });
}

/**
 * Reads the elements of a task document (what the Task Scheduler returns from
 * IRegisteredTask::Xml: its own serialisation, which may differ in layout and prefixes
 * from what was registered). Attributes are skipped; prefixes are dropped from names.
 */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', text: '', children: [] };
  const stack: XmlElement[] = [root];
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<\/\s*([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(xml)) !== null) {
    consumed = token.lastIndex;
    const top = stack[stack.length - 1];
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2] !== undefined) {
      const local = m[2].replace(/^.*:/, '');
      if (stack.length === 1 || top.name !== local) throw new ScheduleInputError(`The task XML is not well formed: </${m[2]}> closes <${top.name}>.`);
      stack.pop();
    } else if (m[3] !== undefined) {
      const element: XmlElement = { name: m[3].replace(/^.*:/, ''), text: '', children: [] };
      top.children.push(element);
      if (m[5] !== '/') stack.push(element);
    } else if (m[6] !== undefined) top.text += decodeEntities(m[6]);
    if (consumed >= xml.length) break;
  }
  if (consumed < xml.length || stack.length !== 1) throw new ScheduleInputError('The task XML is not well formed.');
  return root;
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

function textOf(element: XmlElement | undefined): string | null {
  return element ? element.text.trim() : null;
}

/**
 * Reads a task definition this product registered. Throws ScheduleInputError when the
 * XML is not one: no Exec action with the backup command, or no daily/weekly CalendarTrigger.
 */
export function parseTaskXml(xml: string): ScheduledTaskDefinition {
  const task = child(parseXml(xml), 'Task');
  if (!task) throw new ScheduleInputError('The task XML has no <Task> element.');
  const exec = child(child(task, 'Actions'), 'Exec');
  const program = textOf(child(exec, 'Command'));
  if (!program) throw new ScheduleInputError('The task has no Exec action with a Command.');
  const args = splitWindowsCommandLine(textOf(child(exec, 'Arguments')) ?? '');
  const [script, verb, ...rest] = args;
  if (!script || verb !== 'backup') throw new ScheduleInputError(`The task does not run "fcbackup backup" (its arguments: ${args.join(' ')}).`);
  let destination: string | undefined;
  let keep: number | undefined;
  let copyTo: string | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (value === undefined) throw new ScheduleInputError(`The task's argument ${rest[i]} has no value.`);
    if (rest[i] === '--to') destination = value;
    else if (rest[i] === '--keep') keep = parseKeep(value);
    else if (rest[i] === '--copy-to') copyTo = value;
    else throw new ScheduleInputError(`The task has an argument this product does not write: ${rest[i]}.`);
  }
  if (!destination) throw new ScheduleInputError('The task runs a backup without --to.');

  const calendar = child(child(task, 'Triggers'), 'CalendarTrigger');
  const start = /T(\d{2}:\d{2})/.exec(textOf(child(calendar, 'StartBoundary')) ?? '');
  if (!calendar || !start) throw new ScheduleInputError('The task has no CalendarTrigger with a StartBoundary.');
  let trigger: ScheduleTrigger;
  const byWeek = child(calendar, 'ScheduleByWeek');
  if (child(calendar, 'ScheduleByDay')) {
    trigger = { kind: 'daily', time: start[1] };
  } else if (byWeek) {
    const days = child(byWeek, 'DaysOfWeek')?.children.map((d) => d.name) ?? [];
    const day = WEEK_DAYS.find((d) => d === days[0]);
    if (days.length !== 1 || !day) throw new ScheduleInputError(`The task runs weekly on ${days.join(', ') || 'no day'}; this product schedules one day.`);
    trigger = { kind: 'weekly', day, time: start[1] };
  } else {
    throw new ScheduleInputError('The task is neither daily nor weekly.');
  }
  const principal = child(child(task, 'Principals'), 'Principal');
  return {
    trigger, destination, keep, copyTo,
    launcher: { program, script },
    userId: textOf(child(principal, 'UserId')),
    runLevel: textOf(child(principal, 'RunLevel')),
    enabled: textOf(child(child(task, 'Settings'), 'Enabled')) !== 'false',
  };
}

/** "daily at 02:30", "every Monday at 02:30". */
export function describeTrigger(trigger: ScheduleTrigger): string {
  return trigger.kind === 'daily' ? `daily at ${trigger.time}` : `every ${trigger.day} at ${trigger.time}`;
}
