import { describe, expect, it } from 'vitest';
import { printOutcome } from '../../renderer/src/wizard/printOutcome';

/** Issue 12 item 5: "printed" is recorded only when the printer took the job, and a failure is said. */
describe('printOutcome', () => {
  it('the printer took it: recorded', () => {
    expect(printOutcome({ ok: true })).toEqual({ record: true, outcome: { kind: 'printed', message: 'Sent to the printer.' } });
  });
  it('the clerk cancelled the dialog: nothing recorded, Print stays', () => {
    expect(printOutcome({ ok: false })).toMatchObject({ record: false, outcome: { kind: 'cancelled' } });
  });
  it('the printer failed: nothing recorded, and the clerk reads why and what to do', () => {
    const { record, outcome } = printOutcome({ ok: false, message: 'The packet could not be printed (no printer is connected).' });
    expect(record).toBe(false);
    expect(outcome).toEqual({
      kind: 'failed',
      message: 'The packet could not be printed (no printer is connected). Check the printer, then press Print again.',
    });
  });
});
