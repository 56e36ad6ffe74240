import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Result } from '../../shared/api';
import type { OutboxKind } from '../../shared/outbox/kinds';
import { appendAudit } from './audit/audit';
import { AuditChainMonitor } from './audit/chainMonitor';
import { auditHandlers } from './auditLog/auditHandlers';
import { BackupSchedule } from './backup/backupSchedule';
import { bulkHandlers } from './bulk/bulkHandlers';
import { campaignDeliverers } from './campaign/deliverers';
import { CampaignPacer } from './campaign/campaignPacer';
import { campaignHandlers } from './campaign/campaignService';
import { checkinHandlers } from './checkin/checkinHandlers';
import { authorizeCalls } from './clerks/authorize';
import { clerkHandlers } from './clerks/clerkHandlers';
import { ensureDemoPasswords } from './clerks/demoAccounts';
import { signInAs } from './clerks/sessionService';
import { createContext, type AppContext } from './context';
import type { KeyWrapper } from './crypto/dataKey';
import type { DataCipher } from './crypto/envelope';
import type { DamagedJournal } from './db/deskJournal';
import { openDatabase, type DatabaseUpdateProgress } from './db/open';
import type { DeskWriteTimes } from './db/deskTurn';
import { DEMO_CLERK_ID, seedDemoPractice } from './demo/demoPractice';
import { dispatch, type Handlers } from './dispatch';
import { familyHandlers } from './families/familyHandlers';
import { Importer, importHandlers } from './importer';
import { acquireInstanceLock, type InstanceLock } from './instance/instanceLock';
import { jobHandlers } from './jobs/jobHandlers';
import { FhirSource, fhirHandlers, type FhirSourceOptions } from './fhir/fhirSource';
import { JobRunner } from './jobs/jobRunner';
import { Signal } from './lib/signal';
import { defaultMailDropDir, pinEmailDeliverers } from './mail/deliverers';
import { mailHandlers } from './mail/mailHandlers';
import { syncDeliverers } from './outbox/deliverers';
import { DeliveryRuntime, type DeliveryRuntimeOptions } from './outbox/deliveryRuntime';
import { outboxHandlers } from './outbox/outboxHandlers';
import type { DeliverersOf } from './outbox/worker';
import { patientHandlers } from './patients/patientHandlers';
import { pinHandlers } from './pins/pinHandlers';
import { loadPinKey } from './pins/pinSecrets';
import { ClockOffsetRecorder } from './sync/clockOffset';
import { PreparedPins } from './pins/preparedPins';
import { searchHandlers } from './search/searchHandlers';
import { prepareDataFolder } from './secrets/dataFolder';
import { protectDataAtRest } from './secrets/dataProtection';
import { secretHandlers } from './secrets/secretHandlers';
import { fileSecretStore } from './secrets/secretStore';
import { readSettings } from './settings/settingsService';
import { settingsHandlers } from './settings/settingsHandlers';
import { statusHandlers } from './status/statusHandlers';
import { syncHandlers } from './sync/syncHandlers';

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
  /** The FHIR source (issue 15): tests shorten the waits between export status polls. */
  fhir?: Pick<FhirSourceOptions, 'fetch' | 'wait' | 'openPrepSession'>;
  /** Electron's safeStorage: wraps the data key with the OS keychain (web mode and tests use FPP_DATA_KEY or a key file). */
  keyWrapper?: KeyWrapper;
  /** Daily automatic backups into <data>/backups (web mode and Electron do; tests drive them). */
  backups?: boolean | { checkEveryMs?: number };
  /** An existing database is being updated to this version (an upgrade): each step as it starts. */
  onDatabaseUpdate?: (progress: DatabaseUpdateProgress) => void;
}

