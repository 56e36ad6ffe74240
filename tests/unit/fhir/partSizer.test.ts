import { describe, expect, it } from 'vitest';
import { APPLY_PART_ROWS, partSizerFor } from '../../../electron/main/sync/applyOps';

/**
 * How many records a pull or FHIR page part holds (issue 14): about 25 ms of writing on a connection
 * that cannot hear the desk inside a part, about 100 ms in a job worker that shares the desk's
 * counters (it ends the part early when a desk write asks, so the desk waits for a few records, not
 * the part). Fewer, longer parts rewrite each index page fewer times.
 */
describe('part sizes', () => {
  it('start at 500 records and move halfway toward what 25 ms took where the desk is not heard', () => {
    const sizer = partSizerFor(undefined);
    expect(sizer.next()).toBe(APPLY_PART_ROWS);
    sizer.took(500, 25);
    expect(sizer.next()).toBe(500);
    sizer.took(500, 50); // 50 ms for 500: 250 records would take 25 ms
    expect(sizer.next()).toBe(375);
  });

  it('aim at 100 ms in a worker that hears the desk', () => {
    const sizer = partSizerFor(new SharedArrayBuffer(16));
    expect(sizer.next()).toBe(APPLY_PART_ROWS);
    sizer.took(500, 25); // 2,000 records would take 100 ms
    expect(sizer.next()).toBe(1_250);
    sizer.took(1_250, 100);
    expect(sizer.next()).toBe(1_250);
  });

  it('stay between 50 and 8,000 records', () => {
    const heard = partSizerFor(new SharedArrayBuffer(16));
    for (let i = 0; i < 20; i++) heard.took(heard.next(), 1);
    expect(heard.next()).toBe(8_000);
    const quiet = partSizerFor(undefined);
    for (let i = 0; i < 20; i++) quiet.took(quiet.next(), 10_000);
    expect(quiet.next()).toBe(50);
  });
});
