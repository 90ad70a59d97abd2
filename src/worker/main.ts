/**
 * The engine process. Started by src/client/engineClient.ts with an IPC channel; it
 * speaks JSON-RPC (vscode-jsonrpc) over that channel. When its client goes away it
 * exits once no request runs — a restore past its point of no return is finished first
 * (lifetime.ts). A watchdog thread ends it when a native call does not return
 * (watchdog.ts). Nothing native is loaded until a request needs it; `initialize` only
 * says which library to load.
 */
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { EngineError } from '../engine/errors';
import type { LogLevel } from '../engine/model';
import { configureNative } from '../native/loader';
import { setNodeCallLimit } from '../native/nodeQueryPool';
import { describeNativeTarget } from '../native/target';
import { FILE_WORK_REQUESTS, Notifications, Requests } from '../protocol';
import { registerBackupHandlers } from './backupHandlers';
import { registerConfigurationHandlers } from './configurationHandlers';
import { registerRestoreHandlers } from './restoreHandlers';
import { EngineLifetime } from './lifetime';
import { registerScheduleHandlers } from './scheduleHandlers';
import { registerSetHandlers } from './setHandlers';
import { createWorkerServer, levelAtLeast, toResponseError } from './server';
import { registerStatusHandlers } from './statusHandlers';
import { registerNodeHandlers } from './nodeHandlers';
import { callLimitSeconds, startWatchdog } from './watchdog';

function main(): void {
  if (typeof process.send !== 'function') {
    process.stderr.write('The engine process is started by the Failover Cluster Backup extension or the fcbackup CLI; it needs an IPC channel.\n');
    process.exit(2);
  }

  // Once the client is gone nobody reads these pipes: a failed write must not end a restore.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const watchdog = startWatchdog({ limitSeconds: callLimitSeconds(), parentPid: process.ppid });
  // The node query threads' calls are held to the same limit (the pool watches them itself).
  setNodeCallLimit(callLimitSeconds());
  const lifetime = new EngineLifetime({
    exit: (code) => process.exit(code),
    onCommittedCount: (count) => watchdog.setCommittedCount(count),
  });

  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  let initialized = false;
  let logLevel: LogLevel = 'info';
  /** Set when there is no cluster here: why (requests other than file work fail with it). */
  let noCluster: string | undefined;
  const fileWorkMethods = new Set(Object.entries(Requests).filter(([name]) => FILE_WORK_REQUESTS.has(name)).map(([, type]) => type.method));

  connection.onRequest(Requests.initialize, (params) => {
    try {
      if (initialized) throw new EngineError('BAD_ARGUMENT', 'The engine is already initialized.');
      if (params.native === null) noCluster = params.unavailableReason || 'There is no cluster on this machine.';
      else configureNative(params.native);
      logLevel = params.logLevel ?? 'info';
      initialized = true;
      if (levelAtLeast('debug', logLevel)) {
        void connection.sendNotification(Notifications.log, { level: 'debug', message: `Engine ${process.pid} uses ${params.native ? describeNativeTarget(params.native) : 'no native library (file work only)'}` });
      }
    } catch (err) {
      throw toResponseError(err);
    }
  });

  const server = createWorkerServer(connection, {
    lifetime,
    logLevel: () => logLevel,
    checkReady(method) {
      if (!initialized) throw new EngineError('BAD_ARGUMENT', `${method} was sent before initialize.`);
      if (noCluster !== undefined && !fileWorkMethods.has(method)) throw new EngineError('NOT_WINDOWS', noCluster);
    },
  });
  registerStatusHandlers(server);
  registerNodeHandlers(server);
  registerBackupHandlers(server);
  registerRestoreHandlers(server);
  registerConfigurationHandlers(server);
  registerScheduleHandlers(server);
  registerSetHandlers(server);
  // Test hooks (leak report, crash points): a production bundle defines FCBACKUP_BUILD, so the
  // bundler drops this branch and the module with it; a development build loads them on request.
  if (process.env.FCBACKUP_BUILD !== 'production' && process.env.FCBACKUP_TEST_HOOKS === '1') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./testHooks') as typeof import('./testHooks')).registerTestHooks(server);
  }

  // The client going away (closed channel, crash, kill, dispose) ends the engine once no request runs.
  // The client starts it in a session of its own (detached), so a Ctrl-C or hang-up of the client's
  // terminal reaches it only when sent to it directly; it then counts as the client leaving.
  // SIGTERM keeps its default (the process ends): the client sends it only to an engine that is not
  // finishing a restore and did not exit when its channel closed — one stuck in a native call.
  process.on('disconnect', () => lifetime.clientGone('The client went away'));
  connection.onClose(() => lifetime.clientGone('The client went away'));
  for (const signal of ['SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => lifetime.clientGone(`The engine received ${signal}`));
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`engine: uncaught exception: ${err.stack ?? err.message}\n`);
    process.exit(70);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`engine: unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}\n`);
    process.exit(70);
  });
  connection.listen();
}

main();
