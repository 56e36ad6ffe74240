import type { AuditLogState, AuditVerification } from '../../../shared/audit/api';
import type { AppContext } from '../context';
import { appendAudit } from './audit';
import { VERIFIED_HEAD_KEY, VerificationStopped, verifyAuditChain, type VerifyOptions } from './verify';

/**
 * Runs the audit-chain verification at start (in the background: the app answers meanwhile) and on
 * demand, keeps the last result for the status bar and the audit screen, records the newest
 * verified row so a removed tail is noticed next time, and audits every failed check.
 */
export class AuditChainMonitor {
  private last: AuditVerification | null = null;
  private running: Promise<AuditVerification> | null = null;
  private readonly stopping = new AbortController();
  private checking: { rowsChecked: number; rowsTotal: number } | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: Pick<VerifyOptions, 'sliceRows' | 'workers'> = {},
  ) {}

  get state(): AuditLogState {
    if (!this.last) return 'checking';
    return this.last.ok ? 'intact' : 'tampered';
  }

  get lastResult(): AuditVerification | null {
    return this.last;
  }

  /** While a check runs: rows checked so far of the rows it covers. */
  get progress(): { rowsChecked: number; rowsTotal: number } | null {
    return this.running !== null ? this.checking : null;
  }

  /** The check at start. Never rejects: a failure to run is logged without data. */
  start(): void {
    this.verify().catch((error: unknown) => {
      if (!(error instanceof VerificationStopped))
        console.error('Audit log verification could not run:', error instanceof Error ? error.stack : 'non-error thrown');
    });
  }

  /**
   * The result to show: the last check, run again first when entries were added since it (or when
   * none has finished yet), so "all N entries checked" covers every entry the log holds now, not
   * only those there were at start.
   */
  async current(): Promise<AuditVerification> {
    if (this.running !== null) return this.running;
    if (!this.last) return this.verify();
    if (this.last.ok) {
      const newest = await this.ctx.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      if ((newest?.id ?? null) !== this.last.lastId) return this.verify();
    }
    return this.last;
  }

  /** Checks now; a call while a check runs gets that check's result. */
  verify(): Promise<AuditVerification> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<AuditVerification> {
    const { ctx } = this;
    this.checking = null;
    const result = await verifyAuditChain(ctx.db, ctx.sqlite, {
      ...this.options,
      now: ctx.now,
      signal: this.stopping.signal,
      onProgress: (progress) => (this.checking = progress),
    });
    if (result.ok && result.lastId !== null) {
      const head = await ctx.db.selectFrom('audit_log').select(['id', 'hash']).where('id', '=', result.lastId).executeTakeFirst();
      const value = head && JSON.stringify({ id: head.id, hash: head.hash });
      const stored = await ctx.db.selectFrom('sync_state').select('value').where('key', '=', VERIFIED_HEAD_KEY).executeTakeFirst();
      // Written only when the log grew: a check of an unchanged log changes nothing.
      if (value && stored?.value !== value) {
        await ctx.db
          .insertInto('sync_state')
          .values({ key: VERIFIED_HEAD_KEY, value })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
          .execute();
      }
    } else if (result.problem) {
      await appendAudit(ctx.db, {
        action: 'audit_verification_failed',
        clerkId: ctx.session.clerkId,
        workstation: ctx.workstation,
        at: ctx.now(),
        details: { problem: result.problem.kind, firstBadRow: result.problem.rowId, rowsChecked: result.rowsChecked },
      });
    }
    this.last = result;
    return result;
  }

  /** Stops a running check (the app is closing) and waits for it to let go of the database. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running?.catch(() => undefined);
  }
}
