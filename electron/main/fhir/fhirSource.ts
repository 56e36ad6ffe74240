import type { SyncSummary } from '../../../shared/api';
import { FAMILY_SOURCE_KEY, FAMILY_SOURCES, type FamilySourceSummary } from '../../../shared/fhir/familySource';
import type { Settings } from '../../../shared/settings';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import type { JobSession } from '../jobs/jobRunner';
import type { SecretStore } from '../secrets/secretStore';
import { linkedSignal } from '../sync/http';
import type { PullProgress } from '../sync/pull';
import type { Wait } from './bulkClient';
import { runFhirSync } from './fhirSync';
import { SMART_ALG, SMART_KEY_SECRET, SmartClient, smartPublicJwks } from './smart';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';

/**
 * The FHIR source of the mirror (Settings > Practice system > "FHIR R4"), owned by the delivery
 * runtime beside the protocol's pull: one SMART client per set of FHIR settings (its cached token
 * and any refusal it remembers go when they change), one sync at a time (a second Sync now joins
 * the running one), cancelled when the settings change or the app stops.
 */
export interface FhirSourceOptions {
  secrets: SecretStore;
  openSession: () => JobSession | null;
  /** The FHIR load's second worker, preparing export batches (fhirSync.ts); none: the writing worker prepares them. */
  openPrepSession?: () => JobSession | null;
  fetch?: typeof fetch;
  /** Waits between export status polls (tests give a short one; the server's Retry-After is still the upper bound). */
  wait?: Wait;
  /** Told the EHR's clock (the Date header of its token and FHIR answers): sync/clockOffset.ts. */
  observeServerDate?: (serverDate: Date) => void;
}

type FhirSettings = Pick<Settings, 'fhirBaseUrl' | 'fhirClientId' | 'fhirScopes' | 'fhirTokenUrl' | 'fhirGroupId'>;
const settingsKey = (s: FhirSettings) => [s.fhirBaseUrl, s.fhirClientId, s.fhirScopes, s.fhirTokenUrl, s.fhirGroupId].join('\n');

export function fhirConfigured(s: Pick<Settings, 'syncSource' | 'fhirBaseUrl' | 'fhirClientId'>): boolean {
  return s.syncSource === 'fhir' && s.fhirBaseUrl !== '' && s.fhirClientId !== '';
}

export class FhirSource {
  private smart: SmartClient | null = null;
  private smartKey = '';
  private running: { key: string; controller: AbortController; promise: Promise<SyncSummary> } | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: FhirSourceOptions,
  ) {}

  /** The SMART client of these settings (made again when they change). */
  client(settings: FhirSettings): SmartClient {
    const key = settingsKey(settings);
    if (!this.smart || key !== this.smartKey) {
      this.smart = new SmartClient(
        {
          baseUrl: settings.fhirBaseUrl,
          clientId: settings.fhirClientId,
          scopes: settings.fhirScopes,
          tokenUrl: settings.fhirTokenUrl,
          fetch: this.options.fetch,
          now: () => this.ctx.now(),
          observeServerDate: this.options.observeServerDate,
        },
        this.options.secrets,
      );
      this.smartKey = key;
    }
    return this.smart;
  }

  /**
   * Syncs from the EHR now. `asked`: an administrator pressed Sync now, so a refusal the client
   * remembers (a wrong key, a refused scope, the backoff after an unreachable token endpoint) is
   * tried once more; the periodic sync never does (no retry storm).
   */
  async syncNow(stopping: AbortSignal, onProgress: (p: PullProgress) => void, asked: boolean): Promise<SyncSummary> {
    const settings = await this.ctx.settings();
    const key = settingsKey(settings);
    const smart = this.client(settings);
    if (asked) smart.allowRetry();
    if (this.running?.key === key) return this.running.promise;
    this.running?.controller.abort();
    await this.running?.promise.catch(() => undefined);
    const controller = new AbortController();
    const linked = linkedSignal([controller.signal, stopping]);
    const promise = runFhirSync(
      this.ctx,
      { baseUrl: settings.fhirBaseUrl, smart, fetch: this.options.fetch, signal: linked.signal },
      {
        groupId: settings.fhirGroupId,
        openSession: this.options.openSession,
        openPrepSession: this.options.openPrepSession,
        report: onProgress,
        wait: this.options.wait,
      },
    ).finally(() => {
      linked.dispose();
      if (this.running?.controller === controller) this.running = null;
    });
    this.running = { key, controller, promise };
    return promise;
  }

  /** The FHIR settings changed: a sync running with the old ones stops (what it staged and applied stays). */
  async configurationChanged(): Promise<void> {
    const key = settingsKey(await this.ctx.settings());
    if (this.running && this.running.key !== key) this.running.controller.abort();
  }

  async stop(): Promise<void> {
    this.running?.controller.abort();
    await this.running?.promise.catch(() => undefined);
  }
}

export function fhirHandlers(ctx: AppContext, secrets: SecretStore): Pick<Handlers, 'fhir.jwks' | 'fhir.familySource'> {
  return {
    'fhir.familySource': async () => {
      const row = await ctx.db.selectFrom('sync_state').select('value').where('key', '=', FAMILY_SOURCE_KEY).executeTakeFirst();
      if (!row) return null;
      try {
        const summary = JSON.parse(row.value) as FamilySourceSummary;
        return FAMILY_SOURCES.includes(summary.source) ? summary : null;
      } catch {
        return null;
      }
    },
    'fhir.jwks': async () => {
      const clerk = await requireClerk(ctx);
      const existed = secrets.get(SMART_KEY_SECRET) !== null;
      const jwks = await smartPublicJwks(secrets);
      // The first look makes the key pair: audited like any secret set (never its value).
      if (!existed && secrets.get(SMART_KEY_SECRET) !== null) {
        await appendAudit(ctx.db, {
          action: 'secret_changed',
          clerkId: clerk.id,
          workstation: ctx.workstation,
          at: ctx.now(),
          details: { secret: SMART_KEY_SECRET, set: true },
        });
      }
      return { jwks: JSON.stringify(jwks, null, 2), kid: jwks.keys[0]!.kid!, alg: SMART_ALG };
    },
  };
}
