/**
 * Control functions of the simulator library (test/simulator): leak report, fault
 * injection and the call log. Only meaningful when the bridge targets the simulator.
 */
import { getNativeTarget, simulatorControlBindings } from './loader';

export interface LeakReport {
  handles: { cluster: number; node: number; enum: number; scm: number; service: number; token: number; key: number };
  comRefs: number;
  bstrs: number;
  coTaskMem: number;
  snapshotProps: number;
}

export type FaultMode = 'fail' | 'hang' | 'crash';

const api = simulatorControlBindings((lib) => ({
  ClusSimLeakReport: lib.func('uint32_t ClusSimLeakReport(_Out_ uint8_t *buf, uint32_t cb)'),
  ClusSimCallLog: lib.func('uint32_t ClusSimCallLog(_Out_ uint8_t *buf, uint32_t cb)'),
  ClusSimClearCallLog: lib.func('void ClusSimClearCallLog()'),
  ClusSimInjectFault: lib.func('void ClusSimInjectFault(const char *name, uint32_t nthCall, uint32_t code, const char *mode)'),
  ClusSimClearFaults: lib.func('void ClusSimClearFaults()'),
  ClusSimReboot: lib.func('void ClusSimReboot()'),
  ClusSimEventLog: lib.func('uint32_t ClusSimEventLog(_Out_ uint8_t *buf, uint32_t cb)'),
  ClusSimClearEventLog: lib.func('void ClusSimClearEventLog()'),
  ClusSimSecurityLog: lib.func('uint32_t ClusSimSecurityLog(_Out_ uint8_t *buf, uint32_t cb)'),
  ClusSimClearSecurity: lib.func('void ClusSimClearSecurity()'),
  ClusSimNodeConfiguration: lib.func('uint32_t ClusSimNodeConfiguration(const char *node, _Out_ uint8_t *buf, uint32_t cb)'),
  ClusSimWriteDatabase: lib.func(
    'int32_t ClusSimWriteDatabase(const char *scenarioJson, const char *path, uint64_t minSize, _Out_ uint8_t *errorBuf, uint32_t cbError)'),
}));

function assertSimulator(): void {
  if (getNativeTarget().kind !== 'simulator') throw new Error('The simulator control functions need the simulator target.');
}

/** Calls a "fill this buffer, return the needed size" function until the buffer is big enough. */
function readText(fill: (buf: Buffer, cb: number) => number): string {
  let buf = Buffer.alloc(4096);
  for (;;) {
    const needed = fill(buf, buf.length);
    if (needed <= buf.length) {
      const end = buf.indexOf(0);
      return buf.subarray(0, end < 0 ? needed : Math.min(end, needed)).toString('utf8');
    }
    buf = Buffer.alloc(needed + 1);
  }
}

export function simulatorLeakReport(): LeakReport {
  assertSimulator();
  const { ClusSimLeakReport } = api();
  return JSON.parse(readText((b, cb) => ClusSimLeakReport(b, cb) as number)) as LeakReport;
}

export function totalLeaks(report: LeakReport): number {
  const h = report.handles;
  return h.cluster + h.node + h.enum + h.scm + h.service + h.token + h.key + report.comRefs + report.bstrs + report.coTaskMem + report.snapshotProps;
}

/** Entries like "OpenCluster", "IVssBackupComponents::AbortBackup", "ControlService:NODE2:1", in call order. */
export function simulatorCallLog(): string[] {
  assertSimulator();
  const { ClusSimCallLog } = api();
  return JSON.parse(readText((b, cb) => ClusSimCallLog(b, cb) as number)) as string[];
}

export function simulatorClearCallLog(): void {
  assertSimulator();
  api().ClusSimClearCallLog();
}

/** Make `name` (an export, or "Interface::Method") fail with `code` on its `nthCall`-th call from now (1 = next). */
export function simulatorInjectFault(name: string, nthCall: number, code: number, mode: FaultMode = 'fail'): void {
  assertSimulator();
  api().ClusSimInjectFault(name, nthCall, code >>> 0, mode);
}

