/**
 * The "Failover Clusters" tree: the local cluster (from detection) and the
 * clusters added with Connect to Cluster…, each with version, quorum and nodes.
 * The engine starts when the tree is first shown; failures become a message row
 * (and a notification), and the welcome views follow the fcbackup.clusterState
 * context key.
 */
import type * as vscode from 'vscode';
import type { ClusterStatus, ScheduleStatus } from '../protocol';
import { ContextKeys, type ContextKeyStore } from './contextKeys';
import { EngineUnavailableError, type EngineHost } from './engineHost';
import { describeError, isEngineDeath } from './errors';
import { RefreshingTreeProvider, type RefreshingTreeDeps } from './refreshingTree';
import type { ExtensionHostPlace } from './nodeRows';
import { scheduleDetail } from './scheduleRow';
import {
  clusterChildren, clusterElement, clusterRoots, clusterViewState, failedClusterElement,
  type ClusterElement, type ErrorInfo, type TreeElement,
} from './treeModel';

const CONNECTED_KEY = 'fcbackup.connectedClusters';

interface LocalView {
  status?: ClusterStatus;
  error?: ErrorInfo;
  unavailable?: boolean;
  /** When the status was read (ISO-8601). */
  readAt?: string;
}

export interface ClusterTreeDeps extends RefreshingTreeDeps {
  engine: EngineHost;
  contextKeys: ContextKeyStore;
  state: vscode.Memento;
  /** Where VS Code runs the extension (vscode.env.remoteName set: remote), for the not-elevated advice. */
  hostPlace?: ExtensionHostPlace;
}

export class ClusterTreeProvider extends RefreshingTreeProvider<ClusterTreeDeps> {
  private local: LocalView | undefined;
  private connected: ClusterElement[] = [];
  /** The scheduled backup of this machine (read with the local status). */
  private schedule: ScheduleStatus | { error: string } | undefined;

  constructor(deps: ClusterTreeDeps) {
    super(deps, 'the cluster tree', 250);
    deps.contextKeys.set(ContextKeys.clusterState, 'loading');
  }

  /** The local machine's status, detecting it first when the tree was never loaded. */
  async localStatus(): Promise<ClusterStatus> {
    if (!this.local || (!this.local.status && !this.local.unavailable)) await this.refresh();
    const local = this.local;
    if (local?.unavailable) {
      const target = this.deps.engine.resolveTarget();
      throw new EngineUnavailableError(target.kind === 'unavailable' ? target.reason : 'No native target.');
    }
    if (!local?.status) throw new Error(local?.error?.message ?? 'The cluster state is not known.');
    return local.status;
  }

  /** The clusters shown, the local one first. */
  clusters(): ClusterElement[] {
    return clusterRoots(this.local, this.connected, this.deps.t).filter((e): e is ClusterElement => e.kind === 'cluster');
  }

  /**
   * The engine process ended by itself: say so in the tree; the next refresh starts a new one.
   * Called by the engine host when the engine dies, and by a refresh whose request the death
   * failed — both, in either order, when a refresh was running. `message` is the client's one
   * message for that death, so the tree ends the same way (one row, one log line) either way.
   */
  engineExited(message: string): void {
    const text = `${message} ${this.deps.t('Refresh to start it again.')}`;
    if (this.local?.error?.message === text) return;
    this.deps.log.error(text);
    this.local = { error: { message: text } };
    this.deps.contextKeys.set(ContextKeys.clusterState, 'error');
    this.changed.fire(undefined);
  }

  private connectedNames(): string[] {
    return this.deps.state.get<string[]>(CONNECTED_KEY, []);
  }

