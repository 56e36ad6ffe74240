import type { ChangesPageEnvelope } from '../../../shared/sync/protocol';
import type { AppContext } from '../context';
import type { JobSession } from '../jobs/jobRunner';
import { DeliveryError } from '../lib/deliveryError';
import { exclusive } from '../lib/exclusive';
import { yieldToEventLoop } from '../lib/pacing';
import { deferredTermOps, type DeferredTermOps, type TermOpCall } from '../search/deferredTerms';
import { applyPageSteps, removesRecords, type ApplyPageArgs, type PageOutcome, type WorkerPageRead } from './applyOps';
import { readPage, type PageHead } from './pageRead';

/**
 * Where a pull reads and writes its pages (issue 14). A large pull (one with a run record) does
 * both in the job runner's worker thread: main hands it each page's bytes without a copy, the
 * worker parses and checks them, answers with where the next page starts, and applies the page
 * (with its cursor and run record) in one transaction, after the desk's waiting calls
 * (db/deskTurn.ts). A small pull does the same on the app's connection under Kysely's lock.
 */
export interface PullWriter {
  /** Reads a page from its bytes; throws a permanent DeliveryError when it cannot be read. */
  read(bytes: Uint8Array, limit: number): Promise<PageHead>;
  /** Applies the page read last. */
  apply(args: Omit<ApplyPageArgs, 'page'>): Promise<PageOutcome>;
  /** A step of the deferred terms of an initial load (search/deferredTerms.ts). */
  terms: TermOpCall;
  end(): void;
}

/** On the app's connection: the page is parsed here and held until applied. */
export class HereWriter implements PullWriter {
  private held: ChangesPageEnvelope | null = null;
  private termOps: DeferredTermOps | null = null;
  constructor(private readonly ctx: AppContext) {}

  /** Each step under the lock; the caller yields between them, so the desk's calls run in between. */
  terms: TermOpCall = (op) => {
    this.termOps ??= deferredTermOps(this.ctx.sqlite);
    const ops = this.termOps;
    return exclusive(this.ctx.db, () => ops[op](null) as ReturnType<DeferredTermOps[typeof op]>);
  };

  async read(bytes: Uint8Array, limit: number): Promise<PageHead> {
    const read = readPage(bytes, limit);
    if ('problem' in read) throw new DeliveryError(read.problem, true);
    this.held = read.page;
    return read.head;
  }

  apply(args: Omit<ApplyPageArgs, 'page'>): Promise<PageOutcome> {
    const page = this.take();
    if (!page) return Promise.reject(new Error('no page was read before it was applied'));
    return this.drive(applyPageSteps(this.ctx.sqlite, { ...args, page }), removesRecords(page));
  }

  /**
   * A part per turn of the event loop, each under the lock: the desk's calls run in between. A page
   * that removes patients or contacts writes no part while PINs issued from the desk's journal are
   * on their way to the mirror (pins/issueJournal.ts): they keep the records they point at.
   */
  private async drive<T>(steps: Generator<void, T>, removes = false): Promise<T> {
    const journal = this.ctx.issueJournal;
    for (;;) {
      if (removes) await journal.allMoved();
      const step = await exclusive(this.ctx.db, () => (removes && journal.count() > 0 ? null : steps.next()));
      if (step === null) continue;
      if (step.done) return step.value;
      await yieldToEventLoop();
    }
  }

  /** The page read and not yet applied (handed to a worker when the pull turns out large). */
  take(): ChangesPageEnvelope | null {
    const page = this.held;
    this.held = null;
    return page;
  }

  end(): void {}
}

/** In a worker session; `handed` is a page main read before the worker started (the pull's first). */
export class WorkerWriter implements PullWriter {
  constructor(
    private readonly session: JobSession,
    private handed: ChangesPageEnvelope | null,
  ) {}

  async read(bytes: Uint8Array, limit: number): Promise<PageHead> {
    // Transferred: main keeps no copy of the body, and parses none of it.
    const read = await this.session.call<WorkerPageRead>('readPage', { bytes, limit }, [bytes.buffer as ArrayBuffer]);
    if ('problem' in read) throw new DeliveryError(read.problem, true);
    return read.head;
  }

  apply(args: Omit<ApplyPageArgs, 'page'>): Promise<PageOutcome> {
    const page = this.handed;
    this.handed = null;
    return page ? this.session.call<PageOutcome>('applyPage', { ...args, page }) : this.session.call<PageOutcome>('applyHeld', args);
  }

  terms: TermOpCall = (op) => this.session.call(op, null);

  end(): void {
    this.session.end();
  }
}
