import { setMaxListeners } from 'node:events';
import type { SyncSummary } from '../../../shared/api';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import type { SecretStore } from '../secrets/secretStore';
import type { ClockOffsetRecorder } from '../sync/clockOffset';
import { linkedSignal, type SyncEndpoint } from '../sync/http';
import { ONLINE_KEY, Puller, type PullProgress } from '../sync/pull';
import { abandonOpenRun, APP_CLOSING, type PullJobHost } from '../sync/pullJob';
import { exclusive } from '../lib/exclusive';
import { DeliveryError } from '../lib/deliveryError';
import { fhirConfigured, type FhirSource } from '../fhir/fhirSource';
import type { Signal } from '../lib/signal';
import type { DeliveryServices } from './deliverers';
import { OutboxWorker, SYNC_KINDS, type Deliverers, type OutboxWorkerOptions } from './worker';

export interface DeliveryRuntimeOptions {
  secrets: SecretStore;
  mailDropDir: string;
  /** Every area's deliverers, put together by app.ts (the outbox knows no area that fills it). */
  deliverers: (services: DeliveryServices) => Deliverers;
  /** Notified when rows were committed (ctx.outboxChanged): the worker looks at once. */
  outboxChanged: Signal;
  worker?: OutboxWorkerOptions;
  /**
   * True while a job writes in a worker thread (db/deskTurn.ts): a transaction's BEGIN on the app
   * connection then waits with the connection lent to the desk's other calls (db/deskDriver.ts).
   */
  jobsWriting?: () => boolean;
  /** The job runner: a large pull is a job (run record, cancel, resume) written in its worker sessions (none: on the app's connection, no record). */
  jobs?: PullJobHost;
  /** How often to pull from the practice system while configured. */
  pullEveryMs?: number;
  fetch?: typeof fetch;
  /** The EHR's FHIR API, when Settings choose it as the source of the mirror (issue 15). */
  fhir?: FhirSource;
  /** Notes the servers' clocks (the app's one, shared with the FHIR source). */
  clockOffset: ClockOffsetRecorder;
}

const SYNC_KIND_SET: ReadonlySet<string> = new Set(SYNC_KINDS);

/**
 * Everything that leaves the workstation: the outbox worker, the periodic pull and the
 * connectivity flag the status bar shows. Started by web mode and Electron; tests drive it.
 */
