/**
 * The independent check of the protection and Event Log bindings (run only by
 * test/wine/run.mjs, with Windows node.exe under Wine): the same bridge
 * (src/native/advapi32.ts) drives Wine's OWN advapi32 and kernel32, not the simulator —
 * the administrators-only DACL is built from SDDL, applied protected to a real folder and
 * read back (Wine keeps only what Unix mode bits can say: WINE_GAPS); the event source is registered in Wine's registry and read back; an event is
 * written. So the prototypes, out-pointers, LocalFree and HKEY values meet an
 * implementation written by others against the same SDK declarations.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeContext } from '../../src/engine/context';
import { EVENT_MESSAGE_FILE, EVENT_SOURCE, EVENT_SOURCE_KEY, forgetEventSourceCheck, writeEvent } from '../../src/engine/eventLog';
import { ADMINISTRATORS_ONLY_SDDL, isAdministratorsOnlyDacl, permissionWarnings, protectPath } from '../../src/engine/protection';
import { getFileDaclSddl, readMachineRegistryValue, reportEvent } from '../../src/native/advapi32';
import { useWindowsDlls } from './windowsTarget';

/**
 * What Wine 8.0 does not implement (observed here; Wine sources dlls/advapi32/security.c and
 * server/file.c): Windows keeps the DACL it is given.
 */
const WINE_GAPS = {
  fileDacl: 'Wine 8 keeps no DACL of its own for a file or folder: it maps the one it is given onto the Unix mode bits and ' +
    'reads back a DACL made from them (SYSTEM, the owner S-1-5-21-0-0-0-1000, Everyone), never protected',
} as const;

describe("protection and Event Log bindings against Wine's own advapi32", function () {
  let scratch = '';
  useWindowsDlls(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  before(function () {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-wine-protect-'));
  });

  it('a folder that was never protected reads back with a DACL that is not administrators-only', function () {
    const sddl = getFileDaclSddl(scratch);
    assert.equal(isAdministratorsOnlyDacl(sddl), false, `Wine returned ${sddl}`);
  });

  it('applies the administrators-only DACL through Wine (accepted); what Wine keeps is listed in WINE_GAPS, and verify warns about it', function () {
    const folder = path.join(scratch, 'set');
    fs.mkdirSync(folder);
    // ConvertStringSecurityDescriptorToSecurityDescriptorW, GetSecurityDescriptorDacl and SetNamedSecurityInfoW all succeed.
    protectPath(folder, 'folder');
    const sddl = getFileDaclSddl(folder);
    const show = `Wine returned ${sddl} for ${ADMINISTRATORS_ONLY_SDDL} (${WINE_GAPS.fileDacl})`;
    assert.match(sddl, /^D:\(/, show);
    assert.equal(isAdministratorsOnlyDacl(sddl), false, show);
    const warnings = permissionWarnings(folder);
    assert.equal(warnings.length, 1, show);
    assert.match(warnings[0], /^Readable by more than administrators: the folder's permissions are D:/);
  });

  it('registers the event source in the registry and writes an event through RegisterEventSourceW/ReportEventW', function () {
    forgetEventSourceCheck();
    const lines: string[] = [];
    const ctx = makeContext({ logger: { log: (level, message) => lines.push(`[${level}] ${message}`) } });
    assert.equal(writeEvent('backupSucceeded', 'Wine check: the backup succeeded.', ctx.logger, 'a reason'), true, lines.join('\n'));
    assert.ok(!lines.some((l) => l.startsWith('[warn]')), lines.join('\n'));
    assert.deepEqual(readMachineRegistryValue(EVENT_SOURCE_KEY, 'EventMessageFile'), { type: 2, data: EVENT_MESSAGE_FILE });
    assert.deepEqual(readMachineRegistryValue(EVENT_SOURCE_KEY, 'TypesSupported'), { type: 4, data: 7 });
    reportEvent(EVENT_SOURCE, 'error', 102, ['Wine check: a second event through the same calls.']);
  });
});
