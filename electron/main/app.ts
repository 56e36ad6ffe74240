import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Result } from '../../shared/api';
import { appendAudit } from './audit/audit';
import { todaysCheckins } from './checkin/checkinService';
import { currentClerk, requireClerk, sessionInfo, signInAs } from './clerks/sessionService';
import { createContext, type AppContext } from './context';
import { openDatabase } from './db/open';
import { DEMO_CLERK_ID, seedDemoPractice } from './demo/demoPractice';
import { dispatch, type Handlers } from './dispatch';
import { authorizeCalls } from './clerks/authorize';
import { clerkHandlers } from './clerks/clerkHandlers';
import { ensureDemoPasswords } from './clerks/demoAccounts';
import { loadFamily } from './families/familyService';
import { searchPatients } from './search/searchService';
import { readStatus } from './status/statusService';
import { listSyncProblems } from './sync/syncProblems';
import { loadPinKey } from './pins/pinSecrets';
import { issueFamilyPins, recordPacketPrinted } from './pins/issueService';
import { packetForBatch } from './pins/packet';
import { PreparedPins } from './pins/preparedPins';
import { correctPatientName } from './patients/nameCorrection';
import { updateSettings } from './settings/settingsUpdate';
import { readSettings } from './settings/settingsService';
import { defaultMailDropDir, pinEmailDeliverers } from './mail/deliverers';
import { syncDeliverers } from './outbox/deliverers';
import { campaignDeliverers } from './campaign/deliverers';
import { Signal } from './lib/signal';
import { DeliveryRuntime, type DeliveryRuntimeOptions } from './outbox/deliveryRuntime';
import type { DeliverersOf } from './outbox/worker';
import type { OutboxKind } from '../../shared/outbox/kinds';
import { dismissOutboxItem, listOutbox, retryAllOutboxItems, retryOutboxItem } from './outbox/outboxService';
import { listMailDrop, readMailDrop } from './mail/mailDrop';
import { changeSecret } from './secrets/secretService';
import { fileSecretStore, type SecretStore } from './secrets/secretStore';
import { prepareDataFolder } from './secrets/dataFolder';
import { protectDataAtRest } from './secrets/dataProtection';
import type { KeyWrapper } from './crypto/dataKey';
import { BackupSchedule } from './backup/backupSchedule';
import { AppError } from './errors';
import { bulkHandlers } from './bulk/bulkHandlers';
import { importHandlers } from './importer';
import { campaignHandlers } from './campaign/campaignService';
import { campaignPacer } from './campaign/campaignPacer';
import { auditHandlers } from './auditLog/auditHandlers';
import { acquireInstanceLock, type InstanceLock } from './instance/instanceLock';
import { AuditChainMonitor } from './audit/chainMonitor';

export interface AppConfig {
  /** The SQLite mirror. */
  databaseFile: string;
  workstation?: string;
  /** Fill an empty mirror with the built-in demo practice and sign in its demo clerk. */
  demo?: false | { families?: number; patients?: number; seed?: number };
  now?: () => Date;
  /**
   * Elapsed time that steps of the wall clock do not move (the inactivity lock, the campaign's
   * hourly limit). Default: the process's monotonic clock; when a test injects only `now`, that
   * clock stands for elapsed time too.
   */
  monotonicMs?: () => number;
  /**
   * The data folder's lock, when the shell took it first (web mode and Electron do, so a backup is
   * restored under it). Without it createApp takes the lock itself and close() gives it back.
   */
  instanceLock?: InstanceLock;
  /** better-sqlite3 build for Electron's ABI (see scripts/lib/bootstrap.mjs). */
  nativeBinding?: string;
  /** Where Welcome emails are written when no SMTP server is set (default: beside the database). */
  mailDropDir?: string;
  /** Start the outbox worker and the periodic pull (web mode and Electron do; tests drive them). */
  startDeliveries?: boolean;
  deliveries?: Pick<DeliveryRuntimeOptions, 'worker' | 'pullEveryMs' | 'fetch'>;
  /** Electron's safeStorage: wraps the data key with the OS keychain (web mode and tests use FPP_DATA_KEY or a key file). */
  keyWrapper?: KeyWrapper;
  /** Daily automatic backups into <data>/backups (web mode and Electron do; tests drive them). */
  backups?: boolean | { checkEveryMs?: number };
}

