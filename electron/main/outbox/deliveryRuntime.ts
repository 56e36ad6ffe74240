import type { SyncSummary } from '../../../shared/api';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import type { SecretStore } from '../secrets/secretStore';
import type { SyncEndpoint } from '../sync/http';
import { pullChanges, type PullProgress } from '../sync/pull';
import { DeliveryError } from './deliveryError';
import { createDeliverers } from './deliverers';
import { OutboxWorker, SYNC_KINDS, type OutboxWorkerOptions } from './worker';

export interface DeliveryRuntimeOptions {
  secrets: SecretStore;
  mailDropDir: string;
  worker?: OutboxWorkerOptions;
  /** How often to pull from the practice system while configured. */
  pullEveryMs?: number;
  fetch?: typeof fetch;
}

const SYNC_KIND_SET = new Set(SYNC_KINDS);

/**
 * Everything that leaves the workstation: the outbox worker, the periodic pull and the
 * connectivity flag the status bar shows. Started by web mode and Electron; tests drive it.
 */
export class DeliveryRuntime {
  readonly worker: OutboxWorker;
  progress: PullProgress | null = null;
  private pullTimer: NodeJS.Timeout | null = null;
  private pulling: Promise<SyncSummary> | null = null;
  private endpointCache: SyncEndpoint | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: DeliveryRuntimeOptions,
  ) {
    const services = { endpoint: () => this.endpoint(), secrets: options.secrets, mailDropDir: options.mailDropDir };
    this.worker = new OutboxWorker(ctx, createDeliverers(ctx, services), () => this.endpointCache !== null, options.worker);
    ctx.outboxChanged = () => this.worker.wake();
    this.worker.on('delivered', (row) => {
      if (SYNC_KIND_SET.has(row.kind)) void this.setOnline(true);
    });
    this.worker.on('retrying', (row, error) => {
      if (SYNC_KIND_SET.has(row.kind) && /could not be reached/.test(error.message)) void this.setOnline(false);
    });
  }

  /** The practice system's address and token, or null while either is missing. */
  async endpoint(): Promise<SyncEndpoint | null> {
    const { syncUrl } = await this.ctx.settings();
    const token = this.options.secrets.get('syncToken');
    this.endpointCache = syncUrl && token ? { baseUrl: syncUrl, token, fetch: this.options.fetch } : null;
    return this.endpointCache;
  }

  /** Settings or secrets changed: re-read the endpoint and look at the outbox again. */
  async configurationChanged(): Promise<void> {
    await this.endpoint();
    this.worker.wake();
  }

  async setOnline(online: boolean): Promise<void> {
    await this.ctx.db
      .insertInto('sync_state')
      .values({ key: 'online', value: String(online) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(online) }))
      .execute();
  }

  /** Pulls now (one pull at a time); the outbox is woken when the practice system answered. */
  syncNow(): Promise<SyncSummary> {
    this.pulling ??= (async () => {
      const endpoint = await this.endpoint();
      if (!endpoint) throw new AppError('conflict', 'The practice system is not set up: enter its address and token in Settings.');
      try {
        const summary = await pullChanges(this.ctx, endpoint, (progress) => {
          this.progress = progress;
        });
        this.worker.wake();
        return summary;
      } catch (error) {
        if (error instanceof DeliveryError) throw new AppError('conflict', error.message);
        throw error;
      } finally {
        this.progress = null;
        this.pulling = null;
      }
    })();
    return this.pulling;
  }

  async start(): Promise<void> {
    await this.endpoint();
    this.worker.start();
    const every = this.options.pullEveryMs ?? 5 * 60_000;
    const schedule = () => {
      this.pullTimer = setTimeout(() => {
        void this.syncNow()
          .catch(() => undefined)
          .finally(schedule);
      }, every);
      this.pullTimer.unref?.();
    };
    if (this.endpointCache) void this.syncNow().catch(() => undefined);
    schedule();
  }

  async stop(): Promise<void> {
    if (this.pullTimer) clearTimeout(this.pullTimer);
    this.pullTimer = null;
    await this.worker.stop();
    await this.pulling?.catch(() => undefined);
  }
}
