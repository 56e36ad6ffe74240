export type PrintOutcome = { kind: 'printed' | 'cancelled' | 'failed'; message: string } | null;

/**
 * What the Electron print channel answered, in the clerk's words. Printed is recorded only when
 * the printer took the job; a cancelled or failed print records nothing and keeps Print there.
 */
export function printOutcome(result: { ok: boolean; message?: string }): { record: boolean; outcome: NonNullable<PrintOutcome> } {
  if (result.ok) return { record: true, outcome: { kind: 'printed', message: 'Sent to the printer.' } };
  if (!result.message)
    return { record: false, outcome: { kind: 'cancelled', message: 'Printing was cancelled: nothing was printed. Press Print when ready.' } };
  return { record: false, outcome: { kind: 'failed', message: `${result.message} Check the printer, then press Print again.` } };
}