/**
 * Writes the cluster database a scenario (JSON text) describes as a hive file at `file`,
 * at least `minSize` bytes; the open scenario is not touched. Throws the simulator's
 * one-line message when the scenario is invalid or the file cannot be written.
 */
export function simulatorWriteDatabase(scenarioJson: string, file: string, minSize: number): void {
  assertSimulator();
  const error = Buffer.alloc(1024);
  const rc = api().ClusSimWriteDatabase(scenarioJson, file, minSize, error, error.length) as number;
  if (rc !== 0) throw new Error(`ClusSimWriteDatabase ${file}: ${error.subarray(0, Math.max(0, error.indexOf(0))).toString('utf8')}`);
}

/**
 * Restarts this simulated machine: its cluster service stops, the renames scheduled with
 * MOVEFILE_DELAY_UNTIL_REBOOT are applied in order, and the service starts again (it
 * starts automatically on a configured node).
 */
export function simulatorReboot(): void {
  assertSimulator();
  api().ClusSimReboot();
}

export function simulatorClearFaults(): void {
  assertSimulator();
  api().ClusSimClearFaults();
}

/** One event ReportEventW wrote: `registered` says whether the source had an EventMessageFile then. */
export interface SimulatedEvent {
  source: string;
  /** EVENTLOG_*_TYPE: 1 error, 2 warning, 4 information. */
  type: number;
  id: number;
  registered: boolean;
  strings: string[];
}

/** Every event written through ReportEventW in this process, in order. */
export function simulatorEventLog(): SimulatedEvent[] {
  assertSimulator();
  const { ClusSimEventLog } = api();
  return JSON.parse(readText((b, cb) => ClusSimEventLog(b, cb) as number)) as SimulatedEvent[];
}

/** Forgets the events and the registry values (the event source is unregistered again). */
export function simulatorClearEventLog(): void {
  assertSimulator();
  api().ClusSimClearEventLog();
}

/** Every DACL applied through SetNamedSecurityInfoW in this process, in order, as SDDL. */
export function simulatorSecurityLog(): { path: string; sddl: string }[] {
  assertSimulator();
  const { ClusSimSecurityLog } = api();
  return JSON.parse(readText((b, cb) => ClusSimSecurityLog(b, cb) as number)) as { path: string; sddl: string }[];
}

/** Forgets every DACL applied (paths read back as inherited from their folder again). */
export function simulatorClearSecurity(): void {
  assertSimulator();
  api().ClusSimClearSecurity();
}

/** A node's copy of the cluster configuration in the simulator's quorum model (test/simulator/README.md). */
export interface SimulatedNodeConfiguration {
  node: string;
  paxosTag: number;
  /** FNV-1a of the copy's bytes (hex): equal copies have equal hashes. */
  hash: string;
  /** The file that holds the copy (this machine's live CLUSDB for the local node). */
  file: string;
  /** The cluster's view of the node: down while its service does not run. */
  state: 'up' | 'paused' | 'joining' | 'down';
  /** It formed the cluster with force quorum (/fq) and still runs. */
  forced: boolean;
  clusterFormed: boolean;
}

/** A node's configuration copy (null for a name that is not a scenario node). Test-only. */
export function simulatorNodeConfiguration(node: string): SimulatedNodeConfiguration | null {
  assertSimulator();
  const { ClusSimNodeConfiguration } = api();
  return JSON.parse(readText((b, cb) => ClusSimNodeConfiguration(node, b, cb) as number)) as SimulatedNodeConfiguration | null;
}

const nodeCallApi = simulatorControlBindings((lib) => ({
  ClusSimNodeCallPeak: lib.func('uint32_t ClusSimNodeCallPeak(int32_t reset)'),
}));

/** The most node calls the simulator had in flight at once since the last reset (`reset` starts over). */
export function simulatorNodeCallPeak(reset = false): number {
  return (nodeCallApi().ClusSimNodeCallPeak(reset ? 1 : 0) as number) >>> 0;
}
