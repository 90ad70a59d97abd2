/**
 * Querying, stopping and starting the cluster service (ClusSvc) on this node or on
 * another node through its Service Control Manager, and waiting until it reaches a
 * state. Waiting follows the service's own dwCheckPoint/dwWaitHint (the documented
 * SCM protocol): poll at a tenth of the wait hint (50 ms to 1 s), fail when the
 * checkpoint stops rising for longer than the wait hint, and never wait longer than
 * an overall timeout. Cancellation stops the wait.
 */
import {
  queryServiceOn, startServiceOn, stopServiceOn, serviceStateName, ServiceState,
  type ServiceStatus, type ServiceStatusProcess,
} from '../native/advapi32';
import { NativeError } from '../native/errors';
import { sleep, type OperationContext } from './context';
import { CancelledError, EngineError } from './errors';

export const CLUSTER_SERVICE_NAME = 'ClusSvc';

const ERROR_SERVICE_ALREADY_RUNNING = 1056;
const ERROR_SERVICE_DOES_NOT_EXIST = 1060;
const ERROR_SERVICE_NOT_ACTIVE = 1062;

/** The Service Control Manager calls the engine needs; the native bridge by default, a fake in unit tests. */
export interface ServiceControlApi {
  /** `machine` undefined means this computer. */
  query(machine: string | undefined, service: string): ServiceStatusProcess;
  stop(machine: string | undefined, service: string): ServiceStatus;
  start(machine: string | undefined, service: string, args: readonly string[]): void;
}

export const nativeServiceControl: ServiceControlApi = {
  query: queryServiceOn,
  stop: stopServiceOn,
  start: startServiceOn,
};

/** A node whose service is controlled: its name (for messages) and whether it is this computer. */
export interface ServiceTarget {
  node: string;
  isLocal: boolean;
}

export interface ServiceWaitOptions {
  /** The longest the whole wait may take (default 5 minutes: ClusSvc can take long to stop on a busy node). */
  timeoutMs?: number;
  api?: ServiceControlApi;
}

export type ServiceStateLabel =
  | 'stopped' | 'startPending' | 'stopPending' | 'running' | 'continuePending' | 'pausePending' | 'paused'
  | 'notInstalled' | `unknown(${number})`;

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const MIN_POLL_MS = 50;
const MAX_POLL_MS = 1000;

function machineOf(target: ServiceTarget): string | undefined {
  return target.isLocal ? undefined : target.node;
}

function describe(target: ServiceTarget, service: string): string {
  return `${service} on ${target.node}${target.isLocal ? ' (this node)' : ''}`;
}

/** The service's state on a node, 'notInstalled' when the SCM says it does not exist there. Other failures throw. */
export function queryServiceState(target: ServiceTarget, service = CLUSTER_SERVICE_NAME,
  api: ServiceControlApi = nativeServiceControl): ServiceStateLabel {
  try {
    return serviceStateName(api.query(machineOf(target), service).currentState);
  } catch (err) {
    if (err instanceof NativeError && err.code === ERROR_SERVICE_DOES_NOT_EXIST && err.api === 'OpenServiceW') return 'notInstalled';
    throw err;
  }
}

function formatDuration(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** The poll interval for a wait hint: a tenth of it, clamped to 50 ms – 1 s. */
export function pollIntervalFor(waitHintMs: number): number {
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, Math.floor(waitHintMs / 10)));
}

const PENDING_STATES: ReadonlySet<number> = new Set([
  ServiceState.startPending, ServiceState.stopPending, ServiceState.continuePending, ServiceState.pausePending,
]);

/**
 * Polls the service until `done(state)` holds, following the checkpoint protocol.
 * `wrongState(state, polls)` may name a state that ends the wait with a failure.
 */
async function pollService(target: ServiceTarget, service: string, goal: string, ctx: OperationContext, options: ServiceWaitOptions,
  done: (state: number) => boolean, wrongState: (state: number, polls: number) => boolean): Promise<ServiceStatusProcess> {
  const api = options.api ?? nativeServiceControl;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = describe(target, service);
  const started = Date.now();
  let lastState = -1;
  let lastCheckPoint = -1;
  let lastProgressAt = started;
  ctx.progress(`Waiting for ${what} to be ${goal}`);
  for (let polls = 0; ; polls++) {
    if (ctx.signal.aborted) throw new CancelledError(`Waiting for ${what} to be ${goal}`);
    const status = api.query(machineOf(target), service);
    const now = Date.now();
    const stateName = serviceStateName(status.currentState);
    if (done(status.currentState)) {
      ctx.logger.log('info', `${what} is ${stateName}.`);
      return status;
    }
    ctx.logger.log('trace', `${what}: ${stateName}, checkpoint ${status.checkPoint}, wait hint ${status.waitHint} ms.`);
    if (wrongState(status.currentState, polls)) {
      const exit = status.win32ExitCode !== 0 ? ` (exit code ${status.win32ExitCode}${status.serviceSpecificExitCode ? `, service code ${status.serviceSpecificExitCode}` : ''})` : '';
      throw new EngineError('RESTORE_FAILED',
        `${what} is ${stateName} instead of ${goal}${exit}. Check the System event log of ${target.node}.`);
    }
    if (status.currentState !== lastState || status.checkPoint > lastCheckPoint) {
      lastState = status.currentState;
      lastCheckPoint = status.checkPoint;
      lastProgressAt = now;
    } else if (now - lastProgressAt > status.waitHint) {
      throw new EngineError('TIMEOUT',
        `${what} stopped making progress while becoming ${goal}: still ${stateName} at checkpoint ${status.checkPoint} ` +
        `after its wait hint of ${status.waitHint} ms. Check the service on ${target.node} and try again.`);
    }
    if (now - started > timeoutMs) {
      throw new EngineError('TIMEOUT',
        `${what} did not become ${goal} within ${formatDuration(timeoutMs)} (still ${stateName}).`);
    }
    await sleep(pollIntervalFor(status.waitHint), ctx.signal);
  }
}