export interface App {
  context: AppContext;
  deliveries: DeliveryRuntime;
  /** Heavy jobs in worker threads: started by their areas (import.apply), resumed at start, stopped by close(). */
  jobs: JobRunner;
  importer: Importer;
  /** Releases the Set Up My Account campaign's emails (started with the deliveries). */
  campaignPacer: CampaignPacer;
  handlers: Handlers;
  /** Null for an in-memory database or when backups are off. */
  backups: BackupSchedule | null;
  /** What the desk's writes waited for: a job's write lock, the disk (the bench's desk-under-load table). */
  deskWriteTimes: DeskWriteTimes;
  invoke(name: unknown, input: unknown): Promise<Result<unknown>>;
  close(): Promise<void>;
}

async function prepareDemo(ctx: AppContext, options: Exclude<AppConfig['demo'], false | undefined>): Promise<void> {
  const { n } = await ctx.db
    .selectFrom('patients')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  // Seeded once: an empty mirror whose demo clerk exists was seeded before (a demo of no families, or one
  // whose first load has not come yet), and seeding again refused every later start (the clerk's username).
  const seeded = await ctx.db.selectFrom('clerks').select('id').where('id', '=', DEMO_CLERK_ID).executeTakeFirst();
  if (n === 0 && seeded === undefined) {
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
 * The desk's journal failed its check at start and was set aside (db/deskJournal.ts): said in the
 * log, in the audit log (administrators look there later) and in the status bar until the app closes.
 */
async function noteJournalSetAside(ctx: AppContext, setAside: DamagedJournal): Promise<void> {
  console.error(`desk journal: failed its check at start; set aside as ${setAside.movedAsideTo}, ${setAside.recovered} issued batches read from it`);
  ctx.issueJournal.setAsideAtStart = setAside;
  await appendAudit(ctx.db, {
    action: 'desk_journal_set_aside',
    clerkId: null,
    workstation: ctx.workstation,
    at: ctx.now(),
    details: { movedAsideTo: setAside.movedAsideTo, batchesRecovered: setAside.recovered },
  });
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
    opened = await openDatabase(config.databaseFile, { nativeBinding: config.nativeBinding, onUpdate: config.onDatabaseUpdate });
  } catch (error) {
    ownLock?.release();
    throw error;
  }
  const now = config.now ?? (() => new Date());
  const outboxChanged = new Signal();
  let ctx: AppContext;
  let cipher: DataCipher;
  try {
    ({ cipher } = protectDataAtRest(opened.sqlite, config.databaseFile, config.keyWrapper));
    ctx = createContext({
      outboxChanged: () => outboxChanged.notify(),
      readSettings,
      db: opened.db,
      sqlite: opened.sqlite,
      deskTurn: opened.deskTurn,
      workstation: config.workstation ?? os.hostname(),
      demo: Boolean(config.demo),
      pinKey: loadPinKey(dataDir),
      cipher,
      now,
      monotonicMs: config.monotonicMs ?? (config.now ? () => config.now!().getTime() : () => performance.now()),
    });
    // PINs a crash caught between the desk's journal and the mirror reach the mirror before the first call.
    await ctx.issueJournal.replay();
    if (opened.journalDamaged) await noteJournalSetAside(ctx, opened.journalDamaged);
    if (config.demo) await prepareDemo(ctx, config.demo);
  } catch (error) {
    await opened.close();
    ownLock?.release();
    throw error;
  }
  // The long-lived pieces, each made here and stopped by close() in the reverse order.
  const secrets = fileSecretStore(dataDir, cipher);
  const mailDropDir = config.mailDropDir ?? defaultMailDropDir(config.databaseFile);
  const exportDir = path.join(dataDir ?? os.tmpdir(), 'exports');
  // Heavy jobs in worker threads (issue 14): the importer's apply, and a pull's page writes.
  const jobs = new JobRunner(ctx, { databaseFile: config.databaseFile, nativeBinding: config.nativeBinding, deskTurn: opened.deskTurn.buffer });
  const openSyncSession = () => jobs.openSession({ kind: 'sync.apply', jobId: randomUUID() });
  // The servers' clocks (the practice system's and the EHR's Date headers), for the clock checks of issuing and the status bar.
  const clockOffset = new ClockOffsetRecorder(ctx);
  const deliveries = new DeliveryRuntime(ctx, {
    clockOffset,
    jobsWriting: () => opened.deskTurn.jobsWriting() || opened.deskTurn.workerWriting(),
    // A large pull is a job: its run record, its pages written in a worker session, cancelled from the status bar.
    jobs: {
      openSession: (jobId) => jobs.openSession({ kind: 'sync.apply', jobId }),
      noteJob: (jobId) => jobs.noteJob(jobId),
      onCancel: (jobId, hook) => jobs.onCancel(jobId, hook),
    },
    fhir: new FhirSource(ctx, {
      secrets,
      openSession: openSyncSession,
      openPrepSession: () => jobs.openSession({ kind: 'fhir.prep', jobId: randomUUID() }),
      observeServerDate: (serverDate) => clockOffset.record(serverDate),
      ...config.fhir,
    }),
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
  const campaignPacer = new CampaignPacer(ctx);
  const importer = new Importer(ctx, { databaseFile: config.databaseFile, nativeBinding: config.nativeBinding }, jobs);
  const preparedPins = new PreparedPins(ctx.pinKey, () => ctx.monotonicMs());
  // Verifies the audit log's hash chain in the background, in worker threads: the app answers while it runs.
  const auditChain = new AuditChainMonitor(ctx, dataDir ? { workers: { databaseFile: config.databaseFile, nativeBinding: config.nativeBinding } } : {});
  const backups =
    config.backups && dataDir ? new BackupSchedule(ctx, { databaseFile: config.databaseFile, ...(config.backups === true ? {} : config.backups) }) : null;

  const configurationChanged = () => deliveries.configurationChanged();
  const handlers: Handlers = {
    ...clerkHandlers(ctx),
    ...statusHandlers(ctx, {
      liveStatus: async () => ({
        emailTransport: (await ctx.settings()).smtpHost ? 'smtp' : 'mail-drop',
        syncConfigured: await deliveries.sourceConfigured(),
        syncProgress: deliveries.progress,
        auditLog: auditChain.state,
        auditCheck: auditChain.progress,
        syncProblem: deliveries.syncProblem,
        jobs: await jobs.visibleJobs(),
      }),
    }),
    ...checkinHandlers(ctx),
    ...searchHandlers(ctx),
    ...familyHandlers(ctx),
    ...patientHandlers(ctx),
    ...pinHandlers(ctx, { preparedPins }),
    ...outboxHandlers(ctx),
    ...mailHandlers(ctx, { mailDropDir }),
    ...syncHandlers(ctx, { syncNow: () => deliveries.syncNow() }),
    ...secretHandlers(ctx, { secrets, configurationChanged }),
    ...settingsHandlers(ctx, { configurationChanged }),
    ...bulkHandlers(ctx, { exportDir, jobs }),
    ...campaignHandlers(ctx, { pacer: campaignPacer }),
    ...importHandlers(importer),
    ...jobHandlers(jobs),
    ...fhirHandlers(ctx, secrets),
    ...auditHandlers(ctx, { exportDir, chain: auditChain }),
  };

  if (config.startDeliveries) {
    await deliveries.start();
    campaignPacer.start();
  }
  backups?.start();
  auditChain.start();
  // A job the last run left unfinished (a crash, a close mid-import or mid-pull) resumes now.
  jobs.onResume('sync.pull', () => deliveries.resumePull());
  jobs.start();
  const authorize = authorizeCalls(ctx);
  return {
    context: ctx,
    deliveries,
    jobs,
    importer,
    campaignPacer,
    handlers,
    backups,
    deskWriteTimes: opened.deskTurn.times,
    invoke: (name, input) => dispatch(handlers, name, input, authorize),
    async close() {
      await auditChain.stop();
      await backups?.stop();
      await campaignPacer.stop();
      await deliveries.stop();
      await jobs.stop();
      await importer.stop();
      // After the jobs: nothing holds the mirror, and the journaled PINs move in at once.
      await ctx.issueJournal.close();
      preparedPins.clear();
      await opened.close();
      ownLock?.release();
    },
  };
}
