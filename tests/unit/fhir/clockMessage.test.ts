import { describe, expect, it } from 'vitest';
import { clockMessage } from '../../../electron/main/fhir/smart';

/** Issue 15's refused sign-in, told apart: this computer's clock against the EHR's Date header. */
const SERVER = 'Thu, 03 Dec 2026 15:00:00 GMT';
const at = Date.parse('2026-12-03T15:00:00Z');

describe('clockMessage', () => {
  it('says nothing when the clocks are under 30 s apart, or the EHR sent no date, or one that is not a date', () => {
    expect(clockMessage(SERVER, at + 29_000)).toBeNull();
    expect(clockMessage(SERVER, at - 29_000)).toBeNull();
    expect(clockMessage(null, at - 400 * 86_400_000)).toBeNull();
    expect(clockMessage('yesterday, more or less', at)).toBeNull();
  });

  it('names the difference as the status bar’s clock warning does, and which way', () => {
    expect(clockMessage(SERVER, at + 31_000)).toContain('clock is 1 minute ahead of the EHR’s');
    expect(clockMessage(SERVER, at - 90_000)).toContain('clock is 2 minutes behind the EHR’s');
    expect(clockMessage(SERVER, at - 12 * 60_000)).toContain('clock is 12 minutes behind');
    expect(clockMessage(SERVER, at + 3 * 3_600_000)).toContain('clock is 3 h ahead of');
    expect(clockMessage(SERVER, at - 400 * 86_400_000)).toContain('clock is 400 days behind');
  });
});