/**
 * Wait until the service on `target` reports `desired` (STOPPED or RUNNING).
 * Fails with TIMEOUT when the checkpoint stops rising for longer than the wait hint
 * or the overall timeout passes, with RESTORE_FAILED when the service settles in the
 * opposite state (e.g. it stopped again while starting), CANCELLED on cancellation.
 */
export async function waitForServiceState(target: ServiceTarget, service: string, desired: 'stopped' | 'running',
  ctx: OperationContext, options: ServiceWaitOptions = {}): Promise<ServiceStatusProcess> {
  const wanted = desired === 'stopped' ? ServiceState.stopped : ServiceState.running;
  const opposite = desired === 'stopped' ? ServiceState.running : ServiceState.stopped;
  // The first answer may still show the state from before the control was sent.
  return pollService(target, service, desired, ctx, options, (state) => state === wanted, (state, polls) => state === opposite && polls > 0);
}

/** Wait until the service is in no *_PENDING state; returns the state it settled in. */
async function waitUntilSettled(target: ServiceTarget, service: string, ctx: OperationContext,
  options: ServiceWaitOptions): Promise<ServiceStatusProcess> {
  return pollService(target, service, 'settled', ctx, options, (state) => !PENDING_STATES.has(state), () => false);
}

export interface ServiceTransition {
  /** The state before anything was done. */
  before: ServiceStateLabel;
  /** Whether this call sent the control (false: it was already in the wanted state). */
  changed: boolean;
}

/** Stop the service on a node and wait until it is STOPPED. Already stopped is fine. */
export async function stopServiceAndWait(target: ServiceTarget, service: string, ctx: OperationContext,
  options: ServiceWaitOptions = {}): Promise<ServiceTransition> {
  const api = options.api ?? nativeServiceControl;
  const what = describe(target, service);
  const before = serviceStateName(api.query(machineOf(target), service).currentState);
  if (before === 'stopped') {
    ctx.logger.log('info', `${what} is already stopped.`);
    return { before, changed: false };
  }
  if (before === 'startPending' || before === 'continuePending' || before === 'pausePending') {
    // A service that is starting cannot take a stop control yet (ERROR_SERVICE_CANNOT_ACCEPT_CTRL): let it settle.
    const settled = await waitUntilSettled(target, service, ctx, options);
    if (settled.currentState === ServiceState.stopped) return { before, changed: false };
  }
  if (before !== 'stopPending') {
    ctx.progress(`Stopping ${what}`);
    ctx.logger.log('info', `Stopping ${what}; it is ${before}.`);
    try {
      api.stop(machineOf(target), service);
    } catch (err) {
      // It stopped between the query and the control: that is what we wanted.
      if (!(err instanceof NativeError && err.code === ERROR_SERVICE_NOT_ACTIVE)) throw err;
    }
  }
  await waitForServiceState(target, service, 'stopped', ctx, options);
  return { before, changed: true };
}

/** Start the service on a node (optionally with start parameters) and wait until it is RUNNING. Already running is fine. */
export async function startServiceAndWait(target: ServiceTarget, service: string, ctx: OperationContext,
  options: ServiceWaitOptions & { args?: readonly string[] } = {}): Promise<ServiceTransition> {
  const api = options.api ?? nativeServiceControl;
  const what = describe(target, service);
  const before = serviceStateName(api.query(machineOf(target), service).currentState);
  if (before === 'running') {
    ctx.logger.log('info', `${what} is already running.`);
    return { before, changed: false };
  }
  if (before === 'stopPending') await waitForServiceState(target, service, 'stopped', ctx, options);
  if (before !== 'startPending') {
    ctx.progress(`Starting ${what}`);
    ctx.logger.log('info', `Starting ${what}${options.args?.length ? ` with ${options.args.join(' ')}` : ''}.`);
    try {
      api.start(machineOf(target), service, options.args ?? []);
    } catch (err) {
      if (!(err instanceof NativeError && err.code === ERROR_SERVICE_ALREADY_RUNNING)) throw err;
    }
  }
  await waitForServiceState(target, service, 'running', ctx, options);
  return { before, changed: true };
}