export interface App {
  context: AppContext;
  deliveries: DeliveryRuntime;
  handlers: Handlers;
  /** Null for an in-memory database or when backups are off. */
  backups: BackupSchedule | null;
  invoke(name: unknown, input: unknown): Promise<Result<unknown>>;
  close(): Promise<void>;
}

interface HandlerDeps {
  deliveries: DeliveryRuntime;
  secrets: SecretStore;
  mailDropDir: string;
  exportDir: string;
  databaseFile: string;
  nativeBinding?: string;
  auditChain: AuditChainMonitor;
  preparedPins: PreparedPins;
}

function buildHandlers(ctx: AppContext, { deliveries, secrets, mailDropDir, exportDir, databaseFile, nativeBinding, auditChain, preparedPins }: HandlerDeps): Handlers {
  return {
    ...bulkHandlers(ctx, { exportDir }),
    ...campaignHandlers(ctx),
    ...importHandlers(ctx, { databaseFile, nativeBinding }),
    ...auditHandlers(ctx, { exportDir, chain: auditChain }),
    ...clerkHandlers(ctx),
    'session.current': () => sessionInfo(ctx),
    'status.get': async () =>
      readStatus(ctx, {
        emailTransport: (await ctx.settings()).smtpHost ? 'smtp' : 'mail-drop',
        syncConfigured: (await deliveries.endpoint()) !== null,
        syncProgress: deliveries.progress,
        auditLog: auditChain.state,
        syncProblem: deliveries.syncProblem,
      }),
    'checkin.today': () => todaysCheckins(ctx),
    'search.patients': ({ text, limit }) => searchPatients(ctx, text, limit),
    'family.load': ({ familyId }) => loadFamily(ctx, familyId),
    'patients.correctName': (input) => correctPatientName(ctx, input),
    'pins.prepare': async ({ batchId, count }) => {
      await requireClerk(ctx);
      preparedPins.prepare(batchId, count);
      return null;
    },
    'pins.issue': (input) => issueFamilyPins(ctx, input, preparedPins),
    'pins.packet': ({ batchId }) => packetForBatch(ctx, batchId),
    'pins.recordPrinted': ({ batchId, reprint, recipientContactId }) => recordPacketPrinted(ctx, batchId, reprint, recipientContactId),
    'outbox.list': ({ status }) => listOutbox(ctx, status),
    'outbox.retry': ({ id }) => retryOutboxItem(ctx, id),
    'outbox.retryAll': () => retryAllOutboxItems(ctx),
    'outbox.editAndRetry': ({ id, email }) => retryOutboxItem(ctx, id, email),
    'outbox.dismiss': ({ id, reason }) => dismissOutboxItem(ctx, id, reason),
    'mail.dropList': async () => listMailDrop(mailDropDir),
    'mail.dropRead': async ({ file }) => {
      // PINs are shown in full to administrators only; everyone else gets them masked here.
      const showPins = (await currentClerk(ctx))?.role === 'admin';
      try {
        return readMailDrop(mailDropDir, file, { showPins });
      } catch {
        throw new AppError('not_found', 'That message is no longer in the mail-drop folder.');
      }
    },
    'sync.now': () => deliveries.syncNow(),
    'sync.problems': () => listSyncProblems(ctx),
    'secrets.status': async () => ({ smtpPassword: secrets.get('smtpPassword') !== null, syncToken: secrets.get('syncToken') !== null }),
    'secrets.set': async ({ key, value }) => {
      await changeSecret(ctx, secrets, key, value);
      await deliveries.configurationChanged();
      return null;
    },
    'settings.get': () => ctx.settings(),
    'settings.update': async ({ changes }) => {
      const settings = await updateSettings(ctx, changes);
      await deliveries.configurationChanged();
      return settings;
    },
  };
}

async function prepareDemo(ctx: AppContext, options: Exclude<AppConfig['demo'], false | undefined>): Promise<void> {
  const { n } = await ctx.db.selectFrom('patients').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (n === 0) {
    const summary = seedDemoPractice(ctx.sqlite, { ...options, today: await ctx.today(), now: ctx.now() });
    ctx.settingsChanged(); // the demo wrote its practice name and portal address
    await appendAudit(ctx.db, {
      action: 'demo_seeded',
      clerkId: null,
      workstation: ctx.workstation,
      at: ctx.now(),
      details: { families: summary.families, patients: summary.patients },
    });
  }
  await ensureDemoPasswords(ctx);
  // Zero-friction demo: it opens signed in as the demo clerk (the sign-in screen shows both demo passwords).
  await signInAs(ctx, DEMO_CLERK_ID);
}

