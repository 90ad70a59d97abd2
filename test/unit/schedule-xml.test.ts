/**
 * The scheduled backup's pure parts: the task XML (built and read back, escaping of any
 * Unicode, &, <, quotes), Windows command-line quoting (the Microsoft C runtime's rules),
 * the user's values (HH:MM, days, --keep), the CLI's argument rules, DATE conversion and
 * result names.
 */
import * as assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { command as backupCommand } from '../../src/cli/commands/backup';
import { parseScheduleArguments } from '../../src/cli/commands/schedule';
import {
  LOCAL_SYSTEM_SID, SCHEDULE_TASK_PATH, ScheduleInputError, buildTaskXml, escapeXml, parseKeep, parseTaskXml, parseTimeOfDay,
  parseWeekDay, quoteWindowsArgument, splitWindowsCommandLine, type ScheduleSpec,
} from '../../src/engine/scheduleXml';
import { dateFromOle, dateToOle, taskResultName } from '../../src/native/taskschdTypes';

const launcher = { program: 'C:\\Program Files\\nodejs\\node.exe', script: 'C:\\Users\\Ädmin\\fcbackup\\dist\\cli.js' };
const today = new Date(2026, 11, 7, 15, 0, 0);

describe('scheduled backup: task XML', function () {
  it('builds a Task Scheduler 1.2 document: SYSTEM, highest privileges, a daily CalendarTrigger at HH:MM', function () {
    const xml = buildTaskXml({ trigger: { kind: 'daily', time: '2:05' }, destination: 'D:\\Backups', keep: 3 }, launcher, today);
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-16"\?>\n<Task version="1\.2" xmlns="http:\/\/schemas\.microsoft\.com\/windows\/2004\/02\/mit\/task">/);
    assert.ok(xml.includes(`<UserId>${LOCAL_SYSTEM_SID}</UserId>`));
    assert.ok(xml.includes('<RunLevel>HighestAvailable</RunLevel>'));
    assert.ok(xml.includes('<StartBoundary>2026-12-07T02:05:00</StartBoundary>'));
    assert.ok(xml.includes('<ScheduleByDay>\n        <DaysInterval>1</DaysInterval>'));
    assert.ok(xml.includes(`<URI>${SCHEDULE_TASK_PATH}</URI>`));
    assert.ok(xml.includes('<Command>C:\\Program Files\\nodejs\\node.exe</Command>'));
    assert.ok(xml.includes('<Arguments>C:\\Users\\Ädmin\\fcbackup\\dist\\cli.js backup --to D:\\Backups --keep 3</Arguments>'));
  });

  it('--copy-to is in the task\'s Arguments, as a command line the backup command takes', function () {
    const spec: ScheduleSpec = { trigger: { kind: 'daily', time: '03:00' }, destination: 'D:\\Backups', keep: 7, copyTo: '\\\\filer\\cluster backups\\' };
    const xml = buildTaskXml(spec, launcher, today);
    const escaped = /<Arguments>(.*)<\/Arguments>/.exec(xml)![1];
    assert.ok(escaped.endsWith('--keep 7 --copy-to &quot;\\\\filer\\cluster backups\\\\&quot;'), escaped);
    const line = escaped.replace(/&quot;/g, '"');
    const [script, name, ...rest] = splitWindowsCommandLine(line);
    assert.equal(script, launcher.script);
    assert.equal(name, backupCommand.name);
    const parsed = parseArgs({ args: rest, options: backupCommand.options, strict: true, allowPositionals: false });
    assert.deepEqual({ ...parsed.values }, { to: 'D:\\Backups', keep: '7', 'copy-to': '\\\\filer\\cluster backups\\' });
  });

  it('a weekly trigger names its day in DaysOfWeek', function () {
    const xml = buildTaskXml({ trigger: { kind: 'weekly', day: 'Friday', time: '23:59' }, destination: 'D:\\B' }, launcher, today);
    assert.match(xml, /<ScheduleByWeek>\s*<DaysOfWeek>\s*<Friday \/>\s*<\/DaysOfWeek>\s*<WeeksInterval>1<\/WeeksInterval>/);
  });

  const awkward: ScheduleSpec[] = [
    { trigger: { kind: 'daily', time: '00:00' }, destination: 'D:\\Backups & <Sets> "quoted" \'single\'' },
    { trigger: { kind: 'weekly', day: 'Sunday', time: '12:34' }, destination: 'C:\\Ω 日本語 𝄞 emoji 🗄️\\', keep: 0, copyTo: '\\\\server\\share with space\\' },
    { trigger: { kind: 'weekly', day: 'Tuesday', time: '07:07' }, destination: 'E:\\trailing\\\\', keep: 12, copyTo: 'F:\\a"b\\"c' },
    { trigger: { kind: 'daily', time: '23:00' }, destination: 'C:\\semi;colon\\%PATH%\\^caret\\&amp;' },
  ];
  for (const spec of awkward) {
    it(`round-trips ${JSON.stringify(spec.destination)}`, function () {
      const def = parseTaskXml(buildTaskXml(spec, launcher, today));
      assert.deepEqual(def.trigger, spec.trigger);
      assert.equal(def.destination, spec.destination);
      assert.equal(def.keep, spec.keep);
      assert.equal(def.copyTo, spec.copyTo);
      assert.deepEqual(def.launcher, launcher);
      assert.equal(def.userId, LOCAL_SYSTEM_SID);
      assert.equal(def.runLevel, 'HighestAvailable');
      assert.equal(def.enabled, true);
    });
  }

  it('reads the XML as the Task Scheduler returns it: other layout, comments, CDATA, character references', function () {
    const xml = `<?xml version="1.0" encoding="UTF-16"?>
<!-- exported -->
<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"><RegistrationInfo><Date>2026-01-01T00:00:00</Date></RegistrationInfo>
<Triggers><CalendarTrigger><StartBoundary>2026-01-01T03:45:00+01:00</StartBoundary><ScheduleByWeek><WeeksInterval>1</WeeksInterval><DaysOfWeek><Monday/></DaysOfWeek></ScheduleByWeek></CalendarTrigger></Triggers>
<Principals><Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>
<Settings><Enabled>false</Enabled></Settings>
<Actions Context="Author"><Exec><Command>C:\\node.exe</Command><Arguments><![CDATA[C:\\cli.js backup --to "D:\\A & B"]]> --keep&#x20;2</Arguments></Exec></Actions></Task>`;
    const def = parseTaskXml(xml);
    assert.deepEqual(def.trigger, { kind: 'weekly', day: 'Monday', time: '03:45' });
    assert.equal(def.destination, 'D:\\A & B');
    assert.equal(def.keep, 2);
    assert.equal(def.enabled, false);
  });

  it('refuses XML that is not a task this product writes, saying why', function () {
    assert.throws(() => parseTaskXml('<Task><Actions></Task>'), /not well formed/);
    assert.throws(() => parseTaskXml('<Task xmlns="x"><Actions><Exec/></Actions></Task>'), /no Exec action with a Command/);
    const other = buildTaskXml({ trigger: { kind: 'daily', time: '01:00' }, destination: 'D:\\B' }, launcher, today).replace('backup --to', 'restore --to');
    assert.throws(() => parseTaskXml(other), /does not run "fcbackup backup"/);
  });

  it('escapes the five XML special characters and nothing else', function () {
    assert.equal(escapeXml(`a&b<c>d"e'f Ω`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f Ω');
  });

  it('refuses control characters, broken surrogates and a quote in the program path', function () {
    assert.throws(() => buildTaskXml({ trigger: { kind: 'daily', time: '01:00' }, destination: 'D:\\a\u0001b' }, launcher, today), ScheduleInputError);
    assert.throws(() => buildTaskXml({ trigger: { kind: 'daily', time: '01:00' }, destination: 'D:\\\ud800' }, launcher, today), /broken Unicode/);
    assert.throws(() => buildTaskXml({ trigger: { kind: 'daily', time: '01:00' }, destination: 'D:\\a' }, { ...launcher, program: 'C:\\a"b.exe' }, today), /quote/);
  });
});

describe('scheduled backup: Windows command lines', function () {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['', '""'],
    ['with space', '"with space"'],
    ['C:\\dir\\', 'C:\\dir\\'],
    ['C:\\dir with space\\', '"C:\\dir with space\\\\"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['a\\"b', '"a\\\\\\"b"'],
    ['tab\there', '"tab\there"'],
  ];
  for (const [arg, quoted] of cases) {
    it(`quotes ${JSON.stringify(arg)} as ${quoted} and splits it back`, function () {
      assert.equal(quoteWindowsArgument(arg), quoted);
      assert.deepEqual(splitWindowsCommandLine(quoted), [arg]);
    });
  }

  it('splits a whole line by the C runtime rules', function () {
    assert.deepEqual(splitWindowsCommandLine('a  "b c"\td\\\\"e f"\\\\ g'), ['a', 'b c', 'd\\e f\\\\', 'g']);
    const args = ['C:\\x y\\cli.js', 'backup', '--to', 'D:\\"odd"\\ \\', ''];
    assert.deepEqual(splitWindowsCommandLine(args.map(quoteWindowsArgument).join(' ')), args);
  });
});

describe('scheduled backup: the user\'s values', function () {
  it('times of day on the 24-hour clock', function () {
    assert.equal(parseTimeOfDay('2:05'), '02:05');
    assert.equal(parseTimeOfDay('23:59'), '23:59');
    for (const bad of ['24:00', '12:60', '12', '1:2', 'noon', '-1:00', '12:00pm', '']) assert.throws(() => parseTimeOfDay(bad), ScheduleInputError, bad);
  });

  it('days of the week by name or three-letter abbreviation, any case', function () {
    assert.equal(parseWeekDay('mon'), 'Monday');
    assert.equal(parseWeekDay('SATURDAY'), 'Saturday');
    assert.equal(parseWeekDay('Thu'), 'Thursday');
    for (const bad of ['M', 'mo', 'Funday', '', '1']) assert.throws(() => parseWeekDay(bad), ScheduleInputError, bad);
  });

  it('--keep is a whole number', function () {
    assert.equal(parseKeep('0'), 0);
    assert.equal(parseKeep('30'), 30);
    for (const bad of ['-1', '1.5', 'x', '', '99999999999999999999']) assert.throws(() => parseKeep(bad), ScheduleInputError, bad);
  });

  it('the CLI takes exactly one of --daily, --weekly, --remove, --show, with the backup options only when scheduling', function () {
    assert.deepEqual(parseScheduleArguments([], { show: true }), { kind: 'show' });
    assert.deepEqual(parseScheduleArguments([], { remove: true }), { kind: 'remove' });
    const weekly = parseScheduleArguments(['6:00'], { weekly: 'tue', to: '/b', keep: '4' });
    assert.deepEqual(weekly, { kind: 'set', params: { trigger: { kind: 'weekly', day: 'Tuesday', time: '06:00' }, destination: '/b', keep: 4, copyTo: undefined } });
    const copied = parseScheduleArguments([], { daily: '23:59', to: '/b', 'copy-to': '/mnt/share/cluster' });
    assert.deepEqual(copied, { kind: 'set', params: { trigger: { kind: 'daily', time: '23:59' }, destination: '/b', keep: undefined, copyTo: '/mnt/share/cluster' } });
    const refusals: [string[], Record<string, string | boolean>, RegExp][] = [
      [[], {}, /say what to do/],
      [[], { show: true, remove: true }, /--remove and --show cannot be used together/],
      [[], { daily: '01:00', weekly: 'mon', to: '/b' }, /cannot be used together/],
      [['x'], { show: true }, /takes no arguments/],
      [[], { show: true, keep: '2' }, /--keep belongs to/],
      [['01:00'], { daily: '01:00', to: '/b' }, /unexpected argument/],
      [[], { weekly: 'mon', to: '/b' }, /needs a day and a time/],
      [[], { daily: '01:00' }, /--to DIR is needed/],
      [[], { daily: '01:00', to: '/b', 'copy-to': ' ' }, /--copy-to needs a folder/],
      [[], { daily: '01:00', to: '/b', 'copy-to': '/b/' }, /--copy-to is the --to folder itself/],
    ];
    for (const [positionals, options, message] of refusals) {
      assert.throws(() => parseScheduleArguments(positionals, options), (err: unknown) => err instanceof ScheduleInputError && message.test(err.message), JSON.stringify(options));
    }
  });
});

describe('scheduled backup: DATE values and result names', function () {
  it('converts DATE (local wall clock) both ways; 0 and the "never ran" date are null', function () {
    const d = new Date(2026, 5, 30, 2, 30, 0);
    assert.equal(dateFromOle(dateToOle(d))?.getTime(), d.getTime());
    assert.equal(dateToOle(new Date(1899, 11, 31, 12, 0, 0)), 1.5);
    assert.equal(dateFromOle(0), null);
    assert.equal(dateFromOle(36494), null);
  });

  it('names results: exit codes, SCHED_S_* and HRESULTs', function () {
    assert.equal(taskResultName(0), 'success (exit code 0)');
    assert.equal(taskResultName(2), 'exit code 2');
    assert.equal(taskResultName(0x41303), 'SCHED_S_TASK_HAS_NOT_RUN');
    assert.equal(taskResultName(0x80070005 | 0), 'E_ACCESSDENIED');
  });
});
