import { generatePin, hashPin } from '../../../shared/domain/pin';
import { pinFingerprint } from './pinSecrets';

/**
 * PINs made and hashed while the clerk reads the plan (issue 14: "hash while the clerk reads the
 * plan, keyed by the batch id"). The slow part of issuing is the salted hash of each PIN; the
 * plan step asks for them as soon as it shows, so the confirmation only checks and writes.
 *
 * Held in this process's memory only, never written, for at most PREPARED_TTL_MS, for at most
 * MAX_BATCHES batches; taken (and forgotten) by the confirmation of the same batch. Issuing
 * without them works as before: it makes and hashes what it needs.
 */
export interface PreparedPin {
  pin: string;
  fingerprint: string;
  hash: string;
}

export const PREPARED_TTL_MS = 15 * 60_000;
const MAX_BATCHES = 20;
/** No family plan has more PINs than the contract lets a confirmation carry. */
const MAX_PER_BATCH = 50;

interface Batch {
  madeAt: number;
  pins: Promise<PreparedPin[]>;
}

export class PreparedPins {
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly pinKey: Buffer,
    private readonly monotonicMs: () => number,
    /** Where PINs come from (the cryptographic generator; tests pass their own to know them). */
    private readonly newPin: () => string = generatePin,
  ) {}

  /** Makes sure `count` PINs are being made for the batch (a plan that grew gets the difference). */
  prepare(batchId: string, count: number): void {
    this.forgetStale();
    const wanted = Math.min(Math.max(0, Math.floor(count)), MAX_PER_BATCH);
    const existing = this.batches.get(batchId);
    const before = existing?.pins ?? Promise.resolve([]);
    const pins = before.then(async (made) => (made.length >= wanted ? made : [...made, ...(await this.make(wanted - made.length))]));
    // A failed hash leaves nothing prepared: issuing makes its own.
    pins.catch(() => this.batches.delete(batchId));
    this.batches.delete(batchId);
    this.batches.set(batchId, { madeAt: existing?.madeAt ?? this.monotonicMs(), pins });
    while (this.batches.size > MAX_BATCHES) this.batches.delete(this.batches.keys().next().value!);
  }

  /** The batch's prepared PINs (waiting for those still being hashed), removed from memory. */
  async take(batchId: string): Promise<PreparedPin[]> {
    this.forgetStale();
    const batch = this.batches.get(batchId);
    this.batches.delete(batchId);
    if (!batch) return [];
    try {
      return await batch.pins;
    } catch {
      return [];
    }
  }

  /** Forgets everything (the app closing). */
  clear(): void {
    this.batches.clear();
  }

  get size(): number {
    return this.batches.size;
  }

  private async make(n: number): Promise<PreparedPin[]> {
    const pins = Array.from({ length: n }, () => this.newPin());
    const hashes = await Promise.all(pins.map((pin) => hashPin(pin)));
    return pins.map((pin, i) => ({ pin, fingerprint: pinFingerprint(this.pinKey, pin), hash: hashes[i]! }));
  }

  private forgetStale(): void {
    const now = this.monotonicMs();
    for (const [id, batch] of this.batches) if (now - batch.madeAt > PREPARED_TTL_MS) this.batches.delete(id);
  }
}