/**
 * Builds the whole back end without Electron: the database and every service behind one handler
 * table. The Electron shell, web mode and tests all start here.
 */
export async function createApp(config: AppConfig): Promise<App> {
  const dataDir = config.databaseFile === ':memory:' ? null : path.dirname(config.databaseFile);
  if (dataDir) prepareDataFolder(dataDir);
  // One process per data folder, taken before the database is opened (an in-memory one needs none).
  const ownLock = dataDir && !config.instanceLock ? acquireInstanceLock(dataDir, { mode: 'script', nativeBinding: config.nativeBinding }) : null;
  if (dataDir && config.instanceLock && path.resolve(config.instanceLock.dataDir) !== path.resolve(dataDir)) {
    throw new Error(`createApp: the instance lock given is for ${config.instanceLock.dataDir}, not ${dataDir}`);
  }
  let opened: Awaited<ReturnType<typeof openDatabase>>;
  try {
    opened = await openDatabase(config.databaseFile, { nativeBinding: config.nativeBinding });
  } catch (error) {
    ownLock?.release();
    throw error;
  }
  const now = config.now ?? (() => new Date());
  const outboxChanged = new Signal();
  const ctx = createContext({
    outboxChanged: () => outboxChanged.notify(),
    readSettings,
    db: opened.db,
    sqlite: opened.sqlite,
    workstation: config.workstation ?? os.hostname(),
    demo: Boolean(config.demo),
    pinKey: loadPinKey(dataDir),
    now,
    monotonicMs: config.monotonicMs ?? (config.now ? () => config.now!().getTime() : () => performance.now()),
  });
  let cipher: ReturnType<typeof protectDataAtRest>['cipher'];
  try {
    ({ cipher } = protectDataAtRest(ctx, config.databaseFile, config.keyWrapper));
    if (config.demo) await prepareDemo(ctx, config.demo);
  } catch (error) {
    await opened.close();
    ownLock?.release();
    throw error;
  }
  const secrets = fileSecretStore(dataDir, cipher);
  const mailDropDir = config.mailDropDir ?? defaultMailDropDir(config.databaseFile);
  const deliveries = new DeliveryRuntime(ctx, {
    secrets,
    mailDropDir,
    outboxChanged,
    // Each area delivers its own kinds; `satisfies` makes a kind without a deliverer a compile error.
    deliverers: (services) =>
      ({
        ...syncDeliverers(ctx, services),
        ...pinEmailDeliverers(ctx, services),
        ...campaignDeliverers(ctx, services),
      }) satisfies DeliverersOf<OutboxKind>,
    ...config.deliveries,
  });
  if (config.startDeliveries) await deliveries.start();
  if (config.startDeliveries) campaignPacer(ctx).start();
  const exportDir = path.join(dataDir ?? os.tmpdir(), 'exports');
  const backups = config.backups && dataDir ? new BackupSchedule(ctx, { databaseFile: config.databaseFile, ...(config.backups === true ? {} : config.backups) }) : null;
  backups?.start();
  // Verifies the audit log's hash chain in the background: the app answers while it runs.
  const auditChain = new AuditChainMonitor(ctx);
  const preparedPins = new PreparedPins(ctx.pinKey, () => ctx.monotonicMs());
  const handlers = buildHandlers(ctx, {
    preparedPins,
    deliveries,
    secrets,
    mailDropDir,
    exportDir,
    databaseFile: config.databaseFile,
    nativeBinding: config.nativeBinding,
    auditChain,
  });
  auditChain.start();
  const authorize = authorizeCalls(ctx);
  return {
    context: ctx,
    deliveries,
    handlers,
    backups,
    invoke: (name, input) => dispatch(handlers, name, input, authorize),
    async close() {
      await campaignPacer(ctx).stop();
      await deliveries.stop();
      await auditChain.stop();
      await backups?.stop();
      preparedPins.clear();
      await opened.close();
      ownLock?.release();
    },
  };
}
