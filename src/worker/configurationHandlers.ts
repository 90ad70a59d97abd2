/**
 * Configuration requests: setConfiguration (the configuration inside a backup set, file
 * work) and liveConfiguration (the running cluster's, through the cluster registry API).
 */
import { configurationFromRegistry } from '../config/parse';
import { readLiveClusterDatabase } from '../engine/liveRegistry';
import { EngineError } from '../engine/errors';
import { readSetConfiguration } from '../engine/setConfiguration';
import { Requests } from '../protocol';
import type { WorkerServer } from './server';

export function registerConfigurationHandlers(server: WorkerServer): void {
  server.onRequest(Requests.setConfiguration, async (params, ctx) => {
    if (typeof params?.path !== 'string' || params.path.trim() === '') throw new EngineError('BAD_ARGUMENT', 'The backup set path is missing.');
    ctx.progress(`Reading the cluster configuration in ${params.path}`);
    const source = await readSetConfiguration(params.path, { signal: ctx.signal });
    for (const problem of source.configuration.problems) ctx.logger.log('debug', `${source.label}: ${problem}`);
    return source;
  });

  server.onRequest(Requests.liveConfiguration, async (params, ctx) => {
    const cluster = typeof params?.cluster === 'string' && params.cluster !== '' ? params.cluster : undefined;
    ctx.progress(`Reading the live configuration of ${cluster ?? 'the local cluster'}`);
    const configuration = configurationFromRegistry(readLiveClusterDatabase(cluster));
    return { label: `live cluster ${configuration.clusterName ?? cluster ?? ''}`.trim(), configuration };
  });
}