export class DeliveryRuntime {
  readonly worker: OutboxWorker;
  /** The app's pulls from the practice system (one at a time). */
  readonly pulls: Puller;
  private readonly clockOffset: ClockOffsetRecorder;
  progress: PullProgress | null = null;
  /** Why the last pull stopped, when a person must act on it; null after a pull that worked. */
  syncProblem: string | null = null;
  private pullTimer: NodeJS.Timeout | null = null;
  private pulling: { key: string; controller: AbortController; promise: Promise<SyncSummary> } | null = null;
  private endpointCache: SyncEndpoint | null = null;
  /** The address and token "online" was learnt with (the status bar's other reads refresh endpointCache, not this). */
  private configuredKey = '';
  private readonly configuredKeyRead: Promise<void>;
  /** Aborted by stop(): ends requests in flight (pull and deliveries) so the app can close at once. */
  private readonly stopping = new AbortController();
  private readonly stopListening: () => void;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: DeliveryRuntimeOptions,
  ) {
    // Each request in flight listens to it (the outbox's deliveries and the pull): more than Node's default 10 is expected, not a leak.
    setMaxListeners(64, this.stopping.signal);
    this.clockOffset = options.clockOffset;
    this.pulls = new Puller(ctx, (serverDate) => this.clockOffset.record(serverDate), options.jobs ?? null);
    const services: DeliveryServices = {
      endpoint: () => this.endpoint(),
      secrets: options.secrets,
      mailDropDir: options.mailDropDir,
      signal: this.stopping.signal,
    };
    this.worker = new OutboxWorker(ctx, options.deliverers(services), () => this.endpointCache !== null, {
      ...options.worker,
      jobsWriting: options.worker?.jobsWriting ?? options.jobsWriting,
    });
    this.stopListening = options.outboxChanged.subscribe(() => this.worker.wake());
    // What is configured when the app opens (read before any call can change it).
    this.configuredKeyRead = this.endpoint().then((endpoint) => {
      this.configuredKey = endpoint ? endpointKey(endpoint) : '';
    });
    this.worker.on('delivered', (row) => {
      if (SYNC_KIND_SET.has(row.kind)) void this.setOnline(true);
    });
    this.worker.on('retrying', (row, error) => {
      if (SYNC_KIND_SET.has(row.kind) && error.reason === 'offline') void this.setOnline(false);
    });
  }

  /** The practice system's address and token, or null while either is missing. */
  async endpoint(): Promise<SyncEndpoint | null> {
    const { syncUrl } = await this.ctx.settings();
    const token = this.options.secrets.get('syncToken');
    this.endpointCache =
      syncUrl && token
        ? {
            baseUrl: syncUrl,
            token,
            fetch: this.options.fetch,
            observeServerDate: (serverDate) => this.clockOffset.record(serverDate),
          }
        : null;
    return this.endpointCache;
  }

  /**
   * Settings or secrets changed: re-read the endpoint and look at the outbox again. A pull still
   * running against the old address or token is cancelled: the next "Sync now" starts afresh. A new
   * address or token also makes what was known about the connection stale: "online" is forgotten
   * until the new one answers (the status bar says "not connected yet", not "Online").
   */
  async configurationChanged(): Promise<void> {
    await this.configuredKeyRead;
    const before = this.configuredKey;
    const endpoint = await this.endpoint();
    this.configuredKey = endpoint ? endpointKey(endpoint) : '';
    // What the last pull ran into was about the old settings.
    this.syncProblem = null;
    await this.options.fhir?.configurationChanged();
    if (this.pulling && (!endpoint || this.pulling.key !== endpointKey(endpoint))) {
      this.pulling.controller.abort();
      this.pulling = null;
      this.progress = null;
    }
    if (this.configuredKey !== before) {
      await this.ctx.db.deleteFrom('sync_state').where('key', '=', ONLINE_KEY).execute();
    }
    this.worker.wake();
  }

  /** A setOnline(true) running: the rows delivered in one batch say so once, not one look-up each. */
  private markingOnline: Promise<void> | null = null;

  async setOnline(online: boolean): Promise<void> {
    if (!online) return this.writeOnline(false);
    this.markingOnline ??= this.writeOnline(true).finally(() => {
      this.markingOnline = null;
    });
    return this.markingOnline;
  }

  private async writeOnline(online: boolean): Promise<void> {
    // Every delivered row says "online": written only when it changes (a commit per row cost the drain a disk sync each).
    const stored = await this.ctx.db.selectFrom('sync_state').select('value').where('key', '=', ONLINE_KEY).executeTakeFirst();
    if (stored?.value === String(online)) return;
    await this.ctx.db
      .insertInto('sync_state')
      .values({ key: ONLINE_KEY, value: String(online) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(online) }))
      .execute();
  }

  /** Whether Sync now has a source to read: the EHR's FHIR API, or the practice system's sync service. */
  async sourceConfigured(): Promise<boolean> {
    const settings = await this.ctx.settings();
    if (settings.syncSource === 'fhir') return this.options.fhir !== undefined && fhirConfigured(settings);
    return (await this.endpoint()) !== null;
  }

  /**
   * Fills the mirror from the source Settings chose. `asked` = a person pressed Sync now (the
   * periodic sync passes false): the FHIR source then tries a remembered refusal once more.
   */
  async syncNow(asked = true): Promise<SyncSummary> {
    const settings = await this.ctx.settings();
    if (settings.syncSource === 'fhir' && this.options.fhir) return this.fhirSyncNow(this.options.fhir, fhirConfigured(settings), asked);
    return this.pullNow();
  }

  private async fhirSyncNow(fhir: FhirSource, configured: boolean, asked: boolean): Promise<SyncSummary> {
    if (!configured) throw new AppError('conflict', 'The EHR is not set up: enter its FHIR base address and client id in Settings > Practice system.');
    if (this.stopping.signal.aborted) throw new AppError('conflict', 'The app is closing: sync again after it restarts.');
    try {
      const summary = await fhir.syncNow(this.stopping.signal, (progress) => (this.progress = progress), asked);
      this.syncProblem = null;
      return summary;
    } catch (error) {
      if (error instanceof DeliveryError) {
        if (error.permanent) this.syncProblem = error.message;
        if (error.reason === 'offline') await this.setOnline(false);
        throw new AppError('conflict', error.message);
      }
      throw error;
    } finally {
      this.progress = null;
    }
  }

  /** Pulls now (one pull at a time per address); the outbox is woken when the practice system answered. */
  private async pullNow(): Promise<SyncSummary> {
    const endpoint = await this.endpoint();
    if (!endpoint) throw new AppError('conflict', 'The practice system is not set up: enter its address and token in Settings.');
    if (this.stopping.signal.aborted) throw new AppError('conflict', 'The app is closing: sync again after it restarts.');
    const key = endpointKey(endpoint);
    if (this.pulling?.key === key) return this.pulling.promise;
    this.pulling?.controller.abort();
    const controller = new AbortController();
    const linked = linkedSignal([controller.signal, this.stopping.signal]);
    const run = (async () => {
      try {
        const summary = await this.pulls.pull({ ...endpoint, signal: linked.signal }, (progress) => {
          if (this.pulling?.controller === controller) this.progress = progress;
        });
        this.syncProblem = null;
        this.worker.wake();
        return summary;
      } catch (error) {
        if (error instanceof DeliveryError) {
          if (error.permanent) this.syncProblem = error.message;
          throw new AppError('conflict', error.message);
        }
        throw error;
      } finally {
        linked.dispose();
        if (this.pulling?.controller === controller) {
          this.progress = null;
          this.pulling = null;
        }
      }
    })();
    this.pulling = { key, controller, promise: run };
    return run;
  }

  /**
   * The job runner's resume of a pull the last run of the app left open (a crash, a close
   * mid-pull): pulls now, and the pull adopts the open record. Without an address or token the
   * record ends as failed, saying so. Never throws: how it went is in the record.
   */
  async resumePull(): Promise<void> {
    try {
      await this.syncNow();
    } catch (error) {
      if (error instanceof AppError && (await this.endpoint()) === null) {
        const now = this.ctx.now().toISOString();
        await exclusive(this.ctx.db, () => abandonOpenRun(this.ctx.sqlite, `Sync could not continue after the restart: ${error.message}`, now));
      }
    }
  }

  async start(): Promise<void> {
    await this.endpoint();
    this.worker.start();
    const every = this.options.pullEveryMs ?? 5 * 60_000;
    const schedule = () => {
      if (this.stopping.signal.aborted) return;
      this.pullTimer = setTimeout(() => {
        void this.syncNow(false)
          .catch(() => undefined)
          .finally(schedule);
      }, every);
      this.pullTimer.unref?.();
    };
    if (await this.sourceConfigured()) void this.syncNow(false).catch(() => undefined);
    schedule();
  }

  /** Stops the timer, cancels the pull and the requests in flight, and waits for their outcome to be recorded. */
  async stop(): Promise<void> {
    this.stopListening();
    if (this.pullTimer) clearTimeout(this.pullTimer);
    this.pullTimer = null;
    // The reason tells a pull to leave its run record open: it resumes at the next start.
    this.stopping.abort(APP_CLOSING);
    const pulling = this.pulling?.promise;
    await this.worker.stop();
    await pulling?.catch(() => undefined);
    await this.pulls.cancel();
    await this.options.fhir?.stop();
  }
}

const endpointKey = (endpoint: SyncEndpoint) => `${endpoint.baseUrl}\n${endpoint.token}`;
