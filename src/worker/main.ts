/**
 * The engine process. Started by src/client/engineClient.ts with an IPC channel; it
 * speaks JSON-RPC (vscode-jsonrpc) over that channel and exits when its parent goes
 * away. Nothing native is loaded until a request needs it; `initialize` only says
 * which library to load.
 */
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { EngineError } from '../engine/errors';
import type { LogLevel } from '../engine/model';
import { configureNative } from '../native/loader';
import { describeNativeTarget } from '../native/target';
import { Notifications, Requests } from '../protocol';
import { registerBackupHandlers } from './backupHandlers';
import { registerRestoreHandlers } from './restoreHandlers';
import { registerScheduleHandlers } from './scheduleHandlers';
import { createWorkerServer, levelAtLeast, toResponseError } from './server';
import { registerStatusHandlers } from './statusHandlers';

function main(): void {
  if (typeof process.send !== 'function') {
    process.stderr.write('The engine process is started by the Failover Cluster Backup extension or the fcbackup CLI; it needs an IPC channel.\n');
    process.exit(2);
  }

  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  let initialized = false;
  let logLevel: LogLevel = 'info';

  connection.onRequest(Requests.initialize, (params) => {
    try {
      if (initialized) throw new EngineError('BAD_ARGUMENT', 'The engine is already initialized.');
      configureNative(params.native);
      logLevel = params.logLevel ?? 'info';
      initialized = true;
      if (levelAtLeast('debug', logLevel)) {
        void connection.sendNotification(Notifications.log, { level: 'debug', message: `Engine ${process.pid} uses ${describeNativeTarget(params.native)}` });
      }
    } catch (err) {
      throw toResponseError(err);
    }
  });

  const server = createWorkerServer(connection, {
    logLevel: () => logLevel,
    checkReady(method) {
      if (!initialized) throw new EngineError('BAD_ARGUMENT', `${method} was sent before initialize.`);
    },
  });
  registerStatusHandlers(server);
  registerBackupHandlers(server);
  registerRestoreHandlers(server);
  registerScheduleHandlers(server);

  // The parent going away (closed channel, crash, dispose) ends the engine.
  process.on('disconnect', () => process.exit(0));
  connection.onClose(() => process.exit(0));
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
