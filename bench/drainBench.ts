/**
 * Issue 4's drain row (bench/syncBench.ts runs it): enrollments queued as the desk issues them, then
 * exactly 1,000 drained to the portal child with the clerk working beside it; and the check that the
 * bench's mirror and the portal hold the same practice.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import type { FamilyView } from '../shared/api';
import { NO_CHOICES, planFamilyPins } from '../shared/domain/plan';
import { planInputsFromFamily } from '../shared/planInputs';
import type { App } from '../electron/main/app';
import { DEMO_ADMIN_CLERK_ID } from '../electron/main/demo/demoPractice';
import { configureSync, type PortalChild } from './portalChild';
import { underLoad, type DeskInputs } from './deskLoad';
import { okValue, watchEventLoop, type LoopDelay } from './stats';

const ENROLLMENTS = 1_000;
/** A next_attempt_at no clock reaches: rows held out of a timed drain. */
const HELD = '9999-12-31T00:00:00.000Z';

export interface DrainFigures {
  queued: number;
  delivered: number;
  notDelivered: Record<string, number>;
  seconds: number;
  delay: LoopDelay;
  /** CPU per delivered item: this process (all its threads) and the portal child (null where unknown). */
  clientCpuMs: number;
  portalCpuMs: number | null;
  issuedFamilies: number;
  issuedPins: number;
  issueSeconds: number;
  heldBack: Record<string, number>;
  alreadyQueued: number;
}

/** The bench's mirror and the portal were seeded alike: same patient ids, names and birth dates? */
export function samePractice(app: App, portal: PortalChild): boolean {
  const source = new BetterSqlite3(portal.dbFile, { readonly: true, fileMustExist: true });
  try {
    const query = 'SELECT count(*) n, min(id) lo, max(id) hi FROM patients';
    const sampleQuery = `SELECT id, first_name, last_name, date_of_birth FROM patients WHERE rowid % 997 = 0 ORDER BY id`;
    return (
      JSON.stringify(app.context.sqlite.prepare(query).get()) === JSON.stringify(source.prepare(query).get()) &&
      JSON.stringify(app.context.sqlite.prepare(sampleQuery).all()) === JSON.stringify(source.prepare(sampleQuery).all())
    );
  } finally {
    source.close();
  }
}

export async function drainEnrollments(app: App, portal: PortalChild, desk: DeskInputs | undefined): Promise<DrainFigures> {
  const { sqlite } = app.context;
  const pending = sqlite.prepare(`SELECT count(*) FROM outbox WHERE kind = 'portal.enrollment' AND status = 'pending'`).pluck();
  const alreadyQueued = pending.get() as number;

  // Queue them as the desk does: load a family, plan as the renderer does, issue (not timed below).
  const familyIds = sqlite.prepare('SELECT id FROM families ORDER BY id LIMIT 5000').pluck().all() as string[];
  let issuedFamilies = 0;
  let issuedPins = 0;
  const issueStart = performance.now();
  for (const familyId of familyIds) {
    if ((pending.get() as number) >= ENROLLMENTS) break;
    const family = okValue<FamilyView>(await app.invoke('family.load', { familyId }), 'family.load');
    const { children, contacts } = planInputsFromFamily(family);
    const plan = planFamilyPins(children, contacts, NO_CHOICES);
    if (plan.pinCount === 0) continue; // PINs already issued above, or nobody eligible
    const expectedPatientIds = plan.guardians.flatMap((g) => g.children.map((c) => c.patientId));
    const result = await app.invoke('pins.issue', {
      batchId: randomUUID(),
      familyId,
      choices: NO_CHOICES,
      expectedPatientIds,
      reviewToken: family.reviewToken,
    });
    if (!result.ok) continue; // e.g. a family the plan step would stop at; the next one will do
    issuedFamilies += 1;
    issuedPins += plan.pinCount;
  }
  const issueSeconds = (performance.now() - issueStart) / 1000;

  // Exactly ENROLLMENTS enrollments are due; everything else waits (Welcome emails follow their
  // enrollment and would otherwise be written to the mail-drop inside the timed drain).
  const timed = sqlite
    .prepare(`SELECT id FROM outbox WHERE kind = 'portal.enrollment' AND status = 'pending' ORDER BY created_at, id LIMIT ?`)
    .pluck()
    .all(ENROLLMENTS) as string[];
  sqlite.exec('CREATE TEMP TABLE IF NOT EXISTS bench_timed (id TEXT PRIMARY KEY); DELETE FROM temp.bench_timed;');
  const mark = sqlite.prepare('INSERT INTO temp.bench_timed (id) VALUES (?)');
  sqlite.transaction(() => {
    for (const id of timed) mark.run(id);
  })();
  const heldBack = Object.fromEntries(
    (
      sqlite.prepare(`SELECT kind, count(*) n FROM outbox WHERE status = 'pending' AND id NOT IN (SELECT id FROM temp.bench_timed) GROUP BY kind`).all() as {
        kind: string;
        n: number;
      }[]
    ).map((r) => [r.kind, r.n]),
  );
  sqlite.prepare(`UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND id NOT IN (SELECT id FROM temp.bench_timed)`).run(HELD);

  await configureSync(app, portal, DEMO_ADMIN_CLERK_ID);
  const loop = watchEventLoop();
  const cpuBefore = process.cpuUsage();
  const portalBefore = portal.cpuMs();
  const start = performance.now();
  // The clerk looks up but does not issue here: every issue would queue more for this drain, and its throughput is the figure.
  await underLoad('outbox drain (1,000 enrollments; the clerk does not issue)', app, desk, () => app.deliveries.worker.drain(), { issue: false });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const portalAfter = portal.cpuMs();
  const delay = loop();

  const outcome = sqlite.prepare('SELECT status, count(*) n FROM outbox WHERE id IN (SELECT id FROM temp.bench_timed) GROUP BY status').all() as {
    status: string;
    n: number;
  }[];
  const delivered = outcome.find((r) => r.status === 'delivered')?.n ?? 0;
  const notDelivered = Object.fromEntries(outcome.filter((r) => r.status !== 'delivered').map((r) => [r.status, r.n]));
  const per = (msUsed: number) => msUsed / Math.max(1, delivered);
  const clientCpuMs = per((cpu.user + cpu.system) / 1000);
  const portalCpuMs = portalBefore === null || portalAfter === null ? null : per(portalAfter - portalBefore);
  return {
    queued: timed.length,
    delivered,
    notDelivered,
    seconds,
    delay,
    clientCpuMs,
    portalCpuMs,
    issuedFamilies,
    issuedPins,
    issueSeconds,
    heldBack,
    alreadyQueued,
  };
}