  /** Connect to a cluster by name and keep it in the tree (for this workspace). */
  async connect(name: string, signal?: AbortSignal): Promise<ClusterStatus> {
    const status = await this.deps.engine.request('connect', { name }, signal);
    const shownName = status.cluster?.name ?? name;
    const localName = this.local?.status?.cluster?.name;
    if (localName && localName.toLowerCase() === shownName.toLowerCase()) {
      this.deps.log.info(`${shownName} is the local cluster; it is already shown.`);
    } else {
      const names = this.connectedNames().filter((n) => n.toLowerCase() !== name.toLowerCase());
      await this.deps.state.update(CONNECTED_KEY, [...names, name]);
      this.connected = [...this.connected.filter((c) => c.name.toLowerCase() !== shownName.toLowerCase()), clusterElement('connected', status, new Date().toISOString())];
    }
    this.everLoaded = true;
    this.changed.fire(undefined);
    return status;
  }

  async disconnect(element: ClusterElement): Promise<void> {
    const name = element.status?.connectedName ?? element.name;
    await this.deps.state.update(CONNECTED_KEY, this.connectedNames().filter((n) => n.toLowerCase() !== name.toLowerCase() && n.toLowerCase() !== element.name.toLowerCase()));
    this.connected = this.connected.filter((c) => c.id !== element.id);
    this.changed.fire(undefined);
  }

  protected async load(): Promise<void> {
    const { engine, log, t } = this.deps;
    const target = engine.resolveTarget();
    if (target.kind === 'unavailable') {
      log.info(`No cluster to detect: ${target.reason}`);
      engine.stop();
      this.local = { unavailable: true };
      this.connected = this.connectedNames().map((name) => failedClusterElement('connected', name, { message: target.reason }));
      this.publish();
      return;
    }
    log.info(t('Detecting the local cluster ({0}).', target.kind === 'windows' ? t('Windows') : t('simulator scenario {0}', target.scenario)));
    let local: LocalView;
    try {
      const status = await engine.request('status', {});
      local = { status, readAt: new Date().toISOString() };
      log.info(`Local machine ${status.machine}: ${status.state}${status.cluster ? `, cluster ${status.cluster.name} with ${status.nodes.length} node(s)` : ''}.`);
      this.clearNotifiedFailure();
    } catch (err) {
      if (isEngineDeath(err)) {
        this.engineExited(describeError(err).message);
        return;
      }
      local = { error: describeError(err) };
      this.reportFailure(t('Detecting the cluster'), local.error!);
    }
    let schedule: ScheduleStatus | { error: string } | undefined;
    if (local.status?.state === 'running') {
      try {
        schedule = await engine.request('showSchedule', {});
      } catch (err) {
        schedule = { error: describeError(err).message };
        this.logFailure('Reading the scheduled backup', describeError(err));
      }
    }
    const connected: ClusterElement[] = [];
    for (const name of this.connectedNames()) {
      try {
        connected.push(clusterElement('connected', await engine.request('connect', { name }), new Date().toISOString()));
      } catch (err) {
        const error = describeError(err);
        this.logFailure(`Connecting to ${name}`, error);
        connected.push(failedClusterElement('connected', name, error));
      }
    }
    this.local = local;
    this.schedule = schedule;
    this.connected = connected;
    this.publish();
  }

  private reportFailure(what: string, error: ErrorInfo): void {
    this.logFailure(what, error);
    const { t } = this.deps;
    this.notifyFailure(error, t('{0} failed: {1}', what, error.message) +
      (error.apiDetail && !error.message.includes(error.apiDetail) ? ` [${error.apiDetail}]` : ''));
  }

  private publish(): void {
    this.deps.contextKeys.set(ContextKeys.clusterState, clusterViewState(this.local));
    this.deps.contextKeys.set(ContextKeys.notElevated, this.local?.status?.elevated === false);
    this.changed.fire(undefined);
  }

  async getChildren(element?: TreeElement): Promise<TreeElement[]> {
    if (!element) {
      await this.ensureLoaded();
      return clusterRoots(this.local, this.connected, this.deps.t, this.deps.hostPlace);
    }
    if (element.kind !== 'cluster') return [];
    const children = clusterChildren(element, this.deps.t);
    // The schedule belongs to this machine, so it shows under the local cluster only.
    if (element.source === 'local' && element.status && this.schedule) children.push(scheduleDetail(element.id, this.schedule, this.deps.t));
    return children;
  }
}
